"""Formulas compared by value: at fixed random points (equal everywhere tested: the same formula), and growth
rates compared by the ratio of their sizes at ever larger n (the same O(...) when the ratio settles).

Evaluation walks the sympy tree with Python floats: bounded by the tree's size, with no `eval`, no `lambdify`
and no symbolic simplification, which can take unbounded time.
"""

from __future__ import annotations

import cmath
import math
import random
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

POINTS = 7
RELATIVE = 1e-9
# Sizes of n at which growth rates are compared (as log n), and how far the log of their ratio may drift.
_LOG_SIZES = tuple(math.log(10.0 ** power) for power in (4, 8, 16, 32, 64))
_GROWTH_DRIFT = math.log(1.5)


class Undecided(ValueError):
    """The formula cannot be evaluated here (an unknown function, every point outside its domain)."""


def sample_points(symbols: Sequence[Any], count: int = POINTS) -> list[dict[Any, complex]]:
    """The same points for the same variable names, whatever the order they come in."""
    ordered = sorted(symbols, key=str)
    generator = random.Random(19)
    return [{symbol: complex(generator.uniform(0.5, 2.5)) for symbol in ordered} for _ in range(count)]


def value_at(expression: Any, point: dict[Any, complex]) -> complex:
    """The expression's value at `point`; raises Undecided outside its domain or for unknown parts."""
    try:
        result = _value(expression, point)
    except (ArithmeticError, ValueError, TypeError) as error:
        raise Undecided(str(error)) from None
    if cmath.isnan(result) or cmath.isinf(result):
        raise Undecided("not finite")
    return result


def close(first: complex, second: complex, relative: float = RELATIVE) -> bool:
    return abs(first - second) <= relative * max(1.0, abs(first), abs(second))


def same_values(first: Any, second: Any, relative: float = RELATIVE,
                rewrite: Callable[[dict[Any, complex]], dict[Any, complex]] | None = None) -> bool | None:
    """Whether two expressions agree at every point where both can be evaluated; None with under 3 such points."""
    symbols = set(first.free_symbols) | set(second.free_symbols)
    compared = 0
    for point in sample_points(list(symbols)):
        try:
            if rewrite is not None:
                point = rewrite(point)
            left, right = value_at(first, point), value_at(second, point)
        except Undecided:
            continue
        if not close(left, right, relative):
            return False
        compared += 1
    return True if compared >= 3 else None


def _value(expression: Any, point: dict[Any, complex]) -> complex:
    if expression.is_Symbol:
        if expression not in point:
            raise ValueError(f"no value for {expression}")
        return point[expression]
    if not expression.free_symbols:
        return _constant(expression)
    arguments = [_value(argument, point) for argument in expression.args]
    if expression.is_Add:
        return sum(arguments, 0j)
    if expression.is_Mul:
        return math.prod(arguments, start=1 + 0j)
    if expression.is_Pow:
        base, exponent = arguments
        if base.imag == 0 and exponent.imag == 0 and (base.real > 0 or float(exponent.real).is_integer()):
            return complex(base.real ** exponent.real)
        return base ** exponent
    function = _FUNCTIONS.get(type(expression).__name__)
    if function is None or len(arguments) != 1:
        raise ValueError(f"cannot evaluate {type(expression).__name__}")
    return complex(function(arguments[0]))


@lru_cache(maxsize=4096)
def _constant(expression: Any) -> complex:
    return complex(expression.evalf(20))


def _factorial(value: complex) -> complex:
    if value.imag != 0 or value.real > 170:
        raise ValueError("factorial out of range")
    return complex(math.gamma(value.real + 1))


_FUNCTIONS: dict[str, Callable[[complex], complex]] = {
    "sin": cmath.sin, "cos": cmath.cos, "tan": cmath.tan, "exp": cmath.exp, "log": cmath.log, "asin": cmath.asin,
    "acos": cmath.acos, "atan": cmath.atan, "sinh": cmath.sinh, "cosh": cmath.cosh, "tanh": cmath.tanh,
    "sec": lambda x: 1 / cmath.cos(x), "csc": lambda x: 1 / cmath.sin(x), "cot": lambda x: 1 / cmath.tan(x),
    "Abs": lambda x: complex(abs(x)), "factorial": _factorial,
}


# --- growth rates -----------------------------------------------------------------------------------------------

def same_growth(first: Any, second: Any) -> bool | None:
    """Whether two functions of the same variables grow alike (one is O of the other and back); None if unsure.

    Each variable in turn grows faster than the others (so O(V + E) differs from O(V)), and the log of the ratio
    of the two sizes must not drift by more than a factor 1.5 as n goes from 10^4 to 10^64.
    """
    symbols = sorted(set(first.free_symbols) | set(second.free_symbols), key=str)
    schedules: list[dict[Any, float]] = [dict.fromkeys(symbols, 1.0)]
    if len(symbols) > 1:
        schedules += [{symbol: 1.5 if symbol == fast else 1.0 for symbol in symbols} for fast in symbols]
    for powers in schedules:
        drift = []
        for log_n in _LOG_SIZES:
            point = {symbol: power * log_n for symbol, power in powers.items()}
            try:
                drift.append(_log_size(first, point) - _log_size(second, point))
            except (ArithmeticError, ValueError):
                return None
        if any(not math.isfinite(value) for value in drift):
            return None
        if max(drift) - min(drift) > _GROWTH_DRIFT:
            return False
    return True


def _log_size(expression: Any, logs: dict[Any, float]) -> float:
    """log |f| at the point where each variable's log is given; sums are taken as sums of sizes."""
    if expression.is_Symbol:
        return logs[expression]
    if not expression.free_symbols:
        size = abs(_constant(expression))
        return math.log(size) if size > 0 else -math.inf
    if expression.is_Add:
        sizes = [_log_size(argument, logs) for argument in expression.args]
        top = max(sizes)
        return top + math.log(sum(math.exp(size - top) for size in sizes)) if math.isfinite(top) else top
    if expression.is_Mul:
        return sum(_log_size(argument, logs) for argument in expression.args)
    if expression.is_Pow:
        base, exponent = expression.args
        return _exponent_value(exponent, logs) * _log_size(base, logs)
    name = type(expression).__name__
    inner = _log_size(expression.args[0], logs) if expression.args else 0.0
    if name == "log":
        return math.log(inner) if inner > 0 else -math.inf
    if name == "exp":
        return _exponent_value(expression.args[0], logs)
    if name == "Abs":
        return inner
    if name == "factorial":
        value = math.exp(inner) if inner < 700 else math.inf
        return math.lgamma(value + 1) if math.isfinite(value) else math.inf
    raise ValueError(f"no growth rate for {name}")


def _exponent_value(exponent: Any, logs: dict[Any, float]) -> float:
    if not exponent.free_symbols:
        return float(_constant(exponent).real)
    size = _log_size(exponent, logs)
    return math.exp(size) if size < 700 else math.inf
