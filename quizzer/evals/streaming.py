"""`quizzer eval` on a file of any size: graded a chunk at a time by either engine, every result streamed into
the run's folder as it comes, and the figures computed from compact columns (`columns.MetricColumns`), so memory
holds a chunk and a few numbers per answer, never the results.

The run's record is the one `evaluate` builds in memory (`run.json`, with every result), written at the end by
streaming the results back in. Ctrl-C stops after the chunk being graded and writes the run of what was graded,
marked as interrupted.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from quizzer.batch.answer_file import open_answer_file
from quizzer.batch.answers import AnswerRow
from quizzer.batch.engine import EngineOptions, graded_chunks
from quizzer.core.errors import InputFileError
from quizzer.evals.columns import MetricColumns
from quizzer.evals.datasets import eval_item, file_sha256
from quizzer.evals.metrics import metrics_from_columns
from quizzer.evals.runner import ItemResult, fitted_on, grade_items, grader_stats

if TYPE_CHECKING:
    from quizzer.core.config import Config
    from quizzer.core.types import Grader

# Unusable rows named in the record one by one; beyond that they are counted.
MAX_UNUSABLE_LISTED = 1000


class EvalWork:
    """A chunk's work for `quizzer eval`: each row as a labelled answer, graded by every grader of the run.

    A row's record: whether it is usable, each grader's result, and each grader's seconds spent on its chunk
    shared among the chunk's rows (so a run's seconds per grader add up across workers)."""

    require_question = False

    def __init__(self, specs: Sequence[str], config: Config, label_field: str = "label") -> None:
        self.specs = list(specs)
        self.config = config
        self.label_field = label_field
        self._graders: list[Grader] | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_graders": None}

    @property
    def graders(self) -> list[Grader]:
        if self._graders is None:
            from quizzer.graders import build_grader

            self._graders = [build_grader(spec, self.config) for spec in self.specs]
        return self._graders

    def setup(self) -> None:
        self.graders  # noqa: B018 - builds them

    def __call__(self, rows: Sequence[AnswerRow]) -> list[dict[str, Any]]:
        items = [eval_item(row, self.label_field) for row in rows]
        results, seconds = [], []
        for spec, grader in zip(self.specs, self.graders, strict=True):
            started = time.perf_counter()
            results.append(grade_items(spec, grader, items))
            seconds.append((time.perf_counter() - started) / max(len(items), 1))
        return [
            {"usable": item.error is None, "results": [graded[index].to_dict() for graded in results],
             "seconds": seconds}
            for index, item in enumerate(items)
        ]


@dataclass
class _Tally:
    """The dataset's side of a run, counted as rows arrive."""

    rows: int = 0
    usable: int = 0
    has_partial: bool = False
    has_scores: bool = False
    unusable: list[dict[str, Any]] = field(default_factory=list)
    unusable_count: int = 0
    last_line: int | None = None

    def add(self, record: dict[str, Any]) -> None:
        first = record["results"][0]
        self.rows += 1
        self.last_line = first["line"]
        if record["usable"]:
            self.usable += 1
            self.has_partial = self.has_partial or first["gold_label"] == "partial"
            self.has_scores = self.has_scores or first["gold_score"] is not None
        else:
            self.unusable_count += 1
            if len(self.unusable) < MAX_UNUSABLE_LISTED:
                self.unusable.append({"line": first["line"], "id": first["id"], "error": first["reason"]})


@dataclass
class EvalRun:
    """A finished (or interrupted) eval of a file: its record without results, and the files written."""

    record: dict[str, Any]
    folder: Path
    paths: dict[str, Path]
    interrupted: bool = False


def evaluate_file(
    path: Path,
    specs: Sequence[str],
    config: Config,
    folder: Path,
    *,
    label_field: str = "label",
    limit: int | None = None,
    engine: EngineOptions | None = None,
    progress: Callable[[int, float], None] | None = None,
) -> EvalRun:
    """Grades the labelled answers in `path` with each grader and writes the run into `folder`."""
    from quizzer.evals.report import write_run

    engine = engine or EngineOptions(batch_size=64)
    answer_file = open_answer_file(path)
    work = EvalWork(specs, config, label_field)
    graders = work.graders  # on the driver: their settings and fitted files, for the record (no model loads)
    tally, columns = _Tally(), [MetricColumns() for _ in specs]
    seconds = [0.0 for _ in specs]
    created = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    result_paths = [folder / f".results-{index}.jsonl" for index in range(len(specs))]
    streams = [result_path.open("w", encoding="utf-8") for result_path in result_paths]
    interrupted = False
    chunks = graded_chunks(answer_file, work, engine, limit=limit)
    try:
        for chunk in chunks:
            for record in chunk.records:
                _add(record, tally, columns, seconds, streams)
            if progress is not None:
                progress(chunk.rows_done, chunk.fraction)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        chunks.close()
        for stream in streams:
            stream.close()
    try:
        if not tally.usable and not interrupted:
            first = tally.unusable[0] if tally.unusable else {"line": "?", "error": "no rows"}
            raise InputFileError(
                f"{path}: no row carries a usable answer and gold label (line {first['line']}: {first['error']})",
                hint="each row needs an answer, its references, and `label` (correct/partial/incorrect) or `score`",
            )
        record = _record(answer_file.path, label_field, tally, specs, graders, columns, seconds,
                         local=engine.name == "local", interrupted=interrupted)
        scores = {spec: (column.scores_by_label(), column.graded > column.missing_probability)
                  for spec, column in zip(specs, columns, strict=True)}
        paths = write_run(record, folder, result_files=result_paths, scores=scores)
    finally:
        for result_path in result_paths:
            result_path.unlink(missing_ok=True)
        if created and not any(folder.iterdir()):
            folder.rmdir()
    return EvalRun(record, folder, paths, interrupted)


def _add(record: dict[str, Any], tally: _Tally, columns: list[MetricColumns], seconds: list[float],
         streams: list[IO[str]]) -> None:
    tally.add(record)
    for index, result in enumerate(record["results"]):
        streams[index].write(json.dumps(result, ensure_ascii=False) + "\n")
        columns[index].add(ItemResult.from_dict(result))
        seconds[index] += record["seconds"][index]


def _record(path: Path, label_field: str, tally: _Tally, specs: Sequence[str], graders: Sequence[Grader],
            columns: Sequence[MetricColumns], seconds: Sequence[float], *, local: bool,
            interrupted: bool) -> dict[str, Any]:
    from quizzer.evals.report import record_header

    sha256 = file_sha256(path)
    dataset = {
        "path": str(path), "source": str(path), "sha256": sha256, "label_field": label_field, "rows": tally.rows,
        "usable": tally.usable, "three_way": tally.has_partial, "numeric_gold": tally.has_scores,
        "unusable": tally.unusable, "unusable_rows": tally.unusable_count,
    }
    if interrupted:
        dataset["interrupted"] = {"rows": tally.rows, "line": tally.last_line}
    entries = []
    for spec, grader, column, spent in zip(specs, graders, columns, seconds, strict=True):
        stats = grader_stats(grader) if local else None  # a Ray run's graders kept their counters on the workers
        entries.append({
            "spec": spec, "info": grader.info, "seconds": spent, "stats": stats,
            "in_sample": any(item.get("sha256") == sha256 for item in fitted_on(grader)),
            "metrics": metrics_from_columns(column, three_way=tally.has_partial, numeric_gold=tally.has_scores,
                                            stats=stats),
        })
    return record_header(dataset, entries)
