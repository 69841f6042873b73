"""The quizzes one server runs: `QuizSession`s by id, each the same quiz as `quizzer quiz`, over one connection.

A browser tab holds a session id (in its URL), so a reload continues where it was, with a grade that is still
waiting for a decision shown again. Each grade is committed by the session before its JSON is returned.
A session the server no longer holds (it restarted, or dropped the least recently used) is built again from
the database under the same id, so its summary still counts what was recorded before.

Used from one thread only (`quizzer.web.worker`): nothing here locks.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from quizzer.core.errors import QuizzerError
from quizzer.core.types import Grader, PreparesCards, Submission, Verdict, utc_now
from quizzer.deck.model import Deck
from quizzer.quiz_text import describe_due
from quizzer.session import QuizSession
from quizzer.storage import reviews as store
from quizzer.storage.db import Connection
from quizzer.web.schemas import (
    AnswerBody,
    ApiError,
    QuizRequest,
    card_json,
    outcome_json,
    rating_name,
    summary_json,
)

MAX_SESSIONS = 32


class Activity:
    """What the quiz thread is doing, read by `GET /api/status` from other threads (a str swap is atomic).

    It is the LLM judge's observer (`quizzer.grading.judge.judge.JudgeObserver`): the grader is built with it,
    so the page can say when an answer waits for the judge.
    """

    def __init__(self) -> None:
        self.phase: str | None = None  # "grading", "loading the model", "asking the judge"

    def judge_started(self, answers: int) -> None:
        self.phase = "asking the judge"

    def judge_finished(self) -> None:
        self.phase = "grading"


log = logging.getLogger(__name__)


@dataclass
class _Live:
    session: QuizSession
    request: QuizRequest
    served_number: int = 0  # which card of the queue was last sent, and when (monotonic) it was first sent
    served_at: float = 0.0


class Quizzes:
    def __init__(
        self,
        connection: Connection,
        decks: Sequence[Deck],
        grader: Callable[[], Grader],
        *,
        new_per_day: int,
        defaults: QuizRequest | None = None,
        model_ready: Callable[[], bool] = lambda: True,
        activity: Activity | None = None,
        clock: Callable[[], datetime] = utc_now,
        max_sessions: int = MAX_SESSIONS,
    ) -> None:
        self.connection = connection
        self.decks = list(decks)
        self.new_per_day = new_per_day
        self.defaults = defaults or QuizRequest()
        self.model_ready = model_ready
        self.activity = activity or Activity()
        self.clock = clock
        self.max_sessions = max_sessions
        self._grader_source = grader
        self._sessions: OrderedDict[str, _Live] = OrderedDict()
        self._prepared: set[tuple[str, str]] = set()

    def next(self, request: QuizRequest, session_id: str | None = None) -> dict[str, Any]:
        """The card on screen in this session (a new session without an id), with its pending grade if any."""
        session_id, live = self._live(request, session_id)
        return self._next_json(session_id, live)

    def answer(self, body: AnswerBody) -> dict[str, Any]:
        """Grades an answer to the card on screen and records it; an empty answer or "?" reveals (Again)."""
        session_id, live = self._answering(body)
        session = live.session
        seconds = round(time.monotonic() - live.served_at, 2) if live.served_at else None
        if body.answer.strip() in ("", "?"):
            outcome = session.reveal(seconds)
        else:
            self.activity.phase = "grading" if self.model_ready() else "loading the model"
            try:
                outcome = session.submit(body.answer, seconds)
            finally:
                self.activity.phase = None
        shown = {**outcome_json(outcome, self.clock()), "session": session_id}
        if (error := session.grading_error) is not None:
            session.grading_error = None  # one answer's failure; the next answer is graded afresh
            shown.update(_grading_failure(error))
        return shown

    def accept(self, review_id: int) -> dict[str, Any]:
        session_id, live = self._pending(review_id)
        if live.session.pending and live.session.pending.needs_decision:
            raise ApiError(409, "this grade is uncertain: decide it first", hint="POST …/decide with a verdict")
        return self._decided(session_id, live, review_id, "accepted", live.session.accept())

    def override(self, review_id: int, verdict: Verdict) -> dict[str, Any]:
        """Marks the grade right (correct) or wrong (incorrect); appended beside the grader's verdict."""
        session_id, live = self._pending(review_id)
        if live.session.pending and live.session.pending.kind == "reveal":
            raise ApiError(409, "a revealed answer can only be accepted or skipped")
        return self._decided(session_id, live, review_id, "overridden", live.session.mark(verdict is Verdict.CORRECT))

    def decide(self, review_id: int, verdict: Verdict) -> dict[str, Any]:
        """Settles an uncertain (or ungradable) grade: correct, partial or incorrect."""
        session_id, live = self._pending(review_id)
        if live.session.pending and not live.session.pending.needs_decision:
            raise ApiError(409, "this grade is not uncertain: accept or override it")
        return self._decided(session_id, live, review_id, "decided", live.session.decide(verdict))

    def skip(self, review_id: int) -> dict[str, Any]:
        """Leaves the review out of the schedule (it stays in the log)."""
        session_id, live = self._pending(review_id)
        live.session.skip()
        return self._decided(session_id, live, review_id, "skipped", None)

    def prepare_next_card(self) -> None:
        """Work done while the learner reads: the grader prepares the newest card on screen (its question,
        references and key points encoded and cached; `PreparesCards`), so the answer's grade starts from there.

        Nothing is graded or recorded, and no LLM is asked. Only once the model has loaded (until then the quiz
        thread stays free for pages), and only for graders that can prepare. One card per call.
        """
        if not self.model_ready():
            return
        grader = self._grader_source()
        if not isinstance(grader, PreparesCards):
            return
        for live in reversed(self._sessions.values()):
            item = live.session.current
            if item is None or live.session.pending is not None or (item.deck, item.card.id) in self._prepared:
                continue
            self._prepared.add((item.deck, item.card.id))
            grader.prepare([Submission.for_card(item.card, "", item.deck)])
            return

    def _decided(self, session_id: str, live: _Live, review_id: int, action: str, rating: Any) -> dict[str, Any]:
        return {"review_id": review_id, "action": action, "rating": int(rating) if rating is not None else None,
                "rating_name": rating_name(rating), "next": self._next_json(session_id, live)}

    def _next_json(self, session_id: str, live: _Live) -> dict[str, Any]:
        session = live.session
        now = self.clock()
        total = len(session.queue)
        reply: dict[str, Any] = {
            "session": session_id,
            "quiz": live.request.to_dict(),
            "url": "/quiz?" + urlencode([*live.request.query_pairs(self.defaults), ("session", session_id)]),
            "due_left": session.remaining,
            "total": total,
            "card": None,
            "pending": None,
        }
        item = session.current
        if item is None:
            summary = session.summary()
            return {**reply, "next_due": summary.next_due.isoformat() if summary.next_due else None,
                    "next_due_in": describe_due(summary.next_due, now) if summary.next_due else None,
                    "summary": summary_json(summary, now)}
        number = total - session.remaining + 1
        if live.served_number != number:  # first sent now: the answer's time counts from here
            live.served_number, live.served_at = number, time.monotonic()
        reply["card"] = card_json(item, number, total)
        if session.pending is not None:
            reply["pending"] = outcome_json(session.pending, now)
        return reply

    def _live(self, request: QuizRequest, session_id: str | None) -> tuple[str, _Live]:
        if session_id is not None and session_id in self._sessions:
            self._sessions.move_to_end(session_id)
            return session_id, self._sessions[session_id]
        decks = [deck for deck in self.decks if not request.decks or deck.name in request.decks]
        limit = request.limit
        if session_id is not None and limit is not None:
            # The same session built again: what it already recorded counts toward its limit.
            limit = max(0, limit - len(store.reviews_of(self.connection, session_id)))
        options = replace(request, limit=limit).options(self.new_per_day)
        session_id = session_id or uuid.uuid4().hex
        # The grader is asked for at the first answer (it may still be loading when the first question shows).
        session = QuizSession(self.connection, decks, lambda: self._grader_source(), options, clock=self.clock,
                              session_id=session_id)
        self._sessions[session_id] = _Live(session, request)
        while len(self._sessions) > self.max_sessions:
            self._sessions.popitem(last=False)
        return session_id, self._sessions[session_id]

    def _answering(self, body: AnswerBody) -> tuple[str, _Live]:
        """The session whose card on screen is the one answered (the named session, else the latest such)."""
        if body.session is not None:
            candidates = [(body.session, self._sessions[body.session])] if body.session in self._sessions else []
            if not candidates:
                raise ApiError(409, f"no quiz session {body.session} on this server",
                               hint="reload the page (GET /api/next) to continue it")
        else:
            candidates = list(reversed(self._sessions.items()))
        for session_id, live in candidates:
            item = live.session.current
            if item is not None and (item.deck, item.card.id) == (body.deck, body.card_id):
                if live.session.pending is not None:
                    raise ApiError(409, "this card is already graded: its grade is waiting for a decision",
                                   hint=f"accept, override, decide or skip review {live.session.pending.review_id}")
                self._sessions.move_to_end(session_id)
                return session_id, live
        raise ApiError(409, f"no quiz is waiting for an answer to {body.deck}/{body.card_id}",
                       hint="answer the card that GET /api/next returned")

    def _pending(self, review_id: int) -> tuple[str, _Live]:
        for session_id, live in reversed(self._sessions.items()):
            if live.session.pending is not None and live.session.pending.review_id == review_id:
                return session_id, live
        raise ApiError(409, f"review {review_id} is not waiting for a decision",
                       hint="only the grade on screen can be accepted, overridden, decided or skipped")


def _grading_failure(error: BaseException) -> dict[str, Any]:
    """What the page shows of a grader's failure: the answer is saved as "could not grade" either way. A
    QuizzerError says what to do; anything else is a bug, whose text (paths, internals) stays in the console."""
    if isinstance(error, QuizzerError):
        return {"reason": f"the grader failed: {error.message}", "hint": error.hint}
    log.error("the grader failed", exc_info=error)
    reason = "the grader failed (an internal error; the server's console has the details)"
    return {"reason": reason, "feedback": f"Could not grade: {reason}"}
