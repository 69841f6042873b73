"""Verdicts from P(correct) and key-point coverage, and short feedback built from the evidence."""

from __future__ import annotations

import dataclasses

from quizzer.core.types import LearnerExample, Misconception, Verdict
from quizzer.grading.offline import text as words_of
from quizzer.grading.offline.bands import Bands
from quizzer.grading.offline.claims import ClaimCheck
from quizzer.grading.offline.evidence import Evidence
from quizzer.grading.offline.key_points import KEY_POINT_CLEAR

# A likely-correct answer that the trained verifier reads as wrong (its logit below this) is uncertain, not
# correct. Out of fold on the training answers, answers in the correct band with such a logit are right 58 % of
# the time, against 74 % for the band: near a coin toss, which is what the uncertain band is for. Moving them there
# makes 5 % more answers uncertain and raises the share of "correct" verdicts that are right from 0.74 to 0.77
# (evals/README.md, "The verifier's doubt"). A model the verifier was not trained on gives logits of 0: no effect.
VERIFIER_DOUBT = -1.0


def decide(probability: float, evidence: Evidence, thresholds: Bands, claims: ClaimCheck | None = None) -> Verdict:
    """The verdict for an answer with this probability and evidence.

    The bands (`quizzer.grading.offline.bands`) split P(correct); evidence moves answers between them: a
    non-answer or a restated question is incorrect, a claim that contradicts the card makes the answer
    incorrect whatever else it covers (the rubric: one wrong clause is enough), a contradiction is never correct,
    a likely correct answer with key points missing is partial, and one the trained verifier doubts is uncertain.
    """
    if evidence.dont_know:
        return Verdict.INCORRECT
    if claims is not None and claims.contradicted is not None:
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
        # about the transducer), or one claim differs from a reference or key point that another statement as
        # close does not contradict: the kinds of evidence disagree.
        doubtful = claims is not None and claims.doubtful is not None
        return Verdict.UNCERTAIN if _verifier_doubts(evidence) or doubtful else Verdict.CORRECT
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


def write_feedback(verdict: Verdict, probability: float, evidence: Evidence, claims: ClaimCheck | None = None) -> str:
    """One to three short sentences: what was covered or missing, and why the grade is unsure when it is.

    The sentences agree with the verdict: an answer graded incorrect is never told it "covers all key points"
    without the reason it is still incorrect, and what the learner reads is whole words, never stems."""
    if evidence.dont_know:
        return "No answer given (empty or \"I don't know\"): graded incorrect. Study the reference answer."
    parts: list[str] = []
    contradicted = claims.contradicted if claims is not None else None
    if contradicted is not None:
        parts.append(f'You said "{_clip(contradicted.text)}"; the card says "{_clip(contradicted.statement or "")}"'
                     f" ({_REASONS.get(contradicted.reason or '', 'a different claim')}).")
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
    contradicted_points = [point.text for point in evidence.key_points if point.contradicted]
    noun = "key points" if evidence.key_points_explicit else "parts of the reference"
    if contradicted_points:
        parts.append(f"Contradicts {_join(contradicted_points)}: the answer negates it.")
    if covered and missing:
        total = len(evidence.key_points)
        parts.append(f"Covered {len(covered)} of {total} {noun}; missing: {_join(missing)}.")
    elif missing and verdict is not Verdict.CORRECT:
        parts.append(f"Missing: {_join(missing)}.")
    elif covered and len(covered) > 1:
        if verdict is Verdict.CORRECT:
            parts.append(f"Covers all {len(covered)} {noun}.")
        elif not parts:
            # Every point's words are there, yet the answer as a whole reads as another claim: say so, not "covers".
            parts.append(f"Uses the words of all {len(covered)} {noun}, but the answer as a whole does not read as"
                         " the reference's claim.")
        else:
            parts.append(f"Uses the words of all {len(covered)} {noun}, but what is said above makes it wrong.")
    if evidence.missing_terms and verdict is not Verdict.CORRECT and not missing:
        parts.append(f"Key terms absent: {', '.join(evidence.missing_terms[:4])}.")
    lead = {
        Verdict.CORRECT: f"Correct (P(correct) = {probability:.2f}).",
        # P(correct) is the chance the answer is complete; a partial answer is incomplete by definition.
        Verdict.PARTIAL: "Partly correct: right as far as it goes, but incomplete.",
        Verdict.INCORRECT: "Incorrect.",
        Verdict.UNCERTAIN: f"Uncertain (P(correct) = {probability:.2f}).",
    }.get(verdict, verdict.value)
    if verdict is Verdict.UNCERTAIN and _verifier_doubts(evidence):
        parts.append("The trained verifier reads it as a different claim from the reference.")
    doubtful = claims.doubtful if claims is not None else None
    if verdict is Verdict.UNCERTAIN and doubtful is not None and contradicted is None:
        parts.append(f'"{_clip(doubtful.text)}" may contradict "{_clip(doubtful.statement or "")}".')
    if verdict is Verdict.UNCERTAIN and not parts:
        parts.append("The evidence is mixed: close to the reference in wording, but not clearly the same claim.")
    return " ".join([lead, *parts])


_REASONS = {
    "negation": "one of them negates what the other says",
    "opposite": "opposite words",
    "number": "another figure",
    "formula": "another formula",
    "order": "the same terms the other way round",
    "term": "another term in the same place",
}


def _clip(text: str, limit: int = 120) -> str:
    text = " ".join(text.split()).rstrip(".,;")
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def misconception_feedback(misconception: Misconception) -> str:
    why = f" {misconception.why.rstrip('.')}." if misconception.why else ""
    return (f'Incorrect: this is a known misconception ("{_clip(misconception.answer)}"), closer to it than to the'
            f" reference answers.{why}")


def learned_feedback(example: LearnerExample, offline: Verdict, probability: float) -> str:
    when = f" on {example.decided_at[:10]}" if example.decided_at else ""
    lead = {Verdict.CORRECT: "Correct", Verdict.PARTIAL: "Partly correct", Verdict.INCORRECT: "Incorrect"}.get(
        example.verdict, example.verdict.value)
    return (f'{lead}: you marked a nearly identical answer ("{_clip(example.answer, 80)}") {example.verdict.value}'
            f"{when}, so this one is graded the same (the grader alone said {offline.value}, P(correct) ="
            f" {probability:.2f}).")
