"""Comparing a name or term: case, accents, punctuation and a leading article ignored; small misspellings
accepted under a similarity threshold fitted on labelled answers (rapidfuzz's optimal string alignment:
a swapped pair of letters counts as one edit); a surname for a person; an acronym for its words."""

from __future__ import annotations

import re
from dataclasses import dataclass

from quizzer.core.types import Verdict
from quizzer.grading.offline.typed import units
from quizzer.grading.offline.typed.datafiles import fitted, word_set, words
from quizzer.grading.offline.typed.outcome import UNSURE, Comparison, Context, right, wrong
from quizzer.grading.offline.typed.textutil import has_negation, plain, residual_words, words as folded_words

# An answer this many words longer than the reference, with the reference nowhere in it, is left to the
# free-text grader: it is an explanation, not a short answer.
MAX_EXTRA_WORDS = 3


@dataclass(frozen=True)
class Match:
    similarity: float
    span: str  # the answer's words that matched best
    how: str  # "same", "spelling", "surname", "acronym", "part"


_VOWELS = frozenset("aeiouy")


def similarity(first: str, second: str) -> float:
    """0..1: 1 minus a spelling distance over the longer length. The distance is rapidfuzz's optimal string
    alignment (a swapped pair of letters is one edit), plus one for each consonant replaced by another:
    misspellings keep a word's consonants ("Canbera", "Austin", "Tigirs"), other words change them
    ("chlorite" for "chloride"). Names whose digits differ ("NaCl2") are not alike at all."""
    from rapidfuzz.distance import OSA, Levenshtein

    if first == second:
        return 1.0
    if re.sub(r"\D", "", first) != re.sub(r"\D", "", second):
        return 0.0
    longest = max(len(first), len(second))
    operations = Levenshtein.editops(first, second)
    swapped = {(op.src_pos, op.dest_pos) for op, nxt in zip(operations, operations[1:])
               if op.tag == nxt.tag == "replace" and nxt.src_pos == op.src_pos + 1
               and first[op.src_pos] == second[nxt.dest_pos] and first[nxt.src_pos] == second[op.dest_pos]}
    swapped |= {(src + 1, dest + 1) for src, dest in swapped}
    consonants = sum(1 for op in operations if op.tag == "replace" and (op.src_pos, op.dest_pos) not in swapped
                     and _other_consonant(first[op.src_pos], second[op.dest_pos]))
    return max(0.0, 1.0 - (OSA.distance(first, second) + consonants) / longest)


def _other_consonant(first: str, second: str) -> bool:
    """A consonant replaced by one that neither looks nor sounds like it ("d" for "t"; not "s" for "c")."""
    if not (first.isalpha() and second.isalpha()) or first in _VOWELS or second in _VOWELS:
        return False
    return not any({first, second} == set(pair) for pair in words()["sound_alike_letters"])


def name_words(text: str) -> list[str]:
    """Folded words without a leading article ("The Tigris" -> ["tigris"], "der Hund" -> ["hund"])."""
    found = folded_words(text)
    if len(found) > 1 and found[0] in word_set("articles"):
        found = found[1:]
    return found


def compare_name(answer: str, reference: str, context: Context) -> Comparison | None:
    """The answer's name or term against the reference's; None when the answer is an explanation."""
    expected = name_words(reference)
    given_words = name_words(answer)
    if not expected or not given_words:
        return None
    threshold, doubtful = fitted()["name_similarity"], fitted()["name_similarity_uncertain"]
    shown = plain(reference)
    candidates = [given_words, name_words(" ".join(residual_words(answer, context.question, frozenset(expected))))]
    best = max((_match(candidate, expected, answer, context) for candidate in candidates if candidate),
               key=lambda match: match.similarity)
    window = _best_window(given_words, expected)
    if window.similarity > best.similarity:
        best = window
    given = plain(answer) if len(answer) <= 60 else " ".join(candidates[1] or given_words)
    details = {"similarity": round(best.similarity, 3), "matched_by": best.how}
    if best.similarity >= threshold:
        if has_negation(answer) and not has_negation(reference):
            return None  # "not Canberra": leave it to the free-text grader's negation check
        return right(shown, best.span, _agree(best, shown), probability=_probability(best.similarity), **details)
    short = len(candidates[1] or given_words) <= len(expected) + MAX_EXTRA_WORDS
    if not short:
        return None
    if best.similarity >= doubtful:
        return Comparison(Verdict.UNCERTAIN, f"You said {given}; the answer is {shown} (close, but not the same "
                          "spelling).", shown, given, UNSURE, details)
    return wrong(shown, given, f"You said {given}; the answer is {shown}.", **details)


