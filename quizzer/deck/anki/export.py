"""`quizzer decks export DECK`: a deck as an Anki package (genanki), a CSV table or a YAML deck file.

The package holds one note per card, of quizzer's own note type (`roundtrip`), with a guid made
from the deck's name and the card's id: exporting again updates the notes in Anki instead of
adding copies, and `quizzer decks import` gives every card back, fields Anki does not show included.
"""

from __future__ import annotations

import csv
import hashlib
import itertools
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from quizzer.core.errors import QuizzerError
from quizzer.deck.anki import roundtrip
from quizzer.deck.anki.records import CollectionWriter
from quizzer.deck.model import Deck
from quizzer.deck.writer import check_target, deck_to_yaml, write_atomically

EXPORT_FORMATS = ("apkg", "csv", "yaml")
_SUFFIXES = {"apkg": (".apkg",), "csv": (".csv",), "yaml": (".yaml", ".yml")}
CSV_COLUMNS = ("id", "question", "answer", "key_points", "tags", "notes")  # what `decks import` reads back


@dataclass
class ExportResult:
    path: Path
    format: str
    cards: int
    warnings: list[str] = field(default_factory=list)


def default_output(deck: Deck, format: str) -> Path:
    """./<deck file's name>.<format> (the deck's name where it has no file)."""
    stem = deck.path.stem if deck.path is not None else deck.name
    return Path.cwd() / f"{stem}{_SUFFIXES[format][0]}"


def export_deck(deck: Deck, write_collection: CollectionWriter, format: str | None = None, output: Path | None = None,
                force: bool = False) -> ExportResult:
    """Writes the deck in `format` (default: told by the output's suffix, else apkg) to `output` (default:
    `default_output`), refusing to overwrite unless `force`; an apkg's collection file is made with
    `write_collection` (`quizzer.anki_io.export_deck` hands in storage's)."""
    if format is None:
        suffix = output.suffix.lower() if output is not None else ""
        format = next((name for name, suffixes in _SUFFIXES.items() if suffix in suffixes), "apkg")
    if format not in EXPORT_FORMATS:
        raise QuizzerError(f"unknown export format {format!r}", hint=f"use one of: {', '.join(EXPORT_FORMATS)}")
    path = output or default_output(deck, format)
    suffixes = _SUFFIXES[format]
    check_target(path, force, suffixes, what=f"the {format} file", hint=f"give --output a file name ending {suffixes[0]}")
    result = ExportResult(path, format, len(deck.cards))
    if format == "apkg":
        write_atomically({path: lambda temporary: write_apkg(deck, temporary, write_collection)})
    elif format == "csv":
        if any("|" in point for card in deck.cards for point in card.key_points):
            result.warnings.append("a key point holds '|': the CSV importer will split it there")
        several = [card.id for card in deck.cards if len(card.references) > 1]
        if several:
            result.warnings.append(f"{len(several)} of {len(deck.cards)} cards have several answers; the CSV holds "
                                   f"the first of each (apkg and yaml keep them all): {', '.join(several[:5])}"
                                   + (" ..." if len(several) > 5 else ""))
        write_atomically({path: lambda temporary: write_csv(deck, temporary)})
    else:
        header = f"Exported from {deck.name} by `quizzer decks export`."
        write_atomically({path: lambda temporary: temporary.write_text(deck_to_yaml(deck, header), encoding="utf-8")})
    return result


def write_apkg(deck: Deck, path: Path, write_collection: CollectionWriter) -> None:
    """The deck as an Anki package at `path` (the legacy layout, which every Anki and AnkiDroid imports)."""
    import genanki

    note_type = genanki.Model(
        roundtrip.NOTE_TYPE_ID, roundtrip.NOTE_TYPE_NAME,
        fields=[{"name": name} for name in roundtrip.FIELDS],
        templates=[{"name": "Recall", "qfmt": roundtrip.FRONT, "afmt": roundtrip.BACK}],
        css=roundtrip.CSS,
    )
    anki_deck = genanki.Deck(deck_id(deck.name), deck.name, description=deck.description)
    for card in deck.cards:
        anki_deck.add_note(genanki.Note(model=note_type, fields=roundtrip.note_fields(card),
                                        tags=roundtrip.anki_tags(card.tags), guid=genanki.guid_for(deck.name, card.id)))
    # genanki's write_to_file leaves its temporary collection behind (and SQLite files are storage's): the
    # collection is made beside the package through `write_collection`, zipped, then removed.
    collection = path.with_name(path.name + ".anki2")
    package, now = genanki.Package(anki_deck), time.time()
    try:
        write_collection(collection, lambda cursor: package.write_to_db(cursor, now, itertools.count(int(now * 1000))))
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.write(collection, "collection.anki2")
            archive.writestr("media", "{}")
    finally:
        collection.unlink(missing_ok=True)


def deck_id(name: str) -> int:
    """A stable Anki deck id for the deck's name (Anki's own ids are creation times in milliseconds)."""
    return 1 << 40 | int(hashlib.sha1(name.encode("utf-8")).hexdigest()[:8], 16)


def write_csv(deck: Deck, path: Path) -> None:
    with open(path, "w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for card in deck.cards:
            writer.writerow([card.id, card.question, card.reference, _join_key_points(card.key_points),
                             " ".join(card.tags), card.notes])


def _join_key_points(key_points: tuple[str, ...]) -> str:
    """Key points in one cell: the CSV importer splits at '|' where a cell has one, else at ';'."""
    return (" | " if any(";" in point for point in key_points) else "; ").join(key_points)
