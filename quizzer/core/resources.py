"""Files that ship with quizzer: the bundled decks and prompts (inside the installed wheel, or at the top of a
source checkout), and the word lists kept as data beside the modules that use them."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

_PACKAGE_DIR = Path(__file__).resolve().parent.parent


def _bundled(name: str) -> Path:
    # A wheel carries them under quizzer/_bundled/ (see pyproject's force-include); an editable
    # install or a plain checkout finds them at the repository's top level.
    installed = _PACKAGE_DIR / "_bundled" / name
    return installed if installed.is_dir() else _PACKAGE_DIR.parent / name


def bundled_decks_dir() -> Path:
    return _bundled("decks")


def prompts_dir() -> Path:
    return _bundled("prompts")


def word_list(package: str, name: str) -> list[str]:
    """The words of a package's data file `data/<name>`: whitespace-separated, '#' to the end of a line a comment."""
    return [word for line in _data_lines(package, name) for word in line.split()]


def word_pairs(package: str, name: str) -> list[tuple[str, str]]:
    """The pairs in a package's data file `data/<name>`: two words a line ('#' starts a comment)."""
    pairs = [tuple(line.split()) for line in _data_lines(package, name)]
    assert all(len(pair) == 2 for pair in pairs), f"{package} data/{name}: a line that is not two words"
    return pairs  # type: ignore[return-value]


def data_json(package: str, name: str) -> Any:
    """A package's data file `data/<name>` read as JSON."""
    return json.loads(resources.files(package).joinpath("data", name).read_text(encoding="utf-8"))


def _data_lines(package: str, name: str) -> list[str]:
    text = resources.files(package).joinpath("data", name).read_text(encoding="utf-8")
    return [line.partition("#")[0].strip() for line in text.splitlines() if line.partition("#")[0].strip()]
