"""The evidence of one pair (an answer's claim, the card statement it speaks to): how close they are, and what differs.

Words, not vectors: a negation on one side only (`negated_heads`), an opposite (`OPPOSITES`), another figure or
formula, the same terms in another order, another name in place of the card's. `quizzer.grading.offline.claims`
decides which differences count. Their word lists are data (`data/claim_*.txt`).
"""

from __future__ import annotations

import difflib
import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from quizzer.core.resources import word_list, word_pairs
from quizzer.grading.offline import text as words_of
from quizzer.grading.offline.alignment import load_idf

_PACKAGE = "quizzer.grading.offline"

# A claim whose word-sequence ratio to the statement reaches this copies its wording: figures, formulas and swapped
# names are looked for only there (chosen on the labelled interview answers; looser, they fire on paraphrases).
COPIED = 0.5


def _opposites() -> dict[str, frozenset[str]]:
    table: dict[str, set[str]] = {word: set(others) for word, others in words_of.ANTONYMS.items()}
    # Words that change a claim's direction when one is put for the other (beyond `text.ANTONYMS`).
    for left, right in word_pairs(_PACKAGE, "claim_opposites.txt"):
        table.setdefault(left, set()).add(right)
        table.setdefault(right, set()).add(left)
    return {word: frozenset(others) for word, others in table.items()}


OPPOSITES = _opposites()

_ORDERED = re.compile(r"\b(?:then|before|after|followed by|first|finally|precedes|follows)\b|->|→", re.IGNORECASE)
# A formula: symbols joined by operators ("r*(m+n)", "T*U*V", "m x n" is words and left to the number check).
_MATH = re.compile(r"\(?[A-Za-z0-9_]+\)?(?:\s*[*/^+×·]\s*\(?\s*[A-Za-z0-9_]+(?:\s*[*/^+]\s*[A-Za-z0-9_]+)*\s*\)?)+")


# -- words -------------------------------------------------------------------------------------
def content(text: str) -> tuple[str, ...]:
    return words_of.content_stems(text)


def _weights(stems: set[str] | frozenset[str]) -> dict[str, float]:
    _, idf, unseen = load_idf()
    return {item: idf.get(item, unseen) for item in stems}


@dataclass(frozen=True)
class Bag:
    """A text's content words with their IDF weights (worked out once for a card's statements)."""

    weights: dict[str, float]
    total: float

    @classmethod
    def of(cls, stems: Sequence[str]) -> Bag:
        weights = _weights(set(stems))
        return cls(weights, math.fsum(weights.values()))


def overlap(claim: tuple[str, ...] | Bag, statement: tuple[str, ...] | Bag) -> float:
    """IDF-weighted F1 of the two texts' content words."""
    left = claim if isinstance(claim, Bag) else Bag.of(claim)
    right = statement if isinstance(statement, Bag) else Bag.of(statement)
    if not left.total or not right.total:
        return 0.0
    shared = left.weights.keys() & right.weights.keys()
    if not shared:
        return 0.0
    precision = math.fsum(left.weights[item] for item in shared) / left.total
    recall = math.fsum(right.weights[item] for item in shared) / right.total
    return 2 * precision * recall / (precision + recall)


# -- evidence of one pair ----------------------------------------------------------------------
def pair_evidence(claim: str, statement: str, card_terms: frozenset[str]) -> tuple[dict[str, float], dict[str, str]]:
    """What differs between a claim and the statement it speaks to: how close they are (`aligned`, the IDF-weighted
    word overlap; `ratio`, difflib's word-sequence ratio), and in `details` each difference found, by kind, with
    the words that differ."""
    claim_stems, statement_stems = content(claim), content(statement)
    aligned = overlap(claim_stems, statement_stems)
    shared = set(claim_stems) & set(statement_stems)
    details: dict[str, str] = {}

    claim_negated, statement_negated = negated_heads(claim), negated_heads(statement)
    claim_numbers, statement_numbers = words_of.numbers(claim), words_of.numbers(statement)
    # A word one side negates and the other says plainly (a word of one family counts: "storage", "store").
    flipped = _kin(claim_negated - statement_negated, statement_stems, statement_numbers) | _kin(
        statement_negated - claim_negated, claim_stems, claim_numbers)
    parity = _cues(claim) % 2 != _cues(statement) % 2
    if flipped and parity:
        details["negation"] = words_of.phrase_of(claim, flipped)

    # "doesn't care whether they are the same" says "they may differ": a negated opposite is a paraphrase.
    opposites = _opposite_words(claim, statement) if not parity else []
    if opposites:
        details["opposite"] = ", ".join(f"{said} (the card: {meant})" for said, meant in opposites[:2])

    extra_numbers, missing_numbers = claim_numbers - statement_numbers, statement_numbers - claim_numbers
    number = bool(extra_numbers and missing_numbers) and (bool(claim_numbers & statement_numbers) or aligned >= 0.5)
    if number:
        details["number"] = f"{', '.join(sorted(extra_numbers))} (the card: {', '.join(sorted(missing_numbers))})"
    claim_math, statement_math = _formulas(claim), _formulas(statement)
    formula = bool(claim_math - statement_math and statement_math - claim_math)
    if formula:
        details["formula"] = f"{sorted(claim_math - statement_math)[0]} (the card: {sorted(statement_math - claim_math)[0]})"

    ratio = difflib.SequenceMatcher(a=words_of.words(claim), b=words_of.words(statement), autojunk=False).ratio()
    # Paraphrase moves words freely ("big batches are hard to use"); only a sequence the statement spells out
    # ("collapses repeats and then removes blanks") turned round says another thing.
    order = _crossings(claim_stems, statement_stems, shared) if aligned >= 0.8 and _ORDERED.search(statement) else 0
    if order >= 2:
        details["order"] = "the same terms in another order"

    # Names swapped are looked for only in a claim that copies the statement's wording (`COPIED`).
    swapped_in = _substituted_terms(claim, statement, card_terms, near_copy=ratio >= 0.7) if ratio >= COPIED else []
    if swapped_in:
        details["term"] = ", ".join(f"{said} (the card: {meant})" for said, meant in swapped_in[:2])
    return {"aligned": aligned, "ratio": ratio}, details


