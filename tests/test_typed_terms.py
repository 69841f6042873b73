"""Names and terms, lists, code values, dates and yes/no answers."""

from __future__ import annotations

import pytest

from quizzer.core.types import AnswerFormat, Verdict
from quizzer.grading.offline.typed.codevalues import compare_code
from quizzer.grading.offline.typed.dates import compare_date, parse_date
from quizzer.grading.offline.typed.lists import compare_list, split_items
from quizzer.grading.offline.typed.names import compare_name, similarity
from quizzer.grading.offline.typed.outcome import Comparison, Context
from quizzer.grading.offline.typed.yesno import compare_yes_no, polarity


def best(compare, question: str, references: list[str], answer: str, **fields) -> Comparison | None:
    context = Context(question, AnswerFormat(**fields), tuple(references))
    found = [compare(answer, reference, context) for reference in references]
    return max((item for item in found if item is not None), key=lambda item: item.rank, default=None)


def verdict(compare, question: str, references: list[str], answer: str, **fields) -> Verdict | None:
    comparison = best(compare, question, references, answer, **fields)
    return comparison.verdict if comparison else None


# --- names and terms

@pytest.mark.parametrize(("answer", "expected"), [
    ("Jane Austen", Verdict.CORRECT), ("jane austen", Verdict.CORRECT), ("Austen", Verdict.CORRECT),
    ("J. Austen", Verdict.CORRECT), ("Jane Austin", Verdict.CORRECT), ("It was written by Jane Austen.", Verdict.CORRECT),
    ("Charlotte Bronte", Verdict.INCORRECT), ("Charlotte Brontë", Verdict.INCORRECT), ("Jane", Verdict.INCORRECT),
    ("Jane Eyre", Verdict.INCORRECT), ("not Jane Austen", None),
])
def test_a_person_by_full_name_surname_or_a_small_misspelling(answer: str, expected: Verdict | None) -> None:
    assert verdict(compare_name, "Who wrote Pride and Prejudice?", ["Jane Austen"], answer) is expected


def test_feedback_says_what_was_said_and_what_the_answer_is() -> None:
    comparison = best(compare_name, "Who wrote Pride and Prejudice?", ["Jane Austen"], "Charlotte Bronte")
    assert comparison is not None and comparison.feedback == "You said Charlotte Bronte; the answer is Jane Austen."


def test_misspellings_keep_consonants_other_words_change_them() -> None:
    assert similarity("canbera", "canberra") > 0.8 and similarity("tigirs", "tigris") > 0.8
    assert similarity("grasias", "gracias") > 0.8
    assert similarity("chlorite", "chloride") < 0.79 and similarity("hand", "hund") < 0.79
    assert similarity("nacl2", "nacl") == 0.0


@pytest.mark.parametrize(("answer", "expected"), [
    ("der Hund", Verdict.CORRECT), ("ein Hund", Verdict.CORRECT), ("hund", Verdict.CORRECT),
    ("Katze", Verdict.INCORRECT), ("Hand", Verdict.UNCERTAIN),
])
def test_articles_case_and_accents_are_ignored(answer: str, expected: Verdict) -> None:
    assert verdict(compare_name, 'What is the German word for "dog"?', ["Hund"], answer) is expected


def test_aliases_acronyms_units_and_the_distinctive_part_of_a_name() -> None:
    assert verdict(compare_name, "Hello in Mandarin?", ["你好", "nǐ hǎo"], "ni hao") is Verdict.CORRECT
    assert verdict(compare_name, "What does USA stand for?", ["United States of America"], "USA") is Verdict.CORRECT
    assert verdict(compare_name, "What is the SI unit of force?", ["newton"], "N") is Verdict.CORRECT
    assert verdict(compare_name, "What is the largest ocean?", ["Pacific Ocean"], "the Pacific") is Verdict.CORRECT
    assert verdict(compare_name, "Which river flows through Baghdad?", ["Tigris"], "Euphrates") is Verdict.INCORRECT


def test_a_long_explanation_without_the_name_is_left_to_the_free_text_grader() -> None:
    answer = "I am not sure, but I remember it was a woman who wrote many novels about English society"
    assert verdict(compare_name, "Who wrote Pride and Prejudice?", ["Jane Austen"], answer) is None


# --- lists

def test_items_are_split_on_commas_and_and_numbering() -> None:
    assert split_items("red, green and blue") == ["red", "green", "blue"]
    assert split_items("1. Physical 2. Data Link") == ["Physical", "Data Link"]
    assert split_items("1 Physical 2 Data Link 3 Network") == ["Physical", "Data Link", "Network"]


