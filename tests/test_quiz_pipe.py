"""`quizzer quiz` without a terminal, and durability: scripted answers, SIGKILL and SIGINT mid-session,
two sessions on one database at once."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import threading
from pathlib import Path

import pytest
from tmux_terminal import Q1_ANSWER, QUIZ, REPO_ROOT, quizzer_env

pytestmark = pytest.mark.slow


def start(db: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*QUIZ, "msft-asr", "--db", str(db), *args], cwd=REPO_ROOT, env=quizzer_env(), text=True,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=_interruptible,
    )


def _interruptible() -> None:
    """Ctrl-C as in a terminal: a test run started in the background (nohup, `cmd &` in a script) passes on
    "ignore SIGINT", which the quiz would rightly keep."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def read_until(process: subprocess.Popen[str], marker: str, times: int = 1, timeout: float = 120.0) -> list[str]:
    """Reads stdout lines until `marker` has started `times` lines (in a thread, so a hang fails the test)."""
    lines: list[str] = []

    def reader() -> None:
        assert process.stdout is not None
        seen = 0
        for line in process.stdout:
            lines.append(line)
            seen += line.startswith(marker)
            if seen >= times:
                return

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), f"no {marker!r} x{times} within {timeout} s; got: {''.join(lines)}"
    return lines


def review_rows(db: Path) -> list[sqlite3.Row]:
    connection = sqlite3.connect(db)
    connection.row_factory = sqlite3.Row
    return connection.execute("SELECT * FROM review_outcomes ORDER BY id").fetchall()


def test_scripted_answers_on_a_pipe_are_graded_and_recorded(tmp_path: Path) -> None:
    db = tmp_path / "quiz.db"
    script = f"{Q1_ANSWER}\n?\nIt is because of the learning rate.\n"
    result = subprocess.run([*QUIZ, "msft-asr", "--db", str(db), "--limit", "5"], input=script, text=True,
                            capture_output=True, cwd=REPO_ROOT, env=quizzer_env(), timeout=300)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.count("grade: ") == 3 and "grade: revealed" in out
    assert "[1/5] msft-asr/transducer-improvement: What improvement was made in the transducer model?" in out
    assert "summary (end of input):" in out and "Reviewed: 3 (2 answered, 1 revealed)" in out
    rows = review_rows(db)
    assert [row["kind"] for row in rows] == ["answer", "reveal", "answer"]
    assert rows[0]["answer"] == Q1_ANSWER
    assert rows[1]["final_rating"] == 1
    assert all(row["final_rating"] is not None or row["verdict"] == "uncertain" for row in rows)
    states = sqlite3.connect(db).execute("SELECT COUNT(*) FROM card_states").fetchone()[0]
    assert states == sum(1 for row in rows if row["final_rating"] is not None)


def test_sigkill_mid_session_loses_nothing_already_graded(tmp_path: Path) -> None:
    db = tmp_path / "quiz.db"
    process = start(db, "--limit", "5")
    assert process.stdin is not None
    process.stdin.write(f"{Q1_ANSWER}\n")
    process.stdin.flush()
    read_until(process, "Will record:")
    process.stdin.write("?\n")
    process.stdin.flush()
    read_until(process, "Will record:")
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    rows = review_rows(db)
    assert [row["kind"] for row in rows] == ["answer", "reveal"]
    cached = dict(sqlite3.connect(db).execute("SELECT card_id, reps FROM card_states").fetchall())
    assert cached["transducer-memory-problem"] == 1  # the reveal was scheduled (Again) before the kill


def test_sigint_on_a_pipe_ends_with_a_summary(tmp_path: Path) -> None:
    db = tmp_path / "quiz.db"
    process = start(db, "--limit", "5")
    assert process.stdin is not None
    process.stdin.write("?\n")
    process.stdin.flush()
    read_until(process, "[2/5]")
    process.send_signal(signal.SIGINT)
    out, _ = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "summary (Ctrl-C):" in out and "Reviewed: 1 (0 answered, 1 revealed)" in out
    assert len(review_rows(db)) == 1


def test_two_sessions_on_one_database_at_once(tmp_path: Path) -> None:
    db = tmp_path / "quiz.db"
    first, second = start(db, "--limit", "3"), start(db, "--limit", "3", "--cram")
    for process in (first, second):
        assert process.stdin is not None
        process.stdin.write(f"{Q1_ANSWER}\n")
        process.stdin.flush()
    # Both have graded their first answer (each committed while the other session is open) ...
    read_until(first, "Will record:")
    read_until(second, "Will record:")
    results = []
    for process in (first, second):
        assert process.stdin is not None
        out, err = process.communicate("?\nwrong answer about decoding\n", timeout=120)
        results.append((process.returncode, out, err))
    for returncode, out, err in results:
        assert returncode == 0, err
        assert "locked" not in err
    rows = review_rows(db)
    assert len(rows) == 6
    assert sorted(row["cram"] for row in rows) == [0, 0, 0, 1, 1, 1]
    assert len({row["session_id"] for row in rows}) == 2
