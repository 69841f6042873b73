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

from quizzer.core.errors import DatabaseLockedError, StorageError
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
    try:
        connection.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as error:  # locked past the busy timeout, or a read-only file
        raise storage_error(database_file(connection), error) from None
    try:
        yield connection
    except BaseException as error:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        if isinstance(error, sqlite3.OperationalError) and (_is_read_only_error(error) or _is_lock_error(error)):
            raise storage_error(database_file(connection), error) from None
        raise
    try:
        connection.execute("COMMIT")
    except sqlite3.OperationalError as error:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise storage_error(database_file(connection), error) from None


def database_file(connection: Connection) -> str:
    """The file of the connection's main database (for messages)."""
    try:
        return str(connection.execute("PRAGMA database_list").fetchone()[2]) or "(in memory)"
    except sqlite3.Error:
        return "(unknown)"


def iso(moment: datetime) -> str:
    """The stored form of a time: UTC with microseconds, one fixed format, so text order is time order in SQL."""
    return to_utc(moment).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


def parse_time(text: str) -> datetime:
    return to_utc(datetime.fromisoformat(text))


def connect(path: str | Path, *, read_only: bool = False) -> Connection:
    """Opens (creating if needed) and migrates the database at `path`.

    A file that is not empty and not a quizzer database is refused before anything is written to it (it was
    checked in a read-only connection). `read_only=True` opens an existing database for reading only: nothing
    is created, switched or migrated (`quizzer stats` on a read-only file).
    """
    path = Path(path)
    check_is_quizzer_database(path)
    if read_only:
        return _connect_read_only(path)
    _require_writable(path)
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
    except StorageError:
        connection.close()
        raise
    except sqlite3.DatabaseError as error:
        connection.close()
        if _is_lock_error(error) or _is_read_only_error(error):
            raise storage_error(path, error) from None
        raise StorageError(f"{path} is not a usable quizzer database: {error}", hint="pass another path with --db") from None
    if os.name == "posix":
        try:
            path.chmod(0o600)
        except OSError:
            pass
    return connection


def connect_for_reading(path: str | Path) -> Connection:
    """A connection for commands that only read (stats, history, export): read-only when the file cannot be
    written, so a read-only database can still be reported on; otherwise as `connect`."""
    path = Path(path)
    return connect(path, read_only=path.is_file() and not _is_writable(path))


def check_is_quizzer_database(path: Path) -> None:
    """Raises StorageError unless `path` is absent, empty, or a quizzer database (known migrations only).

    Reads in a read-only connection, so a file that turns out to be another program's is left byte for byte as
    it was (no table created, no switch to WAL)."""
    if path.is_dir():
        raise StorageError(f"{path} is a folder, not a database file", hint="pass a file path with --db")
    if not path.exists() or path.stat().st_size == 0:
        return
    hint = "quizzer leaves this file as it is; pass another path with --db"
    try:
        with path.open("rb") as stream:
            header = stream.read(16)
    except OSError as error:
        raise StorageError(f"cannot read the database {path}: {error.strerror}", hint="pass another path with --db") from None
    if header != b"SQLite format 3\x00":
        raise StorageError(f"{path} is not an SQLite database (not a quizzer review database)", hint=hint)
    try:
        probe = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            tables = [row[0] for row in probe.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
            recorded = ([row[0] for row in probe.execute("SELECT name FROM schema_migrations")]
                        if "schema_migrations" in tables else [])
        finally:
            probe.close()
    except sqlite3.DatabaseError as error:
        if _is_lock_error(error):
            raise storage_error(path, error) from None
        raise StorageError(f"{path} is not a usable quizzer database: {error}", hint=hint) from None
    if not tables:
        return
    if "schema_migrations" not in tables:
        shown = ", ".join(tables[:5]) + (", ..." if len(tables) > 5 else "")
        raise StorageError(f"{path} is not a quizzer database: it holds another program's tables ({shown})", hint=hint)
    unknown = sorted(set(recorded) - {name for name, _ in MIGRATIONS})
    if unknown:
        raise StorageError(
            f"{path} was written by a newer quizzer (migrations unknown here: {', '.join(unknown)})",
            hint="upgrade quizzer, or pass another path with --db",
        )


def storage_error(path: str | Path, error: sqlite3.Error) -> StorageError:
    """A person's message for a write SQLite refused: the file is read-only, or locked by another writer."""
    if _is_read_only_error(error):
        return StorageError(
            f"the database {path} is read-only: reviews cannot be recorded in it",
            hint=f"make it writable (chmod u+w {path}), or pass another path with --db; `quizzer stats` can still read it",
        )
    if _is_lock_error(error):
        return DatabaseLockedError(
            f"the database {path} is locked by another program (waited {BUSY_TIMEOUT_MS / 1000:g} s)",
            hint="finish or close the other program (or quiz) writing to it, then try again",
        )
    return StorageError(f"the database {path} failed: {error}", hint="pass another path with --db")


def _require_writable(path: Path) -> None:
    if path.exists() and not _is_writable(path):
        raise storage_error(path, sqlite3.OperationalError("attempt to write a readonly database"))


def _is_writable(path: Path) -> bool:
    """Whether the file can be opened for writing (its mode, ownership, or `chattr +i`), without writing to it."""
    try:
        with path.open("r+b"):
            return True
    except OSError:
        return False


def _is_lock_error(error: BaseException) -> bool:
    text = str(error)
    return "locked" in text or "busy" in text


def _is_read_only_error(error: BaseException) -> bool:
    return "readonly" in str(error) or "read-only" in str(error)


def _connect_read_only(path: Path) -> Connection:
    if not path.is_file():
        raise StorageError(f"no database at {path}", hint="pass the path of an existing database with --db")
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None,
                                     timeout=BUSY_TIMEOUT_MS / 1000)
        connection.row_factory = sqlite3.Row
        connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        missing = [name for name, _ in MIGRATIONS if name not in _recorded_migrations(connection)]
    except sqlite3.DatabaseError as error:
        raise StorageError(f"cannot read the database {path}: {error}", hint="pass another path with --db") from None
    if missing:
        connection.close()
        raise StorageError(
            f"the database {path} is read-only and needs an upgrade first ({', '.join(missing)})",
            hint=f"make it writable once (chmod u+w {path}) so quizzer can upgrade it",
        )
    return connection


def _recorded_migrations(connection: Connection) -> set[str]:
    exists = connection.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
    if not exists.fetchone():
        return set()
    return {row[0] for row in connection.execute("SELECT name FROM schema_migrations")}


def _retry_while_locked(operation: Callable[[], object]) -> None:
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            operation()
            return
        except (sqlite3.OperationalError, DatabaseLockedError) as error:
            locked = isinstance(error, DatabaseLockedError) or _is_lock_error(error)
            if not locked or time.monotonic() > deadline:
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
