"""Writes a Deck as a YAML deck file that people can read and edit (multi-line text as block strings)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from quizzer.core.errors import QuizzerError
from quizzer.deck.model import Card, Deck

_WIDTH = 100


class _DeckDumper(yaml.SafeDumper):
    """Indents list items under their key and writes long or multi-line text as block strings."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _represent_text(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    if "\n" in text:
        return dumper.represent_scalar("tag:yaml.org,2002:str", text, style="|")
    if len(text) > _WIDTH:
        return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=">")
    return dumper.represent_scalar("tag:yaml.org,2002:str", text)


_DeckDumper.add_representer(str, _represent_text)


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


def deck_to_yaml(deck: Deck, header: str = "") -> str:
    """The deck as YAML text, after an optional comment header (one `# ` line per header line)."""
    document: dict[str, Any] = {"name": deck.name}
    if deck.description:
        document["description"] = deck.description
    document["cards"] = [card_to_dict(card) for card in deck.cards]
    body = yaml.dump(
        document, Dumper=_DeckDumper, sort_keys=False, allow_unicode=True, width=_WIDTH, default_flow_style=False
    )
    comment = "".join(f"# {line}".rstrip() + "\n" for line in header.splitlines())
    # A blank line between cards makes a long deck easier to scan.
    return comment + body.replace("\n  - id:", "\n\n  - id:").replace("cards:\n\n", "cards:\n", 1)


def write_deck(deck: Deck, path: Path, header: str = "", force: bool = False) -> None:
    """Writes the deck to `path`, refusing to replace an existing file unless `force`."""
    if path.is_dir():
        raise QuizzerError(f"{path}: is a folder", hint="give --output a file name ending .yaml")
    if path.suffix.lower() not in (".yaml", ".yml"):  # the loader reads nothing else: the deck would be unusable
        raise QuizzerError(f"{path}: a deck file must end .yaml or .yml", hint="give --output a file name ending .yaml")
    if path.exists() and not force:
        raise QuizzerError(f"{path} already exists", hint="pass --force to overwrite it, or --output another path")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(deck_to_yaml(deck, header), encoding="utf-8")
    except OSError as error:
        raise QuizzerError(f"cannot write {path}: {error.strerror}", hint="choose another --output") from None
