"""Registers every command group on the app. Each module here is cheap to import."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    from quizzer.cli import config_cmd, decks_cmd, quiz_cmd

    app.command("quiz")(quiz_cmd.quiz)
    app.add_typer(decks_cmd.app, name="decks")
    app.add_typer(config_cmd.app, name="config")

    from quizzer.cli import llm_cmd

    app.add_typer(llm_cmd.app, name="llm")

    from quizzer.cli import stats_cmd

    app.command("stats")(stats_cmd.stats)
    app.command("history")(stats_cmd.history)
    app.add_typer(stats_cmd.export_app, name="export")

    from quizzer.cli import eval_cmd

    app.command("eval")(eval_cmd.eval_command)
    app.command("compare")(eval_cmd.compare_command)
    app.command("calibrate")(eval_cmd.calibrate_command)

    from quizzer.cli import grade_cmd

    app.command("grade")(grade_cmd.grade_command)

    from quizzer.cli import serve_cmd

    app.command("serve")(serve_cmd.serve)
