"""The learner's labels in the review log: answers whose grade the learner overrode or settled."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from quizzer.storage.db import connect

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
