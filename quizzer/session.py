"""The quiz use case, without any UI: pick the cards, grade answers, record reviews and the learner's decisions.

A session walks a queue built once at the start: cards due by their FSRS due date (most overdue first), then
new cards in deck order up to what is left of the day's new-card limit. Each answer is graded and recorded
(committed) before the caller shows the grade; the learner's accept, override, decision or skip that follows
is appended beside it. `--cram` walks every matching card and records reviews that never touch the schedule.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from quizzer.core.errors import QuizzerError, StorageError
from quizzer.core.text_input import answer_too_long, clean_text
from quizzer.core.types import Grade, Grader, GraderInfo, Rating, Submission, Verdict, ungradable, utc_now
from quizzer.deck.model import Card, Deck
from quizzer.reviewing import record_decision, record_review
from quizzer.scheduling import rating_for
from quizzer.storage import reviews as store
from quizzer.storage.db import Connection

REVEAL_GRADER = GraderInfo(name="reveal", version="1")
# Who "graded" an answer that no grader could: it is saved ungraded, for the learner to decide.
NO_GRADER = GraderInfo(name="none", version="1")


@dataclass(frozen=True)
class QuizOptions:
    tags: tuple[str, ...] = ()
    limit: int | None = None  # most cards this session
    new: int | None = None  # most new cards this session (default: what is left of new_per_day)
    cram: bool = False
    new_per_day: int = 20


@dataclass(frozen=True)
class QueueItem:
    deck: str
    card: Card
    is_new: bool
    edited: bool = False


@dataclass(frozen=True)
class Outcome:
    """A recorded review as the learner sees it, before deciding anything."""

    review_id: int
    item: QueueItem
    answer: str
    grade: Grade
    kind: str  # "answer" or "reveal"
    # The rating recorded unless the learner says otherwise; None when a decision is needed first.
    rating: Rating | None
    answer_seconds: float | None
    cram: bool = False
    # When the card is due again under the proposed rating (None: cram, or undecided).
    due: datetime | None = None

    @property
    def needs_decision(self) -> bool:
        return self.rating is None


@dataclass
class Summary:
    reviewed: int = 0
    answered: int = 0
    revealed: int = 0
    correct: int = 0
    partial: int = 0
    incorrect: int = 0
    undecided: int = 0
    overridden: int = 0
    settled: int = 0  # uncertain grades the learner decided
    skipped: int = 0
    left_in_queue: int = 0
    cram: bool = False
    next_due: datetime | None = None
    by_rating: dict[str, int] = field(default_factory=dict)


def local_day_start(now: datetime) -> datetime:
    """Midnight of the learner's local day containing `now` (new-card limits reset then)."""
    local = now.astimezone()
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def build_queue(
    connection: Connection,
    decks: Sequence[Deck],
    options: QuizOptions,
    now: datetime,
    day_start: datetime | None = None,
) -> list[QueueItem]:
    """The cards of this session, in order."""
    day_start = day_start or local_day_start(now)
    introduced = store.introduced_cards(connection)
    due: list[tuple[datetime, QueueItem]] = []
    later: list[tuple[datetime, QueueItem]] = []
    fresh: list[QueueItem] = []
    for deck in decks:
        states = store.deck_states(connection, deck.name)
        for card in deck.cards:
            if options.tags and not set(options.tags) & set(card.tags):
                continue
            state = states.get(card.id)
            is_new = state is None and (deck.name, card.id) not in introduced
            item = QueueItem(deck.name, card, is_new, store.is_edited(connection, deck.name, card.id))
            if state is None:
                # Introduced but unscheduled (an undecided uncertain grade, or skipped): due now, not new.
                (fresh.append(item) if is_new else due.append((now, item)))
            elif state.due <= now:
                due.append((state.due, item))
            else:
                later.append((state.due, item))
    due.sort(key=lambda pair: pair[0])
    if options.cram:
        later.sort(key=lambda pair: pair[0])
        queue = [item for _, item in due] + [item for _, item in later] + fresh
    else:
        allowed_new = options.new if options.new is not None else max(
            0, options.new_per_day - store.new_cards_introduced_since(connection, day_start)
        )
        queue = [item for _, item in due] + fresh[: max(0, allowed_new)]
    return queue[: options.limit] if options.limit is not None else queue


