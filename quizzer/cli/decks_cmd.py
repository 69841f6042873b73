"""`quizzer decks list|check|show|import|export`: thin commands over quizzer.deck."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="List, check, show, import and export decks.", no_args_is_help=True)


@app.command("list")
def list_decks() -> None:
    """The bundled decks and those listed in the config's `decks`, with their card counts."""
    from quizzer.cli.deck_render import print_deck_list
    from quizzer.cli.render import print_warning
    from quizzer.deck.catalog import check_decks, known_decks, missing_configured_decks

    checks = check_decks(known_decks())
    rows = [(c.deck.name if c.deck else c.path.stem, len(c.deck.cards) if c.deck else None, c.path) for c in checks]
    print_deck_list(rows)
    for entry in missing_configured_decks():
        print_warning(f"the config's decks lists {entry}, which does not exist")


@app.command("check")
def check(
    paths: Annotated[list[Path], typer.Argument(help="Deck files, or directories of .yaml/.yml decks.")],
) -> None:
    """Validate deck files: OK per file, or every problem with its line. Exit status 2 on any problem."""
    from quizzer.cli.deck_render import print_checks
    from quizzer.deck.catalog import check_decks

    checks = check_decks(paths)
    print_checks(checks)
    if any(c.problems for c in checks):
        raise typer.Exit(2)


@app.command("show")
def show(deck: Annotated[str, typer.Argument(help="A deck name (see `quizzer decks list`) or a path.")]) -> None:
    """Show a deck's cards: question, reference answers, answer type, key points, notes and tags."""
    from quizzer.cli.deck_render import print_deck
    from quizzer.deck.catalog import load
    from quizzer.grading.offline.typed import card_answer_type

    loaded = load(deck)
    print_deck(loaded, {card.id: card_answer_type(card).value for card in loaded.cards})


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="Notes (.txt/.md), a .csv/.tsv table, an Anki plain-text export, "
                                              "or an Anki package (.apkg/.colpkg).")],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Deck to write (default: ./<stem>.yaml); "
                                                "a folder for a package of several decks.")] = None,
    format: Annotated[str | None, typer.Option("--format", "-f", help="notes, csv, tsv, anki (plain text) or apkg "
                                               "(default: guessed).")] = None,
    name: Annotated[str | None, typer.Option(help="Deck name (default: the notes' title, else the file name).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite the output file if it exists.")] = False,
    list_fields: Annotated[bool, typer.Option("--list-fields", help="Anki: show each note type's fields with an "
                                              "example, and write nothing.")] = False,
    question_field: Annotated[str | None, typer.Option(help="Anki: the field holding the question.")] = None,
    answer_field: Annotated[str | None, typer.Option(help="Anki: the field holding the answer.")] = None,
    notes_field: Annotated[list[str] | None, typer.Option(help="Anki: a field shown after grading (repeatable; "
                                                          "default: every other field).")] = None,
    reverse: Annotated[bool, typer.Option("--reverse", help="Anki: also the reversed card, for note types with "
                                          "a reverse template.")] = False,
    deck: Annotated[str | None, typer.Option(help="Anki: import only this deck (its full name, Parent::Child).")] = None,
    media: Annotated[Path | None, typer.Option(help="Anki: copy the media the cards refer to into this folder.")] = None,
    update: Annotated[bool, typer.Option("--update", help="Anki: merge into the existing deck file by card id, "
                                         "keeping what was added in quizzer.")] = False,
    delete_missing: Annotated[bool, typer.Option("--delete-missing", help="Anki, with --update: delete the cards "
                                                 "no longer in the package.")] = False,
) -> None:
    """Convert notes, CSV/TSV or an Anki export or package into YAML decks, reporting what could not be used."""
    from quizzer.deck.anki.importing import is_anki_package

    if is_anki_package(file, format):
        from quizzer.cli.anki_cmd import import_anki
        from quizzer.deck.anki.fields import FieldChoice
        from quizzer.deck.anki.importing import AnkiImportOptions

        choice = FieldChoice(question_field, answer_field, tuple(notes_field or ()), reverse)
        import_anki(file, AnkiImportOptions(choice, deck, name, output, media, update, delete_missing, force), list_fields)
        return
    package_options = {"--list-fields": list_fields, "--question-field": question_field, "--answer-field": answer_field,
                       "--notes-field": notes_field, "--reverse": reverse, "--deck": deck, "--media": media,
                       "--update": update, "--delete-missing": delete_missing}
    if used := [flag for flag, value in package_options.items() if value]:
        from quizzer.core.errors import QuizzerError

        raise QuizzerError(f"{', '.join(used)}: only for Anki packages, and {file} is not one",
                           hint="give an .apkg or .colpkg file, or --format apkg")
    from quizzer.cli.deck_render import print_import
    from quizzer.deck.importers import import_file
    from quizzer.deck.writer import write_deck

    result = import_file(file, format=format, name=name)
    target = output or Path.cwd() / f"{file.stem}.yaml"
    write_deck(result.deck, target, header=f"Imported from {file.name} by `quizzer decks import`.", force=force)
    print_import(result, file, target)


@app.command("export")
def export(
    deck: Annotated[str, typer.Argument(help="A deck name (see `quizzer decks list`) or a path.")],
    format: Annotated[str | None, typer.Option("--format", "-f", help="apkg (Anki), csv or yaml (default: the "
                                               "output's suffix, else apkg).")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write (default: ./<deck>.<format>).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite the output file if it exists.")] = False,
) -> None:
    """Export a deck as an Anki package (one note per card, guids stable across exports), CSV or YAML."""
    from quizzer.cli.anki_render import print_export
    from quizzer.anki_io import export_deck
    from quizzer.deck.catalog import load

    print_export(export_deck(load(deck), format, output, force))
