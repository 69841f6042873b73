"""Writes a Deck as a YAML deck file that people can read and edit (multi-line text as block strings)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from quizzer.deck.model import Card, Deck
from quizzer.errors import QuizzerError

_WIDTH = 100
# libyaml's emitter where PyYAML was built with it (about 10x faster: 50,000 cards in seconds); the pure-Python
# one writes the same text. The nodes are built here rather than by a representer, which would cost as much again.
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_STR, _SEQ, _MAP = "tag:yaml.org,2002:str", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"


def _text_node(text: str) -> ScalarNode:
    """Multi-line text as a literal block, long text folded, the rest plain (quoted where YAML needs it)."""
    if "\n" in text:
        return ScalarNode(_STR, text, style="|")
    return ScalarNode(_STR, text, style=">" if len(text) > _WIDTH else None)


def _node(value: Any) -> Node:
    if isinstance(value, str):
        return _text_node(value)
    if isinstance(value, list):
        return SequenceNode(_SEQ, [_node(item) for item in value], flow_style=False)
    if isinstance(value, dict):
        return MappingNode(_MAP, [(ScalarNode(_STR, key), _node(item)) for key, item in value.items()], flow_style=False)
    raise TypeError(f"a deck holds texts, lists and mappings, not {type(value).__name__}")


def card_to_dict(card: Card) -> dict[str, Any]:
    """The card as the deck format's fields, in reading order, leaving out empty optional ones."""
    fields: dict[str, Any] = {"id": card.id, "question": card.question}
    if len(card.references) == 1:
        fields["answer"] = card.reference
    else:
        fields["answers"] = list(card.references)
    fields["key_points"] = list(card.key_points)  # kept even when empty: a reminder to fill them in
    if card.notes:
        fields["notes"] = card.notes
    if card.tags:
        fields["tags"] = list(card.tags)
    return fields


def deck_to_yaml(deck: Deck, header: str = "") -> str:
    """The deck as YAML text, after an optional comment header (one `# ` line per header line)."""
    document: dict[str, Any] = {"name": deck.name}
    if deck.description:
        document["description"] = deck.description
    document["cards"] = [card_to_dict(card) for card in deck.cards]
    body = yaml.serialize(_node(document), Dumper=_DUMPER, allow_unicode=True, width=_WIDTH)
    comment = "".join(f"# {line}".rstrip() + "\n" for line in header.splitlines())
    # A blank line between cards makes a long deck easier to scan (block text is indented: no false match).
    return comment + body.replace("\n- id:", "\n\n- id:").replace("cards:\n\n", "cards:\n", 1)


def check_target(path: Path, force: bool, suffixes: tuple[str, ...] = (".yaml", ".yml"), what: str = "a deck file",
                 hint: str = "give --output a file name ending .yaml") -> None:
    """Raises QuizzerError unless `path` can take the new file: not a folder, the right suffix, new or `force`."""
    if path.is_dir():
        raise QuizzerError(f"{path}: is a folder", hint=hint)
    if path.suffix.lower() not in suffixes:  # the loader reads nothing else: the deck would be unusable
        raise QuizzerError(f"{path}: {what} must end {' or '.join(suffixes)}", hint=hint)
    if path.exists() and not force:
        raise QuizzerError(f"{path} already exists", hint="pass --force to overwrite it, or --output another path")


def write_atomically(writers: Mapping[Path, Callable[[Path], None]]) -> None:
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
