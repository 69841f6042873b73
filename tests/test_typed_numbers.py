"""Number answers: digits, words, separators, scientific notation, fractions, percentages, units (pint)."""

from __future__ import annotations

import pytest

from quizzer.core.types import AnswerFormat, Verdict
from quizzer.grading.offline.typed.numbers import find_numbers
from quizzer.grading.offline.typed.numeric import compare_number
from quizzer.grading.offline.typed.outcome import Context
from quizzer.grading.offline.typed.quantities import asked_unit, parse_quantity


def verdict(question: str, references: list[str], answer: str, tolerance: str | None = None) -> Verdict | None:
    context = Context(question, AnswerFormat(tolerance=tolerance), tuple(references))
    found = [compare_number(answer, reference, context) for reference in references]
    best = max((item for item in found if item is not None), key=lambda item: item.rank, default=None)
    return best.verdict if best else None


@pytest.mark.parametrize(("text", "value"), [
    ("8", 8), ("1,024", 1024), ("299 792 458", 299792458), ("6.02e23", 6.02e23), ("3 × 10^8", 3e8),
    ("6.02 × 10²³", 6.02e23), ("3/8", 0.375), ("2^10", 1024), ("9,81", 9.81), (".5", 0.5), ("-273.15", -273.15),
    ("minus 273", -273), ("eight", 8), ("twenty-one", 21), ("one hundred and five", 105), ("a dozen", 12),
    ("three quarters", 0.75), ("one and a half", 1.5), ("17.1 million", 17.1e6), ("seventeen point one million", 17.1e6),
])
def test_numbers_are_read_in_the_forms_people_write(text: str, value: float) -> None:
    found = find_numbers(text)
    assert len(found) == 1 and found[0].value == pytest.approx(value)


def test_a_reference_precision_is_half_its_last_digit_and_trailing_zeros_are_rounding_for_answers() -> None:
    number = find_numbers("9.81")[0]
    assert number.precision == pytest.approx(0.005)
    rounded = find_numbers("300000")[0]
    assert rounded.precision == 0.5 and rounded.coarse_precision == 50000


def test_an_exponent_tower_is_not_read_as_a_number() -> None:
    assert find_numbers("9**9**9**9") == []


@pytest.mark.parametrize(("text", "unit"), [("100 °C", "degree_Celsius"), ("8 bits", "bit"), ("10 m/s", "meter / second"),
                                            ("17.1 million km²", "kilometer ** 2"), ("37.5%", "percent"),
                                            ("100 degrees Celsius", "degree_Celsius"), ("9.81 m/s2", "meter / second ** 2")])
def test_a_quantity_is_a_number_with_the_unit_after_it(text: str, unit: str) -> None:
    quantity = parse_quantity(text)
    assert quantity is not None and str(quantity.unit) == unit


def test_a_sentence_with_a_number_is_not_a_quantity() -> None:
    assert parse_quantity("The joint output is 4-D, B x T x U x V") is None


def test_the_unit_a_question_asks_for() -> None:
    assert str(asked_unit("How many bits are in a byte?")) == "bit"
    assert str(asked_unit("How high is Everest, in metres?")) == "meter"
    assert str(asked_unit("What is 36 km/h in metres per second?")) == "meter / second"
    assert asked_unit("In what year did it end?") is None


@pytest.mark.parametrize(("answer", "expected"), [
    ("8", Verdict.CORRECT), ("eight", Verdict.CORRECT), ("It's 8 bits.", Verdict.CORRECT), ("8 Bits", Verdict.CORRECT),
    ("not 16 but 8", Verdict.CORRECT), ("16", Verdict.INCORRECT), ("8 bytes", Verdict.INCORRECT),
    ("10", Verdict.INCORRECT), ("8 or 16", Verdict.UNCERTAIN),
])
def test_bits_in_a_byte(answer: str, expected: Verdict) -> None:
    assert verdict("How many bits are in a byte?", ["8"], answer) is expected


@pytest.mark.parametrize(("answer", "expected"), [
    ("100 °C", Verdict.CORRECT), ("100C", Verdict.CORRECT), ("212 °F", Verdict.CORRECT), ("373 K", Verdict.CORRECT),
    ("100 degrees Celsius", Verdict.CORRECT), ("90 C", Verdict.INCORRECT), ("100 °F", Verdict.INCORRECT),
    ("100 m", Verdict.INCORRECT), ("0 °C", Verdict.INCORRECT),
])
def test_temperatures_convert_and_100_fahrenheit_is_not_100_celsius(answer: str, expected: Verdict) -> None:
    assert verdict("What is the boiling point of water at sea level?", ["100 °C"], answer) is expected


