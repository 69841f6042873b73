"""The Card and Deck types that the rest of quizzer sees."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from quizzer.core.types import AnswerFormat, AnswerType, parse_tolerance

# What a card's optional `type:` may say; "text" keeps the free-text grader even for a short answer.
ANSWER_TYPES = tuple(kind.value for kind in AnswerType)


def answer_format_problems(answer_format: AnswerFormat) -> dict[str, str]:
    """What is wrong with a card's short-answer fields, by field name (empty: nothing)."""
    answer_type, tolerance = answer_format.type, answer_format.tolerance
    problems: dict[str, str] = {}
    if answer_type is not None and answer_type not in ANSWER_TYPES:
        problems["type"] = f"unknown type {answer_type!r} (allowed: {', '.join(ANSWER_TYPES)})"
    if tolerance is not None:
        parsed = parse_tolerance(tolerance)
        if parsed is None:
            problems["tolerance"] = f"tolerance {tolerance!r} must be a number (\"0.5\") or a percentage (\"1%\")"
        elif parsed[1] and not 0 < parsed[0] <= 100:
            problems["tolerance"] = f"tolerance {tolerance!r} must be a percentage above 0 and at most 100"
        elif answer_type in ANSWER_TYPES and answer_type != "number":
            problems["tolerance"] = f"tolerance applies to number answers, not to type {answer_type!r}"
    for name, value in (("ordered", answer_format.ordered), ("partial_credit", answer_format.partial_credit)):
        if value and answer_type in ANSWER_TYPES and answer_type != "list":
            problems[name] = f"{name} applies to list answers, not to type {answer_type!r}"
    return problems


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
    # How a short answer is compared (see quizzer.grading.offline.typed); the default: detected from the answers.
    answer_format: AnswerFormat = AnswerFormat()

    @property
    def reference(self) -> str:
        """The first (preferred) reference answer."""
        return self.references[0]

    @property
    def content_hash(self) -> str:
        """A hash of what the learner is graded on; a change marks the card as edited."""
        graded_on = {"question": self.question, "references": list(self.references),
                     "key_points": list(self.key_points)}
        # The short-answer fields count only where set, so the hashes of cards without them stay as they were.
        graded_on.update(self.answer_format.fields())
        payload = json.dumps(graded_on, sort_keys=True)
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
