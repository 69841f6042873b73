"""Turns loose notes, CSV/TSV tables and Anki plain-text exports into a Deck.

Importers never stop at the first bad line: what they cannot use is listed in
`ImportResult.problems` with its line, and the cards they could read are kept.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from quizzer.core.errors import DeckError
from quizzer.core.text_input import clean_text
from quizzer.core.types import AnswerFormat
from quizzer.deck.anki.text import clean_field
from quizzer.deck.card_ids import IdMaker
from quizzer.deck.loader import CARD_ID_PATTERN, DECK_SUFFIXES, read_utf8, require_file
from quizzer.deck.model import Card, Deck, answer_format_problems
from quizzer.deck.notes_import import parse_notes

FORMATS = ("notes", "csv", "tsv", "anki")


def no_key_points_warning(without: int, total: int) -> str:
    """The warning for imported cards that lack key points (grading can only say what is missing if it knows)."""
    if without == total:
        which = "imported card has" if total == 1 else "imported cards have"
    else:
        which = f"of {total} imported cards have"
    return (
        f"{without} {which} no key points yet: grading feedback is weaker without them; "
        "add the facts a complete answer must contain under each card's key_points"
    )


@dataclass
class ImportResult:
    deck: Deck
    format: str
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def import_file(path: str | Path, format: str | None = None, name: str | None = None) -> ImportResult:
    """Reads `path` in the given format (guessed from its suffix and content when None)."""
    path = Path(path)
    text = _read_source(path)
    format = format or detect_format(path, text)
    if format not in FORMATS:
        raise DeckError([f"{path}: unknown import format {format!r} (known: {', '.join(FORMATS)})"])
    parse = {"notes": parse_notes, "csv": parse_csv, "tsv": parse_tsv, "anki": parse_anki}[format]
    cards, title, problems = parse(text, str(path))
    if not cards:
        raise DeckError(problems + [f"{path}: no cards found in it as {format}"], hint=_FORMAT_HINTS[format])
    deck = Deck(name=name or title or path.stem, cards=tuple(cards), path=None)
    without = sum(1 for card in deck.cards if not card.key_points)
    warnings = [no_key_points_warning(without, len(deck.cards))] if without else []
    return ImportResult(deck=deck, format=format, problems=problems, warnings=warnings)


def detect_format(path: Path, text: str) -> str:
    suffix = path.suffix.lower()
    if suffix in DECK_SUFFIXES:
        raise DeckError([f"{path}: is already a YAML deck"], hint=f"check it with `quizzer decks check {path}`")
    if suffix == ".csv":
        return "csv"
    if suffix == ".tsv":
        return "tsv"
    if _anki_header(text.splitlines())[1]:
        return "anki"
    if suffix in ("", ".txt", ".md", ".text", ".notes"):
        return "notes"
    raise DeckError(
        [f"{path}: cannot tell how to import a {suffix} file"],
        hint=f"pass --format with one of: {', '.join(FORMATS)}",
    )


_FORMAT_HINTS = {
    "notes": "notes hold questions as lines ending in '?', `Q:` or `Question:` lines, or Markdown headings, each "
             "followed by its answer (after `A:` or `Answer:`, on the next line, or in the next paragraph)",
    "csv": "a CSV file needs a header row with at least `question` and `answer` columns",
    "tsv": "a TSV file needs a header row with at least `question` and `answer` columns",
    "anki": "export from Anki with File > Export > Notes in Plain Text",
}


def _read_source(path: Path) -> str:
    require_file(path, "give the file to import", what="a file to import")
    return clean_text(read_utf8(path))


# --- CSV / TSV ------------------------------------------------------------------------------

_COLUMNS = ("id", "question", "answer", "key_points", "tags", "notes", "type", "tolerance", "ordered",
            "partial_credit")
_COLUMN_ALIASES = {"front": "question", "back": "answer", "answers": "answer", "key points": "key_points",
                   "keypoints": "key_points", "note": "notes", "tag": "tags", "partial credit": "partial_credit"}
_TRUE, _FALSE = ("true", "yes", "1", "y"), ("false", "no", "0", "n", "")


def parse_csv(text: str, source: str) -> tuple[list[Card], str | None, list[str]]:
    return _parse_table(text, source, ",")


def parse_tsv(text: str, source: str) -> tuple[list[Card], str | None, list[str]]:
    return _parse_table(text, source, "\t")


def _numbered_rows(text: str, delimiter: str, source: str, problems: list[str], offset: int = 0) -> Iterator[
    tuple[int, list[str]]
]:
    """(first line, cells) of each non-blank record; quoted cells may span lines. Stops at an unreadable one."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    line = 0
    while True:
        start = offset + line + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            problems.append(f"{source}:{start}: unreadable record, the rest of the file was not read: {error}")
            return
        line = reader.line_num
        if any(cell.strip() for cell in row):
            yield start, row


def _parse_table(text: str, source: str, delimiter: str) -> tuple[list[Card], str | None, list[str]]:
    """A table with a header row naming its columns: question, answer, and optional id, key_points, tags, notes."""
    problems: list[str] = []
    rows = _numbered_rows(text, delimiter, source, problems)
    header_line, header = next(rows, (1, []))
    columns = [_COLUMN_ALIASES.get(cell.strip().lower(), cell.strip().lower()) for cell in header]
    missing = [column for column in ("question", "answer") if column not in columns]
    if missing:
        return [], None, problems + [
            f"{source}:{header_line}: the header row has no {' or '.join(missing)} column (it reads {header!r})"
        ]
    for position, column in enumerate(columns):
        if column not in _COLUMNS:
            problems.append(
                f"{source}:{header_line}: unknown column {header[position]!r} ignored (known: {', '.join(_COLUMNS)})"
            )
    ids = IdMaker()
    cards: list[Card] = []
    for line, row in rows:
        values = {column: row[i].strip() for i, column in enumerate(columns) if i < len(row) and column in _COLUMNS}
        card = _table_card(values, source, line, ids, problems, split_tags=r"[\s,;|]+")
        if card is not None:
            cards.append(card)
    return cards, None, problems


