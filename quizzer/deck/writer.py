"""Writes a Deck as a YAML deck file that people can read and edit (multi-line text as block strings)."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from quizzer.core.errors import QuizzerError
from quizzer.deck.model import Card, Deck

_WIDTH = 100
# libyaml's emitter where PyYAML was built with it (about 10x faster: 50,000 cards in seconds); the pure-Python
# one writes the same text. The nodes are built here rather than by a representer, which would cost as much again.
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_STR, _SEQ, _MAP, _BOOL = ("tag:yaml.org,2002:str", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map",
                           "tag:yaml.org,2002:bool")


def _text_node(text: str) -> ScalarNode:
    """Multi-line text as a literal block, long text folded, the rest plain (quoted where YAML needs it)."""
    if "\n" in text:
        return ScalarNode(_STR, text, style="|")
    return ScalarNode(_STR, text, style=">" if len(text) > _WIDTH else None)


def _node(value: Any) -> Node:
    if isinstance(value, bool):  # a flag such as `ordered: true`
        return ScalarNode(_BOOL, "true" if value else "false")
    if isinstance(value, str):
        return _text_node(value)
    if isinstance(value, list):
        return SequenceNode(_SEQ, [_node(item) for item in value], flow_style=False)
    if isinstance(value, dict):
        return MappingNode(_MAP, [(ScalarNode(_STR, key), _node(item)) for key, item in value.items()], flow_style=False)
    raise TypeError(f"a deck holds texts, flags, lists and mappings, not {type(value).__name__}")


def card_to_dict(card: Card) -> dict[str, Any]:
    """The card as the deck format's fields, in reading order, leaving out empty optional ones."""
    fields: dict[str, Any] = {"id": card.id, "question": card.question}
    if len(card.references) == 1:
        fields["answer"] = card.reference
    else:
        fields["answers"] = list(card.references)
    fields.update(card.answer_format.fields())
    fields["key_points"] = list(card.key_points)  # kept even when empty: a reminder to fill them in
    if card.notes:
        fields["notes"] = card.notes
    if card.tags:
        fields["tags"] = list(card.tags)
    return fields


def _emit(document: Any) -> str:
    text: str = yaml.serialize(_node(document), Dumper=_DUMPER, allow_unicode=True, width=_WIDTH)
    return text


def deck_to_yaml(deck: Deck, header: str = "") -> str:
    """The deck as YAML text, after an optional comment header (one `# ` line per header line)."""
    document: dict[str, Any] = {"name": deck.name}
    if deck.description:
        document["description"] = deck.description
    comment = "".join(f"# {line}".rstrip() + "\n" for line in header.splitlines())
    if not deck.cards:
        return comment + _emit({**document, "cards": []})
    # The emitter writes `cards:` then each card as an item of an indentless list, so each card can be
    # written on its own, and the blank line between cards makes a long deck easier to scan.
    cards = "\n".join(_card_text(card_to_dict(card)) for card in deck.cards)
    return comment + _emit(document) + "cards:\n" + cards


# Most cards hold short ASCII text that YAML writes as it is; building nodes for them costs more than the
# emitting. Such text is written directly, exactly as the emitter writes it (a test compares the two on many
# cards); anything else (quoting, folding, other scripts) goes to the emitter, card by card.
_PLAIN = re.compile(r"[A-Za-z](?:[ -~]*[!-~])?")  # starts with a letter: no indicator, number or date
_NEEDS_QUOTES = re.compile(r": |:$| #")
_NOT_TEXT = frozenset("yes Yes YES no No NO true True TRUE false False FALSE on On ON off Off OFF null Null NULL".split())
_BLOCK_LINE = re.compile(r"(?:[!-~](?:[ -~]*[!-~])?)?")


def _plain(text: str, column: int) -> str | None:
    """The text as the emitter writes it from `column` when that is as it is, else None."""
    if "\n" in text:  # a literal block, its lines indented under the key
        lines = text.split("\n")
        if not lines[0] or not lines[-1] or not all(_BLOCK_LINE.fullmatch(line) for line in lines):
            return None
        indent = "\n" + " " * 4
        return "|-" + "".join(indent + line if line else "\n" for line in lines)
    if (column + len(text) <= _WIDTH and _PLAIN.fullmatch(text) and not _NEEDS_QUOTES.search(text)
            and text not in _NOT_TEXT):
        return text
    return None


def _card_text(fields: dict[str, Any]) -> str:
    lines: list[str] = []
    for key, value in fields.items():
        prefix = "- " if not lines else "  "
        if isinstance(value, str):
            text = _plain(value, len(prefix) + len(key) + 2)
            if text is None:
                break
            lines.append(f"{prefix}{key}: {text}")
        elif isinstance(value, bool):
            lines.append(f"{prefix}{key}: {'true' if value else 'false'}")
        elif not value:
            lines.append(f"{prefix}{key}: []")
        else:
            items = [_plain(item, 4) if "\n" not in item else None for item in value]
            if None in items:
                break
            lines.append(f"{prefix}{key}:")
            lines.extend(f"  - {item}" for item in items)
    else:
        return "\n".join(lines) + "\n"
    return _emit([fields])


def check_target(path: Path, force: bool, suffixes: tuple[str, ...] = (".yaml", ".yml"), what: str = "a deck file",
                 hint: str = "give --output a file name ending .yaml") -> None:
    """Raises QuizzerError unless `path` can take the new file: not a folder, the right suffix, new or `force`."""
    if path.is_dir():
        raise QuizzerError(f"{path}: is a folder", hint=hint)
    if path.suffix.lower() not in suffixes:  # the loader reads nothing else: the deck would be unusable
        raise QuizzerError(f"{path}: {what} must end {' or '.join(suffixes)}", hint=hint)
    if path.exists() and not force:
        raise QuizzerError(f"{path} already exists", hint="pass --force to overwrite it, or --output another path")


def write_atomically(writers: Mapping[Path, Callable[[Path], object]]) -> None:
    """Each writer fills a temporary file beside its path; only when all succeeded are they renamed into place,
    so an error (or Ctrl-C) never leaves a half-written deck behind."""
    temporary: dict[Path, Path] = {}
    current = next(iter(writers), Path())
    try:
        for current, write in writers.items():
            current.parent.mkdir(parents=True, exist_ok=True)
            # A new name rather than mkstemp's: the file gets the usual permissions, not 0600.
            temporary[current] = current.with_name(f".{current.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")
            write(temporary[current])
        for current, written in temporary.items():
            os.replace(written, current)
    except OSError as error:
        raise QuizzerError(f"cannot write {current}: {error.strerror}", hint="choose another --output") from None
    finally:
        for written in temporary.values():
            written.unlink(missing_ok=True)


def write_deck(deck: Deck, path: Path, header: str = "", force: bool = False) -> None:
    """Writes the deck to `path`, refusing to replace an existing file unless `force`."""
    check_target(path, force)
    write_atomically({path: lambda temporary: temporary.write_text(deck_to_yaml(deck, header), encoding="utf-8")})
