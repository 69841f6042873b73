"""Reading the review log back: one card's history, and the whole log exported as CSV or JSONL.

The export has one row per review with its final rating (the latest decision's, else the grade's), so it
feeds the FSRS optimizer directly (`card_id`, `review_time`, `rating`; drop rows with `cram` 1 or an empty
`rating`), and keeps the grade (verdict, probability, grader and version) and every decision beside it.
"""

from __future__ import annotations

import csv
import json
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, fields
from datetime import datetime, timedelta
from typing import IO, Any

from quizzer import scheduling
from quizzer.core.errors import QuizzerError

EXPORT_FORMATS = ("csv", "jsonl")


@dataclass(frozen=True)
class Decision:
    kind: str
    verdict: str
    rating: int | None
    decided_at: str


@dataclass(frozen=True)
class ExportRecord:
    """One review as exported; times are the stored UTC ISO-8601 text."""

    review_id: int
    deck: str
    card_id: str
    review_time: str
    rating: int | None
    cram: bool
    kind: str
    verdict: str
    probability: float | None
    grader: str
    grader_version: str
    graded_rating: int | None
    final_verdict: str
    decision_kind: str | None
    answer_seconds: float | None
    session_id: str | None
    card_hash: str
    answer: str
    decisions: tuple[Decision, ...]

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "decisions": [asdict(decision) for decision in self.decisions]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ExportRecord:
        return cls(**{**data, "decisions": tuple(Decision(**decision) for decision in data["decisions"])})


EXPORT_FIELDS = tuple(field.name for field in fields(ExportRecord))
_INT_FIELDS = {"review_id", "rating", "graded_rating"}
_FLOAT_FIELDS = {"probability", "answer_seconds"}
_OPTIONAL_TEXT = {"decision_kind", "session_id"}

_EXPORT_QUERY = """
    SELECT o.id, o.deck, o.card_id, o.reviewed_at, o.final_rating, o.cram, o.kind, o.verdict, o.probability,
           o.grader, o.grader_version, o.rating, o.final_verdict, o.decision_kind, o.answer_seconds,
           o.session_id, o.card_hash, o.answer, d.decisions
    FROM review_outcomes o
    LEFT JOIN (SELECT review_id, json_group_array(json_object('kind', kind, 'verdict', verdict, 'rating', rating,
                                                              'decided_at', decided_at)) AS decisions
               FROM (SELECT * FROM review_decisions ORDER BY id) GROUP BY review_id) d ON d.review_id = o.id
"""


def export_records(
    connection: sqlite3.Connection, deck: str | None = None, card_id: str | None = None
) -> Iterator[ExportRecord]:
    """The review log in time order (streamed), optionally one deck's or one card's."""
    conditions, parameters = [], []
    for column, value in (("o.deck", deck), ("o.card_id", card_id)):
        if value is not None:
            conditions.append(f"{column} = ?")
            parameters.append(value)
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    for row in connection.execute(_EXPORT_QUERY + where + " ORDER BY o.reviewed_at, o.id", parameters):
        *columns, decisions = tuple(row)
        columns[5] = bool(columns[5])
        yield ExportRecord(*columns, tuple(Decision(**item) for item in json.loads(decisions or "[]")))


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


def card_history(connection: sqlite3.Connection, card_id: str, deck: str | None = None) -> tuple[str, list[HistoryEntry]]:
    """The deck and reviews of one card, replaying its schedule to show each interval that followed."""
    deck = deck or _deck_of(connection, card_id)
    entries = []
    state: scheduling.CardState | None = None
    for record in export_records(connection, deck=deck, card_id=card_id):
        if record.cram or record.rating is None:
            entries.append(HistoryEntry(record, None, None))
            continue
        reviewed_at = scheduling.to_utc(datetime.fromisoformat(record.review_time))
        state = scheduling.review(state, scheduling.Rating(record.rating), reviewed_at)
        entries.append(HistoryEntry(record, state.due, state.due - reviewed_at))
    return deck, entries


def _deck_of(connection: sqlite3.Connection, card_id: str) -> str:
    decks = [
        row[0]
        for row in connection.execute(
            "SELECT deck FROM reviews WHERE card_id = ? UNION SELECT deck FROM cards WHERE card_id = ? ORDER BY 1",
            (card_id, card_id),
        )
    ]
    if not decks:
        raise QuizzerError(f"no card {card_id!r} in the review database", hint="check the id with `quizzer decks show`")
    if len(decks) > 1:
        raise QuizzerError(
            f"card {card_id!r} is in several decks: {', '.join(decks)}", hint="choose one with --deck"
        )
    return decks[0]
