"""Retention day by day: how many scheduled reviews each UTC day had, and how many were not Again.

The progress page charts it; `quizzer stats` reports the 30-day total (`quizzer.mastery`), counted the same
way: non-cram reviews with a final rating (the latest decision's, else the grade's).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from quizzer.scheduling import to_utc


@dataclass(frozen=True)
class DayOutcomes:
    day: date
    reviews: int  # non-cram reviews with a final rating
    kept: int  # of those, rated Hard, Good or Easy

    @property
    def retention(self) -> float | None:
        return self.kept / self.reviews if self.reviews else None


def daily_outcomes(
    connection: sqlite3.Connection, decks: Sequence[str], since: datetime, until: datetime
) -> list[DayOutcomes]:
    """Days (UTC) from `since` to `until` that had reviews in these decks, oldest first."""
    if not decks:
        return []
    marks = ", ".join("?" for _ in decks)
    rows = connection.execute(
        f"""SELECT date(reviewed_at) AS day, count(*), coalesce(sum(final_rating > 1), 0)
            FROM review_outcomes
            WHERE cram = 0 AND final_rating IS NOT NULL AND deck IN ({marks})
              AND julianday(reviewed_at) >= julianday(?) AND julianday(reviewed_at) <= julianday(?)
            GROUP BY day ORDER BY day""",
        (*decks, to_utc(since).isoformat(), to_utc(until).isoformat()),
    )
    return [DayOutcomes(date.fromisoformat(row[0]), int(row[1]), int(row[2])) for row in rows]
