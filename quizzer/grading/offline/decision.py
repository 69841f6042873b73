"""From evidence to P(correct): a logistic model whose parameters ship as a small JSON text file.

The parameters are fitted by `evals/fit_grader.py` (grouped cross-validation on the training
data, fixed seed); the file records its version, which every grade carries.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

PARAMS_FILE = "grader_params.json"


@dataclass(frozen=True)
class DecisionModel:
    """Standardise each feature, then a logistic regression (optional products of feature pairs, optional trees)."""

    version: str
    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    interactions: tuple[tuple[str, str], ...] = ()
    defaults: dict[str, Any] | None = None
    # Boosted trees over the same row, added to the logit (None: plain logistic regression).
    trees: TreeEnsemble | None = None
    # The files the parameters were fitted on: ({"name": ..., "sha256": ...}, ...). An eval on one of them is
    # in-sample, and `quizzer eval` says so.
    training_files: tuple[dict[str, str], ...] = ()

    def expand(self, features: dict[str, float]) -> list[float]:
        """The model's input row: the named features, then the products of interaction pairs."""
        row = [float(features[name]) for name in self.features[: len(self.features) - len(self.interactions)]]
        row += [float(features[left]) * float(features[right]) for left, right in self.interactions]
        return row

    def probability(self, features: dict[str, float]) -> float:
        row = self.expand(features)
        logit = self.intercept + sum(
            weight * (value - mean) / scale for weight, value, mean, scale in zip(self.coef, row, self.mean, self.scale)
        )
        if self.trees:
            logit += self.trees.raw(row)
        return 1.0 / (1.0 + math.exp(-max(min(logit, 40.0), -40.0)))

    def probabilities(self, rows: list[dict[str, float]]) -> list[float]:
        """`probability` for many feature sets at once (vectorised; what batches use)."""
        if len(rows) <= 16:
            # Walking each tree with numpy costs more than it saves for a handful of rows (the quiz's case).
            return [self.probability(features) for features in rows]
        import numpy as np

        matrix = np.array([self.expand(features) for features in rows], dtype=np.float64)
        logits = self.intercept + ((matrix - np.array(self.mean)) / np.array(self.scale)) @ np.array(self.coef)
        if self.trees:
            logits = logits + self.trees.raw_many(matrix)
        return list(1.0 / (1.0 + np.exp(-np.clip(logits, -40.0, 40.0))))

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "kind": "standardised logistic regression",
            "features": list(self.features),
            "interactions": [list(pair) for pair in self.interactions],
            "mean": list(self.mean),
            "scale": list(self.scale),
            "coef": list(self.coef),
            "intercept": self.intercept,
            "defaults": self.defaults or {},
            "trees": self.trees.to_dict() if self.trees else None,
            "training_files": [dict(item) for item in self.training_files],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DecisionModel:
        return cls(
            version=str(data["version"]),
            features=tuple(data["features"]),
            mean=tuple(float(x) for x in data["mean"]),
            scale=tuple(float(x) for x in data["scale"]),
            coef=tuple(float(x) for x in data["coef"]),
            intercept=float(data["intercept"]),
            interactions=tuple((str(a), str(b)) for a, b in data.get("interactions", [])),
            defaults=dict(data.get("defaults", {})),
            trees=TreeEnsemble.from_dict(data["trees"]) if data.get("trees") else None,
            training_files=tuple(
                {"name": str(item["name"]), "sha256": str(item["sha256"])} for item in data.get("training_files", ())
            ),
        )


@dataclass(frozen=True)
class TreeEnsemble:
    """Gradient-boosted regression trees as flat node lists: [feature, threshold, left, right, value, nan_left]."""

    trees: tuple[tuple[tuple[float, ...], ...], ...]

    def raw(self, row: list[float]) -> float:
        total = 0.0
        for nodes in self.trees:
            index = 0
            while True:
                feature, threshold, left, right, value, nan_left = nodes[index]
                if feature < 0:
                    total += value
                    break
                x = row[int(feature)]
                go_left = bool(nan_left) if math.isnan(x) else x <= threshold
                index = int(left if go_left else right)
        return total

    def raw_many(self, matrix: Any) -> Any:
        """`raw` for every row of a 2-D array: every row walks every tree at once, one level per step."""
        import numpy as np

        feature, threshold, left, right, value, nan_left, roots = self._flat()
        rows = np.arange(matrix.shape[0])[:, None]
        index = np.broadcast_to(roots, (matrix.shape[0], len(roots)))
        while True:
            x = matrix[rows, feature[index]]
            step = np.where(np.where(np.isnan(x), nan_left[index], x <= threshold[index]), left[index], right[index])
            if np.array_equal(step, index):  # every row sits on a leaf of every tree
                return value[index].sum(axis=1)
            index = step

    def _flat(self) -> tuple[Any, ...]:
        """All trees' nodes in one set of arrays. A leaf points to itself both ways, so a row that reaches
        it early stays there while deeper trees finish."""
        cached = self.__dict__.get("_cached_flat")
        if cached is None:
            import numpy as np

            tables, roots, offset = [], [], 0
            for nodes in self.trees:
                table = np.array(nodes, dtype=np.float64).reshape(-1, 6)
                leaf = table[:, 0] < 0
                own = np.arange(len(table)) + offset
                table[:, 2] = np.where(leaf, own, table[:, 2] + offset)
                table[:, 3] = np.where(leaf, own, table[:, 3] + offset)
                table[:, 0] = np.where(leaf, 0, table[:, 0])
                tables.append(table)
                roots.append(offset)
                offset += len(table)
            flat = np.concatenate(tables) if tables else np.zeros((0, 6))
            cached = (flat[:, 0].astype(np.int64), flat[:, 1], flat[:, 2].astype(np.int64), flat[:, 3].astype(np.int64),
                      flat[:, 4], flat[:, 5] > 0, np.array(roots, dtype=np.int64))
            object.__setattr__(self, "_cached_flat", cached)
        return cached

    def to_dict(self) -> dict[str, Any]:
        return {"trees": [[list(node) for node in nodes] for nodes in self.trees]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TreeEnsemble:
        return cls(tuple(tuple(tuple(float(x) for x in node) for node in nodes) for nodes in data["trees"]))


@lru_cache(maxsize=4)
def load_decision_model(path: str | None = None) -> DecisionModel:
    """The shipped parameters (or those in `path`)."""
    if path:
        text = Path(path).read_text(encoding="utf-8")
    else:
        text = resources.files("quizzer.grading.offline").joinpath(PARAMS_FILE).read_text(encoding="utf-8")
    return DecisionModel.from_dict(json.loads(text))
