"""`quizzer config show` and `quizzer config path`."""

from __future__ import annotations

import typer

app = typer.Typer(help="Show the effective configuration and where it lives.", no_args_is_help=True)


@app.command("show")
def show() -> None:
    """Effective settings and where each value came from (secrets are never printed)."""
    from rich.table import Table

    from quizzer.cli.render import console
    from quizzer.config import load_config

    config = load_config()
    table = Table(title=f"quizzer configuration ({config.path})")
    table.add_column("setting")
    table.add_column("value")
    table.add_column("source", style="dim")
    for key, value, source in config.rows():
        table.add_row(key, value, source)
    console.print(table)


@app.command("path")
def path() -> None:
    """The config file's path (QUIZZER_CONFIG overrides it)."""
    from quizzer.config import config_path

    typer.echo(str(config_path()))
