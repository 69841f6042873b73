"""Cloze deletions: `{{c1::answer}}` and `{{c1::answer::hint}}`, nested ones included.

Each deletion number makes one card: its deletions become `[...]` (or `[hint]`) in the question and
their text the answer, while the other numbers' deletions show their text, as Anki shows them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_TOKEN = re.compile(r"\{\{c(\d+(?:,\d+)*)::|::|\}\}")
HIDDEN = "[...]"


@dataclass
class _Deletion:
    numbers: frozenset[int]
    content: list[str | _Deletion] = field(default_factory=list)
    hint: str | None = None  # None until the deletion's first "::"


Nodes = list["str | _Deletion"]


def parse_cloze(text: str) -> Nodes:
    """The text as plain pieces and deletions; unclosed `{{c1::` stays text."""
    root: Nodes = []
    open_deletions: list[_Deletion] = []
    opened_at: list[int] = []
    position = 0

    def add(piece: str | _Deletion) -> None:
        if not open_deletions:
            root.append(piece)
        elif open_deletions[-1].hint is not None and isinstance(piece, str):
            open_deletions[-1].hint += piece
        else:
            open_deletions[-1].content.append(piece)

    for match in _TOKEN.finditer(text):
        add(text[position : match.start()])
        position = match.end()
        token = match.group(0)
        if match.group(1):
            open_deletions.append(_Deletion(frozenset(int(number) for number in match.group(1).split(","))))
            opened_at.append(match.start())
        elif open_deletions and token == "::" and open_deletions[-1].hint is None:
            open_deletions[-1].hint = ""
        elif open_deletions and token == "}}":
            opened_at.pop()
            add(open_deletions.pop())
        else:
            add(token)
    add(text[position:])
    if open_deletions:  # an unclosed deletion: keep the text as it was written from there on
        return parse_cloze(text[: opened_at[0]]) + [text[opened_at[0] :]]
    return root


def cloze_numbers(nodes: Nodes) -> list[int]:
    """Every deletion number in the text, ascending."""
    found: set[int] = set()
    for node in nodes:
        if isinstance(node, _Deletion):
            found |= node.numbers | set(cloze_numbers(node.content))
    return sorted(found)


def cloze_question(nodes: Nodes, number: int) -> str:
    """The text with deletion `number` hidden and every other deletion shown."""
    parts = []
    for node in nodes:
        if isinstance(node, str):
            parts.append(node)
        elif number in node.numbers:
            parts.append(f"[{node.hint.strip()}]" if node.hint and node.hint.strip() else HIDDEN)
        else:
            parts.append(cloze_question(node.content, number))
    return "".join(parts)


def cloze_answers(nodes: Nodes, number: int) -> list[str]:
    """The text of each deletion with this number, in order."""
    answers = []
    for node in nodes:
        if isinstance(node, _Deletion):
            if number in node.numbers:
                answers.append(cloze_question(node.content, -1))
            else:
                answers.extend(cloze_answers(node.content, number))
    return answers
