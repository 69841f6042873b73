"""Recording reviews and the learner's decisions: the use case decides each card's new state through scheduling
(fsrs), and storage writes review and state in one transaction.

Storage reads the card's log inside its write transaction and hands it to `scheduling.replay` (passed in from
here), so the cached state is right even when two sessions review the same card at once; the caller keeps the
state that comes back instead of reading it again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from quizzer import scheduling
from quizzer.core.types import Rating, Verdict
from quizzer.storage import reviews as store
from quizzer.storage.db import Connection, transaction


def record_review(connection: Connection, **review: Any) -> store.Recorded:
    """Appends a graded (or revealed) answer with the card's new state (see `storage.reviews.record_review`)."""
    return store.record_review(connection, **review, reschedule=scheduling.replay)


def record_decision(
    connection: Connection, review_id: int, kind: str, verdict: Verdict | str, rating: Rating | None,
    decided_at: datetime | None = None,
) -> store.Recorded:
    """Appends the learner's word on a review; the card's schedule follows the latest decision's rating."""
    return store.record_decision(connection, review_id, kind, verdict, rating, reschedule=scheduling.replay,
                                 decided_at=decided_at)


def rebuild_states(connection: Connection) -> int:
    """Recomputes every cached card state from the review log; returns how many cards have a state."""
    with transaction(connection):
        store.clear_states(connection)
        for deck, card_id in store.introduced_cards(connection):
            state = scheduling.replay(store.scheduling_log(connection, deck, card_id))
            store.write_state(connection, deck, card_id, state)
        return store.count_states(connection)
