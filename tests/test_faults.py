"""The fault corpus: the LLM endpoint refusing connections, timing out, answering 429 or 500 or garbage (over real
loopback HTTP, tests/llm_stub.py), and the review database locked by a real second SQLite writer for longer than
the busy timeout. Each ends with the behaviour a user can rely on: the offline verdict stands in, marked; nothing
graded is lost; the message says what happened. (The disk filling up during an output write belongs to the
batch pipeline's own work, issue 22.)

Commands run in this process (`quizzer.cli.app.main`), so the embedding model loads once for all of them.
"""

from __future__ import annotations

import io
import json
import re
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fakes import OverlapGrader
from llm_stub import LLMStub, StubReply, closed_port_url, error_reply

from quizzer.cli import quiz_loop
from quizzer.cli.app import main
from quizzer.grading.judge.client import forget_forms
from quizzer.storage import db as storage_db

ROWS = [
    {"id": "a", "deck": "msft-asr", "card_id": "windows-small-model", "answer": "Residual Transformer models."},
    {"id": "b", "deck": "msft-asr", "card_id": "transducer-memory-cause", "answer": "Bananas are yellow."},
]
# A second writer: takes the write lock (as a quiz recording a review would), says so, holds it until told.
LOCKER = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN IMMEDIATE")
connection.execute("CREATE TABLE IF NOT EXISTS second_writer (note TEXT)")
connection.execute("INSERT INTO second_writer VALUES ('kept')")
print("locked", flush=True)
sys.stdin.readline()
connection.execute("COMMIT")
"""


@dataclass(frozen=True)
class Result:
    status: int
    out: str
    err: str


def quizzer(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str,
            stdin: io.StringIO | None = None) -> Result:
    """Runs `quizzer ARGS` here as the console script does: a status, never an uncaught exception."""
    monkeypatch.setattr(sys, "argv", ["quizzer", *args])
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", stdin)
    try:
        main()
        status = 0
    except SystemExit as exit_:
        status = exit_.code if isinstance(exit_.code, int) else 1
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return Result(status, out, err)


@pytest.fixture
def llm(monkeypatch: pytest.MonkeyPatch) -> Iterator[LLMStub]:
    """A loopback endpoint configured as the judge, with short retries and budgets."""
    forget_forms()
    with LLMStub() as stub:
        for name, value in {"QUIZZER_LLM_MODEL": "stub-model", "QUIZZER_LLM_BASE_URL": stub.url,
                            "QUIZZER_LLM_API_KEY": "sk-fault-test", "QUIZZER_LLM_BACKOFF_SECONDS": "0.01",
                            "QUIZZER_LLM_BACKOFF_MAX_SECONDS": "0.02", "QUIZZER_LLM_TIMEOUT": "0.5",
                            "QUIZZER_LLM_ANSWER_BUDGET_SECONDS": "2", "QUIZZER_QUIZ_LLM_BUDGET_SECONDS": "2"}.items():
            monkeypatch.setenv(name, value)
        yield stub
    forget_forms()


def answers_file(tmp_path: Path) -> Path:
    path = tmp_path / "answers.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in ROWS), encoding="utf-8")
    return path


LLM_FAULTS = {
    # Under load the answer's budget may run out before the retries do: either reason is the right one.
    "connection refused": (None, "cannot connect to|no reply within"),
    "timeout": (StubReply(delay=3.0), "timed out|no reply within"),
    "429": (error_reply(429), r"rate limited \(HTTP 429\)"),
    "500": (error_reply(500), "HTTP 500"),
    "garbage reply": (StubReply(content="Looks right to me!"), "unusable LLM reply"),
    "not JSON over HTTP": (StubReply(body="<html>502 Bad Gateway</html>"), "unusable response"),
}


def make_fault(fault: str, llm: LLMStub, monkeypatch: pytest.MonkeyPatch) -> str:
    """Makes the configured judge fail this way; returns the reason its grades must give (a regular expression)."""
    reply, reason = LLM_FAULTS[fault]
    if reply is None:
        monkeypatch.setenv("QUIZZER_LLM_BASE_URL", closed_port_url())
    else:
        llm.default = reply
    return reason


@pytest.mark.slow
@pytest.mark.parametrize("fault", LLM_FAULTS, ids=str)
def test_llm_faults_in_grade_leave_every_row_with_the_offline_verdict_marked(
    fault: str, llm: LLMStub, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    embedding_model: object,
) -> None:
    reason = make_fault(fault, llm, monkeypatch)
    started = time.monotonic()
    result = quizzer(capsys, monkeypatch, "grade", str(answers_file(tmp_path)), "--grader", "llm",
                     "-o", str(tmp_path / "out.jsonl"), "--db", str(tmp_path / "q.db"))
    assert result.status == 0, result.err
    rows = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [row["id"] for row in rows] == ["a", "b"]
    for row in rows:
        assert row["verdict"] in ("correct", "partial", "incorrect", "uncertain"), row
        assert row["decided_by"].startswith("embedding (llm failed: ") and re.search(reason, row["decided_by"]), row
    assert "call" in result.err.lower()  # the judge's usage, failures included, is reported
    assert time.monotonic() - started < 60  # each answer waited at most its budget
    assert "sk-fault-test" not in result.out + result.err + (tmp_path / "out.jsonl").read_text(encoding="utf-8")


@pytest.mark.slow
@pytest.mark.parametrize("fault", ["connection refused", "timeout"])
def test_llm_faults_in_the_quiz_keep_the_offline_grade_within_the_budget(
    fault: str, llm: LLMStub, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    embedding_model: object,
) -> None:
    reason = make_fault(fault, llm, monkeypatch)
    db = tmp_path / "q.db"
    started = time.monotonic()
    result = quizzer(capsys, monkeypatch, "quiz", "msft-asr", "--grader", "llm", "--db", str(db), "--limit", "1",
                     stdin=io.StringIO("They reduced training time by solving the memory issue.\n"))
    assert result.status == 0, result.err
    assert "grade: " in result.out and "Reviewed: 1 (1 answered" in result.out
    (review,) = outcomes(db)
    grade = json.loads(review["grade_json"])
    assert grade["decided_by"].startswith("embedding (llm failed: ") and re.search(reason, grade["decided_by"])
    assert review["verdict"] != "could not grade"
    assert time.monotonic() - started < 60


# --- the database locked by another writer -------------------------------------------------------------


@pytest.fixture
def short_busy_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    """0.3 s instead of 10 s: the locked paths run in a moment (the behaviour is the same)."""
    monkeypatch.setattr(storage_db, "BUSY_TIMEOUT_MS", 300)


class SecondWriter:
    """Another process holding the database's write lock until `release`."""

    def __init__(self, db: Path) -> None:
        self.process = subprocess.Popen([sys.executable, "-c", LOCKER, str(db)], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None and self.process.stdout.readline().strip() == "locked"

    def release(self) -> None:
        if self.process.poll() is None:
            self.process.communicate("go\n", timeout=30)
        assert self.process.returncode == 0


class LockAfter(io.StringIO):
    """Standard input whose reading of line `line` first lets a second writer lock the database."""

    def __init__(self, text: str, db: Path, line: int) -> None:
        super().__init__(text)
        self.db, self.line, self.read = db, line, 0
        self.writer: SecondWriter | None = None

    def readline(self, *args: object) -> str:  # type: ignore[override]
        self.read += 1
        if self.read == self.line:
            self.writer = SecondWriter(self.db)
        return super().readline()


def outcomes(db: Path) -> list[sqlite3.Row]:
    connection = sqlite3.connect(db)
    connection.row_factory = sqlite3.Row
    try:
        return connection.execute("SELECT * FROM review_outcomes ORDER BY id").fetchall()
    finally:
        connection.close()


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, short_busy_timeout: None) -> Path:
    """A database path for quizzes graded by the overlap fake: these tests are about the database, not grading."""
    monkeypatch.setattr(quiz_loop, "background_grader",
                        lambda name, config, db=None, **_: quiz_loop.BackgroundGrader(OverlapGrader))
    return tmp_path / "q.db"


