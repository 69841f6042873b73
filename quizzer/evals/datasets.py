"""Labelled answer sets for evals: our JSONL/CSV answer files plus a gold label or score per row.

Gold comes from `label` (correct / partial / incorrect, and the shared datasets' spellings such as
"Partially correct", "partially_correct_incomplete", "contradictory") or from `score` with `score_max`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from quizzer.batch.answers import AnswerRow, read_answer_rows
from quizzer.core.errors import InputFileError
from quizzer.core.types import Submission

GOLD_LABELS = ("correct", "partial", "incorrect")

# Every spelling met in our sets and ../shared/datasets, mapped onto our three labels.
_LABEL_ALIASES = {
    "correct": "correct",
    "partial": "partial",
    "partially correct": "partial",
    "partially correct incomplete": "partial",
    "incorrect": "incorrect",
    "wrong": "incorrect",
    "contradictory": "incorrect",
    "irrelevant": "incorrect",
    "non domain": "incorrect",
}


def normalize_label(value: Any) -> str | None:
    """Our label for a gold label as written in a dataset, or None when it is not one we know."""
    if not isinstance(value, str):
        return None
    key = " ".join(value.strip().lower().replace("_", " ").replace("-", " ").split())
    return _LABEL_ALIASES.get(key)


@dataclass(frozen=True)
class EvalItem:
    """One labelled answer (or the reason it cannot be used)."""

    id: str
    line: int
    submission: Submission | None
    error: str | None
    gold_label: str | None  # correct / partial / incorrect
    gold_score: float | None  # score / score_max when the row has a score
    fields: dict[str, Any] = field(default_factory=dict)

    @property
    def category(self) -> str | None:
        value = self.fields.get("category", self.fields.get("module"))
        return None if value in (None, "") else str(value)

    @property
    def deck(self) -> str | None:
        return self.submission.deck if self.submission else None

    @property
    def question_key(self) -> str | None:
        """Groups answers to the same question: the card, the dataset's question id, else the question text."""
        if self.submission is None:
            return None
        if self.submission.card_id:
            return f"{self.submission.deck}/{self.submission.card_id}"
        question_id = self.fields.get("question_id")
        if question_id not in (None, ""):
            return str(question_id)
        return self.submission.question[:60] or None


@dataclass(frozen=True)
class EvalDataset:
    path: Path
    sha256: str
    items: list[EvalItem]
    label_field: str

    @property
    def usable(self) -> list[EvalItem]:
        return [item for item in self.items if item.error is None]

    @property
    def has_partial(self) -> bool:
        return any(item.gold_label == "partial" for item in self.usable)

    @property
    def has_scores(self) -> bool:
        return any(item.gold_score is not None for item in self.usable)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_dataset(path: str | Path, label_field: str = "label", limit: int | None = None) -> EvalDataset:
    """Reads a labelled answer file; rows without usable gold become items with an error."""
    path = Path(path)
    rows = read_answer_rows(path, require_question=False)
    if limit is not None:
        rows = rows[:limit]
    items = [eval_item(row, label_field) for row in rows]
    if not any(item.error is None for item in items):
        first = items[0]
        raise InputFileError(
            f"{path}: no row carries a usable answer and gold label (line {first.line}: {first.error})",
            hint="each row needs an answer, its references, and `label` (correct/partial/incorrect) or `score`",
        )
    return EvalDataset(path=path, sha256=file_sha256(path), items=items, label_field=label_field)


def eval_item(row: AnswerRow, label_field: str = "label") -> EvalItem:
    """A row of an answer file as a labelled answer (with an error when its gold label is missing or unusable)."""
    return _item(row.id, row.line, row.submission, row.error, row.fields, label_field)


def _item(
    row_id: str, line: int, submission: Submission | None, error: str | None, fields: dict[str, Any], label_field: str
) -> EvalItem:
    gold_score, score_problem = _score(fields)
    raw_label = fields.get(label_field)
    gold_label = normalize_label(raw_label)
    if error is None and raw_label not in (None, "") and gold_label is None:
        error = f"unknown {label_field} {raw_label!r} (expected correct, partial or incorrect)"
    if gold_label is None and gold_score is not None:
        gold_label = "correct" if gold_score >= 0.999 else "incorrect" if gold_score <= 0.001 else "partial"
    if error is None and score_problem:
        error = score_problem
    if error is None and gold_label is None:
        error = f"no gold label: the row has neither `{label_field}` nor `score`"
    return EvalItem(
        id=row_id, line=line, submission=submission if error is None else None, error=error,
        gold_label=gold_label, gold_score=gold_score, fields=fields,
    )


def _score(fields: dict[str, Any]) -> tuple[float | None, str | None]:
    raw, raw_max = fields.get("score"), fields.get("score_max", 1.0)
    if raw in (None, ""):
        return None, None
    try:
        score, score_max = float(raw), float(raw_max if raw_max not in (None, "") else 1.0)
    except (TypeError, ValueError):
        return None, f"`score` {raw!r} or `score_max` {raw_max!r} is not a number"
    if score_max <= 0 or not 0 <= score <= score_max:
        return None, f"`score` {raw!r} is outside 0..score_max ({raw_max!r})"
    return score / score_max, None
