"""The regression gate: the offline grader's agreement on the labelled interview set stays above evals/floor.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from quizzer.core.config import load_config
from quizzer.core.errors import InputFileError
from regression_gate import check_floor, check_floors, load_floors

REPO_ROOT = Path(__file__).resolve().parent.parent
FLOOR_FILE = REPO_ROOT / "evals" / "floor.json"
FIXTURE = "tests/fixtures/evals/answers.jsonl"
OVERLAP = "fakes:make_overlap_grader"


def write_floor(folder: Path, floor: float, tolerance: float = 0.01) -> Path:
    (folder / "evals").mkdir(parents=True)
    path = folder / "evals" / "floor.json"
    check = {"dataset": str(REPO_ROOT / FIXTURE), "grader": OVERLAP, "metric": "accuracy", "floor": floor,
             "tolerance": tolerance}
    path.write_text(json.dumps({"checks": [check]}), encoding="utf-8")
    return path


def test_gate_passes_above_the_floor_minus_tolerance_and_fails_below(tmp_path: Path) -> None:
    (check,) = load_floors(write_floor(tmp_path, floor=0.0))
    measured = check_floor(check, load_config()).value
    assert measured is not None and 0 < measured < 1
    for floor, tolerance, passes in ((measured, 0.0, True), (measured + 0.005, 0.01, True),
                                     (measured + 0.02, 0.01, False)):
        (check,) = load_floors(write_floor(tmp_path / f"{floor}-{tolerance}", floor, tolerance))
        result = check_floor(check, load_config())
        assert result.passed is passes, result.describe()


def test_floor_file_with_a_missing_field_is_refused(tmp_path: Path) -> None:
    (tmp_path / "evals").mkdir()
    path = tmp_path / "evals" / "floor.json"
    path.write_text(json.dumps({"checks": [{"dataset": FIXTURE, "grader": OVERLAP, "metric": "accuracy"}]}))
    with pytest.raises(InputFileError, match="floor, tolerance"):
        load_floors(path)



@pytest.mark.slow
def test_the_offline_grader_stays_above_the_recorded_floors() -> None:
    floors = load_floors(FLOOR_FILE)
    assert {floor.grader for floor in floors} >= {"embedding"}
    results = check_floors(floors, load_config())
    failures = [result.describe() for result in results if not result.passed]
    assert not failures, "\n".join(failures)
