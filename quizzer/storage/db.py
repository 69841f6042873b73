"""Opening the review database (WAL, a busy timeout, migrations applied in order) and the one transaction helper.

The connection is in autocommit mode (`isolation_level=None`): every write happens in an explicit transaction
from `transaction`, because the stdlib's implicit transactions leave DDL outside them.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from quizzer.core.errors import StorageError
from quizzer.core.types import to_utc
from quizzer.storage.migrations import MIGRATIONS

if TYPE_CHECKING:
    from quizzer.core.config import Config

BUSY_TIMEOUT_MS = 10_000
# What the rest of quizzer calls an open database (it never imports sqlite3 itself).
Connection = sqlite3.Connection


def default_db_path() -> Path:
    from platformdirs import user_data_path

    return user_data_path("quizzer") / "quizzer.db"


def resolve_db_path(config: Config, flag: str | Path | None = None) -> Path:
    """--db flag > QUIZZER_DB > config file `db` > the platformdirs data dir."""
    if flag:
        return Path(flag).expanduser()
    return Path(config.db).expanduser() if config.db else default_db_path()


@contextmanager
def transaction(connection: Connection) -> Iterator[Connection]:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any exception (KeyboardInterrupt included).

    IMMEDIATE takes the write lock at once, so two sessions on one database queue for it (busy timeout)
    instead of failing half-way.
    """
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield connection
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


def iso(moment: datetime) -> str:
    """The stored form of a time: UTC with microseconds, one fixed format, so text order is time order in SQL."""
    return to_utc(moment).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


def parse_time(text: str) -> datetime:
    return to_utc(datetime.fromisoformat(text))


def connect(path: str | Path) -> Connection:
    """Opens (creating if needed) and migrates the database at `path`."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
    except (OSError, sqlite3.Error) as error:
        raise StorageError(f"cannot open the database {path}: {error}", hint="pass another path with --db") from None
    connection.row_factory = sqlite3.Row
    try:
        connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        connection.execute("PRAGMA foreign_keys = ON")
        # Switching to WAL and the first migration take locks for which SQLite does not always call
        # the busy handler: two sessions opening a fresh database at once would see "locked".
        _retry_while_locked(lambda: connection.execute("PRAGMA journal_mode = WAL"))
        _retry_while_locked(lambda: migrate(connection))
    except sqlite3.DatabaseError as error:
        connection.close()
        raise StorageError(f"{path} is not a usable quizzer database: {error}", hint="pass another path with --db") from None
    if os.name == "posix":
        try:
            path.chmod(0o600)
        except OSError:
            pass
    return connection


def _retry_while_locked(operation: Callable[[], object]) -> None:
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            operation()
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) and "busy" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def applied_migrations(connection: Connection) -> list[str]:
    connection.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
    )
    return [row[0] for row in connection.execute("SELECT name FROM schema_migrations ORDER BY rowid")]


def migrate(connection: Connection, upto: str | None = None) -> list[str]:
    """Applies the migrations not yet recorded, each in its own transaction; returns their names."""
    done = set(applied_migrations(connection))
    applied = []
    for name, migration in MIGRATIONS:
        if name not in done:
            with transaction(connection):
                # Another process may have migrated while we waited for the lock.
                if not connection.execute("SELECT 1 FROM schema_migrations WHERE name = ?", (name,)).fetchone():
                    migration(connection)
                    connection.execute(
                        "INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)",
                        (name, datetime.now(UTC).isoformat()),
                    )
                    applied.append(name)
        if name == upto:
            break
    return applied
