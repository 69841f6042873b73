"""The review database: connection, migrations and queries."""

from quizzer.storage.db import connect, default_db_path

__all__ = ["connect", "default_db_path"]
