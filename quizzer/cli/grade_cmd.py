"""`quizzer grade FILE`: grades a JSONL, CSV or Parquet file of answers offline, writing the output as it goes."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from quizzer.cli.engine_options import (
    AddressOption, BatchSizeOption, CpusOption, EngineOption, WorkersOption, engine_options,
)
from quizzer.cli.quiz_cmd import EscalateOption


def grade_command(
    file: Annotated[Path, typer.Argument(help="JSONL, CSV or Parquet of answers (deck + card_id, or question + reference).")],
    grader_name: Annotated[str | None, typer.Option("--grader", "-g", help="embedding, cosine, llm or hybrid.")] = None,
    output: Annotated[str | None, typer.Option("--output", "-o", help="Write here (.jsonl, .csv or .parquet) instead of "
                                               "stdout; with --engine ray, DIR/ writes a Parquet dataset.")] = None,
    output_format: Annotated[str | None, typer.Option("--format", help="jsonl, csv or parquet (default: from "
                                                      "--output's suffix).")] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Continue an interrupted --output: grade only the rows "
                                         "it does not hold yet.")] = False,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Ask the LLM afresh instead of using cached verdicts.")] = False,
    db: Annotated[str | None, typer.Option("--db", help="Database holding the LLM verdict cache.")] = None,
    escalate: EscalateOption = None,
    engine: EngineOption = "local",
    workers: WorkersOption = None,
    batch_size: BatchSizeOption = None,
    address: AddressOption = None,
    cpus_per_worker: CpusOption = None,
) -> None:
    """Grade every answer in FILE; rows that cannot be graded are kept with the reason. Exit 1 if any."""
    from quizzer.batch.job import GradeJob, grade_file
    from quizzer.cli.grade_render import grading_progress, report_summary
    from quizzer.core.config import load_config

    folder = output if output is not None and (output.endswith(("/", "\\")) or Path(output).is_dir()) else None
    job = GradeJob(
        input=file, output=Path(output) if output is not None and folder is None else None, output_folder=folder,
        output_format=output_format, grader=grader_name, db=db, resume=resume,
        engine=engine_options(engine, workers, batch_size, address, cpus_per_worker),
    )
    config = load_config().with_flags(llm__cache=False if no_cache else None, llm__escalate=escalate)
    with grading_progress() as progress:
        summary = grade_file(job, config, progress)
    raise typer.Exit(report_summary(file, job, summary))
