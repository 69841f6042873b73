"""The Card and Deck types that the rest of quizzer sees."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from quizzer.core.types import Misconception


@dataclass(frozen=True)
class Card:
    """One flashcard: a question, one or more acceptable answers, and what a full answer must hold."""

    id: str
    question: str
    references: tuple[str, ...]
    key_points: tuple[str, ...] = ()
    notes: str = ""
    tags: tuple[str, ...] = ()
    line: int | None = field(default=None, compare=False)
    # Known wrong answers, each with why it is wrong: shown after grading, and an answer closer to one of them
    # than to the references is graded incorrect.
    misconceptions: tuple[Misconception, ...] = ()

    @property
    def reference(self) -> str:
        """The first (preferred) reference answer."""
        return self.references[0]

    @property
    def content_hash(self) -> str:
        """A hash of what the learner is graded on; a change marks the card as edited."""
        payload = json.dumps(
            {"question": self.question, "references": list(self.references), "key_points": list(self.key_points)},
            sort_keys=True,
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Deck:
    """A named collection of cards read from one file."""

    name: str
    cards: tuple[Card, ...]
    description: str = ""
    path: Path | None = None

    def card(self, card_id: str) -> Card | None:
        """The card with this id, or None."""
        for card in self.cards:
            if card.id == card_id:
                return card
        return None
