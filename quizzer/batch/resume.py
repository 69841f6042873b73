"""Continuing an interrupted output (`quizzer grade --resume`): what it holds, checked row by row against the input.

The output's rows must be the input's first rows, with the same ids and lines, graded by the same grader and
version; anything else is refused, since appending would mix two runs. A last row cut short (the process was
killed in the middle of a write) is dropped and graded again.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from quizzer.batch.answer_file import AnswerFile, TextLines, iter_raw_rows, raw_row_id
from quizzer.batch.output import CSV_COLUMNS, UNGRADABLE, grader_label
from quizzer.core.errors import OutputFileError, QuizzerError

START_AFRESH = "grade without --resume to start afresh, or choose another --output"


@dataclass(frozen=True)
class Resumed:
    """What an earlier output holds: its whole rows, and (JSONL, CSV) the bytes they take."""

    rows: int
    whole_bytes: int | None
    cut_short: bool = False  # a last row cut short was dropped
    ungradable: int = 0  # of its rows, those that could not be graded


@dataclass
class _Reading:
    whole_bytes: int = 0
    cut_short: bool = False


def check_resume(output: Path, kind: str, answer_file: AnswerFile, grader: str) -> Resumed:
    """The rows of `output` (graded by `grader`, "name version") that continue `answer_file`; refuses an output
    that holds anything else. An output that does not exist yet resumes from row 0."""
    if not output.exists():
        return Resumed(0, None)
    reading = _Reading()
    keys = _output_keys(output, kind, reading)
    rows = iter_raw_rows(answer_file)
    count = ungradable = 0
    for row_id, line, label, verdict in keys:
        raw = next(rows, None)
        if raw is None:
            raise OutputFileError(f"{output} holds more rows than {answer_file.path} ({count:,})", hint=START_AFRESH)
        count += 1
        expected = raw_row_id(raw)
        if (row_id, line) != (expected, raw.line):
            raise OutputFileError(
                f"{output} does not continue {answer_file.path}: its row {count:,} is id {row_id!r} at line {line}, "
                f"the input's row {count:,} is id {expected!r} at line {raw.line}", hint=START_AFRESH)
        if label != grader:
            raise OutputFileError(f"{output} was graded by {label}, this run grades with {grader}",
                                  hint="pass the --grader of the earlier run, or " + START_AFRESH)
        ungradable += verdict == UNGRADABLE
    return Resumed(count, None if kind == "parquet" else reading.whole_bytes, reading.cut_short, ungradable)


def _output_keys(output: Path, kind: str, reading: _Reading) -> Iterator[tuple[str, int, str, str]]:
    """(id, line, grader, verdict) of each whole row of an output."""
    try:
        if kind == "parquet":
            from quizzer.batch.parquet import read_graded_keys

            yield from read_graded_keys(output)
        elif kind == "csv":
            yield from _csv_keys(output, reading)
        else:
            yield from _jsonl_keys(output, reading)
    except OutputFileError:
        raise
    except QuizzerError as error:  # the Parquet file is unreadable (no footer: killed while writing)
        raise OutputFileError(f"cannot continue {output}: {error.message}", hint=START_AFRESH) from None
    except OSError as error:
        raise OutputFileError(f"cannot read {output}: {error.strerror}", hint=START_AFRESH) from None


def _not_graded(output: Path, where: str) -> OutputFileError:
    return OutputFileError(f"cannot continue {output}: {where} is not a row written by `quizzer grade`",
                           hint=START_AFRESH)


def _jsonl_keys(output: Path, reading: _Reading) -> Iterator[tuple[str, int, str, str]]:
    with output.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.endswith(b"\n"):
                reading.cut_short = True
                return
            try:
                record = json.loads(raw)
                key = (str(record["id"]), int(record["line"]), grader_label(record["grader"]), record["verdict"])
            except (ValueError, KeyError, TypeError):
                raise _not_graded(output, f"line {number}") from None
            reading.whole_bytes += len(raw)
            yield key


def _csv_keys(output: Path, reading: _Reading) -> Iterator[tuple[str, int, str, str]]:
    with output.open("rb") as handle:
        lines = TextLines(handle, 0)
        reader = csv.reader(lines, strict=True)
        try:
            header = next(reader, None)
        except csv.Error:
            header = []
        if header is None:  # empty: created, then stopped before the first row
            return
        if tuple(header) != CSV_COLUMNS or not lines.ended:
            raise _not_graded(output, "the header row")
        reading.whole_bytes = lines.offset
        while True:
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error:
                if handle.read(1) == b"":  # at the end: a row cut short inside a quoted field
                    reading.cut_short = True
                    return
                raise _not_graded(output, f"line {reader.line_num}") from None
            if not lines.ended:
                reading.cut_short = True
                return
            if len(values) != len(CSV_COLUMNS):
                raise _not_graded(output, f"line {reader.line_num}")
            record = dict(zip(CSV_COLUMNS, values, strict=True))
            try:
                key = (record["id"], int(record["line"]), record["grader"], record["verdict"])
            except ValueError:
                raise _not_graded(output, f"line {reader.line_num}") from None
            reading.whole_bytes = lines.offset
            yield key
