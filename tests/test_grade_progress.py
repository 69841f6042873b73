"""The progress bar of `grade` and `eval` on a terminal: rows done, their rate and the time left."""

from __future__ import annotations

import io
import re
import time

import pytest
from rich.console import Console

from quizzer.cli import grade_render


def test_the_bar_shows_rows_rate_and_time_left_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    screen = io.StringIO()
    monkeypatch.setattr(grade_render, "error_console", Console(file=screen, force_terminal=True, width=120))
    with grade_render.grading_progress() as advance:
        assert advance is not None
        for rows, fraction in ((0, 0.0), (250, 0.25), (500, 0.5)):
            advance(rows, fraction)
            time.sleep(0.2)
    shown = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", screen.getvalue())
    assert "50%" in shown and "500 rows" in shown
    assert re.search(r"500 rows, [\d,]+ rows/s", shown), shown[-300:]  # the rate from the first chunk on
    assert re.search(r"50%.*0:00:0\d", shown), shown[-300:]  # about as long again to go


def test_no_bar_when_stderr_is_not_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(grade_render, "error_console", Console(file=io.StringIO(), force_terminal=False))
    with grade_render.grading_progress() as advance:
        assert advance is None
