"""The verdict on what the card says beyond its references: the bands' verdict, then the answer's claims checked
against the card's statements (`claims`), its known misconceptions (`misconceptions`) and the learner's own labelled
answers (`learned`). Each may overrule the bands; this module says how, and what the grade shows of it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from quizzer.core.types import Misconception, Submission, Verdict
from quizzer.grading.offline import text as words_of
from quizzer.grading.offline.bands import Bands
from quizzer.grading.offline.claims import ClaimCheck, card_context, check_claims
from quizzer.grading.offline.evidence import Evidence
from quizzer.grading.offline.feedback import (
    decide,
    learned_feedback,
    misconception_feedback,
    untick_negated_points,
    write_feedback,
)
from quizzer.grading.offline.learned import matching_example
from quizzer.grading.offline.risk import risks
from quizzer.grading.offline.shorthand import graded_answer

# P(correct) of an answer with a contradicted claim (or closer to a misconception): on the interview answers, 6 of
# the 42 answers with a contradicted claim are labelled correct (evals/claims_report.py).
CONTRADICTED_PROBABILITY = 0.15

# Who decided a grade that a near copy of the learner's own labelled answer settled.
LEARNED = "your earlier override"


@dataclass(frozen=True)
class CardVerdict:
    """The verdict and what goes with it: the probability (capped where a claim or misconception overrules the
    words), the feedback, the evidence as the learner reads it, and what the grade's evidence adds."""

    verdict: Verdict
    probability: float
    feedback: str
    evidence: Evidence
    decided_by: str | None = None
    shown: dict[str, Any] = field(default_factory=dict)


def check_card(submission: Submission, probability: float, evidence: Evidence, bands: Bands,
               misconception: Misconception | None) -> CardVerdict:
    """The verdict for an answer with this probability and evidence (see the module's doc); `misconception`: the
    card's known wrong answer the answer is closer to than to the references (`misconceptions.nearer_misconception`)."""
    # Terms are compared as stems; the learner reads them as the card's words.
    texts = (submission.references[evidence.matched_reference], *submission.references, *submission.key_points)
    evidence = replace(evidence, missing_terms=tuple(words_of.whole_word(term, texts)
                                                     for term in evidence.missing_terms))
    claims = card_claims(submission) if not evidence.dont_know else ClaimCheck(())
    verdict = decide(probability, evidence, bands, claims)
    if claims.contradicted is None:
        # A contradicted claim says which part is wrong; the rest of what was covered stays ticked.
        evidence = untick_negated_points(verdict, evidence)
    feedback = write_feedback(verdict, probability, evidence, claims)
    if misconception is not None:
        verdict, feedback = Verdict.INCORRECT, misconception_feedback(misconception)
    fitted = probability
    if claims.contradicted is not None or misconception is not None:
        # The decision model never saw the claim checks: its probability reads the words, which match.
        probability = min(probability, CONTRADICTED_PROBABILITY)
    example = matching_example(submission.answer, submission.examples)
    decided_by = None
    if example is not None:
        verdict, feedback = example.verdict, learned_feedback(example, verdict, probability)
        decided_by = LEARNED
    shown: dict[str, Any] = claims.to_dict()
    worst = claims.contradicted or claims.doubtful
    if worst is not None:
        shown.update(claim=worst.text, claim_statement=worst.statement, claim_detail=worst.detail)
    if misconception is not None:
        shown["misconception"] = misconception.answer
    if example is not None:
        shown["learned_from"] = example.answer
    if probability != fitted:
        shown["fitted_probability"] = round(fitted, 4)
    # What makes a "correct" worth a second reading (hybrid mode sends such answers to the judge).
    risk = risks(verdict, probability, evidence, claims, bands) if example is None else ()
    shown["risk"] = ", ".join(risk) or None
    return CardVerdict(verdict, probability, feedback, evidence, decided_by, shown)


def card_claims(submission: Submission) -> ClaimCheck:
    """The answer's claims against the card's statements (none checked on a card without key points)."""
    if not submission.key_points:
        # Claims are checked where the card states its facts (key points), as the bundled decks and an author's own
        # do. On the public training sets, one-sentence references without key points, a contradicted claim is
        # as often a right answer in other words (SciEntsBank: 51 of 93 labelled correct; evals/claims_report.py
        # --public), so there the checks would cost more than they catch.
        return ClaimCheck(())
    statements, terms = card_context(submission.references, submission.key_points, submission.notes)
    return check_claims(graded_answer(submission), statements, terms)
