"""The LLM rubric judge as a grader: every answer goes to the LLM; when it cannot grade, the offline
grader's verdict stands in, marked as a fallback (or "could not grade" when there is none).

`RubricJudge` does the work shared with the hybrid grader: prompt, concurrent calls in input order,
the verdict cache (a store its caller hands in), and turning replies into `Grade`s. A `JudgeObserver` handed to
it hears when it starts and stops waiting for the LLM (a quiz shows "asking the judge" meanwhile).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Protocol

from quizzer.core.errors import QuizzerError
from quizzer.core.types import Grade, Grader, GraderInfo, KeyPointResult, Submission, Verdict
from quizzer.grading.judge.client import LLMCallError, LLMClient
from quizzer.grading.judge.endpoint import LLMSettings
from quizzer.grading.judge.rubric import (
    REPLY_SCHEMA,
    ReplyError,
    RubricPrompt,
    key_point_labels,
    load_prompt,
    parse_reply,
)
from quizzer.grading.judge.usage import UsageStats

if TYPE_CHECKING:
    from quizzer.core.config import Config

log = logging.getLogger("quizzer.llm")

GRADER_VERSION = "1"
MAX_RAW_REPLY_CHARS = 4000
_SCORE_OF_VERDICT = {"correct": 1.0, "partial": 0.5, "incorrect": 0.0}

# (done, total) after each answer is graded.
Progress = Callable[[int, int], None]


class VerdictStore(Protocol):
    """Where the judge's verdicts are kept between runs (quizzer.storage.llm_verdicts.LLMVerdictCache)."""

    def load(self, keys: Iterable[str]) -> dict[str, Grade]: ...

    def store(self, entries: Iterable[tuple[str, str, str, Grade]]) -> None:
        """(key, model, prompt version, grade) rows."""


class JudgeObserver(Protocol):
    """Told when the judge sends answers to the LLM and when their replies are in (cached verdicts never are).
    Called on the grading thread, around the calls; keep both quick."""

    def judge_started(self, answers: int) -> None: ...

    def judge_finished(self) -> None: ...


def cache_key(model: str, prompt_version: str, submission: Submission) -> str:
    """A hash of everything the judge sees; the key points are in the prompt, so they are in the key too."""
    content = [model, prompt_version, submission.question, list(submission.references), list(submission.key_points),
               submission.answer]
    return hashlib.sha256(json.dumps(content, ensure_ascii=False).encode("utf-8")).hexdigest()


