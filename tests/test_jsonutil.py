"""Grades and eval records holding numpy values still serialise."""

from __future__ import annotations

import json

import numpy as np

from quizzer.core.jsonutil import json_default


def test_numpy_scalars_and_arrays_become_plain_json() -> None:
    payload = {"p": np.float32(0.25), "n": np.int64(3), "v": np.array([1.5, 2.0]), "flag": np.bool_(True)}
    assert json.loads(json.dumps(payload, default=json_default)) == {"p": 0.25, "n": 3, "v": [1.5, 2.0], "flag": True}


def test_other_objects_fall_back_to_their_text() -> None:
    assert json.dumps({"x": frozenset()}, default=json_default) == '{"x": "frozenset()"}'
