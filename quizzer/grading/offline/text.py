"""Word-level text evidence that sentence vectors cannot see: content words, negation, numbers, clauses."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from quizzer.core.resources import data_json, word_list, word_pairs

WORD_PATTERN = re.compile(r"\w+|[^\w\s]")
_WORD_ONLY = re.compile(r"[a-z0-9]+(?:[.'][a-z0-9]+)*")

_PACKAGE = "quizzer.grading.offline"
# The word lists are data (quizzer/grading/offline/data/), read once here.
STOPWORDS = frozenset(word_list(_PACKAGE, "stopwords.txt"))
NEGATION_CUES = frozenset(word_list(_PACKAGE, "negation_cues.txt"))
_NUMBER_WORDS: dict[str, str] = data_json(_PACKAGE, "number_words.json")
_NUMBER = re.compile(r"(?<![a-z])\d+(?:[.,]\d+)?")
# An offset glued to a symbol ("tokens+1", "U+1", "T-1", "2U+1"): notation, not a claim about a number.
_OFFSET = re.compile(r"(?<=[a-z0-9)\]])\s?[+]\s?\d+\b|(?<=[a-z)\]])[-−]\d+\b")
_DONT_KNOW = re.compile(
    r"^\s*(?:i\s+)?(?:do\s*n[o']?t|dont|have\s+no|no)\s+(?:know|idea|clue)\b|^\s*(?:idk|dunno|no idea|pass|skip|"
    r"not sure|\?+|i(?:'m| am) not sure|i forget|i forgot|i can'?t remember|i don'?t remember|no clue)\s*[.!?]*\s*$",
    re.IGNORECASE,
)


def words(text: str) -> list[str]:
    """Lower-case word tokens (no punctuation; a possessive "'s" dropped, so "transducer's" is "transducer")."""
    return list(_words(text))


@lru_cache(maxsize=8192)  # each answer's text is split several times by the evidence checks
def _words(text: str) -> tuple[str, ...]:
    found = (match.group(0) for match in _WORD_ONLY.finditer(text.lower().replace("’", "'")))
    return tuple(word[:-2] if word.endswith("'s") and word not in STOPWORDS else word for word in found)


@lru_cache(maxsize=65536)  # a few thousand distinct words recur across every answer
def stem(word: str) -> str:
    """A light suffix-stripping stem, enough to match 'evaporated' with 'evaporation' and 'bulbs' with 'bulb'."""
    for suffix in ("ational", "ations", "ation", "ments", "ment", "ness", "ings", "ing", "ies", "ied", "edly",
                   "ly", "ed", "es", "er", "s", "e"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + ("y" if suffix in ("ies", "ied") else "")
    return word


@lru_cache(maxsize=8192)  # references and questions come back for every answer to their card
def content_stems(text: str) -> tuple[str, ...]:
    """Stems of the words that carry content (stopwords, negations and one-letter words dropped)."""
    return tuple(stem(word) for word in words(text) if word not in STOPWORDS and word not in NEGATION_CUES and len(word) > 1)


# Phrases that deny what follows as firmly as "cannot": "hard to use big batches", "limits the batch size",
# "too big to fit". Matched on the token list; the scope starts after the phrase.
_POLARITY_ADJECTIVES = frozenset(word_list(_PACKAGE, "polarity_adjectives.txt"))
_POLARITY_VERBS = frozenset(word_list(_PACKAGE, "polarity_verbs.txt"))


def _polarity_cue(tokens: list[str], index: int) -> int | None:
    """Where the scope of a negative-polarity cue at `index` starts (None when there is no cue there)."""
    token = tokens[index]
    if token in NEGATION_CUES or token.endswith("n't"):
        return index + 1
    following = tokens[index + 1 : index + 2]
    if token in _POLARITY_ADJECTIVES and following == ["to"]:
        return index + 2
    if token in _POLARITY_VERBS:
        return index + 1
    if token == "too":
        # "too big to fit": the cue is the "to" one or two words on.
        for offset in (2, 3):
            if tokens[index + offset : index + offset + 1] == ["to"] and "," not in tokens[index + 1 : index + offset]:
                return index + offset + 1
    return None


# What ends a negation's reach: clause punctuation, and in notes the signs that separate items
# ("(no OOV) + shorter sequences", "a / b", "x = y").
_SCOPE_BREAKS = frozenset(",.;:!?()+/=")
_TOKEN = re.compile(r"[a-z0-9']+|[" + re.escape("".join(sorted(_SCOPE_BREAKS))) + "]")


def _tokens(text: str) -> list[str]:
    """Lower-case words (possessive "'s" dropped, like `words`) and the signs in `_SCOPE_BREAKS`."""
    return _TOKEN.findall(re.sub(r"'s\b", "", text.lower().replace("’", "'")))


@lru_cache(maxsize=8192)  # an answer is checked against each of its card's references
def negation_count(text: str) -> int:
    """Negations and phrases of the same polarity ("hard to", "unable to", "limits", "too ... to")."""
    tokens = _tokens(text)
    return sum(1 for index in range(len(tokens)) if _polarity_cue(tokens, index) is not None)


@lru_cache(maxsize=8192)
def negated_stems(text: str) -> frozenset[str]:
    """Stems of the content words (and numbers) a negation governs: up to four after the cue, in its clause.

    "does not contain a 4-D joint output" -> {contain, 4, joint, output}; "hard to use big training batches"
    and "cannot use big training batches" -> {big, train, batch} (see `_polarity_cue`). An answer particle
    ("No, because ...") and "not only" are not negations; "no longer" is one, of the words after it. Two
    cues over the same word cancel: "not hard to use big batches" negates only {hard}.
    """
    return frozenset(word for word, count in _scope_counts(text).items() if count % 2)


@lru_cache(maxsize=8192)
def reaffirmed_stems(text: str) -> frozenset[str]:
    """Words under two cues ("not hard to use big batches" -> {big, batch}): asserted against a negation."""
    return frozenset(word for word, count in _scope_counts(text).items() if count and count % 2 == 0)


@lru_cache(maxsize=8192)
def _scope_counts(text: str) -> dict[str, int]:
    """How many negation cues govern each content word of `text` (a word said twice: its most-governed use).

    Cues are counted per place in the text, so two cues cancel only over the same words ("not hard to use big
    batches"), not when each negates its own mention of a word ("does not model ... (no language model)").
    """
    tokens = _tokens(text)
    at: dict[int, int] = {}
    for index, token in enumerate(tokens):
        start = _polarity_cue(tokens, index)
        if start is None:
            continue
        following = tokens[start : start + 15]
        if token == "no" and (not following or following[0] in (",", ".", "!", "because", "it", "they", "i")):
            continue
        if following[:1] == ["only"]:
            continue
        if following[:1] in (["longer"], ["more"]):
            start += 1
        taken = _scope(tokens, range(start, min(start + 15, len(tokens))))
        if not taken and token not in NEGATION_CUES and not token.endswith("n't"):
            # A polarity phrase that ends its clause governs the words before it: "big batches are hard to use".
            taken = _scope(tokens, range(index - 1, -1, -1), stops=("so", "because", "which", "that"))
        for position in taken:
            at[position] = at.get(position, 0) + 1
    counts: dict[str, int] = {}
    for position, count in at.items():
        word = tokens[position]
        key = word if word.isdigit() else stem(word)
        counts[key] = max(counts.get(key, 0), count)
    return counts


def _scope(tokens: list[str], positions: range, stops: tuple[str, ...] = ()) -> list[int]:
    """Where the first four content words (or numbers) along `positions` are, stopping at the clause's end."""
    taken: list[int] = []
    for position in positions:
        word = tokens[position]
        if word in _SCOPE_BREAKS or word in ("but", "however", "instead", "rather") or word in stops:
            break
        if word in STOPWORDS or word in NEGATION_CUES or (len(word) < 2 and not word.isdigit()):
            continue
        taken.append(position)
        if len(taken) == 4:
            break
    return taken


def phrase_of(text: str, stems: set[str] | tuple[str, ...]) -> str:
    """The stretch of `text` from the first to the last word whose stem (or number) is in `stems`."""
    wanted = set(stems)
    hits = [m for m in re.finditer(r"[A-Za-z0-9']+", text) if (m.group(0).lower() if m.group(0).isdigit()
                                                                 else stem(m.group(0).lower())) in wanted]
    if not hits:
        return " ".join(sorted(wanted))
    # One stretch, not the whole answer: stay within a short reach of the first word.
    last = [hit for hit in hits if hit.end() - hits[0].start() <= 40][-1]
    return text[hits[0].start() : last.end()]


@lru_cache(maxsize=8192)
def numbers(text: str) -> frozenset[str]:
    """Numbers written as digits or words, normalised ('four', '4', '4-D' and '4D' all give '4').

    Offsets in notation ("tokens+1", "T-1") are left out: they are part of a symbol, not a number claimed.
    """
    lowered = _OFFSET.sub(" ", text.lower())
    found = {match.group(0).replace(",", "") for match in _NUMBER.finditer(lowered)}
    found |= {_NUMBER_WORDS[word] for word in words(lowered) if word in _NUMBER_WORDS}
    return frozenset(value.rstrip("0").rstrip(".") if "." in value else value for value in found)


ANTONYMS: dict[str, set[str]] = {}
for _left, _right in word_pairs(_PACKAGE, "antonyms.txt"):
    ANTONYMS.setdefault(_left, set()).add(_right)
    ANTONYMS.setdefault(_right, set()).add(_left)


def antonym_conflicts(answer: str, reference: str) -> list[tuple[str, str]]:
    """(answer word, reference word) pairs of opposites: the answer says one where the reference says the other."""
    answer_words, reference_words = set(words(answer)), set(words(reference))
    conflicts = []
    for word in sorted(answer_words - reference_words):
        for opposite in sorted(ANTONYMS.get(word, ())):
            if opposite in reference_words and opposite not in answer_words:
                conflicts.append((word, opposite))
    return conflicts


def is_dont_know(answer: str) -> bool:
    """True for empty answers, answers of punctuation alone, and 'I don't know' and its kin. Text in any
    script is an answer ("猫"), and so is an emoji."""
    stripped = answer.strip()
    return not stripped or bool(_DONT_KNOW.search(stripped)) or not any(map(_is_content, stripped))


def _is_content(char: str) -> bool:
    """A letter or digit of any script, or a symbol (an emoji, a math sign); not punctuation, space or U+FFFD."""
    return char.isalnum() or (unicodedata.category(char) in ("So", "Sm") and char != "\ufffd")


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    text: str


def clauses(text: str, min_words: int = 3) -> list[Span]:
    """Sentences, and clauses split at ';' or ',' where both sides are long enough to stand alone."""
    spans: list[Span] = []
    for sentence in re.finditer(r"(?:[^.;!?\n]|\.(?=\d))+[.;!?]?", text):
        pieces = _split_commas(sentence.start(), sentence.group(0), min_words)
        spans.extend(pieces)
    spans = [span for span in spans if words(span.text)]
    # Fold fragments too short to be a point into their neighbour.
    merged: list[Span] = []
    for span in spans:
        if merged and len(words(span.text)) < min_words:
            previous = merged.pop()
            merged.append(Span(previous.start, span.end, text[previous.start : span.end]))
        else:
            merged.append(span)
    if len(merged) > 1 and len(words(merged[0].text)) < min_words:
        first, second = merged[0], merged[1]
        merged[:2] = [Span(first.start, second.end, text[first.start : second.end])]
    return merged or ([Span(0, len(text), text)] if text.strip() else [])


def _split_commas(offset: int, sentence: str, min_words: int) -> list[Span]:
    parts: list[Span] = []
    start = 0
    for match in re.finditer(r",", sentence):
        left, right = sentence[start : match.start()], sentence[match.end() :]
        if len(words(left)) >= min_words + 1 and len(words(right)) >= min_words + 1:
            parts.append(Span(offset + start, offset + match.start(), left))
            start = match.end()
    parts.append(Span(offset + start, offset + len(sentence), sentence[start:]))
    return [_stripped(span) for span in parts if span.text.strip()]


def _stripped(span: Span) -> Span:
    start = span.start + len(span.text) - len(span.text.lstrip())
    text = span.text.strip()
    return Span(start, start + len(text), text)
