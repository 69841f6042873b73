"""The word lists of the short-answer comparisons (`data/words.json`) and their fitted settings
(`data/fitted.json`), read once."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from quizzer.core.resources import data_json

_PACKAGE = "quizzer.grading.offline.typed"


@lru_cache(maxsize=1)
def words() -> dict[str, Any]:
    """Number words, fillers, synonyms and aliases, by list name."""
    return data_json(_PACKAGE, "words.json")


@lru_cache(maxsize=1)
def fitted() -> dict[str, Any]:
    """Thresholds fitted on labelled short answers (evals/fit_typed.py writes them)."""
    return data_json(_PACKAGE, "fitted.json")


@lru_cache(maxsize=None)
def word_set(name: str) -> frozenset[str]:
    return frozenset(words()[name])


@lru_cache(maxsize=None)
def phrases(name: str) -> tuple[tuple[str, ...], ...]:
    """A list's entries as folded word tuples, longest first (so "it is not" is tried before "it is")."""
    from quizzer.grading.offline.typed.textutil import fold  # textutil reads the lists too

    entries = {tuple(fold(entry).split()) for entry in words()[name]} - {()}
    return tuple(sorted(entries, key=len, reverse=True))
