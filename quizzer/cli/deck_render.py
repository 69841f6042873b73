"""Rich rendering of decks, deck checks and import results (no logic: the deck package decides)."""

from __future__ import annotations

from pathlib import Path

from rich.console import Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from quizzer.cli.render import console, error_console
from quizzer.deck.catalog import DeckCheck
from quizzer.deck.importers import ImportResult
from quizzer.deck.model import Card, Deck
from quizzer.quiz_text import reflow


def cards_count(count: int) -> str:
    return f"{count} card" if count == 1 else f"{count} cards"


def _shown_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def print_deck_list(rows: list[tuple[str, int | None, Path]]) -> None:
    """rows: (deck name, number of cards or None when the file is invalid, path)."""
    table = Table(title="decks")
    table.add_column("deck")
    table.add_column("cards", justify="right")
    table.add_column("path", style="dim")
    for name, count, path in rows:
        shown_count = str(count) if count is not None else "[red]invalid[/] (run `quizzer decks check`)"
        table.add_row(escape(name), shown_count, escape(_shown_path(path)))
    console.print(table)


def card_panel(card: Card, number: int, total: int, answer_type: str | None = None) -> Panel:
    parts: list[Text | Table] = [Text(card.question, style="bold")]
    for index, reference in enumerate(card.references, start=1):
        label = "answer" if len(card.references) == 1 else f"answer {index}"
        parts.append(Text.assemble((f"{label}: ", "green"), reference))
    if answer_type is not None:
        parts.append(Text.assemble(("type: ", "yellow"), _type_line(card, answer_type)))
    if card.key_points:
        parts.append(Text("key points:", style="cyan"))
        parts.extend(Text(f"  • {point}") for point in card.key_points)
    if card.notes:
        parts.append(Text.assemble(("notes: ", "dim"), (reflow(card.notes), "dim")))
    if card.tags:
        parts.append(Text("tags: " + ", ".join(card.tags), style="magenta"))
    return Panel(Group(*parts), title=f"{card.id}", subtitle=f"{number}/{total}", title_align="left")


def _type_line(card: Card, answer_type: str) -> str:
    """"number, tolerance 1%" / "list, ordered" / "text (free text)"; "(detected)" unless the card says so."""
    shown = "text (free text)" if answer_type == "text" else answer_type.replace("_", "/")
    answer_format = card.answer_format
    extras = [f"tolerance {answer_format.tolerance}" if answer_format.tolerance else "",
              "ordered" if answer_format.ordered else "", "partial credit" if answer_format.partial_credit else ""]
    source = "" if answer_format.type else " (detected)"
    return ", ".join([shown + source, *(extra for extra in extras if extra)])


def print_deck(deck: Deck, answer_types: dict[str, str] | None = None) -> None:
    header = f"[bold]{escape(deck.name)}[/] ({cards_count(len(deck.cards))})"
    if deck.path:
        header += f" [dim]{escape(_shown_path(deck.path))}[/]"
    console.print(header)
    if deck.description:
        console.print(escape(deck.description))
    for number, card in enumerate(deck.cards, start=1):
        console.print(card_panel(card, number, len(deck.cards), (answer_types or {}).get(card.id)))


def print_checks(checks: list[DeckCheck]) -> None:
    for check in checks:
        if check.deck is not None:
            count = cards_count(len(check.deck.cards))
            console.print(f"[green]OK[/] {escape(str(check.path))} ({count})", highlight=False)
        else:
            console.print(f"[red]FAIL[/] {escape(str(check.path))}", highlight=False)
            for problem in check.problems:
                console.print(f"  {escape(problem)}", highlight=False, soft_wrap=True)


def print_import(result: ImportResult, source: Path, output: Path) -> None:
    console.print(
        f"Imported {cards_count(len(result.deck.cards))} ({result.format}) from {escape(str(source))} "
        f"into {escape(str(output))}",
        highlight=False,
        soft_wrap=True,
    )
    for problem in result.problems:
        error_console.print(f"[yellow]problem:[/] {escape(problem)}", highlight=False, soft_wrap=True)
    for warning in result.warnings:
        error_console.print(f"[yellow]warning:[/] {escape(warning)}", highlight=False, soft_wrap=True)
