"""Runs `quizzer` with a scripted grader in place of the configured one: for terminal tests of the quiz's
own behaviour when a verdict must be known in advance (an uncertain grade), not of grading.

With an LLM configured (QUIZZER_LLM_MODEL), answers go to the real LLM judge first (tests/llm_stub.py over
loopback HTTP), the scripted grader standing in when the judge fails or is not waited for."""

from __future__ import annotations

from typing import Any

from fakes import ScriptedGrader
from quizzer.cli import quiz_loop
from quizzer.cli.app import main
from quizzer.core.types import Grader, Verdict
from quizzer.graders import BackgroundGrader


def _scripted(name: object, config: Any, db: object = None, *, observer: Any = None) -> BackgroundGrader:
    def build() -> Grader:
        scripted = ScriptedGrader({"maybe": Verdict.UNCERTAIN, "meh": Verdict.PARTIAL})
        if not config.llm_configured:
            return scripted
        from quizzer.grading.judge.judge import LLMGrader, RubricJudge

        return LLMGrader(RubricJudge.from_config(config, observer=observer), offline=scripted)

    return BackgroundGrader(build)


quiz_loop.background_grader = _scripted  # type: ignore[assignment]
main()
