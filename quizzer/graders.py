"""Graders for the commands: the registry's grader with its caches opened from storage.

Grading never opens a database; this is where the use cases hand a grader the embedding cache (the cache
folder) and the LLM verdict cache (the review database, unless `llm.cache` is off).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from quizzer.core.config import Config
    from quizzer.core.types import Grader
    from quizzer.grading.registry import GraderCaches


def grader_caches(config: Config, db: str | Path | None = None) -> GraderCaches:
    """The caches of a grader: embeddings in `cache_dir`, LLM verdicts in the review database (`--db` first)."""
    from quizzer.grading.registry import GraderCaches
    from quizzer.storage.db import resolve_db_path
    from quizzer.storage.embeddings import embedding_cache
    from quizzer.storage.llm_verdicts import LLMVerdictCache

    return GraderCaches(
        embeddings=embedding_cache(Path(config.cache_dir) if config.cache_dir else None),
        llm_verdicts=LLMVerdictCache(resolve_db_path(config, db)) if config.llm.cache else None,
    )


def build_grader(name: str | None, config: Config, db: str | Path | None = None) -> Grader:
    """The grader called `name` (None: the configured default, a "module:factory" path: a plugin), with its caches."""
    from quizzer.grading.registry import make_grader

    return make_grader(name, config, grader_caches(config, db))
