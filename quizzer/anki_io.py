"""Anki packages in and out: `deck.anki` handles the zip, its media and the cards, and the SQLite collection
inside a package is storage's (`storage.anki_collection`). Deck code may not import storage (storage imports
the deck model), so this use case hands the one to the other."""

from __future__ import annotations

from pathlib import Path

from quizzer.deck.anki import export, importing, package
from quizzer.deck.anki.export import ExportResult
from quizzer.deck.anki.importing import AnkiImportOptions, AnkiImportResult
from quizzer.deck.anki.records import AnkiPackage
from quizzer.deck.model import Deck
from quizzer.storage.anki_collection import read_collection, write_collection


def read_package(path: str | Path) -> AnkiPackage:
    """The note types, decks, notes and media list of the package at `path`."""
    return package.read_package(path, read_collection)


def import_package(path: str | Path, options: AnkiImportOptions = AnkiImportOptions()) -> AnkiImportResult:
    """`quizzer decks import FILE.apkg`: imports the package as the options say and writes the deck files."""
    return importing.import_package(path, options, read_collection)


def export_deck(deck: Deck, format: str | None = None, output: Path | None = None, force: bool = False) -> ExportResult:
    """`quizzer decks export`: the deck as an Anki package, a CSV table or a YAML deck file (see
    `deck.anki.export.export_deck`)."""
    return export.export_deck(deck, write_collection, format, output, force)
