"""Short-answer cards: numbers with units, formulas, lists, names, code values, dates and yes/no answers,
compared by type before (and instead of) the free-text grader. See `grader.grade_typed`."""

from quizzer.core.types import AnswerType
from quizzer.grading.offline.typed.grader import (
    TYPED_VERSION,
    answer_type,
    card_answer_type,
    grade_typed,
    grade_typed_first,
    warm_up_typed,
)

__all__ = ["TYPED_VERSION", "AnswerType", "answer_type", "card_answer_type", "grade_typed", "grade_typed_first",
           "warm_up_typed"]
