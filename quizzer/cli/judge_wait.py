"""The terminal quiz while an answer is graded: the LLM judge's wait is shown (a spinner with the seconds waited),
Enter or Esc uses the offline verdict at once, Ctrl-C ends the quiz keeping it.

The judge's observer hook (`quizzer.grading.judge.judge.JudgeObserver`, the one the web page's "asking the judge"
listens to) says when the LLM is asked; grading runs in a worker thread meanwhile, so the keys stay live.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

    from quizzer.core.types import Grade
    from quizzer.session import QuizSession

SKIP_KEYS = frozenset({"\r", "\n", "\x1b"})  # Enter, Esc


class JudgeWait:
    """A JudgeObserver: since when the LLM judge has been asked (None while it is not). Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._asked_at: float | None = None

    def judge_started(self, answers: int) -> None:
        with self._lock:
            self._asked_at = time.monotonic()

    def judge_finished(self) -> None:
        with self._lock:
            self._asked_at = None

    @property
    def asked_at(self) -> float | None:
        with self._lock:
            return self._asked_at


@dataclass(frozen=True)
class Graded:
    grade: Grade
    skipped: bool = False  # the learner did not wait for the judge
    ended: bool = False  # Ctrl-C: record this grade, then end the quiz


def grade_while_showing(session: QuizSession, answer: str, console: Console, wait: JudgeWait,
                        loading: bool) -> Graded:
    """Grades `answer` in a worker thread; while the judge is asked, a spinner counts the seconds and Enter or
    Esc takes the offline verdict instead. Ctrl-C takes it too and asks the caller to end the quiz."""
    outcome: list[Grade] = []
    worker = threading.Thread(target=lambda: outcome.append(session.grade(answer)), name="quizzer-grading",
                              daemon=True)  # a judge call left behind ends within its budget, its grade unused
    worker.start()
    status = console.status("Grading (the model is still loading)…") if loading else None
    if status is not None:
        status.start()
    asked_since: float | None = None
    try:
        with _keys() as pressed:
            while worker.is_alive():
                worker.join(0.1)
                started = wait.asked_at
                if started is None or not worker.is_alive():
                    continue
                if asked_since is None:
                    asked_since = started
                    pressed(flush=True)  # keys typed before the judge was asked do not skip it
                    if status is None:
                        status = console.status("")
                        status.start()
                seconds = time.monotonic() - asked_since
                status.update(f"Asking the LLM judge… {seconds:.0f} s · Enter or Esc: the offline verdict now · "
                              "Ctrl-C: end the quiz")  # type: ignore[union-attr]
                if pressed() & SKIP_KEYS:
                    _stop(status)
                    status = None
                    console.print(f"Did not wait for the LLM judge ({seconds:.0f} s): the offline verdict stands.",
                                  style="dim", highlight=False)
                    return Graded(session.grade_without_judge(answer, f"skipped by you after {seconds:.0f} s"),
                                  skipped=True)
    except KeyboardInterrupt:
        _stop(status)
        status = None
        return Graded(session.grade_without_judge(answer, "the quiz was ended while it was asked"), ended=True)
    finally:
        _stop(status)
    return Graded(outcome[0])


def _stop(status: object) -> None:
    if status is not None:
        status.stop()  # type: ignore[attr-defined]


@contextmanager
def _keys() -> Iterator:
    """Single key presses on the terminal while grading (no echo, no Enter needed; Ctrl-C still interrupts):
    a function returning the keys pressed since its last call (`flush=True`: drops them)."""
    import select
    import termios
    import tty

    descriptor = sys.stdin.fileno()
    saved = termios.tcgetattr(descriptor)

    def pressed(flush: bool = False) -> set[str]:
        if flush:
            termios.tcflush(descriptor, termios.TCIFLUSH)
            return set()
        keys: set[str] = set()
        while select.select([descriptor], [], [], 0)[0]:
            data = os.read(descriptor, 64)
            if not data:
                break
            keys.update(data.decode("utf-8", "replace"))
        return keys

    try:
        tty.setcbreak(descriptor)
        yield pressed
    finally:
        termios.tcsetattr(descriptor, termios.TCSADRAIN, saved)
