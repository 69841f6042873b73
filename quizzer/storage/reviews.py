"""The review log and what derives from it: card registration, decisions, cached FSRS states, the due queue.

Every write is one `transaction`. A card's cached state changes only inside the transaction of the write that
changed its log: the writer reads the card's scheduling log there and hands it to `reschedule`, a function the
caller passes in (the use case's `scheduling.replay`; storage never imports scheduling), so the cache stays right
when two sessions review the same card at once.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from quizzer.core.jsonutil import json_default
from quizzer.core.types import CardState, Grade, Rating, Verdict, utc_now
from quizzer.deck.model import Card, Deck
from quizzer.storage.db import Connection, iso, parse_time, transaction

# How many recent answer times make up "the learner's own pace" for the Easy rating.
PACE_WINDOW = 50

# A card's (time, final rating) log, in time order -> its state (None: nothing schedules it).
Reschedule = Callable[[Sequence[tuple[datetime, Rating]]], CardState | None]


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


@dataclass(frozen=True)
class Recorded:
    """A row just appended (a review or a decision) and the state it left its card in: None when the card has
    no schedule (an undecided grade, a skip) or the write left the schedule alone (cram, an undecided grade)."""

    id: int
    state: CardState | None


def register_deck(connection: Connection, deck: Deck, now: datetime | None = None) -> Registration:
    """Records the deck's cards; a card whose content hash changed keeps its id and history and is flagged edited."""
    stamp = iso(now or utc_now())
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


def is_edited(connection: Connection, deck: str, card_id: str) -> bool:
    row = connection.execute("SELECT edited FROM cards WHERE deck = ? AND card_id = ?", (deck, card_id)).fetchone()
    return bool(row and row["edited"])


def record_review(
    connection: Connection,
    *,
    deck: str,
    card: Card,
    answer: str,
    grade: Grade,
    rating: Rating | None,
    reschedule: Reschedule,
    kind: str = "answer",
    answer_seconds: float | None = None,
    cram: bool = False,
    session_id: str | None = None,
    shown_at: datetime | None = None,
    reviewed_at: datetime | None = None,
) -> Recorded:
    """Appends a graded (or revealed) answer and updates the card's schedule, in one commit.

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
                iso(shown_at) if shown_at else None,
                iso(reviewed_at),
            ),
        )
        scheduled = not cram and rating is not None
        state = _reschedule(connection, deck, card.id, reschedule) if scheduled else None
    return Recorded(int(cursor.lastrowid or 0), state)


def record_decision(
    connection: Connection,
    review_id: int,
    kind: str,
    verdict: Verdict | str,
    rating: Rating | None,
    *,
    reschedule: Reschedule,
    decided_at: datetime | None = None,
) -> Recorded:
    """Appends the learner's word on a review; the card's schedule follows the latest decision's rating."""
    verdict_text = verdict.value if isinstance(verdict, Verdict) else verdict
    with transaction(connection):
        row = connection.execute("SELECT deck, card_id, cram FROM reviews WHERE id = ?", (review_id,)).fetchone()
        if row is None:
            raise ValueError(f"no review with id {review_id}")
        cursor = connection.execute(
            "INSERT INTO review_decisions (review_id, kind, verdict, rating, decided_at) VALUES (?, ?, ?, ?, ?)",
            (review_id, kind, verdict_text, int(rating) if rating is not None else None, iso(decided_at or utc_now())),
        )
        state = None if row["cram"] else _reschedule(connection, row["deck"], row["card_id"], reschedule)
    return Recorded(int(cursor.lastrowid or 0), state)


def scheduling_log(connection: Connection, deck: str, card_id: str) -> list[tuple[datetime, Rating]]:
    """The (time, final rating) events that shape a card's schedule: non-cram reviews with a final rating."""
    rows = connection.execute(
        "SELECT reviewed_at, final_rating FROM review_outcomes"
        " WHERE deck = ? AND card_id = ? AND cram = 0 AND final_rating IS NOT NULL ORDER BY reviewed_at, id",
        (deck, card_id),
    )
    return [(parse_time(row["reviewed_at"]), Rating(row["final_rating"])) for row in rows]


