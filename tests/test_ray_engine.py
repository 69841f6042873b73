"""`--engine ray` on a local Ray (two workers): the same rows and verdicts as the local engine, a worker that dies
mid-run costs nothing, a Parquet dataset folder, `eval` figures from the graded rows, and a quiet terminal.

Ray starts once for the module (a few seconds); the tests grade in this process, as the driver."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from answer_files import TESTS_DIR, jsonl_records, run_quizzer, training_rows, write_jsonl
from fakes import DIED

pytest.importorskip("ray")
pytestmark = pytest.mark.slow

BAD_ROWS = {97: '{"question": "q", "answer": ', 330: '{"question": "q", "reference": "r"}'}


@pytest.fixture(scope="module")
def local_ray():
    """A local Ray for the module; the graders' module (`fakes`) reaches the workers through PYTHONPATH."""
    from quizzer.batch.engine import EngineOptions
    from quizzer.batch.ray_engine import RaySession

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PYTHONPATH", os.pathsep.join(filter(None, (str(TESTS_DIR), os.environ.get("PYTHONPATH")))))
        with RaySession(EngineOptions(name="ray", workers=2)) as session:
            yield session


def grade(answers: Path, output: Path, grader: str, engine: str, **options) -> list[dict]:
    from quizzer.batch.engine import EngineOptions
    from quizzer.batch.job import GradeJob, grade_file
    from quizzer.core.config import load_config

    job = GradeJob(input=answers, output=output, grader=grader,
                   engine=EngineOptions(name=engine, **options))
    summary = grade_file(job, load_config())
    assert not summary.interrupted
    return jsonl_records(output)


def test_ray_grades_every_row_as_the_local_engine(local_ray, embedding_model, tmp_path: Path) -> None:
    answers = write_jsonl(tmp_path / "answers.jsonl", training_rows(400), bad=BAD_ROWS)
    local = grade(answers, tmp_path / "local.jsonl", "embedding", "local", batch_size=64)
    on_ray = grade(answers, tmp_path / "ray.jsonl", "embedding", "ray", batch_size=64, workers=2)

    def decided(rows: list[dict]) -> list[tuple]:
        return [(row["id"], row["line"], row["verdict"], row["reason"], row["decided_by"]) for row in rows]

    # Every row, in order, with the same verdict. The probabilities agree to rounding: this process may hold
    # reference encodings that earlier tests computed in other batches (another padding, so other last bits),
    # where a Ray worker encodes them afresh.
    assert decided(on_ray) == decided(local)
    assert [row["probability"] for row in on_ray] == pytest.approx([row["probability"] for row in local], abs=2e-3)
    assert [row["line"] for row in on_ray] == list(range(1, 401))
    assert on_ray[97]["verdict"] == "could not grade" and "not valid JSON" in on_ray[97]["reason"]
    assert "missing field `answer`" in on_ray[330]["reason"]
    assert {row["verdict"] for row in on_ray} >= {"correct", "incorrect"}


def test_a_worker_that_dies_mid_run_is_retried_and_nothing_is_lost_or_doubled(local_ray, tmp_path: Path) -> None:
    from quizzer.core.config import load_config

    marker = Path(load_config().cache_dir) / DIED
    marker.parent.mkdir(parents=True, exist_ok=True)
    answers = write_jsonl(tmp_path / "answers.jsonl", training_rows(2000), bad=BAD_ROWS)
    on_ray = grade(answers, tmp_path / "ray.jsonl", "fakes:make_dying_grader", "ray", batch_size=50, workers=2)
    assert marker.exists(), "no worker died: the test did not test anything"
    local = grade(answers, tmp_path / "local.jsonl", "fakes:make_overlap_grader", "local", batch_size=50)
    assert [row["id"] for row in on_ray] == [row["id"] for row in local]
    assert len({row["line"] for row in on_ray}) == 2000
    assert [(row["verdict"], row["probability"]) for row in on_ray] == [(row["verdict"], row["probability"])
                                                                        for row in local]


