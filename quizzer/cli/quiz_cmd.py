"""`quizzer quiz`: answer due cards in your own words; grades are recorded and scheduled with FSRS."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

# The quiz's arguments and options, shared with `quizzer serve` (the same quiz in a browser).
DecksArgument = Annotated[
    list[str] | None,
    typer.Argument(help="Deck names or paths (default: the config's `decks`, else the bundled decks)."),
]
DbOption = Annotated[Path | None, typer.Option("--db", help="Review database (default: QUIZZER_DB, config, data dir).")]
TagOption = Annotated[list[str] | None, typer.Option("--tag", help="Only cards with this tag (repeatable: any of).")]
LimitOption = Annotated[int | None, typer.Option("--limit", min=1, help="At most N cards this session.")]
NewOption = Annotated[int | None, typer.Option("--new", min=0, help="At most N new cards (default: what is left of quiz.new_per_day).")]
CramOption = Annotated[bool, typer.Option("--cram", help="Review every matching card; recorded, never rescheduled.")]
GraderOption = Annotated[str | None, typer.Option("--grader", help="embedding, cosine, llm or hybrid (default: from config).")]
NoCacheOption = Annotated[bool, typer.Option("--no-cache", help="Ask the LLM judge afresh (ignore cached verdicts).")]
# Also on `serve`, `grade` and `eval`.
EscalateOption = Annotated[str | None, typer.Option(
    "--escalate", help="Hybrid mode sends the judge 'uncertain' grades, or also 'risky' correct ones (default: llm.escalate).")]


def quiz(
    decks: DecksArgument = None,
    db: DbOption = None,
    tag: TagOption = None,
    limit: LimitOption = None,
    new: NewOption = None,
    cram: CramOption = False,
    grader: GraderOption = None,
    no_cache: NoCacheOption = False,
    escalate: EscalateOption = None,
) -> None:
    """Quiz yourself: type answers in your own words, see what you covered and missed, and track mastery.

    With standard input not a terminal, reads one answer per line (empty or ? reveals) and accepts each grade;
    an uncertain grade is recorded undecided (the card stays due) for you to settle in a terminal session.
    """
    from quizzer.cli.quiz_loop import start_quiz

    raise typer.Exit(start_quiz(decks or [], db, tag or [], limit, new, cram, grader, no_cache, escalate))
