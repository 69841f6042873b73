"""Reading the review log back: every review with its final rating and the decisions beside it, in time order."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any

from quizzer.storage.db import Connection


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
    connection: Connection, deck: str | None = None, card_id: str | None = None
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


def decks_of_card(connection: Connection, card_id: str) -> list[str]:
    """The decks in which a card with this id was reviewed or seen, in name order."""
    rows = connection.execute(
        "SELECT deck FROM reviews WHERE card_id = ? UNION SELECT deck FROM cards WHERE card_id = ? ORDER BY 1",
        (card_id, card_id),
    )
    return [row[0] for row in rows]
