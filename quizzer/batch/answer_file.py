"""Answer files (JSONL, CSV or Parquet) at the file level: whole-file checks, and rows split with their row and
line numbers, streaming, from any row boundary.

A file of any size is read in constant memory, and the Ray engine hands byte ranges of it (`Segment`s) to its
workers. Only a file that is unusable as a whole raises `InputFileError`, and `open_answer_file` finds that out
from the start of the file, before anything is graded; a row's own problem travels with its `RawRow`.
`answers.py` turns raw rows into `AnswerRow`s.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from quizzer.core.errors import InputFileError
from quizzer.core.text_input import clean_text

JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")
CSV_SUFFIXES = (".csv",)
PARQUET_SUFFIXES = (".parquet", ".pq")
# Bytes read to tell binary and UTF-16 files apart, and a file's kind when its suffix does not say.
HEAD_BYTES = 1 << 16
UTF8_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class RawRow:
    """A row as split from its file, before its fields are read: a JSONL line's text, or a CSV or Parquet row's
    fields, or the problem that kept it from being split."""

    number: int  # 1-based, among the file's rows (blank lines are not rows)
    line: int
    text: str | None = None
    record: dict[str, Any] | None = None
    problem: str | None = None
    end: int = 0  # byte offset where the row ends (Parquet: 0), to tell how far into the file a reader is


@dataclass(frozen=True)
class AnswerFile:
    """An answer file found usable as a whole: its kind and where its rows start."""

    path: Path
    kind: str  # "jsonl", "csv" or "parquet"
    size: int  # bytes
    start: int = 0  # byte offset of the first row (after a BOM, after CSV's header)
    start_line: int = 1
    columns: tuple[str, ...] = ()  # CSV's header
    rows: int | None = None  # known without reading for Parquet


@dataclass(frozen=True)
class Segment:
    """A run of consecutive rows: where it starts in the file and how many rows it holds (None: to the end)."""

    offset: int  # byte offset of its first row (Parquet: unused)
    line: int  # the line at that offset
    before: int  # rows before it in the file
    rows: int | None = None


def open_answer_file(path: str | Path) -> AnswerFile:
    """Checks that a file is usable as a whole (exists, is text or Parquet, of a known kind, has rows), reading no
    further into it than the first usable row."""
    path = Path(path)
    size = _file_size(path)
    if path.suffix.lower() in PARQUET_SUFFIXES:
        from quizzer.batch.parquet import parquet_answer_columns

        columns, rows = parquet_answer_columns(path)
        if "answer" not in columns:
            raise InputFileError(f"{path}: no `answer` column (columns: {', '.join(columns) or 'none'})",
                                 hint="the Parquet file must have an `answer` column")
        if not rows:
            raise InputFileError(f"{path}: no rows", hint="add one answer per row")
        return AnswerFile(path, "parquet", size, columns=tuple(columns), rows=rows)
    with _open(path) as handle:
        head = handle.read(HEAD_BYTES)
        if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head:
            raise InputFileError(f"{path}: not UTF-8 text (UTF-16 or binary)", hint="save the file as UTF-8")
        start = len(UTF8_BOM) if head.startswith(UTF8_BOM) else 0
        if _only_bad_bytes(handle, start):
            raise InputFileError(f"{path}: not UTF-8 text", hint="save the file as UTF-8")
        kind = _file_kind(path, head[start:].decode("utf-8", errors="surrogateescape"))
        if kind == "csv":
            answer_file = _csv_header(path, handle, size, start)
        else:
            answer_file = AnswerFile(path, "jsonl", size, start=start)
        _check_rows(answer_file, handle)
    return answer_file


def _file_size(path: Path) -> int:
    try:
        if path.is_dir():
            raise InputFileError(f"{path}: is a folder, not a file of answers")
        return path.stat().st_size
    except FileNotFoundError:
        raise InputFileError(f"{path}: no such file") from None
    except OSError as error:
        raise InputFileError(f"{path}: cannot read: {error.strerror}") from None


def _open(path: Path) -> IO[bytes]:
    try:
        return path.open("rb")
    except FileNotFoundError:
        raise InputFileError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputFileError(f"{path}: is a folder, not a file of answers") from None
    except OSError as error:
        raise InputFileError(f"{path}: cannot read: {error.strerror}") from None


def _only_bad_bytes(handle: IO[bytes], start: int) -> bool:
    """True when the file has lines and none of them is UTF-8: the whole file is in another encoding. Stops at the
    first good line, so one bad row in a good file is that row's problem."""
    handle.seek(start)
    seen = False
    for raw in handle:
        text = raw.decode("utf-8", errors="surrogateescape")
        if not text.strip():
            continue
        if not _has_bad_bytes(text):
            return False
        seen = True
    return seen


