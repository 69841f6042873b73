"""Derived views of the review log: per-deck and per-tag mastery, retention, streak, hardest cards, overrides.

Everything is computed by SQL aggregates over `review_outcomes` (reviews with their final rating) and
`card_states`, joined to small temporary tables naming the cards in scope, never by Python loops over
reviews: one pass counts the reviews per card and grader, and every figure is summed from that. Only the
forgetting curve is evaluated in Python, vectorised with numpy over the scheduled cards.

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
- retention: share of the last 30 days' non-cram reviews whose final rating was not Again.
- streak: consecutive UTC days with at least one review (cram included), ending today, or yesterday when
  there has been no review yet today (the day is not lost until it ends).
- forecast: studied cards due on each of the next 14 UTC days; day 0 includes every overdue card.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from quizzer import scheduling
from quizzer.deck.model import Deck

RETENTION_DAYS = 30
FORECAST_DAYS = 14
HARDEST_LIMIT = 10

_IN_SCOPE = "deck IN (SELECT deck FROM temp.mastery_decks)"
# Grouping keys over the cards in scope (`s`): one row per deck, per tag, or one for everything.
_GROUPINGS = {
    "deck": ("s.deck", ""),
    "tag": ("t.tag", "JOIN temp.mastery_tags t ON t.card_key = s.card_key"),
    "total": ("'all'", ""),
}

# Per connection: the decks, cards and card tags in scope, each studied card's retrievability, and the
# reviews counted per card and grader.
_SCOPE_TABLES = (
    "CREATE TEMP TABLE IF NOT EXISTS mastery_decks (deck TEXT PRIMARY KEY, has_file INTEGER NOT NULL)",
    """CREATE TEMP TABLE IF NOT EXISTS mastery_cards (card_key INTEGER PRIMARY KEY, deck TEXT NOT NULL,
                                                     card_id TEXT NOT NULL, UNIQUE (deck, card_id))""",
    "CREATE TEMP TABLE IF NOT EXISTS mastery_tags (card_key INTEGER, tag TEXT, PRIMARY KEY (card_key, tag))",
    "CREATE TEMP TABLE IF NOT EXISTS mastery_r (card_key INTEGER PRIMARY KEY, r REAL)",
    """CREATE TEMP TABLE IF NOT EXISTS mastery_review_counts (card_key INTEGER, grader TEXT, reviews INTEGER,
           counted INTEGER, kept INTEGER, graded INTEGER, overridden INTEGER, marked_right INTEGER,
           marked_wrong INTEGER, settled INTEGER)""",
)
_SCOPE_TABLE_NAMES = ("mastery_decks", "mastery_cards", "mastery_tags", "mastery_r", "mastery_review_counts")


@dataclass(frozen=True)
class GroupStats:
    """Card counts, mastery and retention of one deck, one tag, or everything in scope."""

    name: str
    cards: int
    new: int
    learning: int
    due_today: int
    due_week: int
    studied: int
    mastery: float | None
    reviews: int
    reviews_30d: int
    retention_30d: float | None


@dataclass(frozen=True)
class HardCard:
    deck: str
    card_id: str
    question: str
    lapses: int
    reps: int
    retrievability: float
    due: str


@dataclass(frozen=True)
class GraderOverrides:
    """How often the learner overruled one grader (reveals are not graded, so not counted)."""

    grader: str
    graded: int
    overridden: int
    marked_right: int
    marked_wrong: int
    settled_uncertain: int

    @property
    def override_rate(self) -> float | None:
        return self.overridden / self.graded if self.graded else None


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
        }


def decks_in_database(connection: sqlite3.Connection) -> list[str]:
    """Names of the decks that have reviews or scheduled cards."""
    rows = connection.execute("SELECT deck FROM reviews UNION SELECT deck FROM card_states ORDER BY deck")
    return [row[0] for row in rows]


def select_decks(
    connection: sqlite3.Connection, names: Sequence[str] = (), configured: Sequence[str] = ()
) -> tuple[list[Deck], list[str]]:
    """The decks to report on: those named (names or paths), else the database's decks and the configured ones.

    Returns the decks whose file was found, and the names of database decks whose file was not (reported
    from what the database recorded). A named deck that is neither a file nor in the database is an error.
    """
    from quizzer.core.errors import QuizzerError
    from quizzer.deck.catalog import load

    in_database = decks_in_database(connection)
    wanted = list(names) if names else [*in_database, *_expand_directories(configured)]
    found: dict[str, Deck] = {}
    without_file: list[str] = []
    for name in wanted:
        try:
            deck = load(name)
        except QuizzerError:
            if name not in in_database:
                raise
            without_file.append(name)
            continue
        found.setdefault(deck.name, deck)
    return list(found.values()), [name for name in without_file if name not in found]


def _expand_directories(entries: Sequence[str]) -> list[str]:
    """Config `decks` entries, with a directory standing for the deck files in it."""
    from quizzer.deck.loader import DECK_SUFFIXES

    expanded = []
    for entry in entries:
        path = Path(entry).expanduser()
        if path.is_dir():
            expanded.extend(str(file) for file in sorted(path.iterdir()) if file.suffix.lower() in DECK_SUFFIXES)
        else:
            expanded.append(entry)
    return expanded


def mastery_report(
    connection: sqlite3.Connection,
    now: datetime,
    decks: Sequence[Deck] = (),
    names_without_file: Sequence[str] = (),
) -> MasteryReport:
    """Stats over `decks` (their files say which cards exist) and decks known only by name in the database.

    Runs in one read transaction (a savepoint), so a quiz writing meanwhile cannot make the figures disagree.
    """
    now = scheduling.to_utc(now)
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
    connection.execute("SAVEPOINT mastery_report")
    try:
        _fill_scope(connection, decks, orphan_names)
        _fill_retrievability(connection, now)
        _fill_review_counts(connection, times)
        groups = {key: _group_stats(connection, key, times) for key in _GROUPINGS}
        streak, reviewed_today = _streak(connection, today, times["now"])
        return MasteryReport(
            now=now,
            decks=groups["deck"],
            tags=groups["tag"],
            total=groups["total"][0] if groups["total"] else _empty_group("all"),
            streak_days=streak,
            reviewed_today=reviewed_today,
            hardest=_hardest(connection, {deck.name: deck for deck in decks}),
            overrides=_overrides(connection),
            forecast=_forecast(connection, today, times["today"]),
            decks_without_file=orphan_names,
        )
    finally:
        connection.execute("RELEASE mastery_report")


def _julian(moment: datetime) -> float:
    # SQLite's julianday() of the same instant, so bounds compare exactly with julianday(column).
    return moment.timestamp() / 86400.0 + 2440587.5


def _fill_scope(connection: sqlite3.Connection, decks: Sequence[Deck], orphan_names: Sequence[str]) -> None:
    """Temporary tables of the decks, cards and card tags in scope (per connection; the database is untouched)."""
    for statement in _SCOPE_TABLES:
        connection.execute(statement)
    for table in _SCOPE_TABLE_NAMES:
        connection.execute(f"DELETE FROM temp.{table}")
    connection.executemany(
        "INSERT OR IGNORE INTO temp.mastery_decks VALUES (?, ?)",
        [(deck.name, 1) for deck in decks] + [(name, 0) for name in orphan_names],
    )
    connection.executemany(
        "INSERT OR IGNORE INTO temp.mastery_cards (deck, card_id) VALUES (?, ?)",
        [(deck.name, card.id) for deck in decks for card in deck.cards],
    )
    # A deck without its file: the cards the database knows.
    connection.execute(
        """INSERT OR IGNORE INTO temp.mastery_cards (deck, card_id)
           SELECT deck, card_id FROM card_states WHERE deck IN (SELECT deck FROM temp.mastery_decks WHERE has_file = 0)
           UNION SELECT deck, card_id FROM cards WHERE deck IN (SELECT deck FROM temp.mastery_decks WHERE has_file = 0)"""
    )
    keys = {(deck, card_id): key for key, deck, card_id in connection.execute("SELECT * FROM temp.mastery_cards")}
    connection.executemany(
        "INSERT OR IGNORE INTO temp.mastery_tags VALUES (?, ?)",
        [(keys[deck.name, card.id], tag) for deck in decks for card in deck.cards for tag in card.tags],
    )
    # ... and the tags recorded for its cards when they were last seen.
    connection.execute(
        """INSERT OR IGNORE INTO temp.mastery_tags
           SELECT s.card_key, j.value FROM cards c
           JOIN temp.mastery_cards s ON s.deck = c.deck AND s.card_id = c.card_id, json_each(c.tags) j
           WHERE c.deck IN (SELECT deck FROM temp.mastery_decks WHERE has_file = 0) AND json_valid(c.tags)"""
    )


def _fill_retrievability(connection: sqlite3.Connection, now: datetime) -> None:
    """Each studied card's retrievability at `now`, vectorised over all of them."""
    rows = connection.execute(
        """SELECT s.card_key, cs.stability, julianday(cs.last_review)
           FROM card_states cs JOIN temp.mastery_cards s ON s.deck = cs.deck AND s.card_id = cs.card_id"""
    ).fetchall()
    if not rows:
        return
    keys = [row[0] for row in rows]
    stability = np.array([row[1] for row in rows], dtype=float)  # None becomes NaN
    last_review = np.array([row[2] for row in rows], dtype=float)
    decay, factor = scheduling.forgetting_curve()
    # fsrs counts whole elapsed days (timedelta.days), never negative; the epsilon absorbs julianday rounding.
    elapsed_days = np.maximum(0.0, np.floor(_julian(now) - last_review + 1e-9))
    with np.errstate(invalid="ignore", divide="ignore"):
        retrievability = (1.0 + factor * elapsed_days / stability) ** decay
    # Like fsrs: no stability or no last review (NULL, here NaN) means nothing is remembered yet.
    retrievability = np.where(np.isfinite(retrievability), retrievability, 0.0)
    connection.executemany(
        "INSERT INTO temp.mastery_r VALUES (?, ?)", zip(keys, retrievability.tolist(), strict=True)
    )


