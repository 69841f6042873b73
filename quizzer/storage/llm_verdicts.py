"""The LLM verdict cache: table llm_verdicts of the review database, keyed by content (the judge's hash of
model, prompt version, card text and answer)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from quizzer.core.types import Grade
from quizzer.storage.db import connect, transaction


class LLMVerdictCache:
    """Verdicts in the database at `path`, opened for each read or write (so it is safe from any thread)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self, keys: Iterable[str]) -> dict[str, Grade]:
        """The cached grades among `keys`."""
        found: dict[str, Grade] = {}
        wanted = list(dict.fromkeys(keys))
        with closing(connect(self.path)) as connection:
            # SQLite limits the number of parameters; 500 per query stays well under it.
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                marks = ", ".join("?" * len(chunk))
                rows = connection.execute(
                    f"SELECT cache_key, grade_json FROM llm_verdicts WHERE cache_key IN ({marks})", chunk
                )
                for key, grade_json in rows:
                    found[key] = Grade.from_dict(json.loads(grade_json))
        return found

    def store(self, entries: Iterable[tuple[str, str, str, Grade]]) -> None:
        """Stores (key, model, prompt version, grade) rows in one transaction, replacing older ones."""
        now = datetime.now(UTC).isoformat()
        rows = [(key, model, version, json.dumps(grade.to_dict(), ensure_ascii=False), now)
                for key, model, version, grade in entries]
        if not rows:
            return
        with closing(connect(self.path)) as connection, transaction(connection):
            connection.executemany(
                "INSERT OR REPLACE INTO llm_verdicts (cache_key, model, prompt_version, grade_json, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                rows,
            )
