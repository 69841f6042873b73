"""Claim-level checks: each clause of an answer against the card's own statements.

Cosine and token alignment measure how much of the reference an answer covers, not whether what it says is
true: "decoding first removes blanks and then collapses repeats" covers every word of "collapses repeats and
then removes blanks". So the answer is split into its claims (clauses), each claim is aligned with the card
statement it speaks to (a clause of a reference, a key point, or a sentence of the notes), and each aligned pair
is checked for the ways a claim in the card's own words can still be false:

- a negation on one side only ("it still models dependencies" against "it does not model dependencies");
- an opposite ("short, clean utterances" against "long or noisy utterances");
- another number or formula ("r*m*n" against "r*(m+n)", "8x" against "4x");
- the same terms in another order ("removes blanks and then collapses repeats");
- another term of the card in place of the statement's ("CTC also modelling label dependencies" against
  "RNN-T also modelling label dependencies").

Which differences count, and how close the pair must be, was chosen on the labelled interview answers
(`evals/fit_claims.py` prints what each rule does there); a model fitted on the same evidence did worse (evals/README.md,
"Claims"). A claim that matches no statement well is "not addressed": the
card can neither confirm nor deny it (a long answer's asides), which is risk, not error.
"""

from __future__ import annotations

import difflib
import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from quizzer.grading import text as words_of
from quizzer.grading.alignment import load_idf

SUPPORTED = "supported"
NOT_ADDRESSED = "not addressed"
CONTRADICTED = "contradicted"
# Contradicts one of the statements it speaks to but not another as close: neither status can be trusted.
DOUBTFUL = "doubtful"

# A claim speaks to a statement when their IDF-weighted content-word overlap (F1) reaches this; below it, the
# claim is about something the card does not say.
ALIGNED = 0.3
# A claim this close to a statement (and not contradicting it) is supported.
SUPPORTED_AT = 0.5

# Words that change a claim's direction when one is swapped for the other (beyond `text.ANTONYMS`).
_MORE_OPPOSITES = """long short|longer shorter|noisy clean|small large|smaller larger|smaller bigger|few many|
less more|fewer more|reduce increase|reduces increases|reduced increased|shrink grow|shrinks grows|early late|
earlier later|first last|before after|same different|same differ|share differ|shared separate|causal bidirectional|
monotonic non-monotonic|needs avoids|slower faster|slow fast|worse better|lower raise|lose keep|removes keeps|
drops keeps|hurts helps|weights activations|encoder decoder|offline streaming|online offline|global local|
sparse dense|frozen trained|frozen trainable|full partial|whole part|all none|always sometimes|lossless lossy|
upper lower|left right|past future|above below|inside outside|independent dependent|merged separate|
shorter lengthens|longer shortens|lengthen shorten|lengthens shortens|full-size small|widens narrows"""


def _opposites() -> dict[str, frozenset[str]]:
    table: dict[str, set[str]] = {word: set(others) for word, others in words_of.ANTONYMS.items()}
    for pair in _MORE_OPPOSITES.replace("\n", "").split("|"):
        left, right = pair.split()
        table.setdefault(left, set()).add(right)
        table.setdefault(right, set()).add(left)
    return {word: frozenset(others) for word, others in table.items()}


OPPOSITES = _opposites()

# Claim boundaries beyond `text.clauses`: a contrast or a new clause after a comma or semicolon.
_ORDERED = re.compile(r"\b(?:then|before|after|followed by|first|finally|precedes|follows)\b|->|→", re.IGNORECASE)
_CONTRAST = re.compile(r"(?:,|;|\s)\s*(?=\b(?:but|whereas|although|though|while|yet|however|except)\b)", re.IGNORECASE)
# A formula: symbols joined by operators ("r*(m+n)", "T*U*V", "m x n" is words and left to the number check).
_MATH = re.compile(r"\(?[A-Za-z0-9_]+\)?(?:\s*[*/^+×·]\s*\(?\s*[A-Za-z0-9_]+(?:\s*[*/^+]\s*[A-Za-z0-9_]+)*\s*\)?)+")


@dataclass(frozen=True)
class Claim:
    """One claim of the answer and what the card says to it."""

    text: str
    status: str  # SUPPORTED, NOT_ADDRESSED, CONTRADICTED or DOUBTFUL
    statement: str | None = None  # the card's statement it was compared with
    probability: float = 0.0  # 1 contradicted, 0.5 doubtful, 0 neither
    reason: str | None = None  # what differs: "negation", "opposite", "number", "formula", "order", "term"
    alignment: float = 0.0
    detail: str | None = None  # the words that differ, e.g. "short (the card: long)"
    # Every kind of difference seen against any statement it speaks to, however loose the match: risk, not error.
    differences: tuple[str, ...] = ()
    # The claim and the statement it speaks to best disagree in how many negations they hold (odd against even).
    negation_differs: bool = False


