"""`quizzer decks import FILE.apkg`: the Anki package branch of `decks import` (options in, report out)."""

from __future__ import annotations

from pathlib import Path

from quizzer.deck.anki.importing import AnkiImportOptions


def import_anki(file: Path, options: AnkiImportOptions, list_fields: bool) -> None:
    """Lists the package's note types, or imports it and prints what was written, skipped and referred to."""
    from quizzer.cli.anki_render import print_anki_import, print_note_types
    from quizzer.anki_io import import_package, read_package
    from quizzer.deck.anki.fields import summarize_note_types

    if list_fields:
        print_note_types(file, summarize_note_types(read_package(file)))
        return
    print_anki_import(import_package(file, options), options.media)
