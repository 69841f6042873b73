"""The quiz use case without a UI: the queue, grading, recording, decisions, cram and the summary."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from fakes import ScriptedGrader
from quizzer.core.types import Rating, Verdict
from quizzer.deck.model import Card, Deck
from quizzer.scheduling import review
from quizzer.session import QuizOptions, QuizSession, build_queue
from quizzer.storage import reviews as store
from quizzer.storage.db import connect

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def make_deck(count: int = 5, name: str = "d") -> Deck:
    cards = tuple(
        Card(id=f"c{i}", question=f"Question {i}?", references=(f"answer number {i} alpha beta",),
             key_points=("alpha", "beta"), tags=("even",) if i % 2 == 0 else ("odd",))
        for i in range(count)
    )
    return Deck(name=name, cards=cards)


class Clock:
    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def connection(tmp_path: Path) -> sqlite3.Connection:
    return connect(tmp_path / "q.db")


def session(connection: sqlite3.Connection, deck: Deck, clock: Clock, grader: ScriptedGrader | None = None,
            **options: object) -> QuizSession:
    return QuizSession(connection, [deck], grader or ScriptedGrader(), QuizOptions(**options), clock=clock)  # type: ignore[arg-type]


def test_new_cards_come_in_deck_order_up_to_the_daily_limit(connection: sqlite3.Connection) -> None:
    quiz = session(connection, make_deck(5), Clock(), new_per_day=3)
    assert [item.card.id for item in quiz.queue] == ["c0", "c1", "c2"]
    assert all(item.is_new for item in quiz.queue)


def test_new_cards_introduced_earlier_today_count_against_the_limit(connection: sqlite3.Connection) -> None:
    clock = Clock()
    deck = make_deck(5)
    first = session(connection, deck, clock, new_per_day=3, limit=2)
    for _ in range(2):
        first.submit("answer alpha beta", 5.0)
        first.accept()
    clock.advance(minutes=1)
    second = QuizSession(connection, [deck], ScriptedGrader(), QuizOptions(new_per_day=3), clock=clock)
    assert [item.card.id for item in second.queue if item.is_new] == ["c2"]
    # --new overrides what is left for today.
    third = QuizSession(connection, [deck], ScriptedGrader(), QuizOptions(new=3), clock=clock)
    assert [item.card.id for item in third.queue if item.is_new] == ["c2", "c3", "c4"]


def test_due_cards_come_first_most_overdue_first(connection: sqlite3.Connection) -> None:
    deck = make_deck(4)
    clock = Clock()
    quiz = session(connection, deck, clock, new=2)
    quiz.submit("wrong", 3.0)  # c0 -> Again, due in 1 minute
    quiz.accept()
    clock.advance(seconds=30)
    quiz.submit("wrong", 3.0)  # c1 -> Again, due 30 s later than c0
    quiz.accept()
    clock.advance(minutes=5)
    queue = build_queue(connection, [deck], QuizOptions(new=1), clock())
    assert [(item.card.id, item.is_new) for item in queue] == [("c0", False), ("c1", False), ("c2", True)]


def test_tag_and_limit_filter_the_queue(connection: sqlite3.Connection) -> None:
    quiz = session(connection, make_deck(6), Clock(), tags=("odd",), limit=2)
    assert [item.card.id for item in quiz.queue] == ["c1", "c3"]


def test_submit_records_before_returning_and_proposes_a_rating(connection: sqlite3.Connection) -> None:
    quiz = session(connection, make_deck(2), Clock())
    outcome = quiz.submit("answer number 0 alpha beta", 7.5)
    assert outcome.grade.verdict is Verdict.CORRECT and outcome.rating is Rating.GOOD
    [stored] = store.reviews_of(connection)
    assert (stored.id, stored.card_id, stored.answer, stored.answer_seconds) == (
        outcome.review_id, "c0", "answer number 0 alpha beta", 7.5)
    assert store.card_state(connection, "d", "c0") == review(None, Rating.GOOD, T0)
    assert quiz.accept() is Rating.GOOD
    assert quiz.current is not None and quiz.current.card.id == "c1"


def test_marking_wrong_overrides_and_is_kept_beside_the_grade(connection: sqlite3.Connection) -> None:
    quiz = session(connection, make_deck(1), Clock())
    quiz.submit("answer number 0 alpha beta", 5.0)
    assert quiz.mark(correct=False) is Rating.AGAIN
    [stored] = store.reviews_of(connection)
    assert stored.verdict is Verdict.CORRECT and stored.final_verdict == "incorrect"
    assert stored.decision_kind == "override"
    assert store.card_state(connection, "d", "c0") == review(None, Rating.AGAIN, T0)


def test_marking_right_overrides_an_incorrect_grade(connection: sqlite3.Connection) -> None:
    quiz = session(connection, make_deck(1), Clock())
    assert quiz.submit("something else entirely", 5.0).rating is Rating.AGAIN
    assert quiz.mark(correct=True) is Rating.GOOD
    assert store.card_state(connection, "d", "c0") == review(None, Rating.GOOD, T0)


def test_uncertain_grade_waits_for_the_learner(connection: sqlite3.Connection) -> None:
    grader = ScriptedGrader({"maybe": Verdict.UNCERTAIN})
    quiz = session(connection, make_deck(2), Clock(), grader=grader)
    outcome = quiz.submit("maybe", 4.0)
    assert outcome.needs_decision and outcome.rating is None
    assert store.card_state(connection, "d", "c0") is None  # recorded, not scheduled
    with pytest.raises(ValueError, match="uncertain"):
        quiz.accept()
    assert quiz.decide(Verdict.PARTIAL) is Rating.HARD
    [stored] = store.reviews_of(connection)
    assert (stored.verdict, stored.final_verdict, stored.decision_kind) == (Verdict.UNCERTAIN, "partial", "uncertain")
    assert store.card_state(connection, "d", "c0") == review(None, Rating.HARD, T0)
    summary = quiz.summary()
    assert (summary.settled, summary.overridden, summary.partial) == (1, 0, 1)


def test_undecided_uncertain_card_comes_back_next_session(connection: sqlite3.Connection) -> None:
    deck = make_deck(2)
    clock = Clock()
    quiz = session(connection, deck, clock, grader=ScriptedGrader({"maybe": Verdict.UNCERTAIN}), limit=1)
    quiz.submit("maybe", 4.0)  # then the learner quits without deciding
    assert quiz.summary().undecided == 1
    again = QuizSession(connection, [deck], ScriptedGrader(), QuizOptions(new=0), clock=clock)
    assert [(item.card.id, item.is_new) for item in again.queue] == [("c0", False)]


def test_reveal_is_recorded_as_again(connection: sqlite3.Connection) -> None:
    grader = ScriptedGrader()
    quiz = session(connection, make_deck(1), Clock(), grader=grader)
    outcome = quiz.reveal(2.0)
    assert outcome.kind == "reveal" and outcome.rating is Rating.AGAIN
    assert grader.calls == 0  # nothing to grade
    quiz.accept()
    [stored] = store.reviews_of(connection)
    assert (stored.kind, stored.final_rating) == ("reveal", Rating.AGAIN)


def test_skip_keeps_the_review_out_of_the_schedule(connection: sqlite3.Connection) -> None:
    quiz = session(connection, make_deck(2), Clock())
    quiz.submit("nonsense", 2.0)
    quiz.skip()
    assert store.card_state(connection, "d", "c0") is None
    assert quiz.summary().skipped == 1
    assert quiz.current is not None and quiz.current.card.id == "c1"


def test_easy_when_correct_and_fast_for_this_learner(connection: sqlite3.Connection) -> None:
    quiz = session(connection, make_deck(7), Clock())
    for index in range(5):
        quiz.submit("slow nonsense", 40.0)
        quiz.accept()
    assert quiz.submit("answer number 5 alpha beta", 10.0).rating is Rating.EASY
    quiz.accept()
    assert quiz.submit("answer number 6 alpha beta", 30.0).rating is Rating.GOOD


def test_cram_reviews_everything_without_touching_the_schedule(connection: sqlite3.Connection) -> None:
    deck = make_deck(3)
    clock = Clock()
    normal = session(connection, deck, clock, limit=1)
    normal.submit("answer number 0 alpha beta", 5.0)
    normal.accept()
    before = store.deck_states(connection, "d")
    cram = session(connection, deck, clock, cram=True, new_per_day=0)
    assert [item.card.id for item in cram.queue] == ["c0", "c1", "c2"]  # not due, and new beyond the limit
    for _ in range(3):
        cram.submit("wrong", 1.0)
        cram.accept()
    assert store.deck_states(connection, "d") == before
    assert cram.summary().reviewed == 3 and cram.summary().cram


def test_summary_counts_final_verdicts(connection: sqlite3.Connection) -> None:
    grader = ScriptedGrader({"p": Verdict.PARTIAL, "u": Verdict.UNCERTAIN})
    quiz = session(connection, make_deck(5), Clock(), grader=grader)
    quiz.submit("answer number 0 alpha beta", 5.0)
    quiz.accept()
    quiz.submit("p", 5.0)
    quiz.accept()
    quiz.submit("wrong", 5.0)
    quiz.mark(correct=True)
    quiz.reveal(1.0)
    quiz.accept()
    quiz.submit("u", 5.0)
    summary = quiz.summary()
    assert (summary.reviewed, summary.answered, summary.revealed) == (5, 4, 1)
    assert (summary.correct, summary.partial, summary.incorrect, summary.undecided) == (2, 1, 0, 1)
    assert summary.overridden == 1 and summary.left_in_queue == 0
    assert summary.next_due is not None


def test_edited_cards_are_flagged_in_the_queue(connection: sqlite3.Connection) -> None:
    deck = make_deck(1)
    quiz = session(connection, deck, Clock())
    quiz.submit("wrong", 1.0)
    quiz.accept()
    changed = Deck(name="d", cards=(Card(id="c0", question="Question 0, reworded?", references=("x",)),))
    later = Clock(T0 + timedelta(days=1))
    again = QuizSession(connection, [changed], ScriptedGrader(), clock=later)
    assert again.queue[0].edited and not again.queue[0].is_new


def test_grader_is_built_only_when_first_needed(connection: sqlite3.Connection) -> None:
    built: list[int] = []

    def build() -> ScriptedGrader:
        built.append(1)
        return ScriptedGrader()

    quiz = QuizSession(connection, [make_deck(2)], build, clock=Clock())
    assert built == []
    quiz.reveal(1.0)
    quiz.accept()
    assert built == []
    quiz.submit("anything", 1.0)
    assert built == [1]


def test_the_grader_loads_in_a_thread_that_leaves_ctrl_c_to_the_main_thread() -> None:
    """The kernel may deliver a process's SIGINT to any thread that does not block it; the loading thread (and the
    torch threads it starts) must block it, or the main thread's read of the next answer is never interrupted."""
    import signal

    from quizzer.graders import BackgroundGrader

    masks: list[set[int]] = []

    def build() -> ScriptedGrader:
        masks.append(set(signal.pthread_sigmask(signal.SIG_BLOCK, [])))
        return ScriptedGrader({})

    BackgroundGrader(build).get()
    assert signal.SIGINT in masks[0]
    assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, [])  # the main thread still takes it


