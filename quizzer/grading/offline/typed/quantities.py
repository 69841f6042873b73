"""Quantities: a number and the unit written after it ("100 °C", "8 bits", "17.1 million km²"), found in text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from quizzer.grading.offline.typed import units
from quizzer.grading.offline.typed.datafiles import phrases, word_set
from quizzer.grading.offline.typed.numbers import Number, find_numbers
from quizzer.grading.offline.typed.textutil import plain

MAX_UNIT_WORDS = 4
_TOKEN = re.compile(r"\S+")
_TRAILING = ".,;:!?)]}\"'"
# "in metres", "how many bits", "(in km/h)": a unit the question asks the answer in.
_ASKED_UNIT = re.compile(r"\b(?:in|how many|how much|as an?)\s+(?:the\s+)?((?:\S+\s*){1,3})", re.IGNORECASE)


@dataclass(frozen=True)
class Quantity:
    number: Number
    unit: Any | None  # a pint unit; None: a bare number
    unit_text: str
    end: int  # where the quantity (number and unit) ends in the text
    negated: bool = False  # "not 16"
    unknown_unit: str = ""  # the word after the number when it is no unit we know ("100 flurbs")

    @property
    def value(self) -> float:
        return self.number.value

    @property
    def text(self) -> str:
        return f"{self.number.text} {self.unit_text}".strip()


def find_quantities(text: str, dimension: str | None = None) -> list[Quantity]:
    """Every number in `text` with the unit written after it, if any; `dimension` settles ambiguous units."""
    text = plain(text)
    return [_with_unit(text, number, dimension) for number in find_numbers(text)]


@lru_cache(maxsize=2048)
def parse_quantity(text: str, dimension: str | None = None) -> Quantity | None:
    """The quantity when `text` is one and nothing else but an "about" ("8 bits", "about 300,000 km/s")."""
    text = plain(text).rstrip(".")
    found = find_quantities(text, dimension)
    if len(found) != 1:
        return None
    quantity = found[0]
    before = text[: quantity.number.start].strip().lower()
    if text[quantity.end:].strip() or (before and before not in _approximately()):
        return None
    return quantity


def _approximately() -> frozenset[str]:
    return frozenset(" ".join(phrase) for phrase in phrases("approximately"))


def _with_unit(text: str, number: Number, dimension: str | None) -> Quantity:
    negated = _negated_before(text, number.start)
    rest = text[number.end:]
    tokens = []
    for match in _TOKEN.finditer(rest):
        if match.start() > 0 and not rest[: match.start()].strip() == "" and not tokens:
            break
        word = match.group(0)
        if word.lower().strip(_TRAILING) in word_set("unit_stop_words") or re.match(r"^[-+]?\d", word):
            break
        tokens.append(match)
        if len(tokens) == MAX_UNIT_WORDS or word[-1] in _TRAILING:
            break
    for count in range(len(tokens), 0, -1):
        candidate = rest[tokens[0].start(): tokens[count - 1].end()].rstrip(_TRAILING)
        unit = units.resolve_unit(candidate, dimension)
        if unit is not None:
            return Quantity(number, unit, candidate, number.end + tokens[0].start() + len(candidate), negated)
    unknown = tokens[0].group(0).rstrip(_TRAILING) if tokens else ""
    return Quantity(number, None, "", number.end, negated, unknown if re.fullmatch(r"[^\W\d_]+", unknown) else "")


def _negated_before(text: str, start: int) -> bool:
    before = re.findall(r"[a-z']+", text[max(0, start - 16): start].lower())
    return bool(before) and (before[-1] in word_set("negations") or before[-1:] == ["t"] and "n't" in text[:start])


def asked_unit(question: str) -> Any | None:
    """The unit the question asks for ("How many bits...", "... in metres per second?"), if it names one."""
    found = asked_unit_words(question)
    return found[0] if found else None


def asked_unit_words(question: str) -> tuple[Any, str] | None:
    """The unit the question asks for and the words it names it with ("bits")."""
    for match in _ASKED_UNIT.finditer(plain(question)):
        candidates: list[str] = []
        for word in match.group(1).split():
            if word.lower().strip(_TRAILING) in word_set("unit_stop_words"):
                break
            candidates.append(word.strip(_TRAILING))
            if word[-1] in _TRAILING:
                break
        for count in range(len(candidates), 0, -1):
            unit = units.resolve_unit(" ".join(candidates[:count]))
            if unit is not None:
                return unit, " ".join(candidates[:count])
    return None
