"""Runs a quiz session in a terminal (prompt_toolkit line editing, single-key decisions) or on a pipe.

Fast start: nothing heavy is imported before the first question is on screen; the grader (and the
embedding model behind it) is then built in a background thread while the learner reads and types.
Every grade is committed by the session before it is shown, so quitting, Ctrl-C, Ctrl-D or a killed
process loses nothing already graded.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING, TextIO

from rich.console import Console

from quizzer.cli import quiz_render as show
from quizzer.core.errors import QuizzerError
from quizzer.core.types import Verdict
from quizzer.graders import BackgroundGrader, background_grader
from quizzer.session import Outcome, QuizSession

if TYPE_CHECKING:
    from pathlib import Path

    from rich.status import Status

class Waiting:
    """The spinner under an answer being graded, while the model loads and while the LLM judge is asked (the
    judge's observer tells it when). Shown only in a terminal, and only during `grading`."""

    LOADING = "Grading (the model is still loading)…"
    JUDGE = "Asking the LLM judge…"

    def __init__(self) -> None:
        self._console: Console | None = None
        self._status: Status | None = None

    @contextmanager
    def grading(self, console: Console | None, loading: bool) -> Iterator[None]:
        self._console = console
        if loading:
            self._show(self.LOADING)
        try:
            yield
        finally:
            self._hide()
            self._console = None

    def judge_started(self, answers: int) -> None:
        self._show(self.JUDGE)

    def judge_finished(self) -> None:
        self._hide()

    def _show(self, text: str) -> None:
        if self._console is None:
            return
        if self._status is None:
            self._status = self._console.status(text)
            self._status.start()
        else:
            self._status.update(text)

    def _hide(self) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None


@dataclass
class Ending:
    reason: str
    exit_code: int = 0


def answer_prompt() -> Callable[[], str]:
    """A line editor where Enter submits and Esc then Enter (or Alt-Enter) starts a new line."""
    from prompt_toolkit import PromptSession
    from prompt_toolkit.key_binding import KeyBindings

    bindings = KeyBindings()

    @bindings.add("escape", "enter")  # terminals send Alt-Enter as these same two keys
    def _newline(event) -> None:  # type: ignore[no-untyped-def]
        event.current_buffer.insert_text("\n")

    prompt: PromptSession[str] = PromptSession(key_bindings=bindings, multiline=False)
    return lambda: prompt.prompt("Your answer › ", prompt_continuation="            … ")


def run_terminal(session: QuizSession, loader: BackgroundGrader, console: Console,
                 waiting: Waiting | None = None) -> Ending:
    """The interactive loop; returns why it ended. `waiting` shows what a slow grade waits for."""
    waiting = waiting or Waiting()
    read_answer: Callable[[], str] | None = None
    total = len(session.queue)
    try:
        while (item := session.current) is not None:
            console.print(show.question_panel(item, total - session.remaining + 1, total))
            console.print(show.ANSWER_KEYS, style="dim", highlight=False)
            started = time.monotonic()
            # Only now the line editor (~0.1 s of imports), then the grader: the question is already on screen,
            # and keys typed meanwhile wait in the terminal's buffer.
            read_answer = read_answer or answer_prompt()
            loader.start()
            try:
                answer = read_answer()
            except EOFError:
                return Ending("Ctrl-D")
            seconds = round(time.monotonic() - started, 2)
            outcome = _grade(session, answer, seconds, waiting.grading(console, loading=not loader.ready))
            console.print(show.grade_panel(outcome, session.clock()))
            if _decide(session, outcome, console) == "quit":
                return Ending("quit")
        return Ending("all done")
    except KeyboardInterrupt:
        console.print()
        return Ending("Ctrl-C", 130)


def run_piped(session: QuizSession, loader: BackgroundGrader, console: Console, lines: TextIO) -> Ending:
    """One answer per input line (empty or ? reveals); the grader's verdict is accepted.

    An uncertain (or ungradable) grade is recorded as such without a decision: it leaves the schedule
    alone and the card comes back in the next session, where a person can decide it.
    """
    loader.start()
    total = len(session.queue)
    while (item := session.current) is not None:
        number = total - session.remaining + 1
        console.print(f"[{number}/{total}] {item.deck}/{item.card.id}: {item.card.question}", highlight=False)
        console.file.flush()
        started = time.monotonic()
        line = lines.readline()
        if line == "":
            return Ending("end of input")
        answer = line.rstrip("\r\n")
        outcome = _grade(session, answer, round(time.monotonic() - started, 2))
        show.print_plain_grade(console, outcome, session.clock())
        if outcome.needs_decision:
            console.print("decision: none (left uncertain; the card stays due)", highlight=False)
            session.defer()
        else:
            session.accept()
        console.file.flush()  # a script driving the pipe sees each grade as soon as it is recorded
    return Ending("all done")


def _grade(session: QuizSession, answer: str, seconds: float,
           waiting: AbstractContextManager[None] | None = None) -> Outcome:
    """Reveals (an empty answer or "?") or grades the answer, `waiting` open while it is graded."""
    if answer.strip() in ("", "?"):
        return session.reveal(seconds)
    with waiting or nullcontext():
        return session.submit(answer, seconds)


def _decide(session: QuizSession, outcome: Outcome, console: Console) -> str:
    """Reads one decision key and applies it; returns "quit" to end the session."""
    keys = {"\r": "accept", "\n": "accept", "r": "right", "w": "wrong", "s": "skip", "q": "quit", "\x04": "quit"}
    if outcome.needs_decision:
        keys = {"r": "right", "p": "partly", "w": "wrong", "s": "skip", "q": "quit", "\x04": "quit"}
    elif outcome.kind == "reveal":
        keys = {"\r": "accept", "\n": "accept", "s": "skip", "q": "quit", "\x04": "quit"}
    console.print(show.decision_keys(outcome), style="bold", highlight=False)
    action = keys[read_key(set(keys))]
    if action == "quit":
        if outcome.needs_decision:
            session.defer()
        else:
            session.accept()
        return "quit"
    if action == "accept":
        console.print(show.decided_line("Accepted", session.accept()), style="dim", highlight=False)
    elif action in ("right", "wrong"):
        console.print(show.decided_line(f"Marked {action}", session.mark(action == "right")), style="dim",
                      highlight=False)
    elif action == "partly":
        console.print(show.decided_line("Marked partly right", session.decide(Verdict.PARTIAL)), style="dim",
                      highlight=False)
    else:
        session.skip()
        console.print("Skipped: this review will not count.", style="dim", highlight=False)
    console.print()
    return "next"


def read_key(allowed: set[str]) -> str:
    """Reads single key presses (no Enter needed) until one in `allowed` comes; Ctrl-C raises as usual."""
    import termios
    import tty

    descriptor = sys.stdin.fileno()
    saved = termios.tcgetattr(descriptor)
    try:
        tty.setcbreak(descriptor)  # ISIG stays on, so Ctrl-C still interrupts
        while True:
            key = os.read(descriptor, 1).decode("utf-8", "replace").lower()
            if key in allowed:
                return key
    finally:
        termios.tcsetattr(descriptor, termios.TCSADRAIN, saved)


def print_summary(session: QuizSession, console: Console, ending: Ending, plain: bool) -> None:
    summary = session.summary()
    now = session.clock()
    if plain:
        console.print(f"summary ({ending.reason}):", highlight=False)
        for label, value in show.summary_rows(summary, now):
            console.print(f"  {label}: {value}", highlight=False)
    else:
        console.print(show.summary_panel(summary, now, ending.reason))


def run(session: QuizSession, loader: BackgroundGrader, console: Console, stdin: TextIO | None = None,
        waiting: Waiting | None = None) -> int:
    """Runs the session in the terminal, or on a pipe when stdin is not one; prints the summary; the exit code."""
    stdin = stdin or sys.stdin
    plain = not stdin.isatty()
    if plain:
        # Scripts read whole lines: no wrapping at the console's width.
        console = Console(file=console.file, soft_wrap=True, highlight=False)
    try:
        ending = run_piped(session, loader, console, stdin) if plain else run_terminal(session, loader, console, waiting)
    except KeyboardInterrupt:
        ending = Ending("Ctrl-C", 130)
    except QuizzerError:
        # E.g. the grader could not be built: what was graded is saved; say so before the error.
        print_summary(session, console, Ending("stopped by an error"), plain)
        raise
    print_summary(session, console, ending, plain)
    return ending.exit_code


def nothing_to_do(session: QuizSession, console: Console, decks: Sequence[str]) -> None:
    summary = session.summary()
    due = show.describe_due(summary.next_due, session.clock()) if summary.next_due else None
    console.print(f"Nothing due in {', '.join(decks)}" + (f"; the next card is due {due}." if due else "."),
                  highlight=False)
    console.print("Use --new N for new cards, or --cram to review anyway.", style="dim", highlight=False)


def start_quiz(
    deck_names: Sequence[str], db: Path | None, tags: Sequence[str], limit: int | None, new: int | None,
    cram: bool, grader_name: str | None, no_cache: bool = False,
) -> int:
    """`quizzer quiz`: opens the database and decks, shows the first question at once, grades in the background."""
    from quizzer.cli.render import console
    from quizzer.core.config import load_config
    from quizzer.deck.catalog import load_decks
    from quizzer.session import QuizOptions
    from quizzer.storage.db import connect, resolve_db_path

    config = load_config().with_flags(llm__cache=False if no_cache else None)
    decks = load_decks(deck_names, config)
    waiting = Waiting()
    loader = background_grader(grader_name, config, db, observer=waiting)
    options = QuizOptions(tuple(tags), limit, new, cram, config.quiz.new_per_day)
    connection = connect(resolve_db_path(config, db))
    try:
        session = QuizSession(connection, decks, loader.get, options)
        if not session.queue:
            nothing_to_do(session, console, [deck.name for deck in decks])
            return 0
        return run(session, loader, console, waiting=waiting)
    finally:
        connection.close()