class BrokenGrader:
    """A grader whose model cannot load: every grade raises."""

    info = ScriptedGrader().info

    def grade(self, submission: object) -> None:
        from quizzer.core.errors import QuizzerError

        raise QuizzerError("could not load the embedding model 'broken'")

    def grade_batch(self, submissions: object) -> None:
        raise AssertionError("not used by the quiz")


def test_an_answer_the_grader_fails_on_is_saved_ungraded_for_the_learner_to_decide(
    connection: sqlite3.Connection,
) -> None:
    quiz = session(connection, make_deck(2), Clock(), BrokenGrader())  # type: ignore[arg-type]
    outcome = quiz.submit("my typed answer", 4.0)
    assert outcome.grade.verdict is Verdict.UNGRADABLE and outcome.needs_decision
    assert "could not load the embedding model" in (outcome.grade.reason or "")
    assert quiz.grading_error is not None
    (stored,) = store.reviews_of(connection, quiz.session_id)
    assert stored.answer == "my typed answer" and stored.final_rating is None
    assert quiz.decide(Verdict.CORRECT) is Rating.GOOD  # the learner settles it


def test_an_answer_over_the_limit_is_kept_ungraded_with_the_one_message(connection: sqlite3.Connection) -> None:
    grader = ScriptedGrader()
    quiz = session(connection, make_deck(1), Clock(), grader)
    outcome = quiz.submit("y" * 12_000)
    assert outcome.grade.reason == "the answer is 12,000 characters, over the limit of 10,000"
    assert grader.calls == 0 and quiz.grading_error is None
    assert len(store.reviews_of(connection, quiz.session_id)[0].answer) == 12_000


def test_text_that_is_not_text_is_cleaned_before_grading_and_storing(connection: sqlite3.Connection) -> None:
    quiz = session(connection, make_deck(1), Clock())
    quiz.submit("fixed the \udcff issue\x00")
    assert store.reviews_of(connection, quiz.session_id)[0].answer == "fixed the \ufffd issue\ufffd"


def test_an_answer_not_recorded_for_a_locked_database_is_saved_again_without_regrading(
    connection: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from quizzer import session as session_module
    from quizzer.core.errors import DatabaseLockedError

    grader = ScriptedGrader({"maybe": Verdict.UNCERTAIN})
    quiz = session(connection, make_deck(1), Clock(), grader)
    real = session_module.record_review
    monkeypatch.setattr(session_module, "record_review", lambda *a, **k: (_ for _ in ()).throw(DatabaseLockedError("locked")))
    with pytest.raises(DatabaseLockedError):
        quiz.submit("maybe")
    monkeypatch.setattr(session_module, "record_review", real)
    outcome = quiz.save_again()
    assert outcome.answer == "maybe" and outcome.grade.verdict is Verdict.UNCERTAIN and grader.calls == 1
