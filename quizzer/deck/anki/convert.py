"""Anki notes as quizzer cards, grouped by the Anki deck their cards are in.

One card per note (question and answer from the chosen fields), a reversed one with `--reverse`
where the note type has a reverse template, one per deletion number for cloze notes, and the card
exported by quizzer itself for its own note type. What cannot become a card (an empty field, a
duplicate, a note type without an answer field) is reported, never dropped in silence; so are media.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections import Counter
from dataclasses import dataclass, field

from quizzer.deck.anki import roundtrip
from quizzer.deck.anki.cloze import cloze_answers, cloze_numbers, cloze_question, parse_cloze
from quizzer.deck.anki.fields import FieldChoice, FieldPlan, plan_fields
from quizzer.deck.anki.records import AnkiNote, AnkiPackage, NoteType
from quizzer.deck.anki.text import CleanText, clean_field
from quizzer.deck.loader import CARD_ID_PATTERN
from quizzer.deck.model import Card

MEDIA_NOTE = "Anki media: "


@dataclass
class ConvertedDeck:
    name: str  # Anki's full name, "Parent::Child"
    description: str = ""
    cards: list[Card] = field(default_factory=list)


@dataclass
class Conversion:
    decks: list[ConvertedDeck]
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    media: dict[str, list[str]] = field(default_factory=dict)  # file name -> ids of the cards using it


def note_card_id(guid: str) -> str:
    """A stable card id from the note's guid (Anki's guids hold characters quizzer ids may not)."""
    return "anki-" + hashlib.sha1(guid.encode("utf-8")).hexdigest()[:12]


def convert_package(package: AnkiPackage, choice: FieldChoice = FieldChoice(), deck: str | None = None) -> Conversion:
    """The package's notes as cards per Anki deck (only the deck named `deck` when given)."""
    return _Converter(package, choice, deck).run()


