"""`quizzer llm check`: one small graded call that says whether the configured endpoint, model and key work,
and which structured-output form the endpoint takes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from quizzer.core.types import GraderInfo, Submission
from quizzer.grading.judge.client import LLMClient, forget_forms
from quizzer.grading.judge.endpoint import FORMS, LLMSettings
from quizzer.grading.judge.judge import GRADER_VERSION, RubricJudge
from quizzer.grading.judge.rubric import load_prompt

if TYPE_CHECKING:
    from quizzer.core.config import Config


@dataclass(frozen=True)
class LLMCheck:
    """What `quizzer llm check` found: whether endpoint, model and key work, and which form the endpoint takes."""

    endpoint: str
    model: str
    key: str
    ok: bool
    form: str | None = None
    verdict: str | None = None
    latency_s: float | None = None
    problem: str | None = None
    # Forms the endpoint answered with an HTTP error before the one that worked.
    refused_forms: tuple[str, ...] = ()


def check_llm(config: Config) -> LLMCheck:
    """One small graded call, without retries or cache; raises LLMError when no LLM is configured."""
    settings = LLMSettings.from_config(config.with_flags(llm__attempts=1))
    key = config.resolve("llm.api_key")
    key_text = f"set ({key.source})" if key.value else "not set"
    forget_forms()  # find out afresh which structured-output form this endpoint takes
    judge = RubricJudge(LLMClient(settings, warn=lambda message: None), load_prompt(),
                        budget_seconds=settings.timeout + 1.0, concurrency=1)
    probe = Submission(question="What is the capital of France?", references=("Paris is the capital of France.",),
                       answer="Paris", key_points=("Paris",))
    grade = judge.judge(probe, GraderInfo(name="llm", version=GRADER_VERSION, model=settings.model))
    reply_form = grade.evidence.get("structured_output")
    common = {"endpoint": settings.endpoint, "model": settings.model, "key": key_text, "form": reply_form}
    if grade.verdict.is_final:
        tried = judge.client.forms() if settings.structured_output != "auto" else FORMS
        refused = tuple(tried[: tried.index(reply_form)]) if reply_form in tried else ()
        return LLMCheck(**common, ok=True, verdict=grade.verdict.value, latency_s=grade.evidence["llm"]["latency_s"],
                        refused_forms=refused)
    problem = grade.reason or "no usable reply"
    if grade.raw_reply is not None:
        problem += f"; it replied: {grade.raw_reply[:200]!r}"
    return LLMCheck(**common, ok=False, problem=problem)