@pytest.mark.parametrize(("answer", "expected"), [
    ("red, green, blue", Verdict.CORRECT), ("blue, red and green", Verdict.CORRECT), ("red green blue", Verdict.CORRECT),
    ("RGB", Verdict.CORRECT), ("red, green", Verdict.INCORRECT), ("red, yellow, blue", Verdict.INCORRECT),
    ("red, green, blue, yellow", Verdict.INCORRECT),
])
def test_a_list_in_any_order(answer: str, expected: Verdict) -> None:
    from quizzer.core.types import AnswerType
    from quizzer.grading.offline.typed.grader import _compare

    context = Context("Primary colours of light?", references=("red, green, blue", "RGB"))
    found = [_compare(AnswerType.LIST, answer, reference, context) for reference in context.references]
    assert max((item for item in found if item), key=lambda item: item.rank).verdict is expected


def test_missing_and_wrong_items_are_named() -> None:
    comparison = best(compare_list, "Colours?", ["red, green, blue"], "red, green, purple")
    assert comparison is not None and comparison.feedback == "Missing: blue; not in the answer: purple."


def test_order_counts_when_the_card_says_ordered() -> None:
    planets = ["Mercury, Venus, Earth, Mars"]
    assert verdict(compare_list, "Inner planets?", planets, "Venus, Mercury, Earth, Mars") is Verdict.CORRECT
    swapped = best(compare_list, "Inner planets?", planets, "Venus, Mercury, Earth, Mars", ordered=True)
    assert swapped is not None and swapped.verdict is Verdict.INCORRECT and "order" in swapped.feedback


def test_partial_credit_when_the_card_allows_it_and_aliases_item_by_item() -> None:
    gases = ["helium, neon, argon, krypton, xenon, radon", "He, Ne, Ar, Kr, Xe, Rn"]
    assert verdict(compare_list, "Noble gases?", gases, "He, neon, Ar, krypton, Xe, radon") is Verdict.CORRECT
    assert verdict(compare_list, "Noble gases?", gases, "helium, neon, argon", partial_credit=True) is Verdict.PARTIAL
    assert verdict(compare_list, "Noble gases?", gases, "helium, neon, argon") is Verdict.INCORRECT


# --- code values

@pytest.mark.parametrize(("references", "answer", "expected"), [
    (["[2, 3]"], "[2,3]", Verdict.CORRECT), (["[2, 3]"], "It returns `[2, 3]`.", Verdict.CORRECT),
    (["[2, 3]"], "(2, 3)", Verdict.INCORRECT), (["[2, 3]"], "2, 3", Verdict.UNCERTAIN),
    (["'object'"], '"object"', Verdict.CORRECT), (["'object'"], "object", Verdict.CORRECT),
    (["false"], "False", Verdict.CORRECT), (["None"], "null", Verdict.CORRECT), (["3"], "three", Verdict.CORRECT),
    (["3"], "3 (floor division)", Verdict.CORRECT), (["3"], "3.0", Verdict.INCORRECT),
    (["'53'"], "53", Verdict.CORRECT), (["'53'"], "53 (a number)", Verdict.INCORRECT),
])
def test_code_values_with_quotes_spacing_and_literal_spellings_normalised(references, answer, expected) -> None:
    assert verdict(compare_code, "In Python, what does it evaluate to?", references, answer) is expected


# --- dates

def test_dates_in_common_formats() -> None:
    assert parse_date("9 November 1989") == parse_date("1989-11-09") == parse_date("November 9th, 1989")
    assert parse_date("44 BC").year == -44 and parse_date("1969").month is None


@pytest.mark.parametrize(("answer", "expected"), [
    ("9 November 1989", Verdict.CORRECT), ("Nov 9, 1989", Verdict.CORRECT), ("9/11/1989", Verdict.CORRECT),
    ("It fell on the 9th of November 1989.", Verdict.CORRECT), ("1989", Verdict.PARTIAL),
    ("10 November 1989", Verdict.INCORRECT), ("1990", Verdict.INCORRECT),
])
def test_a_full_date(answer: str, expected: Verdict) -> None:
    assert verdict(compare_date, "When did the Berlin Wall fall?", ["9 November 1989"], answer) is expected


def test_a_year_accepts_a_fuller_date() -> None:
    assert verdict(compare_date, "In what year?", ["1969"], "20 July 1969") is Verdict.CORRECT
    assert verdict(compare_date, "In what year?", ["1945"], "1945 (2 September)") is Verdict.CORRECT
    assert verdict(compare_date, "In what year?", ["1066"], "1067") is Verdict.INCORRECT


# --- yes / no

@pytest.mark.parametrize(("answer", "expected"), [
    ("yes", True), ("Yep", True), ("true", True), ("It is.", True), ("No, it cannot.", False), ("nope", False),
    ("It is false", False), ("not true", False), ("I don't think so", False), ("yes and no", None),
    ("they are immutable", None),
])
def test_yes_and_no_with_their_synonyms(answer: str, expected: bool | None) -> None:
    assert polarity(answer) is expected


def test_a_yes_no_answer_is_right_or_wrong() -> None:
    assert verdict(compare_yes_no, "Is 1 a prime number?", ["no"], "No, 1 is not prime") is Verdict.CORRECT
    assert verdict(compare_yes_no, "Is 1 a prime number?", ["no"], "yes") is Verdict.INCORRECT