def _has_bad_bytes(text: str) -> bool:
    return any("\udc80" <= char <= "\udcff" for char in text)


def _file_kind(path: Path, head: str) -> str:
    suffix = path.suffix.lower()
    if suffix in JSONL_SUFFIXES:
        return "jsonl"
    if suffix in CSV_SUFFIXES:
        return "csv"
    first = head.lstrip()[:1]
    if first == "{":
        return "jsonl"
    header = head.lstrip().splitlines()[0] if head.strip() else ""
    if "answer" in [name.strip().lower() for name in header.split(",")]:
        return "csv"
    raise InputFileError(
        f"{path}: neither JSONL nor CSV with an `answer` column",
        hint="name the file .jsonl (one JSON object per line) or .csv (with a header row)",
    )


def _csv_header(path: Path, handle: IO[bytes], size: int, start: int) -> AnswerFile:
    handle.seek(start)
    lines = TextLines(handle, start)
    reader = csv.reader(lines)
    try:
        header = next(reader)
    except StopIteration:
        raise InputFileError(f"{path}: no rows", hint="add one answer per line (JSONL) or per CSV row") from None
    except csv.Error as error:
        raise InputFileError(f"{path}: not CSV: {error}") from None
    names = tuple(name.strip() for name in header)
    if _has_bad_bytes(",".join(names)):
        raise InputFileError(f"{path}: the header row is not UTF-8", hint="save the file as UTF-8")
    if "answer" not in names:
        raise InputFileError(
            f"{path}: no `answer` column (columns: {', '.join(names) or 'none'})",
            hint="the header row must name an `answer` column",
        )
    return AnswerFile(path, "csv", size, start=lines.offset, start_line=reader.line_num + 1, columns=names)


def _check_rows(answer_file: AnswerFile, handle: IO[bytes]) -> None:
    """Raises when the file has no rows, or (JSONL) when no line holds a JSON object; reads up to the first
    row that does."""
    first: RawRow | None = None
    for raw in _raw_rows(answer_file, handle, Segment(answer_file.start, answer_file.start_line, 0)):
        first = first or raw
        if answer_file.kind != "jsonl" or raw.text is None or jsonl_record(raw.text)[0] is not None:
            return
    path = answer_file.path
    if first is None:
        raise InputFileError(f"{path}: no rows", hint="add one answer per line (JSONL) or per CSV row")
    problem = first.problem or jsonl_record(first.text or "")[1]
    raise InputFileError(
        f"{path}: not JSONL: no line holds a JSON object (line {first.line}: {problem})",
        hint="write one JSON object per line",
    )


def iter_raw_rows(answer_file: AnswerFile, segment: Segment | None = None) -> Iterator[RawRow]:
    """The rows of a segment of the file (default: all of it), in file order, without reading their fields."""
    segment = segment or Segment(answer_file.start, answer_file.start_line, 0)
    if answer_file.kind == "parquet":
        yield from _parquet_rows(answer_file, segment)
        return
    with _open(answer_file.path) as handle:
        yield from _raw_rows(answer_file, handle, segment)


def _raw_rows(answer_file: AnswerFile, handle: IO[bytes], segment: Segment) -> Iterator[RawRow]:
    for raw, _end in _rows_with_ends(answer_file, handle, segment):
        yield raw


def split_segments(answer_file: AnswerFile, rows_per_segment: int, skip: int = 0,
                   limit: int | None = None) -> list[Segment]:
    """Cuts the rows after the first `skip` (and up to row `limit`) into segments of `rows_per_segment` rows, the
    last one shorter: one pass over the file that splits rows without reading their fields."""
    if answer_file.kind == "parquet":
        total = answer_file.rows or 0
        total = total if limit is None else min(limit, total)
        return [Segment(0, first + 1, first, min(rows_per_segment, total - first))
                for first in range(skip, total, rows_per_segment)]
    starts: list[tuple[int, int, int]] = []  # (offset, line, rows before)
    position, last = (answer_file.start, answer_file.start_line), 0
    with _open(answer_file.path) as handle:
        for raw, end in _rows_with_ends(answer_file, handle, Segment(*position, 0)):
            if limit is not None and raw.number > limit:
                break
            if raw.number > skip and (raw.number - 1 - skip) % rows_per_segment == 0:
                starts.append((*position, raw.number - 1))
            position, last = end, raw.number
    following = [before for _, _, before in starts[1:]] + [last]
    return [Segment(offset, line, before, rows=after - before)
            for (offset, line, before), after in zip(starts, following, strict=True)]


