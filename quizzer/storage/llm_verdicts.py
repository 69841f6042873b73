"""The LLM verdict cache: table llm_verdicts, keyed by content (model, prompt version, card text, answer)."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable
from datetime import UTC, datetime

from quizzer.core.types import Grade, Submission


def cache_key(model: str, prompt_version: str, submission: Submission) -> str:
    """A hash of everything the judge sees; the key points are in the prompt, so they are in the key too."""
    content = [model, prompt_version, submission.question, list(submission.references), list(submission.key_points),
               submission.answer]
    return hashlib.sha256(json.dumps(content, ensure_ascii=False).encode("utf-8")).hexdigest()


def load_verdicts(connection: sqlite3.Connection, keys: Iterable[str]) -> dict[str, Grade]:
    """The cached grades among `keys`."""
    found: dict[str, Grade] = {}
    wanted = list(dict.fromkeys(keys))
    # SQLite limits the number of parameters; 500 per query stays well under it.
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        rows = connection.execute(
            f"SELECT cache_key, grade_json FROM llm_verdicts WHERE cache_key IN ({', '.join('?' * len(chunk))})",
            chunk,
        )
        for key, grade_json in rows:
            found[key] = Grade.from_dict(json.loads(grade_json))
    return found


def store_verdicts(connection: sqlite3.Connection, entries: Iterable[tuple[str, str, str, Grade]]) -> None:
    """Stores (key, model, prompt version, grade) rows in one transaction, replacing older ones."""
    now = datetime.now(UTC).isoformat()
    rows = [(key, model, version, json.dumps(grade.to_dict(), ensure_ascii=False), now)
            for key, model, version, grade in entries]
    if not rows:
        return
    connection.execute("BEGIN IMMEDIATE")
    try:
        connection.executemany(
            "INSERT OR REPLACE INTO llm_verdicts (cache_key, model, prompt_version, grade_json, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            rows,
        )
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
