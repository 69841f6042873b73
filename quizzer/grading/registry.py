"""Graders by name, and the caches a caller hands them. Each factory imports only its own grader, so choosing
one never loads another's libraries (the LLM client's openai, the embedding model's torch)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING

from quizzer.core.errors import ConfigError, QuizzerError

if TYPE_CHECKING:
    from quizzer.core.config import Config
    from quizzer.core.types import Grader
    from quizzer.grading.judge.judge import JudgeObserver, VerdictStore
    from quizzer.grading.offline.embedder import EncodingStore


@dataclass(frozen=True)
class GraderCaches:
    """What a grader may keep between runs, opened by its caller (grading never opens a database itself).
    None: no such cache (encodings are then kept in memory only; LLM verdicts not at all)."""

    embeddings: EncodingStore | None = None
    llm_verdicts: VerdictStore | None = None


# A factory takes the effective Config and the caches, and returns a Grader.
Factory = Callable[["Config", GraderCaches], "Grader"]
# The registry's own factories also take the observer of an LLM judge (the graders without one ignore it).
_Factory = Callable[["Config", GraderCaches, "JudgeObserver | None"], "Grader"]


def _cosine(config: Config, caches: GraderCaches, observer: JudgeObserver | None = None) -> Grader:
    from quizzer.grading.offline.cosine import make_cosine_grader

    return make_cosine_grader(config, caches.embeddings)


def _embedding(config: Config, caches: GraderCaches, observer: JudgeObserver | None = None) -> Grader:
    from quizzer.grading.offline.embedding import make_embedding_grader

    return make_embedding_grader(config, caches.embeddings)


def _llm(config: Config, caches: GraderCaches, observer: JudgeObserver | None = None) -> Grader:
    from quizzer.grading.judge.judge import make_llm_grader

    # The embedding grader stands in for failed calls; built only when one fails (the model is slow to load).
    return make_llm_grader(config, caches.llm_verdicts, offline=lambda: _embedding(config, caches), observer=observer)


def _hybrid(config: Config, caches: GraderCaches, observer: JudgeObserver | None = None) -> Grader:
    from quizzer.grading.judge.hybrid import make_hybrid_grader

    return make_hybrid_grader(config, caches.llm_verdicts, offline=lambda: _embedding(config, caches),
                              observer=observer)


GRADERS: dict[str, _Factory] = {"cosine": _cosine, "embedding": _embedding, "llm": _llm, "hybrid": _hybrid}


def default_grader_name(config: Config) -> str:
    """The configured grader; else hybrid when an LLM is configured, else the offline embedding grader."""
    return config.grader.name or ("hybrid" if config.llm_configured else "embedding")


def check_grader_model(name: str | None, config: Config) -> None:
    """Raises ConfigError when `grader.model` surely cannot load (checked without loading it), for graders that
    embed; the quiz calls this before its first question."""
    from quizzer.grading.offline.model_source import model_problem

    if (name or default_grader_name(config)) == "llm":  # embeds only to stand in for a failed call
        return
    problem = model_problem(config.grader.model)
    if problem:
        source = config.resolve("grader.model").source
        raise ConfigError(
            f"grader.model ({source}): {problem}",
            hint="set grader.model to a sentence-transformers model folder, or unset it for the bundled model",
        )


def make_grader(
    name: str | None, config: Config, caches: GraderCaches | None = None, *, observer: JudgeObserver | None = None
) -> Grader:
    """Builds the grader called `name` (None: the default for this configuration); an LLM judge in it tells
    `observer` when it asks the LLM.

    A "module:factory" name builds a grader outside the registry (a plugin, or a test fake): the factory is
    called with the Config and the caches.
    """
    name = name or default_grader_name(config)
    caches = caches or GraderCaches()
    if name in GRADERS:
        return GRADERS[name](config, caches, observer)
    if ":" not in name:
        raise QuizzerError(f"unknown grader {name!r}", hint=f"choose one of: {', '.join(GRADERS)}")
    return _imported(name)(config, caches)


def _imported(target: str) -> Factory:
    module_name, factory_name = target.split(":", 1)
    try:
        return getattr(import_module(module_name), factory_name)
    except (ImportError, AttributeError) as error:
        raise QuizzerError(f"grader {target!r} cannot be loaded: {error}") from None
