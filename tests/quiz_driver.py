"""Runs `quizzer` with a scripted grader in place of the configured one: for terminal tests of the quiz's
own behaviour when a verdict must be known in advance (an uncertain grade), not of grading."""

from __future__ import annotations

from fakes import ScriptedGrader
from quizzer.cli import quiz_loop
from quizzer.cli.app import main
from quizzer.core.types import Verdict
from quizzer.graders import BackgroundGrader


def _scripted(name: object, config: object, db: object = None, *, observer: object = None) -> BackgroundGrader:
    return BackgroundGrader(lambda: ScriptedGrader({"maybe": Verdict.UNCERTAIN, "meh": Verdict.PARTIAL}))


quiz_loop.background_grader = _scripted  # type: ignore[assignment]
main()
