"""`quizzer quiz`: answer due cards in your own words; grades are recorded and scheduled with FSRS."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def quiz(
    decks: Annotated[
        list[str] | None,
        typer.Argument(help="Deck names or paths (default: the config's `decks`, else the bundled decks)."),
    ] = None,
    db: Annotated[Path | None, typer.Option("--db", help="Review database (default: QUIZZER_DB, config, data dir).")] = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", help="Only cards with this tag (repeatable: any of).")] = None,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="At most N cards this session.")] = None,
    new: Annotated[int | None, typer.Option("--new", min=0, help="At most N new cards (default: what is left of quiz.new_per_day).")] = None,
    cram: Annotated[bool, typer.Option("--cram", help="Review every matching card; recorded, never rescheduled.")] = False,
    grader: Annotated[str | None, typer.Option("--grader", help="embedding, cosine, llm or hybrid (default: from config).")] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Ask the LLM judge afresh (ignore cached verdicts).")] = False,
    escalate: Annotated[str | None, typer.Option("--escalate", help="Hybrid mode sends the judge 'uncertain' grades, or also 'risky' correct ones (default: llm.escalate).")] = None,
) -> None:
    """Quiz yourself: type answers in your own words, see what you covered and missed, and track mastery.

    With standard input not a terminal, reads one answer per line (empty or ? reveals) and accepts each grade;
    an uncertain grade is recorded undecided (the card stays due) for you to settle in a terminal session.
    """
    from quizzer.cli.quiz_loop import start_quiz

    raise typer.Exit(start_quiz(decks or [], db, tag or [], limit, new, cram, grader, no_cache, escalate))