@dataclass(frozen=True)
class ClaimCheck:
    """Every claim of an answer, and the summary the verdict and the escalation rule read."""

    claims: tuple[Claim, ...]

    @property
    def contradiction(self) -> float:
        """The highest probability that one of the claims contradicts the card."""
        return max((claim.probability for claim in self.claims), default=0.0)

    @property
    def contradicted(self) -> Claim | None:
        found = [claim for claim in self.claims if claim.status == CONTRADICTED]
        return max(found, key=lambda claim: claim.probability) if found else None

    @property
    def negated_beyond(self) -> bool:
        """A claim negates something where the statement it speaks to does not negate anything (or the reverse)."""
        return any(claim.negation_differs for claim in self.claims)

    @property
    def doubtful(self) -> Claim | None:
        """A claim that differs from one statement it speaks to but not from another as close."""
        return next((claim for claim in self.claims if claim.status == DOUBTFUL), None)

    @property
    def unaddressed_share(self) -> float:
        """The share of the answer's words in claims the card does not speak to."""
        total = sum(len(words_of.words(claim.text)) for claim in self.claims)
        beyond = sum(len(words_of.words(claim.text)) for claim in self.claims if claim.status == NOT_ADDRESSED)
        return beyond / total if total else 0.0

    def to_dict(self) -> dict[str, object]:
        worst = max(self.claims, key=lambda claim: claim.probability, default=None)
        return {
            "claims": len(self.claims),
            "claim_contradiction": round(self.contradiction, 4),
            "claims_not_addressed": round(self.unaddressed_share, 4),
            "claim_reason": worst.reason if worst else None,
        }


# -- splitting ---------------------------------------------------------------------------------
def split_claims(text: str) -> list[str]:
    """The answer's claims: its clauses, split again before a contrast ("..., but it still ...")."""
    claims: list[str] = []
    for span in words_of.clauses(text, min_words=3):
        pieces = [piece.strip(" ,;") for piece in _CONTRAST.split(span.text)]
        merged: list[str] = []
        for piece in pieces:
            if merged and len(_content(piece)) < 2:
                merged[-1] = f"{merged[-1]} {piece}"
            elif piece:
                merged.append(piece)
        claims.extend(merged)
    return [claim for claim in claims if _content(claim)]


@dataclass(frozen=True)
class Statement:
    """One thing the card asserts, and where it says it ("reference", "key point" or "notes")."""

    text: str
    source: str
    # The whole reference, key point or notes it is a clause of.
    whole: str = ""


def card_statements(references: Sequence[str], key_points: Sequence[str], notes: str = "") -> list[Statement]:
    """What the card asserts, one statement a clause: its references' clauses, its key points, its notes."""
    statements: dict[str, Statement] = {}
    for source, texts in (("reference", references), ("key point", key_points)):
        for text in texts:
            for claim in split_claims(text) or [text]:
                statements.setdefault(claim, Statement(claim, source, text))
    if notes:
        # Quoted source notes may hold the very explanation the card corrects: only the card's own words count.
        for claim in split_claims(notes):
            if not _quoted(claim):
                statements.setdefault(claim, Statement(claim, "notes", notes))
    return list(statements.values())


def _quoted(text: str) -> bool:
    return '"' in text or "From the notes" in text


# -- words -------------------------------------------------------------------------------------
def _content(text: str) -> tuple[str, ...]:
    return words_of.content_stems(text)


def _weights(stems: set[str] | frozenset[str]) -> dict[str, float]:
    _, idf, unseen = load_idf()
    return {item: idf.get(item, unseen) for item in stems}


@dataclass(frozen=True)
class _Bag:
    """A text's content words with their IDF weights, worked out once."""

    weights: dict[str, float]
    total: float

    @classmethod
    def of(cls, stems: Sequence[str]) -> _Bag:
        weights = _weights(set(stems))
        return cls(weights, math.fsum(weights.values()))


def _overlap(claim: tuple[str, ...] | _Bag, statement: tuple[str, ...] | _Bag) -> float:
    """IDF-weighted F1 of the two texts' content words."""
    left = claim if isinstance(claim, _Bag) else _Bag.of(claim)
    right = statement if isinstance(statement, _Bag) else _Bag.of(statement)
    if not left.total or not right.total:
        return 0.0
    shared = left.weights.keys() & right.weights.keys()
    if not shared:
        return 0.0
    precision = math.fsum(left.weights[item] for item in shared) / left.total
    recall = math.fsum(right.weights[item] for item in shared) / right.total
    return 2 * precision * recall / (precision + recall)


