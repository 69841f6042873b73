"""Why a "correct" may still be wrong: what hybrid mode sends to the LLM judge besides uncertain answers.

The offline grader lists the risks of each "correct" in its grade's evidence (`risk`); `llm.escalate = "risky"` (the
default) sends such grades to the judge. Words can vouch for a claim the card states in other words; they cannot
vouch for a figure the card does not give, nor for a claim that differs from the card's statement in a way the claim
checks did not judge decisive. Those are the risks. On the 212 tune trap answers (evals/README.md, "Trap answers and
claim checks", second round) they send 35 % of the answers to the judge and leave 3 of 75 traps correct; the first
round's rules (any claim of 8 content words the card does not address, a long answer with claims beyond the card, a
negation the card does not make) sent 37 % and left 8 correct: right answers add true asides as often as traps add
false ones, so an aside alone says little, while an unconfirmed figure is the usual false clause.
"""

from __future__ import annotations

from quizzer.core.resources import word_list
from quizzer.core.types import Verdict
from quizzer.grading.offline import text as words_of
from quizzer.grading.offline.bands import Bands
from quizzer.grading.offline.claims import SUPPORTED, Claim, ClaimCheck
from quizzer.grading.offline.evidence import Evidence

# A "correct" this close to the edge of the correct band is a near call.
RISKY_MARGIN = 0.1
# Fractions and multiples in words: figures too ("an eighth of the memory", "roughly doubling the latency").
_FIGURE_WORDS = frozenset(word_list("quizzer.grading.offline", "figure_words.txt"))


def risks(verdict: Verdict, probability: float, evidence: Evidence, claims: ClaimCheck, bands: Bands
          ) -> tuple[str, ...]:
    """Why a "correct" verdict may be wrong: what hybrid mode sends to the judge besides uncertain answers."""
    if verdict is not Verdict.CORRECT:
        return ()
    found = []
    if claims.doubtful is not None:
        found.append("a claim that may contradict the card")
    if any(claim.differences for claim in claims.claims):
        found.append("a claim that differs from the card")
    if any(_unconfirmed_figure(claim) for claim in claims.claims):
        found.append("a figure the card does not confirm")
    if probability < bands.correct_above + RISKY_MARGIN:
        found.append("a small margin")
    if evidence.features.get("verifier", 0.0) < 0:
        found.append("the verifier doubts it")
    return tuple(found)


def _unconfirmed_figure(claim: Claim) -> bool:
    """A number in a claim the card does not support, or one the card's statement it speaks to does not give
    ("at the cost of about a 10% relative WER increase", "a beam of 1 is exhaustive search")."""
    figures = _figures(claim.text)
    if claim.status != SUPPORTED:
        return bool(figures)
    return bool(figures - _figures(claim.statement or ""))


def _figures(text: str) -> frozenset[str]:
    return words_of.numbers(text) | (_FIGURE_WORDS & frozenset(words_of.words(text.lower())))
