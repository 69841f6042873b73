"""The hybrid grader: the offline grader decides, and only the answers in its uncertain band go to the
LLM judge. When the LLM cannot grade, the offline verdict (uncertain: the learner settles it) stands,
marked as a fallback. Every grade says in `decided_by` which grader decided.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from quizzer.core.errors import LLMError
from quizzer.core.types import Grade, Grader, GraderInfo, PreparesCards, Submission, Verdict
from quizzer.grading.judge.judge import (
    GRADER_VERSION,
    JudgedGrader,
    JudgeObserver,
    Progress,
    RubricJudge,
    VerdictStore,
    not_asked_grade,
    fallback_grade,
)

if TYPE_CHECKING:
    from quizzer.core.config import Config


class HybridGrader(JudgedGrader):
    def __init__(self, offline: Grader, judge: RubricJudge) -> None:
        self.offline = offline
        self.judge = judge

    @property
    def info(self) -> GraderInfo:
        offline = self.offline.info
        params = {
            **self.judge.params(),
            "offline_grader": offline.name,
            "offline_version": offline.version,
            "offline_model": offline.model,
            "offline_params": offline.params,
        }
        return GraderInfo(name="hybrid", version=GRADER_VERSION, model=self.judge.model, params=params)

    def without_judge(self, submission: Submission, reason: str) -> Grade:
        """The offline grade, marked as standing in for the judge's (who was not waited for: `reason`)."""
        offline = self.offline.grade(submission)
        return fallback_grade(offline, not_asked_grade(self.info, reason), self.info, how="llm skipped")

    def prepare(self, submissions: Sequence[Submission]) -> None:
        """The offline grader's work ahead, when it has any; the judge is asked only about real answers."""
        if isinstance(self.offline, PreparesCards):
            self.offline.prepare(submissions)

    def _grade(self, submissions: Sequence[Submission], on_progress: Progress | None, *, interactive: bool) -> list[Grade]:
        info = self.info
        offline = list(self.offline.grade_batch(submissions))
        uncertain = [index for index, grade in enumerate(offline) if grade.verdict is Verdict.UNCERTAIN]
        grades = [replace(grade, grader=info, decided_by=grade.grader.name) for grade in offline]
        settled = len(submissions) - len(uncertain)

        def progress(done: int, total: int) -> None:
            if on_progress:
                on_progress(settled + done, len(submissions))

        judged = self.judge.judge_many(
            [submissions[index] for index in uncertain], info, progress, interactive=interactive) if uncertain else []
        if not uncertain and on_progress and submissions:
            on_progress(len(submissions), len(submissions))
        for index, llm_grade in zip(uncertain, judged, strict=True):
            offline_grade = offline[index]
            if llm_grade.verdict is Verdict.UNGRADABLE:
                self.stats.record_fallback()
                grades[index] = fallback_grade(offline_grade, llm_grade, info)
                continue
            grades[index] = replace(
                llm_grade,
                # The LLM gives credit, not a probability; the offline one is the only estimate there is.
                probability=offline_grade.probability,
                key_points=llm_grade.key_points or offline_grade.key_points,
                matched_reference=offline_grade.matched_reference,
                evidence={
                    **llm_grade.evidence,
                    "offline_verdict": offline_grade.verdict.value,
                    "offline_probability": offline_grade.probability,
                    "offline_evidence": offline_grade.evidence,
                },
            )
        return grades


def make_hybrid_grader(
    config: Config, verdicts: VerdictStore | None = None, *, offline: Grader | Callable[[], Grader],
    observer: JudgeObserver | None = None,
) -> HybridGrader:
    """The `hybrid` grader: `offline` (a grader, or how to build one) decides, its uncertain answers go to the LLM
    (`observer` hears when)."""
    if not config.llm_configured:
        raise LLMError(
            "the hybrid grader needs an LLM, and none is configured",
            hint="set QUIZZER_LLM_MODEL (see `quizzer llm check`), or use --grader embedding",
        )
    judge = RubricJudge.from_config(config, verdicts, observer=observer)
    return HybridGrader(offline if isinstance(offline, Grader) else offline(), judge)
