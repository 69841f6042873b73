"""`quizzer quiz` in a real terminal (tmux): answer, accept, override, skip, reveal, quit, resume, Ctrl-C."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from tmux_terminal import DRIVER, PYTHON, Q1_ANSWER, QUIZ, Terminal, quizzer_env

pytestmark = pytest.mark.slow
KEYS_AFTER_GRADE = "r mark right · w mark wrong · s skip · q quit"


@pytest.fixture
def terminals() -> Iterator[list[Terminal]]:
    opened: list[Terminal] = []
    yield opened
    for terminal in opened:
        terminal.close()


def open_quiz(terminals: list[Terminal], db: Path, *args: str, command: list[str] = QUIZ) -> Terminal:
    terminal = Terminal([*command, "msft-asr", "--db", str(db), *args], env=quizzer_env())
    terminals.append(terminal)
    return terminal


def answer(quiz: Terminal, text: str, number: int, graded_before: int | None = None) -> str:
    """Types `text` at the `number`-th answer prompt and waits for its grade's decision keys."""
    quiz.wait_for("Your answer ›", count=number)
    quiz.type(text)
    quiz.send("Enter")
    return quiz.wait_for(KEYS_AFTER_GRADE, count=(number - 1 if graded_before is None else graded_before) + 1,
                         timeout=120)


def outcomes(db: Path) -> list[sqlite3.Row]:
    connection = sqlite3.connect(db)
    connection.row_factory = sqlite3.Row
    return connection.execute("SELECT * FROM review_outcomes ORDER BY id").fetchall()


def test_answer_accept_override_reveal_skip_quit_and_resume(tmp_path: Path, terminals: list[Terminal]) -> None:
    db = tmp_path / "quiz.db"
    quiz = open_quiz(terminals, db, "--new", "4")
    screen = quiz.wait_for("Your answer ›")
    assert "Question 1 of 4" in screen and "What improvement was made in the transducer model?" in screen
    assert "Esc then Enter new line" in screen

    # 1: a two-line answer (Esc Enter adds a line), accepted with Enter.
    quiz.type("They reduced training time and improved efficiency")
    quiz.send("Escape", "Enter")
    quiz.type("by solving the memory issue of the speech transducer.")
    quiz.send("Enter")
    screen = quiz.wait_for("Enter accept (", timeout=120)
    assert "Reference:" in screen and "Will record:" in screen and "probability correct" in screen
    quiz.send("Enter")
    quiz.wait_for("Question 2 of 4")

    # 2: a wrong answer, marked right by the learner.
    answer(quiz, "Bananas are a good source of potassium.", 2)
    quiz.send("r")
    quiz.wait_for("Marked right:")

    # 3: revealed with an empty answer, then skipped.
    quiz.wait_for("Question 3 of 4")
    quiz.wait_for("Your answer ›", count=3)
    quiz.send("Enter")
    screen = quiz.wait_for("Revealed without answering")
    assert "Enter next (recorded as Again)" in screen
    quiz.send("s")
    quiz.wait_for("Skipped")

    # 4: answered, then quit at the decision keys (the grade stands).
    quiz.wait_for("Question 4 of 4")
    answer(quiz, "Bananas are yellow and grow in bunches.", 4, graded_before=2)
    quiz.send("q")
    screen = quiz.wait_for("Session summary (quit)")
    assert "4 (3 answered, 1 revealed)" in screen and "1 overridden · 1 skipped" in screen
    assert quiz.exit_status() == 0

    rows = outcomes(db)
    assert [row["kind"] for row in rows] == ["answer", "answer", "reveal", "answer"]
    assert rows[0]["answer"] == "They reduced training time and improved efficiency\nby solving the memory issue of the speech transducer."
    assert rows[0]["decision_kind"] is None and rows[0]["answer_seconds"] > 0
    assert (rows[1]["decision_kind"], rows[1]["final_verdict"], rows[1]["final_rating"]) == ("override", "correct", 3)
    assert (rows[2]["decision_kind"], rows[2]["final_rating"]) == ("skip", None)
    assert rows[3]["decision_kind"] is None and rows[3]["final_rating"] is not None

    # Resume: the skipped card (introduced, unscheduled) is due now; cards just learnt are not.
    again = open_quiz(terminals, db, "--new", "0")
    screen = again.wait_for("Your answer ›")
    assert "Why does the transducer model consume all this memory?" in screen
    assert "What improvement was made" not in screen
    again.send("C-d")
    again.wait_for("Session summary (Ctrl-D)")
    assert again.exit_status() == 0
    assert len(outcomes(db)) == 4


def test_ctrl_c_at_the_decision_keeps_the_grade(tmp_path: Path, terminals: list[Terminal]) -> None:
    db = tmp_path / "quiz.db"
    quiz = open_quiz(terminals, db, "--limit", "2")
    answer(quiz, Q1_ANSWER, 1)
    quiz.send("C-c")
    screen = quiz.wait_for("Session summary (Ctrl-C)")
    assert "1 (1 answered, 0 revealed)" in screen
    assert quiz.exit_status() == 130
    [row] = outcomes(db)
    assert row["answer"] == Q1_ANSWER and row["final_rating"] is not None


def test_uncertain_grade_asks_the_learner_with_the_reference(tmp_path: Path, terminals: list[Terminal]) -> None:
    db = tmp_path / "quiz.db"
    quiz = open_quiz(terminals, db, "--limit", "2", command=DRIVER)
    quiz.wait_for("Your answer ›")
    quiz.type("maybe")
    quiz.send("Enter")
    screen = quiz.wait_for("Decide: r right · p partly right · w wrong")
    assert "UNCERTAIN" in screen and "Not scheduled until you decide" in screen
    assert "Reference: They reduced training time" in screen
    quiz.send("Enter")  # not a decision: ignored
    quiz.send("p")
    quiz.wait_for("Marked partly right: Hard")
    quiz.wait_for("Question 2 of 2")
    quiz.wait_for("Your answer ›", count=2)  # a Ctrl-D sent before the line editor runs is eaten by the tty
    quiz.send("C-d")
    quiz.wait_for("Session summary (Ctrl-D)")
    [row] = outcomes(db)
    assert (row["verdict"], row["rating"]) == ("uncertain", None)
    assert (row["decision_kind"], row["final_verdict"], row["final_rating"]) == ("uncertain", "partial", 2)


def test_nothing_due_says_so_and_exits(tmp_path: Path, terminals: list[Terminal]) -> None:
    quiz = open_quiz(terminals, tmp_path / "quiz.db", "--new", "0", command=DRIVER)
    quiz.wait_for("Use --new N for new cards, or --cram to review anyway.")
    assert quiz.exit_status() == 0


def test_unknown_deck_is_a_clear_error(tmp_path: Path, terminals: list[Terminal]) -> None:
    terminal = Terminal([PYTHON, "-m", "quizzer", "quiz", "no-such-deck", "--db", str(tmp_path / "q.db")],
                        env=quizzer_env())
    terminals.append(terminal)
    screen = terminal.wait_for("no deck named 'no-such-deck'")
    assert "Traceback" not in screen
    assert terminal.exit_status() == 2


def test_while_the_llm_judge_is_asked_the_terminal_knows_since_when() -> None:
    from quizzer.cli.judge_wait import JudgeWait

    waiting = JudgeWait()  # the judge's observer in `quizzer quiz`; tests/test_faults.py drives its spinner
    assert waiting.asked_at is None
    waiting.judge_started(1)
    assert waiting.asked_at is not None
    waiting.judge_finished()
    assert waiting.asked_at is None