"""The `quizzer` command: a thin typer app. Command modules import nothing heavy at module level."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from quizzer.cli import commands
from quizzer.cli.render import print_error
from quizzer.core.errors import QuizzerError

app = typer.Typer(
    name="quizzer",
    help="Practise interview-style recall: answer flashcards in your own words, get graded, track mastery.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

_debug = False


def _version(value: bool) -> None:
    if value:
        from quizzer import __version__

        typer.echo(f"quizzer {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks for errors.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    global _debug
    _debug = debug


commands.register(app)


def main() -> None:
    """Console entry point: runs the app and turns QuizzerError into a message and an exit status."""
    try:
        # Outside standalone mode click returns a command's `typer.Exit(code)` instead of raising it.
        status = app(standalone_mode=False)
        if isinstance(status, int) and status:
            sys.exit(status)
    except QuizzerError as error:
        if _debug or "--debug" in sys.argv:
            raise
        print_error(error.message, error.hint)
        sys.exit(error.exit_code)
    except typer.Exit as exit_:
        sys.exit(exit_.exit_code)
    except typer.Abort:
        print_error("aborted")
        sys.exit(130)
    except KeyboardInterrupt:
        print_error("interrupted")
        sys.exit(130)
    except Exception as error:  # click's usage errors arrive here in non-standalone mode
        if isinstance(error, _usage_error_types()):
            error.show()  # type: ignore[attr-defined]
            sys.exit(error.exit_code)  # type: ignore[attr-defined]
        raise


def _usage_error_types() -> tuple[type[Exception], ...]:
    """click's ClickException, and typer's vendored copy of it (typer >= 0.24 raises `typer._click`'s own
    classes, which are not subclasses of click's: checking click's alone let usage errors out as tracebacks)."""
    import click

    types: list[type[Exception]] = [click.ClickException]
    try:
        from typer._click.exceptions import ClickException as VendoredClickException
    except ImportError:  # older typer uses click itself
        pass
    else:
        types.append(VendoredClickException)
    return tuple(types)
