"""`quizzer decks export`: Anki packages that Anki opens and that give every card back, CSV and YAML."""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

import pytest

from quizzer.anki_io import export_deck, import_package
from quizzer.core.errors import QuizzerError
from quizzer.core.types import AnswerFormat
from quizzer.deck.anki import export, roundtrip
from quizzer.deck.anki.importing import AnkiImportOptions
from quizzer.deck.catalog import load
from quizzer.deck.importers import import_file
from quizzer.deck.loader import load_deck
from quizzer.deck.model import Card
from quizzer.deck.writer import card_to_dict

BUNDLED = ("msft-asr", "e2e-asr", "on-device-asr", "short-answer")


@pytest.mark.parametrize("name", BUNDLED)
def test_a_bundled_deck_exported_to_anki_and_imported_back_gives_the_same_cards(name: str, tmp_path: Path) -> None:
    deck = load(name)
    export_deck(deck, "apkg", tmp_path / f"{name}.apkg")
    result = import_package(tmp_path / f"{name}.apkg", AnkiImportOptions(output=tmp_path / "back.yaml"))
    assert result.problems == []
    back = load_deck(tmp_path / "back.yaml")
    assert back.cards == deck.cards
    assert (back.name, back.description) == (deck.name, deck.description)


def _anki_collection(folder: str):  # type: ignore[no-untyped-def]
    from anki.collection import Collection

    return Collection(str(Path(folder) / "collection.anki2"))


def _import_into_anki(collection, package: Path) -> None:  # type: ignore[no-untyped-def]
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest
    from anki.import_export_pb2 import IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_ALWAYS as ALWAYS

    options = ImportAnkiPackageOptions(update_notes=ALWAYS, update_notetypes=ALWAYS, with_scheduling=False)
    collection.import_anki_package(ImportAnkiPackageRequest(package_path=str(package), options=options))


