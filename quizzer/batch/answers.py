"""Reading files of answers (CSV or JSONL) for `quizzer grade` and `quizzer eval`.

A row names a card (`deck` + `card_id`) or carries the question and its references inline
(`question`, `reference` and/or `references`), plus `answer`, an optional `id` and `key_points`.
Every other field (label, score, category...) is kept in `AnswerRow.fields`.

A row with a problem becomes an `AnswerRow` with `error` set and never stops the other rows;
only a file that is unusable as a whole raises `InputFileError`.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from quizzer.core.errors import InputFileError, QuizzerError
from quizzer.core.text_input import ANSWER_MAX_CHARS as ANSWER_MAX_CHARS  # re-exported: the one limit, from core
from quizzer.core.text_input import answer_too_long, clean_value
from quizzer.core.types import Submission

# Fields this module consumes; everything else goes to AnswerRow.fields.
CORE_FIELDS = frozenset({"id", "deck", "card_id", "question", "reference", "references", "answer", "key_points"})

JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")
CSV_SUFFIXES = (".csv",)


@dataclass(frozen=True)
class AnswerRow:
    """One row of an answer file: a submission to grade, or the reason it cannot be graded."""

    line: int  # line in the file where the row starts (1-based)
    id: str  # the row's `id`, else its row number
    submission: Submission | None
    error: str | None
    fields: dict[str, Any] = field(default_factory=dict)  # the row's other fields (label, score...)

    @property
    def ok(self) -> bool:
        return self.error is None


def read_answer_rows(path: str | Path, *, require_question: bool = True) -> list[AnswerRow]:
    """Reads every row of a CSV or JSONL answer file, in file order.

    `require_question=False` accepts rows without a question (similarity sets such as STS-B have none).
    """
    path = Path(path)
    text = _read_text(path)
    kind = _file_kind(path, text)
    raw_rows = _jsonl_records(path, text) if kind == "jsonl" else _csv_records(path, text)
    if not raw_rows:
        raise InputFileError(f"{path}: no rows", hint="add one answer per line (JSONL) or per CSV row")
    resolver = _CardResolver(path.parent)
    rows = []
    for number, (line, record, problem) in enumerate(raw_rows, start=1):
        rows.append(_to_row(number, line, record, problem, resolver, kind, require_question))
    return rows


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputFileError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputFileError(f"{path}: is a folder, not a file of answers") from None
    except OSError as error:
        raise InputFileError(f"{path}: cannot read: {error.strerror}") from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data:
        raise InputFileError(f"{path}: not UTF-8 text (UTF-16 or binary)", hint="save the file as UTF-8")
    # Undecodable bytes survive as lone surrogates, so one bad row is reported as that row's problem.
    text = data.decode("utf-8", errors="surrogateescape").removeprefix("\ufeff")
    lines = [line for line in text.splitlines() if line.strip()]
    if lines and all(_has_bad_bytes(line) for line in lines):
        raise InputFileError(f"{path}: not UTF-8 text", hint="save the file as UTF-8")
    return text


def _has_bad_bytes(text: str) -> bool:
    return any("\udc80" <= char <= "\udcff" for char in text)


def _file_kind(path: Path, text: str) -> str:
    suffix = path.suffix.lower()
    if suffix in JSONL_SUFFIXES:
        return "jsonl"
    if suffix in CSV_SUFFIXES:
        return "csv"
    first = text.lstrip()[:1]
    if first == "{":
        return "jsonl"
    header = text.lstrip().splitlines()[0] if text.strip() else ""
    if "answer" in [name.strip().lower() for name in header.split(",")]:
        return "csv"
    raise InputFileError(
        f"{path}: neither JSONL nor CSV with an `answer` column",
        hint="name the file .jsonl (one JSON object per line) or .csv (with a header row)",
    )


Record = tuple[int, dict[str, Any] | None, str | None]  # (line, fields, problem)


def _jsonl_records(path: Path, text: str) -> list[Record]:
    records: list[Record] = []
    parsed_any = False
    for line_number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if _has_bad_bytes(line):
            records.append((line_number, None, "bad encoding: the row is not UTF-8"))
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as error:
            records.append((line_number, None, f"not valid JSON: {error.msg} (column {error.colno})"))
            continue
        if not isinstance(value, dict):
            records.append((line_number, None, f"expected a JSON object, found {type(value).__name__}"))
            continue
        parsed_any = True
        records.append((line_number, value, None))
    if records and not parsed_any:
        raise InputFileError(
            f"{path}: not JSONL: no line holds a JSON object (line {records[0][0]}: {records[0][2]})",
            hint="write one JSON object per line",
        )
    return records


def _csv_records(path: Path, text: str) -> list[Record]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        return []
    except csv.Error as error:
        raise InputFileError(f"{path}: not CSV: {error}") from None
    names = [name.strip() for name in header]
    if _has_bad_bytes(",".join(names)):
        raise InputFileError(f"{path}: the header row is not UTF-8", hint="save the file as UTF-8")
    if "answer" not in names:
        raise InputFileError(
            f"{path}: no `answer` column (columns: {', '.join(names) or 'none'})",
            hint="the header row must name an `answer` column",
        )
    records: list[Record] = []
    previous_end = reader.line_num
    while True:
        start = previous_end + 1
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            records.append((start, None, f"not valid CSV: {error}"))
            previous_end = reader.line_num
            continue
        previous_end = reader.line_num
        if not any(value.strip() for value in values):
            continue
        if len(values) > len(names):
            records.append((start, None, f"{len(values)} values but the header names {len(names)} columns"))
            continue
        if any(_has_bad_bytes(value) for value in values):
            records.append((start, None, "bad encoding: the row is not UTF-8"))
            continue
        # Empty CSV cells mean "not given", like an absent JSON field.
        record = {name: value for name, value in zip(names, values, strict=False) if value != "" or name == "answer"}
        records.append((start, record, None))
    return records


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
    row_id = record.get("id")
    row_id = str(number) if row_id is None or str(row_id).strip() == "" else str(row_id)
    extra = {name: value for name, value in record.items() if name not in CORE_FIELDS}
    submission, error = _submission(record, resolver, kind, require_question)
    return AnswerRow(line=line, id=row_id, submission=submission, error=error, fields=extra)


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
