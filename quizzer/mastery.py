"""Derived views of the review log: per-deck and per-tag mastery, retention, streak, hardest cards, overrides.

The figures are SQL aggregates in `quizzer.storage.mastery`, never Python loops over reviews; this module picks
the decks, evaluates the forgetting curve (vectorised with numpy over the scheduled cards) and assembles the report.

Cards in scope are those in the deck files (for a deck whose file is gone: the cards the database knows);
the reviews of a card since deleted from its file no longer count.

Definitions (all times UTC; `now` is a parameter so results are reproducible):

- final rating of a review: its latest `review_decisions` row's rating if any, else its own rating (the
  `review_outcomes` view); a review without one (an uncertain grade nobody settled, a skip) counts nowhere.
- new: in the deck file, no FSRS state (never reviewed outside cram); learning: FSRS Learning or Relearning.
- due today: due before the next UTC midnight (overdue included); due this week: before the UTC midnight
  seven days on (so it includes today's).
- mastery: mean retrievability R = (1 + factor * t / S) ** decay over the studied cards, with the scheduler's
  decay and factor and t the whole days since the last review (as fsrs computes it).
- retention: share of the last 30 days' non-cram reviews whose final rating was not Again; retention history:
  the same, day by day over the last 30 UTC days (today included).
- streak: consecutive UTC days with at least one review (cram included), ending today, or yesterday when
  there has been no review yet today (the day is not lost until it ends).
- forecast: studied cards due on each of the next 14 UTC days; day 0 includes every overdue card.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from quizzer import scheduling
from quizzer.core.types import to_utc
from quizzer.deck.model import Deck
from quizzer.storage.db import Connection
from quizzer.storage.mastery import (
    DayRetention,
    GraderOverrides,
    GroupStats,
    HardCard,
    MasteryQuery,
    decks_in_database,
)

RETENTION_DAYS = 30
FORECAST_DAYS = 14
HARDEST_LIMIT = 10


@dataclass(frozen=True)
class ForecastDay:
    day: date
    due: int


@dataclass(frozen=True)
class MasteryReport:
    now: datetime
    decks: list[GroupStats]
    tags: list[GroupStats]
    total: GroupStats
    streak_days: int
    reviewed_today: bool
    hardest: list[HardCard]
    overrides: list[GraderOverrides]
    forecast: list[ForecastDay]
    decks_without_file: list[str] = field(default_factory=list)
    retention_history: list[DayRetention] = field(default_factory=list)  # RETENTION_DAYS days, oldest first

    @property
    def empty(self) -> bool:
        """True when nothing has been reviewed in scope (there may still be new cards)."""
        return self.total.reviews == 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: dates as ISO strings, rates as floats or null."""
        return {
            "now": self.now.isoformat(),
            "empty": self.empty,
            "streak": {"days": self.streak_days, "reviewed_today": self.reviewed_today, "timezone": "UTC"},
            "total": asdict(self.total),
            "decks": [asdict(group) for group in self.decks],
            "tags": [asdict(group) for group in self.tags],
            "hardest": [asdict(card) for card in self.hardest],
            "overrides": [{**asdict(row), "override_rate": row.override_rate} for row in self.overrides],
            "forecast": [{"day": day.day.isoformat(), "due": day.due} for day in self.forecast],
            "decks_without_file": self.decks_without_file,
            "retention_history": [{"day": day.day.isoformat(), "reviews": day.reviews, "kept": day.kept,
                                   "retention": day.retention} for day in self.retention_history],
        }


def select_decks(
    connection: Connection, names: Sequence[str] = (), configured: Sequence[str] = ()
) -> tuple[list[Deck], list[str]]:
    """The decks to report on: those named (names or paths), else the database's decks and the configured ones.

    Returns the decks whose file was found, and the names of database decks whose file was not (reported
    from what the database recorded). A named deck that is neither a file nor in the database is an error.
    """
    from quizzer.core.errors import QuizzerError
    from quizzer.deck.catalog import distinct_decks, expand_folders, load

    in_database = decks_in_database(connection)
    wanted: list[str | Path] = list(names) if names else [*in_database, *expand_folders(configured)]
    found: dict[str, Deck] = {}
    without_file: list[str] = []
    for name in wanted:
        try:
            deck = load(name)
        except QuizzerError:
            if name not in in_database:
                raise
            without_file.append(str(name))
            continue
        if names:  # two named files of one name: an error naming both, as in the quiz
            distinct_decks([*found.values(), deck])
        found.setdefault(deck.name, deck)
    return list(found.values()), [name for name in without_file if name not in found]


