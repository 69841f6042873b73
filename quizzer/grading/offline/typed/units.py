"""Units of measurement, through pint: the only module that imports it.

Unit text from an answer reaches pint only after a character check (letters, unit symbols, `/`, `*`, `^` with
a small exponent), and any pint error means "not a unit": a hostile unit can be neither slow nor run code.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from quizzer.grading.offline.typed.datafiles import words

MAX_UNIT_CHARS = 40
_PART = r"(?:[^\W\d_]|[°%‰])+(?:\^-?\d{1,2}|[²³¹⁻]+)?"
_UNIT_TEXT = re.compile(rf"^{_PART}(?:\s*(?:/|\*|·|\s)\s*{_PART})*$")
_CASE_SENSITIVE_SYMBOL = re.compile(r"^[A-Za-z]{1,3}$")


@lru_cache(maxsize=1)
def registry() -> Any:
    """pint's default registry (loaded once: about half a second)."""
    import pint

    return pint.UnitRegistry(autoconvert_offset_to_baseunit=True)


def warm_up() -> None:
    registry()


def resolve_unit(text: str, dimension: str | None = None) -> Any | None:
    """The pint unit that `text` names ("km/h", "degrees Celsius", "°C"), preferring one of `dimension`
    (a pint dimensionality string such as "[temperature]") where the text is ambiguous ("C"); None if none."""
    text = text.strip().strip(".,;:!?)(").replace("**", "^").replace("º", "°")
    if not text or len(text) > MAX_UNIT_CHARS:
        return None
    lowered = " ".join(text.lower().split())
    by_dimension = words()["unit_aliases_by_dimension"].get(dimension or "", {})
    if lowered in by_dimension:
        return _parse(by_dimension[lowered])
    alias = words()["unit_aliases"].get(lowered)
    if alias is not None:
        return _parse(alias)
    compact = re.sub(r"\s+per\s+", "/", text)
    compact = re.sub(r"(?<=[^\W\d_])([23])(?![\w^])", r"^\1", compact)  # "m/s2", "km2"
    if not _UNIT_TEXT.match(compact):
        return None
    unit = _parse(compact) or (None if _CASE_SENSITIVE_SYMBOL.match(compact) else _parse(compact.lower()))
    if unit is not None and dimension is not None and dimension_of(unit) != dimension and by_dimension:
        return _parse(by_dimension.get(lowered, "")) or unit
    return unit


def _parse(text: str) -> Any | None:
    if not text:
        return None
    try:
        return registry().parse_units(text.replace("°C", "degC").replace("°F", "degF"))
    except Exception:  # pint raises several kinds (undefined, syntax, tokenizer); each means "not a unit"
        return None


def dimension_of(unit: Any) -> str:
    return str(registry().get_dimensionality(unit))


def convert(value: float, unit: Any, target: Any) -> float | None:
    """`value` in `unit` expressed in `target`; None where they measure different things."""
    try:
        return float(registry().Quantity(value, unit).to(target).magnitude)
    except Exception:  # DimensionalityError, and offset-unit quirks
        return None


def delta(amount: float, at: float, unit: Any, target: Any) -> float | None:
    """An amount (a tolerance, a rounding) of `unit` at `at`, in `target`: right for offset units (°C to °F)."""
    low, high = convert(at, unit, target), convert(at + amount, unit, target)
    return None if low is None or high is None else abs(high - low)


def symbol(unit: Any) -> str:
    """A short form for feedback ("°C", "m / s")."""
    try:
        return f"{unit:~P}".replace("degC", "°C").replace("degF", "°F") or str(unit)
    except Exception:
        return str(unit)


def is_dimensionless(unit: Any) -> bool:
    return dimension_of(unit) == "dimensionless"
