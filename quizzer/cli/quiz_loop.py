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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TextIO, TypeVar

from rich.console import Console

from quizzer.cli import quiz_render as show
from quizzer.cli.judge_wait import JudgeWait, grade_while_showing
from quizzer.core.errors import DatabaseLockedError, QuizzerError, StorageError
from quizzer.core.text_input import REPLACEMENT, CleanText, clean, decode_bytes
from quizzer.core.types import Verdict
from quizzer.graders import BackgroundGrader, background_grader
from quizzer.session import Outcome, QuizSession

if TYPE_CHECKING:
    from pathlib import Path

T = TypeVar("T")


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
                 wait: JudgeWait | None = None) -> Ending:
    """The interactive loop; returns why it ended."""
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
            loader.raise_if_failed()
            try:
                answer = read_answer()
            except EOFError:
                return Ending("Ctrl-D")
            seconds = round(time.monotonic() - started, 2)
            outcome = _grade(session, loader, console, answer, seconds, wait or JudgeWait())
            console.print(show.grade_panel(outcome, session.clock()))
            if _decide(session, outcome, console) == "quit":
                stop_if_grading_failed(session)
                return Ending("quit")
            stop_if_grading_failed(session)
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
    line_number = 0
    while (item := session.current) is not None:
        number = total - session.remaining + 1
        console.print(f"[{number}/{total}] {item.deck}/{item.card.id}: {item.card.question}", highlight=False)
        console.file.flush()
        loader.raise_if_failed()
        started = time.monotonic()
        line = read_line(lines)
        if line is None:
            return Ending("end of input")
        line_number += 1
        if line.undecoded_bytes:
            console.print(f"note: line {line_number} of standard input is not UTF-8 text; "
                          f"{line.undecoded_bytes} byte(s) read as {REPLACEMENT}", highlight=False)
        answer = line.text.rstrip("\r\n")
        try:
            outcome = _grade(session, loader, None, answer, round(time.monotonic() - started, 2))
        except StorageError as error:  # the lines before were recorded; say which one was not
            raise type(error)(f"{error.message}; line {line_number} of standard input was not recorded",
                              hint=error.hint) from None
        show.print_plain_grade(console, outcome, session.clock())
        if outcome.needs_decision:
            console.print("decision: none (left uncertain; the card stays due)", highlight=False)
            session.defer()
        else:
            session.accept()
        console.file.flush()  # a script driving the pipe sees each grade as soon as it is recorded
        stop_if_grading_failed(session)
    return Ending("all done")


def read_line(lines: TextIO) -> CleanText | None:
    """One line of standard input as clean text (None at its end). Bytes are read and decoded here, whatever
    the locale's encoding: bytes that are not UTF-8 become U+FFFD instead of a UnicodeDecodeError."""
    binary = getattr(lines, "buffer", None)
    if binary is None:  # a text stream handed in (tests)
        text = lines.readline()
        return clean(text) if text else None
    data = binary.readline()
    return decode_bytes(data) if data else None


def stop_if_grading_failed(session: QuizSession) -> None:
    """Ends the session once an answer could not be graded (it was saved ungraded first): the grader is broken."""
    error = session.grading_error
    if error is None:
        return
    if isinstance(error, QuizzerError):
        raise QuizzerError(f"{error.message}; your answer was saved ungraded", hint=error.hint)
    raise QuizzerError(f"grading failed ({type(error).__name__}: {error}); your answer was saved ungraded",
                       hint="run `quizzer --debug quiz ...` for the traceback") from error


def _grade(session: QuizSession, loader: BackgroundGrader, console: Console | None, answer: str,
           seconds: float, wait: JudgeWait | None = None) -> Outcome:
    if answer.strip() in ("", "?"):
        return saving(console, lambda: session.reveal(seconds), session.save_again)
    if console is None or wait is None:  # a pipe: graded here, the LLM judge waited for
        return saving(console, lambda: session.submit(answer, seconds), session.save_again)
    graded = grade_while_showing(session, answer, console, wait, loading=not loader.ready)
    outcome = saving(console, lambda: session.record_answer(answer, graded.grade, seconds), session.save_again)
    if graded.ended:  # Ctrl-C while the judge was asked: the offline grade is recorded, then the quiz ends
        raise KeyboardInterrupt
    return outcome


def saving(console: Console | None, operation: Callable[[], T], again: Callable[[], T] | None = None) -> T:
    """Runs a write. While another program holds the database locked, the terminal says so and offers to try
    again (the answer and its grade are kept meanwhile); on a pipe the error ends the session."""
    try:
        return operation()
    except DatabaseLockedError as error:
        if console is None:
            raise
        locked = error
    while True:
        console.print(f"Not saved yet: {locked.message}.", style="bold red", highlight=False, soft_wrap=True)
        console.print(f"Your answer is kept: {locked.hint}. Enter try again · q quit (it is then not saved)",
                      style="bold", highlight=False, soft_wrap=True)
        if read_key({"\r", "\n", "q", "\x04"}) in ("q", "\x04"):
            raise locked
        try:
            return (again or operation)()
        except DatabaseLockedError as error:
            locked = error


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
        rating = saving(console, lambda: session.mark(action == "right"))
        console.print(show.decided_line(f"Marked {action}", rating), style="dim", highlight=False)
    elif action == "partly":
        rating = saving(console, lambda: session.decide(Verdict.PARTIAL))
        console.print(show.decided_line("Marked partly right", rating), style="dim", highlight=False)
    else:
        saving(console, session.skip)
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
        wait: JudgeWait | None = None) -> int:
    """Runs the session in the terminal, or on a pipe when stdin is not one; prints the summary; the exit code."""
    stdin = stdin or sys.stdin
    plain = not stdin.isatty()
    if plain:
        # Scripts read whole lines: no wrapping at the console's width.
        console = Console(file=console.file, soft_wrap=True, highlight=False)
    try:
        ending = run_piped(session, loader, console, stdin) if plain else run_terminal(session, loader, console, wait)
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
    wait = JudgeWait()  # the LLM judge's observer: the terminal shows its wait, and lets the learner skip it
    loader = background_grader(grader_name, config, db, observer=wait)
    options = QuizOptions(tuple(tags), limit, new, cram, config.quiz.new_per_day)
    connection = connect(resolve_db_path(config, db))
    try:
        session = QuizSession(connection, decks, loader.get, options)
        if not session.queue:
            nothing_to_do(session, console, [deck.name for deck in decks])
            return 0
        return run(session, loader, console, wait=wait)
    finally:
        connection.close()
