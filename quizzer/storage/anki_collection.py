"""Anki's collection file (SQLite): read, read-only, into typed records, and written new for `decks export`.

An Anki package (`deck/anki/package.py`) is a zip around one collection; the package code extracts it to a
temporary file and hands it here. Note types are JSON in `col.models` in the old layouts (collection.anki2,
.anki21) and rows of the `notetypes`, `fields` and `templates` tables in the current one (.anki21b), their
settings protobuf messages. Every query on Anki's files is in this module.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

from quizzer.deck.anki.records import AnkiCollection, AnkiDeck, AnkiNote, CollectionError, NoteType, Template
from quizzer.deck.anki.wire import WireError, first_field, int_field, text_field

_CLOZE_KIND = 1
_SEPARATOR = "\x1f"  # between a note's field values, and between the parts of a deck's name in the current layout


def read_collection(collection: Path) -> AnkiCollection:
    """The note types, decks and notes of the collection file at `collection`, opened read-only; CollectionError
    (with the reason) when it is not a readable Anki collection."""
    try:
        with closing(sqlite3.connect(f"{collection.as_uri()}?mode=ro", uri=True)) as db:
            # Anki declares name columns with its own collation; sqlite3 needs one by that name to use them.
            db.create_collation("unicase", lambda a, b: (a.casefold() > b.casefold()) - (a.casefold() < b.casefold()))
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if "notetypes" in tables:
                note_types, decks = _current_note_types(db), _current_decks(db)
            else:
                models, deck_json = db.execute("SELECT models, decks FROM col").fetchone()
                note_types, decks = _legacy_note_types(json.loads(models)), _legacy_decks(json.loads(deck_json))
            return AnkiCollection(note_types, decks, _notes(db))
    except (sqlite3.DatabaseError, TypeError, ValueError, KeyError, AttributeError, WireError) as error:
        raise CollectionError(str(error)) from None


def write_collection(path: Path, fill: Callable[[sqlite3.Cursor], None]) -> None:
    """A new SQLite file at `path`, written by `fill` through a cursor (genanki's `Package.write_to_db`), committed."""
    with closing(sqlite3.connect(path)) as db:
        fill(db.cursor())
        db.commit()


def _current_note_types(db: sqlite3.Connection) -> dict[int, NoteType]:
    fields: dict[int, list[str]] = {}
    for note_type_id, name in db.execute("SELECT ntid, name FROM fields ORDER BY ntid, ord"):
        fields.setdefault(note_type_id, []).append(name)
    templates: dict[int, list[Template]] = {}
    for note_type_id, ord, name, config in db.execute("SELECT ntid, ord, name, config FROM templates ORDER BY ntid, ord"):
        # Template.Config: q_format = 1, a_format = 2.
        templates.setdefault(note_type_id, []).append(Template(ord, name, text_field(config, 1), text_field(config, 2)))
    return {
        # Notetype.Config: kind = 1 (0 normal, 1 cloze).
        note_type_id: NoteType(note_type_id, name, tuple(fields.get(note_type_id, ())),
                               tuple(templates.get(note_type_id, ())), int_field(config, 1) == _CLOZE_KIND)
        for note_type_id, name, config in db.execute("SELECT id, name, config FROM notetypes")
    }


def _current_decks(db: sqlite3.Connection) -> dict[int, AnkiDeck]:
    decks = {}
    for deck_id, name, kind in db.execute("SELECT id, name, kind FROM decks"):
        normal = first_field(kind, 1)  # DeckKindContainer: normal = 1, filtered = 2; Normal.description = 4
        description = text_field(normal, 4) if isinstance(normal, bytes) else ""
        decks[deck_id] = AnkiDeck(deck_id, name.replace(_SEPARATOR, "::"), description)
    return decks


def _legacy_note_types(models: dict[str, dict[str, Any]]) -> dict[int, NoteType]:
    note_types = {}
    for model in models.values():
        fields = tuple(field["name"] for field in sorted(model["flds"], key=lambda field: field["ord"]))
        templates = tuple(
            Template(template["ord"], template["name"], template.get("qfmt", ""), template.get("afmt", ""))
            for template in sorted(model["tmpls"], key=lambda template: template["ord"])
        )
        note_types[int(model["id"])] = NoteType(int(model["id"]), model["name"], fields, templates,
                                                model.get("type") == _CLOZE_KIND)
    return note_types


def _legacy_decks(decks: dict[str, dict[str, Any]]) -> dict[int, AnkiDeck]:
    return {int(deck["id"]): AnkiDeck(int(deck["id"]), deck["name"], deck.get("desc") or "") for deck in decks.values()}


def _notes(db: sqlite3.Connection) -> tuple[AnkiNote, ...]:
    card_decks: dict[int, list[tuple[int, int]]] = {}
    # A card in a filtered deck keeps its home deck in `odid`.
    for note_id, ord, deck_id in db.execute(
        "SELECT nid, ord, CASE WHEN odid != 0 THEN odid ELSE did END FROM cards ORDER BY nid, ord"
    ):
        card_decks.setdefault(note_id, []).append((ord, deck_id))
    return tuple(
        AnkiNote(note_id, guid, note_type_id, tuple(fields.split(_SEPARATOR)), tuple(tags.split()),
                 tuple(card_decks.get(note_id, ())))
        for note_id, guid, note_type_id, fields, tags in db.execute(
            "SELECT id, guid, mid, flds, tags FROM notes ORDER BY id"
        )
    )
