"""The typed path inside the embedding grader: detection, the grade it returns, and that a typed decision never
touches the embedding model; answers it cannot read go to the free-text grader unchanged."""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path

import pytest

from quizzer.batch.answers import read_answer_rows
from quizzer.core.types import AnswerFormat, Grade, GraderInfo, Submission, Verdict
from quizzer.deck.catalog import load
from quizzer.grading.offline.decision import load_decision_model
from quizzer.grading.offline.embedding import EmbeddingGrader
from quizzer.grading.offline.typed import TYPED_VERSION, AnswerType, answer_type, card_answer_type, grade_typed
from quizzer.grading.offline.typed.detect import detect_type

REPO = Path(__file__).resolve().parent.parent
INFO = GraderInfo("embedding", "test")


class ForbiddenEmbedder:
    """An embedder that fails the test if the grader asks it for anything."""

    model_name = label = "forbidden"  # names, not the model: the grader records them in every grade

    def __getattr__(self, name: str):
        raise AssertionError(f"the embedding model was used ({name})")


class RecordingGrader(EmbeddingGrader):
    """The embedding grader with the free-text part replaced by a recorder."""

    def __init__(self) -> None:
        super().__init__(ForbiddenEmbedder(), load_decision_model())
        self.free_text: list[str] = []

    def _grade_free_text(self, submissions):
        self.free_text.extend(submission.answer for submission in submissions)
        return [Grade(Verdict.UNCERTAIN, self.info, 0.5, feedback="free text") for _ in submissions]


# --- detection

@pytest.mark.parametrize(("references", "question", "expected"), [
    (["8"], "How many bits are in a byte?", AnswerType.NUMBER),
    (["100 °C"], "Boiling point of water?", AnswerType.NUMBER),
    (["O(log n)"], "Complexity of binary search?", AnswerType.EXPRESSION),
    (["E = mc^2"], "Mass-energy equivalence?", AnswerType.EXPRESSION),
    (["Jane Austen"], "Who wrote Pride and Prejudice?", AnswerType.NAME),
    (["red, green, blue"], "Primary colours of light?", AnswerType.LIST),
    (["[3, 2, 1]"], "In Python, what does sorted([3, 1, 2], reverse=True) return?", AnswerType.CODE),
    (["9 November 1989"], "When did the Berlin Wall fall?", AnswerType.DATE),
    (["1969"], "In what year did Apollo 11 land?", AnswerType.DATE),
    (["no"], "Is 1 a prime number?", AnswerType.YES_NO),
    (["The joint output is 4-D, B x T x U x V"], "What is the joint output?", AnswerType.TEXT),
    (["Because of its 4-D joint output, a B x T x U x V tensor."], "Why so much memory?", AnswerType.TEXT),
    (["The rubber band vibrates."], "Why does a rubber band make a sound when plucked?", AnswerType.TEXT),
    (["A man plays the flute."], "", AnswerType.TEXT),
])
def test_the_answer_type_is_read_from_the_references(references, question, expected) -> None:
    assert detect_type(references, question) is expected


def test_the_cards_type_field_wins_and_list_fields_make_a_list() -> None:
    assert detect_type(["1969"], "When?", AnswerFormat(type="number")) is AnswerType.NUMBER
    assert detect_type(["Jane Austen"], "Who?", AnswerFormat(type="text")) is AnswerType.TEXT
    assert detect_type(["a, b"], "What?", AnswerFormat(ordered=True)) is AnswerType.LIST


def test_every_interview_card_stays_free_text_and_every_short_answer_card_is_typed() -> None:
    for name in ("msft-asr", "e2e-asr", "on-device-asr"):
        assert {card_answer_type(card) for card in load(name).cards} == {AnswerType.TEXT}
    assert AnswerType.TEXT not in {card_answer_type(card) for card in load("short-answer").cards}


def test_the_deck_types_and_the_typed_path_agree() -> None:
    from quizzer.deck.model import ANSWER_TYPES

    assert tuple(kind.value for kind in AnswerType) == ANSWER_TYPES


# --- the grade

