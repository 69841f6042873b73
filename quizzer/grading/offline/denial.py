"""Whether an answer denies a claim (the reference, or one key point): the content words of the claim, beyond what
the question says, that the answer negates and the claim does not, or asserts against the claim's own negation."""

from __future__ import annotations

from quizzer.grading.offline import text as words_of


def _denied_claim(answer_negated: frozenset[str], claim_text: str, question_text: str) -> tuple[frozenset[str], int]:
    """The words of a claim, beyond what the question says, that the answer negates and the claim does not;
    and how many words the claim has beyond the question."""
    claim_numbers = words_of.numbers(claim_text)
    claim_stems = frozenset(words_of.content_stems(claim_text))
    claim = (claim_stems - frozenset(words_of.content_stems(question_text))) | (
        claim_numbers - words_of.numbers(question_text))
    return (answer_negated - words_of.negated_stems(claim_text)) & claim, len(claim)


def reaffirmed_claim(answer_text: str, claim_text: str) -> frozenset[str]:
    """Words the claim negates and the answer asserts with a double negation ("not hard to use" big batches)."""
    return words_of.reaffirmed_stems(answer_text) & words_of.negated_stems(claim_text)


def denies_reference(answer_text: str, reference_text: str, question_text: str) -> bool:
    """A contradiction only when the negation takes a real share of what the reference adds beyond the
    question (three words, or a quarter): narrower, it fires as often on valid paraphrases ("not connected"
    for "separated") as on contradictions."""
    denied, size = _denied_claim(words_of.negated_stems(answer_text), reference_text, question_text)
    denied |= reaffirmed_claim(answer_text, reference_text)
    return len(denied) >= 3 or (bool(denied) and len(denied) / size >= 0.25)


def denies_point(clause: str, point_text: str, question_text: str) -> bool:
    """A key point is short, so one negated word of it is often a paraphrase ("not the same number of bits"
    for "different bit widths"): it takes two, or all of a one-word point."""
    denied, size = _denied_claim(words_of.negated_stems(clause), point_text, question_text)
    denied |= reaffirmed_claim(clause, point_text)
    return len(denied) >= min(2, size) and bool(denied)
