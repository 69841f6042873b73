"""What every short-answer comparison returns, and the context it compares in."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from quizzer.core.types import AnswerFormat, Verdict
from quizzer.grading.offline.typed.textutil import contains_phrase


# How sure a decisive comparison is, shown as P(correct): not fitted, a statement that the check is exact.
SURE_RIGHT, SURE_WRONG = 0.99, 0.01
# An uncertain typed grade (a near spelling, two values given): it leans wrong, so that settling uncertain
# grades by P >= 0.5, as `quizzer eval` does, never counts it correct.
UNSURE = 0.4


@dataclass(frozen=True)
class Comparison:
    """One answer against one reference: the verdict, a sentence naming the difference, and the parsed values."""

    verdict: Verdict
    feedback: str
    expected: str
    given: str
    probability: float
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def rank(self) -> int:
        """Best first when a card has several references: correct, partial, uncertain, incorrect."""
        return {Verdict.CORRECT: 3, Verdict.PARTIAL: 2, Verdict.UNCERTAIN: 1}.get(self.verdict, 0)


def right(expected: str, given: str, feedback: str, probability: float = SURE_RIGHT, **details: Any) -> Comparison:
    return Comparison(Verdict.CORRECT, feedback, expected, given, probability, details)


def wrong(expected: str, given: str, feedback: str, probability: float = SURE_WRONG, **details: Any) -> Comparison:
    return Comparison(Verdict.INCORRECT, feedback, expected, given, probability, details)


@dataclass(frozen=True)
class Context:
    """What a comparison may look at besides the two texts: the question and the card's format fields."""

    question: str
    answer_format: AnswerFormat = AnswerFormat()
    references: tuple[str, ...] = ()

    @cached_property
    def approximate(self) -> bool:
        """The question asks for an approximate value ("about", "approximately", "roughly")."""
        return contains_phrase(self.question, "question_approximate")

    @cached_property
    def asks_for_person(self) -> bool:
        return contains_phrase(self.question, "question_person")

    @cached_property
    def asks_for_year(self) -> bool:
        return contains_phrase(self.question, "question_year")
