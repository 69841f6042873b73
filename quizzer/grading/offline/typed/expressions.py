"""Comparing a formula answer: the same expression or equation by value at random points, the same growth
rate for O(...) answers; "cos x" and "cos(x)", "O(log n)" and "log2(n) time", "πr²" and "pi*r**2" alike."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from quizzer.core.types import Verdict
from quizzer.grading.offline.typed.datafiles import words
from quizzer.grading.offline.typed.mathparse import Formula, has_plus_minus, parse_formula
from quizzer.grading.offline.typed.mathtokens import FormulaTooLarge, NotAFormula, function_name
from quizzer.grading.offline.typed.mathvalues import same_growth, same_values
from quizzer.grading.offline.typed.outcome import Comparison, Context, right, wrong
from quizzer.grading.offline.typed.textutil import fold, has_negation, looks_symbolic, plain

MAX_WINDOW_WORDS = 16
_OPERATOR = re.compile(r"[-+*/^=±²³√()]|\\frac|\\sqrt|\b(?:sqrt|sin|cos|tan|log|ln|exp)\b")


def reference_formulas(reference: str) -> tuple[Formula, ...] | None:
    """The reference read as formulas (two for a ±), or None when it is not one."""
    return _reference_formulas(plain(reference).rstrip("."))


@lru_cache(maxsize=512)
def _reference_formulas(reference: str) -> tuple[Formula, ...] | None:
    try:
        return tuple(parse_formula(reference, None, sign) for sign in _signs(reference))
    except NotAFormula:
        return None


def looks_like_formula(reference: str) -> bool:
    """A formula rather than a bare word or number: it has an operator, a function or O(...)."""
    formulas = reference_formulas(reference)
    if formulas is None:
        return False
    text = plain(reference)
    return (formulas[0].big_o or bool(_OPERATOR.search(text)) or "π" in text or bool(re.search(r"\bpi\b", text))
            or bool(re.match(r"^\d+\s?[a-z]{1,3}$", text)))  # "2x", "3ab": a coefficient and variables


def compare_expression(answer: str, reference: str, context: Context) -> Comparison | None:
    """The answer's formula against the reference's; None when the answer holds no formula."""
    expected = reference_formulas(reference)
    if expected is None:
        return None
    names = frozenset(str(symbol) for formula in expected for symbol in formula.symbols)
    shown = plain(reference)
    try:
        found = _answer_formulas(answer, names, expected[0].big_o)
    except FormulaTooLarge as error:
        return Comparison(Verdict.UNGRADABLE, f"the answer is not read as a formula: {error}", shown,
                          plain(answer)[:40], 0.0, {"limit": str(error)})
    if found is None:
        return _unreadable(answer, shown)
    given, stated = found
    # Each formula stated must be the reference's; a formula's readings (±, "1/2a") need only one to be.
    results = [_best(expected, readings) for readings in stated]
    if all(result is True for result in results):
        return right(shown, given, f"{given} is {shown}.")
    if results[0] == "partial" and len(results) == 1:
        return Comparison(Verdict.PARTIAL, f"{given} is only part of {shown}.", shown, given, 0.5)
    if None in results and False not in results:
        return None
    return wrong(shown, given, f"{given} is not {shown}.")


def _unreadable(answer: str, shown: str) -> Comparison | None:
    """Symbols that are not a formula we read ("__import__('os')", "().__class__"): incorrect, never run. Words
    without symbols are left to the free-text grader."""
    if not looks_symbolic(answer):
        return None
    given = plain(answer)[:40]
    return wrong(shown, given, f"{given} is not a formula; the answer is {shown}.", unreadable=True)


def _best(expected: tuple[Formula, ...], readings: list[Any]) -> bool | str | None:
    if expected[0].big_o:
        verdicts = {_same_growth(expected[0], reading) for reading in readings}
    else:
        verdicts = {_same_formulas(expected, reading) for reading in readings}
    for verdict in (True, "partial", False):
        if verdict in verdicts:
            return verdict
    return None


def _signs(text: str) -> tuple[int, ...]:
    return (1, -1) if has_plus_minus(text) else (1,)


def _answer_formulas(answer: str, names: frozenset[str], big_o: bool) -> tuple[str, list[list[Any]]] | None:
    """The formulas in the answer (the answer itself, else its longest runs of words that are formulas, up to
    three), each with its readings: the ± signs, and "1/2a" as 1/(2a) or as a/2."""
    text = plain(answer).rstrip(".")
    stated: list[list[Any]] = []
    shown: list[str] = []
    try:
        _readings(text, names)
    except FormulaTooLarge:
        if looks_symbolic(text):
            raise  # a formula over a limit is not read at all; a long sentence is searched for one below
    rest = text
    while len(stated) < 3:
        found = next(((candidate, readings) for candidate in _windows(rest)
                      if (readings := _readings(candidate, names, whole=False))), None)
        if found is None:
            break
        candidate, readings = found
        stated.append(readings)
        shown.append(_trimmed(candidate))
        rest = rest.replace(candidate, " ", 1)
    if not stated:
        return _complexity_word(text, names) if big_o else _bare_function(text, names)
    if has_negation(rest):
        return None
    return ", ".join(shown), stated


def _trimmed(candidate: str) -> str:
    """The formula as shown in feedback, without the words around it ("It is cos x" -> "cos x")."""
    tokens = candidate.split()
    fillers = set(words()["expression_filler"])
    while len(tokens) > 1 and tokens[0].lower() in fillers:
        tokens.pop(0)
    while len(tokens) > 1 and tokens[-1].lower().strip(".,") in fillers:
        tokens.pop()
    return " ".join(tokens)


def _windows(text: str) -> Iterator[str]:
    """The whole text, then runs of its words, longest first, that hold an operator (or are one word long)."""
    yield text
    tokens = text.split()
    if len(tokens) > MAX_WINDOW_WORDS:
        return
    for length in range(len(tokens) - 1, 0, -1):
        for start in range(len(tokens) - length + 1):
            candidate = " ".join(tokens[start:start + length]).strip(",;:")
            if _OPERATOR.search(candidate) or re.search(r"[²³π]", candidate):
                yield candidate


def _readings(candidate: str, names: frozenset[str], whole: bool = True) -> list[Any]:
    readings: list[Any] = []
    for tight in (True, False):
        try:
            formulas = tuple(parse_formula(candidate, names, sign, tight) for sign in _signs(candidate))
        except FormulaTooLarge:
            if whole:
                raise
            return readings
        except NotAFormula:
            return readings
        if formulas not in readings:
            readings.append(formulas)
        if "/" not in candidate:
            break
    return readings


def _bare_function(text: str, names: frozenset[str]) -> tuple[str, list[list[Any]]] | None:
    """"cosine" or "cos" for cos(x): a function named alone, applied to the reference's one variable."""
    fillers = set(words()["expression_filler"])
    named = [word for word in fold(text).split() if word not in fillers]
    function = function_name(named[0]) if len(named) == 1 and len(names) == 1 else None
    if function is None:
        return None
    return text, [[(parse_formula(f"{function}({next(iter(names))})", names),)]]


