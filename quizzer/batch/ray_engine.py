"""The Ray engine (`--engine ray`): grading on the workers of a Ray cluster with Ray Data. The one module that
imports ray (`pip install 'quizzer[ray]'`).

- Input splitting: the driver cuts the file into segments of whole chunks (`answer_file.split_segments`, one pass that
  splits rows without reading their fields), and Ray Data reads the segments in parallel tasks. Ray's own
  `read_json`/`read_csv` stop at the first malformed row and know no line numbers; here each row keeps its
  number and line, so a malformed row anywhere is "could not grade" with its line, as in the local engine.
- Grading: `map_batches` over a callable class, so each worker loads the graders (the model and its caches) once,
  and grades one chunk of `batch_size` rows per batch, the local engine's chunks: the grades are bit-identical.
- Output: with `preserve_order`, the driver writes each batch's records to the one output file as they arrive;
  for `--output DIR/` the workers write a Parquet dataset themselves (each row with its `row` number).
- Failures: Ray Data restarts a worker that dies and retries its batch (its actor pool's default); a batch's
  records reach the output once, when the batch completes, so nothing is lost or written twice.
- Quiet: no progress bars, no dashboard, worker logs kept off the driver's terminal, Ray's loggers at ERROR.
"""

from __future__ import annotations

import io
import json
import logging
import math
import os
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from quizzer.batch.answer_file import AnswerFile, RawRow, Segment, iter_raw_rows, split_segments
from quizzer.batch.answers import RowParser
from quizzer.batch.engine import Chunk, ChunkWork, EngineOptions
from quizzer.core.errors import QuizzerError
from quizzer.core.jsonutil import json_default

# Chunks per read task: big enough that a task's start-up is small against its reading, small enough to spread.
SEGMENT_CHUNKS = 8
QUIET_LOGGERS = ("ray", "ray.data", "ray.serve", "ray.train", "ray.tune")


def _ray() -> Any:
    try:
        import ray
    except ImportError:
        raise QuizzerError("--engine ray needs Ray", hint="pip install 'quizzer[ray]'") from None
    return ray


def ray_chunks(answer_file: AnswerFile, work: ChunkWork, options: EngineOptions, *, skip: int = 0,
               limit: int | None = None) -> Iterator[Chunk]:
    """Each chunk's records from the Ray workers, in input order, as the chunks complete."""
    chunks = split_segments(answer_file, options.batch_size, skip, limit)
    if not chunks:
        return
    total = chunks[-1].before + (chunks[-1].rows or 0)
    with RaySession(options) as session:
        dataset = session.graded(answer_file, work, chunks, skip)
        for batch in _surfaced(dataset.iter_batches(batch_size=None, batch_format="numpy")):
            records = [json.loads(text) for text in batch["record"]]
            done = int(batch["number"][-1])
            yield Chunk(records, done, done / max(total, 1))


def ray_write_dataset(answer_file: AnswerFile, work: ChunkWork, options: EngineOptions, folder: str) -> int:
    """Grades the file on the workers, which write a Parquet dataset into `folder`; returns the rows written."""
    options.check()
    chunks = split_segments(answer_file, options.batch_size)
    with RaySession(options) as session:
        dataset = session.graded(answer_file, work, chunks, 0).map_batches(
            _parquet_rows, batch_size=None, batch_format="numpy")
        try:
            dataset.write_parquet(folder)
        except Exception as error:  # noqa: BLE001 - a worker's QuizzerError surfaces as itself
            raise _unwrapped(error) from None
    return chunks[-1].before + (chunks[-1].rows or 0) if chunks else 0


