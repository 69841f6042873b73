"""What quizzer reads from an Anki package: note types, decks, notes and the media list.

The collection inside a package is a SQLite file, and quizzer's SQLite is storage's: the package code is handed
its reader and writer (`CollectionReader`, `CollectionWriter`; `storage.anki_collection` is both), and the use case
`quizzer.anki_io` hands one to the other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Template:
    """One card template of a note type: its front and back formats (`{{Front}}`, `{{type:Back}}` ...)."""

    ord: int
    name: str
    front: str = ""
    back: str = ""


@dataclass(frozen=True)
class NoteType:
    """An Anki note type: its field names in order, its templates, and whether it makes cloze cards."""

    id: int
    name: str
    fields: tuple[str, ...]
    templates: tuple[Template, ...] = ()
    is_cloze: bool = False


@dataclass(frozen=True)
class AnkiNote:
    """One note: its field values (Anki's HTML), tags, and the deck of each of its cards by template ord."""

    id: int
    guid: str
    note_type_id: int
    fields: tuple[str, ...]
    tags: tuple[str, ...] = ()
    card_decks: tuple[tuple[int, int], ...] = ()  # (card ord, deck id), by ord

    def deck_of(self, ord: int) -> int | None:
        """The deck of the note's card for this template (or cloze number - 1); None when it has none."""
        return next((deck for card_ord, deck in self.card_decks if card_ord == ord), None)

    @property
    def first_deck(self) -> int | None:
        return self.card_decks[0][1] if self.card_decks else None


@dataclass(frozen=True)
class AnkiDeck:
    id: int
    name: str  # the full path, with Anki's "::" between parent and child
    description: str = ""


@dataclass(frozen=True)
class AnkiCollection:
    """What a package's collection file holds for quizzer."""

    note_types: dict[int, NoteType]
    decks: dict[int, AnkiDeck]
    notes: tuple[AnkiNote, ...]


class CollectionError(Exception):
    """A collection file is not a readable Anki collection (the message says why); reported against its package."""


# Reads the collection file at a path (raising CollectionError).
CollectionReader = Callable[[Path], AnkiCollection]
# Makes a new collection file at a path and hands `fill` a cursor on it (a DB-API cursor: genanki writes through it).
CollectionWriter = Callable[[Path, Callable[[Any], None]], None]


@dataclass(frozen=True)
class AnkiPackage:
    """A package's content. Media stay in the zip (`media` maps each file name to its zip member)."""

    path: Path
    layout: str  # the collection file read: collection.anki2, collection.anki21 or collection.anki21b
    note_types: dict[int, NoteType]
    decks: dict[int, AnkiDeck]
    notes: tuple[AnkiNote, ...]
    media: dict[str, str] = field(default_factory=dict)
    problems: tuple[str, ...] = ()  # what could be read only in part (a damaged media list)

    @property
    def media_compressed(self) -> bool:
        """Current packages compress each media file with zstd, as they do the collection."""
        return self.layout == "collection.anki21b"
