"""Reads Anki packages (.apkg, .colpkg): an input file format, never quizzer's own database.

A package is a zip holding a SQLite collection and its media. Anki has written three layouts:
`collection.anki2` (oldest), `collection.anki21`, and today `collection.anki21b`, compressed with
zstd, beside a stub `collection.anki2` that only tells old versions to upgrade. The `meta` member
(protobuf) says which one is in use. Note types are JSON in `col.models` in the old layouts and
rows of the `notetypes`, `fields` and `templates` tables in the current one.

The collection is streamed out of the zip to a temporary file (decompressing on the way), so a
package of hundreds of megabytes is never held in memory, then read with sqlite3, read-only. Every
SQL query on Anki's files lives in this module; quizzer's own SQLite stays in `quizzer.storage`.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import tempfile
import zipfile
import zlib
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import IO, Any

import zstandard

from quizzer.deck.anki.records import AnkiDeck, AnkiNote, AnkiPackage, NoteType, Template
from quizzer.deck.anki.wire import WireError, first_field, int_field, message_fields, text_field
from quizzer.deck.loader import require_file
from quizzer.core.errors import DeckError, QuizzerError

CURRENT = "collection.anki21b"
# The `meta` member's version number -> the collection file it names.
LAYOUTS = {1: "collection.anki2", 2: "collection.anki21", 3: CURRENT}
_EXPORT_HINT = "export it again from Anki with File > Export > Anki Deck Package (.apkg)"
_CHUNK = 1 << 20
_MAX_LIST_BYTES = 64 << 20  # `meta` and the media list are small; more than this is not a real package
_CLOZE_KIND = 1


def read_package(path: str | Path) -> AnkiPackage:
    """Reads the note types, decks, notes and media list of the package at `path`."""
    path = Path(path)
    require_file(path, "give an .apkg or .colpkg file", what="an Anki package")
    with _open_zip(path) as archive:
        layout = _layout(archive, path)
        problems: list[str] = []
        media = _media_map(archive, layout, path, problems)
        with tempfile.TemporaryDirectory(prefix="quizzer-anki-") as folder:
            collection = Path(folder) / "collection.sqlite"
            _extract(archive, layout, collection, path)
            _require_whole_database(collection, layout, path)
            note_types, decks, notes = _read_collection(collection, path)
    return AnkiPackage(path, layout, note_types, decks, notes, media, tuple(problems))


def copy_media(package: AnkiPackage, names: list[str], folder: Path) -> tuple[list[str], list[str]]:
    """Copies the named media files out of the package into `folder`: (copied, not in the package)."""
    copied, missing = [], []
    folder.mkdir(parents=True, exist_ok=True)
    with _open_zip(package.path) as archive:
        for name in names:
            member = package.media.get(name)
            # A name is a bare file name in Anki's media folder; anything else could write outside `folder`.
            if member is None or Path(name).name != name or name in (".", ".."):
                missing.append(name)
                continue
            _extract(archive, member, folder / name, package.path, compressed=package.media_compressed)
            copied.append(name)
    return copied, missing


def _fail(path: Path, problem: str, hint: str | None = _EXPORT_HINT) -> DeckError:
    return DeckError([f"{path}: {problem}"], hint=hint)


def _open_zip(path: Path) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise _fail(path, "not an Anki package (not a zip file)") from None
    except OSError as error:
        raise QuizzerError(f"cannot read {path}: {error.strerror}") from None
    if any(info.flag_bits & 0x1 for info in archive.infolist()):
        archive.close()
        raise _fail(path, "the zip is password-protected; Anki never encrypts its packages", hint=_EXPORT_HINT)
    return archive


def _layout(archive: zipfile.ZipFile, path: Path) -> str:
    """The collection file in use: named by `meta` where there is one, else the newest present."""
    names = set(archive.namelist())
    if "meta" in names:
        try:
            version = int_field(_read_small(archive, "meta", path, compressed=False), 1)
        except WireError:
            raise _fail(path, "corrupt package: its `meta` member is unreadable") from None
        if version not in LAYOUTS:
            raise _fail(
                path, f"package version {version} is newer than quizzer can read",
                hint="in Anki's export dialog tick 'Support older Anki versions', then import that file",
            )
        if LAYOUTS[version] not in names:
            raise _fail(path, f"corrupt package: it has no {LAYOUTS[version]}, which its `meta` names")
        return LAYOUTS[version]
    for layout in (CURRENT, "collection.anki21", "collection.anki2"):
        if layout in names:
            return layout
    raise _fail(path, "not an Anki package: the zip holds no collection (collection.anki2, .anki21 or .anki21b)")


def _media_map(archive: zipfile.ZipFile, layout: str, path: Path, problems: list[str]) -> dict[str, str]:
    """File name -> zip member. An unreadable list is a problem to report, not a reason to refuse the cards."""
    if "media" not in archive.namelist():
        return {}
    try:
        data = _read_small(archive, "media", path, compressed=layout == CURRENT)
        if layout != CURRENT:  # legacy: a JSON object {"0": "picture.png", ...}
            return {str(name): str(member) for member, name in json.loads(data or b"{}").items()}
        media = {}
        for index, (number, entry) in enumerate(message_fields(data)):
            if number == 1 and isinstance(entry, bytes):
                member = first_field(entry, 255)  # set where an imported legacy list had gaps
                media[text_field(entry, 1)] = str(member if isinstance(member, int) else index)
        return media
    except (DeckError, WireError, ValueError, AttributeError) as error:
        problems.append(f"{path}: its media list is unreadable ({error}); media files were not listed")
        return {}


def _read_small(archive: zipfile.ZipFile, member: str, path: Path, compressed: bool) -> bytes:
    if archive.getinfo(member).file_size > _MAX_LIST_BYTES:
        raise _fail(path, f"corrupt package: its `{member}` member is implausibly large")
    with archive.open(member) as source:
        stream: IO[bytes] = zstandard.ZstdDecompressor().stream_reader(source) if compressed else source
        data = _guarded(lambda: stream.read(_MAX_LIST_BYTES + 1), path, member)
    if len(data) > _MAX_LIST_BYTES:
        raise _fail(path, f"corrupt package: its `{member}` member is implausibly large")
    return data


def _extract(archive: zipfile.ZipFile, member: str, target: Path, path: Path, compressed: bool | None = None) -> None:
    """Streams a member to `target` in chunks, decompressing zstd on the way (the current layout)."""
    compressed = member == CURRENT if compressed is None else compressed

    def copy() -> None:
        with archive.open(member) as source, open(target, "wb") as sink:
            if compressed:
                zstandard.ZstdDecompressor().copy_stream(source, sink, read_size=_CHUNK, write_size=_CHUNK)
            else:
                shutil.copyfileobj(source, sink, _CHUNK)

    try:
        _guarded(copy, path, member)
    except OSError as error:
        raise QuizzerError(f"cannot extract {member} from {path} to {target}: {error.strerror}") from None


def _require_whole_database(collection: Path, layout: str, path: Path) -> None:
    """A truncated zstd stream decompresses without complaint; SQLite's header says how long the file must be."""
    with open(collection, "rb") as database:
        header = database.read(100)
    if len(header) < 100 or not header.startswith(b"SQLite format 3\0"):
        raise _fail(path, f"corrupt package: its collection is not a readable Anki collection ({layout} is not SQLite)")
    page_size = int.from_bytes(header[16:18], "big")
    pages = int.from_bytes(header[28:32], "big")
    if (page_size if page_size != 1 else 65536) * pages > collection.stat().st_size:
        raise _fail(path, f"corrupt package: {layout} is cut short (the zip or its zstd stream is incomplete)")


