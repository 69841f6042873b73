"""Bad input a new user types, found in a QA pass: each must end in one message and exit 2, never a traceback.

None of these loads the embedding model: each fails before grading starts.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
ANSWERS = REPO / "evals" / "interview_answers.jsonl"


def quizzer(*args: str, tmp_path: Path, stdin: str | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("QUIZZER_")}
    environment.update({"COLUMNS": "200", "QUIZZER_DB": str(tmp_path / "q.db"),
                        "QUIZZER_CONFIG": str(tmp_path / "absent.toml"), **env})
    return subprocess.run([sys.executable, "-m", "quizzer", *args], capture_output=True, text=True, input=stdin,
                          env=environment, cwd=tmp_path, timeout=120)


@pytest.mark.parametrize(("args", "message"), [
    (("grade", "--bogus"), "No such option: --bogus"),
    (("no-such-command",), "No such command 'no-such-command'"),
    (("grade",), "Missing argument"),
    (("quiz", "--new", "-3"), "Invalid value for '--new'"),
    (("eval", "x.jsonl", "--limit", "abc"), "Invalid value for '--limit'"),
])
def test_usage_errors_are_a_message_and_exit_2(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    # typer >= 0.24 raises its vendored click's exceptions, which `except click.ClickException` missed.
    result = quizzer(*args, tmp_path=tmp_path, stdin="")
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_help_keeps_the_defaults_written_in_brackets(tmp_path: Path) -> None:
    # rich read "[default: ...]" in a help text as a markup tag and dropped it, leaving "Review database ."
    stats = quizzer("stats", "--help", tmp_path=tmp_path)
    assert "(default: QUIZZER_DB" in stats.stdout and "(default: studied and configured decks)" in stats.stdout
    evaluate = quizzer("eval", "--help", tmp_path=tmp_path)
    assert "(default: a new folder" in evaluate.stdout
    assert "(default: standard output)" in quizzer("export", "reviews", "--help", tmp_path=tmp_path).stdout


def test_grade_refuses_an_output_it_cannot_write_before_grading(tmp_path: Path) -> None:
    answers = tmp_path / "answers.jsonl"
    answers.write_text(json.dumps({"question": "q?", "reference": "r", "answer": "a"}) + "\n", encoding="utf-8")
    missing_folder = quizzer("grade", str(answers), "-o", str(tmp_path / "nowhere" / "out.csv"), tmp_path=tmp_path)
    assert missing_folder.returncode == 2 and "Traceback" not in missing_folder.stderr
    assert f"cannot write {tmp_path / 'nowhere' / 'out.csv'}" in missing_folder.stderr
    (tmp_path / "folder.jsonl").mkdir()
    folder = quizzer("grade", str(answers), "-o", str(tmp_path / "folder.jsonl"), tmp_path=tmp_path)
    assert folder.returncode == 2 and "is a folder" in folder.stderr and "Traceback" not in folder.stderr


def test_eval_refuses_an_out_folder_it_cannot_create_before_grading(tmp_path: Path) -> None:
    a_file = tmp_path / "report.md"
    a_file.write_text("not a folder\n", encoding="utf-8")
    result = quizzer("eval", str(ANSWERS), "--limit", "3", "--out", str(a_file), tmp_path=tmp_path)
    assert result.returncode == 2, result.stderr
    assert f"{a_file}: is a file, not a folder" in result.stderr and "Traceback" not in result.stderr
    under_a_file = quizzer("eval", str(ANSWERS), "--limit", "3", "--out", str(a_file / "run"), tmp_path=tmp_path)
    assert under_a_file.returncode == 2 and "cannot create the folder" in under_a_file.stderr
    assert "Traceback" not in under_a_file.stderr


def test_config_show_on_a_bad_file_still_lists_the_known_settings(tmp_path: Path) -> None:
    # The error's hint says "`quizzer config show` lists the known settings": it must, even then.
    config = tmp_path / "config.toml"
    config.write_text("[quiz]\nnew_per_dya = 5\n", encoding="utf-8")
    result = quizzer("config", "show", tmp_path=tmp_path, QUIZZER_CONFIG=str(config))
    assert result.returncode == 2
    assert f"{config}:2: unknown setting 'quiz.new_per_dya' (did you mean 'quiz.new_per_day'?)" in result.stderr
    assert "known settings" in result.stdout and "quiz.new_per_day" in result.stdout
    assert "Traceback" not in result.stderr


def test_error_messages_keep_brackets_from_user_input(tmp_path: Path) -> None:
    # print_error read the message as rich markup: "[b]" vanished and "/tmp/[x]/a.csv" showed as "/tmp//a.csv".
    missing = tmp_path / "[x]" / "answers.csv"
    result = quizzer("grade", str(missing), tmp_path=tmp_path)
    assert result.returncode == 2 and f"{missing}: no such file" in result.stderr
    history = quizzer("history", "[b]card", tmp_path=tmp_path)
    assert history.returncode == 2 and "no card '[b]card'" in history.stderr
