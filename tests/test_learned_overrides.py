"""Per-card learning from overrides: a near copy of an overridden answer takes the override's verdict (real
SQLite, the real embedding model); an unrelated answer does not; overriding back undoes it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from quizzer.core.config import load_config
from quizzer.core.types import LearnerExample, Verdict
from quizzer.deck.catalog import load
from quizzer.deck.model import Deck
from quizzer.grading.registry import make_grader
from quizzer.session import QuizOptions, QuizSession
from quizzer.storage.db import connect
from quizzer.storage.labels import card_labels

CARD = "transducer-memory-cause"
# A right answer in the learner's own shorthand that the offline grader does not accept as correct.
OVERRIDDEN = "the joiner materialises logits per frame per label step per vocab entry, per utterance in the batch"
NEAR_COPY = "The joiner materialises logits per frame, per label step, per vocab entry, per utterance in the batch."
UNRELATED = "It stores the whole training set in GPU memory."


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(days=30)  # every card is due again at each new session
        return self.now


@pytest.fixture
def deck() -> Deck:
    full = load("msft-asr")
    return Deck(name=full.name, cards=tuple(card for card in full.cards if card.id == CARD))


def labels(connection, deck: Deck) -> tuple[LearnerExample, ...]:
    card = deck.cards[0]
    return card_labels(connection, deck.name, card.id, card.content_hash)


def answer(connection, deck: Deck, grader, clock: Clock, text: str):
    quiz = QuizSession(connection, [deck], grader, QuizOptions(cram=True), clock=clock)
    return quiz, quiz.submit(text)


def test_a_near_copy_of_an_overridden_answer_takes_the_override_and_overriding_back_undoes_it(
        tmp_path: Path, deck: Deck, embedding_model) -> None:
    connection = connect(tmp_path / "q.db")
    grader = make_grader("embedding", load_config())
    clock = Clock()

    quiz, first = answer(connection, deck, grader, clock, OVERRIDDEN)
    assert first.grade.verdict is not Verdict.CORRECT
    quiz.mark(correct=True)
    assert labels(connection, deck)[-1].verdict is Verdict.CORRECT

    quiz, copied = answer(connection, deck, grader, clock, NEAR_COPY)
    assert copied.grade.verdict is Verdict.CORRECT
    assert copied.grade.decided_by == "your earlier override"
    assert "you marked a nearly identical answer" in copied.grade.feedback

    _, unrelated = answer(connection, deck, grader, clock, UNRELATED)
    assert unrelated.grade.verdict is not Verdict.CORRECT
    assert unrelated.grade.decided_by is None

    # The learner overrides the example-decided grade back: the next near copy is no longer taken as correct.
    quiz.mark(correct=False)
    _, again = answer(connection, deck, grader, clock, NEAR_COPY)
    assert again.grade.verdict is Verdict.INCORRECT
    # The history stays in the database: both labels are kept, the latest wins.
    verdicts = [example.verdict for example in labels(connection, deck)]
    assert verdicts == [Verdict.CORRECT, Verdict.INCORRECT]
