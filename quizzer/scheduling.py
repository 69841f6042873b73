"""The FSRS adapter: verdict -> rating, and (state, rating, now) -> next state. The only module importing fsrs.

Scheduling is a pure function of the card's state, the rating and the review time (UTC). Interval fuzzing is
off, so replaying a card's review log always rebuilds exactly the state that reviewing it step by step gave.

Verdict -> rating (`rating_for`):

- incorrect -> Again; a reveal without answering -> Again
- partial -> Hard
- correct -> Good, or Easy when the answer also came fast for this learner: at most `EASY_FRACTION` of the
  median of their own last answer times, once at least `EASY_MIN_HISTORY` timed answers exist
- uncertain and "could not grade" -> no rating: the learner (or the LLM judge) settles it first, and until then
  the review does not touch the schedule
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime

from fsrs import Card as FsrsCard, Rating as FsrsRating, Scheduler

from quizzer.core.types import CardState, Phase, Rating, Verdict, to_utc

# Easy needs an answer at most this fraction of the learner's median time, with this much history.
EASY_FRACTION = 0.5
EASY_MIN_HISTORY = 5

# Fuzzing draws from the global random module; without it the schedule is reproducible.
_SCHEDULER = Scheduler(enable_fuzzing=False)
# fsrs wants an integer card id; ours are strings, and the id takes no part in the arithmetic.
_FSRS_CARD_ID = 0


def rating_for(
    verdict: Verdict, answer_seconds: float | None = None, recent_seconds: Sequence[float] = ()
) -> Rating | None:
    """The rating a verdict proposes; None for uncertain and "could not grade", which need a decision first."""
    if verdict is Verdict.INCORRECT:
        return Rating.AGAIN
    if verdict is Verdict.PARTIAL:
        return Rating.HARD
    if verdict is Verdict.CORRECT:
        return Rating.EASY if is_fast(answer_seconds, recent_seconds) else Rating.GOOD
    return None


def is_fast(answer_seconds: float | None, recent_seconds: Sequence[float]) -> bool:
    """True when this answer took at most EASY_FRACTION of the learner's own median answer time."""
    if answer_seconds is None or len(recent_seconds) < EASY_MIN_HISTORY:
        return False
    return answer_seconds <= EASY_FRACTION * statistics.median(recent_seconds)


def review(state: CardState | None, rating: Rating, now: datetime) -> CardState:
    """The state after reviewing a card (None: never reviewed) with `rating` at `now`."""
    now = to_utc(now)
    card = _to_fsrs(state) if state is not None else FsrsCard(card_id=_FSRS_CARD_ID, due=now)
    reviewed, _ = _SCHEDULER.review_card(card, FsrsRating(int(rating)), review_datetime=now)
    previous = state or _blank(now)
    lapsed = rating is Rating.AGAIN and previous.phase is Phase.REVIEW
    return replace(
        _from_fsrs(reviewed),
        reps=previous.reps + 1,
        lapses=previous.lapses + (1 if lapsed else 0),
    )


def replay(reviews: Iterable[tuple[datetime, Rating]]) -> CardState | None:
    """Rebuilds a card's state from its (time, final rating) log, in time order; None when the log is empty.

    One pass: each event is reviewed in turn, which counts reps and lapses as it goes (fsrs's own
    `reschedule_card` folds `review_card` over the sorted log the same way, but keeps no counters).
    """
    state: CardState | None = None
    for moment, rating in sorted(((to_utc(moment), rating) for moment, rating in reviews), key=lambda event: event[0]):
        state = review(state, rating, moment)
    return state


def retrievability(state: CardState | None, now: datetime) -> float:
    """Predicted probability of recalling the card at `now` (0 for a card never reviewed)."""
    if state is None:
        return 0.0
    return float(_SCHEDULER.get_card_retrievability(_to_fsrs(state), current_datetime=to_utc(now)))


def forgetting_curve() -> tuple[float, float]:
    """(decay, factor) of the scheduler's curve: recall after t days at stability S is (1 + factor * t / S) ** decay.

    For vectorised retrievability over many cards (mastery views) without building fsrs objects one by one.
    """
    decay = -float(_SCHEDULER.parameters[20])
    return decay, 0.9 ** (1 / decay) - 1


def _blank(now: datetime) -> CardState:
    return CardState(Phase.LEARNING, 0, None, None, now, None)


def _to_fsrs(state: CardState) -> FsrsCard:
    # fsrs's dict has the same fields under the same names, bar the id and "state" for our phase.
    return FsrsCard.from_dict({**state.to_dict(), "card_id": _FSRS_CARD_ID, "state": int(state.phase)})  # type: ignore[typeddict-item]


def _from_fsrs(card: FsrsCard) -> CardState:
    return CardState.from_dict({**card.to_dict(), "phase": int(card.state)})