def _complexity_word(text: str, names: frozenset[str]) -> tuple[str, list[Any]] | None:
    """"linear", "logarithmic time": a growth rate in words, in the reference's variable."""
    variable = sorted(names)[0] if len(names) == 1 else "n"
    table = words()["complexity_words"]
    folded = fold(text).split()
    named = [word for word in folded if word in table and table[word] is not None]
    if len(named) != 1 or len(folded) > 6:
        return None
    formula = table[named[0]].replace("n", variable)
    return text, [[(parse_formula(formula, frozenset({variable})),)]]


def _same_growth(expected: Formula, reading: tuple[Formula, ...]) -> bool | None:
    answer = reading[0]
    if answer.right is not None:
        return False
    given = _renamed(answer.left, expected.left)
    return same_growth(expected.left, given)


def _renamed(given: Any, expected: Any) -> Any:
    """A one-variable answer in the reference's one variable ("O(log m)" read as "O(log n)")."""
    answer_symbols, reference_symbols = list(given.free_symbols), list(expected.free_symbols)
    if len(answer_symbols) == 1 and len(reference_symbols) == 1 and answer_symbols != reference_symbols:
        return given.xreplace({answer_symbols[0]: reference_symbols[0]})
    return given


def _same_formulas(expected: tuple[Formula, ...], given: tuple[Formula, ...]) -> bool | str | None:
    """True when the answer states every formula the reference does (both roots of a ±) and no other;
    "partial" when it states only some of them, or one side of an equation."""
    matches = [[_same(reference, answer) for answer in given] for reference in expected]
    found = [any(result is True for result in row) for row in matches]
    if all(found) and all(any(matches[r][a] is True for r in range(len(expected))) for a in range(len(given))):
        return True
    if any(found) or any(result == "partial" for row in matches for result in row):
        return "partial"
    if all(result is None for row in matches for result in row):
        return None
    return False


