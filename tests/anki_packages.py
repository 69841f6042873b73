"""Builds real Anki packages in the tests: with Anki's own library (both layouts) and with genanki."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class NoteSpec:
    """A note to put in a package: its note type by name, its field values, deck and tags."""

    fields: dict[str, str]
    note_type: str = "Basic"
    deck: str = "Default"
    tags: list[str] = field(default_factory=list)


@dataclass
class NoteTypeSpec:
    """A note type to create: fields, and templates as (name, front, back)."""

    name: str
    fields: list[str]
    templates: list[tuple[str, str, str]]
    cloze: bool = False


def build_with_anki(path: Path, notes: list[NoteSpec], legacy: bool = False, media: dict[str, bytes] | None = None,
                    note_types: tuple[NoteTypeSpec, ...] | list[NoteTypeSpec] = (), colpkg: bool = False,
                    deck_descriptions: dict[str, str] | None = None) -> Path:
    """A package written by Anki itself: the current layout (collection.anki21b), or the legacy one."""
    from anki.collection import Collection, DeckIdLimit, ExportAnkiPackageOptions

    with tempfile.TemporaryDirectory() as folder:
        collection = Collection(str(Path(folder) / "collection.anki2"))
        try:
            for note_type_spec in note_types:
                _add_note_type(collection, note_type_spec)
            for name, data in (media or {}).items():
                collection.media.write_data(name, data)
            for spec in notes:
                note_type = collection.models.by_name(spec.note_type)
                assert note_type is not None, spec.note_type
                note = collection.new_note(note_type)
                for name, value in spec.fields.items():
                    note[name] = value
                note.tags = list(spec.tags)
                deck_id = collection.decks.id(spec.deck)
                assert deck_id is not None
                collection.add_note(note, deck_id)
            for name, description in (deck_descriptions or {}).items():
                deck = collection.decks.by_name(name)
                assert deck is not None, name
                deck["desc"] = description
                collection.decks.save(deck)
            if colpkg:
                collection.export_collection_package(str(path), include_media=True, legacy=legacy)
            else:
                options = ExportAnkiPackageOptions(with_scheduling=False, with_deck_configs=False, with_media=True,
                                                   legacy=legacy)
                collection.export_anki_package(out_path=str(path), options=options, limit=None)
        finally:
            if not colpkg:
                collection.close()
    return path


def _add_note_type(collection, spec: NoteTypeSpec) -> None:  # type: ignore[no-untyped-def]
    models = collection.models
    if spec.cloze:
        note_type = models.copy(models.by_name("Cloze"), add=False)
        note_type["name"] = spec.name
        models.add(note_type)
        return
    note_type = models.new(spec.name)
    for name in spec.fields:
        models.add_field(note_type, models.new_field(name))
    for name, front, back in spec.templates:
        template = models.new_template(name)
        template["qfmt"], template["afmt"] = front, back
        models.add_template(note_type, template)
    models.add(note_type)


def build_with_genanki(path: Path, notes: list[tuple[str, list[str], list[str]]], deck: str = "genanki deck",
                       cloze: tuple[str, ...] | list[str] = (), media_files: tuple[str, ...] | list[str] = ()) -> Path:
    """A package as genanki writes it (legacy collection.anki2): (guid, [front, back], tags) notes, cloze texts."""
    import genanki

    basic = genanki.Model(1607392319, "Simple", fields=[{"name": "Question"}, {"name": "Answer"}],
                          templates=[{"name": "Card 1", "qfmt": "{{Question}}", "afmt": "{{Answer}}"}])
    anki_deck = genanki.Deck(2059400110, deck)
    for guid, values, tags in notes:
        anki_deck.add_note(genanki.Note(model=basic, fields=values, tags=tags, guid=guid))
    for number, text in enumerate(cloze):
        anki_deck.add_note(genanki.Note(model=genanki.CLOZE_MODEL, fields=[text, ""], guid=f"cloze{number}"))
    genanki.Package(anki_deck, media_files=list(media_files)).write_to_file(str(path))
    return path
