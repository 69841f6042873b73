"""The embedding cache: a SQLite file of encodings keyed by (model, sha256 of the text), token vectors as float16.

The embedder gets one as an object from its caller (grading never opens a database itself); it is opened on
first use, so handing one to a grader that never encodes costs nothing.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from pathlib import Path

import numpy as np

from quizzer.core.types import Encoding
from quizzer.storage.db import transaction

# Bumped when what is stored per text changes, so old cache rows are never misread.
CACHE_FORMAT = 1
FILE_NAME = "embeddings.sqlite"


def default_cache_dir() -> Path:
    from platformdirs import user_cache_path

    return user_cache_path("quizzer")


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    """Encodings on disk in `folder`; thread-safe (one connection, one lock)."""

    def __init__(self, folder: Path) -> None:
        # The cache folder: the embedder also keeps the int8 model it builds there (grader.backend = "onnx-int8").
        self.folder = folder
        self.path = folder / FILE_NAME
        self._lock = threading.Lock()
        self._connection: sqlite3.Connection | None = None

    def get_many(self, model: str, texts: list[str]) -> dict[str, Encoding]:
        found: dict[str, Encoding] = {}
        hashes = {text_hash(text): text for text in texts}
        keys = list(hashes)
        with self._lock:
            connection = self._open()
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                rows = connection.execute(
                    "SELECT text_hash, dim, vector, token_ids, token_vectors, offsets FROM encodings"
                    f" WHERE model = ? AND format = ? AND text_hash IN ({','.join('?' * len(chunk))})",
                    (model, CACHE_FORMAT, *chunk),
                ).fetchall()
                for digest, dim, vector, ids, tokens, offsets in rows:
                    text = hashes[digest]
                    found[text] = Encoding(
                        text,
                        np.frombuffer(vector, dtype=np.float32),
                        np.frombuffer(ids, dtype=np.int32),
                        np.frombuffer(tokens, dtype=np.float16).astype(np.float32).reshape(-1, dim),
                        np.frombuffer(offsets, dtype=np.int32).reshape(-1, 2),
                    )
        return found

    def put_many(self, model: str, encodings: list[Encoding]) -> None:
        rows = [
            (
                model,
                text_hash(encoding.text),
                CACHE_FORMAT,
                int(encoding.vector.shape[0]),
                encoding.vector.astype(np.float32).tobytes(),
                encoding.token_ids.astype(np.int32).tobytes(),
                encoding.token_vectors.astype(np.float16).tobytes(),
                encoding.offsets.astype(np.int32).tobytes(),
            )
            for encoding in encodings
        ]
        with self._lock, transaction(self._open()) as connection:
            connection.executemany("INSERT OR REPLACE INTO encodings VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)

    def _open(self) -> sqlite3.Connection:
        if self._connection is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Autocommit mode, like the review database: writes go through `transaction`.
            connection = sqlite3.connect(self.path, check_same_thread=False, timeout=30, isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute(
                "CREATE TABLE IF NOT EXISTS encodings (model TEXT NOT NULL, text_hash TEXT NOT NULL,"
                " format INTEGER NOT NULL, dim INTEGER NOT NULL, vector BLOB NOT NULL, token_ids BLOB NOT NULL,"
                " token_vectors BLOB NOT NULL, offsets BLOB NOT NULL, PRIMARY KEY (model, text_hash))"
            )
            self._connection = connection
        return self._connection


_caches: dict[Path, EmbeddingCache] = {}
_caches_lock = threading.Lock()


def embedding_cache(folder: Path | None = None) -> EmbeddingCache:
    """The process's cache in `folder` (default: the user cache dir), one object per folder."""
    folder = (folder or default_cache_dir()).expanduser()
    with _caches_lock:
        if folder not in _caches:
            _caches[folder] = EmbeddingCache(folder)
        return _caches[folder]
