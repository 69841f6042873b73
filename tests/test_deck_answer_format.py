"""The short-answer card fields `type`, `tolerance`, `ordered`, `partial_credit`: loader, checks, writer, import."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from quizzer.core.errors import DeckError
from quizzer.core.types import AnswerFormat, Submission
from quizzer.deck.catalog import bundled_decks, default_decks
from quizzer.deck.importers import parse_csv
from quizzer.deck.loader import load_deck, parse_deck
from quizzer.deck.model import Card
from quizzer.deck.writer import deck_to_yaml

DECK = """\
name: short
cards:
  - id: boil
    question: At what temperature does water boil?
    answer: "100 °C"
    tolerance: 0.5
  - id: planets
    question: The inner planets in order?
    answer: Mercury, Venus, Earth, Mars
    ordered: true
    partial_credit: yes
  - id: year
    question: When?
    answer: "1969"
    type: date
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "deck.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_the_fields_load_onto_the_card_and_into_its_submissions(tmp_path: Path) -> None:
    deck = load_deck(write(tmp_path, DECK))
    boil, planets, year = deck.cards
    assert boil.answer_format == AnswerFormat(tolerance="0.5")
    assert planets.answer_format == AnswerFormat(ordered=True, partial_credit=True)
    assert year.answer_format == AnswerFormat(type="date")
    assert Submission.for_card(planets, "x").answer_format == AnswerFormat(ordered=True, partial_credit=True)


@pytest.mark.parametrize(("field", "message"), [
    ("type: formula", "unknown type 'formula' (allowed: number, expression, list, name, code, date, yes_no, text)"),
    ("tolerance: lots", "tolerance 'lots' must be a number (\"0.5\") or a percentage (\"1%\")"),
    ('tolerance: "150%"', "tolerance '150%' must be a percentage above 0 and at most 100"),
    ("ordered: maybe", "ordered must be true or false, not text"),
    ("partial_credit: [1]", "partial_credit must be true or false, not a list"),
])
def test_bad_values_are_reported_with_file_card_and_line(tmp_path: Path, field: str, message: str) -> None:
    path = write(tmp_path, f"cards:\n  - id: one\n    question: Q?\n    answer: A\n    {field}\n")
    with pytest.raises(DeckError) as caught:
        load_deck(path)
    assert caught.value.problems == [f"{path}:5: card 'one': {message}"]


def test_fields_that_do_not_fit_the_type_are_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "cards:\n  - id: one\n    question: Q?\n    answer: A\n    type: name\n"
                           "    tolerance: 1%\n    ordered: true\n")
    with pytest.raises(DeckError) as caught:
        load_deck(path)
    assert caught.value.problems == [
        f"{path}:6: card 'one': tolerance applies to number answers, not to type 'name'",
        f"{path}:7: card 'one': ordered applies to list answers, not to type 'name'",
    ]


def test_the_writer_keeps_the_fields_and_a_deck_round_trips(tmp_path: Path) -> None:
    deck = load_deck(write(tmp_path, DECK))
    text = deck_to_yaml(deck)
    assert "tolerance: '0.5'" in text and "ordered: true" in text and "type: date" in text
    again = parse_deck(text, tmp_path / "again.yaml")
    assert [card.answer_format for card in again.cards] == [card.answer_format for card in deck.cards]


def test_csv_import_reads_the_fields_and_reports_bad_ones() -> None:
    text = "question,answer,type,tolerance,ordered\nHow many?,8,number,1%,\nPlanets?,\"a, b\",list,,yes\nX?,y,bogus,,maybe\n"
    cards, _, problems = parse_csv(text, "t.csv")
    assert cards[0].answer_format == AnswerFormat(type="number", tolerance="1%")
    assert cards[1].answer_format == AnswerFormat(type="list", ordered=True)
    assert cards[2].answer_format == AnswerFormat()  # both bad values left out
    assert problems == ["t.csv:4: ordered 'maybe' is not true or false; ignored",
                        "t.csv:4: unknown type 'bogus' (allowed: number, expression, list, name, code, date, yes_no, "
                        "text); ignored"]


def test_unset_fields_leave_a_cards_hash_as_it_was() -> None:
    card = Card(id="c", question="Q?", references=("A",))
    assert card.content_hash == "afca443bc7298295"  # as before the fields existed
    changed = Card(id="c", question="Q?", references=("A",), answer_format=AnswerFormat(tolerance="1%"))
    assert changed.content_hash != card.content_hash


def test_the_short_answer_deck_is_bundled_but_not_in_the_default_rotation() -> None:
    assert "short-answer" in [path.stem for path in bundled_decks()]
    assert "short-answer" not in [path.stem for path in default_decks()]
    assert {"msft-asr", "e2e-asr", "on-device-asr"} <= {path.stem for path in default_decks()}