def _guarded(step: Callable[[], Any], path: Path, member: str) -> Any:
    """Runs a read of `member`, turning the ways a damaged zip or zstd stream fails into one message."""
    try:
        return step()
    except zstandard.ZstdError as error:
        raise _fail(path, f"corrupt package: {member} is not readable zstd data ({error})") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as error:
        raise _fail(path, f"corrupt package: {member} cannot be read from the zip ({error})") from None


# --- the collection (SQLite) ------------------------------------------------------------------

def _read_collection(collection: Path, path: Path) -> tuple[dict[int, NoteType], dict[int, AnkiDeck], tuple[AnkiNote, ...]]:
    try:
        with closing(sqlite3.connect(f"{collection.as_uri()}?mode=ro", uri=True)) as db:
            # Anki declares name columns with its own collation; sqlite3 needs one by that name to use them.
            db.create_collation("unicase", lambda a, b: (a.casefold() > b.casefold()) - (a.casefold() < b.casefold()))
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if "notetypes" in tables:
                note_types, decks = _current_note_types(db), _current_decks(db)
            else:
                models, deck_json = db.execute("SELECT models, decks FROM col").fetchone()
                note_types, decks = _legacy_note_types(json.loads(models)), _legacy_decks(json.loads(deck_json))
            return note_types, decks, _notes(db)
    except (sqlite3.DatabaseError, TypeError, ValueError, KeyError, AttributeError, WireError) as error:
        raise _fail(path, f"corrupt package: its collection is not a readable Anki collection ({error})") from None


