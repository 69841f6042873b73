"""Terminal output for `quizzer grade`: a progress bar on a terminal only, and the run's summary on stderr."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from quizzer.cli.render import error_console

if TYPE_CHECKING:
    from quizzer.batch.job import GradeJob, GradeSummary

INTERRUPTED = 130


@contextmanager
def grading_progress(description: str = "grading",
                     enabled: bool = True) -> Iterator[Callable[[int, float], None] | None]:
    """Yields `progress(rows done, fraction done)`, drawing a bar with the rows, their rate and the time left on
    stderr when it is a terminal; None otherwise."""
    if not enabled or not error_console.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
        TextColumn("{task.fields[rows]:,} rows, {task.fields[rate]}"), TimeRemainingColumn(),
        console=error_console, transient=True,
    ) as bar:
        task = bar.add_task(description, total=1.0, rows=0, rate="- rows/s")
        start: dict[str, float] = {}

        def advance(rows: int, fraction: float) -> None:
            # The rate counts from the first chunk: the model's load and a resumed run's rows are not grading.
            now = bar.get_time()
            start.setdefault("rows", rows)
            start.setdefault("time", now)
            elapsed = now - start["time"]
            rate = f"{(rows - start['rows']) / elapsed:,.0f} rows/s" if elapsed > 0 else "- rows/s"
            bar.update(task, completed=fraction, rows=rows, rate=rate)

        yield advance


def report_summary(file: Path, job: GradeJob, summary: GradeSummary) -> int:
    """Names the rows that could not be graded, says how far an interrupted run got; returns the exit status."""

    def say(text: str) -> None:
        error_console.print(text, highlight=False, soft_wrap=True)

    for item in summary.listed:
        say(f"[yellow]could not grade[/] row {item.number} ({file}:{item.line}, id {item.id}): {item.reason}")
    if summary.ungradable > len(summary.listed):
        say(f"... and {summary.ungradable - len(summary.listed):,} more (their `reason` is in the output)")
    failed = summary.ungradable + summary.ungradable_before
    if failed:
        earlier = f" ({summary.ungradable_before:,} in the earlier run)" if summary.ungradable_before else ""
        say(f"{failed:,} of {summary.rows:,} rows could not be graded{earlier}")
    if summary.cut_short:
        say("the earlier output's last row was cut short; it was graded again")
    if summary.resumed:
        say(f"resumed after the {summary.resumed:,} rows already in {job.output}")
    if summary.grader_stats is not None:  # the LLM judge's calls, tokens, latency and cost
        say(summary.grader_stats.describe())
        graded = summary.rows - summary.resumed
        if graded:
            say(f"sent to the LLM judge: {summary.to_judge:,} of {graded:,} answers ({summary.to_judge / graded:.0%})")
    if summary.interrupted:
        where = job.output or job.output_folder or "standard output"
        line = f", up to line {summary.last_line} of {file}" if summary.last_line is not None else ""
        resume = "; continue with --resume" if job.output is not None else ""
        say(f"interrupted: {summary.rows:,} rows graded ({summary.fraction:.0%} of the input{line}); {where} holds "
            f"them, each whole{resume}")
        return INTERRUPTED
    return 1 if failed else 0
