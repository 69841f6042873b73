"""The note type quizzer exports to Anki, and how a card survives the trip there and back.

Anki shows the question, the answers, the key points and the notes; the whole card is also kept,
as JSON, in a field no template shows. The JSON holds the card's deck-file fields, written by the deck
writer and read back by the strict deck loader, so every field a deck file can hold travels (a field
added to the deck format later too) and is validated the same way. On the way back a visible field that
was edited in Anki wins over the JSON; an untouched one gives back the card's exact text.
"""

from __future__ import annotations

import dataclasses
import html
import json
from pathlib import Path
from typing import Any

from quizzer.core.errors import DeckError
from quizzer.deck.anki.text import clean_field
from quizzer.deck.loader import CARD_FIELDS, parse_deck
from quizzer.deck.model import Card
from quizzer.deck.writer import card_to_dict

NOTE_TYPE_NAME = "quizzer card"
NOTE_TYPE_ID = 1_735_000_000_001  # fixed, so every export shares one note type in the learner's collection
QUESTION, ANSWER, OTHER_ANSWERS, KEY_POINTS, NOTES, CARD_JSON = (
    "Question", "Answer", "Other answers", "Key points", "Notes", "quizzer")
FIELDS = (QUESTION, ANSWER, OTHER_ANSWERS, KEY_POINTS, NOTES, CARD_JSON)
# `{{type:Answer}}` asks for the answer in a text box on the front, as quizzer does.
FRONT = "{{Question}}\n\n{{type:Answer}}"
BACK = (
    "{{Question}}\n\n<hr id=answer>\n\n{{type:Answer}}\n"
    "{{#Other answers}}<div class=other><b>Also right:</b>{{Other answers}}</div>{{/Other answers}}\n"
    "{{#Key points}}<div class=key-points><b>Key points:</b>{{Key points}}</div>{{/Key points}}\n"
    "{{#Notes}}<div class=notes>{{Notes}}</div>{{/Notes}}"
)
CSS = (".card { font-family: sans-serif; font-size: 20px; text-align: left; }\n"
       ".key-points, .other, .notes { margin-top: 1em; font-size: 16px; }\n.notes { color: #555; }")
_FORMAT = 1


def is_quizzer_note_type(field_names: tuple[str, ...]) -> bool:
    return tuple(name.casefold() for name in field_names) == tuple(name.casefold() for name in FIELDS)


def card_record(card: Card) -> dict[str, Any]:
    """The card as a deck file's fields (not its line in a file), JSON-ready."""
    return card_to_dict(card)


def note_fields(card: Card) -> list[str]:
    """The card as the note type's field values (HTML), in `FIELDS` order."""
    payload = json.dumps({"quizzer": _FORMAT, "card": card_record(card)}, ensure_ascii=False, sort_keys=True)
    return [_html(card.question), _html(card.reference), _html_list(card.references[1:]),
            _html_list(card.key_points), _html(card.notes), html.escape(payload, quote=False)]


def anki_tags(tags: tuple[str, ...]) -> list[str]:
    """Anki separates tags with spaces, so a space inside a tag becomes '_'."""
    return [tag.replace(" ", "_") for tag in tags]


def card_from_note(values: tuple[str, ...], tags: tuple[str, ...]) -> tuple[Card, list[str]]:
    """The card a quizzer note holds, and what was wrong with its JSON (visible fields stand in)."""
    fields = dict(zip(FIELDS, values + ("",) * (len(FIELDS) - len(values))))
    problems: list[str] = []
    try:
        stored = json.loads(html.unescape(fields[CARD_JSON]))
        record = dict(stored["card"])
        if unknown := sorted(set(record) - set(CARD_FIELDS)):
            problems.append(f"fields {', '.join(unknown)} are unknown to this quizzer and were left out")
        card = _card({name: value for name, value in record.items() if name in CARD_FIELDS})
    except (ValueError, KeyError, TypeError) as error:
        problems.append(f"its hidden `quizzer` field is unreadable ({error}); the visible fields were used")
        card = None
    return _with_anki_edits(card, fields, tags), problems


def _with_anki_edits(card: Card | None, fields: dict[str, str], tags: tuple[str, ...]) -> Card:
    """The card with each visible field that differs from what quizzer exported read from Anki instead."""
    edits: dict[str, Any] = {}
    if card is None or fields[QUESTION] != _html(card.question):
        edits["question"] = clean_field(fields[QUESTION]).text
    if card is None or fields[ANSWER] != _html(card.reference) or fields[OTHER_ANSWERS] != _html_list(card.references[1:]):
        edits["references"] = tuple(
            answer for answer in (clean_field(fields[ANSWER]).text, *_text_list(fields[OTHER_ANSWERS])) if answer
        )
    if card is None or fields[KEY_POINTS] != _html_list(card.key_points):
        edits["key_points"] = tuple(_text_list(fields[KEY_POINTS]))
    if card is None or fields[NOTES] != _html(card.notes):
        edits["notes"] = clean_field(fields[NOTES]).text
    if card is None or sorted(tags) != sorted(anki_tags(card.tags)):
        edits["tags"] = tags
    if card is None:
        return Card(id="", **edits)
    return dataclasses.replace(card, **edits) if edits else card


def _card(record: dict[str, Any]) -> Card:
    """A Card from its deck-file fields, checked by the deck loader (JSON is YAML)."""
    try:
        deck = parse_deck(json.dumps({"name": "anki", "cards": [record]}, ensure_ascii=False), Path("<quizzer field>"))
    except DeckError as error:
        raise ValueError("; ".join(error.problems)) from None
    return dataclasses.replace(deck.cards[0], line=None)


def _html(text: str) -> str:
    return html.escape(text, quote=False).replace("\n", "<br>")


def _html_list(items: tuple[str, ...]) -> str:
    return "<ul>" + "".join(f"<li>{_html(item)}</li>" for item in items) + "</ul>" if items else ""


def _text_list(field_html: str) -> list[str]:
    """The items of a list field edited in Anki: one per line, bullets removed."""
    lines = clean_field(field_html).text.splitlines()
    return [line.strip().removeprefix("- ").strip() for line in lines if line.strip().removeprefix("-").strip()]