def _fill_review_counts(connection: sqlite3.Connection, times: dict[str, float]) -> None:
    """One pass over the reviews of the cards in scope (up to `now`), counted per card and grader.

    The final rating and the latest decision come from the `review_outcomes` view. Retention counts the
    window's non-cram reviews with a final rating; overrides count graded answers (not reveals).
    """
    connection.execute(
        """INSERT INTO temp.mastery_review_counts
           SELECT card_key, grader, count(*), coalesce(sum(counted), 0), coalesce(sum(counted AND final_rating > 1), 0),
                  coalesce(sum(graded), 0), coalesce(sum(graded AND decision_kind = 'override'), 0),
                  coalesce(sum(graded AND decision_kind = 'override' AND final_verdict = 'correct'), 0),
                  coalesce(sum(graded AND decision_kind = 'override' AND final_verdict = 'incorrect'), 0),
                  coalesce(sum(graded AND decision_kind = 'uncertain'), 0)
           FROM (SELECT s.card_key, o.grader, o.final_rating, o.final_verdict, o.decision_kind,
                        (o.cram = 0 AND o.final_rating IS NOT NULL AND julianday(o.reviewed_at) > :since) AS counted,
                        o.kind = 'answer' AS graded
                 FROM review_outcomes o CROSS JOIN temp.mastery_cards s ON s.deck = o.deck AND s.card_id = o.card_id
                 WHERE julianday(o.reviewed_at) <= :now)
           GROUP BY card_key, grader""",
        times,
    )


