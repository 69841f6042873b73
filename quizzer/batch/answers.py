"""Reading files of answers (JSONL, CSV or Parquet) for `quizzer grade` and `quizzer eval`, a row at a time.

A row names a card (`deck` + `card_id`) or carries the question and its references inline
(`question`, `reference` and/or `references`), plus `answer`, an optional `id` and `key_points`.
Every other field (label, score, category...) is kept in `AnswerRow.fields`.

This is the row level: `RowParser` turns one `RawRow` (split from its file by `answer_file.py`) into an
`AnswerRow`, cleaning its text where it enters. A row with a problem becomes an `AnswerRow` with `error` set and
never stops the other rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from quizzer.batch.answer_file import AnswerFile, RawRow, iter_raw_rows, jsonl_record, open_answer_file, row_id
from quizzer.core.errors import QuizzerError
from quizzer.core.text_input import ANSWER_MAX_CHARS as ANSWER_MAX_CHARS  # re-exported: the one limit, from core
from quizzer.core.text_input import answer_too_long, clean_value
from quizzer.core.types import Submission

# Fields this module consumes; everything else goes to AnswerRow.fields.
CORE_FIELDS = frozenset({"id", "deck", "card_id", "question", "reference", "references", "answer", "key_points"})


@dataclass(frozen=True)
class AnswerRow:
    """One row of an answer file: a submission to grade, or the reason it cannot be graded."""

    line: int  # line in the file where the row starts (1-based; Parquet: the row's number)
    id: str  # the row's `id`, else its row number
    submission: Submission | None
    error: str | None
    fields: dict[str, Any] = field(default_factory=dict)  # the row's other fields (label, score...)

    @property
    def ok(self) -> bool:
        return self.error is None


def read_answer_rows(path: str | Path, *, require_question: bool = True) -> list[AnswerRow]:
    """Reads every row of an answer file, in file order (the whole file in memory: for small files and tests).

    `require_question=False` accepts rows without a question (similarity sets such as STS-B have none).
    """
    return list(iter_answer_rows(path, require_question=require_question))


def iter_answer_rows(path: str | Path, *, require_question: bool = True) -> Iterator[AnswerRow]:
    """The rows of an answer file one at a time, in file order; memory stays flat whatever the file's size."""
    answer_file = open_answer_file(path)
    parse = RowParser(answer_file, require_question)
    for raw in iter_raw_rows(answer_file):
        yield parse(raw)


class RowParser:
    """Turns the raw rows of one file into AnswerRows, loading each deck its rows name once."""

    def __init__(self, answer_file: AnswerFile, require_question: bool = True) -> None:
        self.kind = answer_file.kind
        self.require_question = require_question
        self.resolver = _CardResolver(answer_file.path.parent)

    def __call__(self, raw: RawRow) -> AnswerRow:
        record, problem = jsonl_record(raw.text) if raw.text is not None else (raw.record, raw.problem)
        return _to_row(raw.number, raw.line, record, problem, self.resolver, self.kind, self.require_question)


class _CardResolver:
    """Loads each deck named by rows once, relative to the answer file when such a file exists there."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.decks: dict[str, Any] = {}
        self.failures: dict[str, str] = {}

    def card(self, deck_name: str, card_id: str) -> tuple[Any, str | None, str | None]:
        """(card, deck name, problem)."""
        if deck_name not in self.decks and deck_name not in self.failures:
            self._load(deck_name)
        if deck_name in self.failures:
            return None, None, self.failures[deck_name]
        deck = self.decks[deck_name]
        card = deck.card(card_id)
        if card is None:
            return None, deck.name, f"unknown card id {card_id!r} in deck {deck.name!r}"
        return card, deck.name, None

    def _load(self, deck_name: str) -> None:
        from quizzer.deck import catalog

        beside = self.base / deck_name
        try:
            self.decks[deck_name] = catalog.load(str(beside) if beside.is_file() else deck_name)
        except QuizzerError as error:
            self.failures[deck_name] = f"deck {deck_name!r}: {error.message}"


def _to_row(
    number: int,
    line: int,
    record: dict[str, Any] | None,
    problem: str | None,
    resolver: _CardResolver,
    kind: str,
    require_question: bool,
) -> AnswerRow:
    if record is None:
        return AnswerRow(line=line, id=str(number), submission=None, error=problem)
    record = clean_value(record)  # lone surrogates (valid JSON: "\ud800") and control characters become U+FFFD
    identifier = row_id(record, number)
    extra = {name: value for name, value in record.items() if name not in CORE_FIELDS}
    submission, error = _submission(record, resolver, kind, require_question)
    return AnswerRow(line=line, id=identifier, submission=submission, error=error, fields=extra)


def _submission(
    record: dict[str, Any], resolver: _CardResolver, kind: str, require_question: bool
) -> tuple[Submission | None, str | None]:
    answer = record.get("answer")
    if answer is None:
        return None, "missing field `answer`"
    if isinstance(answer, (int, float)) and not isinstance(answer, bool):
        answer = str(answer)
    if not isinstance(answer, str):
        return None, f"`answer` must be text, not {type(answer).__name__}"
    if too_long := answer_too_long(answer):
        return None, too_long

    deck_name = _text(record.get("deck"))
    card_id = _text(record.get("card_id"))
    if card_id is not None:
        if deck_name is None:
            return None, f"card_id {card_id!r} needs a `deck` field"
        card, resolved_name, problem = resolver.card(deck_name, card_id)
        if problem:
            return None, problem
        return Submission.for_card(card, answer, deck=resolved_name), None

    question = record.get("question")
    if question is not None and not isinstance(question, str):
        return None, f"`question` must be text, not {type(question).__name__}"
    if require_question and not (question or "").strip():
        return None, "missing field `question` (or `deck` + `card_id`)"
    references, problem = _references(record, kind)
    if problem:
        return None, problem
    if not references:
        return None, "missing field `reference` or `references` (or `deck` + `card_id`)"
    key_points, problem = _text_list(record.get("key_points"), "key_points", kind)
    if problem:
        return None, problem
    return Submission(
        question=question or "",
        references=tuple(references),
        answer=answer,
        key_points=tuple(key_points),
        deck=deck_name,
    ), None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _references(record: dict[str, Any], kind: str) -> tuple[list[str], str | None]:
    references: list[str] = []
    single = record.get("reference")
    if single is not None:
        if not isinstance(single, str):
            return [], f"`reference` must be text, not {type(single).__name__}"
        if single.strip():
            references.append(single)
    listed, problem = _text_list(record.get("references"), "references", kind)
    if problem:
        return [], problem
    references.extend(text for text in listed if text not in references)
    return references, None


def _text_list(value: Any, name: str, kind: str) -> tuple[list[str], str | None]:
    """A list of non-empty strings from JSON, or from a CSV cell (a JSON array, else one item per line)."""
    if value is None:
        return [], None
    if kind == "csv" and isinstance(value, str):
        stripped = value.strip()
        if stripped.startswith("["):
            try:
                value = json.loads(stripped)
            except json.JSONDecodeError:
                return [], f"`{name}` looks like a JSON array but is not valid JSON"
        else:
            value = stripped.splitlines()
    elif isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        return [], f"`{name}` must be a list of strings"
    return [item for item in value if item.strip()], None
