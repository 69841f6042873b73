"""Hostile answers to typed cards: each is graded (incorrect) or "could not grade", quickly, never run, never a
traceback. The benchmark (benchmarks/typed_answers.py) times them through the full grader."""

from __future__ import annotations

import builtins
import time

import pytest

from quizzer.core.types import GraderInfo, Submission, Verdict
from quizzer.grading.offline.typed import grade_typed

INFO = GraderInfo("embedding", "test")
CIRCLE = ("What is the formula for the area of a circle of radius r?", ("π r^2",))
BOILING = ("At what temperature does water boil at sea level?", ("100 °C",))
HOSTILE = [
    (CIRCLE, "(r+1)*" * 1666 + "r"),
    (CIRCLE, "r" * 10_000),
    (CIRCLE, "(" * 5000 + "r" + ")" * 5000),
    (CIRCLE, "(" * 40 + "r" + ")" * 40),
    (CIRCLE, "__import__('os')"),
    (CIRCLE, "__import__('os').system('echo hacked')"),
    (CIRCLE, "().__class__.__bases__"),
    (CIRCLE, "r.__class__.__mro__[1].__subclasses__()"),
    (CIRCLE, "__builtins__['eval']('1')"),
    (CIRCLE, "lambda: 0"),
    (CIRCLE, "9**9**9**9"),
    (CIRCLE, "9^9^9^9"),
    (CIRCLE, "(10^30)^100"),
    (CIRCLE, "100000!"),
    (CIRCLE, "1" * 400),
    (BOILING, "100 flurbs"),
    (BOILING, "9**9**9**9"),
    (BOILING, "1e999999 °C"),
    (BOILING, "10^99999 K"),
    (("How many bits are in a byte?", ("8",)), "8 " + "bits/" * 300),
    (("When did the Wall fall?", ("9 November 1989",)), "31 February 99999999"),
    (("Primary colours?", ("red, green, blue",)), ", ".join(["red"] * 5000)),
    (("In Python, what does [1][0] evaluate to?", ("[1]",)), "[" * 3000 + "]" * 3000),
]


def graded_without_eval(submission: Submission):
    """The grade, with eval, exec and compile made to fail while grading (imports, which compile, are done)."""
    calls: list[str] = []
    saved = {name: getattr(builtins, name) for name in ("eval", "exec", "compile")}

    def refusing(name: str):
        def refuse(*args, **kwargs):
            calls.append(name)
            raise AssertionError(f"{name} was called")
        return refuse

    for name in saved:
        setattr(builtins, name, refusing(name))
    try:
        started = time.perf_counter()
        grade = grade_typed(submission, INFO)
        elapsed = time.perf_counter() - started
    finally:
        for name, function in saved.items():
            setattr(builtins, name, function)
    assert calls == []
    return grade, elapsed


@pytest.mark.parametrize(("card", "answer"), HOSTILE, ids=[answer[:30] for _, answer in HOSTILE])
def test_hostile_answers_are_graded_or_refused_quickly_and_never_run(card, answer: str) -> None:
    question, references = card
    submission = Submission(question, references, answer)
    grade_typed(submission, INFO)  # the first call pays for imports (sympy, pint's registry)
    grade, elapsed = graded_without_eval(submission)
    assert elapsed < 0.05
    if grade is not None:  # None: an explanation, for the free-text grader
        assert grade.verdict in (Verdict.INCORRECT, Verdict.UNGRADABLE, Verdict.UNCERTAIN, Verdict.PARTIAL)
        assert grade.verdict is not Verdict.UNGRADABLE or grade.reason


def test_the_formula_limits_say_what_was_over_them() -> None:
    grade = grade_typed(Submission(*CIRCLE, "9**9**9**9"), INFO)
    assert grade.verdict is Verdict.UNGRADABLE and "exponent over 100" in grade.reason
    grade = grade_typed(Submission(*CIRCLE, "(" * 40 + "r" + ")" * 40), INFO)
    assert grade.verdict is Verdict.UNGRADABLE and "nested over 12 deep" in grade.reason
    grade = grade_typed(Submission(*CIRCLE, "__import__('os')"), INFO)
    assert grade.verdict is Verdict.INCORRECT and "is not a formula" in grade.feedback


def test_an_unknown_unit_is_named() -> None:
    grade = grade_typed(Submission(*BOILING, "100 flurbs"), INFO)
    assert grade.verdict is Verdict.UNCERTAIN and "'flurbs' is no unit I know" in grade.feedback