class RubricJudge:
    """Asks the LLM to grade submissions with the rubric prompt.

    Each answer may wait `budget_seconds` in batches (grade, eval) and `interactive_budget_seconds`
    when graded alone (the quiz), retries included.
    """

    def __init__(
        self,
        client: LLMClient,
        prompt: RubricPrompt,
        *,
        budget_seconds: float,
        interactive_budget_seconds: float | None = None,
        concurrency: int = 4,
        verdicts: VerdictStore | None = None,
        observer: JudgeObserver | None = None,
    ) -> None:
        self.client = client
        self.prompt = prompt
        self.budget_seconds = budget_seconds
        self.interactive_budget_seconds = interactive_budget_seconds or budget_seconds
        self.concurrency = max(1, concurrency)
        self.verdicts = verdicts
        self.observer = observer

    @classmethod
    def from_config(cls, config: Config, verdicts: VerdictStore | None = None, *,
                    warn: Callable[[str], None] | None = None, observer: JudgeObserver | None = None) -> RubricJudge:
        """The judge the llm.* settings describe, caching its verdicts in `verdicts` (None: no cache), telling
        `observer` when it asks the LLM."""
        return cls(
            LLMClient(LLMSettings.from_config(config), warn=warn),
            load_prompt(),
            budget_seconds=config.llm.answer_budget_seconds,
            interactive_budget_seconds=config.quiz.llm_budget_seconds,
            concurrency=config.llm.concurrency,
            verdicts=verdicts,
            observer=observer,
        )

    @property
    def model(self) -> str:
        return self.client.settings.model

    @property
    def usage(self) -> UsageStats:
        return self.client.usage

    def params(self) -> dict[str, Any]:
        """The judge's settings, recorded in every grade's grader info (never the key)."""
        settings = self.client.settings
        return {
            "llm_model": settings.model,
            "prompt_version": self.prompt.version,
            "endpoint": settings.endpoint,
            # As configured; the form each reply actually used is in its grade's evidence.
            "structured_output": settings.structured_output,
            "temperature": 0,
        }

    def judge_many(
        self, submissions: Sequence[Submission], info: GraderInfo, on_progress: Progress | None = None,
        *, interactive: bool = False,
    ) -> list[Grade]:
        """Grades in input order: cached verdicts first, the rest sent concurrently (each distinct answer once)."""
        budget = self.interactive_budget_seconds if interactive else self.budget_seconds
        keys = [self._key(submission) for submission in submissions]
        results: list[Grade | None] = [None] * len(submissions)
        cached = self._load(keys)
        for index, key in enumerate(keys):
            if key in cached:
                self.usage.record_cache_hit()
                results[index] = _from_cache(cached[key], info)
        pending: dict[str, list[int]] = {}
        for index, key in enumerate(keys):
            if results[index] is None:
                pending.setdefault(key, []).append(index)
        done = len(submissions) - sum(len(indexes) for indexes in pending.values())
        if on_progress and submissions:
            on_progress(done, len(submissions))
        fresh: dict[str, Grade] = {}
        with self._observed(len(pending)):
            if len(pending) == 1 or self.concurrency == 1:
                outcomes = ((key, self.judge(submissions[indexes[0]], info, budget)) for key, indexes in pending.items())
                for key, grade in outcomes:
                    done = self._settle(key, grade, pending, results, fresh, done, len(submissions), on_progress)
            elif pending:
                with ThreadPoolExecutor(max_workers=min(self.concurrency, len(pending)),
                                        thread_name_prefix="quizzer-llm") as pool:
                    futures = {pool.submit(self.judge, submissions[indexes[0]], info, budget): key
                               for key, indexes in pending.items()}
                    for future in as_completed(futures):
                        key = futures[future]
                        done = self._settle(key, future.result(), pending, results, fresh, done, len(submissions),
                                            on_progress)
        self._store(fresh)
        return [grade for grade in results if grade is not None]

    def judge(self, submission: Submission, info: GraderInfo, budget_seconds: float | None = None) -> Grade:
        """The LLM's grade of one answer, or "could not grade" with the reason (and raw reply) kept."""
        budget = budget_seconds or self.budget_seconds
        try:
            reply = self.client.complete(self.prompt.messages(submission), REPLY_SCHEMA, budget_seconds=budget)
        except LLMCallError as error:
            return Grade(
                verdict=Verdict.UNGRADABLE, grader=info, reason=error.reason, decided_by="llm",
                feedback=f"Could not grade: {error.reason}.",
                evidence={"llm_error": error.reason, "llm_down": error.down, "prompt_version": self.prompt.version},
            )
        usage = {
            "calls": 1,
            "input_tokens": reply.prompt_tokens,
            "output_tokens": reply.completion_tokens,
            "cost_usd": reply.cost_usd(self.client.settings.price),
            "latency_s": round(reply.latency_s, 3),
        }
        base_evidence = {"prompt_version": self.prompt.version, "structured_output": reply.form, "llm": usage}
        try:
            parsed = parse_reply(reply.text)
        except ReplyError as error:
            reason = f"unusable LLM reply: {error}"
            return Grade(
                verdict=Verdict.UNGRADABLE, grader=info, reason=reason, decided_by="llm",
                feedback=f"Could not grade: {reason}.", raw_reply=reply.text[:MAX_RAW_REPLY_CHARS],
                evidence={**base_evidence, "llm_error": reason},
            )
        covered = key_point_labels(submission, parsed.covered_key_points)
        named = covered | key_point_labels(submission, parsed.missing_key_points)
        key_points = tuple(
            KeyPointResult(text=point, covered=index in covered, similarity=1.0 if index in covered else 0.0)
            for index, point in enumerate(submission.key_points)
        ) if named else ()
        return Grade(
            verdict=Verdict(parsed.verdict),
            grader=info,
            score=parsed.score if parsed.score is not None else _SCORE_OF_VERDICT[parsed.verdict],
            feedback=parsed.feedback or f"The LLM judge says {parsed.verdict}.",
            key_points=key_points,
            evidence={**base_evidence, "llm_verdict": parsed.verdict, "llm_score": parsed.score},
            decided_by="llm",
        )

    @contextmanager
    def _observed(self, answers: int) -> Iterator[None]:
        """Tells the observer about the calls inside (none when every verdict was cached)."""
        if self.observer is None or not answers:
            yield
            return
        self.observer.judge_started(answers)
        try:
            yield
        finally:
            self.observer.judge_finished()

    def _key(self, submission: Submission) -> str:
        return cache_key(self.model, self.prompt.version, submission)

    def _settle(
        self, key: str, grade: Grade, pending: dict[str, list[int]], results: list[Grade | None],
        fresh: dict[str, Grade], done: int, total: int, on_progress: Progress | None,
    ) -> int:
        if grade.verdict.is_final:
            fresh[key] = grade
        for index in pending[key]:
            results[index] = grade
            done += 1
        if on_progress:
            on_progress(done, total)
        return done

    def _load(self, keys: list[str]) -> dict[str, Grade]:
        if self.verdicts is None or not keys:
            return {}
        try:
            return self.verdicts.load(keys)
        except QuizzerError as error:  # a locked or read-only database: ask the LLM instead
            log.warning("the LLM verdict cache could not be read: %s", error.message)
            return {}

    def _store(self, grades: dict[str, Grade]) -> None:
        if self.verdicts is None or not grades:
            return
        try:
            self.verdicts.store((key, self.model, self.prompt.version, grade) for key, grade in grades.items())
        except QuizzerError as error:  # the grades stand; only the cache misses them
            log.warning("the LLM verdicts were not cached: %s", error.message)


