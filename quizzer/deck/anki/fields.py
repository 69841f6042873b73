"""Which fields of an Anki note type make a quizzer card's question, answer and notes.

By default the first field is the question and the second the answer, as on Anki's Basic note
types; the learner can name others (`--question-field`, `--answer-field`, `--notes-field`), and
`quizzer decks import FILE --list-fields` shows every note type's fields with an example to choose from.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from quizzer.deck.anki.records import AnkiPackage, NoteType
from quizzer.deck.anki.text import clean_field


@dataclass(frozen=True)
class FieldChoice:
    """The learner's choice of fields, by name (None or empty: the defaults)."""

    question: str | None = None
    answer: str | None = None
    notes: tuple[str, ...] = ()
    reverse: bool = False


@dataclass(frozen=True)
class FieldPlan:
    """Field positions in one note type: the question, the answer (None for cloze), the notes."""

    question: int
    answer: int | None
    notes: tuple[int, ...]
    reverse_ord: int | None = None  # the template whose cards ask the answer and expect the question


def plan_fields(note_type: NoteType, choice: FieldChoice) -> FieldPlan | str:
    """Where this note type's question, answer and notes are, or why its notes cannot make cards."""
    names = note_type.fields
    where = f"note type {note_type.name!r}"
    question = _position(names, choice.question) if choice.question else 0
    if question is None or not names:
        return f"{where} has no field {choice.question!r} (its fields: {', '.join(names) or 'none'})"
    if note_type.is_cloze:
        answer = None
    elif choice.answer:
        answer = _position(names, choice.answer)
        if answer is None:
            return f"{where} has no field {choice.answer!r} (its fields: {', '.join(names)})"
        if answer == question:
            return f"{where}: the question and the answer cannot both be field {names[question]!r}"
    else:
        answer = next((position for position in range(len(names)) if position != question), None)
        if answer is None:
            return (f"{where} has one field ({names[0]}): a card needs a question and an answer; "
                    "name the answer's field with --answer-field")
    if choice.notes:
        notes = tuple(p for p in (_position(names, name) for name in choice.notes) if p not in (None, question, answer))
    else:
        notes = tuple(position for position in range(len(names)) if position not in (question, answer))
    reverse = _reverse_template(note_type, names[answer]) if choice.reverse and answer is not None else None
    return FieldPlan(question, answer, notes, reverse)


def _position(names: tuple[str, ...], wanted: str) -> int | None:
    """A field's position by name; Anki's field names are case-insensitive."""
    folded = [name.casefold() for name in names]
    return folded.index(wanted.casefold()) if wanted.casefold() in folded else None


def _reverse_template(note_type: NoteType, answer_field: str) -> int | None:
    """The first template after the first whose front shows the answer field (`{{Back}}`, `{{type:Back}}` ...)."""
    shows_answer = re.compile(r"\{\{(?:[^{}:]*:)*\s*" + re.escape(answer_field) + r"\s*\}\}", re.I)
    return next((t.ord for t in note_type.templates if t.ord > 0 and shows_answer.search(t.front)), None)


# --- --list-fields ----------------------------------------------------------------------------

@dataclass(frozen=True)
class NoteTypeSummary:
    name: str
    cloze: bool
    notes: int
    fields: tuple[tuple[str, str], ...]  # (name, an example value as text)
    templates: tuple[str, ...]


def summarize_note_types(package: AnkiPackage, example_length: int = 60) -> list[NoteTypeSummary]:
    """Each note type that has notes: its fields with the first non-empty value as an example."""
    counts = Counter(note.note_type_id for note in package.notes)
    summaries = []
    for note_type_id, count in counts.items():
        note_type = package.note_types.get(note_type_id)
        if note_type is None:
            continue
        examples = []
        for position, name in enumerate(note_type.fields):
            example = next((text for note in package.notes if note.note_type_id == note_type_id
                            and position < len(note.fields)
                            and (text := clean_field(note.fields[position]).text)), "")
            flat = " ".join(example.split())
            examples.append((name, flat if len(flat) <= example_length else flat[: example_length - 1] + "…"))
        templates = tuple(template.name for template in note_type.templates)
        summaries.append(NoteTypeSummary(note_type.name, note_type.is_cloze, count, tuple(examples), templates))
    return summaries
