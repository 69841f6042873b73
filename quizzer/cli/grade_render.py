"""Terminal output for `quizzer grade`: a progress bar on a terminal only, and ungradable rows on stderr."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from quizzer.cli.render import error_console
from quizzer.core.types import Verdict

if TYPE_CHECKING:
    from quizzer.batch.output import GradedRow


@contextmanager
def progress_bar(total: int) -> Iterator[Callable[[int], None]]:
    """Yields `advance(n)`; draws a rich bar on stderr when it is a terminal, else nothing."""
    if not error_console.is_terminal:
        yield lambda _count: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        console=error_console, transient=True,
    ) as progress:
        task = progress.add_task("grading", total=total)
        yield lambda count: progress.advance(task, count)


def report_ungradable(file: Path, graded: Sequence[GradedRow]) -> int:
    """Names each row that could not be graded, with its row number and line; returns how many."""
    failed = [(number, item) for number, item in enumerate(graded, start=1) if item.grade.verdict is Verdict.UNGRADABLE]
    for number, item in failed:
        error_console.print(
            f"[yellow]could not grade[/] row {number} ({file}:{item.row.line}, id {item.row.id}): {item.grade.reason}",
            highlight=False, soft_wrap=True,
        )
    if failed:
        error_console.print(f"{len(failed)} of {len(graded)} rows could not be graded", highlight=False)
    return len(failed)