def test_anki_opens_the_package_with_a_typed_answer_and_a_reexport_updates_instead_of_duplicating(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import genanki

    deck = load("msft-asr")
    monkeypatch.setattr(export.time, "time", lambda: 1_800_000_000.0)
    export_deck(deck, "apkg", tmp_path / "first.apkg")
    # Anki skips a note whose modification time has not changed; a real re-export comes later.
    monkeypatch.setattr(export.time, "time", lambda: 1_800_000_060.0)
    edited = dataclasses.replace(deck, cards=(dataclasses.replace(deck.cards[0], question="Edited in quizzer?"),
                                              *deck.cards[1:]))
    export_deck(edited, "apkg", tmp_path / "second.apkg")
    with tempfile.TemporaryDirectory() as folder:
        collection = _anki_collection(folder)
        _import_into_anki(collection, tmp_path / "first.apkg")
        _import_into_anki(collection, tmp_path / "second.apkg")
        assert collection.note_count() == len(deck.cards)  # matched by guid: updated, not added again
        note_type = collection.models.by_name(roundtrip.NOTE_TYPE_NAME)
        assert "{{type:Answer}}" in note_type["tmpls"][0]["qfmt"]
        notes = [collection.get_note(note_id) for note_id in collection.find_notes("")]
        assert {note.guid for note in notes} == {genanki.guid_for(deck.name, card.id) for card in deck.cards}
        assert "Edited in quizzer?" in {note["Question"] for note in notes}
        assert "msft-asr" in {deck.name for deck in collection.decks.all_names_and_ids()}
        collection.close()


@pytest.mark.parametrize("legacy", [False, True], ids=["current", "legacy"])
def test_edits_made_in_anki_come_back_and_hidden_fields_survive(legacy: bool, tmp_path: Path) -> None:
    from anki.collection import ExportAnkiPackageOptions

    deck = load("msft-asr")
    export_deck(deck, "apkg", tmp_path / "out.apkg")
    with tempfile.TemporaryDirectory() as folder:
        collection = _anki_collection(folder)
        _import_into_anki(collection, tmp_path / "out.apkg")
        note = next(collection.get_note(i) for i in collection.find_notes("") if "4-D" not in collection.get_note(i)["Question"])
        original = next(card for card in deck.cards if roundtrip.note_fields(card)[0] == note["Question"])
        note["Question"] = "An <b>edited</b> question?"
        note.tags = [*note.tags, "edited"]
        collection.update_note(note)
        options = ExportAnkiPackageOptions(with_scheduling=False, with_deck_configs=False, with_media=False,
                                           legacy=legacy)
        collection.export_anki_package(out_path=str(tmp_path / "from-anki.apkg"), options=options, limit=None)
        collection.close()
    result = import_package(tmp_path / "from-anki.apkg", AnkiImportOptions(output=tmp_path / "back.yaml"))
    assert result.problems == []
    back = load_deck(tmp_path / "back.yaml")
    changed = back.card(original.id)
    assert changed.question == "An edited question?"
    assert sorted(changed.tags) == sorted((*original.tags, "edited"))
    assert (changed.references, changed.key_points, changed.notes) == (original.references, original.key_points,
                                                                       original.notes)
    assert [card for card in back.cards if card.id != original.id] == [c for c in deck.cards if c.id != original.id]


def test_a_note_copied_in_anki_gets_its_own_id(tmp_path: Path) -> None:
    from anki.collection import ExportAnkiPackageOptions

    deck = load("msft-asr")
    export_deck(deck, "apkg", tmp_path / "out.apkg")
    with tempfile.TemporaryDirectory() as folder:
        collection = _anki_collection(folder)
        _import_into_anki(collection, tmp_path / "out.apkg")
        original = collection.get_note(collection.find_notes("")[0])
        copy = collection.new_note(original.note_type())
        copy.fields = list(original.fields)  # Anki's "Create Copy": the hidden field, and its id, come along
        copy["Question"] = "A new question written from a copy?"
        collection.add_note(copy, collection.decks.id("msft-asr"))
        options = ExportAnkiPackageOptions(with_scheduling=False, with_deck_configs=False, with_media=False,
                                           legacy=False)
        collection.export_anki_package(out_path=str(tmp_path / "copied.apkg"), options=options, limit=None)
        collection.close()
    result = import_package(tmp_path / "copied.apkg", AnkiImportOptions(output=tmp_path / "back.yaml"))
    back = load_deck(tmp_path / "back.yaml")
    assert len(back.cards) == len(deck.cards) + 1
    new = next(card for card in back.cards if card.question == "A new question written from a copy?")
    assert new.id.startswith("anki-") and any(f"it is {new.id} instead" in p for p in result.problems)


def test_every_deck_field_travels_in_the_hidden_field() -> None:
    # The hidden field holds what the deck writer writes and the deck loader reads, so a field added to the deck
    # format travels with no change to the exporter; this card sets every field the format has today.
    card = Card(id="c-1", question="How far?", references=("3 km", "3000 m"), key_points=("k",), notes="n",
                tags=("t x",), answer_format=AnswerFormat(type="number", tolerance="1%"))
    assert {"answers", "key_points", "notes", "tags", "type", "tolerance"} <= set(card_to_dict(card))
    back, problems = roundtrip.card_from_note(tuple(roundtrip.note_fields(card)), tuple(roundtrip.anki_tags(card.tags)))
    assert problems == [] and back == card and back.answer_format == card.answer_format


def test_a_hidden_field_from_a_newer_quizzer_or_broken_by_hand_is_reported() -> None:
    card = Card(id="c-1", question="Q?", references=("A",))
    fields = roundtrip.note_fields(card)
    newer = fields[:-1] + [fields[-1].replace('"id"', '"confidence": 0.5, "id"')]
    back, problems = roundtrip.card_from_note(tuple(newer), ())
    assert back == card and problems == ["fields confidence are unknown to this quizzer and were left out"]
    back, problems = roundtrip.card_from_note(tuple(fields[:-1] + ["{not json"]), ())
    assert (back.question, back.references) == ("Q?", ("A",)) and "unreadable" in problems[0]


def test_csv_export_is_read_back_by_the_csv_importer(tmp_path: Path) -> None:
    deck = load("e2e-asr")
    result = export_deck(deck, output=tmp_path / "e2e.csv")  # the format follows the suffix
    assert result.format == "csv"
    back = import_file(tmp_path / "e2e.csv").deck
    assert [(c.id, c.question, c.reference, c.key_points, c.tags, c.notes) for c in back.cards] == [
        (c.id, c.question, c.reference, c.key_points, c.tags, c.notes) for c in deck.cards]


def test_yaml_export_and_refusing_to_overwrite(tmp_path: Path) -> None:
    deck = load("msft-asr")
    export_deck(deck, "yaml", tmp_path / "copy.yaml")
    assert load_deck(tmp_path / "copy.yaml").cards == deck.cards
    with pytest.raises(QuizzerError, match="already exists"):
        export_deck(deck, "yaml", tmp_path / "copy.yaml")
    export_deck(deck, "yaml", tmp_path / "copy.yaml", force=True)
    with pytest.raises(QuizzerError, match="the apkg file must end .apkg"):
        export_deck(deck, "apkg", tmp_path / "deck.zip")
    with pytest.raises(QuizzerError, match="unknown export format 'pdf'"):
        export_deck(deck, "pdf", tmp_path / "deck.pdf")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["copy.yaml"]  # no temporary file left behind
