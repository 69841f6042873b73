"""Reads Anki packages (.apkg, .colpkg): an input file format, never quizzer's own database.

A package is a zip holding a SQLite collection and its media. Anki has written three layouts:
`collection.anki2` (oldest), `collection.anki21`, and today `collection.anki21b`, compressed with
zstd, beside a stub `collection.anki2` that only tells old versions to upgrade. The `meta` member
(protobuf) says which one is in use.

The collection is streamed out of the zip to a temporary file (decompressing on the way), so a
package of hundreds of megabytes is never held in memory, then read by the `CollectionReader` the
caller hands in (`storage.anki_collection.read_collection`: SQLite is storage's). This module
handles the zip, zstd and the media list.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import IO, TypeVar

import zstandard

from quizzer.core.errors import DeckError, QuizzerError
from quizzer.deck.anki.records import AnkiPackage, CollectionError, CollectionReader
from quizzer.deck.anki.wire import WireError, first_field, int_field, message_fields, text_field
from quizzer.deck.loader import require_file

CURRENT = "collection.anki21b"
# The `meta` member's version number -> the collection file it names.
LAYOUTS = {1: "collection.anki2", 2: "collection.anki21", 3: CURRENT}
_EXPORT_HINT = "export it again from Anki with File > Export > Anki Deck Package (.apkg)"
_CHUNK = 1 << 20
_MAX_LIST_BYTES = 64 << 20  # `meta` and the media list are small; more than this is not a real package
_T = TypeVar("_T")


def read_package(path: str | Path, read_collection: CollectionReader) -> AnkiPackage:
    """Reads the note types, decks, notes and media list of the package at `path`, its collection with
    `read_collection`."""
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
            try:
                content = read_collection(collection)
            except CollectionError as error:
                raise _fail(path, f"corrupt package: its collection is not a readable Anki collection ({error})") from None
    return AnkiPackage(path, layout, content.note_types, content.decks, content.notes, media, tuple(problems))


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


def _guarded(step: Callable[[], _T], path: Path, member: str) -> _T:
    """Runs a read of `member`, turning the ways a damaged zip or zstd stream fails into one message."""
    try:
        return step()
    except zstandard.ZstdError as error:
        raise _fail(path, f"corrupt package: {member} is not readable zstd data ({error})") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as error:
        raise _fail(path, f"corrupt package: {member} cannot be read from the zip ({error})") from None
