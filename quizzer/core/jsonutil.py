"""JSON for values that numpy and friends put into grades and eval records."""

from __future__ import annotations

from typing import Any


def json_default(value: Any) -> Any:
    """`json.dumps(default=...)`: numpy arrays become lists, numpy scalars numbers, anything else its str."""
    if hasattr(value, "tolist"):  # numpy arrays and scalars alike
        return value.tolist()
    return str(value)
