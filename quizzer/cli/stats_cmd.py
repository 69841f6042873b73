"""`quizzer stats`, `quizzer history` and `quizzer export reviews`: thin commands over quizzer.mastery and
quizzer.review_log."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

DbOption = Annotated[str | None, typer.Option("--db", help="Review database (default: QUIZZER_DB, config, data dir).")]
# Hidden: pins "now" (UTC, ISO-8601) so that scripts and tests get reproducible figures.
NowOption = Annotated[str | None, typer.Option("--now", hidden=True)]

export_app = typer.Typer(help="Export data for analysis.", no_args_is_help=True)


def _now(text: str | None) -> datetime:
    from quizzer.core.errors import QuizzerError
    from quizzer.core.types import to_utc, utc_now

    if text is None:
        return utc_now()
    try:
        return to_utc(datetime.fromisoformat(text))
    except ValueError:
        raise QuizzerError(f"--now {text!r} is not an ISO-8601 time", hint="e.g. 2025-03-10T12:00:00+00:00") from None


def stats(
    decks: Annotated[list[str] | None, typer.Argument(help="Deck names or paths (default: studied and configured decks).")] = None,
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of tables.")] = False,
    now: NowOption = None,
) -> None:
    """Mastery per deck and tag: new, learning, due, recall, retention, streak, hardest cards, a 14-day forecast."""
    import json

    from quizzer.core.config import load_config
    from quizzer.mastery import mastery_report, select_decks
    from quizzer.storage.db import connect_for_reading, resolve_db_path

    config = load_config()
    connection = connect_for_reading(resolve_db_path(config, db))
    chosen, without_file = select_decks(connection, decks or [], config.decks)
    report = mastery_report(connection, _now(now), chosen, without_file)
    if as_json:
        typer.echo(json.dumps(report.to_dict()))
        return
    from quizzer.cli.stats_render import print_report

    print_report(report)


def history(
    card: Annotated[str, typer.Argument(help="The card's id.")],
    deck: Annotated[str | None, typer.Option("--deck", help="The card's deck, when the id is in several.")] = None,
    db: DbOption = None,
) -> None:
    """A card's reviews: when, the answer, grade and grader, any override, the rating, the interval that followed."""
    from quizzer.cli.stats_render import print_history
    from quizzer.core.config import load_config
    from quizzer.review_log import card_history
    from quizzer.storage.db import connect_for_reading, resolve_db_path

    deck_name, entries = card_history(connect_for_reading(resolve_db_path(load_config(), db)), card, deck)
    print_history(deck_name, card, entries)


@export_app.command("reviews")
def export_reviews(
    format: Annotated[str | None, typer.Option(
        "--format", "-f", help="csv or jsonl (default: from --output's suffix, else csv).")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write (default: standard output).")] = None,
    deck: Annotated[str | None, typer.Option("--deck", help="Only this deck's reviews.")] = None,
    db: DbOption = None,
) -> None:
    """The review log with final ratings and decisions (usable by the FSRS optimizer: card_id, review_time, rating)."""
    from quizzer.cli.render import error_console
    from quizzer.core.config import load_config
    from quizzer.core.errors import QuizzerError
    from quizzer.review_log import check_format, write_records
    from quizzer.storage.db import connect_for_reading, resolve_db_path
    from quizzer.storage.export import export_records

    if format is None:  # `-o reviews.jsonl` means JSONL, as in `quizzer grade`
        suffix = output.suffix.lower().lstrip(".") if output is not None else ""
        format = suffix if suffix in ("csv", "jsonl") else "csv"
    check_format(format)
    records = export_records(connect_for_reading(resolve_db_path(load_config(), db)), deck=deck)
    if output is None:
        write_records(records, sys.stdout, format)
        return
    try:
        with output.open("w", encoding="utf-8", newline="") as stream:
            count = write_records(records, stream, format)
    except OSError as error:
        raise QuizzerError(f"cannot write {output}: {error.strerror}", hint="choose another --output") from None
    error_console.print(f"wrote {count} reviews to {output}", highlight=False)
