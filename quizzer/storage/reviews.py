"""The review log and what derives from it: card registration, decisions, FSRS state, the due queue.

Every write is one explicit transaction (the connection is in autocommit mode), taken with BEGIN IMMEDIATE
so that two sessions on one database queue for the lock instead of failing half-way. A card's cached
state is recomputed by replaying its log inside the same transaction as the write that changed it, so
the cache is right even when two sessions review the same card.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from quizzer.core.jsonutil import json_default
from quizzer.core.types import Grade, Verdict
from quizzer.deck.model import Card, Deck
from quizzer.scheduling import CardState, Rating, replay, to_utc

# How many recent answer times make up "the learner's own pace" for the Easy rating.
PACE_WINDOW = 50


class DecisionKind:
    OVERRIDE = "override"  # the learner marked a graded answer right or wrong
    UNCERTAIN = "uncertain"  # the learner settled an uncertain (or ungradable) grade
    SKIP = "skip"  # the learner asked that this review not count


@dataclass(frozen=True)
class StoredReview:
    """One row of `review_outcomes`: a review with its final verdict and rating."""

    id: int
    deck: str
    card_id: str
    kind: str
    answer: str
    verdict: Verdict
    final_verdict: str
    rating: Rating | None
    final_rating: Rating | None
    decision_kind: str | None
    cram: bool
    reviewed_at: datetime
    answer_seconds: float | None


@dataclass(frozen=True)
class Registration:
    """What registering a deck changed: cards seen for the first time, and cards whose text changed."""

    new: tuple[str, ...]
    edited: tuple[str, ...]


def utc_now() -> datetime:
    return datetime.now(UTC)


@contextmanager
def transaction(connection: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any exception (KeyboardInterrupt included)."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield connection
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


def register_deck(connection: sqlite3.Connection, deck: Deck, now: datetime | None = None) -> Registration:
    """Records the deck's cards; a card whose content hash changed keeps its id and history and is flagged edited."""
    stamp = _iso(now or utc_now())
    new: list[str] = []
    edited: list[str] = []
    with transaction(connection):
        known = {
            row["card_id"]: row["card_hash"]
            for row in connection.execute("SELECT card_id, card_hash FROM cards WHERE deck = ?", (deck.name,))
        }
        for card in deck.cards:
            tags = json.dumps(list(card.tags))
            if card.id not in known:
                new.append(card.id)
                connection.execute(
                    "INSERT INTO cards (deck, card_id, card_hash, question, tags, edited, first_seen, updated_at)"
                    " VALUES (?, ?, ?, ?, ?, 0, ?, ?)",
                    (deck.name, card.id, card.content_hash, card.question, tags, stamp, stamp),
                )
            elif known[card.id] != card.content_hash:
                edited.append(card.id)
                connection.execute(
                    "UPDATE cards SET card_hash = ?, question = ?, tags = ?, edited = 1, updated_at = ?"
                    " WHERE deck = ? AND card_id = ?",
                    (card.content_hash, card.question, tags, stamp, deck.name, card.id),
                )
            else:
                connection.execute(
                    "UPDATE cards SET tags = ? WHERE deck = ? AND card_id = ? AND tags != ?",
                    (tags, deck.name, card.id, tags),
                )
    return Registration(tuple(new), tuple(edited))


def is_edited(connection: sqlite3.Connection, deck: str, card_id: str) -> bool:
    row = connection.execute("SELECT edited FROM cards WHERE deck = ? AND card_id = ?", (deck, card_id)).fetchone()
    return bool(row and row["edited"])


