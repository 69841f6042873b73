"""Answer files for the batch tests: the training extracts in fixtures/datasets, repeated to any size, with bad rows
where a test wants them; and `quizzer` run as a user runs it, in a subprocess."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

TESTS_DIR = Path(__file__).resolve().parent
DATASETS = TESTS_DIR / "fixtures" / "datasets"
FIELDS = ("question", "reference", "references", "answer", "label")


def training_rows(count: int) -> list[dict]:
    """`count` labelled answers from the training extracts (280 with a question), repeated with distinct ids."""
    base = []
    for path in sorted(DATASETS.glob("*/train.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if row.get("question") and row.get("answer") and (row.get("reference") or row.get("references")):
                base.append({key: row[key] for key in FIELDS if row.get(key) is not None})
    return [{"id": f"r{number}", **base[number % len(base)]} for number in range(count)]


def write_jsonl(path: Path, rows: list[dict], bad: dict[int, str] | None = None) -> Path:
    """One row per line; `bad` puts a raw line (malformed JSON...) in place of the row with that 0-based index."""
    bad = bad or {}
    with path.open("w", encoding="utf-8") as stream:
        for index, row in enumerate(rows):
            stream.write((bad[index] if index in bad else json.dumps(row)) + "\n")
    return path


def quizzer_env(home: Path, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("QUIZZER_")}
    env.update(QUIZZER_CONFIG=str(home / "no-config.toml"), QUIZZER_CACHE_DIR=str(home / "cache"),
               QUIZZER_DB=str(home / "quizzer.db"), COLUMNS="200", PYTHONPATH=str(TESTS_DIR), **extra)
    return env


def run_quizzer(*args: str, cwd: Path, timeout: float = 300, **extra: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([sys.executable, "-m", "quizzer", *args], capture_output=True, text=True, cwd=cwd,
                            env=quizzer_env(cwd, **extra), timeout=timeout)
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    return result


def ctrl_c_as_at_a_terminal() -> None:
    """A child's Ctrl-C as a terminal gives it: a test suite started in the background (`cmd &`, as CI scripts may
    be) passes its children SIGINT ignored, and a process that inherits that rightly ignores the tests' Ctrl-C."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start_quizzer(*args: str, cwd: Path, **extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "quizzer", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=cwd, env=quizzer_env(cwd, **extra), preexec_fn=ctrl_c_as_at_a_terminal)


def jsonl_records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