def _from_cache(grade: Grade, info: GraderInfo) -> Grade:
    usage = {"calls": 0, "input_tokens": 0, "output_tokens": 0, "cost_usd": 0.0, "latency_s": 0.0}
    return replace(grade, grader=info, evidence={**grade.evidence, "cached": True, "llm": usage})


def fallback_grade(offline: Grade, failed: Grade, info: GraderInfo, how: str = "llm failed") -> Grade:
    """The offline grade standing in for an LLM grade that failed (or was skipped: `how`), marked as such."""
    if offline.verdict is Verdict.UNGRADABLE:
        return failed
    reason = failed.reason or "no reason given"
    return replace(
        offline,
        grader=info,
        decided_by=f"{offline.grader.name} ({how}: {reason})",
        reason=(f"the LLM could not grade ({reason})" if how == "llm failed" else f"the LLM was not asked ({reason})")
        + "; the offline verdict stands",
        raw_reply=failed.raw_reply,
        evidence={**offline.evidence, "llm_error": reason},
    )


def not_asked_grade(info: GraderInfo, reason: str) -> Grade:
    """The judge's "could not grade" for an answer it was not waited for (the learner skipped it)."""
    return Grade(verdict=Verdict.UNGRADABLE, grader=info, reason=reason, decided_by="llm")


class JudgedGrader:
    """What the llm and hybrid graders share: usage stats, and the two budgets of `grade` and `grade_batch`."""

    judge: RubricJudge

    @property
    def info(self) -> GraderInfo:
        raise NotImplementedError

    @property
    def stats(self) -> UsageStats:
        return self.judge.usage

    def grade(self, submission: Submission) -> Grade:
        """One answer, as the quiz grades: the LLM gets at most quiz.llm_budget_seconds."""
        return self._grade([submission], None, interactive=True)[0]

    def grade_batch(self, submissions: Sequence[Submission], on_progress: Progress | None = None) -> list[Grade]:
        """LLM calls run concurrently (llm.concurrency), each within llm.answer_budget_seconds; order is kept."""
        return self._grade(submissions, on_progress, interactive=False)

    def _grade(self, submissions: Sequence[Submission], on_progress: Progress | None, *, interactive: bool) -> list[Grade]:
        raise NotImplementedError


class LLMGrader(JudgedGrader):
    """Sends every answer to the LLM judge; the offline grader (built only when needed) covers failures."""

    def __init__(self, judge: RubricJudge, offline: Grader | Callable[[], Grader] | None = None) -> None:
        self.judge = judge
        self._offline = offline

    @property
    def info(self) -> GraderInfo:
        return GraderInfo(name="llm", version=GRADER_VERSION, model=self.judge.model, params=self.judge.params())

    def _grade(self, submissions: Sequence[Submission], on_progress: Progress | None, *, interactive: bool) -> list[Grade]:
        info = self.info
        grades = self.judge.judge_many(submissions, info, on_progress, interactive=interactive)
        failed = [index for index, grade in enumerate(grades) if grade.verdict is Verdict.UNGRADABLE]
        if failed:
            offline = self._offline_grades([submissions[index] for index in failed])
            for index, offline_grade in zip(failed, offline, strict=True):
                if offline_grade is not None and offline_grade.verdict is not Verdict.UNGRADABLE:
                    self.stats.record_fallback()
                    grades[index] = fallback_grade(offline_grade, grades[index], info)
        return grades

    def without_judge(self, submission: Submission, reason: str) -> Grade:
        """The offline grade (or "could not grade"), marked as standing in for the judge's, not waited for."""
        (offline,) = self._offline_grades([submission])
        skipped = not_asked_grade(self.info, reason)
        return skipped if offline is None else fallback_grade(offline, skipped, self.info, how="llm skipped")

    def _offline_grades(self, submissions: list[Submission]) -> list[Grade | None]:
        try:
            if self._offline is None:
                return [None] * len(submissions)
            if not hasattr(self._offline, "grade_batch"):
                self._offline = self._offline()  # built on first need: the embedding model is slow to load
            return list(self._offline.grade_batch(submissions))  # type: ignore[union-attr]
        except (QuizzerError, ImportError, OSError, RuntimeError) as error:
            # The answer keeps its "could not grade" (and its review) rather than crashing a quiz.
            log.warning("the offline grader could not stand in for the LLM: %s", getattr(error, "message", error))
            self._offline = None
            return [None] * len(submissions)


def make_llm_grader(
    config: Config, verdicts: VerdictStore | None = None, *, offline: Grader | Callable[[], Grader] | None = None,
    observer: JudgeObserver | None = None,
) -> LLMGrader:
    """The `llm` grader: needs llm.model; `offline` (a grader, or how to build one) stands in for failed calls;
    `observer` hears when the LLM is asked."""
    return LLMGrader(RubricJudge.from_config(config, verdicts, observer=observer), offline)
