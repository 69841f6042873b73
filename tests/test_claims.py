"""Claim-level checks: each clause of an answer against the card statement it speaks to
(quizzer.grading.offline.claims, quizzer.grading.offline.claim_pairs)."""

from __future__ import annotations

import re

import pytest

from quizzer.core.config import load_config
from quizzer.core.types import Submission, Verdict
from quizzer.deck.catalog import load
from quizzer.grading.offline.claim_pairs import negated_heads
from quizzer.grading.offline.claims import CONTRADICTED, DOUBTFUL, card_context, check_claims, split_claims
from quizzer.grading.registry import make_grader

REFERENCE = ("Blank means \"no label at this frame\"; it lets the model emit nothing for most frames and separates "
             "repeated labels, since decoding collapses repeats and then removes blanks.")


def check(answer: str, references: tuple[str, ...] = (REFERENCE,), key_points: tuple[str, ...] = (), notes: str = ""):
    statements, terms = card_context(references, key_points, notes)
    return check_claims(answer, statements, terms)


def reason(answer: str, statement: str) -> str | None:
    found = check(answer, (statement,)).contradicted
    return found.reason if found else None


def test_an_answer_splits_into_claims_at_clauses_and_before_a_contrast() -> None:
    claims = split_claims("They solved the memory issue of the transducer, but that didn't reduce training time at all.")
    assert claims == ["They solved the memory issue of the transducer", "but that didn't reduce training time at all."]


def test_a_negation_denies_the_words_right_after_it_within_its_phrase() -> None:
    assert negated_heads("CTC has no internal LM because frames are predicted independently") == {"internal", "lm"}
    assert negated_heads("it is not only a training trick") == frozenset()
    assert negated_heads("collapsed prefixes, not individual alignments") == frozenset()


@pytest.mark.parametrize(("answer", "statement", "expected"), [
    ("but it still models dependencies between output tokens", "so it does not model dependencies between output tokens",
     "negation"),
    ("but the latency is not bounded by the chunk size", "so latency is bounded by the chunk size", "negation"),
    ("especially on short, clean utterances", "especially on long or noisy utterances", "opposite"),
    ("32 x 500 x 100 x 4000 floats is about 2.5 GB in fp32", "32 x 500 x 100 x 4000 floats is about 25 GB in fp32",
     "number"),
    ("cutting parameters from m*n to r*m*n", "cutting parameters from m*n to r*(m+n)", "formula"),
    ("since decoding first removes blanks and then collapses repeats",
     "since decoding collapses repeats and then removes blanks", "order"),
    ("CTC also modelling label dependencies", "RNN-T also modelling label dependencies", "term"),
])
def test_a_claim_in_the_cards_words_can_still_contradict_it(answer: str, statement: str, expected: str) -> None:
    assert reason(answer, statement) == expected


@pytest.mark.parametrize(("answer", "statement"), [
    ("so batch size is capped", "which limits the batch size"),  # a limit said two ways
    ("so it is hard to use big training batches", "so big training batches are hard to use"),  # words moved
    ("it doesn't care whether the two models share the same alignment",
     "which works even when the two models' alignments differ"),  # a negated opposite is a paraphrase
    ("so the delay is bounded by the chunk size", "latency is bounded by the chunk size"),  # a plain word for a term
    ("They're arranged macaron-style: half-step FFN", "arranged macaron-style - half-step feed-forward"),  # acronym
    ("since decoding collapses repeats and then removes blanks",
     "since decoding collapses repeats and then removes blanks"),  # the statement itself
])
def test_paraphrases_and_copies_are_not_contradictions(answer: str, statement: str) -> None:
    assert check(answer, (statement,)).contradicted is None


def test_a_claim_contradicts_only_if_every_statement_as_close_disagrees() -> None:
    references = ("Dynamic quantization computes activation scales at run time, so it needs no calibration.",)
    key_points = ("static quantization fixes the scales in advance but needs calibration",)
    result = check("dynamic quantization computes activation scales at run time, so it needs calibration data",
                   references, key_points)
    assert {claim.status for claim in result.claims} & {CONTRADICTED, DOUBTFUL}


