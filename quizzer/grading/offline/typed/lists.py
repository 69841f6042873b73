"""Comparing a list answer item by item: items matched to the reference's with the number and name
comparisons, in any order unless the card says `ordered: true`; what is missing or wrong is named."""

from __future__ import annotations

import re

from quizzer.core.types import Verdict
from quizzer.grading.offline.typed.datafiles import fitted
from quizzer.grading.offline.typed.names import name_words, term_similarity
from quizzer.grading.offline.typed.outcome import Comparison, Context, right, wrong
from quizzer.grading.offline.typed.quantities import parse_quantity
from quizzer.grading.offline.typed.textutil import has_negation, plain, residual_words

MAX_ITEMS = 30
_SEPARATORS = re.compile(r"\s*(?:[,;\n•·|]|->|→|=>|>|\band then\b|\bthen\b|\band\b|&|\s/\s)\s*", re.IGNORECASE)
_NUMBERING = re.compile(r"(?:^|\s)(?:\d{1,2}[.)]|[-*])\s+")
_PARENTHESES = re.compile(r"\([^)]*\)")


def split_items(text: str) -> list[str]:
    """The items of a list written in one line or several ("red, green and blue"; "1. Physical 2. Data Link";
    "1 Physical 2 Data Link")."""
    text = plain(text).strip().rstrip(".")
    text = _NUMBERING.sub(", ", _counted(text))
    items = [item.strip(" .:") for item in _SEPARATORS.split(text)]
    return [item for item in items if item][:MAX_ITEMS + 1]


def _counted(text: str) -> str:
    """"1 Physical 2 Data Link 3 Network": items numbered 1, 2, 3... without punctuation, separated."""
    numbers = [match for match in re.finditer(r"(?<!\S)(\d{1,2})\s+(?=[^\W\d])", text)]
    if len(numbers) >= 2 and [int(match.group(1)) for match in numbers] == list(range(1, len(numbers) + 1)):
        return re.sub(r"(?<!\S)\d{1,2}\s+(?=[^\W\d])", ", ", text)
    return text


def compare_list(answer: str, reference: str, context: Context) -> Comparison | None:
    """The answer's items against the reference's (and its aliases: references with as many items)."""
    expected = split_items(reference)
    if len(expected) < 2:
        return None
    aliases = [items for items in (split_items(other) for other in context.references) if len(items) == len(expected)]
    given = split_items(answer)
    if all(len(item.split()) == 1 for item in expected) and len(given) < len(expected):
        given = [word for item in given for word in item.split()]  # "norway sweden denmark": one-word items
    if not given or len(given) > MAX_ITEMS or has_negation(answer):
        return None
    threshold = fitted()["name_similarity"]
    scores = [[max(_item_similarity(item, alias[index], context) for alias in aliases or [expected])
               for index in range(len(expected))] for item in given]
    pairs = sorted(((score, a, r) for a, row in enumerate(scores) for r, score in enumerate(row)), reverse=True)
    matched: dict[int, int] = {}  # answer item -> reference item
    for score, answer_index, reference_index in pairs:
        if score >= threshold and answer_index not in matched and reference_index not in matched.values():
            matched[answer_index] = reference_index
    if not matched and len(given) == 1 and len(given[0].split()) > 6:
        return None  # an explanation, not a list
    missing = [expected[index] for index in range(len(expected)) if index not in matched.values()]
    extra = [given[index] for index in range(len(given)) if index not in matched]
    shown = ", ".join(expected)
    details = {"items_expected": len(expected), "items_matched": len(matched), "missing": "; ".join(missing),
               "not_in_reference": "; ".join(extra)}
    order = [matched[index] for index in sorted(matched)]
    in_order = order == sorted(order)
    if not missing and not extra and (in_order or not context.answer_format.ordered):
        return right(shown, answer, f"All {len(expected)} items.", **details)
    problems = []
    if missing:
        problems.append(f"missing: {', '.join(missing)}")
    if extra:
        problems.append(f"not in the answer: {', '.join(extra)}")
    if context.answer_format.ordered and not in_order:
        problems.append(f"the order is {shown}")
    feedback = "; ".join(problems).capitalize() + "."
    if context.answer_format.partial_credit and matched:
        return Comparison(Verdict.PARTIAL, f"{len(matched)} of {len(expected)} items. {feedback}", shown, answer,
                          round(len(matched) / len(expected) / 2, 3), details)
    return wrong(shown, answer, feedback, **details)


def _item_similarity(item: str, expected: str, context: Context) -> float:
    """1 for the same item; a name's spelling similarity; numbers must be equal."""
    expected_number = parse_quantity(expected)
    if expected_number is not None:
        given_number = parse_quantity(item)
        return 1.0 if given_number is not None and abs(given_number.value - expected_number.value) <= max(
            expected_number.number.precision, 1e-9) else 0.0
    target = name_words(_PARENTHESES.sub(" ", expected))
    best = 0.0
    residual = " ".join(residual_words(item, context.question, frozenset(target)))
    for candidate in (item, _PARENTHESES.sub(" ", item), residual):
        words = name_words(candidate)
        if words and target:
            best = max(best, 1.0 if words == target else term_similarity(words, target))
    return best
