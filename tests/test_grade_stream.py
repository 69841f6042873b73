"""`quizzer grade` on files of any size with the local engine: output written as it is graded, in every format;
Ctrl-C, a full disk and an unwritable output leave a valid output and a clear message; `--resume` finishes it.

Graders are the fakes (no model): these tests are about reading, writing and stopping, not grading."""

from __future__ import annotations

import csv
import json
import signal
import subprocess
import time
from pathlib import Path

import pytest

from answer_files import jsonl_records, run_quizzer, start_quizzer, training_rows, write_jsonl
from fakes import CALLS, DELAY, MODEL_MARKER

OVERLAP = "fakes:make_overlap_grader"


def read_output(path: Path) -> list[dict]:
    """(id, line, verdict, probability) of each row of a graded file, whatever its format."""
    if path.suffix == ".csv":
        with path.open(encoding="utf-8", newline="") as stream:
            rows = list(csv.DictReader(stream))
        return [{"id": r["id"], "line": int(r["line"]), "verdict": r["verdict"],
                 "probability": float(r["probability"]) if r["probability"] else None} for r in rows]
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        rows = pq.read_table(path).to_pylist()
    else:
        rows = jsonl_records(path)
    return [{key: row[key] for key in ("id", "line", "verdict", "probability")} for row in rows]


@pytest.fixture
def answers(tmp_path: Path) -> Path:
    """300 training answers, two of them malformed (lines 120 and 250)."""
    return write_jsonl(tmp_path / "answers.jsonl", training_rows(300),
                       bad={119: '{"question": "q", "answer": ', 249: "[1, 2]"})


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
def test_every_output_format_holds_one_row_per_input_row_in_order(answers: Path, tmp_path: Path, suffix: str) -> None:
    result = run_quizzer("grade", str(answers), "-g", OVERLAP, "-o", f"out{suffix}", "--batch-size", "32",
                         cwd=tmp_path)
    assert result.returncode == 1 and "2 of 300 rows could not be graded" in result.stderr
    rows = read_output(tmp_path / f"out{suffix}")
    assert [row["line"] for row in rows] == list(range(1, 301))
    assert [row["id"] for row in rows[:3]] == ["r0", "r1", "r2"] and rows[119]["id"] == "120"
    assert rows[119]["verdict"] == rows[249]["verdict"] == "could not grade"
    assert f"could not grade row 120 ({answers}:120, id 120): not valid JSON" in result.stderr
    streamed = run_quizzer("grade", str(answers), "-g", OVERLAP, cwd=tmp_path)  # stdout, default chunks
    assert rows == [{key: row[key] for key in ("id", "line", "verdict", "probability")}
                    for row in map(json.loads, streamed.stdout.splitlines())]


def test_parquet_input_is_read_a_batch_at_a_time_with_row_numbers_as_lines(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = training_rows(50)
    rows[30] = {"id": "no-answer", "question": "q", "reference": "r"}
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "answers.parquet", row_group_size=7)
    result = run_quizzer("grade", "answers.parquet", "-g", OVERLAP, "-o", "out.jsonl", cwd=tmp_path)
    graded = jsonl_records(tmp_path / "out.jsonl")
    assert result.returncode == 1 and [row["line"] for row in graded] == list(range(1, 51))
    assert graded[30]["verdict"] == "could not grade" and "missing field `answer`" in graded[30]["reason"]
    assert graded[0]["id"] == "r0" and graded[0]["verdict"] != "could not grade"


@pytest.mark.parametrize("output", ["missing-folder/out.jsonl", "answers.jsonl/out.csv", "a-folder", "out.parquet/x"])
def test_an_unwritable_output_fails_before_the_model_loads(answers: Path, tmp_path: Path, output: str) -> None:
    (tmp_path / "a-folder").mkdir()
    marker = tmp_path / "model-loaded"
    result = run_quizzer("grade", str(answers), "-g", "fakes:make_marking_grader", "-o", output, cwd=tmp_path,
                         **{MODEL_MARKER: str(marker)})
    assert result.returncode == 2 and "error:" in result.stderr and result.stdout == ""
    assert not marker.exists(), "the grader was built before the output was checked"
    # The same command with a writable output does build it: the marker would have seen a late check.
    assert run_quizzer("grade", str(answers), "-g", "fakes:make_marking_grader", "-o", "fine.jsonl", cwd=tmp_path,
                       **{MODEL_MARKER: str(marker)}).returncode == 1
    assert marker.exists()


