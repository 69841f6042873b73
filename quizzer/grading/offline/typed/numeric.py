"""Comparing a number answer: values converted to the reference's unit, within the tolerance the card gives
or the reference's precision implies; rounding allowed where the question asks for an approximate value."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from quizzer.core.types import Verdict, parse_tolerance
from quizzer.grading.offline.typed import units
from quizzer.grading.offline.typed.datafiles import fitted
from quizzer.grading.offline.typed.outcome import UNSURE, Comparison, Context, right, wrong
from quizzer.grading.offline.typed.quantities import Quantity, asked_unit_words, find_quantities, parse_quantity
from quizzer.grading.offline.typed.textutil import fold, looks_symbolic, plain

@dataclass(frozen=True)
class _Judged:
    quantity: Quantity
    status: str  # "equal", "different", "other units"
    value: float | None  # in the reference's unit
    unit_missing: bool = False


def compare_number(answer: str, reference: str, context: Context) -> Comparison | None:
    """The answer's number(s) against the reference's; None when the answer holds no number."""
    expected = parse_quantity(reference)
    if expected is None:
        return None
    asked_words = asked_unit_words(context.question)
    asked = asked_words[0] if asked_words else None
    reference_unit = expected.unit if expected.unit is not None else asked
    dimension = units.dimension_of(reference_unit) if reference_unit is not None else None
    found = [quantity for quantity in find_quantities(answer, dimension) if not quantity.negated]
    # Numbers the question itself gives ("36 km/h is 10 m/s") are not the answer, unless they are all there is.
    found = [quantity for quantity in found if not _in_question(quantity, context.question)] or found
    if not found:
        if looks_symbolic(answer) and not find_quantities(answer):  # "9**9**9**9": no number we read
            given = plain(answer)[:40]
            return wrong(plain(reference), given, f"{given} is not a number; the answer is {plain(reference)}.")
        return None
    judged = [_judge(quantity, expected, reference_unit, asked, context) for quantity in found]
    shown = plain(reference) + (f" ({asked_words[1]})" if expected.unit is None and asked_words else "")
    given = ", ".join(item.quantity.text for item in judged)
    details: dict[str, Any] = {"expected_value": expected.value, "expected_unit": _unit_name(reference_unit),
                               "given_values": [item.value for item in judged]}
    statuses = {item.status for item in judged}
    unknown = next((item.quantity for item in judged if item.status == "unknown unit"), None)
    if unknown is not None:
        feedback = f"You said {given}, and {unknown.unknown_unit!r} is no unit I know; the answer is {shown}."
        return Comparison(Verdict.UNCERTAIN, feedback, shown, given, UNSURE,
                          {**details, "unknown_unit": unknown.unknown_unit})
    if statuses == {"equal"}:
        if any(item.unit_missing for item in judged):
            return _unit_missing(shown, given, units.symbol(expected.unit), details)
        return right(shown, given, f"{given} matches {shown}.", **details)
    if "equal" in statuses:
        return Comparison(Verdict.UNCERTAIN, f"You gave several values ({given}); the answer is {shown}.", shown,
                          given, UNSURE, details)
    other = next((item for item in judged if item.status == "other units"), None)
    if other is not None:
        return wrong(shown, given, f"You said {given}; the answer is {shown}, and {other.quantity.unit_text} does "
                     f"not convert to {units.symbol(reference_unit)}.", **details)
    converted = [item for item in judged if item.quantity.unit is not None and item.quantity.unit != reference_unit
                 and item.value is not None and reference_unit is not None]
    note = "".join(f" ({item.quantity.text} is {_format(item.value)} {units.symbol(reference_unit)})"
                   for item in converted[:1])
    return wrong(shown, given, f"You said {given}{note}; the answer is {shown}.", **details)


def _unit_missing(shown: str, given: str, unit: str, details: dict[str, Any]) -> Comparison:
    """The right number without the unit the question leaves open ("100" for 100 °C): `missing_unit_verdict`
    in fitted.json, partial as decided for issue 19 (a unit is part of a physical answer)."""
    verdict = Verdict(fitted()["missing_unit_verdict"])
    details = {**details, "unit_missing": True}
    if verdict is Verdict.CORRECT:
        return right(shown, given, f"{given} matches {shown} (give the unit: {unit}).", **details)
    feedback = f"The number is right; give the unit: {unit} (the answer is {shown})."
    return Comparison(verdict, feedback, shown, given, 0.5, details)


def _judge(quantity: Quantity, expected: Quantity, reference_unit: Any, asked: Any, context: Context) -> _Judged:
    value, coarse, unit_missing = quantity.value, quantity.number.coarse_precision, False
    if quantity.unit is not None and reference_unit is not None:
        converted = units.convert(quantity.value, quantity.unit, reference_unit)
        if converted is None:
            return _Judged(quantity, "other units", None)
        value = converted
        coarse = units.delta(coarse, quantity.value, quantity.unit, reference_unit) or coarse
    elif quantity.unit is None and expected.unit is not None and asked is None:
        unit_missing = not _states_unit(context.question, expected.unit)
    equal = _within(value, coarse, expected, reference_unit, context)
    if equal and quantity.unit is None and reference_unit is not None and _unknown_unit(quantity, context.question):
        return _Judged(quantity, "unknown unit", value)
    return _Judged(quantity, "equal" if equal else "different", value, unit_missing)


def _unknown_unit(quantity: Quantity, question: str) -> bool:
    """"100 flurbs" for 100 °C: a word where the unit goes that is no unit, and not a thing the question counts."""
    word = quantity.unknown_unit.lower()
    return bool(word) and word not in fold(question).split() and word.rstrip("s") not in fold(question)


def _within(value: float, answer_rounding: float, expected: Quantity, unit: Any, context: Context) -> bool:
    target, difference = expected.value, abs(value - expected.value)
    tolerance = _card_tolerance(context, expected, unit)
    if tolerance is not None:
        return difference <= tolerance + 1e-12 * max(1.0, abs(target))
    if difference <= expected.number.precision * (1 + 1e-9):
        return True
    relative = difference / abs(target) if target else math.inf
    settings = fitted()
    # A rounded answer ("3.14" for 3.14159, "300,000 km/s" for 299,792.458 km/s): within its own rounding, and close.
    if difference <= answer_rounding and relative <= settings["rounding_relative"]:
        return True
    return context.approximate and relative <= settings["approximate_relative"]


def _card_tolerance(context: Context, expected: Quantity, unit: Any) -> float | None:
    """The card's `tolerance:` in this reference's unit: absolute in the first answer's unit, or a percentage."""
    parsed = parse_tolerance(context.answer_format.tolerance)
    if parsed is None:
        return None
    amount, percentage = parsed
    if percentage:
        return abs(expected.value) * amount / 100
    first = parse_quantity(context.references[0]) if context.references else None
    if first is None or first.unit is None or unit is None or first.unit == unit:
        return amount
    return units.delta(amount, first.value, first.unit, unit) or amount


def _states_unit(question: str, unit: Any) -> bool:
    """The question names the unit ("... in degrees Celsius?") or asks for a count ("How many ..."), so a bare
    number is a whole answer."""
    if re.search(r"\bhow many\b", plain(question), re.IGNORECASE):
        return True
    words = set(re.findall(r"[^\W\d_]+", plain(question).lower()))
    names = {units.symbol(unit).lower(), str(unit).lower(), str(unit).lower().replace("degree_", "")}
    return bool(words & {name.rstrip("s") for name in names} | words & names)


def _in_question(quantity: Quantity, question: str) -> bool:
    pattern = rf"(?<![\d.]){re.escape(quantity.number.text)}(?![\d.])"
    return bool(re.search(pattern, plain(question)))


def _unit_name(unit: Any) -> str | None:
    return None if unit is None else units.symbol(unit)


def _format(value: float | None) -> str:
    if value is None:
        return "?"
    return f"{value:.4g}" if abs(value) < 1e6 else f"{value:.4e}"
