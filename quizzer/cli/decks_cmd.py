"""`quizzer decks ...` (being written)."""

from __future__ import annotations

import typer

app = typer.Typer(help="List, check, show and import decks.", no_args_is_help=True)
