"""The decision model's batched path (every row through every tree at once) against one row at a time."""

from __future__ import annotations

import math

import numpy as np

from quizzer.grading.offline.decision import load_decision_model


def _rows(count: int) -> list[dict[str, float]]:
    model = load_decision_model()
    names = model.features[: len(model.features) - len(model.interactions)]
    rng = np.random.default_rng(7)
    return [{name: float(value) for name, value in zip(names, rng.normal(0.5, 0.6, len(names)))} for _ in range(count)]


def test_batched_probabilities_equal_one_at_a_time() -> None:
    model = load_decision_model()
    assert model.trees is not None, "the shipped model blends logistic regression with boosted trees"
    rows = _rows(60)
    batched = model.probabilities(rows)
    single = [model.probability(row) for row in rows]
    assert len(batched) == 60
    assert np.allclose(batched, single, rtol=0, atol=1e-12)
    # The rows differ, so the check is not comparing sixty copies of one number.
    assert np.ptp(single) > 0.5


def test_trees_send_missing_values_the_same_way_in_both_paths() -> None:
    model = load_decision_model()
    assert model.trees is not None
    matrix = np.array([model.expand(row) for row in _rows(40)])
    matrix[::3, ::4] = math.nan
    batched = model.trees.raw_many(matrix)
    single = [model.trees.raw(list(row)) for row in matrix]
    assert np.allclose(batched, single, rtol=0, atol=1e-12)
    assert np.ptp(single) > 0.5
