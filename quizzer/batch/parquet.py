"""Parquet files of answers and of graded rows: the one module that imports pyarrow.

Reading streams record batches (never a whole row group as Python objects); writing buffers rows into row groups
of `ROW_GROUP_ROWS`. A Parquet file is readable only once its footer is written, so a graded file is written
under a temporary name and renamed when closed (`quizzer.batch.sinks`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from quizzer.core.errors import InputFileError

ROW_GROUP_ROWS = 16_384
READ_BATCH_ROWS = 4_096


def _pyarrow() -> tuple[Any, Any]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    return pa, pq


def _open(path: Path) -> Any:
    pa, pq = _pyarrow()
    try:
        return pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as error:
        raise InputFileError(f"{path}: not a readable Parquet file: {error}",
                             hint="a Parquet file that was still being written has no footer; write it again") from None


def parquet_answer_columns(path: Path) -> tuple[list[str], int]:
    """The column names and row count of a Parquet file, from its footer."""
    parquet = _open(path)
    return list(parquet.schema_arrow.names), parquet.metadata.num_rows


def iter_parquet_records(path: Path, skip: int = 0, rows: int | None = None,
                         columns: Sequence[str] | None = None) -> Iterator[dict[str, Any]]:
    """Rows `skip + 1` to `skip + rows` (None: to the end) as dicts, read a batch at a time."""
    parquet = _open(path)
    metadata = parquet.metadata
    first_group, before = 0, 0
    while first_group < metadata.num_row_groups and before + metadata.row_group(first_group).num_rows <= skip:
        before += metadata.row_group(first_group).num_rows
        first_group += 1
    groups = list(range(first_group, metadata.num_row_groups))
    if not groups:
        return
    left = rows
    to_drop = skip - before
    for batch in parquet.iter_batches(batch_size=READ_BATCH_ROWS, row_groups=groups, columns=columns):
        if to_drop >= batch.num_rows:
            to_drop -= batch.num_rows
            continue
        if to_drop:
            batch, to_drop = batch.slice(to_drop), 0
        if left is not None:
            batch = batch.slice(0, left)
            left -= batch.num_rows
        yield from batch.to_pylist()
        if left == 0:
            return


def graded_schema() -> Any:
    """The columns of a graded file, in the order of the CSV output; `evidence` is JSON text (its keys differ
    between graders)."""
    pa, _ = _pyarrow()
    return pa.schema([
        ("id", pa.string()), ("line", pa.int64()), ("verdict", pa.string()), ("probability", pa.float64()),
        ("score", pa.float64()), ("feedback", pa.string()), ("covered_key_points", pa.list_(pa.string())),
        ("missing_key_points", pa.list_(pa.string())), ("matched_reference", pa.int64()), ("reason", pa.string()),
        ("grader", pa.struct([("name", pa.string()), ("version", pa.string()), ("model", pa.string())])),
        ("decided_by", pa.string()), ("evidence", pa.string()),
    ])


def parquet_row(record: dict[str, Any]) -> dict[str, Any]:
    """A graded record (`GradedRow.to_record`) as a row of `graded_schema`."""
    from quizzer.core.jsonutil import json_default

    return {**record, "evidence": json.dumps(record["evidence"], ensure_ascii=False, default=json_default)}


class GradedParquetWriter:
    """Writes graded records to a Parquet file in row groups; `copy_from` first copies an earlier file's rows."""

    def __init__(self, path: Path, copy_from: Path | None = None, copy_rows: int | None = None) -> None:
        _, pq = _pyarrow()
        self.schema = graded_schema()
        self.writer = pq.ParquetWriter(path, self.schema)
        self.buffer: list[dict[str, Any]] = []
        if copy_from is not None:
            for record in iter_parquet_records(copy_from, 0, copy_rows):
                self.buffer.append(record)
                if len(self.buffer) >= ROW_GROUP_ROWS:
                    self.flush()

    def write(self, records: Sequence[dict[str, Any]]) -> None:
        self.buffer.extend(parquet_row(record) for record in records)
        if len(self.buffer) >= ROW_GROUP_ROWS:
            self.flush()

    def flush(self) -> None:
        pa, _ = _pyarrow()
        if self.buffer:
            self.writer.write_table(pa.Table.from_pylist(self.buffer, schema=self.schema))
            self.buffer = []

    def close(self) -> None:
        self.flush()
        self.writer.close()


def read_graded_keys(path: Path) -> Iterator[tuple[str, int, str, str]]:
    """(id, line, "grader version", verdict) of each row of a graded Parquet file."""
    for record in iter_parquet_records(path, columns=["id", "line", "grader", "verdict"]):
        grader = record.get("grader") or {}
        yield str(record["id"]), int(record["line"]), f"{grader.get('name')} {grader.get('version')}", record["verdict"]


def graded_table(records: Sequence[dict[str, Any]], rows: Sequence[int]) -> Any:
    """Graded records as a table of a dataset folder: `graded_schema` led by each row's number."""
    pa, _ = _pyarrow()
    schema = pa.schema([("row", pa.int64()), *graded_schema()])
    return pa.Table.from_pylist([{"row": row, **parquet_row(record)} for row, record in zip(rows, records, strict=True)],
                                schema=schema)


def dataset_ungradable(folder: str, verdict: str, limit: int) -> tuple[int, int, list[dict[str, Any]]]:
    """(rows, rows with `verdict`, the first `limit` of those by row number) of a dataset folder."""
    import pyarrow.compute as pc
    import pyarrow.dataset as ds

    dataset = ds.dataset(folder, format="parquet")
    matching = dataset.to_table(columns=["row", "id", "line", "reason"], filter=pc.field("verdict") == verdict)
    return dataset.count_rows(), matching.num_rows, matching.sort_by("row").slice(0, limit).to_pylist()
