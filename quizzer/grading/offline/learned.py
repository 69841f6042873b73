"""Learning from the learner's overrides, per card: an answer very close to one the learner labelled gets that label.

The caller (the quiz, from `quizzer.storage.labels.card_labels`) hands the grader the card's labelled answers on the
submission (`Submission.examples`, oldest first); grading never reads the database. "Very close" is a near copy: the same words in nearly the same
order (difflib's ratio over lower-case words). When several labelled answers are that close, the latest label
wins, so overriding a grade that an example decided replaces the example's verdict for the next near copy.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from quizzer.core.types import LearnerExample
from quizzer.grading.offline import text as words_of

# Word-sequence similarity from which an answer counts as a near copy of a labelled one. "the joint output is
# 4-D" and "the joint output is 4D" are near copies; "the encoder output is 4-D" is not (0.8).
NEAR_COPY = 0.85


def similarity(answer: str, example: str) -> float:
    left, right = words_of.words(answer), words_of.words(example)
    if not left or not right:
        return 0.0
    return difflib.SequenceMatcher(a=left, b=right, autojunk=False).ratio()


def matching_example(answer: str, examples: Sequence[LearnerExample]) -> LearnerExample | None:
    """The labelled answer this one nearly copies (the latest of several), or None."""
    close = [example for example in examples if similarity(answer, example.answer) >= NEAR_COPY]
    return close[-1] if close else None
