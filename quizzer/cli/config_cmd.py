"""`quizzer config show` and `quizzer config path`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

    from quizzer.core.config import Config

app = typer.Typer(help="Show the effective configuration and where it lives.", no_args_is_help=True)


@app.command("show")
def show() -> None:
    """Effective settings and where each value came from (secrets are never printed)."""
    from rich.table import Table

    from quizzer.cli.render import console, print_error
    from quizzer.core.config import defaults, load_config
    from quizzer.core.errors import ConfigError

    try:
        config = load_config()
    except ConfigError as error:
        # The error's hint sends the user here for the known settings: list them (file left out), then fail.
        print_error(error.message, error.hint)
        config = defaults()
        title = "known settings (the configuration above was not used)"
        _print_settings(console, Table(title=title), config)
        raise typer.Exit(error.exit_code) from None
    _print_settings(console, Table(title=f"quizzer configuration ({config.path})"), config)


def _print_settings(console: Console, table: Table, config: Config) -> None:
    table.add_column("setting")
    table.add_column("value")
    table.add_column("source", style="dim")
    from quizzer.grading.offline.bands import fitted_bands

    # The bands' defaults are the values fitted with the grader.
    fitted = {f"grader.{key}": value for key, value in fitted_bands().as_dict().items()}
    for key, value, source in config.rows(fitted):
        table.add_row(key, value, source)
    console.print(table)


@app.command("path")
def path() -> None:
    """The config file's path (QUIZZER_CONFIG overrides it)."""
    from quizzer.core.config import config_path

    typer.echo(str(config_path()))
