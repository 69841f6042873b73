"""Where the bundled decks and prompts are: inside the installed wheel, or at the top of a source checkout."""

from __future__ import annotations

from pathlib import Path

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