def _current_note_types(db: sqlite3.Connection) -> dict[int, NoteType]:
    fields: dict[int, list[str]] = {}
    for note_type_id, name in db.execute("SELECT ntid, name FROM fields ORDER BY ntid, ord"):
        fields.setdefault(note_type_id, []).append(name)
    templates: dict[int, list[Template]] = {}
    for note_type_id, ord, name, config in db.execute("SELECT ntid, ord, name, config FROM templates ORDER BY ntid, ord"):
        # Template.Config: q_format = 1, a_format = 2.
        templates.setdefault(note_type_id, []).append(Template(ord, name, text_field(config, 1), text_field(config, 2)))
    return {
        # Notetype.Config: kind = 1 (0 normal, 1 cloze).
        note_type_id: NoteType(note_type_id, name, tuple(fields.get(note_type_id, ())),
                               tuple(templates.get(note_type_id, ())), int_field(config, 1) == _CLOZE_KIND)
        for note_type_id, name, config in db.execute("SELECT id, name, config FROM notetypes")
    }


def _current_decks(db: sqlite3.Connection) -> dict[int, AnkiDeck]:
    decks = {}
    for deck_id, name, kind in db.execute("SELECT id, name, kind FROM decks"):
        normal = first_field(kind, 1)  # DeckKindContainer: normal = 1, filtered = 2; Normal.description = 4
        description = text_field(normal, 4) if isinstance(normal, bytes) else ""
        decks[deck_id] = AnkiDeck(deck_id, name.replace("\x1f", "::"), description)
    return decks


def _legacy_note_types(models: dict[str, dict[str, Any]]) -> dict[int, NoteType]:
    note_types = {}
    for model in models.values():
        fields = tuple(field["name"] for field in sorted(model["flds"], key=lambda field: field["ord"]))
        templates = tuple(
            Template(template["ord"], template["name"], template.get("qfmt", ""), template.get("afmt", ""))
            for template in sorted(model["tmpls"], key=lambda template: template["ord"])
        )
        note_types[int(model["id"])] = NoteType(int(model["id"]), model["name"], fields, templates,
                                                model.get("type") == _CLOZE_KIND)
    return note_types


def _legacy_decks(decks: dict[str, dict[str, Any]]) -> dict[int, AnkiDeck]:
    return {int(deck["id"]): AnkiDeck(int(deck["id"]), deck["name"], deck.get("desc") or "") for deck in decks.values()}


def _notes(db: sqlite3.Connection) -> tuple[AnkiNote, ...]:
    card_decks: dict[int, list[tuple[int, int]]] = {}
    # A card in a filtered deck keeps its home deck in `odid`.
    for note_id, ord, deck_id in db.execute(
        "SELECT nid, ord, CASE WHEN odid != 0 THEN odid ELSE did END FROM cards ORDER BY nid, ord"
    ):
        card_decks.setdefault(note_id, []).append((ord, deck_id))
    return tuple(
        AnkiNote(note_id, guid, note_type_id, tuple(fields.split("\x1f")), tuple(tags.split()),
                 tuple(card_decks.get(note_id, ())))
        for note_id, guid, note_type_id, fields, tags in db.execute(
            "SELECT id, guid, mid, flds, tags FROM notes ORDER BY id"
        )
    )
