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

`quizzer.grading.offline.claim_pairs` finds the differences; which of them count, and how close the pair must be, was
chosen on the labelled interview answers and the tune traps (`evals/claims_report.py` prints what they find; a model
fitted on the same evidence did worse: evals/README.md, "Trap answers and claim checks"). A claim that matches no statement well is
"not addressed": the card can neither confirm nor deny it (a long answer's asides), which is risk, not error.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from quizzer.core.resources import word_list
from quizzer.grading.offline import text as words_of
from quizzer.grading.offline.claim_pairs import COPIED, Bag, content, overlap, pair_evidence

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

# Claim boundaries beyond `text.clauses`: a contrast word (data/contrast_words.txt) after a comma, semicolon or space.
_CONTRAST_WORDS = "|".join(word_list("quizzer.grading.offline", "contrast_words.txt"))
_CONTRAST = re.compile(rf"(?:,|;|\s)\s*(?=\b(?:{_CONTRAST_WORDS})\b)", re.IGNORECASE)


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
            if merged and len(content(piece)) < 2:
                merged[-1] = f"{merged[-1]} {piece}"
            elif piece:
                merged.append(piece)
        claims.extend(merged)
    return [claim for claim in claims if content(claim)]


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


# -- the rule ----------------------------------------------------------------------------------
# A negation on one side only (and an opposite) counts when the claim speaks to the statement this closely (IDF-weighted
# word overlap); figures, formulas and names only in a claim that copies a reference or key point (`COPIED`). Chosen
# on the labelled answers (evals/claims_report.py): looser, they fire on paraphrases, which change words freely.
NEGATION_ALIGNED = 0.45


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
    return frozenset(item for text in texts for item in content(text))


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
            status, probability = CONTRADICTED, 1.0
        else:
            # A difference from a reference or key point that another statement as close does not share: doubt. One
            # from the notes alone is kept among the claim's `differences` (risk for the judge), not doubt.
            status, probability = DOUBTFUL, 0.5
            against = [reading for reading in against if reading[1].source != "notes"]
        if against:
            reason, statement, features, details = against[0]
            claims.append(Claim(claim, status, statement.text, probability, reason, features["aligned"],
                                details[reason], differences))
            continue
        status = SUPPORTED if features["aligned"] >= SUPPORTED_AT else NOT_ADDRESSED
        claims.append(Claim(claim, status, statement.text, 0.0, None, features["aligned"], None, differences))
    return ClaimCheck(tuple(claims))


Candidate = tuple[Statement, dict[str, float], dict[str, str]]


@lru_cache(maxsize=2048)
def _statement_bags(statements: tuple[Statement, ...]) -> tuple[Bag, ...]:
    return tuple(Bag.of(content(statement.text)) for statement in statements)


@lru_cache(maxsize=8192)
def _own_terms(statement: Statement) -> frozenset[str]:
    return frozenset(content(statement.whole or statement.text))


def claim_candidates(
    answer: str, statements: Sequence[Statement], terms: frozenset[str],
) -> list[tuple[str, list[Candidate]]]:
    """Each claim of the answer with the statements it speaks to (about as closely as to the best), and the
    evidence of each pair (what `check_claims` reads)."""
    bags = _statement_bags(tuple(statements))
    result = []
    for claim in split_claims(answer):
        bag = Bag.of(content(claim))
        scored = sorted(((overlap(bag, other), index) for index, other in enumerate(bags)), reverse=True)
        candidates: list[Candidate] = []
        for closeness, index in scored[:3]:
            if closeness < max(ALIGNED, scored[0][0] - 0.15):
                break
            statement = statements[index]
            # A word of the card put in place of another counts only where the statement's own reference uses it
            # ("an encoder over the previous labels" against "An encoder over the acoustic frames, a prediction
            # network over the previous labels"); elsewhere in the card it is as often a paraphrase.
            features, details = pair_evidence(claim, statement.text, _own_terms(statement))
            candidates.append((statement, features, details))
        result.append((claim, candidates))
    return result