# What negates a claim: explicit negations (less the weak ones), "non-" and a few verbs that deny what follows.
_CLAIM_CUES = (words_of.NEGATION_CUES - set(word_list(_PACKAGE, "claim_weak_cues.txt"))) | set(
    word_list(_PACKAGE, "claim_negation_cues.txt"))
# Phrases that deny what follows, read as one "not": "rules out X", "hard to use X" ("can't use X").
_RULES_OUT = re.compile(r"\brul(?:e|es|ed|ing) out\b|\b(?:hard|difficult|impossible|unable) to\b", re.IGNORECASE)
# A negation governs the words right after it, up to the end of its phrase.
_SCOPE_ENDS = frozenset(word_list(_PACKAGE, "claim_scope_ends.txt"))
_SCOPE_WORDS = 3


def _is_cue(word: str) -> bool:
    return word in _CLAIM_CUES or word.endswith("n't")


@lru_cache(maxsize=8192)
def _cues(text: str) -> int:
    text = _CONTRASTED.sub(" ", _RULES_OUT.sub("not", text))
    words = words_of.words(text)
    return sum(1 for index, word in enumerate(words) if _is_cue(word) and words[index + 1 : index + 2] not in (["only"], ["just"]))


_CONTRASTED = re.compile(r",\s*not\b", re.IGNORECASE)


@lru_cache(maxsize=8192)
def negated_heads(text: str) -> frozenset[str]:
    """The first content words (stems, or numbers) after each negation, within its phrase: what it denies.

    Narrower than `text.negated_stems`, which reaches four words on: in "CTC has no internal LM because frames are
    predicted independently" the "no" denies an internal LM, not that frames are predicted."""
    tokens = re.findall(r"[a-z0-9']+|[,.;:!?()\[\]/=+~]", _RULES_OUT.sub("not", text.lower().replace("’", "'")))
    found: set[str] = set()
    for index, token in enumerate(tokens):
        if not _is_cue(token) or tokens[index + 1 : index + 2] in (["only"], ["just"]):
            continue  # "not only a training trick" asserts it
        if token == "not" and index and tokens[index - 1] == ",":
            continue  # "collapsed prefixes, not individual alignments" sets an alternative aside; it denies nothing said
        taken = 0
        for word in tokens[index + 1 : index + 8]:
            if not word[0].isalnum() or word in _SCOPE_ENDS:
                break
            if word in words_of.STOPWORDS or _is_cue(word) or (len(word) < 2 and not word.isdigit()):
                continue
            found.add(word if word.isdigit() else words_of.stem(word))
            taken += 1
            if taken == _SCOPE_WORDS:
                break
    return frozenset(found)


def _kin(heads: frozenset[str], stems: Sequence[str], numbers: frozenset[str]) -> set[str]:
    """The heads that the other text also uses, counting words of one family ("storage" and "store")."""
    found = {head for head in heads if head in numbers}
    for head in heads:
        for other in stems:
            prefix = len(os.path.commonprefix([head, other]))
            if head == other or (prefix >= 4 and min(len(head), len(other)) - prefix <= 1
                                 and abs(len(head) - len(other)) <= 3):
                found.add(head)
                break
    return found


def _opposite_words(claim: str, statement: str) -> list[tuple[str, str]]:
    return words_of.antonym_conflicts(claim, statement, OPPOSITES)


