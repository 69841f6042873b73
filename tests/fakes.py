"""Fakes shared by the tests: graders that need no model and no network."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from quizzer.core.types import Grade, GraderInfo, KeyPointResult, Submission, Verdict
from quizzer.grading.offline.bands import Bands, fitted_bands, global_bands, parse_deck_bands
from quizzer.grading.offline.text import NEGATION_CUES, STOPWORDS


def content_words(text: str) -> set[str]:
    """Lower-cased words of three or more characters, minus stop words."""
    return {word for word in re.findall(r"[a-z0-9'-]+", text.lower()) if len(word) > 2 and word not in STOPWORDS}


@dataclass
class OverlapGrader:
    """Grades by the share of a reference's content words that the answer holds; negation halves it.

    A stand-in for the real graders in tests of evals, reports and commands: deterministic and instant.
    """

    bands: dict[str, float] = field(default_factory=lambda: fitted_bands().as_dict())
    name: str = "overlap"
    # Bands of their own for some decks (as `grader.deck_bands` gives them).
    deck_bands: dict[str, Bands] = field(default_factory=dict)

    @property
    def info(self) -> GraderInfo:
        return GraderInfo(name=self.name, version="test-1", model=None, params=dict(self.bands))

    def grade(self, submission: Submission) -> Grade:
        if submission.answer.strip() == "":
            return Grade(verdict=Verdict.INCORRECT, grader=self.info, probability=0.0, score=0.0,
                         feedback="No answer given.", evidence={"overlap": 0.0, "negated": False})
        answer_words = content_words(submission.answer)
        overlaps = [
            len(content_words(reference) & answer_words) / max(1, len(content_words(reference)))
            for reference in submission.references
        ]
        best = max(range(len(overlaps)), key=overlaps.__getitem__)
        reference_words = content_words(submission.references[best])
        negated = bool(answer_words & NEGATION_CUES) and not (reference_words & NEGATION_CUES)
        probability = round(overlaps[best] * (0.5 if negated else 1.0), 6)
        return Grade(
            verdict=self.deck_bands.get(submission.deck or "", Bands(**self.bands)).verdict(probability),
            grader=self.info,
            probability=probability,
            score=probability,
            feedback=f"{overlaps[best]:.0%} of the reference's words are in the answer.",
            matched_reference=best,
            evidence={"overlap": overlaps[best], "negated": negated},
        )

    def grade_batch(self, submissions: Sequence[Submission]) -> list[Grade]:
        return [self.grade(submission) for submission in submissions]


@dataclass
class FakeLLMStats:
    """What an LLM-backed grader reports about its calls in a run."""

    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float | None = 0.0
    latency_s: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return dict(vars(self))


@dataclass
class EscalatingGrader:
    """A fake hybrid grader: the overlap grader decides, and uncertain answers go to a pretend LLM.

    The pretend LLM says correct when the overlap is at least one half. Each call costs 100 input and
    10 output tokens, $0.001 and 0.5 s, recorded in the grade's evidence and in `stats`.
    """

    offline: OverlapGrader = field(default_factory=OverlapGrader)
    stats: FakeLLMStats = field(default_factory=FakeLLMStats)

    @property
    def info(self) -> GraderInfo:
        return GraderInfo(name="fake-hybrid", version="test-1", model="pretend-llm", params=dict(self.offline.bands))

    def grade(self, submission: Submission) -> Grade:
        first = self.offline.grade(submission)
        if first.verdict is not Verdict.UNCERTAIN:
            return Grade(**{**vars(first), "grader": self.info, "decided_by": "embedding"})
        self.stats.calls += 1
        self.stats.input_tokens += 100
        self.stats.output_tokens += 10
        self.stats.cost_usd = (self.stats.cost_usd or 0.0) + 0.001
        self.stats.latency_s += 0.5
        verdict = Verdict.CORRECT if (first.probability or 0.0) >= 0.5 else Verdict.INCORRECT
        llm = {"calls": 1, "input_tokens": 100, "output_tokens": 10, "cost_usd": 0.001, "latency_s": 0.5}
        return Grade(
            verdict=verdict, grader=self.info, probability=first.probability, score=first.score,
            feedback="the pretend LLM decided", evidence={**first.evidence, "llm": llm}, decided_by="llm",
        )

    def grade_batch(self, submissions: Sequence[Submission]) -> list[Grade]:
        return [self.grade(submission) for submission in submissions]


def make_overlap_grader(config: Any = None, caches: Any = None) -> OverlapGrader:
    """Factory in the registry's shape (a Config and the caches), reading the bands from the Config when given."""
    if config is None:
        return OverlapGrader()
    return OverlapGrader(bands=global_bands(config).as_dict(), deck_bands=parse_deck_bands(config.grader.deck_bands))