def test_a_typed_grade_names_the_difference_and_records_the_type_and_values() -> None:
    grade = grade_typed(Submission("How many bits are in a byte?", ("8",), "16"), INFO)
    assert grade is not None and grade.verdict is Verdict.INCORRECT
    assert grade.feedback == "Incorrect: You said 16; the answer is 8 (bits)."
    assert grade.probability == 0.01 and grade.matched_reference == 0
    assert grade.evidence["answer_type"] == "number" and grade.evidence["typed_version"] == TYPED_VERSION
    assert grade.evidence["typed_expected_value"] == 8 and grade.evidence["typed_given_values"] == [16.0]


def test_the_best_reference_is_the_one_matched() -> None:
    grade = grade_typed(Submission("Boiling point?", ("100 °C", "212 °F"), "212 F"), INFO)
    assert grade is not None and grade.verdict is Verdict.CORRECT and grade.matched_reference in (0, 1)


def test_a_right_number_without_the_unit_is_partial_unless_the_question_states_the_unit() -> None:
    cards = {card.id: card for card in load("short-answer").cards}
    boiling = grade_typed(Submission.for_card(cards["water-boiling-point"], "100"), INFO)
    assert boiling is not None and boiling.verdict is Verdict.PARTIAL and boiling.evidence["typed_unit_missing"]
    assert boiling.feedback == "Partly correct: The number is right; give the unit: °C (the answer is 100 °C)."
    for card_id, answer in (("absolute-zero-celsius", "-273.15"), ("bits-in-byte", "8"), ("kmh-to-ms", "10")):
        grade = grade_typed(Submission.for_card(cards[card_id], answer), INFO)
        assert grade is not None and grade.verdict is Verdict.CORRECT, card_id


def test_a_dont_know_is_incorrect_without_reading_it_as_a_no() -> None:
    grade = grade_typed(Submission("Is 1 prime?", ("no",), "no idea"), INFO)
    assert grade is not None and grade.verdict is Verdict.INCORRECT and grade.evidence["dont_know"]
    assert grade_typed(Submission("Hello in Chinese?", ("你好",), "你好"), INFO).verdict is Verdict.CORRECT


def test_the_embedding_grader_decides_typed_answers_without_its_model_and_passes_the_rest_on() -> None:
    grader = RecordingGrader()
    submissions = [
        Submission("How many bits are in a byte?", ("8",), "eight"),
        Submission("Who wrote Pride and Prejudice?", ("Jane Austen",), "Charlotte Bronte"),
        Submission("Why so much memory?", ("Because of its 4-D joint output.",), "the joint output is big"),
        Submission("How many bits are in a byte?", ("8",), "a handful, I believe"),
    ]
    grades = grader.grade_batch(submissions)
    assert [grade.verdict for grade in grades] == [Verdict.CORRECT, Verdict.INCORRECT, Verdict.UNCERTAIN,
                                                   Verdict.UNCERTAIN]
    assert grader.free_text == ["the joint output is big", "a handful, I believe"]
    assert grades[0].grader.params["typed"] == TYPED_VERSION


def test_a_typed_answer_is_graded_in_under_2_ms_warm() -> None:
    submission = Submission("How many bits are in a byte?", ("8",), "16")
    grade_typed(submission, INFO)
    started = time.perf_counter()
    for _ in range(20):
        grade_typed(submission, INFO)
    assert (time.perf_counter() - started) / 20 < 0.002


# --- the labelled tune answers (the held-out part is scored once, by the lead)

def test_the_tune_answers_meet_the_issues_budget() -> None:
    path = REPO / "evals" / "short_answers_tune.jsonl"
    labels = {str(json.loads(line)["id"]): json.loads(line)["label"] for line in path.read_text().splitlines() if line}
    verdicts = Counter()
    for row in read_answer_rows(path):
        assert answer_type(row.submission) is not AnswerType.TEXT
        grade = grade_typed(row.submission, INFO)
        verdicts[(labels[row.id] == "correct", grade.verdict if grade else None)] += 1
    right = sum(count for (is_right, _), count in verdicts.items() if is_right)
    wrong = sum(count for (is_right, _), count in verdicts.items() if not is_right)
    assert verdicts[(False, Verdict.CORRECT)] <= 0.03 * wrong
    assert verdicts[(True, Verdict.CORRECT)] >= 0.90 * right
    uncertain = sum(count for (_, verdict), count in verdicts.items() if verdict in (Verdict.UNCERTAIN, None))
    assert uncertain <= 0.10 * (right + wrong)
