"""Graders for the commands: the registry's grader with its caches opened from storage, built now or in the
background while the learner reads the first question (the terminal quiz and `quizzer serve`).

Grading never opens a database; this is where the use cases hand a grader the embedding cache (the cache
folder) and the LLM verdict cache (the review database, unless `llm.cache` is off).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from quizzer.core.errors import QuizzerError

if TYPE_CHECKING:
    from quizzer.core.config import Config
    from quizzer.core.types import Grader
    from quizzer.grading.judge.judge import JudgeObserver
    from quizzer.grading.registry import GraderCaches

# Graders that need no sentence-embedding model, so warming it up would only waste time.
_NO_EMBEDDINGS = frozenset({"llm"})


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


def build_grader(
    name: str | None, config: Config, db: str | Path | None = None, *, observer: JudgeObserver | None = None
) -> Grader:
    """The grader called `name` (None: the configured default, a "module:factory" path: a plugin), with its caches;
    an LLM judge in it tells `observer` when it asks the LLM."""
    from quizzer.grading.registry import check_grader_model, make_grader

    check_grader_model(name, config)
    return make_grader(name, config, grader_caches(config, db), observer=observer)


class BackgroundGrader:
    """Builds the grader (and loads its model) in a daemon thread; `get` waits for it."""

    def __init__(self, build: Callable[[], Grader], warm_up: Callable[[], None] | None = None) -> None:
        self._build = build
        self._warm_up = warm_up
        self._grader: Grader | None = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            # A daemon, so quitting never waits for a model still loading.
            self._thread = threading.Thread(target=self._load, name="quizzer-grader", daemon=True)
            self._thread.start()

    @property
    def ready(self) -> bool:
        return self._thread is not None and not self._thread.is_alive()

    def raise_if_failed(self) -> None:
        """Raises the build's error when it has already failed: before the learner types the next answer."""
        error = self._error if self.ready else None
        if isinstance(error, QuizzerError):
            raise error
        if error is not None:
            raise QuizzerError(f"the grader could not be built ({type(error).__name__}: {error})",
                               hint="run `quizzer --debug quiz ...` for the traceback") from error

    def get(self) -> Grader:
        self.start()
        assert self._thread is not None
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._grader is not None
        return self._grader

    def _load(self) -> None:
        if hasattr(signal, "pthread_sigmask"):
            # Ctrl-C must reach the main thread: the kernel may hand a process's SIGINT to any thread that does
            # not block it, and then the main thread sleeps on in its read of stdin. Threads this one starts
            # (torch's pool) inherit the mask.
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            self._grader = self._build()
            if self._warm_up is not None:
                self._warm_up()
        except BaseException as error:  # re-raised in the main thread by get()
            self._error = error


def background_grader(
    name: str | None, config: Config, db: Path | None = None, *, observer: JudgeObserver | None = None
) -> BackgroundGrader:
    """The configured grader, built in the background, with the embedding model warmed up when it uses one;
    `observer` hears when its LLM judge (if any) is asked."""
    from quizzer.grading.registry import GRADERS, check_grader_model, default_grader_name

    chosen = name or default_grader_name(config)
    # Fail before the first question, not after the learner has typed an answer.
    if chosen not in GRADERS:
        raise QuizzerError(f"unknown grader {chosen!r}", hint=f"choose one of: {', '.join(GRADERS)}")
    check_grader_model(chosen, config)

    def build() -> Grader:
        return build_grader(chosen, config, db, observer=observer)  # the LLM verdict cache follows --db

    def warm_up() -> None:
        from quizzer.grading.offline.embedder import warm_up as load_model

        load_model(config.grader.model)

    return BackgroundGrader(build, None if chosen in _NO_EMBEDDINGS else warm_up)