def test_a_quiz_on_a_pipe_stops_with_a_clear_message_when_another_writer_holds_the_lock(
    db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    stdin = LockAfter("?\nThe memory issue was solved.\n?\n", db, line=2)
    try:
        result = quizzer(capsys, monkeypatch, "quiz", "msft-asr", "--db", str(db), stdin=stdin)
        assert result.status == 2
        assert f"the database {db} is locked by another program (waited 0.3 s)" in result.err
        assert "line 2 of standard input was not recorded" in result.err
        assert "summary (stopped by an error)" in result.out and "Reviewed: 1" in result.out
        assert len(outcomes(db)) == 1  # the review before the lock is kept
    finally:
        assert stdin.writer is not None
        stdin.writer.release()
    connection = sqlite3.connect(db)
    assert connection.execute("SELECT note FROM second_writer").fetchall() == [("kept",)]  # its write is intact
    connection.close()


def test_stats_and_export_read_while_another_writer_holds_the_lock(
    db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert quizzer(capsys, monkeypatch, "quiz", "msft-asr", "--db", str(db), stdin=io.StringIO("?\n")).status == 0
    writer = SecondWriter(db)
    try:
        stats = quizzer(capsys, monkeypatch, "stats", "--db", str(db), "--json")
        export = quizzer(capsys, monkeypatch, "export", "reviews", "--db", str(db), "--format", "jsonl")
    finally:
        writer.release()
    assert stats.status == 0 and json.loads(stats.out)["decks"]
    assert export.status == 0 and len(export.out.splitlines()) == 1


@pytest.mark.slow
@pytest.mark.usefixtures("short_busy_timeout")
def test_grade_with_the_llm_writes_every_row_when_its_verdict_cache_is_locked(
    llm: LLMStub, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture, embedding_model: object,
) -> None:
    db = tmp_path / "q.db"
    storage_db.connect(db).close()
    writer = SecondWriter(db)
    try:
        result = quizzer(capsys, monkeypatch, "grade", str(answers_file(tmp_path)), "--grader", "llm",
                         "-o", str(tmp_path / "out.jsonl"), "--db", str(db))
    finally:
        writer.release()
    assert result.status == 0, result.err
    rows = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [row["decided_by"] for row in rows] == ["llm", "llm"]  # the stub's verdicts, not cached this time
    assert "not cached" in caplog.text and "locked" in caplog.text


@pytest.mark.slow
def test_in_a_terminal_a_locked_database_keeps_the_answer_and_offers_to_try_again(tmp_path: Path) -> None:
    from tmux_terminal import DRIVER, Terminal, quizzer_env

    db = tmp_path / "q.db"
    quiz = Terminal([*DRIVER, "msft-asr", "--db", str(db), "--new", "1"], env=quizzer_env())
    writer: SecondWriter | None = None
    try:
        quiz.wait_for("Your answer ›")
        writer = SecondWriter(db)
        quiz.type("They solved the memory issue of the speech transducer.")
        quiz.send("Enter")
        screen = quiz.wait_for("Enter try again", timeout=60)  # after the 10 s busy timeout
        assert f"Not saved yet: the database {db} is locked by another program" in screen
        writer.release()
        quiz.send("Enter")
        quiz.wait_for("Enter accept (", timeout=60)
        quiz.send("Enter")
        quiz.wait_for("Session summary (all done)")
        assert quiz.exit_status() == 0
    finally:
        if writer is not None:
            writer.release()
        quiz.close()
    (review,) = outcomes(db)
    assert review["answer"] == "They solved the memory issue of the speech transducer."


@pytest.mark.slow
def test_in_a_terminal_the_judges_wait_is_shown_and_enter_or_ctrl_c_take_the_offline_verdict(tmp_path: Path) -> None:
    from tmux_terminal import DRIVER, Terminal, quizzer_env

    db = tmp_path / "q.db"
    with LLMStub() as stub:
        stub.default = StubReply(content='{"verdict": "correct", "feedback": "late"}', delay=120)  # a judge that hangs
        env = {**quizzer_env(), "QUIZZER_LLM_MODEL": "stub-model", "QUIZZER_LLM_BASE_URL": stub.url,
               "QUIZZER_LLM_TIMEOUT": "120", "QUIZZER_QUIZ_LLM_BUDGET_SECONDS": "120"}
        quiz = Terminal([*DRIVER, "msft-asr", "--db", str(db), "--new", "3"], env=env)
        try:
            quiz.wait_for("Your answer ›")
            quiz.type("They solved the memory issue.")
            quiz.send("Enter")
            quiz.wait_for("Asking the LLM judge… 2 s", timeout=30)  # the seconds count up
            assert "Enter or Esc: the offline verdict now" in quiz.screen()
            quiz.send("Enter")
            screen = quiz.wait_for("Enter accept (", timeout=30)
            assert "Did not wait for the LLM judge" in screen and "(llm skipped: skipped by you" in screen
            time.sleep(0.5)  # the decision keys read single keys from now on
            quiz.send("Enter")
            quiz.wait_for("Your answer ›", count=2)
            quiz.type("It uses a lot of memory.")
            quiz.send("Enter")
            quiz.wait_for("Asking the LLM judge…", timeout=30)  # the first one's spinner is gone
            quiz.send("C-c")
            quiz.wait_for("Session summary (Ctrl-C)", timeout=30)
            assert quiz.exit_status() == 130
        finally:
            quiz.close()
    reviews = outcomes(db)
    assert [review["answer"] for review in reviews] == ["They solved the memory issue.", "It uses a lot of memory."]
    decided_by = [json.loads(review["grade_json"])["decided_by"] for review in reviews]
    assert decided_by[0].startswith("overlap (llm skipped: skipped by you after")  # the offline (fake) verdict
    assert decided_by[1] == "overlap (llm skipped: the quiz was ended while it was asked)"