def test_the_notes_alone_never_contradict_a_claim() -> None:
    notes = "CTC and RNN-T alignments are monotonic, so they cannot hallucinate like attention models."
    result = check("they can't hallucinate because every output must be accounted for by frames",
                   ("Attention models can hallucinate.",), notes=notes)
    assert result.contradicted is None


@pytest.fixture(scope="module")
def grader(embedding_model):
    return make_grader("embedding", load_config())


def test_a_false_clause_in_the_references_words_is_graded_incorrect_and_quoted(grader) -> None:
    card = load("e2e-asr").card("ctc-blank")
    wrong = REFERENCE.replace("collapses repeats and then removes blanks", "removes blanks and then collapses repeats")
    grade = grader.grade(Submission.for_card(card, wrong, "e2e-asr"))
    assert grade.verdict is Verdict.INCORRECT
    assert 'You said "since decoding removes blanks and then collapses repeats"' in grade.feedback
    assert "the card says" in grade.feedback
    assert grader.grade(Submission.for_card(card, REFERENCE, "e2e-asr")).verdict is Verdict.CORRECT


def test_an_answer_closer_to_a_misconception_is_incorrect_with_its_explanation(grader) -> None:
    card = load("on-device-asr").card("quantization-basics")
    grade = grader.grade(Submission.for_card(card, "int8 makes the model eight times smaller than fp32", "on-device-asr"))
    assert grade.verdict is Verdict.INCORRECT
    assert "known misconception" in grade.feedback and "4 times smaller" in grade.feedback


def test_feedback_never_says_covers_all_key_points_above_an_incorrect_verdict(grader) -> None:
    card = load("e2e-asr").card("ctc-conditional-independence")
    answer = ("CTC assumes the output label at each frame is independent of the labels at other frames given the "
              "input, but it still models dependencies between output tokens.")
    grade = grader.grade(Submission.for_card(card, answer, "e2e-asr"))
    assert grade.verdict is Verdict.INCORRECT
    assert "Covers all" not in grade.feedback


def test_learners_read_whole_words_and_no_probability_on_a_partial(grader) -> None:
    card = load("msft-asr").card("rnnt-always-more-memory")
    grade = grader.grade(Submission.for_card(card, "It depends.", "msft-asr"))
    assert not re.search(r"\b(necessari|configur)\b", grade.feedback)
    partial = grader.grade(Submission.for_card(load("msft-asr").card("transducer-memory-cause"),
                                               "Because of the 4-D joint output.", "msft-asr"))
    if partial.verdict is Verdict.PARTIAL:
        assert "P(correct)" not in partial.feedback


def test_key_terms_reach_the_learner_as_the_cards_whole_words() -> None:
    from quizzer.grading.offline.text import stem, whole_word

    texts = ("Not necessarily: it depends on the configuration and the memory footprint.",)
    assert whole_word(stem("necessarily"), texts) == "necessarily"
    assert whole_word(stem("configuration"), texts) == "configuration"


@pytest.mark.parametrize("aside", ["about a third of it in the encoder", "roughly doubling with every layer",
                                   "40 GB on each GPU"])
def test_a_figure_the_card_does_not_give_is_a_risk_for_the_judge(grader, aside: str) -> None:
    # Words can vouch for what the card states, not for a figure it never gives: such a "correct" goes to the judge.
    card = load("msft-asr").card("transducer-memory-problem")
    plain = grader.grade(Submission.for_card(
        card, "It consumes a lot of memory, so it is hard to use big training batches.", "msft-asr"))
    assert plain.verdict is Verdict.CORRECT and plain.evidence["risk"] is None
    with_aside = grader.grade(Submission.for_card(
        card, "It consumes a lot of memory, especially with a large vocabulary and long utterances recorded in noisy "
              "meeting rooms, so it is hard to use big training batches.", "msft-asr"))
    # An aside of 9 content words the card does not address, no figure: right answers add such asides as often as
    # traps do, so it alone is no risk.
    assert with_aside.verdict is Verdict.CORRECT and with_aside.evidence["risk"] is None
    with_figure = grader.grade(Submission.for_card(
        card, f"It consumes a lot of memory, {aside}, so it is hard to use big training batches.", "msft-asr"))
    assert with_figure.verdict is Verdict.CORRECT
    assert "a figure the card does not confirm" in with_figure.evidence["risk"]