# -- evidence of one pair ----------------------------------------------------------------------
FEATURES = ("aligned", "ratio", "flip", "flip_weight", "flip_parity", "opposite", "number", "formula", "order", "term",
            "term_only", "new_words", "from_notes")


def pair_evidence(claim: str, statement: str, card_terms: frozenset[str], source: str = "reference",
                  ) -> tuple[dict[str, float], dict[str, str]]:
    """What differs between a claim and the statement it speaks to (see the module's doc), as numbers."""
    claim_stems, statement_stems = _content(claim), _content(statement)
    aligned = _overlap(claim_stems, statement_stems)
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
    statement_weights = _weights(set(statement_stems))
    flip_weight = (math.fsum(statement_weights.get(item, 0.0) for item in flipped)
                   / max(math.fsum(statement_weights.values()), 1e-6))

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
    # Paraphrase reorders words freely; only a near copy with its terms swapped around says another thing.
    # Paraphrase moves words freely ("big batches are hard to use"); only a sequence the statement spells out
    # ("collapses repeats and then removes blanks") turned round says another thing.
    order = _crossings(claim_stems, statement_stems, shared) if aligned >= 0.8 and _ORDERED.search(statement) else 0
    if order >= 2:
        details["order"] = "the same terms in another order"

    extra, missing = set(claim_stems) - set(statement_stems), set(statement_stems) - set(claim_stems)
    swapped_in = _substituted_terms(claim, statement, card_terms, near_copy=ratio >= 0.7) if ratio >= COPIED else []
    term = float(bool(swapped_in))
    if term:
        details["term"] = ", ".join(f"{said} (the card: {meant})" for said, meant in swapped_in[:2])
    features = {
        "aligned": aligned,
        "ratio": ratio,
        "flip": float(bool(flipped)),
        "flip_weight": flip_weight if parity else 0.0,
        "flip_parity": float(bool(flipped) and parity),
        "parity": float(parity),
        "opposite": float(bool(opposites)),
        "number": float(number),
        "formula": float(formula),
        "order": float(order >= 2),
        "term": term,
        "term_only": float(term and not (flipped or opposites or number or formula or order)),
        "new_words": len(extra) / max(len(set(claim_stems)), 1),
        "from_notes": float(source == "notes"),
    }
    return features, details


# What negates a claim: explicit negations, "non-" and a few verbs that deny what follows ("rules out", "drops").
# "limits" and "hard to" (which `text.negated_stems` also reads as negations) say less than that in one clause.
_CLAIM_CUES = (words_of.NEGATION_CUES - {"lack", "lacks", "absent", "fail", "fails"}) | {
    "non", "ignoring", "ignores", "ignore", "except", "excluding", "avoiding", "avoids", "avoid", "limits", "prevents",
    "capped", "caps"}
# Phrases that deny what follows, read as one "not": "rules out X", "hard to use X" ("can't use X").
_RULES_OUT = re.compile(r"\brul(?:e|es|ed|ing) out\b|\b(?:hard|difficult|impossible|unable) to\b", re.IGNORECASE)
# A negation governs the words right after it, up to the end of its phrase.
_SCOPE_ENDS = frozenset("because since so which that and or but when while whether if as than until unless though "
                        "although whereas however instead rather".split())
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
_NOT_TERMS = frozenset("since plus minus times still even also only just per via both either whether whereas "
                       "although though usually often typically".split())


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


# -- the rule ----------------------------------------------------------------------------------
# A negation on one side only counts when the claim speaks to the statement this closely (IDF-weighted word overlap);
# the other differences only in a claim that copies a reference or key point this closely, word for word
# (difflib's ratio). Chosen on the labelled interview answers (evals/fit_claims.py prints what each does there):
# looser, they fire on paraphrases, which change words and order freely.
NEGATION_ALIGNED = 0.45
COPIED = 0.5


def contradiction(features: dict[str, float], details: dict[str, str], source: str) -> str | None:
    """Why the claim contradicts the statement ("negation", "opposite", "number", "formula", "order", "term"), or None.

    The notes explain around the card's answer, naming alternatives and what does not hold ("chunked attention, not
    full attention"): only a denial counts against them."""
    if "negation" in details and features["aligned"] >= NEGATION_ALIGNED:
        return "negation"
    if source == "notes":
        return None
    if "opposite" in details and features["aligned"] >= NEGATION_ALIGNED:
        return "opposite"
    if "order" in details:  # only found in a claim that repeats the statement's words (`pair_evidence`)
        return "order"
    if features["ratio"] < COPIED:
        return None
    return next((kind for kind in ("number", "formula", "term") if kind in details), None)


