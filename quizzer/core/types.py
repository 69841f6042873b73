"""The value types every layer shares: grading's (`Verdict`, `Submission`, `Grade` and the one protocol, `Grader`,
with `PreparesCards` for the graders that can work ahead), a card's short-answer fields (`AnswerType`,
`AnswerFormat`), an answer's `Encoding` by the embedding model, and scheduling's (`Rating`, `Phase`, `CardState`,
UTC times)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from enum import Enum, IntEnum
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    import numpy as np


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


class AnswerType(str, Enum):
    """The form a card's answer takes (its `type:`, else detected by `quizzer.grading.offline.typed`); TEXT keeps
    the free-text grader."""

    NUMBER = "number"
    EXPRESSION = "expression"
    LIST = "list"
    NAME = "name"
    CODE = "code"
    DATE = "date"
    YES_NO = "yes_no"
    TEXT = "text"


# `tolerance:` is an absolute amount in the first answer's unit ("0.5") or a share of it ("1%").
_TOLERANCE = re.compile(r"^\s*(\d+(?:\.\d+)?|\.\d+)\s*(%?)\s*$")


def parse_tolerance(text: str | None) -> tuple[float, bool] | None:
    """A `tolerance:` as (amount, whether a percentage): "0.5" is (0.5, False), "1%" (1.0, True); None if neither."""
    match = _TOLERANCE.match(text or "")
    return None if match is None else (float(match.group(1)), bool(match.group(2)))


@dataclass(frozen=True)
class AnswerFormat:
    """What a card says about the form of its answer: its deck fields `type`, `tolerance`, `ordered` and
    `partial_credit` (see `quizzer.grading.offline.typed`). The default says nothing: the form is detected."""

    type: str | None = None
    tolerance: str | None = None
    ordered: bool = False
    partial_credit: bool = False

    def fields(self) -> dict[str, str | bool]:
        """The fields that are set, under their deck-file names."""
        return {name: value for name, value in asdict(self).items() if value}


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
            answer_format=getattr(card, "answer_format", AnswerFormat()),
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


@runtime_checkable
class PreparesCards(Protocol):
    """A grader that can do a card's share of the work before any answer to it comes (the quiz calls it while
    the learner reads the question)."""

    def prepare(self, submissions: Sequence[Submission]) -> None:
        """Readies grading answers to these submissions' cards; reads only the card side (question,
        references, key points), never the answer, and asks no LLM."""
        ...


def ungradable(grader: GraderInfo, reason: str) -> Grade:
    """The grade for a row that could not be scored."""
    return Grade(verdict=Verdict.UNGRADABLE, grader=grader, reason=reason, feedback=f"Could not grade: {reason}")


@dataclass(frozen=True)
class Encoding:
    """One text as the embedding model sees it. Token arrays exclude [CLS] and [SEP]."""

    text: str
    vector: np.ndarray  # (dim,) float32, unit length
    token_ids: np.ndarray  # (n,) int32
    token_vectors: np.ndarray  # (n, dim) float32, rows unit length
    offsets: np.ndarray  # (n, 2) int32 character spans of the tokens in `text`


# -- scheduling ----------------------------------------------------------------------------------------
class Rating(IntEnum):
    """FSRS's four ratings (same values), so the rest of quizzer need not import fsrs."""

    AGAIN = 1
    HARD = 2
    GOOD = 3
    EASY = 4


class Phase(IntEnum):
    """FSRS's card states (same values)."""

    LEARNING = 1
    REVIEW = 2
    RELEARNING = 3


@dataclass(frozen=True)
class CardState:
    """A card's memory state after its reviews so far."""

    phase: Phase
    step: int | None
    stability: float | None
    difficulty: float | None
    due: datetime
    last_review: datetime | None
    reps: int = 0
    lapses: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready; `CardState.from_dict` reverses it (stored in card_states.fsrs_json)."""
        return {
            "phase": int(self.phase),
            "step": self.step,
            "stability": self.stability,
            "difficulty": self.difficulty,
            "due": self.due.isoformat(),
            "last_review": self.last_review.isoformat() if self.last_review else None,
            "reps": self.reps,
            "lapses": self.lapses,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CardState:
        return cls(
            phase=Phase(int(data["phase"])),
            step=data.get("step"),
            stability=data.get("stability"),
            difficulty=data.get("difficulty"),
            due=to_utc(datetime.fromisoformat(data["due"])),
            last_review=to_utc(datetime.fromisoformat(data["last_review"])) if data.get("last_review") else None,
            reps=int(data.get("reps", 0)),
            lapses=int(data.get("lapses", 0)),
        )


def to_utc(moment: datetime) -> datetime:
    """The same instant in UTC; a naive datetime is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def utc_now() -> datetime:
    return datetime.now(UTC)
