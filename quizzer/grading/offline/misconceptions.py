"""Known misconceptions (a deck's `misconceptions:`): an answer closer to one of the card's wrong answers than to
its references is incorrect, with that misconception's explanation as feedback."""

from __future__ import annotations

from collections.abc import Sequence

from quizzer.core.types import Misconception, Submission
from quizzer.grading.offline.alignment import TokenView, closeness
from quizzer.grading.offline.embedder import Embedder
from quizzer.grading.offline.evidence import Evidence, encode_texts

# An answer is closer to a misconception than to the references when its closeness (token-alignment F1 plus cosine,
# up to 2) to it exceeds its closeness to the nearest reference by this much. On the interview answers to the
# bundled decks' cards with misconceptions, every answer past 0.2 is labelled incorrect; below it, right answers that
# name what the misconception confuses ("post-training quantization ... quantization-aware training inserts
# simulated rounding") come within 0.17.
MISCONCEPTION_MARGIN = 0.2


def nearer_misconception(embedder: Embedder, submission: Submission, answer: TokenView,
                         candidates: Sequence[Evidence]) -> Misconception | None:
    """The card's known wrong answer this answer is closer to than to any reference (None: none is)."""
    if not submission.misconceptions or not candidates:
        return None
    views = encode_texts(embedder, [item.answer for item in submission.misconceptions])
    scores = [closeness(answer, view) for view in views]
    best = max(range(len(scores)), key=scores.__getitem__)
    reference = max(item.features["align_f"] + item.features["cos_ref"] for item in candidates)
    return submission.misconceptions[best] if scores[best] > reference + MISCONCEPTION_MARGIN else None


def prepare_misconceptions(embedder: Embedder, submissions: Sequence[Submission]) -> None:
    """Encodes the cards' misconceptions ahead of their answers (through the embedding cache)."""
    texts = [item.answer for submission in submissions for item in submission.misconceptions]
    if texts:
        encode_texts(embedder, list(dict.fromkeys(texts)))