# -- the check ---------------------------------------------------------------------------------
def card_terms(texts: Sequence[str]) -> frozenset[str]:
    """The card's own terms: the content words of its references and key points."""
    return frozenset(item for text in texts for item in _content(text))


@lru_cache(maxsize=2048)
def card_context(references: tuple[str, ...], key_points: tuple[str, ...], notes: str
                 ) -> tuple[tuple[Statement, ...], frozenset[str]]:
    """A card's statements and terms, worked out once per card."""
    return tuple(card_statements(references, key_points, notes)), card_terms((*references, *key_points))


def check_claims(answer: str, statements: Sequence[Statement], terms: frozenset[str]) -> ClaimCheck:
    """Each claim of the answer against the statements it speaks to (see the module's doc).

    A claim is contradicted when it contradicts every statement it speaks to about as closely: the likeliest
    reading wins ("needs calibration data" contradicts "so it needs no calibration" of dynamic quantization, but
    not if the card also says "but needs calibration" as closely). A difference from only some of them is doubt:
    `ClaimCheck.doubtful`."""
    claims = []
    for claim, candidates in claim_candidates(answer, statements, terms):
        if not candidates:
            claims.append(Claim(claim, NOT_ADDRESSED))
            continue
        readings = [(contradiction(features, details, statement.source), statement, features, details)
                    for statement, features, details in candidates]
        differences = tuple(sorted({kind for _, _, _, details in readings for kind in details}))
        reason, statement, features, details = readings[0]
        against = [reading for reading in readings if reading[0]]
        # The notes explain around the answer ("CTC and RNN-T can't do this" of the failures just named): a claim
        # they alone deny is doubtful, not contradicted.
        if against and len(against) == len(readings) and any(item[1].source != "notes" for item in against):
            reason, statement, features, details = against[0]
            claims.append(Claim(claim, CONTRADICTED, statement.text, 1.0, reason, features["aligned"], details[reason],
                                differences))
            continue
        # A difference from a reference or key point that another statement as close does not share: doubt. One
        # from the notes alone is kept among the claim's `differences` (risk for the judge), not doubt.
        against = [reading for reading in against if reading[1].source != "notes"]
        if against:
            reason, statement, features, details = against[0]
            claims.append(Claim(claim, DOUBTFUL, statement.text, 0.5, reason, features["aligned"], details[reason],
                                differences))
            continue
        status = SUPPORTED if features["aligned"] >= SUPPORTED_AT else NOT_ADDRESSED
        claims.append(Claim(claim, status, statement.text, 0.0, None, features["aligned"], None, differences,
                            bool(features["parity"])))
    return ClaimCheck(tuple(claims))


Candidate = tuple[Statement, dict[str, float], dict[str, str]]


@lru_cache(maxsize=2048)
def _statement_bags(statements: tuple[Statement, ...]) -> tuple[_Bag, ...]:
    return tuple(_Bag.of(_content(statement.text)) for statement in statements)


@lru_cache(maxsize=8192)
def _own_terms(statement: Statement) -> frozenset[str]:
    return frozenset(_content(statement.whole or statement.text))


def claim_candidates(
    answer: str, statements: Sequence[Statement], terms: frozenset[str],
) -> list[tuple[str, list[Candidate]]]:
    """Each claim of the answer with the statements it speaks to (about as closely as to the best), and the
    evidence of each pair: what `check_claims` scores and `evals/fit_claims.py` fits on."""
    bags = _statement_bags(tuple(statements))
    result = []
    for claim in split_claims(answer):
        bag = _Bag.of(_content(claim))
        scored = sorted(((_overlap(bag, other), index) for index, other in enumerate(bags)), reverse=True)
        candidates: list[Candidate] = []
        for overlap, index in scored[:3]:
            if overlap < max(ALIGNED, scored[0][0] - 0.15):
                break
            statement = statements[index]
            # A word of the card put in place of another counts only where the statement's own reference uses it
            # ("an encoder over the previous labels" against "An encoder over the acoustic frames, a prediction
            # network over the previous labels"); elsewhere in the card it is as often a paraphrase.
            features, details = pair_evidence(claim, statement.text, _own_terms(statement), statement.source)
            candidates.append((statement, features, details))
        result.append((claim, candidates))
    return result
