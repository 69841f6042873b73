"""The Card and Deck types that the rest of quizzer sees."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

# What a card's optional `type:` may say; "text" keeps the free-text grader even for a short answer.
ANSWER_TYPES = ("number", "expression", "list", "name", "code", "date", "yes_no", "text")
# `tolerance:` is an absolute amount in the first answer's unit ("0.5") or a share of it ("1%").
TOLERANCE_PATTERN = re.compile(r"^\s*(\d+(?:\.\d+)?|\.\d+)\s*(%?)\s*$")


def answer_format_problems(
    answer_type: str | None, tolerance: str | None, ordered: bool, partial_credit: bool
) -> dict[str, str]:
    """What is wrong with a card's short-answer fields, by field name (empty: nothing)."""
    problems: dict[str, str] = {}
    if answer_type is not None and answer_type not in ANSWER_TYPES:
        problems["type"] = f"unknown type {answer_type!r} (allowed: {', '.join(ANSWER_TYPES)})"
    if tolerance is not None:
        match = TOLERANCE_PATTERN.match(tolerance)
        if match is None:
            problems["tolerance"] = f"tolerance {tolerance!r} must be a number (\"0.5\") or a percentage (\"1%\")"
        elif match.group(2) and not 0 < float(match.group(1)) <= 100:
            problems["tolerance"] = f"tolerance {tolerance!r} must be a percentage above 0 and at most 100"
        elif answer_type in ANSWER_TYPES and answer_type != "number":
            problems["tolerance"] = f"tolerance applies to number answers, not to type {answer_type!r}"
    for name, value in (("ordered", ordered), ("partial_credit", partial_credit)):
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
    # How a short answer is compared (see quizzer.grading.typed); None: detected from the answers.
    answer_type: str | None = None
    tolerance: str | None = None
    ordered: bool = False
    partial_credit: bool = False

    @property
    def reference(self) -> str:
        """The first (preferred) reference answer."""
        return self.references[0]

    @property
    def answer_format(self) -> dict[str, str | bool | None]:
        """The short-answer fields under their deck-file names."""
        return {"type": self.answer_type, "tolerance": self.tolerance, "ordered": self.ordered,
                "partial_credit": self.partial_credit}

    @property
    def content_hash(self) -> str:
        """A hash of what the learner is graded on; a change marks the card as edited."""
        graded_on = {"question": self.question, "references": list(self.references),
                     "key_points": list(self.key_points)}
        # The short-answer fields count only where set, so the hashes of cards without them stay as they were.
        graded_on.update({name: value for name, value in self.answer_format.items() if value})
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