def test_a_folder_output_is_a_parquet_dataset_of_every_row(local_ray, tmp_path: Path) -> None:
    import pyarrow.dataset as ds

    from quizzer.batch.engine import EngineOptions
    from quizzer.batch.job import GradeJob, grade_file
    from quizzer.core.config import load_config

    answers = write_jsonl(tmp_path / "answers.jsonl", training_rows(500), bad=BAD_ROWS)
    job = GradeJob(input=answers, output_folder=str(tmp_path / "graded"), grader="fakes:make_overlap_grader",
                   engine=EngineOptions(name="ray", batch_size=40, workers=2))
    summary = grade_file(job, load_config())
    assert summary.rows == 500 and summary.ungradable == 2 and [item.line for item in summary.listed] == [98, 331]
    rows = ds.dataset(tmp_path / "graded", format="parquet").to_table().sort_by("row").to_pylist()
    local = grade(answers, tmp_path / "local.jsonl", "fakes:make_overlap_grader", "local")
    assert [row["row"] for row in rows] == list(range(1, 501))
    assert [(r["id"], r["line"], r["verdict"], r["probability"]) for r in rows] == [
        (r["id"], r["line"], r["verdict"], r["probability"]) for r in local]
    assert json.loads(rows[0]["evidence"]) == local[0]["evidence"]


def test_eval_on_ray_computes_the_same_figures_from_the_graded_rows(local_ray, tmp_path: Path) -> None:
    from quizzer.batch.engine import EngineOptions
    from quizzer.core.config import load_config
    from quizzer.evals.report import load_record
    from quizzer.evals.streaming import evaluate_file

    answers = write_jsonl(tmp_path / "answers.jsonl", training_rows(600), bad=BAD_ROWS)
    specs = ["fakes:make_overlap_grader", "fakes:make_escalating_grader"]
    for engine in ("local", "ray"):
        evaluate_file(answers, specs, load_config(), tmp_path / engine,
                      engine=EngineOptions(name=engine, batch_size=64, workers=2 if engine == "ray" else None))
    local, on_ray = load_record(tmp_path / "local"), load_record(tmp_path / "ray")
    assert on_ray["dataset"] == local["dataset"]
    for mine, theirs in zip(on_ray["graders"], local["graders"], strict=True):
        assert mine["results"] == theirs["results"]
        # The LLM's totals come from each answer's evidence on Ray (the workers keep the counters) and from the
        # grader's counters locally: the same numbers here.
        assert mine["metrics"] == theirs["metrics"]


def test_the_command_prints_rows_only_on_stdout_and_resumes_on_ray(tmp_path: Path) -> None:
    answers = write_jsonl(tmp_path / "answers.jsonl", training_rows(300), bad=BAD_ROWS)
    # The dying grader: the raylet's news of the retry must not reach stdout either.
    result = run_quizzer("grade", str(answers), "-g", "fakes:make_dying_grader", "--engine", "ray",
                         "--workers", "1", "--batch-size", "32", cwd=tmp_path)
    assert (tmp_path / "cache" / DIED).exists()
    assert result.returncode == 1
    rows = [json.loads(line) for line in result.stdout.splitlines()]  # nothing but rows on stdout
    assert [row["line"] for row in rows] == list(range(1, 301))
    said = result.stderr.splitlines()  # quizzer's own lines only: nothing of Ray's
    assert len(said) == 2 and said[-1] == "1 of 300 rows could not be graded", said
    assert said[0].startswith(f"could not grade row 98 ({answers}:98, id 98): not valid JSON")

    whole = "".join(line + "\n" for line in result.stdout.splitlines()).encode()
    (tmp_path / "out.jsonl").write_bytes(whole[: whole.index(b"\n", len(whole) // 3) + 1])
    resumed = run_quizzer("grade", str(answers), "-g", "fakes:make_overlap_grader", "-o", "out.jsonl", "--resume",
                          "--engine", "ray", "--workers", "2", cwd=tmp_path)
    assert resumed.returncode == 1 and (tmp_path / "out.jsonl").read_bytes() == whole