def make_escalating_grader(config: Any = None, caches: Any = None) -> EscalatingGrader:
    return EscalatingGrader(offline=make_overlap_grader(config))


@dataclass
class ScriptedGrader:
    """Answers listed in `verdicts` get that verdict (with key points split by it); others go to the overlap grader.

    For quiz-session tests that need a given verdict (uncertain, could not grade) for a given answer.
    """

    verdicts: dict[str, Verdict] = field(default_factory=dict)
    fallback: OverlapGrader = field(default_factory=OverlapGrader)
    calls: int = 0
    # Answers whose grade carries a risk (what hybrid mode's `llm.escalate = "risky"` reads).
    risky: frozenset[str] = frozenset()

    @property
    def info(self) -> GraderInfo:
        return GraderInfo(name="scripted", version="test-1")

    def grade(self, submission: Submission) -> Grade:
        self.calls += 1
        verdict = self.verdicts.get(submission.answer.strip())
        if verdict is None:
            return self.fallback.grade(submission)
        probability = {Verdict.CORRECT: 0.9, Verdict.PARTIAL: 0.65, Verdict.INCORRECT: 0.1}.get(verdict, 0.5)
        half = len(submission.key_points) // 2
        points = tuple(
            KeyPointResult(text=point, covered=index < half, similarity=0.8 if index < half else 0.2)
            for index, point in enumerate(submission.key_points)
        )
        evidence = {"risk": "scripted risk"} if submission.answer.strip() in self.risky else {}
        return Grade(verdict=verdict, grader=self.info, probability=probability, score=probability,
                     feedback=f"scripted {verdict.value}", key_points=points, matched_reference=0, evidence=evidence)

    def grade_batch(self, submissions: Sequence[Submission]) -> list[Grade]:
        return [self.grade(submission) for submission in submissions]


# ---- graders for the batch engines' tests (`--grader fakes:make_...` in a subprocess or a Ray worker) ----

MODEL_MARKER = "QUIZZER_TEST_MODEL_MARKER"  # a file the grader writes when built: stands for its model's load
DELAY = "QUIZZER_TEST_DELAY"  # seconds each grade_batch call sleeps, so a test can interrupt a run mid-way
CALLS = "QUIZZER_TEST_CALLS"  # a file that gets a line per grade_batch call, so a test sees the run's progress
DIED = "worker-died"  # in the config's cache_dir (which reaches Ray workers): the dying grader's marker


@dataclass
class SlowOverlapGrader(OverlapGrader):
    """The overlap grader, sleeping `delay` seconds per call."""

    delay: float = 0.0
    calls_file: str = ""

    def grade_batch(self, submissions: Sequence[Submission]) -> list[Grade]:
        time.sleep(self.delay)
        if self.calls_file:
            with open(self.calls_file, "a", encoding="utf-8") as stream:
                stream.write(f"{len(submissions)}\n")
        return super().grade_batch(submissions)


@dataclass
class DyingOnceGrader(OverlapGrader):
    """The overlap grader, whose process exits without a word on its second call unless `marker` exists (it
    writes it first): one worker dies once in the middle of a run."""

    marker: str = ""
    calls: int = 0

    def grade_batch(self, submissions: Sequence[Submission]) -> list[Grade]:
        self.calls += 1
        if self.calls == 2 and self.marker and not os.path.exists(self.marker):
            os.makedirs(os.path.dirname(self.marker), exist_ok=True)
            with open(self.marker, "w", encoding="utf-8") as stream:
                stream.write(str(os.getpid()))
            os._exit(1)
        return super().grade_batch(submissions)


def make_marking_grader(config: Any = None, caches: Any = None) -> OverlapGrader:
    """The overlap grader, writing $QUIZZER_TEST_MODEL_MARKER when built, as a model would load."""
    marker = os.environ.get(MODEL_MARKER)
    if marker:
        with open(marker, "a", encoding="utf-8") as stream:
            stream.write(f"{os.getpid()}\n")
    return make_overlap_grader(config)


def make_slow_grader(config: Any = None, caches: Any = None) -> SlowOverlapGrader:
    return SlowOverlapGrader(delay=float(os.environ.get(DELAY, "0.2")), calls_file=os.environ.get(CALLS, ""))


def make_dying_grader(config: Any = None, caches: Any = None) -> DyingOnceGrader:
    """Dies once per cache_dir: the marker is a file there, since the Config is what reaches a Ray worker."""
    return DyingOnceGrader(marker=os.path.join(config.cache_dir, DIED) if config and config.cache_dir else "")