def _group_stats(connection: sqlite3.Connection, grouping: str, times: dict[str, float]) -> list[GroupStats]:
    key, join = _GROUPINGS[grouping]
    rows = connection.execute(
        f"""SELECT {key} AS name, count(*), sum(cs.card_id IS NULL), coalesce(sum(cs.state IN (1, 3)), 0),
                   coalesce(sum(julianday(cs.due) < :tomorrow), 0), coalesce(sum(julianday(cs.due) < :week_end), 0),
                   count(cs.card_id), avg(mr.r),
                   coalesce(sum(rc.reviews), 0), coalesce(sum(rc.counted), 0), coalesce(sum(rc.kept), 0)
            FROM temp.mastery_cards s {join}
            LEFT JOIN card_states cs ON cs.deck = s.deck AND cs.card_id = s.card_id
            LEFT JOIN temp.mastery_r mr ON mr.card_key = s.card_key
            LEFT JOIN (SELECT card_key, sum(reviews) AS reviews, sum(counted) AS counted, sum(kept) AS kept
                       FROM temp.mastery_review_counts GROUP BY card_key) rc ON rc.card_key = s.card_key
            GROUP BY name ORDER BY name""",
        times,
    ).fetchall()
    return [
        GroupStats(*row[:8], reviews=row[8], reviews_30d=row[9], retention_30d=row[10] / row[9] if row[9] else None)
        for row in rows
    ]