def _agree(match: Match, shown: str) -> str:
    if match.how == "surname":
        return f"{match.span}: {shown}."
    if match.how == "acronym":
        return f"{match.span} stands for {shown}."
    if match.how == "spelling":
        return f"{shown} (spelled {match.span})."
    return f"{shown}."


def _probability(value: float) -> float:
    return 0.99 if value >= 0.999 else round(0.6 + 0.39 * value, 3)


def _match(given: list[str], expected: list[str], answer: str, context: Context) -> Match:
    span = " ".join(given)
    joined, target = "".join(given), "".join(expected)
    if joined == target:
        return Match(1.0, span, "same")
    scores = [Match(term_similarity(given, expected), span, "spelling")]
    if context.asks_for_person and len(expected) > 1:
        scores.append(_surname(given, expected, span))
    if _is_acronym(answer, expected):
        scores.append(Match(1.0, span, "acronym"))
    if _same_unit(answer, context.references or (" ".join(expected),)):
        scores.append(Match(1.0, span, "unit"))
    generic = word_set("generic_name_words")
    distinctive = [word for word in expected if word not in generic]
    specific = [word for word in given if word not in generic]
    if distinctive and specific and distinctive != expected:
        scores.append(Match(_word_similarity(specific, distinctive), span, "part"))
    return max(scores, key=lambda match: match.similarity)


def term_similarity(given: list[str], expected: list[str]) -> float:
    """Word by word (see `_word_similarity`), plural and singular alike ("gases" for "gas")."""
    similar = _word_similarity(given, expected)
    singular = [_singular(word) for word in given], [_singular(word) for word in expected]
    return max(similar, _word_similarity(*singular)) if singular != (given, expected) else similar


def _word_similarity(given: list[str], expected: list[str]) -> float:
    """Word by word when the counts agree (so "Pierre Curie" is far from "Marie Curie"), in either order."""
    whole = similarity(" ".join(given), " ".join(expected))
    if len(given) != len(expected) or len(given) == 1:
        return whole
    in_order = min(similarity(first, second) for first, second in zip(given, expected))
    in_sorted_order = min(similarity(first, second) for first, second in zip(sorted(given), sorted(expected)))
    return max(min(whole, in_order), in_sorted_order)


def _surname(given: list[str], expected: list[str], span: str) -> Match:
    """"Einstein" or "A. Einstein" for Albert Einstein; "Pierre Curie" is not Marie Curie."""
    surname = similarity(given[-1], expected[-1])
    first_names = given[:-1]
    if first_names and not all(len(name) == 1 and name == expected[0][0] or name in expected for name in first_names):
        return Match(0.0, span, "surname")
    return Match(surname, span, "surname")


def _singular(word: str) -> str:
    """"gases" -> "gas", "liquids" -> "liquid": plural and singular compared alike."""
    if word.endswith(("ses", "xes", "ches", "shes")) and len(word) >= 5:
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


def _same_unit(answer: str, references: tuple[str, ...]) -> bool:
    """"N" for newton, "kg m/s^2" for newton: a unit of measurement by its name or its symbol."""
    answer_unit = units.resolve_unit(plain(answer)) if len(answer) <= 20 else None
    if answer_unit is None:
        return False
    for reference in references:
        text = plain(reference)
        if re.fullmatch(r"[^\W\d_]{3,}", text):
            unit = units.resolve_unit(text)
            if unit is not None and units.convert(1.0, answer_unit, unit) == 1.0:
                return True
    return False


def _is_acronym(answer: str, expected: list[str]) -> bool:
    letters = re.sub(r"[^A-Za-z]", "", answer.strip())
    content = [word for word in expected if word not in ("of", "and", "the", "for")]
    return (1 < len(letters) <= 8 and letters.isupper() and len(content) > 1
            and letters.lower() == "".join(word[0] for word in content))


def _best_window(given: list[str], expected: list[str]) -> Match:
    """The reference found inside a longer answer ("I'm fairly sure it was Jane Austen who wrote it")."""
    best = Match(0.0, "", "spelling")
    size = len(expected)
    if len(given) <= size:
        return best
    for start in range(len(given) - size + 1):
        window = given[start:start + size]
        score = _word_similarity(window, expected)
        if score > best.similarity:
            best = Match(score, " ".join(window), "spelling" if score < 1 else "same")
    return best