@dataclass
class RaySession:
    """Ray for one run: the cluster at `--address` (or RAY_ADDRESS), else a local Ray started and stopped here."""

    options: EngineOptions
    ray: Any = None
    started_here: bool = False
    cpus: float = 1.0
    workers: int = 1
    _loggers: dict[str, int] = field(default_factory=dict)
    _warnings: Any = None
    _stdout: Any = None
    _discard: Any = None

    def __enter__(self) -> RaySession:
        self.ray = _ray()
        import ray.data  # configures its loggers on import: quietened after it

        for name in QUIET_LOGGERS:
            self._loggers[name] = logging.getLogger(name).level
            logging.getLogger(name).setLevel(logging.ERROR)
        self._warnings = warnings.catch_warnings()
        self._warnings.__enter__()
        warnings.filterwarnings("ignore", module=r"ray(\.|$)")
        # Ray's driver prints the raylet's messages ("task failed, will be retried") on sys.stdout, where the graded
        # rows may go: they go nowhere instead (Ray keeps them in its log files). The rows' sink holds stdout's
        # file already, so it still writes there.
        self._stdout, self._discard = sys.stdout, _Discard()
        sys.stdout = self._discard
        try:
            if not self.ray.is_initialized():
                self._start()
            context = self.ray.data.DataContext.get_current()
            context.execution_options.preserve_order = True
            context.enable_progress_bars = False
            context.enable_operator_progress_bars = False
            context.print_on_execution_start = False
            context.verbose_stats_logs = False
            self.workers, self.cpus = self._plan()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _start(self) -> None:
        address = self.options.address or os.environ.get("RAY_ADDRESS")
        quiet = {"log_to_driver": False, "logging_level": logging.ERROR, "configure_logging": True}
        # The core workers' own log lines (C++) go to Ray's log files, and the terminal stays for quizzer's output.
        os.environ.setdefault("RAY_BACKEND_LOG_LEVEL", "fatal")
        with _stderr_to_file() as captured:
            try:
                if address:
                    self.ray.init(address=address, **quiet)
                else:
                    wanted = (self.options.workers or 1) * (self.options.cpus_per_worker or 1)
                    local_cpus = max(os.cpu_count() or 1, math.ceil(wanted))
                    self.ray.init(num_cpus=local_cpus, include_dashboard=False, **quiet)
            except (ConnectionError, RuntimeError, ValueError) as error:
                said = captured.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-3:]
                raise QuizzerError(
                    f"cannot start or reach Ray{f' at {address}' if address else ''}: {error}"
                    + "".join(f"\n  {line}" for line in said),
                    hint="check --address (or RAY_ADDRESS), or leave it out to start a local Ray") from None
        self.started_here = True

    def _plan(self) -> tuple[int, float]:
        """(workers, CPUs per worker): by default one worker per CPU on a cluster, and a local Ray's CPUs shared
        among the workers asked for (each uses as many torch threads as it reserves CPUs)."""
        cluster_cpus = float(self.ray.cluster_resources().get("CPU", 1))
        workers = self.options.workers
        cpus = self.options.cpus_per_worker
        if cpus is None:
            cpus = max(1.0, float(int(cluster_cpus // workers))) if workers and not self._remote() else 1.0
        if workers is None:
            workers = max(1, int(cluster_cpus // cpus))
        if workers * cpus > cluster_cpus:
            # Ray would wait for the missing CPUs for ever (or until an autoscaler brings them).
            raise QuizzerError(f"{workers} workers of {cpus:g} CPUs need {workers * cpus:g} CPUs; the cluster has "
                               f"{cluster_cpus:g}", hint="lower --workers or --cpus-per-worker, or add nodes")
        return workers, cpus

    def _remote(self) -> bool:
        return bool(self.options.address or os.environ.get("RAY_ADDRESS"))

    def graded(self, answer_file: AnswerFile, work: ChunkWork, chunks: list[Segment], skip: int) -> Any:
        """The dataset of graded records: the chunks read in segments by Ray tasks, and graded by the workers."""
        # A few segments per worker, so that each is busy and none waits for the slowest at the end.
        per_segment = max(1, min(SEGMENT_CHUNKS, math.ceil(len(chunks) / (4 * self.workers))))
        segments = [_joined(chunks[first : first + per_segment]) for first in range(0, len(chunks), per_segment)]
        items = [{"offset": s.offset, "line": s.line, "before": s.before, "rows": s.rows} for s in segments]
        dataset = self.ray.data.from_items(items, override_num_blocks=max(1, len(items)))
        # Reading takes no CPU of its own: the workers hold every CPU, and a read that waited for one would wait
        # for ever (Ray may also fuse it into the workers).
        dataset = dataset.map_batches(_read_segments, batch_size=1, batch_format="numpy", num_cpus=0,
                                      fn_kwargs={"answer_file": answer_file})
        return dataset.map_batches(
            _GradeChunks, batch_size=self.options.batch_size, batch_format="numpy",
            compute=self.ray.data.ActorPoolStrategy(size=self.workers), num_cpus=self.cpus, fn_constructor_kwargs={"work": work, "answer_file": answer_file,
                                                       "batch_size": self.options.batch_size, "skip": skip},
        )

    def __exit__(self, *_exc: object) -> None:
        if self.started_here:
            self.ray.shutdown()
        if sys.stdout is self._discard:  # unless someone (a test runner's capture) has swapped it since
            sys.stdout = self._stdout
        for name, level in self._loggers.items():
            logging.getLogger(name).setLevel(level)
        self._warnings.__exit__(None, None, None)


class _Discard(io.TextIOBase):
    """A text stream that keeps nothing."""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        return len(text)


@contextmanager
def _stderr_to_file() -> Iterator[Path]:
    """Sends what is written to file descriptor 2 (Ray's start-up lines, from C++) to a file while the block runs."""
    import tempfile

    handle, name = tempfile.mkstemp(prefix="quizzer-ray-", suffix=".log")
    sys.stderr.flush()
    saved = os.dup(2)
    os.dup2(handle, 2)
    try:
        yield Path(name)
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(handle)
        Path(name).unlink(missing_ok=True)


def _joined(chunks: list[Segment]) -> Segment:
    first = chunks[0]
    return Segment(first.offset, first.line, first.before, sum(chunk.rows or 0 for chunk in chunks))


def _read_segments(batch: dict[str, np.ndarray], answer_file: AnswerFile) -> dict[str, np.ndarray]:
    """A Ray task's read: the rows of its segments, each as its number and its raw row (as JSON text)."""
    numbers, raws = [], []
    for offset, line, before, rows in zip(batch["offset"], batch["line"], batch["before"], batch["rows"],
                                          strict=True):
        for raw in iter_raw_rows(answer_file, Segment(int(offset), int(line), int(before), int(rows))):
            numbers.append(raw.number)
            raws.append(json.dumps([raw.line, raw.text, raw.record, raw.problem], ensure_ascii=False,
                                   default=json_default))
    return {"number": np.array(numbers, dtype=np.int64), "raw": np.array(raws, dtype=object)}


class _GradeChunks:
    """A Ray worker: loads the graders once, then grades a chunk per batch."""

    def __init__(self, work: ChunkWork, answer_file: AnswerFile, batch_size: int, skip: int) -> None:
        for name in QUIET_LOGGERS:
            logging.getLogger(name).setLevel(logging.ERROR)
        self.work = work
        self.work.setup()
        self.parse = RowParser(answer_file, work.require_question)
        self.batch_size = batch_size
        self.skip = skip

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        raws = []
        for number, text in zip(batch["number"], batch["raw"], strict=True):
            line, row_text, record, problem = json.loads(text)
            raws.append(RawRow(int(number), line, row_text, record, problem))
        records: list[dict[str, Any]] = []
        # Normally a batch is one chunk; should Ray ever cut one differently, each chunk is still graded apart.
        for group in _chunks(raws, self.batch_size, self.skip):
            records.extend(self.work([self.parse(raw) for raw in group]))
        texts = [json.dumps(record, ensure_ascii=False, default=json_default) for record in records]
        return {"number": batch["number"], "record": np.array(texts, dtype=object)}


def _chunks(raws: list[RawRow], batch_size: int, skip: int) -> list[list[RawRow]]:
    groups: list[list[RawRow]] = []
    for raw in raws:
        key = (raw.number - 1 - skip) // batch_size
        if groups and (groups[-1][0].number - 1 - skip) // batch_size == key:
            groups[-1].append(raw)
        else:
            groups.append([raw])
    return groups


def _parquet_rows(batch: dict[str, np.ndarray]) -> Any:
    from quizzer.batch.parquet import graded_table

    records = [json.loads(text) for text in batch["record"]]
    return graded_table(records, rows=[int(number) for number in batch["number"]])


def _surfaced(batches: Iterator[Any]) -> Iterator[Any]:
    """Ray's batches, with a worker's QuizzerError (a model that cannot load...) raised as itself."""
    try:
        yield from batches
    except Exception as error:  # noqa: BLE001
        raise _unwrapped(error) from None


def _unwrapped(error: Exception) -> Exception:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, QuizzerError):
            return current
        cause = getattr(current, "cause", None)
        current = cause if isinstance(cause, BaseException) else (current.__cause__ or current.__context__)
    return error
