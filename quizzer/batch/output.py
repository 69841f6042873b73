"""Grading a file of answers and writing one output row per input row (`quizzer grade`)."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from quizzer.batch.answers import AnswerRow
from quizzer.core.errors import InputFileError
from quizzer.core.types import Grade, Grader, ungradable

FORMATS = ("jsonl", "csv")
CSV_COLUMNS = (
    "id", "line", "verdict", "probability", "score", "feedback", "covered_key_points", "missing_key_points",
    "matched_reference", "reason", "grader", "decided_by", "evidence",
)
# Answers graded per call: the model sorts them by length inside a call, so bigger chunks pad less;
# small enough for a progress bar that moves.
BATCH = 256


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


def grade_rows(
    rows: Sequence[AnswerRow], grader: Grader, progress: Callable[[int], None] | None = None
) -> list[GradedRow]:
    """Grades every usable row in batches; the others get "could not grade" with their reason. Input order."""
    grades: dict[int, Grade] = {}
    usable = [index for index, row in enumerate(rows) if row.submission is not None and row.error is None]
    for index, row in enumerate(rows):
        if index not in usable:
            grades[index] = ungradable(grader.info, row.error or "no submission")
    if progress and len(grades):
        progress(len(grades))
    for start in range(0, len(usable), BATCH):
        chunk = usable[start : start + BATCH]
        submissions = [rows[index].submission for index in chunk]
        for index, grade in zip(chunk, grader.grade_batch(submissions)):  # type: ignore[arg-type]
            grades[index] = grade
        if progress:
            progress(len(chunk))
    return [GradedRow(row, grades[index]) for index, row in enumerate(rows)]


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
        raise InputFileError(
            f"{path}: cannot tell the output format from the suffix {path.suffix or '(none)'!r}",
            hint="name the file .jsonl or .csv, or pass --format",
        )
    return "jsonl"


def write_graded(graded: Sequence[GradedRow], stream: TextIO, kind: str) -> None:
    records = [item.to_record() for item in graded]
    if kind == "jsonl":
        for record in records:
            stream.write(json.dumps(record, ensure_ascii=False) + "\n")
        return
    writer = csv.DictWriter(stream, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for record in records:
        writer.writerow({
            **record,
            "covered_key_points": " | ".join(record["covered_key_points"]),
            "missing_key_points": " | ".join(record["missing_key_points"]),
            "grader": f"{record['grader']['name']} {record['grader']['version']}",
            "evidence": json.dumps(record["evidence"], ensure_ascii=False),
        })
