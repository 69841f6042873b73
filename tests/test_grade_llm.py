"""`quizzer grade` with the LLM judge, over real HTTP to a loopback stub: every row is written, in order."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO_ROOT
from llm_stub import LLMStub, error_reply, verdict_reply

ROWS = [
    {"id": "a", "deck": "msft-asr", "card_id": "windows-small-model", "answer": "Residual Transformer models."},
    {"id": "b", "deck": "msft-asr", "card_id": "transducer-memory-cause", "answer": "No idea, sorry"},
]


def run_grade(tmp_path: Path, stub: LLMStub, *args: str) -> subprocess.CompletedProcess[str]:
    answers = tmp_path / "answers.jsonl"
    answers.write_text("".join(json.dumps(row) + "\n" for row in ROWS), encoding="utf-8")
    env = {**os.environ, "QUIZZER_LLM_MODEL": "stub-model", "QUIZZER_LLM_BASE_URL": stub.url,
           "QUIZZER_LLM_API_KEY": "sk-test-secret-123", "QUIZZER_LLM_BACKOFF_SECONDS": "0.01",
           "QUIZZER_LLM_BACKOFF_MAX_SECONDS": "0.02"}
    return subprocess.run([sys.executable, "-m", "quizzer", "grade", str(answers), "--grader", "llm",
                           "--db", str(tmp_path / "q.db"), *args],
                          capture_output=True, text=True, env=env, cwd=REPO_ROOT, timeout=300)


@pytest.mark.slow
def test_grade_with_a_failing_llm_writes_every_row_with_the_offline_verdict_and_exits_0(tmp_path: Path) -> None:
    with LLMStub() as stub:
        stub.default = error_reply(500)
        result = run_grade(tmp_path, stub)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [row["id"] for row in rows] == ["a", "b"]
    assert all(row["verdict"] in ("correct", "partial", "incorrect", "uncertain") for row in rows)
    assert all(row["decided_by"].startswith("embedding (llm failed") for row in rows)
    assert "sk-test-secret-123" not in result.stdout + result.stderr


@pytest.mark.slow
def test_grade_with_the_llm_uses_its_verdicts_caches_them_and_reports_usage(tmp_path: Path) -> None:
    with LLMStub() as stub:
        stub.default = verdict_reply("correct", 0.9)
        first = run_grade(tmp_path, stub)
        calls_after_first = len(stub.requests)
        second = run_grade(tmp_path, stub)
        calls_after_second = len(stub.requests)
        third = run_grade(tmp_path, stub, "--no-cache")
        calls_after_third = len(stub.requests)
    assert first.returncode == second.returncode == third.returncode == 0, first.stderr
    assert {json.loads(line)["verdict"] for line in first.stdout.splitlines()} == {"correct"}
    assert calls_after_first >= 2 and calls_after_second == calls_after_first
    assert calls_after_third >= calls_after_second + 2
    assert "call" in first.stderr.lower()


@pytest.mark.slow
def test_grade_in_hybrid_mode_reports_the_share_sent_to_the_judge(tmp_path: Path) -> None:
    with LLMStub() as stub:
        stub.default = verdict_reply("correct", 0.9)
        result = run_grade(tmp_path, stub, "--grader", "hybrid", "--escalate", "uncertain", "--no-cache")
    assert result.returncode == 0, result.stderr
    assert "sent to the LLM judge:" in result.stderr and "of 2 answers" in result.stderr