def card_state(connection: Connection, deck: str, card_id: str) -> CardState | None:
    """The cached state of a card (None: never scheduled)."""
    row = connection.execute(
        "SELECT fsrs_json FROM card_states WHERE deck = ? AND card_id = ?", (deck, card_id)
    ).fetchone()
    return CardState.from_dict(json.loads(row["fsrs_json"])) if row else None


def deck_states(connection: Connection, deck: str) -> dict[str, CardState]:
    rows = connection.execute("SELECT card_id, fsrs_json FROM card_states WHERE deck = ?", (deck,))
    return {row["card_id"]: CardState.from_dict(json.loads(row["fsrs_json"])) for row in rows}


def clear_states(connection: Connection) -> None:
    """Drops every cached card state (inside the caller's transaction), to be rebuilt from the log."""
    connection.execute("DELETE FROM card_states")


def write_state(connection: Connection, deck: str, card_id: str, state: CardState | None) -> None:
    """Stores a card's state (None: it has none), inside the caller's transaction."""
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
            iso(state.due),
            state.stability,
            state.difficulty,
            iso(state.last_review) if state.last_review else None,
            state.reps,
            state.lapses,
        ),
    )


def count_states(connection: Connection) -> int:
    return int(connection.execute("SELECT COUNT(*) FROM card_states").fetchone()[0])


def new_cards_introduced_since(connection: Connection, since: datetime) -> int:
    """Cards whose first non-cram review happened at or after `since` (counts against the daily new limit)."""
    row = connection.execute(
        "SELECT COUNT(*) FROM (SELECT deck, card_id, MIN(reviewed_at) AS first FROM reviews WHERE cram = 0"
        " GROUP BY deck, card_id) WHERE first >= ?",
        (iso(since),),
    ).fetchone()
    return int(row[0])


def introduced_cards(connection: Connection) -> set[tuple[str, str]]:
    """(deck, card id) of every card with a non-cram review (new or not, it is no longer new)."""
    return {
        (row["deck"], row["card_id"])
        for row in connection.execute("SELECT DISTINCT deck, card_id FROM reviews WHERE cram = 0")
    }


def recent_answer_seconds(connection: Connection, limit: int = PACE_WINDOW) -> list[float]:
    """The learner's latest answer times (answers only, not reveals), newest first."""
    rows = connection.execute(
        "SELECT answer_seconds FROM reviews WHERE kind = 'answer' AND answer_seconds IS NOT NULL"
        " ORDER BY id DESC LIMIT ?",
        (limit,),
    )
    return [float(row[0]) for row in rows]


def next_due(connection: Connection, decks: Sequence[str]) -> datetime | None:
    """The earliest due date among the scheduled cards of these decks."""
    marks = ", ".join("?" for _ in decks)
    row = connection.execute(f"SELECT MIN(due) FROM card_states WHERE deck IN ({marks})", tuple(decks)).fetchone()
    return parse_time(row[0]) if row and row[0] else None


def reviews_of(connection: Connection, session_id: str | None = None) -> list[StoredReview]:
    """Reviews with their final verdicts, in order; all of them, or one session's."""
    query = "SELECT * FROM review_outcomes" + (" WHERE session_id = ?" if session_id else "") + " ORDER BY id"
    rows = connection.execute(query, (session_id,) if session_id else ())
    return [_stored(row) for row in rows]


def _stored(row: Any) -> StoredReview:
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


def _reschedule(connection: Connection, deck: str, card_id: str, reschedule: Reschedule) -> CardState | None:
    """The card's state from its whole log, written to card_states (inside the caller's transaction)."""
    state = reschedule(scheduling_log(connection, deck, card_id))
    write_state(connection, deck, card_id, state)
    return state
