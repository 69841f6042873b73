"""`quizzer eval` on a file, a chunk at a time: the same run as the in-memory evaluation, the same bootstrap in
blocks, and Ctrl-C writes the run of what was graded."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from answer_files import start_quizzer, training_rows, write_jsonl
from fakes import CALLS, DELAY
from quizzer.core.config import load_config
from quizzer.evals import metrics
from quizzer.evals.datasets import load_dataset
from quizzer.evals.report import load_record
from quizzer.evals.runner import ItemResult, evaluate
from quizzer.evals.streaming import evaluate_file
from test_grade_stream import interrupt_when

SPECS = ["fakes:make_overlap_grader", "fakes:make_escalating_grader"]


def without_times(record: dict) -> dict:
    return {**record, "created_at": None,
            "graders": [{**grader, "seconds": None} for grader in record["graders"]]}


def test_a_file_evaluated_in_chunks_gives_the_in_memory_run(tmp_path: Path) -> None:
    answers = write_jsonl(tmp_path / "answers.jsonl", training_rows(500),
                          bad={10: "not json", 400: '{"question": "q", "reference": "r", "answer": "a"}'})
    run = evaluate_file(answers, SPECS, load_config(), tmp_path / "run")
    streamed = load_record(tmp_path / "run")
    in_memory = evaluate(load_dataset(answers), SPECS, load_config())
    assert without_times(streamed) == without_times(in_memory)
    assert run.record["dataset"]["unusable_rows"] == 2 and streamed["dataset"]["unusable"][1]["line"] == 401
    assert not list((tmp_path / "run").glob(".results-*"))  # the results were copied into run.json
    assert {path.name for path in (tmp_path / "run" / "plots").iterdir()} >= {"histograms.png", "reliability.png"}


def test_the_bootstrap_drawn_in_blocks_is_the_one_draw(monkeypatch: pytest.MonkeyPatch) -> None:
    generator = np.random.default_rng(5)
    results = [ItemResult(id=str(n), line=n, gold_label=str(generator.choice(["correct", "incorrect"])),
                          gold_score=None, verdict=str(generator.choice(["correct", "incorrect", "uncertain"])),
                          probability=float(generator.random())) for n in range(301)]
    whole = metrics.compute_metrics(results, three_way=False, numeric_gold=False, resamples=100)
    monkeypatch.setattr(metrics, "BOOTSTRAP_BLOCK", 301 * 7)  # 7 resamples per block, the last block shorter
    blocked = metrics.compute_metrics(results, three_way=False, numeric_gold=False, resamples=100)
    assert blocked["intervals"] == whole["intervals"]


def test_ctrl_c_writes_the_run_of_what_was_graded(tmp_path: Path) -> None:
    answers = write_jsonl(tmp_path / "answers.jsonl", training_rows(400))
    calls = tmp_path / "calls"
    process = start_quizzer("eval", str(answers), "-g", "fakes:make_slow_grader", "--baseline", "none", "--out", "run",
                            "--batch-size", "20", cwd=tmp_path, **{DELAY: "0.3", CALLS: str(calls)})
    stdout, stderr = interrupt_when(process, calls, 3)
    assert process.returncode == 130 and "Traceback" not in stderr, stderr
    record = load_record(tmp_path / "run")
    stopped = record["dataset"]["interrupted"]
    assert 0 < stopped["rows"] < 400 and f"interrupted after {stopped['rows']} rows" in stderr
    assert len(record["graders"][0]["results"]) == stopped["rows"] == record["graders"][0]["metrics"]["items"]
    assert "interrupted" in (tmp_path / "run" / "report.md").read_text(encoding="utf-8")
