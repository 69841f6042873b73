"""What both quiz screens (terminal and browser) say beside a grade: `quizzer.quiz_text`."""

from __future__ import annotations

import pytest

from quizzer.core.types import Grade, GraderInfo, Misconception, Verdict
from quizzer.quiz_text import misconception_lines, probability_line

INFO = GraderInfo(name="scripted", version="1")


@pytest.mark.parametrize(("verdict", "shown"), [(Verdict.CORRECT, "probability correct 87%"),
                                                (Verdict.UNCERTAIN, "probability correct 87%"),
                                                (Verdict.PARTIAL, ""), (Verdict.INCORRECT, "")])
def test_the_probability_is_shown_only_beside_a_verdict_it_does_not_contradict(verdict: Verdict, shown: str) -> None:
    assert probability_line(Grade(verdict=verdict, grader=INFO, probability=0.87)) == shown


def test_no_probability_no_line() -> None:
    assert probability_line(Grade(verdict=Verdict.CORRECT, grader=INFO)) == ""


def test_each_misconception_is_shown_with_why_when_the_deck_says() -> None:
    lines = misconception_lines((Misconception("Eight times smaller."),
                                 Misconception("Two times smaller.", "fp32 has 32 bits, int8 has 8.")))
    assert lines == ["Eight times smaller.", "Two times smaller. (fp32 has 32 bits, int8 has 8.)"]
