"""Short-answer cards: numbers with units, formulas, lists, names, code values, dates and yes/no answers,
compared by type before (and instead of) the free-text grader. See `grader.grade_typed`."""

from quizzer.grading.typed.grader import (
    TYPED_VERSION,
    answer_type,
    card_answer_type,
    grade_typed,
    grade_typed_first,
    warm_up_typed,
)
from quizzer.grading.typed.outcome import AnswerType

__all__ = ["TYPED_VERSION", "AnswerType", "answer_type", "card_answer_type", "grade_typed", "grade_typed_first",
           "warm_up_typed"]
