"""Graders by name. Each entry names its factory by import path, so choosing one imports only it."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from quizzer.core.errors import QuizzerError

if TYPE_CHECKING:
    from quizzer.core.config import Config
    from quizzer.core.types import Grader

# name -> "module:factory"; a factory takes the effective Config and returns a Grader.
GRADERS: dict[str, str] = {
    "cosine": "quizzer.grading.offline.cosine:make_cosine_grader",
    "embedding": "quizzer.grading.offline.embedding:make_embedding_grader",
    "llm": "quizzer.grading.judge.judge:make_llm_grader",
    "hybrid": "quizzer.grading.judge.hybrid:make_hybrid_grader",
}


def default_grader_name(config: Config) -> str:
    """The configured grader; else hybrid when an LLM is configured, else the offline embedding grader."""
    return config.get("grader.name") or ("hybrid" if config.llm_configured else "embedding")


def make_grader(name: str | None, config: Config) -> Grader:
    """Builds the grader called `name` (None: the default for this configuration)."""
    name = name or default_grader_name(config)
    # A "module:factory" path names a grader outside the registry (a plugin, or a test fake).
    target = GRADERS.get(name) or (name if ":" in name else None)
    if target is None:
        raise QuizzerError(f"unknown grader {name!r}", hint=f"choose one of: {', '.join(GRADERS)}")
    module_name, factory_name = target.split(":", 1)
    try:
        factory = getattr(import_module(module_name), factory_name)
    except (ImportError, AttributeError) as error:
        raise QuizzerError(f"grader {name!r} cannot be loaded: {error}") from None
    return factory(config)
