"""Graded rows: grading a chunk of an answer file, and a graded row as a record in each output format."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from quizzer.batch.answers import AnswerRow
from quizzer.core.errors import InputFileError, QuizzerError
from quizzer.core.types import Grade, Grader, ungradable

FORMATS = ("jsonl", "csv", "parquet")
CSV_COLUMNS = (
    "id", "line", "verdict", "probability", "score", "feedback", "covered_key_points", "missing_key_points",
    "matched_reference", "reason", "grader", "decided_by", "evidence",
)
# Rows graded per call: the model sorts a call's answers by length, so bigger chunks pad less; small enough for a
# progress bar that moves, and for an interruption to lose little.
BATCH = 256
UNGRADABLE = "could not grade"


@dataclass(frozen=True)
class GradedRow:
    row: AnswerRow
    grade: Grade

    def to_record(self) -> dict[str, Any]:
        grade = self.grade
        return {
            "id": self.row.id,
            "line": self.row.line,
            "verdict": grade.verdict.value,
            "probability": grade.probability,
            "score": grade.score,
            "feedback": grade.feedback,
            "covered_key_points": grade.covered_key_points,
            "missing_key_points": grade.missing_key_points,
            "matched_reference": grade.matched_reference,
            "reason": grade.reason,
            "grader": {"name": grade.grader.name, "version": grade.grader.version, "model": grade.grader.model},
            # Which grader settled it: "llm", or e.g. "embedding (llm failed: HTTP 500)" when a fallback stood in.
            "decided_by": grade.decided_by or grade.grader.name,
            "evidence": grade.evidence,
        }


def grade_chunk(rows: Sequence[AnswerRow], grader: Grader) -> list[GradedRow]:
    """Grades a chunk's usable rows in one call; the others get "could not grade" with their reason. Input order.

    The chunk is the unit both engines grade, so the same chunks give bit-identical grades in either."""
    usable = [row for row in rows if row.submission is not None and row.error is None]
    grades = grader.grade_batch([row.submission for row in usable]) if usable else []  # type: ignore[misc]
    if len(grades) != len(usable):
        raise QuizzerError(f"grader {grader.info.name!r} returned {len(grades)} grades for {len(usable)} answers")
    by_row = {id(row): grade for row, grade in zip(usable, grades, strict=True)}
    return [
        GradedRow(row, by_row[id(row)] if id(row) in by_row else ungradable(grader.info, row.error or "no submission"))
        for row in rows
    ]


def grader_label(grader: dict[str, Any] | Any) -> str:
    """"name version" of a grader, as the CSV output's `grader` column writes it (to match outputs to runs)."""
    if isinstance(grader, dict):
        return f"{grader.get('name')} {grader.get('version')}"
    return f"{grader.name} {grader.version}"


def output_format(path: Path | None, given: str | None) -> str:
    """The output format: `--format`, else the output file's suffix, else JSONL."""
    if given:
        if given.lower() not in FORMATS:
            raise InputFileError(f"unknown output format {given!r}", hint=f"choose one of: {', '.join(FORMATS)}")
        return given.lower()
    if path is not None:
        suffix = path.suffix.lower().lstrip(".")
        if suffix in FORMATS:
            return suffix
        if suffix == "pq":
            return "parquet"
        raise InputFileError(
            f"{path}: cannot tell the output format from the suffix {path.suffix or '(none)'!r}",
            hint="name the file .jsonl, .csv or .parquet, or pass --format",
        )
    return "jsonl"


def jsonl_text(records: Sequence[dict[str, Any]]) -> str:
    return "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records)


def csv_header() -> str:
    return ",".join(CSV_COLUMNS) + "\n"


def csv_text(records: Sequence[dict[str, Any]]) -> str:
    stream = io.StringIO()
    writer = csv.DictWriter(stream, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    for record in records:
        writer.writerow({
            **record,
            "covered_key_points": " | ".join(record["covered_key_points"]),
            "missing_key_points": " | ".join(record["missing_key_points"]),
            "grader": grader_label(record["grader"]),
            "evidence": json.dumps(record["evidence"], ensure_ascii=False),
        })
    return stream.getvalue()


def encoded(text: str) -> bytes:
    """UTF-8; a lone surrogate left in an answer is written as its escape instead of failing the write."""
    return text.encode("utf-8", errors="backslashreplace")
