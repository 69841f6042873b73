"""The learner's own labels: answers from the quiz whose grade the learner overrode or settled.

A review's latest decision (kind `override` or `uncertain`; a `skip` is no label) gives the gold
label of that review's answer. The card's question and references come from its deck as it is
now; a review of a card edited since is left out, because the learner judged it against other text.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from quizzer.core.errors import QuizzerError
from quizzer.core.types import Submission
from quizzer.evals.datasets import EvalDataset, EvalItem, normalize_label
from quizzer.storage.labels import LabelledReview, labelled_reviews

if TYPE_CHECKING:
    from quizzer.core.config import Config


def dataset_from_reviews(db_path: Path, config: Config | None = None, limit: int | None = None) -> EvalDataset:
    """The learner's labels as an eval dataset (items of unknown decks or edited cards carry an error)."""
    from quizzer.deck import catalog

    reviews = labelled_reviews(db_path)[:limit]
    if not reviews:
        raise QuizzerError(
            f"{db_path}: no learner labels yet (no overridden or settled grades)",
            hint="override a grade in `quizzer quiz` (or settle an uncertain one) to give the grader a label",
        )
    decks: dict[str, Any] = {}
    items = []
    for review in reviews:
        if review.deck not in decks:
            try:
                decks[review.deck] = catalog.load(review.deck, config)
            except QuizzerError as error:
                decks[review.deck] = error.message
        items.append(_item(review, decks[review.deck]))
    rows = [asdict(review) for review in reviews]
    digest = hashlib.sha256(json.dumps(rows, sort_keys=True, default=str).encode("utf-8")).hexdigest()
    return EvalDataset(path=db_path, sha256=digest, items=items, label_field="learner decision")


def _item(review: LabelledReview, deck: Any) -> EvalItem:
    label = normalize_label(review.final_verdict)
    fields = {"review_id": review.id, "decision": review.decision_kind}
    error = None
    submission = None
    if isinstance(deck, str):
        error = f"deck {review.deck!r}: {deck}"
    elif (card := deck.card(review.card_id)) is None:
        error = f"card {review.card_id!r} is no longer in deck {review.deck!r}"
    elif card.content_hash != review.card_hash:
        error = f"card {review.card_id!r} was edited after this review"
    elif label is None:
        error = f"the decision's verdict {review.final_verdict!r} is not a label"
    else:
        submission = Submission.for_card(card, review.answer, deck=review.deck)
    return EvalItem(
        id=f"review-{review.id}", line=review.id, submission=submission, error=error,
        gold_label=label if error is None else None, gold_score=None, fields=fields,
    )
