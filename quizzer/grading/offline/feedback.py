"""Verdicts from P(correct) and key-point coverage, and short feedback built from the evidence."""

from __future__ import annotations

import dataclasses

from quizzer.core.types import Verdict
from quizzer.grading.offline import text as words_of
from quizzer.grading.offline.bands import Bands
from quizzer.grading.offline.evidence import Evidence
from quizzer.grading.offline.key_points import KEY_POINT_CLEAR

# A likely-correct answer that the trained verifier reads as wrong (its logit below this) is uncertain, not
# correct. Out of fold on the training answers, answers in the correct band with such a logit are right 58 % of
# the time, against 74 % for the band: near a coin toss, which is what the uncertain band is for. Moving them there
# makes 5 % more answers uncertain and raises the share of "correct" verdicts that are right from 0.74 to 0.77
# (evals/README.md, "The verifier's doubt"). A model the verifier was not trained on gives logits of 0: no effect.
VERIFIER_DOUBT = -1.0


def decide(probability: float, evidence: Evidence, thresholds: Bands) -> Verdict:
    """The verdict for an answer with this probability and evidence.

    The bands (`quizzer.grading.offline.bands`) split P(correct); evidence moves answers between them: a
    non-answer or a restated question is incorrect, a contradiction is never correct, a likely
    correct answer with key points missing is partial, and one the trained verifier doubts is uncertain.
    """
    if evidence.dont_know:
        return Verdict.INCORRECT
    if evidence.contradicts:
        # Sentence vectors barely see a "not"; the answer may say the opposite of the reference.
        return Verdict.UNCERTAIN if probability >= thresholds.uncertain_low else Verdict.INCORRECT
    if evidence.restates_question and probability < thresholds.correct_above:
        return Verdict.INCORRECT
    if probability >= thresholds.correct_above:
        if _key_points_missing(evidence):
            return Verdict.PARTIAL
        # The words match, the verifier reads another claim ("the memory issue of the CTC model" on a card
        # about the transducer): the two kinds of evidence disagree.
        return Verdict.UNCERTAIN if _verifier_doubts(evidence) else Verdict.CORRECT
    if probability >= thresholds.uncertain_high:
        return Verdict.PARTIAL
    if probability >= thresholds.uncertain_low:
        return Verdict.UNCERTAIN
    covered = [point.similarity for point in evidence.key_points if point.covered]
    if covered and (probability >= thresholds.incorrect_below
                    or (evidence.key_points_explicit and max(covered) >= KEY_POINT_CLEAR)):
        # P(correct) is low for an answer that gives one of several points; an author's key point that the
        # answer clearly covers (and does not negate) is credit for part of the answer.
        return Verdict.PARTIAL
    return Verdict.INCORRECT


def untick_negated_points(verdict: Verdict, evidence: Evidence) -> Evidence:
    """The evidence as the learner sees it: an answer graded incorrect gets no tick for a key point whose words
    it negates ("It does not have a memory problem" against "consumes a lot of memory"). Coverage is token
    recall, so such a point measures as covered; one negated word is too little to call it contradicted (see
    `_denies_point`), but with the verdict incorrect, a tick would tell the learner they got that part right.
    The decision model saw the coverage as measured; only what is shown changes."""
    if verdict is not Verdict.INCORRECT or not evidence.negated_terms:
        return evidence
    negated = frozenset(evidence.negated_terms)
    points = tuple(
        dataclasses.replace(point, covered=False)
        if point.covered and negated & frozenset(words_of.content_stems(point.text)) else point
        for point in evidence.key_points
    )
    return dataclasses.replace(evidence, key_points=points)


def _verifier_doubts(evidence: Evidence) -> bool:
    return evidence.features.get("verifier", 0.0) < VERIFIER_DOUBT


def _key_points_missing(evidence: Evidence) -> bool:
    """Most key points (or reference clauses) missing. Not "any": the coverage check misses shorthand and
    paraphrase often enough that one miss on a likely-correct answer is more often the check's error."""
    missing = sum(not point.covered for point in evidence.key_points)
    return bool(evidence.key_points) and missing * 2 > len(evidence.key_points)


def _join(items: list[str] | tuple[str, ...], limit: int = 3) -> str:
    shown = [f'"{item}"' for item in items[:limit]]
    more = len(items) - limit
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def write_feedback(verdict: Verdict, probability: float, evidence: Evidence) -> str:
    """One to three short sentences: what was covered or missing, and why the grade is unsure when it is."""
    if evidence.dont_know:
        return "No answer given (empty or \"I don't know\"): graded incorrect. Study the reference answer."
    parts: list[str] = []
    if evidence.answer_denies:
        parts.append(f'Mentions "{evidence.answer_denies[0]}" but negates it, unlike the reference.')
    if evidence.opposites:
        parts.append(f"Says the opposite of the reference: {', '.join(evidence.opposites[:2])}.")
    if evidence.number_swap:
        parts.append(
            f"Gives {', '.join(evidence.extra_numbers)} where the reference says {', '.join(evidence.missing_numbers)}."
        )
    if evidence.restates_question:
        parts.append("Mostly restates the question without adding the answer.")
    covered = [point.text for point in evidence.key_points if point.covered]
    missing = [point.text for point in evidence.key_points if not point.covered and not point.contradicted]
    contradicted = [point.text for point in evidence.key_points if point.contradicted]
    noun = "key points" if evidence.key_points_explicit else "parts of the reference"
    if contradicted:
        parts.append(f"Contradicts {_join(contradicted)}: the answer negates it.")
    if covered and missing:
        total = len(evidence.key_points)
        parts.append(f"Covered {len(covered)} of {total} {noun}; missing: {_join(missing)}.")
    elif missing and verdict is not Verdict.CORRECT:
        parts.append(f"Missing: {_join(missing)}.")
    elif covered and len(covered) > 1:
        parts.append(f"Covers all {len(covered)} {noun}.")
    if evidence.missing_terms and verdict is not Verdict.CORRECT and not missing:
        parts.append(f"Key terms absent: {', '.join(evidence.missing_terms[:4])}.")
    lead = {
        Verdict.CORRECT: "Correct",
        Verdict.PARTIAL: "Partly correct",
        Verdict.INCORRECT: "Incorrect",
        Verdict.UNCERTAIN: "Uncertain",
    }.get(verdict, verdict.value)
    lead += f" (P(correct) = {probability:.2f})."
    if verdict is Verdict.UNCERTAIN and _verifier_doubts(evidence):
        parts.append("The trained verifier reads it as a different claim from the reference.")
    if verdict is Verdict.UNCERTAIN and not parts:
        parts.append("The evidence is mixed: close to the reference in wording, but not clearly the same claim.")
    return " ".join([lead, *parts])