def test_feedback_names_the_difference_and_the_unit_the_question_asks_for() -> None:
    context = Context("How many bits are in a byte?", references=("8",))
    comparison = compare_number("16", "8", context)
    assert comparison is not None and comparison.feedback == "You said 16; the answer is 8 (bits)."
    converted = compare_number("100 °F", "100 °C", Context("Boiling point of water?", references=("100 °C",)))
    assert converted is not None and "37.78 °C" in converted.feedback


def test_binary_prefixes_convert() -> None:
    assert verdict("How many bytes are in one kibibyte (KiB)?", ["1024"], "1 KiB") is Verdict.CORRECT
    assert verdict("How many bytes are in a kibibyte?", ["1024 bytes"], "1 KiB") is Verdict.CORRECT
    assert verdict("How many bytes are in a kibibyte?", ["1024 bytes"], "1000 bytes") is Verdict.INCORRECT


def test_a_missing_unit_is_accepted_when_the_question_states_it() -> None:
    assert verdict("What is absolute zero in degrees Celsius?", ["-273.15 °C"], "-273.15") is Verdict.CORRECT
    assert verdict("What is 36 km/h in metres per second?", ["10 m/s"], "10") is Verdict.CORRECT
    assert verdict("How many bits are in a byte?", ["8 bits"], "8") is Verdict.CORRECT
    # "How many" asks for a count in the question's terms, even where those terms are no unit pint reads.
    assert verdict("How many kilo-calories does a gram of fat provide?", ["9 kcal"], "9") is Verdict.CORRECT


def test_a_missing_unit_the_question_leaves_open_is_partial_and_named() -> None:
    question = "At what temperature does pure water boil at sea level?"
    context = Context(question, AnswerFormat(), ("100 °C", "212 °F"))
    missing = compare_number("100", "100 °C", context)
    assert missing is not None and missing.verdict is Verdict.PARTIAL and missing.details["unit_missing"]
    assert missing.feedback == "The number is right; give the unit: °C (the answer is 100 °C)."
    assert verdict(question, ["100 °C", "212 °F"], "212") is Verdict.PARTIAL
    assert verdict(question, ["100 °C", "212 °F"], "100 °C") is Verdict.CORRECT
    assert verdict(question, ["100 °C", "212 °F"], "90") is Verdict.INCORRECT
    assert verdict("What is the standard acceleration due to gravity?", ["9.81 m/s²"], "9.81") is Verdict.PARTIAL


def test_rounding_is_accepted_within_the_answers_own_precision_and_close_to_the_value() -> None:
    question = "What is pi to five decimal places?"
    assert verdict(question, ["3.14159"], "3.14") is Verdict.CORRECT
    assert verdict(question, ["3.14159"], "3") is Verdict.INCORRECT
    assert verdict("How many bits are in a byte?", ["8"], "10") is Verdict.INCORRECT


def test_about_in_the_question_allows_a_rounder_answer() -> None:
    assert verdict("How many bones are in the adult human body?", ["206"], "200") is Verdict.INCORRECT
    assert verdict("About how many bones are in the adult human body?", ["206"], "200") is Verdict.CORRECT


def test_the_cards_tolerance_absolute_in_the_first_answers_unit_or_relative() -> None:
    question = "At what temperature does water boil?"
    references = ["100 °C", "212 °F"]
    assert verdict(question, references, "99.7 °C", tolerance="0.5") is Verdict.CORRECT
    assert verdict(question, references, "211.2 °F", tolerance="0.5") is Verdict.CORRECT
    assert verdict(question, references, "99 °C", tolerance="0.5") is Verdict.INCORRECT
    assert verdict("Speed of light?", ["299792458 m/s"], "3e8 m/s", tolerance="1%") is Verdict.CORRECT
    assert verdict("Speed of light?", ["299792458 m/s"], "3.1e8 m/s", tolerance="1%") is Verdict.INCORRECT


def test_percentages_and_numbers_the_question_gives_are_not_the_answer() -> None:
    assert verdict("What is 3/8 written as a percentage?", ["37.5%"], "37.5") is Verdict.CORRECT
    assert verdict("What is 3/8 written as a percentage?", ["37.5%"], "0.375") is Verdict.INCORRECT
    assert verdict("What is 36 km/h in m/s?", ["10 m/s"], "36 km/h is 10 m/s") is Verdict.CORRECT


def test_an_answer_without_a_number_is_left_to_the_free_text_grader() -> None:
    assert verdict("How many bits are in a byte?", ["8"], "a lot of them") is None
