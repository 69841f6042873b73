"""Graders for the batch benchmarks, loaded by `quizzer grade --grader bench_graders:NAME` (PYTHONPATH=benchmarks).

`cosine_memo` is the `cosine` grader with each distinct answer's sentence vector kept after its first encoding.
The benchmark files repeat the training data, so a million rows hold some ten thousand distinct answers: the
memo lets a million-row run measure the pipeline (reading, chunks, writing) in minutes instead of the hours that
encoding every repeat would take on two cores. Its grades are those of `cosine` (same vectors, same threshold).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from quizzer.core.types import Encoding


class _AnswerMemo:
    """An embedder that encodes each answer once and keeps only its sentence vector (1.5 KB)."""

    def __init__(self, embedder: Any) -> None:
        self.embedder = embedder
        self.vectors: dict[str, np.ndarray] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self.embedder, name)

    def encode(self, texts: Sequence[str]) -> list[Encoding]:
        missing = list(dict.fromkeys(text for text in texts if text not in self.vectors))
        for encoding in self.embedder.encode(missing):
            self.vectors[encoding.text] = encoding.vector
        empty = np.zeros(0, dtype=np.int32)
        return [Encoding(text, self.vectors[text], empty, np.zeros((0, 0), np.float32), empty.reshape(0, 2))
                for text in texts]


def cosine_memo(config: Any, caches: Any) -> Any:
    from quizzer.grading.registry import make_grader

    grader = make_grader("cosine", config, caches)
    grader.embedder = _AnswerMemo(grader.embedder)
    return grader
