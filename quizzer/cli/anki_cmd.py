"""`quizzer decks import FILE.apkg`: the Anki package branch of `decks import` (options in, report out)."""

from __future__ import annotations

from pathlib import Path


def import_anki(file: Path, output: Path | None, name: str | None, force: bool, list_fields: bool,
                question_field: str | None, answer_field: str | None, notes_fields: list[str], reverse: bool,
                deck: str | None, media: Path | None, update: bool, delete_missing: bool) -> None:
    """Lists the package's note types, or imports it and prints what was written, skipped and referred to."""
    from quizzer.cli.anki_render import print_anki_import, print_note_types
    from quizzer.deck.anki.fields import FieldChoice, summarize_note_types
    from quizzer.deck.anki.importing import AnkiImportOptions, import_package
    from quizzer.deck.anki.package import read_package

    if list_fields:
        print_note_types(file, summarize_note_types(read_package(file)))
        return
    choice = FieldChoice(question_field, answer_field, tuple(notes_fields), reverse)
    options = AnkiImportOptions(choice, deck, name, output, media, update, delete_missing, force)
    print_anki_import(import_package(file, options), media)
