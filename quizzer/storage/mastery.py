"""Mastery's figures as SQL aggregates over `review_outcomes` (reviews with their final rating) and `card_states`,
joined to small temporary tables naming the cards in scope; `quizzer.mastery` assembles the report from them.

One pass counts the reviews per card and grader (`count_reviews`), and every figure is summed from that. The
retrievability of each studied card is computed by the caller (fsrs's forgetting curve, vectorised) and handed
back with `set_retrievability`. A `MasteryQuery` reads inside one savepoint, so a quiz writing meanwhile cannot
make the figures disagree.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

from quizzer.deck.model import Deck
from quizzer.storage.db import Connection

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
class DayRetention:
    """One UTC day's non-cram reviews with a final rating, and how many of them were not Again."""

    day: date
    reviews: int
    kept: int

    @property
    def retention(self) -> float | None:
        return self.kept / self.reviews if self.reviews else None


@dataclass(frozen=True)
class StudiedCard:
    """A card with a schedule: its key in this query, its stability and last review (a julian day; None: none)."""

    key: int
    stability: float | None
    last_review: float | None


def decks_in_database(connection: Connection) -> list[str]:
    """Names of the decks that have reviews or scheduled cards."""
    rows = connection.execute("SELECT deck FROM reviews UNION SELECT deck FROM card_states ORDER BY deck")
    return [row[0] for row in rows]


