"""`quizzer decks import FILE.apkg`: read the package, make cards, write one deck file per Anki deck.

Every check (an output that exists, a deck file `--update` cannot read, a wrong --deck) happens
before anything is written, and the deck files are written together through temporary files: a
failed import leaves no partial deck behind.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from quizzer.core.errors import DeckError, QuizzerError
from quizzer.deck.anki.convert import Conversion, ConvertedDeck, convert_package
from quizzer.deck.anki.fields import FieldChoice
from quizzer.deck.anki.package import copy_media, read_package
from quizzer.deck.anki.records import AnkiPackage, CollectionReader
from quizzer.deck.anki.update import UpdateResult, update_deck
from quizzer.deck.importers import no_key_points_warning
from quizzer.deck.loader import DECK_SUFFIXES, load_deck
from quizzer.deck.model import Deck
from quizzer.deck.writer import check_target, deck_to_yaml, write_atomically

PACKAGE_SUFFIXES = (".apkg", ".colpkg")


@dataclass(frozen=True)
class AnkiImportOptions:
    fields: FieldChoice = FieldChoice()
    deck: str | None = None  # only this Anki deck (its full name, "Parent::Child")
    name: str | None = None  # the deck's name in quizzer (one deck only)
    output: Path | None = None  # a deck file for one deck, a folder for several (default: here)
    media: Path | None = None  # copy the media the cards refer to into this folder
    update: bool = False
    delete_missing: bool = False
    force: bool = False


@dataclass
class DeckImport:
    deck: Deck
    path: Path
    anki_name: str
    update: UpdateResult | None = None  # set when merged into an existing deck file


@dataclass
class AnkiImportResult:
    source: Path
    layout: str
    decks: list[DeckImport]
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    media: dict[str, list[str]] = field(default_factory=dict)  # file name -> card ids
    media_copied: list[str] = field(default_factory=list)
    media_missing: list[str] = field(default_factory=list)  # referred to, but not in the package


def is_anki_package(path: Path, format: str | None) -> bool:
    """Whether `decks import` should read `path` as a package: asked for, or named or shaped like one (a zip,
    even with `--format anki`, which names Anki's plain-text export)."""
    if format == "apkg":
        return True
    if format not in (None, "anki"):
        return False
    if path.suffix.lower() in PACKAGE_SUFFIXES:
        return True
    try:
        with open(path, "rb") as file:
            return file.read(4) == b"PK\x03\x04"
    except OSError:
        return False


def import_package(path: str | Path, options: AnkiImportOptions, read_collection: CollectionReader) -> AnkiImportResult:
    """Imports the package at `path` as the options say and writes the deck files (its collection read with
    `read_collection`; `quizzer.anki_io.import_package` hands in storage's)."""
    path = Path(path)
    if options.delete_missing and not options.update:
        raise QuizzerError("--delete-missing works with --update", hint="add --update to re-import into the deck file")
    package = read_package(path, read_collection)
    if options.deck is not None:
        _require_deck(package, options.deck)
    conversion = convert_package(package, options.fields, options.deck)
    if not conversion.decks:
        nothing = f"{path}: no cards could be made from it"
        problems = [f"{nothing}: {conversion.problems[0]}"] if len(conversion.problems) == 1 else [
            *conversion.problems, nothing]
        raise DeckError(problems, hint=_no_cards_hint(options))
    imports = [_prepare(deck, path, len(conversion.decks), options) for deck in conversion.decks]
    _refuse_clashes(imports)
    header = f"Imported from {path.name} by `quizzer decks import`."
    write_atomically({item.path: _yaml_writer(item.deck, header) for item in imports})
    result = AnkiImportResult(path, package.layout, imports, conversion.problems, conversion.warnings, conversion.media)
    _finish(result, conversion, options, package)
    return result


def _prepare(converted: ConvertedDeck, source: Path, deck_count: int, options: AnkiImportOptions) -> DeckImport:
    if options.name and deck_count > 1:
        raise QuizzerError(f"--name names one deck, and {source} gives {deck_count}",
                           hint="pick one Anki deck with --deck NAME, or leave --name out")
    target = _target(converted.name, source, deck_count, options.output)
    deck = Deck(name=options.name or _deck_name(converted.name, source), cards=tuple(converted.cards),
                description=converted.description)
    if options.update and target.exists():
        check_target(target, force=True)
        update = update_deck(load_deck(target), deck, options.delete_missing)
        return DeckImport(update.deck, target, converted.name, update)
    check_target(target, options.force, hint="give --output a deck file ending .yaml, or a folder for several decks")
    return DeckImport(deck, target, converted.name)


def _target(anki_name: str, source: Path, deck_count: int, output: Path | None) -> Path:
    """One deck: --output or ./<package name>.yaml; several: <folder>/<deck name>.yaml. An --output that is a
    folder, or has no suffix, is a folder."""
    is_folder = output is not None and (output.is_dir() or not output.suffix)
    if deck_count == 1 and not is_folder:
        return output or Path.cwd() / f"{source.stem}.yaml"
    if output is not None and output.suffix.lower() in DECK_SUFFIXES:
        raise QuizzerError(f"{source} holds {deck_count} decks, and --output {output} names one file",
                           hint="give --output a folder, or pick one deck with --deck NAME")
    return (output or Path.cwd()) / f"{slug(anki_name)}.yaml"


def slug(anki_name: str) -> str:
    """A file name for an Anki deck name: "Interview::ASR" -> "interview-asr"."""
    ascii_name = unicodedata.normalize("NFKD", anki_name).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-") or "deck"


def _deck_name(anki_name: str, source: Path) -> str:
    # Anki puts cards nobody filed anywhere in "Default"; the package's own name says more.
    return source.stem if anki_name == "Default" else anki_name


def _require_deck(package: AnkiPackage, wanted: str) -> None:
    used = {deck_id for note in package.notes for _, deck_id in note.card_decks}
    names = sorted(package.decks[deck_id].name for deck_id in used if deck_id in package.decks)
    if wanted.casefold() not in {name.casefold() for name in names}:
        raise QuizzerError(f"{package.path} has no deck named {wanted!r} (its decks: {', '.join(names) or 'none'})",
                           hint="give --deck the full name, with '::' between a parent deck and its child")


def _refuse_clashes(imports: list[DeckImport]) -> None:
    by_path: dict[Path, str] = {}
    for item in imports:
        other = by_path.setdefault(item.path.resolve(), item.anki_name)
        if other != item.anki_name:
            raise QuizzerError(f"Anki decks {other!r} and {item.anki_name!r} would both be written to {item.path}",
                               hint="import them one at a time with --deck NAME --output FILE")


def _yaml_writer(deck: Deck, header: str) -> Callable[[Path], object]:
    return lambda temporary: temporary.write_text(deck_to_yaml(deck, header), encoding="utf-8")


def _finish(result: AnkiImportResult, conversion: Conversion, options: AnkiImportOptions, package: AnkiPackage) -> None:
    cards = [card for item in result.decks for card in item.deck.cards]
    without = sum(1 for card in cards if not card.key_points)
    if without:
        result.warnings.append(no_key_points_warning(without, len(cards)))
    in_package = [name for name in conversion.media if name in package.media]
    result.media_missing = [name for name in conversion.media if name not in package.media]
    if options.media is not None and in_package:
        copied, missing = copy_media(package, in_package, options.media)
        result.media_copied = copied
        result.media_missing += missing


def _no_cards_hint(options: AnkiImportOptions) -> str:
    if options.deck:
        return f"check the deck's name ({options.deck!r}); `--list-fields` shows the package's note types"
    return "`quizzer decks import FILE --list-fields` shows each note type's fields; choose them with " \
           "--question-field and --answer-field"
