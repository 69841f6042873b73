"""The hybrid grader: the offline grader decides, and the answers in its uncertain band (and, with
`llm.escalate = "risky"`, the default, the "correct" ones that carry risk) go to the LLM judge. When the LLM
cannot grade, the offline verdict stands, marked as a fallback. Every grade says in `decided_by` which grader decided.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Literal, get_args

from quizzer.core.errors import LLMError
from quizzer.core.types import Grade, Grader, GraderInfo, PreparesCards, Submission, Verdict
from quizzer.grading.judge.judge import (
    GRADER_VERSION,
    JudgedGrader,
    JudgeObserver,
    Progress,
    RubricJudge,
    VerdictStore,
    fallback_grade,
    not_asked_grade,
)

if TYPE_CHECKING:
    from quizzer.core.config import Config


# Which offline grades go to the judge: `uncertain` ones only, or also `risky` "correct" ones (the setting
# `llm.escalate`, typed in quizzer.core.settings).
Escalate = Literal["uncertain", "risky"]


def escalates(grade: Grade, mode: Escalate) -> bool:
    """Whether hybrid mode sends this offline grade to the judge: uncertain ones always; with `risky`, also a
    "correct" that carries risk (the offline grader lists it in the grade's evidence as `risk`)."""
    if grade.verdict is Verdict.UNCERTAIN:
        return True
    return mode == "risky" and grade.verdict is Verdict.CORRECT and bool(grade.evidence.get("risk"))


class HybridGrader(JudgedGrader):
    def __init__(self, offline: Grader, judge: RubricJudge, escalate: Escalate = "risky") -> None:
        if escalate not in get_args(Escalate):
            raise ValueError(f"escalate must be one of {', '.join(get_args(Escalate))}, not {escalate!r}")
        self.offline = offline
        self.judge = judge
        self.escalate = escalate

    @property
    def info(self) -> GraderInfo:
        offline = self.offline.info
        params = {
            **self.judge.params(),
            "offline_grader": offline.name,
            "offline_version": offline.version,
            "offline_model": offline.model,
            "offline_params": offline.params,
            "escalate": self.escalate,
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
        uncertain = [index for index, grade in enumerate(offline) if escalates(grade, self.escalate)]
        # Who decided: the offline grader, or what it says decided for it (the learner's own earlier override).
        grades = [replace(grade, grader=info, decided_by=grade.decided_by or grade.grader.name) for grade in offline]
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
                    "escalated_for": offline_grade.evidence.get("risk") or "uncertain",
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
    """The `hybrid` grader: `offline` (a grader, or how to build one) decides, the answers `llm.escalate` picks go
    to the LLM (`observer` hears when)."""
    if not config.llm_configured:
        raise LLMError(
            "the hybrid grader needs an LLM, and none is configured",
            hint="set QUIZZER_LLM_MODEL (see `quizzer llm check`), or use --grader embedding",
        )
    judge = RubricJudge.from_config(config, verdicts, observer=observer)
    return HybridGrader(offline if isinstance(offline, Grader) else offline(), judge, config.llm.escalate)
