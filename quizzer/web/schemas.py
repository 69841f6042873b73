"""What the JSON API reads and writes: quiz choices from a query string, request bodies, cards, grades, summaries.

Field names follow `quizzer grade` (verdict, probability, covered_key_points, missing_key_points,
matched_reference, feedback, grader, decided_by) and `quizzer export reviews` (review_id, deck, card_id,
rating as 1-4). Everything here is plain data: no web framework, so it is tested on its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from quizzer.core.errors import QuizzerError
from quizzer.core.text_input import ANSWER_MAX_CHARS, answer_too_long
from quizzer.core.types import Rating, Verdict
from quizzer.quiz_text import describe_due, matched_reference, misconception_lines, probability_line, reflow, summary_rows
from quizzer.session import Outcome, QueueItem, QuizOptions, Summary

# One answer per body: escaped as \uXXXX, a character takes at most 6 bytes (12 for a surrogate pair, which
# counts as 2 characters toward the limit), plus room for the other fields.
MAX_BODY_BYTES = 6 * ANSWER_MAX_CHARS + 4096
MAX_TAG_CHARS = 100
MAX_COUNT = 100_000
SESSION_ID = re.compile(r"[0-9a-f]{8,32}")
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("", "0", "false", "no", "off")

GetList = Callable[[str], list[str]]  # a query string's values for one name, in order ([] when absent)


class ApiError(QuizzerError):
    """A request the API refuses: its HTTP status, a message for people and an optional hint."""

    def __init__(self, status: int, message: str, hint: str | None = None) -> None:
        super().__init__(message, hint)
        self.status = status


@dataclass(frozen=True)
class QuizRequest:
    """Which cards a quiz walks, as `quizzer quiz` takes them: decks (none: all served), tags, new, limit, cram."""

    decks: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    new: int | None = None
    limit: int | None = None
    cram: bool = False

    def options(self, new_per_day: int) -> QuizOptions:
        return QuizOptions(self.tags, self.limit, self.new, self.cram, new_per_day)

    def to_dict(self) -> dict[str, Any]:
        return {"decks": list(self.decks), "tags": list(self.tags), "new": self.new, "limit": self.limit,
                "cram": self.cram}

    def query_pairs(self, defaults: QuizRequest) -> list[tuple[str, str]]:
        """The query string that asks for this quiz where it differs from the server's `defaults`."""
        pairs: list[tuple[str, str]] = []
        if self.decks != defaults.decks:
            pairs += [("deck", deck) for deck in self.decks] or [("deck", "")]
        if self.tags != defaults.tags:
            pairs += [("tag", tag) for tag in self.tags] or [("tag", "")]
        for name, value, default in (("new", self.new, defaults.new), ("limit", self.limit, defaults.limit)):
            if value != default:
                pairs.append((name, "" if value is None else str(value)))
        if self.cram != defaults.cram:
            pairs.append(("cram", "1" if self.cram else "0"))
        return pairs


def quiz_request(get: GetList, defaults: QuizRequest, deck_names: Sequence[str]) -> QuizRequest:
    """The quiz a query string asks for. A name left out takes the server's default (its command line);
    an empty value means none (`tag=`: any tag, `limit=`: no limit, `deck=`: every served deck)."""
    decks = defaults.decks
    if get("deck"):
        decks = tuple(dict.fromkeys(value for value in get("deck") if value))
        unknown = [deck for deck in decks if deck not in deck_names]
        if unknown:
            raise ApiError(400, f"unknown deck {unknown[0]!r}", hint=f"served decks: {', '.join(deck_names)}")
    tags = defaults.tags
    if get("tag"):
        tags = tuple(dict.fromkeys(value.strip() for value in get("tag") if value.strip()))
        if any(len(tag) > MAX_TAG_CHARS for tag in tags):
            raise ApiError(400, f"a tag is longer than {MAX_TAG_CHARS} characters")
    return QuizRequest(
        decks=decks,
        tags=tags,
        new=_count(get, "new", defaults.new, minimum=0),
        limit=_count(get, "limit", defaults.limit, minimum=1),
        cram=_flag(get, "cram", defaults.cram),
    )


