"""`quizzer serve`: the quiz on a local web page (same decks, grader and database as `quizzer quiz`)."""

from __future__ import annotations

from typing import Annotated

import typer

from quizzer.cli.quiz_cmd import (
    CramOption,
    DbOption,
    DecksArgument,
    EscalateOption,
    GraderOption,
    LimitOption,
    NewOption,
    NoCacheOption,
    TagOption,
)


def serve(
    decks: DecksArgument = None,
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port to listen on (0: any free one).")] = 8765,
    host: Annotated[str, typer.Option("--host", help="Address to listen on; any but loopback needs the token.")] = "127.0.0.1",
    db: DbOption = None,
    tag: TagOption = None,
    limit: LimitOption = None,
    new: NewOption = None,
    cram: CramOption = False,
    grader: GraderOption = None,
    no_cache: NoCacheOption = False,
    escalate: EscalateOption = None,
    open_browser: Annotated[bool, typer.Option("--open", help="Open the quiz in your web browser.")] = False,
) -> None:
    """The quiz in your browser: a local web page with the same decks, grader and database as `quizzer quiz`,
    and a progress page with charts. Ctrl-C stops it.

    It listens on 127.0.0.1 unless --host says otherwise; then every request needs the token
    (QUIZZER_SERVE_TOKEN or the config's serve.token, else one made up and printed in the URL).
    """
    from quizzer.web.server import ServeOptions
    from quizzer.web.server import serve as run_server

    options = ServeOptions(decks or [], db, tag or [], limit, new, cram, grader, no_cache, escalate, host, port,
                           open_browser)
    raise typer.Exit(run_server(options))
