"""Rich rendering of Anki imports, note type listings and exports (no logic: quizzer.deck.anki decides)."""

from __future__ import annotations

from pathlib import Path

from rich.markup import escape
from rich.table import Table

from quizzer.cli.deck_render import cards_count
from quizzer.cli.render import console, error_console
from quizzer.deck.anki.export import ExportResult
from quizzer.deck.anki.fields import NoteTypeSummary
from quizzer.deck.anki.importing import AnkiImportResult

_SHOWN_MEDIA = 8


def print_note_types(source: Path, summaries: list[NoteTypeSummary]) -> None:
    console.print(f"Note types in {escape(str(source))} (choose with --question-field, --answer-field, --notes-field):",
                  highlight=False, soft_wrap=True)
    for summary in summaries:
        kind = "cloze, " if summary.cloze else ""
        notes = "1 note" if summary.notes == 1 else f"{summary.notes} notes"
        templates = ", ".join(summary.templates) or "none"
        console.print(f"\n[bold]{escape(summary.name)}[/] ({kind}{notes}; templates: {escape(templates)})",
                      highlight=False, soft_wrap=True)
        table = Table()
        table.add_column("field")
        table.add_column("example", overflow="fold")
        for name, example in summary.fields:
            table.add_row(escape(name), escape(example) or "[dim](empty in every note)[/]")
        console.print(table)


def print_anki_import(result: AnkiImportResult, media_folder: Path | None) -> None:
    for item in result.decks:
        what = f"{cards_count(len(item.deck.cards))} ({result.layout})"
        if item.update is None:
            line = f"Imported {what} of Anki deck {escape(item.anki_name)} into {escape(str(item.path))}"
        else:
            update = item.update
            line = (f"Updated {escape(str(item.path))} from Anki deck {escape(item.anki_name)}: {len(update.added)} added, "
                    f"{len(update.updated)} changed, {len(update.unchanged)} unchanged")
            if update.deleted:
                line += f", {len(update.deleted)} deleted"
        console.print(line, highlight=False, soft_wrap=True)
        if item.update is not None and item.update.missing:
            _warn(f"{len(item.update.missing)} cards of {item.path} are no longer in the package and were kept "
                  f"(--delete-missing removes them): {_some(item.update.missing)}")
    for problem in result.problems:
        error_console.print(f"[yellow]problem:[/] {escape(problem)}", highlight=False, soft_wrap=True)
    for warning in result.warnings:
        _warn(warning)
    if result.media:
        users = len({card for cards in result.media.values() for card in cards})
        line = (f"{len(result.media)} media files are referred to by {cards_count(users)} (quizzer shows text only; "
                f"each card's notes name its files): {_some(list(result.media))}")
        if result.media_copied and media_folder is not None:
            line += f"; {len(result.media_copied)} copied to {media_folder}"
        elif media_folder is None:
            line += "; --media DIR copies them"
        _warn(line)
    if result.media_missing:
        _warn(f"{len(result.media_missing)} media files are referred to but not in the package: "
              f"{_some(result.media_missing)}")


def print_export(result: ExportResult) -> None:
    console.print(f"Exported {cards_count(result.cards)} as {result.format} to {escape(str(result.path))}",
                  highlight=False, soft_wrap=True)
    for warning in result.warnings:
        _warn(warning)


def _warn(text: str) -> None:
    error_console.print(f"[yellow]warning:[/] {escape(text)}", highlight=False, soft_wrap=True)


def _some(names: list[str]) -> str:
    shown = ", ".join(names[:_SHOWN_MEDIA])
    return shown + (f" and {len(names) - _SHOWN_MEDIA} more" if len(names) > _SHOWN_MEDIA else "")