class _Converter:
    def __init__(self, package: AnkiPackage, choice: FieldChoice, only_deck: str | None) -> None:
        self.package, self.choice, self.only_deck = package, choice, only_deck
        self.result = Conversion([], problems=list(package.problems))
        self.decks: dict[int, ConvertedDeck] = {}
        self.seen: dict[tuple[int, str, tuple[str, ...]], str] = {}  # (deck, question, answers) -> card id
        self.ids: set[str] = set()
        self.plans: dict[int, FieldPlan | str | None] = {}  # None: quizzer's own note type
        self.unusable: Counter[int] = Counter()

    def run(self) -> Conversion:
        for note in self.package.notes:
            self.note(note)
        for note_type_id, count in self.unusable.items():
            reason = self.plans[note_type_id]
            self.result.problems.append(f"{reason}; its {_notes(count)} skipped")
        self.report_unused_choices()
        self.result.decks = [deck for deck in self.decks.values() if deck.cards]
        return self.result

    def note(self, note: AnkiNote) -> None:
        note_type = self.package.note_types.get(note.note_type_id)
        if note_type is None:
            self.problem(note, f"its note type {note.note_type_id} is missing from the package")
            return
        if not note.card_decks:
            self.problem(note, "it has no cards in the package")
            return
        if self.only_deck is not None and not any(self.deck_name(deck).casefold() == self.only_deck.casefold()
                                                  for _, deck in note.card_decks):
            return
        values = note.fields + ("",) * (len(note_type.fields) - len(note.fields))
        if note_type.id not in self.plans:
            self.plans[note_type.id] = None if roundtrip.is_quizzer_note_type(note_type.fields) else plan_fields(
                note_type, self.choice)
        plan = self.plans[note_type.id]
        if plan is None:  # a card exported by quizzer
            self.quizzer_note(note, values)
        elif isinstance(plan, str):
            self.unusable[note_type.id] += 1
        elif note_type.is_cloze:
            self.cloze_note(note, note_type, plan, values)
        else:
            self.basic_note(note, note_type, plan, values)

    def basic_note(self, note: AnkiNote, note_type: NoteType, plan: FieldPlan, values: tuple[str, ...]) -> None:
        assert plan.answer is not None
        question, answer = clean_field(values[plan.question]), clean_field(values[plan.answer])
        notes = self.notes_text(note_type, plan, values)
        base = note_card_id(note.guid)
        for empty, position in ((question, plan.question), (answer, plan.answer)):
            if not empty.text:
                self.problem(note, f"its field {note_type.fields[position]!r} is empty{_media_only(empty)}")
                return
        self.add(note, 0, base, question, [answer], notes)
        if plan.reverse_ord is not None and note.deck_of(plan.reverse_ord) is not None:
            self.add(note, plan.reverse_ord, f"{base}-r", answer, [question], notes)

    def cloze_note(self, note: AnkiNote, note_type: NoteType, plan: FieldPlan, values: tuple[str, ...]) -> None:
        text = values[plan.question]
        if "image-occlusion:" in text:
            self.problem(note, "image occlusion notes are pictures quizzer cannot show")
            return
        nodes = parse_cloze(text)
        numbers = cloze_numbers(nodes)
        if not numbers:
            self.problem(note, f"its cloze field {note_type.fields[plan.question]!r} has no {{{{c1::...}}}} deletion")
            return
        notes = self.notes_text(note_type, plan, values)
        base = note_card_id(note.guid)
        for number in numbers:
            answers = [clean_field(answer) for answer in cloze_answers(nodes, number)]
            self.add(note, number - 1, f"{base}-c{number}", clean_field(cloze_question(nodes, number)), answers, notes)

    def quizzer_note(self, note: AnkiNote, values: tuple[str, ...]) -> None:
        card, problems = roundtrip.card_from_note(values, note.tags)
        for problem in problems:
            self.problem(note, problem, skipped=False)
        if not CARD_ID_PATTERN.match(card.id):
            card = dataclasses.replace(card, id=note_card_id(note.guid))
        elif card.id in self.ids:  # a note copied in Anki keeps the hidden field, and so the id, of its original
            self.problem(note, f"its card id {card.id} is taken (a copy of another note?); it is "
                               f"{note_card_id(note.guid)} instead", skipped=False)
            card = dataclasses.replace(card, id=note_card_id(note.guid))
        if not card.question or not card.references:
            self.problem(note, f"its {'question' if not card.question else 'answer'} is empty")
            return
        self.keep(note, note.first_deck, card, ())

    def add(self, note: AnkiNote, ord: int, card_id: str, question: CleanText, answers: list[CleanText],
            notes: CleanText) -> None:
        media = tuple(dict.fromkeys(
            name for part in (question, *answers, notes) for name in part.media))
        texts = [answer.text for answer in answers if answer.text]
        if not texts:
            self.problem(note, f"card {card_id} has an empty answer")
            return
        note_text = "\n\n".join(part for part in (notes.text, MEDIA_NOTE + ", ".join(media) if media else "") if part)
        card = Card(id=card_id, question=question.text, references=("; ".join(texts),), notes=note_text,
                    tags=note.tags)
        self.keep(note, note.deck_of(ord) or note.first_deck, card, media)

    def keep(self, note: AnkiNote, deck_id: int | None, card: Card, media: tuple[str, ...]) -> None:
        assert deck_id is not None
        if self.only_deck is not None and self.deck_name(deck_id).casefold() != self.only_deck.casefold():
            return  # a card of this note in another deck than the one asked for (a reversed card, say)
        key = (deck_id, card.question, card.references)
        if key in self.seen:
            self.problem(note, f"same question and answer as card {self.seen[key]}")
            return
        if card.id in self.ids:
            self.problem(note, f"its card id {card.id} is already taken")
            return
        self.seen[key] = card.id
        self.ids.add(card.id)
        for name in media:
            self.result.media.setdefault(name, []).append(card.id)
        if deck_id not in self.decks:
            anki_deck = self.package.decks.get(deck_id)
            self.decks[deck_id] = ConvertedDeck(self.deck_name(deck_id), anki_deck.description if anki_deck else "")
        self.decks[deck_id].cards.append(card)

    def deck_name(self, deck_id: int) -> str:
        deck = self.package.decks.get(deck_id)
        return deck.name if deck else f"deck {deck_id}"

    def notes_text(self, note_type: NoteType, plan: FieldPlan, values: tuple[str, ...]) -> CleanText:
        """The notes fields' text; each under its field's name when there are several."""
        parts = [(note_type.fields[position], clean_field(values[position])) for position in plan.notes]
        filled = [(name, text) for name, text in parts if text.text or text.media]
        label = len(plan.notes) > 1
        text = "\n\n".join(f"{name}: {clean.text}" if label else clean.text for name, clean in filled if clean.text)
        return CleanText(text, tuple(name for _, clean in filled for name in clean.media))

    def problem(self, note: AnkiNote, problem: str, skipped: bool = True) -> None:
        shown = " ".join(clean_field(note.fields[0]).text.split())[:50] if note.fields else ""
        about = f' ("{shown}")' if shown else ""
        self.result.problems.append(f"note nid:{note.id}{about}: {problem}{'; skipped' if skipped else ''}")

    def report_unused_choices(self) -> None:
        """A --notes-field no note type has, and --reverse where no note type has a reverse template."""
        used_types = [self.package.note_types[i] for i, plan in self.plans.items() if isinstance(plan, FieldPlan)]
        names = {name.casefold() for note_type in used_types for name in note_type.fields}
        for wanted in self.choice.notes:
            if wanted.casefold() not in names:
                self.result.warnings.append(f"no note type has a field {wanted!r} (--notes-field)")
        if self.choice.reverse:
            for note_type in used_types:
                plan = self.plans[note_type.id]
                if not note_type.is_cloze and isinstance(plan, FieldPlan) and plan.reverse_ord is None:
                    self.result.warnings.append(
                        f"note type {note_type.name!r} has no reverse template: --reverse made no reversed cards from it"
                    )


def _notes(count: int) -> str:
    return "note was" if count == 1 else f"{count} notes were"


def _media_only(text: CleanText) -> str:
    return f" (it shows only {', '.join(text.media)}, which quizzer cannot show)" if text.media else ""
