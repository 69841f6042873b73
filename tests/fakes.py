"""Fakes shared by the tests: graders that need no model and no network."""

from __future__ import annotations

import re
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
        return Grade(verdict=verdict, grader=self.info, probability=probability, score=probability,
                     feedback=f"scripted {verdict.value}", key_points=points, matched_reference=0)

    def grade_batch(self, submissions: Sequence[Submission]) -> list[Grade]:
        return [self.grade(submission) for submission in submissions]