def record_review(
    connection: sqlite3.Connection,
    *,
    deck: str,
    card: Card,
    answer: str,
    grade: Grade,
    rating: Rating | None,
    kind: str = "answer",
    answer_seconds: float | None = None,
    cram: bool = False,
    session_id: str | None = None,
    shown_at: datetime | None = None,
    reviewed_at: datetime | None = None,
) -> int:
    """Appends a graded (or revealed) answer and updates the card's schedule, in one commit; returns its id.

    `rating` None (an uncertain grade awaiting a decision) and cram reviews leave the schedule alone.
    """
    reviewed_at = reviewed_at or utc_now()
    with transaction(connection):
        cursor = connection.execute(
            "INSERT INTO reviews (session_id, deck, card_id, card_hash, question, answer, kind, verdict,"
            " probability, grader, grader_version, grade_json, rating, answer_seconds, cram, shown_at, reviewed_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                session_id,
                deck,
                card.id,
                card.content_hash,
                card.question,
                answer,
                kind,
                grade.verdict.value,
                grade.probability,
                grade.grader.name,
                grade.grader.version,
                json.dumps(grade.to_dict(), default=json_default),
                int(rating) if rating is not None else None,
                answer_seconds,
                int(cram),
                _iso(shown_at) if shown_at else None,
                _iso(reviewed_at),
            ),
        )
        review_id = int(cursor.lastrowid or 0)
        if not cram and rating is not None:
            _refresh_state(connection, deck, card.id)
    return review_id


def record_decision(
    connection: sqlite3.Connection,
    review_id: int,
    kind: str,
    verdict: Verdict | str,
    rating: Rating | None,
    decided_at: datetime | None = None,
) -> int:
    """Appends the learner's word on a review; the card's schedule follows the latest decision's rating."""
    verdict_text = verdict.value if isinstance(verdict, Verdict) else verdict
    with transaction(connection):
        row = connection.execute("SELECT deck, card_id, cram FROM reviews WHERE id = ?", (review_id,)).fetchone()
        if row is None:
            raise ValueError(f"no review with id {review_id}")
        cursor = connection.execute(
            "INSERT INTO review_decisions (review_id, kind, verdict, rating, decided_at) VALUES (?, ?, ?, ?, ?)",
            (review_id, kind, verdict_text, int(rating) if rating is not None else None, _iso(decided_at or utc_now())),
        )
        if not row["cram"]:
            _refresh_state(connection, row["deck"], row["card_id"])
    return int(cursor.lastrowid or 0)


def scheduling_log(connection: sqlite3.Connection, deck: str, card_id: str) -> list[tuple[datetime, Rating]]:
    """The (time, final rating) events that shape a card's schedule: non-cram reviews with a final rating."""
    rows = connection.execute(
        "SELECT reviewed_at, final_rating FROM review_outcomes"
        " WHERE deck = ? AND card_id = ? AND cram = 0 AND final_rating IS NOT NULL ORDER BY reviewed_at, id",
        (deck, card_id),
    )
    return [(parse_time(row["reviewed_at"]), Rating(row["final_rating"])) for row in rows]


def card_state(connection: sqlite3.Connection, deck: str, card_id: str) -> CardState | None:
    """The cached state of a card (None: never scheduled)."""
    row = connection.execute(
        "SELECT fsrs_json FROM card_states WHERE deck = ? AND card_id = ?", (deck, card_id)
    ).fetchone()
    return CardState.from_dict(json.loads(row["fsrs_json"])) if row else None


def deck_states(connection: sqlite3.Connection, deck: str) -> dict[str, CardState]:
    rows = connection.execute("SELECT card_id, fsrs_json FROM card_states WHERE deck = ?", (deck,))
    return {row["card_id"]: CardState.from_dict(json.loads(row["fsrs_json"])) for row in rows}


def rebuild_states(connection: sqlite3.Connection) -> int:
    """Recomputes every cached card state from the review log; returns how many cards have a state."""
    with transaction(connection):
        connection.execute("DELETE FROM card_states")
        pairs = connection.execute("SELECT DISTINCT deck, card_id FROM reviews WHERE cram = 0").fetchall()
        for pair in pairs:
            _refresh_state(connection, pair["deck"], pair["card_id"])
        return int(connection.execute("SELECT COUNT(*) FROM card_states").fetchone()[0])