def interrupt_when(process: subprocess.Popen[str], calls: Path, count: int, timeout: float = 120) -> tuple[str, str]:
    """Sends Ctrl-C (SIGINT) once the grader has been called `count` times; returns the process's stdout, stderr."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        if calls.exists() and calls.read_bytes().count(b"\n") >= count:
            process.send_signal(signal.SIGINT)
            break
        time.sleep(0.05)
    return process.communicate(timeout=timeout)


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
def test_ctrl_c_keeps_a_valid_output_and_resume_grades_only_the_rest(answers: Path, tmp_path: Path,
                                                                      suffix: str) -> None:
    output, calls = tmp_path / f"out{suffix}", tmp_path / "calls"
    process = start_quizzer("grade", str(answers), "-g", "fakes:make_slow_grader", "-o", output.name,
                            "--batch-size", "20", cwd=tmp_path, **{DELAY: "0.3", CALLS: str(calls)})
    _, stderr = interrupt_when(process, calls, 4)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr and "interrupted:" in stderr and "continue with --resume" in stderr
    partial = read_output(output)
    assert 0 < len(partial) < 300 and f"interrupted: {len(partial)} rows graded" in stderr
    assert [row["id"] for row in partial] == [f"r{n}" if n not in (119, 249) else str(n + 1)
                                              for n in range(len(partial))]

    resumed = run_quizzer("grade", str(answers), "-g", OVERLAP, "-o", output.name, "--resume", cwd=tmp_path)
    assert resumed.returncode == 1 and f"resumed after the {len(partial)} rows" in resumed.stderr
    run_quizzer("grade", str(answers), "-g", OVERLAP, "-o", f"whole{suffix}", cwd=tmp_path)
    assert read_output(output) == read_output(tmp_path / f"whole{suffix}")


def test_resume_refuses_an_output_that_does_not_continue_the_input(answers: Path, tmp_path: Path) -> None:
    run_quizzer("grade", str(answers), "-g", OVERLAP, "-o", "out.jsonl", cwd=tmp_path)
    before = (tmp_path / "out.jsonl").read_bytes()
    other = write_jsonl(tmp_path / "other.jsonl", training_rows(300)[1:])
    refused = run_quizzer("grade", str(other), "-g", OVERLAP, "-o", "out.jsonl", "--resume", cwd=tmp_path)
    assert refused.returncode == 2 and "does not continue" in refused.stderr and "row 1 is id 'r0'" in refused.stderr
    regraded = run_quizzer("grade", str(answers), "-g", "cosine", "-o", "out.jsonl", "--resume", cwd=tmp_path)
    assert regraded.returncode == 2 and "was graded by overlap test-1" in regraded.stderr
    shorter = write_jsonl(tmp_path / "short.jsonl", training_rows(10))
    assert "more rows than" in run_quizzer("grade", str(shorter), "-g", OVERLAP, "-o", "out.jsonl", "--resume",
                                           cwd=tmp_path).stderr
    assert (tmp_path / "out.jsonl").read_bytes() == before


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_resume_drops_a_last_row_cut_short_and_grades_it_again(answers: Path, tmp_path: Path, suffix: str) -> None:
    run_quizzer("grade", str(answers), "-g", OVERLAP, "-o", f"whole{suffix}", cwd=tmp_path)
    whole = (tmp_path / f"whole{suffix}").read_bytes()
    (tmp_path / f"out{suffix}").write_bytes(whole[: whole.index(b"\n", len(whole) // 2) + 40])  # mid-row
    result = run_quizzer("grade", str(answers), "-g", OVERLAP, "-o", f"out{suffix}", "--resume", cwd=tmp_path)
    assert "last row was cut short" in result.stderr
    assert (tmp_path / f"out{suffix}").read_bytes() == whole


@pytest.fixture
def small_disk(tmp_path: Path):
    """A 64 KB tmpfs (needs root, as in CI's container); skipped where it cannot be mounted."""
    mount = tmp_path / "small-disk"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)], capture_output=True,
                          text=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {made.stderr.strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_a_full_disk_keeps_whole_rows_says_so_and_resume_finishes(answers: Path, tmp_path: Path, small_disk: Path,
                                                                   suffix: str) -> None:
    answers = write_jsonl(tmp_path / "answers.jsonl", training_rows(1000))  # about 300 KB graded
    output = small_disk / f"out{suffix}"
    result = run_quizzer("grade", str(answers), "-g", OVERLAP, "-o", str(output), "--batch-size", "16", cwd=tmp_path)
    assert result.returncode == 2 and "the disk is full" in result.stderr and "--resume" in result.stderr
    rows = read_output(output)  # every row parses: whole rows only
    assert output.read_bytes().endswith(b"\n") and 0 < len(rows) < 1000
    assert f"holds the first {len(rows)} graded rows" in result.stderr
    assert [row["line"] for row in rows] == list(range(1, len(rows) + 1))

    subprocess.run(["mount", "-o", "remount,size=2m", str(small_disk)], check=True)
    resumed = run_quizzer("grade", str(answers), "-g", OVERLAP, "-o", str(output), "--resume", cwd=tmp_path)
    run_quizzer("grade", str(answers), "-g", OVERLAP, "-o", f"whole{suffix}", cwd=tmp_path)
    assert resumed.returncode == 0 and output.read_bytes() == (tmp_path / f"whole{suffix}").read_bytes()


def test_a_full_disk_under_parquet_leaves_the_earlier_file_as_it_was(answers: Path, tmp_path: Path,
                                                                      small_disk: Path) -> None:
    import uuid

    # Random ids, which no compression shrinks: the first row group outgrows the disk.
    big = write_jsonl(tmp_path / "big.jsonl", [{**row, "id": uuid.uuid4().hex * 2} for row in training_rows(20_000)])
    result = run_quizzer("grade", str(big), "-g", OVERLAP, "-o", str(small_disk / "out.parquet"), cwd=tmp_path)
    assert result.returncode == 2 and "cannot write" in result.stderr and "left as it was" in result.stderr
    assert list(small_disk.iterdir()) == []


def test_standard_output_gets_the_rows_only(answers: Path, tmp_path: Path) -> None:
    result = run_quizzer("grade", str(answers), "-g", OVERLAP, "--format", "csv", cwd=tmp_path)
    rows = list(csv.DictReader(result.stdout.splitlines()))
    assert len(rows) == 300 and rows[0]["id"] == "r0"
    assert json.loads(run_quizzer("grade", str(answers), "-g", OVERLAP, cwd=tmp_path).stdout.splitlines()[299])["line"] == 300