def _substituted_terms(claim: str, statement: str, terms: frozenset[str], *, near_copy: bool) -> list[tuple[str, str]]:
    """Another term put where the statement has one of the card's terms, between words both share: "CTC also
    modelling label dependencies" for "RNN-T also modelling label dependencies". The term put in must be a name
    (an acronym or a capitalised word inside the sentence: "CTC", "LSTM", "Listen-Attend-Spell"), or, in a near copy
    of the statement, another of the card's own terms ("an encoder over the previous labels"). Ordinary words put
    for the card's ("delay" for "latency") are paraphrase."""
    claim_words, statement_words = _cased_words(claim), _cased_words(statement)
    claim_stems = [_term_key(word) for word in claim_words]
    statement_stems = [_term_key(word) for word in statement_words]
    found = []
    matcher = difflib.SequenceMatcher(a=claim_stems, b=statement_stems, autojunk=False)
    for tag, a_start, a_end, b_start, b_end in matcher.get_opcodes():
        if tag != "replace" or a_end - a_start > 3 or b_end - b_start > 3:
            continue
        meant = [(word, _is_name(word, index)) for index, (word, item) in
                 enumerate(zip(statement_words[b_start:b_end], statement_stems[b_start:b_end]), b_start)
                 if _is_term(item, terms) and item not in claim_stems and _content_word(word)]
        said = [(word, _is_name(word, index)) for index, (word, item) in
                enumerate(zip(claim_words[a_start:a_end], claim_stems[a_start:a_end]), a_start)
                if item not in statement_stems and _content_word(word)]
        for word, name in said:
            # A name for a name ("CTC" for "RNN-T"), or in a near copy one of the card's words for another.
            others = [other for other, other_name in meant if (name and other_name)
                      or (near_copy and not name and _is_term(_term_key(word), terms))]
            others = [other for other in others if not _same_thing(word, other)]
            if others:
                found.append((word, others[0]))
                break
    return found


# Words that join or qualify rather than name something: never a swapped term.
_NOT_TERMS = frozenset(word_list(_PACKAGE, "claim_not_terms.txt"))


def _content_word(word: str) -> bool:
    lowered = word.lower()
    return lowered not in words_of.STOPWORDS and lowered not in _NOT_TERMS and not _is_cue(lowered)


def _same_thing(said: str, meant: str) -> bool:
    """One word inside the other ("end" of "end-of-sentence", "ReLU" of "post-ReLU"), or an acronym of it ("FFN" of
    "feed-forward")."""
    left, right = said.lower(), meant.lower()
    if left in right or right in left:
        return True
    for short, long in ((left, right), (right, left)):
        initials = "".join(part[0] for part in long.split("-") if part)
        if len(initials) > 1 and short.startswith(initials):
            return True
    return False


def _term_key(word: str) -> str:
    """A word's stem; a hyphenated name keeps its parts ("rnn-t")."""
    return "-".join(words_of.stem(part) for part in word.lower().split("-"))


def _is_term(key: str, terms: frozenset[str]) -> bool:
    return any(part in terms for part in key.split("-") if len(part) > 1)


_CASED_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*")


@lru_cache(maxsize=8192)
def _cased_words(text: str) -> list[str]:
    return _CASED_WORD.findall(text)


def _is_name(word: str, index: int) -> bool:
    """An acronym ("CTC", "RNN-T") anywhere, or a capitalised word past the first ("Listen-Attend-Spell"); not a
    shape written in capitals ("BxHxUxT")."""
    capitals = sum(character.isupper() for character in word)
    if re.fullmatch(r"[A-Z](?:x[A-Z0-9])+", word) or any(character.isdigit() for character in word):
        return False
    return len(word) > 1 and (capitals >= 2 or (index > 0 and word[0].isupper()))


@lru_cache(maxsize=8192)
def _formulas(text: str) -> frozenset[str]:
    """Formulas over short symbols ("r*(m+n)", "T*U*V"); "layers + per-layer" is prose."""
    found = set()
    for match in _MATH.finditer(text):
        formula = re.sub(r"\s+", "", match.group(0)).lower()
        symbols = re.findall(r"[a-z0-9_]+", formula)
        if symbols and all(len(symbol) <= 3 for symbol in symbols) and any(c.isalpha() for c in formula):
            found.add(formula)
    return frozenset(found)


def _crossings(claim: tuple[str, ...], statement: tuple[str, ...], shared: set[str]) -> int:
    """How many pairs of words both texts hold once each appear in the opposite order."""
    once = [item for item in shared if claim.count(item) == 1 and statement.count(item) == 1]
    if len(once) < 3:
        return 0
    in_claim = sorted(once, key=claim.index)
    ranks = [statement.index(item) for item in in_claim]
    # Count inversions between words that are not neighbours in both (a local swap of two adjectives is style).
    inversions = 0
    for i in range(len(ranks)):
        for j in range(i + 1, len(ranks)):
            if ranks[i] > ranks[j] and abs(ranks[i] - ranks[j]) > 1:
                inversions += 1
    return inversions
