"""The word lists of the short-answer comparisons (`words.json`) and their fitted settings (`fitted.json`)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

_HERE = Path(__file__).resolve().parent


@lru_cache(maxsize=1)
def words() -> dict[str, Any]:
    """Number words, fillers, synonyms and aliases, by list name."""
    return json.loads((_HERE / "words.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def fitted() -> dict[str, Any]:
    """Thresholds fitted on labelled short answers (evals/fit_typed.py writes them)."""
    return json.loads((_HERE / "fitted.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def word_set(name: str) -> frozenset[str]:
    return frozenset(words()[name])


@lru_cache(maxsize=None)
def phrases(name: str) -> tuple[tuple[str, ...], ...]:
    """A list's entries as folded word tuples, longest first (so "it is not" is tried before "it is")."""
    from quizzer.grading.typed.textutil import fold  # textutil reads the lists too

    entries = {tuple(fold(entry).split()) for entry in words()[name]} - {()}
    return tuple(sorted(entries, key=len, reverse=True))
