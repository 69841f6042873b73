"""`quizzer decks import FILE.apkg` and `decks export` as a user runs them: exit status, one-line errors,
no traceback and no partial deck file for every kind of bad package."""

from __future__ import annotations

import io
import sqlite3
import subprocess
import sys
import tempfile
import zipfile
from contextlib import closing
from pathlib import Path

import pytest
import zstandard

from anki_packages import NoteSpec, NoteTypeSpec, build_with_anki
from test_cli_decks import quizzer


@pytest.fixture(scope="module")
def small_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    notes = [NoteSpec({"Front": "What is CTC?", "Back": "A loss"}, deck="ASR", tags=["ctc"]),
             NoteSpec({"Text": "{{c1::RNN-T}} adds a joint network"}, "Cloze", deck="ASR"),
             NoteSpec({"Front": 'Drawn? <img src="p.png">', "Back": "A lattice"}, deck="Other")]
    return build_with_anki(tmp_path_factory.mktemp("cli") / "asr.apkg", notes, media={"p.png": b"png"})


def test_import_writes_a_deck_per_anki_deck_and_reports_media(small_package: Path, tmp_path: Path) -> None:
    result = quizzer("decks", "import", str(small_package), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Imported 2 cards (collection.anki21b) of Anki deck ASR into" in result.stdout
    assert "1 media files are referred to by 1 card" in result.stderr and "--media DIR copies them" in result.stderr
    assert sorted(path.name for path in tmp_path.glob("*.yaml")) == ["asr.yaml", "other.yaml"]
    again = quizzer("decks", "import", str(small_package), "--update", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "Updated" in again.stdout and "0 added, 0 changed, 2 unchanged" in again.stdout


def test_list_fields_shows_the_note_types_and_writes_nothing(small_package: Path, tmp_path: Path) -> None:
    result = quizzer("decks", "import", str(small_package), "--list-fields", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Basic (1 note" not in result.stdout and "Basic (2 notes; templates: Card 1)" in result.stdout
    assert "What is CTC?" in result.stdout and "Cloze (cloze, 1 note" in result.stdout
    assert list(tmp_path.iterdir()) == []


def test_format_apkg_reads_a_package_whatever_its_name(small_package: Path, tmp_path: Path) -> None:
    renamed = tmp_path / "download.bin"
    renamed.write_bytes(small_package.read_bytes())
    result = quizzer("decks", "import", str(renamed), "--format", "apkg", "--deck", "ASR", "-o", "asr.yaml",
                     cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "asr.yaml").exists()
    # A zip given as Anki's plain-text export (`--format anki`) is read as the package it is.
    result = quizzer("decks", "import", str(renamed), "--format", "anki", "--deck", "Other", "-o", "other.yaml",
                     cwd=tmp_path)
    assert result.returncode == 0, result.stderr


def test_package_options_with_another_kind_of_file_are_refused(tmp_path: Path) -> None:
    (tmp_path / "cards.csv").write_text("question,answer\nQ?,A\n", encoding="utf-8")
    result = quizzer("decks", "import", "cards.csv", "--reverse", "--deck", "X", cwd=tmp_path)
    assert result.returncode == 2
    assert "--reverse, --deck: only for Anki packages, and cards.csv is not one" in result.stderr
    assert not (tmp_path / "cards.yaml").exists()


def test_export_writes_an_anki_package_that_imports_back(tmp_path: Path) -> None:
    result = quizzer("decks", "export", "msft-asr", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Exported 5 cards as apkg to" in result.stdout and (tmp_path / "msft-asr.apkg").exists()
    refused = quizzer("decks", "export", "msft-asr", cwd=tmp_path)
    assert refused.returncode == 2 and "already exists" in refused.stderr
    back = quizzer("decks", "import", "msft-asr.apkg", "-o", "back.yaml", cwd=tmp_path)
    assert back.returncode == 0, back.stderr
    csv = quizzer("decks", "export", "msft-asr", "--format", "csv", cwd=tmp_path)
    assert csv.returncode == 0 and (tmp_path / "msft-asr.csv").exists()


# --- bad input --------------------------------------------------------------------------------

def _zip(path: Path, members: dict[str, bytes], encrypted: bool = False) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    if encrypted:  # set the "encrypted" flag `zip -P` sets, in the local and the central headers
        headers = bytearray(path.read_bytes())
        for signature, flag_offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
            headers[headers.find(signature) + flag_offset] |= 0x1
        path.write_bytes(bytes(headers))
    return path


def _one_field_package(tmp_path: Path) -> Path:
    note_type = NoteTypeSpec("Thoughts", ["Text"], [("Card 1", "{{Text}}", "{{Text}}")])
    return build_with_anki(tmp_path / "thoughts.apkg", [NoteSpec({"Text": "an idea"}, "Thoughts")],
                           note_types=[note_type])


def _not_anki() -> bytes:
    """A whole SQLite file that is no Anki collection (one table of its own)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "c.sqlite"
        with closing(sqlite3.connect(path)) as db:
            db.execute("CREATE TABLE t (x)")
            db.executemany("INSERT INTO t VALUES (?)", [(str(i) * 50,) for i in range(2000)])
            db.commit()
        return path.read_bytes()


def _cut_short() -> bytes:
    """A real SQLite file, zstd-compressed, with the end of the stream missing."""
    compressed = zstandard.ZstdCompressor().compress(_not_anki())
    return compressed[: len(compressed) // 2]


BAD_PACKAGES = {
    "not-a-zip": (lambda tmp: (tmp / "deck.apkg").write_bytes(b"SQLite format 3\0 not a zip") and tmp / "deck.apkg",
                  "not an Anki package (not a zip file)"),
    "zip-without-collection": (lambda tmp: _zip(tmp / "deck.apkg", {"readme.txt": b"hello"}),
                               "not an Anki package: the zip holds no collection"),
    "corrupt-collection": (lambda tmp: _zip(tmp / "deck.apkg", {"collection.anki2": b"garbage" * 100}),
                           "corrupt package: its collection is not a readable Anki collection"),
    "sqlite-not-anki": (lambda tmp: _zip(tmp / "deck.apkg", {"collection.anki2": _not_anki()}),
                        "corrupt package: its collection is not a readable Anki collection (no such table: col)"),
    "collection-missing": (lambda tmp: _zip(tmp / "deck.apkg", {"meta": b"\x08\x03", "collection.anki2": b""}),
                           "corrupt package: it has no collection.anki21b, which its `meta` names"),
    "unknown-zstd-frame": (lambda tmp: _zip(tmp / "deck.apkg", {"meta": b"\x08\x03", "collection.anki21b": b"plain"}),
                           "corrupt package: collection.anki21b is not readable zstd data"),
    "truncated-zstd": (lambda tmp: _zip(tmp / "deck.apkg", {"meta": b"\x08\x03", "collection.anki21b": _cut_short()}),
                       "corrupt package: collection.anki21b is cut short"),
    "newer-version": (lambda tmp: _zip(tmp / "deck.apkg", {"meta": b"\x08\x09", "collection.anki21b": b""}),
                      "package version 9 is newer than quizzer can read"),
    "password-protected": (lambda tmp: _zip(tmp / "deck.apkg", {"collection.anki2": b"x"}, encrypted=True),
                           "the zip is password-protected"),
    "one-field-note-type": (_one_field_package, "note type 'Thoughts' has one field (Text): a card needs a question "
                                                "and an answer"),
}


@pytest.mark.parametrize("case", BAD_PACKAGES, ids=list(BAD_PACKAGES))
def test_a_bad_package_is_one_error_line_with_exit_status_2_and_no_deck_written(case: str, tmp_path: Path) -> None:
    make, message = BAD_PACKAGES[case]
    source = tmp_path / "in"
    source.mkdir()
    package = make(source)
    result = quizzer("decks", "import", str(package), "-o", "out", cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and message in errors[0], result.stderr
    assert "hint:" in result.stderr
    assert not (tmp_path / "out").exists()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["in"]


def test_naming_a_question_field_without_an_answer_field_in_a_one_field_note_type(tmp_path: Path) -> None:
    package = _one_field_package(tmp_path)
    result = quizzer("decks", "import", str(package), "--question-field", "Text", cwd=tmp_path)
    assert result.returncode == 2
    assert "has one field (Text)" in result.stderr and "--answer-field" in result.stderr
    assert not list(tmp_path.glob("*.yaml"))


def _padded_current_package(source: Path, target: Path, padding_mb: int, media_mb: int) -> None:
    """`source` with its zstd collection grown by a blob of zeros and a large media file: the package stays
    small on disk (zeros compress), but reading either whole would cost hundreds of megabytes of memory."""
    with zipfile.ZipFile(source) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    database = target.with_suffix(".sqlite")
    with open(database, "wb") as sink:
        zstandard.ZstdDecompressor().copy_stream(io.BytesIO(members["collection.anki21b"]), sink)
    with sqlite3.connect(database) as db:
        db.execute("CREATE TABLE padding (data BLOB)")
        db.execute("INSERT INTO padding VALUES (zeroblob(?))", (padding_mb << 20,))
    db.close()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            if name not in ("collection.anki21b", "0"):
                archive.writestr(name, data)
        with open(database, "rb") as collection, archive.open("collection.anki21b", "w", force_zip64=True) as sink:
            zstandard.ZstdCompressor(level=1).copy_stream(collection, sink)
        with archive.open("0", "w", force_zip64=True) as sink:  # the package's first media file: p.png
            writer = zstandard.ZstdCompressor(level=1).stream_writer(sink, closefd=False)
            for _ in range(media_mb):
                writer.write(bytes(1 << 20))
            writer.flush(zstandard.FLUSH_FRAME)
    database.unlink()


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads the peak memory from Linux's /proc")
def test_a_package_of_hundreds_of_megabytes_is_streamed_not_read_into_memory(small_package: Path,
                                                                             tmp_path: Path) -> None:
    big = tmp_path / "big.apkg"
    _padded_current_package(small_package, big, padding_mb=400, media_mb=200)
    probe = ("import sys\nfrom quizzer.cli.app import main\n"
             f"sys.argv = ['quizzer', 'decks', 'import', {str(big)!r}, '-o', 'decks', '--media', 'media']\n"
             "try:\n    main()\nexcept SystemExit:\n    pass\n"
             # VmHWM is this process's own peak: ru_maxrss would count pytest's memory, kept across exec.
             "status = open('/proc/self/status').read()\n"
             "print('PEAK_KB', status.split('VmHWM:')[1].split()[0], file=sys.stderr)\n")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert "Traceback" not in result.stderr, result.stderr
    assert "Imported 2 cards" in result.stdout, result.stdout + result.stderr
    assert (tmp_path / "media" / "p.png").stat().st_size == 200 << 20
    peak_mb = int(result.stderr.split("PEAK_KB")[1].split()[0]) / 1024
    assert peak_mb < 150, f"peak memory {peak_mb:.0f} MB for 600 MB of package content"