def new_cards_introduced_since(connection: sqlite3.Connection, since: datetime) -> int:
    """Cards whose first non-cram review happened at or after `since` (counts against the daily new limit)."""
    row = connection.execute(
        "SELECT COUNT(*) FROM (SELECT deck, card_id, MIN(reviewed_at) AS first FROM reviews WHERE cram = 0"
        " GROUP BY deck, card_id) WHERE first >= ?",
        (_iso(since),),
    ).fetchone()
    return int(row[0])


def introduced_cards(connection: sqlite3.Connection) -> set[tuple[str, str]]:
    """(deck, card id) of every card with a non-cram review (new or not, it is no longer new)."""
    return {
        (row["deck"], row["card_id"])
        for row in connection.execute("SELECT DISTINCT deck, card_id FROM reviews WHERE cram = 0")
    }


def recent_answer_seconds(connection: sqlite3.Connection, limit: int = PACE_WINDOW) -> list[float]:
    """The learner's latest answer times (answers only, not reveals), newest first."""
    rows = connection.execute(
        "SELECT answer_seconds FROM reviews WHERE kind = 'answer' AND answer_seconds IS NOT NULL"
        " ORDER BY id DESC LIMIT ?",
        (limit,),
    )
    return [float(row[0]) for row in rows]


def next_due(connection: sqlite3.Connection, decks: Sequence[str]) -> datetime | None:
    """The earliest due date among the scheduled cards of these decks."""
    marks = ", ".join("?" for _ in decks)
    row = connection.execute(f"SELECT MIN(due) FROM card_states WHERE deck IN ({marks})", tuple(decks)).fetchone()
    return parse_time(row[0]) if row and row[0] else None


def reviews_of(connection: sqlite3.Connection, session_id: str | None = None) -> list[StoredReview]:
    """Reviews with their final verdicts, in order; all of them, or one session's."""
    query = "SELECT * FROM review_outcomes" + (" WHERE session_id = ?" if session_id else "") + " ORDER BY id"
    rows = connection.execute(query, (session_id,) if session_id else ())
    return [_stored(row) for row in rows]


def _stored(row: sqlite3.Row) -> StoredReview:
    return StoredReview(
        id=row["id"],
        deck=row["deck"],
        card_id=row["card_id"],
        kind=row["kind"],
        answer=row["answer"],
        verdict=Verdict(row["verdict"]),
        final_verdict=row["final_verdict"],
        rating=Rating(row["rating"]) if row["rating"] is not None else None,
        final_rating=Rating(row["final_rating"]) if row["final_rating"] is not None else None,
        decision_kind=row["decision_kind"],
        cram=bool(row["cram"]),
        reviewed_at=parse_time(row["reviewed_at"]),
        answer_seconds=row["answer_seconds"],
    )


def _refresh_state(connection: sqlite3.Connection, deck: str, card_id: str) -> None:
    """Replays a card's log into card_states (inside the caller's transaction)."""
    state = replay(scheduling_log(connection, deck, card_id))
    if state is None:
        connection.execute("DELETE FROM card_states WHERE deck = ? AND card_id = ?", (deck, card_id))
        return
    connection.execute(
        "INSERT OR REPLACE INTO card_states (deck, card_id, fsrs_json, state, due, stability, difficulty,"
        " last_review, reps, lapses) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            deck,
            card_id,
            json.dumps(state.to_dict()),
            int(state.phase),
            _iso(state.due),
            state.stability,
            state.difficulty,
            _iso(state.last_review) if state.last_review else None,
            state.reps,
            state.lapses,
        ),
    )


def _iso(moment: datetime) -> str:
    # One fixed format (UTC, microseconds) so that text order is time order in SQL comparisons.
    return to_utc(moment).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


def parse_time(text: str) -> datetime:
    return to_utc(datetime.fromisoformat(text))
