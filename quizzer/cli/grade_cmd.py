"""`quizzer grade FILE`: grades a CSV or JSONL file of answers offline."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def grade_command(
    file: Annotated[Path, typer.Argument(help="CSV or JSONL of answers (deck + card_id, or question + reference).")],
    grader_name: Annotated[str | None, typer.Option("--grader", "-g", help="embedding, cosine, llm or hybrid.")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here (.jsonl or .csv) instead of stdout.")] = None,
    output_format: Annotated[str | None, typer.Option("--format", help="jsonl or csv (default: from --output's suffix).")] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Ask the LLM afresh instead of using cached verdicts.")] = False,
    db: Annotated[str | None, typer.Option("--db", help="Database holding the LLM verdict cache.")] = None,
) -> None:
    """Grade every answer in FILE; rows that cannot be graded are kept with the reason. Exit 1 if any."""
    import sys

    from quizzer.batch.answers import read_answer_rows
    from quizzer.batch.output import grade_rows, output_format as choose_format, write_graded
    from quizzer.cli.grade_render import progress_bar, report_ungradable
    from quizzer.cli.render import error_console
    from quizzer.core.config import load_config
    from quizzer.core.errors import InputFileError
    from quizzer.graders import build_grader

    kind = choose_format(output, output_format)
    if output is not None:
        _check_output(output)
    rows = read_answer_rows(file)
    grader = build_grader(grader_name, load_config().with_flags(llm__cache=False if no_cache else None), db)
    with progress_bar(len(rows)) as advance:
        graded = grade_rows(rows, grader, advance)
    if output is None:
        write_graded(graded, sys.stdout, kind)
    else:
        try:
            with output.open("w", encoding="utf-8", newline="") as stream:
                write_graded(graded, stream, kind)
        except OSError as error:
            raise InputFileError(f"cannot write {output}: {error.strerror}", hint="choose another --output") from None
    failed = report_ungradable(file, graded)
    usage = getattr(grader, "stats", None)
    if usage is not None:  # the LLM judge's calls, tokens, latency and cost
        error_console.print(usage.describe(), highlight=False)
    raise typer.Exit(1 if failed else 0)


def _check_output(output: Path) -> None:
    """Fails before grading (minutes with an LLM) when the output file could not be written."""
    from quizzer.core.errors import InputFileError

    if output.is_dir():
        raise InputFileError(f"{output}: is a folder", hint="give --output a file name ending .jsonl or .csv")
    if not output.parent.is_dir():
        raise InputFileError(f"cannot write {output}: the folder {output.parent} does not exist",
                             hint="create the folder first, or choose another --output")
