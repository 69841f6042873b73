"""Runs one or several graders over a labelled dataset and keeps every item's result."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, is_dataclass
from typing import TYPE_CHECKING, Any

from quizzer.core.errors import QuizzerError
from quizzer.core.types import Grade, GraderInfo

if TYPE_CHECKING:
    from quizzer.core.config import Config
    from quizzer.core.types import Grader
    from quizzer.evals.datasets import EvalDataset, EvalItem

BATCH_SIZE = 64
# Evidence kept per item in the run record: scalars only, so the JSON stays small and diffable.
_SCALAR = (str, int, float, bool, type(None))


@dataclass(frozen=True)
class ItemResult:
    """One labelled answer and what one grader made of it."""

    id: str
    line: int
    gold_label: str | None
    gold_score: float | None
    verdict: str
    probability: float | None = None
    score: float | None = None
    category: str | None = None
    deck: str | None = None
    question_key: str | None = None
    decided_by: str | None = None
    reason: str | None = None
    feedback: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)
    llm: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ItemResult:
        return cls(**{key: data.get(key) for key in cls.__dataclass_fields__ if key in data})


@dataclass
class GraderRun:
    """All results of one grader over a dataset."""

    spec: str
    info: GraderInfo
    results: list[ItemResult]
    seconds: float
    stats: dict[str, Any] | None = None
    # The grader was fitted on this very file: its figures are in-sample, not a measure of unseen answers.
    in_sample: bool = False


def fitted_on(grader: Any) -> tuple[dict[str, str], ...]:
    """The labelled files ({"name", "sha256"}) a grader was fitted on, where it says (a combined grader
    through its offline one)."""
    files = getattr(grader, "training_files", None)
    if files is None and hasattr(grader, "offline"):
        files = getattr(grader.offline, "training_files", None)
    return tuple(files or ())


def item_result(item: EvalItem, grade: Grade | None) -> ItemResult:
    common = {
        "id": item.id, "line": item.line, "gold_label": item.gold_label, "gold_score": item.gold_score,
        "category": item.category, "deck": item.deck, "question_key": item.question_key,
    }
    if grade is None:
        return ItemResult(**common, verdict="could not grade", reason=item.error)
    evidence = {key: value for key, value in grade.evidence.items() if isinstance(value, _SCALAR)}
    llm = grade.evidence.get("llm")
    return ItemResult(
        **common,
        verdict=grade.verdict.value,
        probability=grade.probability,
        score=grade.score,
        decided_by=grade.decided_by,
        reason=grade.reason,
        feedback=grade.feedback,
        evidence=evidence,
        llm=dict(llm) if isinstance(llm, dict) else None,
    )


def grader_stats(grader: Any) -> dict[str, Any] | None:
    """A grader's own counters (an LLM grader's calls, tokens, cost), when it keeps any."""
    stats = getattr(grader, "stats", None)
    if stats is None:
        return None
    if hasattr(stats, "to_dict"):
        return dict(stats.to_dict())
    if is_dataclass(stats):
        return asdict(stats)
    return dict(stats) if isinstance(stats, dict) else None


def grade_items(spec: str, grader: Grader, items: Sequence[EvalItem]) -> list[ItemResult]:
    """One chunk of a dataset graded in one call (its usable items); every item's result, in order."""
    usable = [item for item in items if item.error is None]
    grades = grader.grade_batch([item.submission for item in usable]) if usable else []  # type: ignore[misc]
    if len(grades) != len(usable):
        raise QuizzerError(f"grader {spec!r} returned {len(grades)} grades for {len(usable)} answers")
    by_item = {id(item): grade for item, grade in zip(usable, grades, strict=True)}
    return [item_result(item, by_item.get(id(item))) for item in items]


def run_grader(
    spec: str,
    grader: Grader,
    dataset: EvalDataset,
    progress: Callable[[int], None] | None = None,
) -> GraderRun:
    """Grades a dataset held in memory in chunks of BATCH_SIZE rows (the chunks `quizzer eval` grades a file in,
    so the two give the same grades); unusable rows become "could not grade". Input order."""
    results: list[ItemResult] = []
    started = time.perf_counter()
    for start in range(0, len(dataset.items), BATCH_SIZE):
        chunk = dataset.items[start : start + BATCH_SIZE]
        results.extend(grade_items(spec, grader, chunk))
        if progress:
            progress(sum(item.error is None for item in chunk))
    seconds = time.perf_counter() - started
    in_sample = any(item.get("sha256") == dataset.sha256 for item in fitted_on(grader))
    return GraderRun(spec=spec, info=grader.info, results=results, seconds=seconds, stats=grader_stats(grader),
                     in_sample=in_sample)


def with_baseline(specs: Sequence[str], baseline: str | None) -> list[str]:
    """The graders asked for, in order, without repeats, plus the baseline when it is not among them."""
    ordered: list[str] = []
    for spec in specs:
        if spec not in ordered:
            ordered.append(spec)
    if baseline and baseline not in ordered:
        ordered.append(baseline)
    return ordered


def evaluate(
    dataset: EvalDataset,
    specs: Sequence[str],
    config: Config,
    *,
    progress: Callable[[str, int], Callable[[int], None]] | None = None,
    source: str | None = None,
) -> dict[str, Any]:
    """Builds and runs each grader over the dataset; returns the run record (figures and item results).

    `progress(spec, total)` may return a callback that is told how many answers each batch graded.
    """
    from quizzer.evals.metrics import compute_metrics
    from quizzer.evals.report import build_record
    from quizzer.graders import build_grader

    runs, metrics = [], {}
    for spec in specs:
        grader = build_grader(spec, config)
        run = run_grader(spec, grader, dataset, progress(spec, len(dataset.usable)) if progress else None)
        runs.append(run)
        metrics[spec] = compute_metrics(
            run.results, three_way=dataset.has_partial, numeric_gold=dataset.has_scores, stats=run.stats
        )
    return build_record(dataset, runs, metrics, source=source)