class MasteryQuery:
    """The reads of one report, over the decks and cards in scope (see `open`)."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    @classmethod
    @contextmanager
    def open(
        cls, connection: Connection, decks: Sequence[Deck], orphan_names: Sequence[str]
    ) -> Iterator[MasteryQuery]:
        """A query over `decks` (their files say which cards exist) and decks known only by name in the database,
        in one read transaction (a savepoint)."""
        connection.execute("SAVEPOINT mastery_report")
        try:
            query = cls(connection)
            query._fill_scope(decks, orphan_names)
            yield query
        finally:
            connection.execute("RELEASE mastery_report")

    def _fill_scope(self, decks: Sequence[Deck], orphan_names: Sequence[str]) -> None:
        """Temporary tables of the decks, cards and card tags in scope (per connection; the database is untouched)."""
        for statement in _SCOPE_TABLES:
            self.connection.execute(statement)
        for table in _SCOPE_TABLE_NAMES:
            self.connection.execute(f"DELETE FROM temp.{table}")
        self.connection.executemany(
            "INSERT OR IGNORE INTO temp.mastery_decks VALUES (?, ?)",
            [(deck.name, 1) for deck in decks] + [(name, 0) for name in orphan_names],
        )
        self.connection.executemany(
            "INSERT OR IGNORE INTO temp.mastery_cards (deck, card_id) VALUES (?, ?)",
            [(deck.name, card.id) for deck in decks for card in deck.cards],
        )
        # A deck without its file: the cards the database knows.
        self.connection.execute(
            """INSERT OR IGNORE INTO temp.mastery_cards (deck, card_id)
               SELECT deck, card_id FROM card_states
               WHERE deck IN (SELECT deck FROM temp.mastery_decks WHERE has_file = 0)
               UNION SELECT deck, card_id FROM cards
               WHERE deck IN (SELECT deck FROM temp.mastery_decks WHERE has_file = 0)"""
        )
        cards = self.connection.execute("SELECT * FROM temp.mastery_cards")
        keys = {(deck, card_id): key for key, deck, card_id in cards}
        self.connection.executemany(
            "INSERT OR IGNORE INTO temp.mastery_tags VALUES (?, ?)",
            [(keys[deck.name, card.id], tag) for deck in decks for card in deck.cards for tag in card.tags],
        )
        # ... and the tags recorded for its cards when they were last seen.
        self.connection.execute(
            """INSERT OR IGNORE INTO temp.mastery_tags
               SELECT s.card_key, j.value FROM cards c
               JOIN temp.mastery_cards s ON s.deck = c.deck AND s.card_id = c.card_id, json_each(c.tags) j
               WHERE c.deck IN (SELECT deck FROM temp.mastery_decks WHERE has_file = 0) AND json_valid(c.tags)"""
        )

    def studied_cards(self) -> list[StudiedCard]:
        """The cards in scope that have a schedule."""
        rows = self.connection.execute(
            """SELECT s.card_key, cs.stability, julianday(cs.last_review)
               FROM card_states cs JOIN temp.mastery_cards s ON s.deck = cs.deck AND s.card_id = cs.card_id"""
        ).fetchall()
        return [StudiedCard(*row) for row in rows]

    def set_retrievability(self, values: Sequence[tuple[int, float]]) -> None:
        """Each studied card's retrievability (by key) for the figures that average or sort by it."""
        self.connection.executemany("INSERT INTO temp.mastery_r VALUES (?, ?)", values)

    def count_reviews(self, times: dict[str, float]) -> None:
        """One pass over the reviews of the cards in scope (up to `now`), counted per card and grader.

        The final rating and the latest decision come from the `review_outcomes` view. Retention counts the
        window's non-cram reviews with a final rating; overrides count graded answers (not reveals).
        """
        self.connection.execute(
            """INSERT INTO temp.mastery_review_counts
               SELECT card_key, grader, count(*), coalesce(sum(counted), 0),
                      coalesce(sum(counted AND final_rating > 1), 0),
                      coalesce(sum(graded), 0), coalesce(sum(graded AND decision_kind = 'override'), 0),
                      coalesce(sum(graded AND decision_kind = 'override' AND final_verdict = 'correct'), 0),
                      coalesce(sum(graded AND decision_kind = 'override' AND final_verdict = 'incorrect'), 0),
                      coalesce(sum(graded AND decision_kind = 'uncertain'), 0)
               FROM (SELECT s.card_key, o.grader, o.final_rating, o.final_verdict, o.decision_kind,
                            (o.cram = 0 AND o.final_rating IS NOT NULL
                             AND julianday(o.reviewed_at) > :since) AS counted,
                            o.kind = 'answer' AS graded
                     FROM review_outcomes o CROSS JOIN temp.mastery_cards s ON s.deck = o.deck AND s.card_id = o.card_id
                     WHERE julianday(o.reviewed_at) <= :now)
               GROUP BY card_key, grader""",
            times,
        )

    def group_stats(self, grouping: str, times: dict[str, float]) -> list[GroupStats]:
        key, join = _GROUPINGS[grouping]
        rows = self.connection.execute(
            f"""SELECT {key} AS name, count(*), sum(cs.card_id IS NULL), coalesce(sum(cs.state IN (1, 3)), 0),
                       coalesce(sum(julianday(cs.due) < :tomorrow), 0),
                       coalesce(sum(julianday(cs.due) < :week_end), 0),
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
            GroupStats(*row[:8], reviews=row[8], reviews_30d=row[9],
                       retention_30d=row[10] / row[9] if row[9] else None)
            for row in rows
        ]

    def review_days(self, now_julian: float) -> set[date]:
        """The UTC days with at least one review (cram included) up to `now`."""
        return {
            date.fromisoformat(row[0])
            for row in self.connection.execute(
                f"SELECT DISTINCT date(reviewed_at) FROM reviews WHERE {_IN_SCOPE} AND julianday(reviewed_at) <= ?",
                (now_julian,),
            )
        }

    def retention_by_day(self, since_julian: float, now_julian: float) -> list[DayRetention]:
        """The days (UTC) from `since` to `now` with reviews of cards in scope counted by retention, oldest first."""
        rows = self.connection.execute(
            """SELECT date(o.reviewed_at) AS day, count(*), coalesce(sum(o.final_rating > 1), 0)
               FROM review_outcomes o JOIN temp.mastery_cards s ON s.deck = o.deck AND s.card_id = o.card_id
               WHERE o.cram = 0 AND o.final_rating IS NOT NULL
                 AND julianday(o.reviewed_at) >= :since AND julianday(o.reviewed_at) <= :now
               GROUP BY day ORDER BY day""",
            {"since": since_julian, "now": now_julian},
        ).fetchall()
        return [DayRetention(date.fromisoformat(row[0]), row[1], row[2]) for row in rows]

    def hardest(self, limit: int) -> list[HardCard]:
        """The cards with most lapses (then lowest retrievability), with the question the database recorded."""
        rows = self.connection.execute(
            """SELECT cs.deck, cs.card_id, coalesce(c.question, ''), cs.lapses, cs.reps, coalesce(mr.r, 0), cs.due
                FROM card_states cs
                JOIN temp.mastery_cards s ON s.deck = cs.deck AND s.card_id = cs.card_id
                LEFT JOIN temp.mastery_r mr ON mr.card_key = s.card_key
                LEFT JOIN cards c ON c.deck = cs.deck AND c.card_id = cs.card_id
                ORDER BY cs.lapses DESC, coalesce(mr.r, 0) ASC, cs.deck, cs.card_id LIMIT ?""",
            (limit,),
        ).fetchall()
        return [HardCard(*row) for row in rows]

    def overrides(self) -> list[GraderOverrides]:
        rows = self.connection.execute(
            """SELECT grader, sum(graded), sum(overridden), sum(marked_right), sum(marked_wrong), sum(settled)
               FROM temp.mastery_review_counts GROUP BY grader HAVING sum(graded) > 0 ORDER BY grader"""
        ).fetchall()
        return [GraderOverrides(*row) for row in rows]

    def due_per_day(self, today_julian: float, days: int) -> dict[int, int]:
        """Studied cards due on each of the next `days` UTC days (day 0 includes every overdue card)."""
        return dict(
            self.connection.execute(
                """SELECT max(0, CAST(julianday(cs.due) - :today AS INTEGER)) AS day, count(*)
                   FROM card_states cs JOIN temp.mastery_cards s ON s.deck = cs.deck AND s.card_id = cs.card_id
                   WHERE julianday(cs.due) < :today + :days GROUP BY day""",
                {"today": today_julian, "days": days},
            ).fetchall()
        )
