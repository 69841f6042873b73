"""The one result type (`Grade`) and the one protocol (`Grader`) that every grader shares."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any, Protocol, runtime_checkable


class Verdict(str, Enum):
    CORRECT = "correct"
    PARTIAL = "partial"
    INCORRECT = "incorrect"
    # The grader cannot tell; the LLM judge or the learner settles it.
    UNCERTAIN = "uncertain"
    # The row could not be scored at all (missing fields, failed call...). Never counted as incorrect.
    UNGRADABLE = "could not grade"

    @property
    def is_final(self) -> bool:
        """True for the three verdicts that say how good the answer was."""
        return self in (Verdict.CORRECT, Verdict.PARTIAL, Verdict.INCORRECT)


@dataclass(frozen=True)
class AnswerFormat:
    """What a card says about the form of its answer: its deck fields `type`, `tolerance`, `ordered` and
    `partial_credit` (see `quizzer.grading.typed`). The default says nothing: the form is detected."""

    type: str | None = None
    tolerance: str | None = None
    ordered: bool = False
    partial_credit: bool = False


@dataclass(frozen=True)
class Submission:
    """What a grader needs: the question, its acceptable answers, key points, and the learner's answer."""

    question: str
    references: tuple[str, ...]
    answer: str
    key_points: tuple[str, ...] = ()
    card_id: str | None = None
    deck: str | None = None
    answer_format: AnswerFormat = AnswerFormat()

    @classmethod
    def for_card(cls, card: Any, answer: str, deck: str | None = None) -> Submission:
        """A submission of `answer` to a `quizzer.deck.Card`."""
        return cls(
            question=card.question,
            references=tuple(card.references),
            answer=answer,
            key_points=tuple(card.key_points),
            card_id=card.id,
            deck=deck,
            answer_format=AnswerFormat(
                type=getattr(card, "answer_type", None),
                tolerance=getattr(card, "tolerance", None),
                ordered=getattr(card, "ordered", False),
                partial_credit=getattr(card, "partial_credit", False),
            ),
        )


@dataclass(frozen=True)
class GraderInfo:
    """Which grader made a grade, with what model and settings, so results can be reproduced."""

    name: str
    version: str
    model: str | None = None
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class KeyPointResult:
    """Whether one key point (or reference clause) is present in the answer."""

    text: str
    covered: bool
    similarity: float
    matched_text: str | None = None
    # The answer negates this point ("does not contain a 4-D joint output"): not covered, and worse than missing.
    contradicted: bool = False


@dataclass(frozen=True)
class Grade:
    """A grader's judgement of one answer."""

    verdict: Verdict
    grader: GraderInfo
    # Probability that the answer is correct, where the grader can say.
    probability: float | None = None
    # Credit from 0 to 1 (LLM score, or the probability for the embedding grader).
    score: float | None = None
    feedback: str = ""
    key_points: tuple[KeyPointResult, ...] = ()
    # Index into the submission's references of the closest one.
    matched_reference: int | None = None
    # Named evidence values (cosines, overlaps, flags) that led to the verdict.
    evidence: dict[str, Any] = field(default_factory=dict)
    # Why the grade is "could not grade" (or why a fallback stood in).
    reason: str | None = None
    # An LLM's raw reply, kept for inspection when it could not be used.
    raw_reply: str | None = None
    # Name of the grader that decided when a combined grader delegated (e.g. "llm", "embedding (fallback)").
    decided_by: str | None = None

    @property
    def covered_key_points(self) -> list[str]:
        return [point.text for point in self.key_points if point.covered]

    @property
    def missing_key_points(self) -> list[str]:
        """Key points not covered, the contradicted ones included."""
        return [point.text for point in self.key_points if not point.covered]

    @property
    def contradicted_key_points(self) -> list[str]:
        return [point.text for point in self.key_points if point.contradicted]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict; `Grade.from_dict` reverses it."""
        data = asdict(self)
        data["verdict"] = self.verdict.value
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Grade:
        return cls(
            verdict=Verdict(data["verdict"]),
            grader=GraderInfo(**data["grader"]),
            probability=data.get("probability"),
            score=data.get("score"),
            feedback=data.get("feedback", ""),
            key_points=tuple(KeyPointResult(**point) for point in data.get("key_points", ())),
            matched_reference=data.get("matched_reference"),
            evidence=dict(data.get("evidence", {})),
            reason=data.get("reason"),
            raw_reply=data.get("raw_reply"),
            decided_by=data.get("decided_by"),
        )


@runtime_checkable
class Grader(Protocol):
    """Anything that grades submissions: the cosine baseline, the embedding grader, the LLM judge, a fake."""

    @property
    def info(self) -> GraderInfo: ...

    def grade(self, submission: Submission) -> Grade: ...

    def grade_batch(self, submissions: Sequence[Submission]) -> list[Grade]:
        """Grades in input order; batching lets embedding graders encode once."""
        ...


def ungradable(grader: GraderInfo, reason: str) -> Grade:
    """The grade for a row that could not be scored."""
    return Grade(verdict=Verdict.UNGRADABLE, grader=grader, reason=reason, feedback=f"Could not grade: {reason}")
