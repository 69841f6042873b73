"""Finding decks: by path, or by name among the bundled decks and those listed in the config's `decks`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from quizzer.core.errors import DeckError, QuizzerError
from quizzer.deck.loader import DECK_SUFFIXES, load_deck
from quizzer.deck.model import Deck

if TYPE_CHECKING:
    from quizzer.core.config import Config


def bundled_decks() -> list[Path]:
    """The deck files that ship with quizzer."""
    from quizzer.core.resources import bundled_decks_dir

    return deck_files_in(bundled_decks_dir())


# Bundled decks that `quizzer quiz` leaves out when no deck is named: quiz them by name.
NOT_IN_ROTATION = frozenset({"short-answer"})


def default_decks() -> list[Path]:
    """The bundled decks a quiz with no deck named (and no `decks` in the config) draws from."""
    return [path for path in bundled_decks() if path.stem not in NOT_IN_ROTATION]


def known_decks(config: Config | None = None) -> list[Path]:
    """Bundled decks, then the files and directories listed in the config's `decks` (names there are skipped)."""
    found = bundled_decks()
    found.extend(Path(entry).expanduser() for entry in expand_folders(_config(config).decks))
    found = [path for path in found if path.is_file()]
    unique: dict[Path, None] = {}
    for path in found:
        unique.setdefault(path.resolve(), None)
    return list(unique)


def missing_configured_decks(config: Config | None = None) -> list[str]:
    """Entries of the config's `decks` that look like paths but name nothing on disk."""
    entries = _config(config).decks
    return [entry for entry in entries if _looks_like_path(entry) and not Path(entry).expanduser().exists()]


def resolve_deck(name_or_path: str | Path, config: Config | None = None) -> Path:
    """A deck's file: the path itself when it names a file, else the known deck with this name."""
    candidate = Path(name_or_path).expanduser()
    if candidate.is_file():
        return candidate
    text = str(name_or_path)
    known = known_decks(config)
    bare_file_name = [path for path in known if path.name == text]  # "msft-asr.yaml" from any directory
    if bare_file_name:
        return bare_file_name[0]
    if _looks_like_path(text):
        problem = "is a directory, not a deck file" if candidate.exists() else "no such file"
        raise DeckError([f"{text}: {problem}"])
    for path in known:
        if path.stem == text:
            return path
    for path in known:  # the name inside the file, which may differ from its stem
        try:
            if load_deck(path).name.casefold() == text.casefold():
                return path
        except DeckError:
            continue
    names = ", ".join(sorted(path.stem for path in known)) or "none"
    raise QuizzerError(
        f"no deck named {text!r} (known decks: {names})",
        hint="give a path to a .yaml deck file, or list it under `decks` in the config file",
    )


def load(name_or_path: str | Path, config: Config | None = None) -> Deck:
    """Resolves and loads a deck by name or path."""
    return load_deck(resolve_deck(name_or_path, config))


def load_decks(names: Sequence[str], config: Config) -> list[Deck]:
    """The named decks (a folder: the decks in it); else those in the config's `decks`; else the bundled decks
    in the default rotation (the interview decks).

    A folder holding no deck is an error, as are two different deck files of one name (their cards would merge).
    """
    given = list(names) or config.decks
    chosen = expand_folders(given, require_decks=True)
    return distinct_decks([load(entry, config) for entry in (chosen if given else default_decks())])


def distinct_decks(decks: Iterable[Deck]) -> list[Deck]:
    """The decks, each file once; raises DeckError naming both files when two different files share a name."""
    by_name: dict[str, Deck] = {}
    problems: list[str] = []
    for deck in decks:
        first = by_name.setdefault(deck.name, deck)
        if first is deck or _same_file(first.path, deck.path):
            continue
        problems.append(f"two decks are named {deck.name!r}: {first.path} and {deck.path}")
    if problems:
        raise DeckError(problems, hint="give each deck its own `name:`, or use one of them at a time")
    return list(by_name.values())


def _same_file(first: Path | None, second: Path | None) -> bool:
    return first is not None and second is not None and first.resolve() == second.resolve()


@dataclass(frozen=True)
class DeckCheck:
    """The outcome of checking one file: the deck, or the problems that kept it from loading."""

    path: Path
    deck: Deck | None
    problems: tuple[str, ...]


def check_decks(paths: Iterable[str | Path]) -> list[DeckCheck]:
    """Checks deck files; a directory stands for the .yaml/.yml decks in it."""
    checks: list[DeckCheck] = []
    for given in paths:
        path = Path(given)
        if not path.exists() and not _looks_like_path(str(given)):
            try:  # a deck's name, as every other command takes
                path = resolve_deck(str(given))
            except QuizzerError as error:
                checks.append(DeckCheck(path, None, (f"{given}: no such file, and {error.message}",)))
                continue
        files = deck_files_in(path) if path.is_dir() else [path]
        if path.is_dir() and not files:
            checks.append(DeckCheck(path, None, (f"{path}: holds no .yaml or .yml deck files",)))
        for file in files:
            try:
                checks.append(DeckCheck(file, load_deck(file), ()))
            except DeckError as error:
                checks.append(DeckCheck(file, None, tuple(error.problems)))
    return checks


def check_paths(paths: Iterable[str | Path]) -> list[str]:
    """Every problem in the given deck files and directories (an empty list: all decks are valid)."""
    return [problem for check in check_decks(paths) for problem in check.problems]


def deck_files_in(directory: Path) -> list[Path]:
    """The deck files in a folder (suffix .yaml or .yml in any case; files only), sorted."""
    if not directory.is_dir():
        return []
    return sorted(path for path in directory.iterdir() if path.suffix.lower() in DECK_SUFFIXES and path.is_file())


def expand_folders(entries: Iterable[str | Path], require_decks: bool = False) -> list[str | Path]:
    """The entries with each one that names a folder replaced by the deck files in it (the others as given).

    `require_decks`: a folder without deck files is an error (a deck argument that names nothing usable)."""
    expanded: list[str | Path] = []
    empty: list[str] = []
    for entry in entries:
        folder = Path(entry).expanduser()
        files = deck_files_in(folder) if folder.is_dir() else [entry]
        if folder.is_dir() and not files:
            empty.append(f"{folder}: a folder with no .yaml or .yml deck files in it")
        expanded.extend(files)
    if require_decks and empty:
        raise DeckError(empty, hint="name a deck, a deck file, or a folder of .yaml decks (`quizzer decks list`)")
    return expanded


def _looks_like_path(text: str) -> bool:
    return "/" in text or "\\" in text or text.lower().endswith(DECK_SUFFIXES) or text.startswith(("~", "."))


def _config(config: Config | None) -> Config:
    if config is not None:
        return config
    from quizzer.core.config import load_config

    return load_config()
