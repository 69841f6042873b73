"""`quizzer grade FILE` as a user runs it: a real process, real model, output rows, stderr and exit statuses."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def quizzer(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("QUIZZER_")}
    env.update(QUIZZER_CONFIG=str(cwd / "no-config.toml"), QUIZZER_CACHE_DIR=str(cwd / "cache"), COLUMNS="200")
    result = subprocess.run([sys.executable, "-m", "quizzer", *args], capture_output=True, text=True, cwd=cwd,
                            env=env, timeout=300)
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    return result


GOOD_ROWS = [
    {"id": "seed", "deck": "msft-asr", "card_id": "windows-small-model", "answer": "Residual Transformer models."},
    {"question": "How did you separate the salt from the water?", "reference": "The water was evaporated, leaving"
     " the salt.", "answer": "I don't know"},
]


@pytest.mark.slow
def test_grade_writes_one_row_per_input_row_in_order_and_reports_bad_rows(tmp_path: Path) -> None:
    lines = [json.dumps(row) for row in GOOD_ROWS] + [
        json.dumps({"deck": "msft-asr", "card_id": "no-such-card", "answer": "x"}),
        json.dumps({"question": "q", "answer": "a reference is missing"}),
        "this line is not json",
        json.dumps({"question": "q", "reference": "r", "answer": "y" * 20_000}),
    ]
    answers = tmp_path / "answers.jsonl"
    answers.write_bytes(("\n".join(lines[:4]) + "\n").encode() + b'{"question": "q", "reference": "r", "answer": "\xff"}\n'
                        + ("\n".join(lines[4:]) + "\n").encode())
    result = quizzer("grade", str(answers), "--output", "graded.csv", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    with (tmp_path / "graded.csv").open(encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    assert [row["id"] for row in rows] == ["seed", "2", "3", "4", "5", "6", "7"]
    verdicts = [row["verdict"] for row in rows]
    assert verdicts[0] == "correct" and verdicts[1] == "incorrect"
    assert verdicts[2:] == ["could not grade"] * 5
    assert "unknown card id 'no-such-card'" in rows[2]["reason"]
    assert "reference" in rows[3]["reason"] and "not UTF-8" in rows[4]["reason"]
    assert "not valid JSON" in rows[5]["reason"] and "over the limit" in rows[6]["reason"]
    assert "No answer given" in rows[1]["feedback"]
    assert float(rows[0]["probability"]) >= 0.58 and rows[0]["covered_key_points"] == "residual Transformer models"
    for number in (3, 4, 5, 6, 7):
        assert f"could not grade row {number} " in result.stderr
    assert "5 of 7 rows could not be graded" in result.stderr


@pytest.mark.slow
def test_grade_of_good_rows_exits_zero_with_jsonl_on_stdout_and_cosine_grader(tmp_path: Path) -> None:
    answers = tmp_path / "answers.csv"
    with answers.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, fieldnames=["question", "reference", "answer", "key_points"])
        writer.writeheader()
        writer.writerow({"question": "What is a problem with our transducer model?",
                         "reference": "It consumes a lot of memory, so big batches are hard to use.",
                         "answer": "It uses lots of memory which limits the batch size.",
                         "key_points": '["it consumes a lot of memory", "big batches are hard to use"]'})
    result = quizzer("grade", str(answers), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (record,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert record["id"] == "1" and record["verdict"] in ("correct", "partial", "uncertain")
    assert record["grader"]["name"] == "embedding" and set(record["evidence"]) >= {"cos_ref", "align_f"}
    assert set(record["covered_key_points"] + record["missing_key_points"]) == {
        "it consumes a lot of memory", "big batches are hard to use"}
    cosine = quizzer("grade", str(answers), "--grader", "cosine", "--format", "jsonl", cwd=tmp_path)
    assert cosine.returncode == 0 and json.loads(cosine.stdout)["grader"]["name"] == "cosine"


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "no such file"), (b"\xff\xfe\x00a\x00", "not UTF-8"), (b"name,other\nx,y\n", "no `answer` column")],
)
def test_an_unusable_file_exits_two_with_a_message(tmp_path: Path, content: bytes | None, message: str) -> None:
    path = tmp_path / "answers.csv"
    if content is not None:
        path.write_bytes(content)
    result = quizzer("grade", str(path), cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr


def test_an_unknown_output_suffix_exits_two(tmp_path: Path) -> None:
    path = tmp_path / "answers.jsonl"
    path.write_text(json.dumps(GOOD_ROWS[1]) + "\n", encoding="utf-8")
    result = quizzer("grade", str(path), "--output", "out.txt", cwd=tmp_path)
    assert result.returncode == 2 and "--format" in result.stderr
