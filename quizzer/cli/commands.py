"""Registers every command group on the app. Each module here is cheap to import."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    from quizzer.cli import config_cmd, decks_cmd

    app.add_typer(decks_cmd.app, name="decks")
    app.add_typer(config_cmd.app, name="config")
