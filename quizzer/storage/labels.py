"""The learner's labels in the review log: answers whose grade the learner overrode or settled."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from quizzer.core.types import LearnerExample, Verdict
from quizzer.storage.db import Connection, connect

# Decision kinds that say what the answer deserved (a `skip` says nothing about it).
LABEL_KINDS = ("override", "uncertain")


@dataclass(frozen=True)
class LabelledReview:
    """An answer review whose latest decision is a label."""

    id: int
    deck: str
    card_id: str
    card_hash: str
    question: str
    answer: str
    final_verdict: str
    decision_kind: str


def labelled_reviews(db_path: Path, kinds: Sequence[str] = LABEL_KINDS) -> list[LabelledReview]:
    """Answer reviews whose latest decision is one of `kinds`, oldest first."""
    with closing(connect(db_path)) as connection:
        rows = connection.execute(
            "SELECT id, deck, card_id, card_hash, question, answer, final_verdict, decision_kind"
            f" FROM review_outcomes WHERE kind = 'answer' AND decision_kind IN ({', '.join('?' * len(kinds))})"
            " ORDER BY id",
            tuple(kinds),
        ).fetchall()
    return [LabelledReview(*row) for row in rows]


def card_labels(connection: Connection, deck: str, card_id: str, card_hash: str) -> tuple[LearnerExample, ...]:
    """The learner's labelled answers to one card, oldest decision first, each with the latest verdict they gave
    it (a later override of the same review replaces it). Answers given while the card read differently (another
    content hash) are left out: their labels were for other references."""
    rows = connection.execute(
        "SELECT answer, final_verdict, decided_at FROM review_outcomes"
        " WHERE deck = ? AND card_id = ? AND card_hash = ? AND kind = 'answer'"
        f" AND decision_kind IN ({', '.join('?' * len(LABEL_KINDS))})"
        " AND final_verdict IN ('correct', 'partial', 'incorrect')"
        " ORDER BY decided_at, id",
        (deck, card_id, card_hash, *LABEL_KINDS),
    )
    return tuple(LearnerExample(answer, Verdict(verdict), decided_at) for answer, verdict, decided_at in rows)