def session_param(value: str | None) -> str | None:
    """A quiz session's id from a request (None: start a new one)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not SESSION_ID.fullmatch(value):
        raise ApiError(400, "`session` must be a quiz session id (8 to 32 lower-case hex digits)")
    return value


@dataclass(frozen=True)
class AnswerBody:
    deck: str
    card_id: str
    answer: str
    session: str | None = None


def answer_body(body: dict[str, Any]) -> AnswerBody:
    """`POST /api/answer`: {"deck", "card_id", "answer"} and optionally the "session" the card belongs to."""
    fields = {name: body.get(name) for name in ("deck", "card_id", "answer")}
    missing = [name for name, value in fields.items() if value is None]
    if missing:
        raise ApiError(400, f"missing field {missing[0]!r}", hint='send {"deck", "card_id", "answer"}')
    wrong = [name for name, value in fields.items() if not isinstance(value, str)]
    if wrong:
        raise ApiError(400, f"{wrong[0]!r} must be a string")
    answer = fields["answer"]
    if too_long := answer_too_long(answer):  # the one limit and message of the quiz, grade and eval
        raise ApiError(413, too_long)
    return AnswerBody(fields["deck"], fields["card_id"], answer, session_param(body.get("session")))


def verdict_body(body: dict[str, Any], allowed: Sequence[Verdict]) -> Verdict:
    """The learner's verdict in `{"verdict": ...}`, one of `allowed`."""
    names = ", ".join(verdict.value for verdict in allowed)
    value = body.get("verdict")
    for verdict in allowed:
        if value == verdict.value:
            return verdict
    raise ApiError(400, f"`verdict` must be one of: {names}" + (f", not {value!r}" if value is not None else ""))


def card_json(item: QueueItem, number: int, total: int) -> dict[str, Any]:
    """A card as the learner sees it before answering (no reference, no key points)."""
    return {
        "deck": item.deck,
        "card_id": item.card.id,
        "question": item.card.question,
        "tags": list(item.card.tags),
        "is_new": item.is_new,
        "edited": item.edited,
        "number": number,
        "total": total,
    }


def outcome_json(outcome: Outcome, now: datetime) -> dict[str, Any]:
    """A recorded grade with what the grade panel shows: reference, notes, the rating that will be recorded."""
    grade = outcome.grade
    card = outcome.item.card
    return {
        "review_id": outcome.review_id,
        "deck": outcome.item.deck,
        "card_id": card.id,
        "question": card.question,
        "kind": outcome.kind,
        "answer": outcome.answer,
        "verdict": grade.verdict.value,
        "probability": grade.probability,
        "probability_line": probability_line(grade),  # empty beside a partial or incorrect verdict
        "score": grade.score,
        "feedback": grade.feedback,
        "reason": grade.reason,
        "covered_key_points": grade.covered_key_points,
        "missing_key_points": grade.missing_key_points,
        "contradicted_key_points": grade.contradicted_key_points,
        "matched_reference": grade.matched_reference,
        "reference": matched_reference(outcome),
        "notes": reflow(card.notes) if card.notes else "",
        "misconceptions": misconception_lines(card.misconceptions),
        "grader": {"name": grade.grader.name, "version": grade.grader.version, "model": grade.grader.model},
        "decided_by": grade.decided_by or grade.grader.name,
        "rating": int(outcome.rating) if outcome.rating is not None else None,
        "rating_name": rating_name(outcome.rating),
        "needs_decision": outcome.needs_decision,
        "cram": outcome.cram,
        "due": outcome.due.isoformat() if outcome.due else None,
        "due_in": describe_due(outcome.due, now) if outcome.due else None,
    }


def summary_json(summary: Summary, now: datetime) -> dict[str, Any]:
    """The session's counts, and the rows the terminal's summary panel shows."""
    data = asdict(summary)
    data["next_due"] = summary.next_due.isoformat() if summary.next_due else None
    data["rows"] = [list(row) for row in summary_rows(summary, now)]
    return data


def rating_name(rating: Rating | None) -> str | None:
    return rating.name.capitalize() if rating is not None else None


def _count(get: GetList, name: str, default: int | None, minimum: int) -> int | None:
    values = get(name)
    if not values:
        return default
    text = values[-1].strip()
    if text == "":
        return None
    if not re.fullmatch(r"[0-9]{1,6}", text) or not minimum <= int(text) <= MAX_COUNT:
        raise ApiError(400, f"`{name}` must be a whole number from {minimum} to {MAX_COUNT:,}, not {text[:20]!r}")
    return int(text)


def _flag(get: GetList, name: str, default: bool) -> bool:
    values = get(name)
    if not values:
        return default
    text = values[-1].strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ApiError(400, f"`{name}` must be 1 or 0 (true or false), not {text[:20]!r}")
