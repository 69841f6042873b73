"""`quizzer grade` as a library call: a file of answers graded a chunk at a time, each chunk written as it is done.

The order of the checks is the user's time: the input is checked as a whole and the output opened (or, with
`resume`, read back and matched to the input) before the grader is built, so a mistake costs no model load and no
grading. Ctrl-C stops after the chunk being graded, leaves the output valid, and the summary says how far it got.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from quizzer.batch.answer_file import open_answer_file
from quizzer.batch.answers import AnswerRow
from quizzer.batch.engine import Chunk, EngineOptions, graded_chunks
from quizzer.batch.output import UNGRADABLE, grade_chunk, grader_label, output_format
from quizzer.batch.resume import Resumed, check_resume
from quizzer.batch.sinks import Sink, open_sink
from quizzer.core.errors import OutputFileError

if TYPE_CHECKING:
    from quizzer.core.config import Config
    from quizzer.core.types import Grader

# Rows that could not be graded named one by one in the summary; the rest are counted (all are in the output).
MAX_LISTED = 50
# Called after each chunk with (rows of the input done, fraction of the input done).
Progress = Callable[[int, float], None]


@dataclass(frozen=True)
class GradeJob:
    input: Path
    output: Path | None = None  # None: standard output
    output_folder: str | None = None  # a Parquet dataset folder written by the Ray workers (a path or URI)
    output_format: str | None = None  # None: from the output's suffix
    grader: str | None = None
    db: str | None = None  # the LLM verdict cache's database
    resume: bool = False
    engine: EngineOptions = field(default_factory=EngineOptions)


@dataclass(frozen=True)
class Ungradable:
    number: int
    line: int
    id: str
    reason: str


@dataclass
class GradeSummary:
    rows: int = 0  # rows the output holds
    resumed: int = 0  # of them, from an earlier run
    ungradable: int = 0  # rows of this run that could not be graded
    listed: list[Ungradable] = field(default_factory=list)  # the first MAX_LISTED of them
    ungradable_before: int = 0  # rows of an earlier run (resumed) that could not be graded
    interrupted: bool = False
    fraction: float = 0.0  # of the input done
    last_line: int | None = None  # the line of the last row written
    cut_short: bool = False  # resuming dropped a last row cut short
    grader_stats: Any = None  # the LLM judge's usage, when the grader keeps one (local engine)
    to_judge: int = 0  # rows of this run that the LLM judge decided

    def add(self, chunk: Chunk) -> None:
        for offset, record in enumerate(chunk.records):
            if record.get("decided_by") == "llm":
                self.to_judge += 1
            if record["verdict"] == UNGRADABLE:
                self.ungradable += 1
                if len(self.listed) < MAX_LISTED:
                    number = chunk.rows_done - len(chunk.records) + offset + 1
                    self.listed.append(Ungradable(number, record["line"], record["id"], record["reason"] or ""))
        self.rows = chunk.rows_done
        self.fraction = chunk.fraction
        if chunk.records:
            self.last_line = chunk.records[-1]["line"]


class GradeWork:
    """A chunk's work for `quizzer grade`: the output records of its rows. The grader is built on first use in each
    process (a Ray worker gets this object without it)."""

    require_question = True

    def __init__(self, grader: str | None, config: Config, db: str | None = None) -> None:
        self.grader_name = grader
        self.config = config
        self.db = db
        self._grader: Grader | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_grader": None}

    @property
    def grader(self) -> Grader:
        if self._grader is None:
            from quizzer.graders import build_grader

            self._grader = build_grader(self.grader_name, self.config, self.db)
        return self._grader

    def setup(self) -> None:
        self.grader  # noqa: B018 - builds it

    def __call__(self, rows: Sequence[AnswerRow]) -> list[dict[str, Any]]:
        return [graded.to_record() for graded in grade_chunk(rows, self.grader)]


def grade_file(job: GradeJob, config: Config, progress: Progress | None = None) -> GradeSummary:
    """Grades `job.input` into its output; returns what was done (`interrupted` after Ctrl-C)."""
    job.engine.check()
    if job.output_folder is not None:
        return _grade_into_folder(job, config)
    kind = output_format(job.output, job.output_format)
    answer_file = open_answer_file(job.input)
    work = GradeWork(job.grader, config, job.db)
    resumed = Resumed(0, None)
    if job.resume:
        if job.output is None:
            raise OutputFileError("--resume continues an output file", hint="pass the --output of the earlier run")
        resumed = check_resume(job.output, kind, answer_file, grader_label(work.grader.info))
    sink = open_sink(job.output, kind, resume_rows=resumed.rows, resume_bytes=resumed.whole_bytes)
    summary = GradeSummary(rows=resumed.rows, resumed=resumed.rows, cut_short=resumed.cut_short,
                           ungradable_before=resumed.ungradable)
    chunks = graded_chunks(answer_file, work, job.engine, skip=resumed.rows)
    _write_chunks(chunks, sink, summary, progress)
    if job.engine.name == "local":
        summary.grader_stats = getattr(work.grader, "stats", None)
    return summary


def _write_chunks(chunks: Any, sink: Sink, summary: GradeSummary, progress: Progress | None) -> None:
    try:
        for chunk in chunks:
            sink.write(chunk.records)
            summary.add(chunk)
            if progress is not None:
                progress(chunk.rows_done, chunk.fraction)
    except KeyboardInterrupt:
        summary.interrupted = True
    except OutputFileError:
        sink.abandon()  # the sink has cut the output back to its whole rows
        raise
    except BaseException:
        # Keep what this run wrote; with nothing written, leave an earlier file as it was.
        if sink.rows > summary.resumed:
            sink.close()
        else:
            sink.abandon()
        raise
    finally:
        chunks.close()
    sink.close()


def _grade_into_folder(job: GradeJob, config: Config) -> GradeSummary:
    from quizzer.batch.parquet import dataset_ungradable
    from quizzer.batch.ray_engine import ray_write_dataset

    if job.engine.name != "ray" or output_format(None, job.output_format or "parquet") != "parquet" or job.resume:
        raise OutputFileError(f"{job.output_folder}: is a folder; a folder output is a Parquet dataset written by "
                              "the Ray workers",
                              hint="add --engine ray (without --resume or --format), or give --output a file name")
    answer_file = open_answer_file(job.input)
    ray_write_dataset(answer_file, GradeWork(job.grader, config, job.db), job.engine, job.output_folder)
    rows, failed, first = dataset_ungradable(job.output_folder, UNGRADABLE, MAX_LISTED)
    listed = [Ungradable(item["row"], item["line"], item["id"], item["reason"] or "") for item in first]
    return GradeSummary(rows=rows, ungradable=failed, listed=listed, fraction=1.0)