def segment_after(answer_file: AnswerFile, skip: int) -> Segment:
    """The rest of the file after its first `skip` rows (found by splitting them, without reading their fields)."""
    if skip == 0 or answer_file.kind == "parquet":
        return Segment(answer_file.start, answer_file.start_line + (skip if answer_file.kind == "parquet" else 0), skip)
    with _open(answer_file.path) as handle:
        for raw, end in _rows_with_ends(answer_file, handle, Segment(answer_file.start, answer_file.start_line, 0)):
            if raw.number == skip:
                return Segment(*end, skip)
    raise InputFileError(f"{answer_file.path}: fewer than {skip} rows")


def _rows_with_ends(
    answer_file: AnswerFile, handle: IO[bytes], segment: Segment
) -> Iterator[tuple[RawRow, tuple[int, int]]]:
    """Each row with the (byte offset, line) where the next one may start."""
    if answer_file.kind == "jsonl":
        return _jsonl_rows(handle, segment)
    return _csv_rows(answer_file.columns, handle, segment)


def _jsonl_rows(handle: IO[bytes], segment: Segment) -> Iterator[tuple[RawRow, tuple[int, int]]]:
    # Lines end at "\n" only (a CRLF's "\r" is stripped): a U+2028 inside a JSON string does not split its row.
    handle.seek(segment.offset)
    offset, line, number = segment.offset, segment.line, segment.before
    while segment.rows is None or number - segment.before < segment.rows:
        raw = handle.readline()
        if not raw:
            return
        offset, line = offset + len(raw), line + 1
        text = raw.decode("utf-8", errors="surrogateescape")
        if not text.strip():
            continue
        number += 1
        yield RawRow(number, line - 1, text=text.rstrip("\r\n"), end=offset), (offset, line)


class TextLines:
    """A binary file's lines as text for `csv.reader`, counting the bytes handed out (csv never reads ahead, so
    after each record the count is where the next record starts)."""

    def __init__(self, handle: IO[bytes], offset: int) -> None:
        self.handle = handle
        self.offset = offset
        self.ended = True  # whether the last line handed out ended with a newline

    def __iter__(self) -> TextLines:
        return self

    def __next__(self) -> str:
        raw = self.handle.readline()
        if not raw:
            raise StopIteration
        self.offset += len(raw)
        self.ended = raw.endswith(b"\n")
        return raw.decode("utf-8", errors="surrogateescape")


def _csv_rows(
    names: tuple[str, ...], handle: IO[bytes], segment: Segment
) -> Iterator[tuple[RawRow, tuple[int, int]]]:
    handle.seek(segment.offset)
    lines = TextLines(handle, segment.offset)
    reader = csv.reader(lines)
    number = segment.before
    while segment.rows is None or number - segment.before < segment.rows:
        start = segment.line + reader.line_num
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            number += 1
            yield (RawRow(number, start, problem=f"not valid CSV: {error}", end=lines.offset),
                   (lines.offset, segment.line + reader.line_num))
            continue
        end = (lines.offset, segment.line + reader.line_num)
        if not any(value.strip() for value in values):
            continue
        number += 1
        if len(values) > len(names):
            problem = f"{len(values)} values but the header names {len(names)} columns"
            yield RawRow(number, start, problem=problem, end=end[0]), end
        elif any(_has_bad_bytes(value) for value in values):
            yield RawRow(number, start, problem="bad encoding: the row is not UTF-8", end=end[0]), end
        else:
            # Empty CSV cells mean "not given", like an absent JSON field.
            record = {name: value for name, value in zip(names, values, strict=False)
                      if value != "" or name == "answer"}
            yield RawRow(number, start, record=record, end=end[0]), end


def _parquet_rows(answer_file: AnswerFile, segment: Segment) -> Iterator[RawRow]:
    from quizzer.batch.parquet import iter_parquet_records

    number = segment.before
    for record in iter_parquet_records(answer_file.path, segment.before, segment.rows):
        number += 1
        yield RawRow(number, number, record=record)


# ---- a row's fields, as far as splitting and --resume need them ----


def jsonl_record(text: str) -> tuple[dict[str, Any] | None, str | None]:
    """One JSONL line's fields, or its problem."""
    if _has_bad_bytes(text):
        return None, "bad encoding: the row is not UTF-8"
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        return None, f"not valid JSON: {error.msg} (column {error.colno})"
    except RecursionError:
        return None, "not valid JSON: nested too deeply"
    if not isinstance(value, dict):
        return None, f"expected a JSON object, found {type(value).__name__}"
    return value, None


def raw_row_id(raw: RawRow) -> str:
    """The id a row gets (its `id`, else its row number), without reading its other fields."""
    record = jsonl_record(raw.text)[0] if raw.text is not None else raw.record
    return row_id(record, raw.number)


def row_id(record: dict[str, Any] | None, number: int) -> str:
    """A row's `id`, else its row number."""
    given = record.get("id") if record is not None else None
    # Cleaned as `answers` cleans the whole record, so `--resume` matches the ids an output holds.
    return str(number) if given is None or str(given).strip() == "" else clean_text(str(given))
