"""Why a "correct" may still be wrong: what hybrid mode sends to the LLM judge besides uncertain answers.

The offline grader lists the risks of each "correct" in its grade's evidence (`risk`); `llm.escalate = "risky"` (the
default) sends such grades to the judge. The cuts below set the price: on the tune traps (evals/README.md, "Trap
answers and claim checks") they send 39 % of the answers to the judge and leave 2 of 42 traps correct.
"""

from __future__ import annotations

from quizzer.core.types import Verdict
from quizzer.grading.offline import text as words_of
from quizzer.grading.offline.bands import Bands
from quizzer.grading.offline.claims import NOT_ADDRESSED, ClaimCheck
from quizzer.grading.offline.evidence import Evidence

# A "correct" this close to the edge of the correct band is a near call.
RISKY_MARGIN = 0.1
# A long answer with this share of its words in claims the card does not speak to says things nobody checked.
LONG_ANSWER_WORDS = 40
UNCHECKED_SHARE = 0.3
# A claim of this many content words that speaks to nothing on the card ("..., which came from the prediction
# network's LSTM states") is unchecked. 4 sent 45.5 % of the tune answers to the judge, 6 42.9 %, 8 39.3 %.
UNCHECKED_CLAIM_WORDS = 8


def risks(verdict: Verdict, probability: float, evidence: Evidence, claims: ClaimCheck, bands: Bands
          ) -> tuple[str, ...]:
    """Why a "correct" verdict may be wrong: what hybrid mode sends to the judge besides uncertain answers."""
    if verdict is not Verdict.CORRECT:
        return ()
    found = []
    if claims.doubtful is not None:
        found.append("a claim that may contradict the card")
    if claims.negated_beyond:
        found.append("a negation the card does not make")
    if any(claim.differences for claim in claims.claims):
        found.append("a claim that differs from the card")
    if any(claim.status == NOT_ADDRESSED and len(words_of.content_stems(claim.text)) >= UNCHECKED_CLAIM_WORDS
           for claim in claims.claims):
        found.append("a claim the card does not address")
    if probability < bands.correct_above + RISKY_MARGIN:
        found.append("a small margin")
    if evidence.features.get("verifier", 0.0) < 0:
        found.append("the verifier doubts it")
    words = sum(len(words_of.words(claim.text)) for claim in claims.claims)
    if words >= LONG_ANSWER_WORDS and claims.unaddressed_share >= UNCHECKED_SHARE:
        found.append("a long answer with claims beyond the card")
    return tuple(found)
