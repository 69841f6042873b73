"""The note type quizzer exports to Anki, and how a card survives the trip there and back.

Anki shows the question, the answers, the key points and the notes; the whole card is also kept,
as JSON, in a field no template shows. The JSON is written from the Card dataclass's fields, so a
field added to Card later travels without a change here. On the way back a visible field that was
edited in Anki wins over the JSON; an untouched one gives back the card's exact text.
"""

from __future__ import annotations

import dataclasses
import html
import json
import typing
from typing import Any

from quizzer.deck.anki.text import clean_field
from quizzer.deck.model import Card

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
    """Every field of the card that makes it what it is (not its line in a file), JSON-ready."""
    return {
        field.name: list(value) if isinstance(value := getattr(card, field.name), tuple) else value
        for field in dataclasses.fields(Card) if field.compare
    }


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
        known = {field.name for field in dataclasses.fields(Card)}
        if unknown := sorted(set(record) - known):
            problems.append(f"fields {', '.join(unknown)} are unknown to this quizzer and were left out")
        card = _card(record)
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
    """A Card from its record; lists become the tuples Card holds."""
    hints = typing.get_type_hints(Card)
    values = {}
    for field in dataclasses.fields(Card):
        if field.name not in record or not field.compare:
            continue
        value = record[field.name]
        if typing.get_origin(hints[field.name]) is tuple:
            if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
                raise ValueError(f"{field.name} is not a list of texts")
            value = tuple(value)
        elif hints[field.name] is str and not isinstance(value, str):
            raise ValueError(f"{field.name} is not a text")
        values[field.name] = value
    return Card(**values)


def _html(text: str) -> str:
    return html.escape(text, quote=False).replace("\n", "<br>")


def _html_list(items: tuple[str, ...]) -> str:
    return "<ul>" + "".join(f"<li>{_html(item)}</li>" for item in items) + "</ul>" if items else ""


def _text_list(field_html: str) -> list[str]:
    """The items of a list field edited in Anki: one per line, bullets removed."""
    lines = clean_field(field_html).text.splitlines()
    return [line.strip().removeprefix("- ").strip() for line in lines if line.strip().removeprefix("-").strip()]
