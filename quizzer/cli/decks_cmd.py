"""`quizzer decks list|check|show|import`: thin commands over quizzer.deck."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="List, check, show and import decks.", no_args_is_help=True)


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
    file: Annotated[Path, typer.Argument(help="Notes (.txt/.md), a .csv/.tsv table or an Anki plain-text export.")],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Deck to write (default: ./<stem>.yaml).")] = None,
    format: Annotated[str | None, typer.Option("--format", "-f", help="notes, csv, tsv or anki (default: guessed).")] = None,
    name: Annotated[str | None, typer.Option(help="Deck name (default: the notes' title, else the file name).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite the output file if it exists.")] = False,
) -> None:
    """Convert notes, CSV/TSV or an Anki export into a YAML deck, reporting what could not be parsed."""
    from quizzer.cli.deck_render import print_import
    from quizzer.deck.importers import import_file
    from quizzer.deck.writer import write_deck

    result = import_file(file, format=format, name=name)
    target = output or Path.cwd() / f"{file.stem}.yaml"
    write_deck(result.deck, target, header=f"Imported from {file.name} by `quizzer decks import`.", force=force)
    print_import(result, file, target)
