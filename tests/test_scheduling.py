"""The FSRS adapter: verdict -> rating, pure state transitions at fixed UTC times, replay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from quizzer.core.types import CardState, Phase, Rating, Verdict
from quizzer.scheduling import (
    EASY_MIN_HISTORY,
    forgetting_curve,
    rating_for,
    replay,
    retrievability,
    review,
)

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def test_verdicts_map_to_ratings() -> None:
    assert rating_for(Verdict.INCORRECT) is Rating.AGAIN
    assert rating_for(Verdict.PARTIAL) is Rating.HARD
    assert rating_for(Verdict.CORRECT) is Rating.GOOD


def test_uncertain_and_ungradable_need_a_decision_first() -> None:
    assert rating_for(Verdict.UNCERTAIN, 3.0, [10.0] * 10) is None
    assert rating_for(Verdict.UNGRADABLE, 3.0, [10.0] * 10) is None


def test_easy_only_when_correct_and_fast_against_own_median() -> None:
    history = [20.0, 30.0, 40.0, 50.0, 60.0]  # median 40
    assert rating_for(Verdict.CORRECT, 20.0, history) is Rating.EASY
    assert rating_for(Verdict.CORRECT, 21.0, history) is Rating.GOOD
    # Fast but only partly right: still Hard.
    assert rating_for(Verdict.PARTIAL, 1.0, history) is Rating.HARD


def test_easy_needs_enough_history() -> None:
    assert rating_for(Verdict.CORRECT, 1.0, [60.0] * (EASY_MIN_HISTORY - 1)) is Rating.GOOD
    assert rating_for(Verdict.CORRECT, None, [60.0] * 20) is Rating.GOOD


def test_first_good_review_enters_learning_steps() -> None:
    state = review(None, Rating.GOOD, T0)
    assert state.phase is Phase.LEARNING
    assert state.last_review == T0
    assert state.due == T0 + timedelta(minutes=10)
    assert state.reps == 1 and state.lapses == 0


def test_again_comes_back_sooner_than_good_and_good_than_easy() -> None:
    again = review(None, Rating.AGAIN, T0)
    good = review(None, Rating.GOOD, T0)
    easy = review(None, Rating.EASY, T0)
    assert again.due < good.due < easy.due
    assert easy.phase is Phase.REVIEW


def test_review_is_pure_and_deterministic() -> None:
    first = review(review(None, Rating.GOOD, T0), Rating.GOOD, T0 + timedelta(minutes=10))
    second = review(review(None, Rating.GOOD, T0), Rating.GOOD, T0 + timedelta(minutes=10))
    assert first == second
    assert first.phase is Phase.REVIEW
    assert first.due > T0 + timedelta(days=1)


def test_lapse_counted_when_a_review_card_is_forgotten() -> None:
    state = review(None, Rating.EASY, T0)
    lapsed = review(state, Rating.AGAIN, state.due)
    assert lapsed.phase is Phase.RELEARNING
    assert lapsed.lapses == 1 and lapsed.reps == 2


def test_non_utc_times_are_converted() -> None:
    plus_two = timezone(timedelta(hours=2))
    converted = review(None, Rating.GOOD, T0.astimezone(plus_two))
    # Aware datetimes compare equal across zones, so == alone would pass unconverted: the stored text must match.
    assert converted.to_dict() == review(None, Rating.GOOD, T0).to_dict()
    assert converted.due.utcoffset() == converted.last_review.utcoffset() == timedelta(0)


def test_replay_equals_incremental_reviews() -> None:
    events = [
        (T0, Rating.GOOD),
        (T0 + timedelta(minutes=11), Rating.GOOD),
        (T0 + timedelta(days=3), Rating.AGAIN),
        (T0 + timedelta(days=3, minutes=12), Rating.HARD),
        (T0 + timedelta(days=9), Rating.EASY),
        (T0 + timedelta(days=40), Rating.GOOD),
    ]
    state: CardState | None = None
    for moment, rating in events:
        state = review(state, rating, moment)
    assert replay(events) == state
    # Order of the log does not matter: replay sorts by time.
    assert replay(list(reversed(events))) == state
    assert state is not None and state.lapses == 1 and state.reps == 6


def test_replay_of_empty_log_is_no_state() -> None:
    assert replay([]) is None


def test_state_round_trips_through_dict() -> None:
    state = review(review(None, Rating.GOOD, T0), Rating.HARD, T0 + timedelta(days=2))
    assert CardState.from_dict(state.to_dict()) == state


def test_retrievability_decays_with_time() -> None:
    state = review(None, Rating.EASY, T0)
    soon = retrievability(state, T0 + timedelta(days=1))
    late = retrievability(state, T0 + timedelta(days=60))
    assert 0.0 < late < soon <= 1.0
    assert retrievability(None, T0) == 0.0


@pytest.mark.parametrize("verdict", list(Verdict))
def test_exactly_the_final_verdicts_have_a_rating(verdict: Verdict) -> None:
    # Covers every verdict, so a new final verdict without a rating (or a rated open one) fails here.
    assert (rating_for(verdict) is not None) == verdict.is_final


def test_forgetting_curve_matches_retrievability() -> None:
    decay, factor = forgetting_curve()
    state = review(None, Rating.EASY, T0)
    assert state.stability is not None
    expected = (1 + factor * 12 / state.stability) ** decay
    assert retrievability(state, T0 + timedelta(days=12)) == pytest.approx(expected)
