"""The regression gate: a grader's agreement on a labelled set must stay above a recorded floor.

`evals/floor.json` holds the checks: {"checks": [{"dataset", "grader", "metric", "floor", "tolerance", ...}]}.
Paths are relative to the file's folder's parent (the repository root). A check passes when the metric
is at least floor - tolerance; the tolerance absorbs harmless numeric drift (another torch build),
not real regressions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from quizzer.core.errors import InputFileError

if TYPE_CHECKING:
    from quizzer.core.config import Config

REQUIRED = ("dataset", "grader", "metric", "floor", "tolerance")


@dataclass(frozen=True)
class Floor:
    dataset: Path
    grader: str
    metric: str
    floor: float
    tolerance: float
    label_field: str = "label"


@dataclass(frozen=True)
class GateResult:
    check: Floor
    value: float | None

    @property
    def passed(self) -> bool:
        return self.value is not None and self.value >= self.check.floor - self.check.tolerance

    def describe(self) -> str:
        shown = "n/a" if self.value is None else f"{self.value:.4f}"
        verdict = "passes" if self.passed else "FAILS"
        return (f"{self.check.grader} {self.check.metric} on {self.check.dataset.name}: {shown} {verdict} "
                f"(floor {self.check.floor:.4f}, tolerance {self.check.tolerance:.4f})")


def load_floors(path: str | Path) -> list[Floor]:
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise InputFileError(f"{path}: cannot read the floors: {error}") from None
    root = path.resolve().parent.parent
    floors = []
    for index, check in enumerate(data.get("checks", [])):
        missing = [key for key in REQUIRED if key not in check]
        if missing:
            raise InputFileError(f"{path}: check {index} lacks {', '.join(missing)}")
        floors.append(Floor(dataset=root / check["dataset"], grader=check["grader"], metric=check["metric"],
                            floor=float(check["floor"]), tolerance=float(check["tolerance"]),
                            label_field=check.get("label_field", "label")))
    return floors


def check_floor(floor: Floor, config: Config) -> GateResult:
    """Runs the check's grader over its dataset and reads the metric."""
    return check_floors([floor], config)[0]


def check_floors(floors: list[Floor], config: Config) -> list[GateResult]:
    """Runs each (dataset, grader) once, however many of its metrics the checks read."""
    from quizzer.evals.datasets import load_dataset
    from quizzer.evals.runner import evaluate

    metrics_by_run: dict[tuple[Path, str, str], dict] = {}
    results = []
    for floor in floors:
        run = (floor.dataset, floor.grader, floor.label_field)
        if run not in metrics_by_run:
            dataset = load_dataset(floor.dataset, label_field=floor.label_field)
            metrics_by_run[run] = evaluate(dataset, [floor.grader], config)["graders"][0]["metrics"]
        value = metrics_by_run[run].get(floor.metric)
        results.append(GateResult(floor, None if value is None else float(value)))
    return results
