"""Reads a deck file strictly: every problem in the file is collected and reported at once.

The YAML is composed into nodes with PyYAML's SafeLoader and never constructed into Python
objects by PyYAML itself, so each card and field keeps its line and no tag can run code:
anything beyond plain text, lists and mappings is reported as a problem.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from quizzer.core.errors import DeckError
from quizzer.core.text_input import clean_text
from quizzer.core.types import AnswerFormat
from quizzer.deck.model import Card, Deck, answer_format_problems

DECK_SUFFIXES = (".yaml", ".yml")
DECK_FIELDS = ("name", "description", "cards")
CARD_FIELDS = ("id", "question", "answer", "answers", "key_points", "notes", "tags",
               "type", "tolerance", "ordered", "partial_credit")
CARD_ID_PATTERN = re.compile(r"^[A-Za-z0-9._-]+$")

_YAML = "tag:yaml.org,2002:"
# libyaml's loader where PyYAML was built with it: the same safe composition, several times faster.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# Tags PyYAML's resolver gives plain YAML; the scalar ones are read as the text the author typed
# (so `answer: 16000` or `id: 1.10` keep their spelling). Anything else (`!!python/object`, `!foo`) is refused.
_SCALAR_TAGS = {_YAML + name for name in ("str", "int", "float", "bool", "timestamp")}
_NULL_TAG = _YAML + "null"
_ALLOWED_TAGS = _SCALAR_TAGS | {_NULL_TAG, _YAML + "seq", _YAML + "map", _YAML + "merge"}

IMPORT_HINT = (
    "quizzer reads decks written in YAML (.yaml or .yml); `quizzer decks import FILE` converts "
    "loose notes, CSV, TSV and Anki plain-text exports into one"
)


def load_deck(path: str | Path) -> Deck:
    """Reads and validates one deck file; raises DeckError listing every problem found."""
    path = Path(path)
    text = _read_text(path)
    return parse_deck(text, path)


def parse_deck(text: str, path: Path) -> Deck:
    """Validates deck text that was read from `path` (used for messages and the default name)."""
    try:
        root = yaml.compose(text, Loader=_SAFE_LOADER)
    except yaml.MarkedYAMLError as error:
        raise DeckError([f"{path}{_yaml_problem(error)}"]) from None
    except yaml.reader.ReaderError as error:  # a control character: found by its position in the text
        raise DeckError([f"{path}{_unacceptable_character(text, error)}"], hint="delete the character") from None
    except yaml.YAMLError as error:
        raise DeckError([f"{path}: not valid YAML: {error}"]) from None
    return _DeckReader(path).read(root)


def _yaml_problem(error: yaml.MarkedYAMLError) -> str:
    """":LINE: not valid YAML: ..." at the line where the problem starts: an unclosed quote or bracket is
    reported where it opened (PyYAML's own mark is where it gave up, often the end of the file)."""
    problem, context = error.problem or str(error), error.context or ""
    start, found = error.context_mark, error.problem_mark
    unclosed = context.startswith("while scanning") or "flow" in context or "end of stream" in problem
    if start is not None and found is not None and unclosed and start.line < found.line:
        what = context.removeprefix("while scanning ").removeprefix("while parsing ")
        return (f":{start.line + 1}: not valid YAML: {what} starts here and is never closed "
                f"({problem} on line {found.line + 1})")
    mark = found or start
    return f":{mark.line + 1}: not valid YAML: {problem}" if mark else f": not valid YAML: {problem}"


def _unacceptable_character(text: str, error: yaml.reader.ReaderError) -> str:
    character = chr(error.character) if isinstance(error.character, int) else str(error.character)
    index = text.find(character)
    if index < 0:
        return f": not valid YAML: {error.reason} (character {character!r})"
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return f":{line}: not valid YAML: {error.reason} (character {ord(character):#06x} in column {column})"


def _read_text(path: Path) -> str:
    require_file(path, "give a .yaml deck file; `quizzer decks check DIR` checks every deck in a directory")
    if path.suffix.lower() not in DECK_SUFFIXES:
        raise DeckError([f"{path}: not a deck file ({path.suffix or 'no suffix'}); {IMPORT_HINT}"])
    return read_utf8(path)


def require_file(path: Path, directory_hint: str, what: str = "a deck file") -> None:
    """Raises DeckError unless `path` is an existing file."""
    if path.is_dir():
        raise DeckError([f"{path}: is a directory, not {what}"], hint=directory_hint)
    if not path.exists():
        raise DeckError([f"{path}: no such file"])


def read_utf8(path: Path) -> str:
    """The file's text; a byte that is not UTF-8 is reported with its line."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise DeckError(
            [f"{path}:{line}: not UTF-8 text (byte {data[error.start]:#04x} at offset {error.start})"],
            hint="save the file as UTF-8",
        ) from None


class _DeckReader:
    """Walks the composed nodes of one file, collecting problems instead of stopping at the first."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[tuple[int, str]] = []

    def problem(self, node: Node | None, message: str, card: str | None = None) -> None:
        line = node.start_mark.line + 1 if node is not None else 0
        where = f"{self.path}:{line}" if line else str(self.path)
        self.problems.append((line, f"{where}: card {card}: {message}" if card else f"{where}: {message}"))

    def fail(self, hint: str | None = None) -> DeckError:
        return DeckError([message for _, message in sorted(self.problems, key=lambda item: item[0])], hint=hint)

    def refuse_tags(self, root: Node, card: str | None = None, skip: frozenset[int] = frozenset()) -> None:
        for node in _walk(root, skip):
            if node.tag not in _ALLOWED_TAGS:
                shown = node.tag.replace(_YAML, "!!")
                self.problem(node, f"YAML tag {shown} is not allowed in a deck (only text, lists and mappings)", card)

    def read(self, root: Node | None) -> Deck:
        if root is None:
            raise DeckError([f"{self.path}: empty file, not a deck"], hint=_DECK_SHAPE_HINT)
        if not isinstance(root, MappingNode):
            self.refuse_tags(root)
            self.problem(root, f"not a deck: the top level is {_kind(root)}, expected a mapping with a `cards` list")
            raise self.fail(hint=_DECK_SHAPE_HINT)
        fields = self.mapping(root, DECK_FIELDS, "deck field")
        # Card subtrees are checked by `card`, so their problems carry the card's id.
        card_nodes = fields["cards"].value if isinstance(fields.get("cards"), SequenceNode) else []
        self.refuse_tags(root, skip=frozenset(id(node) for node in card_nodes))
        name = self.text(fields.get("name"), "name") or self.path.stem
        description = self.text(fields.get("description"), "description") or ""
        cards = self.cards(root, fields.get("cards"))
        if self.problems:
            raise self.fail()
        return Deck(name=name.strip(), cards=tuple(cards), description=description.strip(), path=self.path)

    def mapping(self, node: MappingNode, allowed: tuple[str, ...], what: str, card: str | None = None) -> dict:
        """The mapping's fields by name, reporting unknown and repeated ones."""
        fields: dict[str, tuple[Node, Node]] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, ScalarNode) else None
            if key not in allowed:
                shown = repr(key) if key is not None else f"a {_kind(key_node)}"
                close = difflib.get_close_matches(str(key), allowed, n=1) if key is not None else []
                guess = f"; did you mean {close[0]!r}?" if close else ""
                self.problem(key_node, f"unknown {what} {shown} (allowed: {', '.join(allowed)}){guess}", card)
            elif key in fields:
                first = fields[key][0].start_mark.line + 1
                self.problem(key_node, f"{what} {key!r} given twice (first on line {first})", card)
            else:
                fields[key] = (key_node, value_node)
        return {key: value for key, (_, value) in fields.items()}

    def text(self, node: Node | None, field: str, card: str | None = None) -> str | None:
        """The field's text; None when absent or null. Wrong kinds are reported."""
        if node is None or node.tag == _NULL_TAG:
            return None
        if isinstance(node, ScalarNode):
            return clean_text(node.value)  # a refused tag was reported by the walk in `read`
        self.problem(node, f"{field} must be text, not {_kind(node)}", card)
        return None

    def required_text(self, card_node: MappingNode, fields: dict[str, Node], field: str, label: str) -> str:
        """The field's stripped text, reporting it missing, empty or of the wrong kind ("" then)."""
        node = fields.get(field)
        if node is None:
            self.problem(card_node, f"missing {field}", label)
            return ""
        value = (self.text(node, field, label) or "").strip()
        if not value and isinstance(node, ScalarNode):
            self.problem(node, f"empty {field}", label)
        return value

    def text_list(self, node: Node | None, field: str, card: str) -> list[str] | None:
        """A list of non-empty texts; None when absent or wrong (wrong kinds are reported)."""
        if node is None or node.tag == _NULL_TAG:
            return None
        if not isinstance(node, SequenceNode):
            self.problem(node, f"{field} must be a list of texts, not {_kind(node)}", card)
            return None
        items = []
        for item in node.value:
            value = self.text(item, f"each item of {field}", card)
            if value is not None and not value.strip():
                self.problem(item, f"{field} holds an empty item", card)
            elif value is not None:
                items.append(value.strip())
        return items

    def cards(self, root: MappingNode, node: Node | None) -> list[Card]:
        if node is None:
            self.problem(root, "not a deck: no `cards` list", None)
            return []
        if not isinstance(node, SequenceNode):
            self.problem(node, f"`cards` must be a list of cards, not {_kind(node)}")
            return []
        if not node.value:
            self.problem(node, "the deck has no cards")
            return []
        cards: list[Card] = []
        first_line_of_id: dict[str, int] = {}
        for number, card_node in enumerate(node.value, start=1):
            card = self.card(card_node, number, first_line_of_id)
            if card is not None:
                cards.append(card)
        return cards

    def card(self, node: Node, number: int, first_line_of_id: dict[str, int]) -> Card | None:
        if not isinstance(node, MappingNode):
            self.problem(node, f"card #{number} must be a mapping with id, question and answer, not {_kind(node)}")
            return None
        line = node.start_mark.line + 1
        id_node = next((v for k, v in node.value if isinstance(k, ScalarNode) and k.value == "id"), None)
        raw_id = self.text(id_node, "id") if id_node is not None and isinstance(id_node, ScalarNode) else None
        label = f"{raw_id.strip()!r}" if raw_id and raw_id.strip() else f"#{number}"
        problems_before = len(self.problems)
        self.refuse_tags(node, label)
        fields = self.mapping(node, CARD_FIELDS, "field", label)

        card_id = self.required_text(node, fields, "id", label)
        if card_id and not CARD_ID_PATTERN.match(card_id):
            self.problem(fields["id"], "id may hold only letters, digits, '-', '_' and '.'", label)
        elif card_id in first_line_of_id:
            self.problem(fields["id"], f"duplicate id (first used on line {first_line_of_id[card_id]})", label)
        else:
            first_line_of_id[card_id] = line

        question = self.required_text(node, fields, "question", label)

        references = self.references(node, fields, label)
        key_points = self.text_list(fields.get("key_points"), "key_points", label) or []
        notes = self.text(fields.get("notes"), "notes", label) or ""
        tags = self.text_list(fields.get("tags"), "tags", label) or []
        answer_format = self.answer_format(fields, label)
        if len(self.problems) > problems_before:
            return None
        return Card(
            id=card_id,
            question=question,
            references=tuple(references),
            key_points=tuple(key_points),
            notes=notes.strip(),
            tags=tuple(tags),
            line=line,
            answer_format=answer_format,
        )

    def answer_format(self, fields: dict[str, Node], label: str) -> AnswerFormat:
        """The short-answer fields: `type`, `tolerance`, `ordered`, `partial_credit`."""
        answer_format = AnswerFormat(
            type=(self.text(fields.get("type"), "type", label) or "").strip() or None,
            tolerance=(self.text(fields.get("tolerance"), "tolerance", label) or "").strip() or None,
            ordered=self.flag(fields.get("ordered"), "ordered", label),
            partial_credit=self.flag(fields.get("partial_credit"), "partial_credit", label),
        )
        for name, message in answer_format_problems(answer_format).items():
            self.problem(fields[name], message, label)
        return answer_format

    def flag(self, node: Node | None, field: str, card: str) -> bool:
        """A true/false field; absent or null is false."""
        if node is None or node.tag == _NULL_TAG:
            return False
        if isinstance(node, ScalarNode) and node.tag == _YAML + "bool":
            return node.value.lower() in ("true", "yes", "on")
        self.problem(node, f"{field} must be true or false, not {_kind(node)}", card)
        return False

    def references(self, card_node: MappingNode, fields: dict[str, Node], label: str) -> list[str]:
        if "answer" in fields and "answers" in fields:
            self.problem(fields["answers"], "give either `answer` (one text) or `answers` (a list), not both", label)
            return []
        if "answer" in fields and isinstance(fields["answer"], SequenceNode):
            self.problem(fields["answer"], "`answer` holds one text; use `answers` for a list of them", label)
            return []
        if "answer" in fields:
            answer = self.required_text(card_node, fields, "answer", label)
            return [answer] if answer else []
        if "answers" in fields:
            answers = self.text_list(fields["answers"], "answers", label)
            if answers == [] or (answers is None and fields["answers"].tag == _NULL_TAG):
                self.problem(fields["answers"], "`answers` is empty: give at least one reference answer", label)
            return answers or []
        self.problem(card_node, "no answer: give `answer` (one text) or `answers` (a list of texts)", label)
        return []


_DECK_SHAPE_HINT = "a deck is a mapping: `name: ...`, `description: ...`, `cards:` followed by a list of cards"


def _walk(root: Node, skip: frozenset[int] = frozenset()) -> Iterator[Node]:
    """Every node once, except the subtrees in `skip` (aliases share nodes: a billion-laughs file is linear)."""
    seen: set[int] = set(skip)
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        if isinstance(node, SequenceNode):
            stack.extend(reversed(node.value))
        elif isinstance(node, MappingNode):
            for key, value in reversed(node.value):
                stack.extend((value, key))


def _kind(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    return _SCALAR_KINDS.get(node.tag, f"a {node.tag!r} value")


_SCALAR_KINDS = {
    _YAML + "str": "text",
    _YAML + "null": "empty",
    _YAML + "int": "a number",
    _YAML + "float": "a number",
    _YAML + "bool": "true/false",
    _YAML + "timestamp": "a date",
}