def mastery_report(
    connection: Connection,
    now: datetime,
    decks: Sequence[Deck] = (),
    names_without_file: Sequence[str] = (),
) -> MasteryReport:
    """Stats over `decks` (their files say which cards exist) and decks known only by name in the database.

    Runs in one read transaction (a savepoint), so a quiz writing meanwhile cannot make the figures disagree.
    """
    now = to_utc(now)
    today = now.date()
    midnight = datetime(today.year, today.month, today.day, tzinfo=UTC)
    orphan_names = sorted(set(names_without_file) - {deck.name for deck in decks})
    times = {
        "now": _julian(now),
        "since": _julian(now - timedelta(days=RETENTION_DAYS)),
        "today": _julian(midnight),
        "tomorrow": _julian(midnight + timedelta(days=1)),
        "week_end": _julian(midnight + timedelta(days=7)),
    }
    first_day = today - timedelta(days=RETENTION_DAYS - 1)
    with MasteryQuery.open(connection, decks, orphan_names) as query:
        query.set_retrievability(_retrievability(query, now))
        query.count_reviews(times)
        groups = {key: query.group_stats(key, times) for key in ("deck", "tag", "total")}
        streak, reviewed_today = _streak(query.review_days(times["now"]), today)
        due = query.due_per_day(times["today"], FORECAST_DAYS)
        by_day = {row.day: row for row in query.retention_by_day(times["today"] - RETENTION_DAYS + 1, times["now"])}
        return MasteryReport(
            now=now,
            decks=groups["deck"],
            tags=groups["tag"],
            total=groups["total"][0] if groups["total"] else _empty_group("all"),
            streak_days=streak,
            reviewed_today=reviewed_today,
            hardest=_with_deck_questions(query.hardest(HARDEST_LIMIT), {deck.name: deck for deck in decks}),
            overrides=query.overrides(),
            forecast=[ForecastDay(today + timedelta(days=offset), due.get(offset, 0))
                      for offset in range(FORECAST_DAYS)],
            decks_without_file=orphan_names,
            retention_history=[by_day.get(day, DayRetention(day, 0, 0))
                               for day in (first_day + timedelta(days=offset) for offset in range(RETENTION_DAYS))],
        )


def _julian(moment: datetime) -> float:
    # SQLite's julianday() of the same instant, so bounds compare exactly with julianday(column).
    return moment.timestamp() / 86400.0 + 2440587.5


def _retrievability(query: MasteryQuery, now: datetime) -> list[tuple[int, float]]:
    """Each studied card's retrievability at `now`, vectorised over all of them."""
    cards = query.studied_cards()
    if not cards:
        return []
    stability = np.array([card.stability for card in cards], dtype=float)  # None becomes NaN
    last_review = np.array([card.last_review for card in cards], dtype=float)
    decay, factor = scheduling.forgetting_curve()
    # fsrs counts whole elapsed days (timedelta.days), never negative; the epsilon absorbs julianday rounding.
    elapsed_days = np.maximum(0.0, np.floor(_julian(now) - last_review + 1e-9))
    with np.errstate(invalid="ignore", divide="ignore"):
        retrievability = (1.0 + factor * elapsed_days / stability) ** decay
    # Like fsrs: no stability or no last review (NULL, here NaN) means nothing is remembered yet.
    retrievability = np.where(np.isfinite(retrievability), retrievability, 0.0)
    return list(zip([card.key for card in cards], retrievability.tolist(), strict=True))


def _empty_group(name: str) -> GroupStats:
    return GroupStats(name, 0, 0, 0, 0, 0, 0, None, 0, 0, None)


def _streak(days: set[date], today: date) -> tuple[int, bool]:
    """Consecutive UTC review days ending today (or yesterday, while today has none yet)."""
    reviewed_today = today in days
    day = today if reviewed_today else today - timedelta(days=1)
    streak = 0
    while day in days:
        streak += 1
        day -= timedelta(days=1)
    return streak, reviewed_today


def _with_deck_questions(hardest: list[HardCard], decks: dict[str, Deck]) -> list[HardCard]:
    """The hardest cards with each question as its deck file says now (the database's when the file is gone)."""
    shown = []
    for card in hardest:
        current = decks[card.deck].card(card.card_id) if card.deck in decks else None
        shown.append(replace(card, question=current.question) if current is not None else card)
    return shown
