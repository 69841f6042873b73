"""Engines: grade an answer file a chunk at a time and hand back each chunk's records, in input order.

What is done with each chunk is a `ChunkWork` (grading for `quizzer grade`, graders against gold labels for
`quizzer eval`); the engine decides where it runs. `local` runs it in this process, reading the file as it goes;
`ray` (`quizzer.batch.ray_engine`) runs it on the workers of a Ray cluster. Both cut the rows into the same
chunks of `batch_size` rows, counted from the first row graded, and a chunk is the grader's unit of work, so
the two give bit-identical grades.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from quizzer.batch.answer_file import AnswerFile, RawRow, iter_raw_rows, segment_after
from quizzer.batch.answers import AnswerRow, RowParser
from quizzer.batch.output import BATCH
from quizzer.core.errors import QuizzerError

ENGINES = ("local", "ray")


class ChunkWork(Protocol):
    """One chunk's work: built on the driver, then copied to each worker, where `setup` loads its graders once."""

    require_question: bool

    def setup(self) -> None: ...

    def __call__(self, rows: Sequence[AnswerRow]) -> list[dict[str, Any]]:
        """One JSON-ready record per row, in order."""
        ...


@dataclass(frozen=True)
class EngineOptions:
    name: str = "local"
    batch_size: int = BATCH
    workers: int | None = None  # Ray: grading workers (default: one per CPU of the cluster)
    address: str | None = None  # Ray: an existing cluster (default: RAY_ADDRESS, else a local Ray for the run)
    cpus_per_worker: float | None = None  # Ray: CPUs each worker reserves (and its torch threads)

    def check(self) -> None:
        if self.name not in ENGINES:
            raise QuizzerError(f"unknown engine {self.name!r}", hint=f"choose one of: {', '.join(ENGINES)}")
        if self.batch_size < 1:
            raise QuizzerError("--batch-size must be at least 1")
        if self.name == "local" and (self.workers is not None or self.address or self.cpus_per_worker):
            raise QuizzerError("--workers, --address and --cpus-per-worker are options of --engine ray",
                               hint="add --engine ray, or leave them out")
        if self.workers is not None and self.workers < 1:
            raise QuizzerError("--workers must be at least 1")


@dataclass(frozen=True)
class Chunk:
    """A chunk's records, and how far into the input the run is after it."""

    records: list[dict[str, Any]]
    rows_done: int  # rows of the input behind this chunk (an earlier run's included)
    fraction: float  # of the input (0 to 1)


def graded_chunks(answer_file: AnswerFile, work: ChunkWork, options: EngineOptions, *, skip: int = 0,
                  limit: int | None = None) -> Iterator[Chunk]:
    """Each chunk's records, in input order, after the first `skip` rows and up to row `limit`."""
    options.check()
    if options.name == "ray":
        from quizzer.batch.ray_engine import ray_chunks

        return ray_chunks(answer_file, work, options, skip=skip, limit=limit)
    return local_chunks(answer_file, work, options.batch_size, skip=skip, limit=limit)


def local_chunks(answer_file: AnswerFile, work: ChunkWork, batch_size: int, *, skip: int = 0,
                 limit: int | None = None) -> Iterator[Chunk]:
    """The local engine: reads a chunk, grades it here, hands it back; memory holds one chunk."""
    work.setup()
    parse = RowParser(answer_file, work.require_question)

    def graded(raws: list[RawRow]) -> Chunk:
        return Chunk(work([parse(raw) for raw in raws]), raws[-1].number, _fraction(answer_file, raws[-1], limit))

    chunk: list[RawRow] = []
    for raw in iter_raw_rows(answer_file, segment_after(answer_file, skip)):
        if limit is not None and raw.number > limit:
            break
        chunk.append(raw)
        if len(chunk) == batch_size:
            yield graded(chunk)
            chunk = []
    if chunk:
        yield graded(chunk)


def _fraction(answer_file: AnswerFile, last: RawRow, limit: int | None) -> float:
    if limit is not None:
        return min(1.0, last.number / limit)
    if answer_file.kind == "parquet":
        return last.number / max(answer_file.rows or 1, 1)
    return last.end / max(answer_file.size, 1)