def _empty_group(name: str) -> GroupStats:
    return GroupStats(name, 0, 0, 0, 0, 0, 0, None, 0, 0, None)


def _streak(connection: sqlite3.Connection, today: date, now_julian: float) -> tuple[int, bool]:
    """Consecutive UTC review days ending today (or yesterday, while today has none yet)."""
    days = {
        date.fromisoformat(row[0])
        for row in connection.execute(
            f"SELECT DISTINCT date(reviewed_at) FROM reviews WHERE {_IN_SCOPE} AND julianday(reviewed_at) <= ?",
            (now_julian,),
        )
    }
    reviewed_today = today in days
    day = today if reviewed_today else today - timedelta(days=1)
    streak = 0
    while day in days:
        streak += 1
        day -= timedelta(days=1)
    return streak, reviewed_today


def _hardest(connection: sqlite3.Connection, decks: dict[str, Deck]) -> list[HardCard]:
    rows = connection.execute(
        f"""SELECT cs.deck, cs.card_id, c.question, cs.lapses, cs.reps, coalesce(mr.r, 0), cs.due
            FROM card_states cs
            JOIN temp.mastery_cards s ON s.deck = cs.deck AND s.card_id = cs.card_id
            LEFT JOIN temp.mastery_r mr ON mr.card_key = s.card_key
            LEFT JOIN cards c ON c.deck = cs.deck AND c.card_id = cs.card_id
            ORDER BY cs.lapses DESC, coalesce(mr.r, 0) ASC, cs.deck, cs.card_id LIMIT {HARDEST_LIMIT}"""
    ).fetchall()
    hardest = []
    for deck_name, card_id, stored_question, lapses, reps, r, due in rows:
        card = decks[deck_name].card(card_id) if deck_name in decks else None
        question = card.question if card is not None else (stored_question or "")
        hardest.append(HardCard(deck_name, card_id, question, lapses, reps, r, due))
    return hardest


def _overrides(connection: sqlite3.Connection) -> list[GraderOverrides]:
    rows = connection.execute(
        """SELECT grader, sum(graded), sum(overridden), sum(marked_right), sum(marked_wrong), sum(settled)
           FROM temp.mastery_review_counts GROUP BY grader HAVING sum(graded) > 0 ORDER BY grader"""
    ).fetchall()
    return [GraderOverrides(*row) for row in rows]


def _forecast(connection: sqlite3.Connection, today: date, today_julian: float) -> list[ForecastDay]:
    counts = dict(
        connection.execute(
            """SELECT max(0, CAST(julianday(cs.due) - :today AS INTEGER)) AS day, count(*)
               FROM card_states cs JOIN temp.mastery_cards s ON s.deck = cs.deck AND s.card_id = cs.card_id
               WHERE julianday(cs.due) < :today + :days GROUP BY day""",
            {"today": today_julian, "days": FORECAST_DAYS},
        ).fetchall()
    )
    return [ForecastDay(today + timedelta(days=offset), counts.get(offset, 0)) for offset in range(FORECAST_DAYS)]
