"""Where the embedding model comes from (the bundled one, a folder, or a hub id in the local Hugging Face cache),
checked without loading it: the quiz checks before its first question, so a bad `grader.model` never waits
until the learner has typed an answer."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
# A folder holding one of these is a model folder sentence-transformers (or transformers) can load.
_MODEL_FILES = ("modules.json", "config_sentence_transformers.json", "config.json")


def model_problem(name: str | None) -> str | None:
    """Why the model `name` cannot be loaded, as far as can be told without loading it; None when it may load."""
    if not name or name == DEFAULT_MODEL:
        return None
    path = Path(name).expanduser()
    if path.is_dir():
        if not any((path / file).is_file() for file in _MODEL_FILES):
            return f"{path} is a folder but holds no model (none of {', '.join(_MODEL_FILES)})"
        return None
    if path.exists():
        return f"{path} is a file, not a model folder"
    if _looks_like_path(name):
        return f"{path}: no such folder"
    downloads_allowed = os.environ.get("HF_HUB_OFFLINE", "1").strip().upper() in ("0", "FALSE", "OFF", "NO")
    if not downloads_allowed and not _in_hub_cache(name):
        return f"{name!r} is neither a folder nor a model in the local Hugging Face cache"
    return None


def _looks_like_path(name: str) -> bool:
    return name.startswith(("/", "~", ".", "\\")) or name.count("/") > 1 or "\\" in name


def _in_hub_cache(repo_id: str) -> bool:
    from huggingface_hub.constants import HF_HUB_CACHE

    snapshots = Path(HF_HUB_CACHE) / f"models--{repo_id.replace('/', '--')}" / "snapshots"
    return snapshots.is_dir() and any(snapshots.iterdir())