def _table_card(
    values: dict[str, str], source: str, line: int, ids: IdMaker, problems: list[str], split_tags: str
) -> Card | None:
    """A card from one row's named values; rows it cannot use are reported and give None."""
    where = f"{source}:{line}"
    question, answer = values.get("question", ""), values.get("answer", "")
    if not question or not answer:
        problems.append(f"{where}: row without {'a question' if not question else 'an answer'}; skipped")
        return None
    wanted = values.get("id") or None
    if wanted and (not CARD_ID_PATTERN.match(wanted) or wanted in ids.used):
        problems.append(f"{where}: id {wanted!r} is {'taken' if wanted in ids.used else 'not usable'}; made a new one")
        wanted = None
    return Card(
        id=ids.make(question, wanted),
        question=question,
        references=(answer,),
        # '|' where the cell has one, so a key point may hold a ';' (how `decks export --format csv` writes them).
        key_points=tuple(_split(values.get("key_points", ""), r"\|" if "|" in values.get("key_points", "") else ";")),
        notes=values.get("notes", ""),
        tags=tuple(_split(values.get("tags", ""), split_tags)),
        line=line,
        answer_format=_answer_format(values, where, problems),
    )


def _answer_format(values: dict[str, str], where: str, problems: list[str]) -> AnswerFormat:
    """The short-answer columns; a bad value is reported and left out."""
    flags = {}
    for name in ("ordered", "partial_credit"):
        value = values.get(name, "").lower()
        if value not in _TRUE + _FALSE:
            problems.append(f"{where}: {name} {values[name]!r} is not true or false; ignored")
        flags[name] = value in _TRUE
    answer_format = AnswerFormat(type=values.get("type") or None, tolerance=values.get("tolerance") or None, **flags)
    found = answer_format_problems(answer_format)
    for message in found.values():
        problems.append(f"{where}: {message}; ignored")
    return replace(answer_format, **{name: getattr(AnswerFormat(), name) for name in found})


def _split(text: str, pattern: str) -> list[str]:
    return [item.strip() for item in re.split(pattern, text) if item.strip()]


# --- Anki "Notes in Plain Text" -------------------------------------------------------------

_ANKI_SEPARATORS = {"tab": "\t", "comma": ",", "semicolon": ";", "space": " ", "pipe": "|", "colon": ":"}
_ANKI_HEADER = re.compile(r"^#([a-z ]+):(.*)$")


def _anki_header(lines: list[str]) -> tuple[dict[str, str], int]:
    """Anki's `#key:value` header lines at the top, and how many lines they take."""
    header: dict[str, str] = {}
    for count, line in enumerate(lines):
        match = _ANKI_HEADER.match(line.strip())
        if not match:
            return header, count
        header[match.group(1).strip()] = match.group(2).strip()
    return header, len(lines)


def strip_html(text: str) -> str:
    """Anki field HTML as plain text: line breaks kept, tags and media references dropped, entities decoded."""
    return clean_field(text).text


def parse_anki(text: str, source: str) -> tuple[list[Card], str | None, list[str]]:
    """Anki's export: header lines, then one note per row; first field the question, second the answer."""
    lines = text.splitlines(keepends=True)
    header, header_lines = _anki_header([line.rstrip("\r\n") for line in lines])
    problems: list[str] = []
    separator = header.get("separator", "tab")
    delimiter = _ANKI_SEPARATORS.get(separator.lower(), separator)
    if len(delimiter) != 1:
        return [], None, [f"{source}:1: unknown separator {separator!r}"]
    is_html = header.get("html", "false").lower() == "true"
    special = {}
    for key, role in (("tags column", "tags"), ("deck column", "deck"), ("notetype column", "notetype"),
                      ("guid column", "guid")):
        if key in header and header[key].isdigit():
            special[int(header[key]) - 1] = role
    ids = IdMaker()
    cards: list[Card] = []
    deck_names: set[str] = set()
    body = "".join(lines[header_lines:])
    for start, row in _numbered_rows(body, delimiter, source, problems, offset=header_lines):
        fields = [cell for position, cell in enumerate(row) if position not in special]
        roles = {role: row[position] for position, role in special.items() if position < len(row)}
        if is_html:
            fields = [strip_html(cell) for cell in fields]
        if roles.get("deck"):
            deck_names.add(roles["deck"].strip())
        if re.search(r"\{\{c\d+::", " ".join(fields)):
            problems.append(f"{source}:{start}: cloze note skipped (quizzer cards need a question and an answer)")
            continue
        values = {
            "question": fields[0].strip() if fields else "",
            "answer": fields[1].strip() if len(fields) > 1 else "",
            "notes": "\n\n".join(field.strip() for field in fields[2:] if field.strip()),
            "tags": roles.get("tags", ""),
        }
        card = _table_card(values, source, start, ids, problems, split_tags=r"\s+")
        if card is not None:
            cards.append(card)
    # Anki names decks like "Interview::ASR"; a single deck's last part makes a good name.
    title = deck_names.pop().split("::")[-1].strip() if len(deck_names) == 1 else None
    return cards, title, problems

