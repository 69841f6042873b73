"""Spelling out a learner's shorthand before grading: abbreviations, arrows, and the card's own acronyms."""

from __future__ import annotations

import pytest

from quizzer.core.types import Submission
from quizzer.grading.offline.shorthand import graded_answer, spell_out


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("OOM w/ big batch sizes: joint tensor blows up mem", "OOM with big batch sizes: joint tensor blows up memory"),
        ("w/big batches, w/o the fused loss", "with big batches, without the fused loss"),
        ("enc + pred net (prev non-blank tokens)", "encoder + prediction net (previous non-blank tokens)"),
        ("frame outputs cond. indep. given x", "frame outputs conditionally independent given x"),
        ("fp32 -> int8 => 4x smaller", "fp32 to int8 to 4x smaller"),
        ("teacher->student", "teacher to student"),
        ("speed & accuracy", "speed and accuracy"),
    ],
)
def test_note_taking_abbreviations_and_arrows_are_spelled_out(answer: str, expected: str) -> None:
    assert spell_out(answer) == expected


def test_a_sentence_ending_in_an_abbreviation_keeps_its_full_stop() -> None:
    assert spell_out("It uses less mem. Then it is faster.") == "It uses less memory. Then it is faster."


@pytest.mark.parametrize(
    "answer",
    [
        "Bulbs B/C are in series.",  # two bulbs, not "because"
        "W ~ U V, so the weights drop from mn to r(m+n)",  # no shorthand at all
        "The minimum dim of the matrix",  # ambiguous words are left alone
        "I don't know",
    ],
)
def test_text_without_known_shorthand_is_unchanged(answer: str) -> None:
    assert spell_out(answer) == answer


def test_an_acronym_the_card_spells_out_becomes_its_words() -> None:
    card = ("What is knowledge distillation?", "A small student model is trained to match a large teacher.")
    assert spell_out("teacher-student KD with soft targets", card) == (
        "teacher-student knowledge distillation with soft targets")
    assert spell_out("the RTFs were low", ("the real-time factor of the model",)) == "the real time factors were low"


def test_an_acronym_the_card_itself_uses_is_left_as_it_is() -> None:
    card = ("What is CTC?", "Connectionist temporal classification (CTC) sums over alignments.")
    assert spell_out("CTC sums over all alignments", card) == "CTC sums over all alignments"


def test_an_acronym_the_card_does_not_spell_out_is_left_as_it_is() -> None:
    card = ("What is knowledge distillation?", "A small student model is trained to match a large teacher.")
    assert spell_out("KL between teacher and student", card) == "KL between teacher and student"
    # Initials across a phrase break or of stop words do not count: "of the" is no "OT".
    assert spell_out("OT and MS are fine", ("the cost of the model; storage",)) == "OT and MS are fine"


def test_a_word_in_capitals_is_emphasis_not_an_acronym() -> None:
    card = ("What does the joint output hold?", "No other tensor; it is the native output tensor of the model.")
    assert spell_out("It is NOT the only tensor", card) == "It is NOT the only tensor"
    assert spell_out("the NOT is big", card) == "the NOT is big"


def test_an_answer_in_capitals_throughout_has_no_acronyms() -> None:
    card = ("Why is mobile routing hard?", "Nodes move, so the routing table changes.")
    assert spell_out("NODES MOVE SO THE RT CHANGES", card) == "NODES MOVE SO THE RT CHANGES"
    assert spell_out("nodes move so the RT changes", card) == "nodes move so the routing table changes"


def test_graded_answer_reads_the_cards_question_references_and_key_points() -> None:
    submission = Submission("Why compress?", ("It must fit the phone.",), "the RTF drops", ("a lower real-time factor",))
    assert graded_answer(submission) == "the real time factor drops"