class QuizSession:
    """One sitting: `current` is the card on screen; submit or reveal records it; a decision moves on."""

    def __init__(
        self,
        connection: Connection,
        decks: Sequence[Deck],
        grader: Grader | Callable[[], Grader],
        options: QuizOptions | None = None,
        clock: Callable[[], datetime] = utc_now,
        session_id: str | None = None,
    ) -> None:
        self.connection = connection
        self.options = options or QuizOptions()
        self.clock = clock
        self.session_id = session_id or uuid.uuid4().hex
        self._grader_source = grader
        self._grader: Grader | None = grader if isinstance(grader, Grader) else None
        for deck in decks:
            store.register_deck(connection, deck, clock())
        self.queue = build_queue(connection, decks, self.options, clock())
        self._position = 0
        self.pending: Outcome | None = None
        self._pace: list[float] = []
        self._deck_names = [deck.name for deck in decks]
        self.shown_at: datetime | None = clock() if self.queue else None
        # Why grading failed (the grader could not be built, its model not loaded): the answer was saved
        # ungraded; a UI ends the session after the learner's decision on it.
        self.grading_error: BaseException | None = None
        self._unsaved: tuple[QueueItem, str, Grade, str, Rating | None, float | None] | None = None

    @property
    def current(self) -> QueueItem | None:
        return self.queue[self._position] if self._position < len(self.queue) else None

    @property
    def remaining(self) -> int:
        """Cards still to go, the current one included."""
        return max(0, len(self.queue) - self._position)

    @property
    def grader(self) -> Grader:
        if self._grader is None:
            self._grader = self._grader_source()  # type: ignore[operator]
        return self._grader

    def submit(self, answer: str, seconds: float | None = None) -> Outcome:
        """Grades an answer to the current card and records it (committed) before returning the grade.

        The answer is never lost: one over the size limit, or one the grader fails on, is recorded as
        "could not grade" with the reason (the learner decides it; `grading_error` says why grading failed).
        """
        return self.record_answer(answer, self.grade(answer), seconds)

    def grade(self, answer: str) -> Grade:
        """The grade of an answer to the current card, not recorded (a UI may grade in another thread, then
        `record_answer`). Never raises for the grader's failure: that is a "could not grade" grade."""
        item = self._require_card()
        return self._grade(Submission.for_card(item.card, clean_text(answer), item.deck))

    def grade_without_judge(self, answer: str, reason: str) -> Grade:
        """The offline grade standing in for an LLM judge's that the learner did not wait for (`reason`)."""
        item = self._require_card()
        submission = Submission.for_card(item.card, clean_text(answer), item.deck)
        stand_in = getattr(self._grader, "without_judge", None)  # the llm and hybrid graders
        if stand_in is None or answer_too_long(submission.answer):
            return self._grade(submission)
        try:
            return stand_in(submission, reason)
        except Exception as error:  # noqa: BLE001 - the answer is still saved
            return ungradable(self.grader.info, f"the grader failed: {error}")

    def record_answer(self, answer: str, grade: Grade, seconds: float | None = None) -> Outcome:
        """Records an answer to the current card with its grade (committed); the grade the learner sees next."""
        item = self._require_card()
        # The learner's pace before this answer: what "fast" (Easy) is measured against, now and on override.
        self._pace = store.recent_answer_seconds(self.connection)
        return self._record(item, clean_text(answer), grade, "answer", rating_for(grade.verdict, seconds, self._pace),
                            seconds)

    def _grade(self, submission: Submission) -> Grade:
        if too_long := answer_too_long(submission.answer):
            return ungradable(self._grader.info if self._grader else NO_GRADER, too_long)
        try:
            return self.grader.grade(submission)
        except Exception as error:  # noqa: BLE001 - the answer is saved first; the UI reports the error after
            self.grading_error = error
            reason = error.message if isinstance(error, QuizzerError) else f"{type(error).__name__}: {error}"
            return ungradable(self._grader.info if self._grader else NO_GRADER, f"the grader failed: {reason}")

    def save_again(self) -> Outcome:
        """Records the graded answer whose recording failed (the database was locked) again; not graded again."""
        if self._unsaved is None:
            raise ValueError("no answer is waiting to be saved")
        return self._record(*self._unsaved)

    def reveal(self, seconds: float | None = None) -> Outcome:
        """Shows the answer without an attempt: recorded as Again."""
        item = self._require_card()
        grade = Grade(
            verdict=Verdict.INCORRECT,
            grader=REVEAL_GRADER,
            probability=None,
            feedback="Revealed without answering.",
        )
        return self._record(item, "", grade, "reveal", Rating.AGAIN, seconds)

    def accept(self) -> Rating | None:
        """Keeps the proposed rating (nothing more to record) and moves on."""
        outcome = self._require_pending()
        if outcome.needs_decision:
            raise ValueError("this grade is uncertain: decide it first")
        return self._advance(outcome.rating)

    def mark(self, correct: bool) -> Rating:
        """Overrides the grade: right (Good, or Easy if fast) or wrong (Again), appended beside it."""
        outcome = self._require_pending()
        verdict = Verdict.CORRECT if correct else Verdict.INCORRECT
        kind = store.DecisionKind.UNCERTAIN if outcome.needs_decision else store.DecisionKind.OVERRIDE
        return self._decide(outcome, kind, verdict)

    def decide(self, verdict: Verdict) -> Rating:
        """The learner's verdict on an uncertain grade (correct, partial or incorrect)."""
        outcome = self._require_pending()
        if not verdict.is_final:
            raise ValueError(f"a decision must be correct, partial or incorrect, not {verdict.value}")
        return self._decide(outcome, store.DecisionKind.UNCERTAIN, verdict)

    def skip(self) -> None:
        """Leaves this review out of the schedule (it stays in the log) and moves on."""
        outcome = self._require_pending()
        record_decision(
            self.connection, outcome.review_id, store.DecisionKind.SKIP, outcome.grade.verdict, None, self.clock()
        )
        self._advance(None)

    def defer(self) -> None:
        """Moves on without deciding an uncertain grade: it stays recorded as uncertain and off the schedule."""
        self._require_pending()
        self._advance(None)

    def summary(self) -> Summary:
        """What this session recorded, read back from the database (so it is true even after an interruption)."""
        summary = Summary(cram=self.options.cram, left_in_queue=self.remaining - (1 if self.pending else 0))
        for review in store.reviews_of(self.connection, self.session_id):
            summary.reviewed += 1
            summary.answered += review.kind == "answer"
            summary.revealed += review.kind == "reveal"
            if review.decision_kind == store.DecisionKind.SKIP:
                summary.skipped += 1
                continue
            summary.overridden += review.decision_kind == store.DecisionKind.OVERRIDE
            summary.settled += review.decision_kind == store.DecisionKind.UNCERTAIN
            verdict = review.final_verdict if review.kind == "answer" else "revealed"
            if review.final_rating is None:
                summary.undecided += 1
            elif verdict == Verdict.CORRECT.value:
                summary.correct += 1
            elif verdict == Verdict.PARTIAL.value:
                summary.partial += 1
            elif verdict == Verdict.INCORRECT.value:
                summary.incorrect += 1
            if review.final_rating is not None:
                name = review.final_rating.name.capitalize()
                summary.by_rating[name] = summary.by_rating.get(name, 0) + 1
        summary.next_due = store.next_due(self.connection, self._deck_names)
        return summary

    def _record(
        self, item: QueueItem, answer: str, grade: Grade, kind: str, rating: Rating | None, seconds: float | None
    ) -> Outcome:
        if self.pending is not None:
            raise ValueError("the previous grade is still waiting for a decision")
        try:
            recorded = record_review(
                self.connection,
                deck=item.deck,
                card=item.card,
                answer=answer,
                grade=grade,
                rating=rating,
                kind=kind,
                answer_seconds=seconds,
                cram=self.options.cram,
                session_id=self.session_id,
                shown_at=self.shown_at,
                reviewed_at=self.clock(),
            )
        except StorageError:
            self._unsaved = (item, answer, grade, kind, rating, seconds)  # kept for `save_again`
            raise
        self._unsaved = None
        state = recorded.state
        self.pending = Outcome(recorded.id, item, answer, grade, kind, rating, seconds, self.options.cram,
                               state.due if state else None)
        return self.pending

    def _decide(self, outcome: Outcome, kind: str, verdict: Verdict) -> Rating:
        seconds = outcome.answer_seconds if outcome.kind == "answer" else None
        rating = rating_for(verdict, seconds, self._pace)
        assert rating is not None
        record_decision(self.connection, outcome.review_id, kind, verdict, rating, self.clock())
        self._advance(rating)
        return rating

    def _advance(self, rating: Rating | None) -> Rating | None:
        self.pending = None
        self._position += 1
        self.shown_at = self.clock() if self.current else None
        return rating

    def _require_card(self) -> QueueItem:
        item = self.current
        if item is None:
            raise ValueError("no card left in this session")
        return item

    def _require_pending(self) -> Outcome:
        if self.pending is None:
            raise ValueError("no graded answer is waiting for a decision")
        return self.pending
