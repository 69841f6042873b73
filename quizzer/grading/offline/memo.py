"""The one size cap for the grader's in-process caches (per-card views, prepared cards, encodings)."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class BoundedCache(Generic[K, V]):
    """A dict that empties itself when a new key would take it past `limit` entries.

    What it holds (a card's token views, a prepared card, an encoding) recurs within a run and is cheap to
    remake, so starting afresh now and then costs less than tracking which entry was used last.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._items: dict[K, V] = {}

    def get(self, key: K) -> V | None:
        return self._items.get(key)

    def put(self, key: K, value: V) -> V:
        if key not in self._items and len(self._items) >= self.limit:
            self._items.clear()
        self._items[key] = value
        return value

    def get_or_make(self, key: K, make: Callable[[], V]) -> V:
        value = self._items.get(key)
        return self.put(key, make()) if value is None else value