def _same(expected: Formula, given: Formula) -> bool | str | None:
    if expected.right is None and given.right is None:
        return same_values(expected.left, given.left)
    if expected.right is None:  # "A = πr²" or "d/dx sin x = cos x" for the expression
        side = _solved_side(given, exclude=expected.symbols)
        if side is not None:
            return same_values(expected.left, side)
        return bool(same_values(expected.left, given.right) or same_values(expected.left, given.left))
    if given.right is None:  # "mc²" for E = mc²
        side = _solved_side(expected)
        if side is not None:
            return same_values(side, given.left)
        one_side = same_values(expected.left, given.left) or same_values(expected.right, given.left)
        return "partial" if one_side else False
    return _same_equation(expected, given)


def _solved_side(formula: Formula, exclude: frozenset[Any] = frozenset()) -> Any | None:
    """For "E = mc²": mc², the side a lone variable equals."""
    for lone, other in ((formula.left, formula.right), (formula.right, formula.left)):
        if lone.is_Symbol and lone not in other.free_symbols and lone not in exclude:
            return other
    return None


def _same_equation(expected: Formula, given: Formula) -> bool | None:
    difference_expected = expected.left - expected.right
    difference_given = given.left - given.right
    for first, second in ((difference_expected, difference_given), (difference_given, difference_expected)):
        solved = _solution(expected if first is difference_expected else given)
        if solved is not None and same_values(second, 0 * second, rewrite=solved) is True:
            return True
    return _proportional(difference_expected, difference_given)


def _solution(formula: Formula) -> Any | None:
    """For "c = sqrt(a² + b²)": a rewrite of a point that puts c where the equation holds."""
    for lone, other in ((formula.left, formula.right), (formula.right, formula.left)):
        if lone.is_Symbol and lone not in other.free_symbols:
            from quizzer.grading.offline.typed.mathvalues import value_at

            return lambda point, lone=lone, other=other: {**point, lone: value_at(other, point)}
    return None


def _proportional(first: Any, second: Any) -> bool | None:
    """"a² + b² = c²" and "c² = a² + b²": differences that are a constant multiple of each other."""
    from quizzer.grading.offline.typed.mathvalues import Undecided, close, sample_points, value_at

    ratios = []
    for point in sample_points(list(first.free_symbols | second.free_symbols)):
        try:
            left, right = value_at(first, point), value_at(second, point)
        except Undecided:
            continue
        if abs(left) < 1e-12 or abs(right) < 1e-12:
            if abs(left) < 1e-12 and abs(right) < 1e-12:
                continue
            return False
        ratios.append(right / left)
    if len(ratios) < 3:
        return None
    return all(close(ratio, ratios[0], 1e-9) for ratio in ratios)
