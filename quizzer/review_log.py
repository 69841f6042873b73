"""Reading the review log back: one card's history, and the whole log exported as CSV or JSONL.

The export has one row per review with its final rating (the latest decision's, else the grade's), so it
feeds the FSRS optimizer directly (`card_id`, `review_time`, `rating`; drop rows with `cram` 1 or an empty
`rating`), and keeps the grade (verdict, probability, grader and version) and every decision beside it.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import IO, Any

from quizzer import scheduling
from quizzer.core.errors import QuizzerError
from quizzer.core.types import CardState, Rating, to_utc
from quizzer.storage.db import Connection
from quizzer.storage.export import ExportRecord, decks_of_card, export_records

EXPORT_FORMATS = ("csv", "jsonl")
EXPORT_FIELDS = tuple(field.name for field in fields(ExportRecord))
_INT_FIELDS = {"review_id", "rating", "graded_rating"}
_FLOAT_FIELDS = {"probability", "answer_seconds"}
_OPTIONAL_TEXT = {"decision_kind", "session_id"}


def check_format(export_format: str) -> None:
    if export_format not in EXPORT_FORMATS:
        raise QuizzerError(f"unknown export format {export_format!r}", hint=f"use one of {', '.join(EXPORT_FORMATS)}")


def write_records(records: Iterable[ExportRecord], stream: IO[str], export_format: str) -> int:
    """Writes records as CSV (decisions as a JSON column) or JSONL; returns how many."""
    count = 0
    if export_format == "jsonl":
        for record in records:
            stream.write(json.dumps(record.to_dict(), ensure_ascii=False) + "\n")
            count += 1
        return count
    check_format(export_format)
    writer = csv.DictWriter(stream, fieldnames=EXPORT_FIELDS, lineterminator="\n")
    writer.writeheader()
    for record in records:
        row = record.to_dict()
        row["cram"] = int(record.cram)
        row["decisions"] = json.dumps(row["decisions"], ensure_ascii=False)
        writer.writerow({key: "" if value is None else value for key, value in row.items()})
        count += 1
    return count


def read_records(stream: IO[str], export_format: str) -> list[ExportRecord]:
    """Reads an export back into records (the inverse of `write_records`)."""
    if export_format == "jsonl":
        return [ExportRecord.from_dict(json.loads(line)) for line in stream if line.strip()]
    records = []
    for row in csv.DictReader(stream):
        data: dict[str, Any] = dict(row)
        for key in _INT_FIELDS:
            data[key] = int(row[key]) if row[key] else None
        for key in _FLOAT_FIELDS:
            data[key] = float(row[key]) if row[key] else None
        for key in _OPTIONAL_TEXT:
            data[key] = row[key] or None
        data["cram"] = row["cram"] == "1"
        data["decisions"] = json.loads(row["decisions"])
        records.append(ExportRecord.from_dict(data))
    return records


@dataclass(frozen=True)
class HistoryEntry:
    """One review of a card, with the interval the schedule set after it (None: it left the schedule alone)."""

    record: ExportRecord
    due_after: datetime | None
    interval: timedelta | None


def card_history(connection: Connection, card_id: str, deck: str | None = None) -> tuple[str, list[HistoryEntry]]:
    """The deck and reviews of one card, replaying its schedule to show each interval that followed."""
    deck = deck or _deck_of(connection, card_id)
    entries = []
    state: CardState | None = None
    for record in export_records(connection, deck=deck, card_id=card_id):
        if record.cram or record.rating is None:
            entries.append(HistoryEntry(record, None, None))
            continue
        reviewed_at = to_utc(datetime.fromisoformat(record.review_time))
        state = scheduling.review(state, Rating(record.rating), reviewed_at)
        entries.append(HistoryEntry(record, state.due, state.due - reviewed_at))
    return deck, entries


def _deck_of(connection: Connection, card_id: str) -> str:
    decks = decks_of_card(connection, card_id)
    if not decks:
        raise QuizzerError(f"no card {card_id!r} in the review database", hint="check the id with `quizzer decks show`")
    if len(decks) > 1:
        raise QuizzerError(
            f"card {card_id!r} is in several decks: {', '.join(decks)}", hint="choose one with --deck"
        )
    return decks[0]
