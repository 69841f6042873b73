"""Comparing a date or year: ISO, day-month-year and month-day-year forms, month names (read by dateutil),
bare years with AD/BC; an answer that gives only part of a full date is partly right."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from quizzer.core.types import Verdict
from quizzer.grading.offline.typed.outcome import UNSURE, Comparison, Context, right, wrong
from quizzer.grading.offline.typed.textutil import has_negation, plain

MAX_DATE_CHARS = 200
_ISO = re.compile(r"(?<![\d-])(\d{4})-(\d{1,2})(?:-(\d{1,2}))?(?![\d-])")
_NUMERIC = re.compile(r"(?<![\d/.])(\d{1,2})[/.](\d{1,2})[/.](\d{4}|\d{2})(?![\d/.])")
_YEAR = re.compile(r"(?<![\d.,/-])(\d{1,4})\s*(AD|CE|BC|BCE|B\.C\.|A\.D\.)?(?![\d.,/]\d)", re.IGNORECASE)
_ORDINAL = r"(?:st|nd|rd|th)?"


@dataclass(frozen=True)
class DateValue:
    year: int | None
    month: int | None = None
    day: int | None = None

    def shown(self) -> str:
        month = datetime(2000, self.month, 1).strftime("%B") if self.month else ""
        year = (f"{-self.year} BC" if self.year is not None and self.year < 0 else str(self.year or "")).strip()
        return " ".join(str(part) for part in (self.day, month, year) if part)


@lru_cache(maxsize=1)
def _month_pattern() -> re.Pattern[str]:
    from dateutil.parser import parserinfo

    names = sorted({name for pair in parserinfo().MONTHS for name in pair}, key=len, reverse=True)
    month = "(?:" + "|".join(names) + r")\.?"
    return re.compile(
        rf"(?<!\w)(?:\d{{1,2}}{_ORDINAL}\s+(?:of\s+)?)?{month}"
        rf"(?:\s+\d{{1,2}}{_ORDINAL}(?!\d))?(?:,?\s+\d{{3,4}})?(?!\w)",
        re.IGNORECASE,
    )


def find_dates(text: str, years: bool = True) -> list[tuple[DateValue, ...]]:
    """Each date in the text, as its possible readings (02/03/2001 is 2 March or 3 February), in text order."""
    text = plain(text)[:MAX_DATE_CHARS]
    found: list[tuple[int, int, tuple[DateValue, ...]]] = []
    for match in _month_pattern().finditer(text):
        value = _with_dateutil(match.group(0))
        if value is not None:
            found.append((match.start(), match.end(), (value,)))
    for match in _ISO.finditer(text):
        year, month, day = int(match.group(1)), int(match.group(2)), match.group(3)
        if 1 <= month <= 12 and (day is None or 1 <= int(day) <= 31):
            found.append((match.start(), match.end(), (DateValue(year, month, int(day) if day else None),)))
    for match in _NUMERIC.finditer(text):
        first, second, year = int(match.group(1)), int(match.group(2)), int(match.group(3))
        year += 1900 if year < 100 and year > 30 else 2000 if year < 100 else 0
        readings = tuple(DateValue(year, month, day) for day, month in ((first, second), (second, first))
                         if 1 <= month <= 12 and 1 <= day <= 31)
        if readings:
            found.append((match.start(), match.end(), tuple(dict.fromkeys(readings))))
    taken = [(start, end) for start, end, _ in found]
    if years:
        for match in _YEAR.finditer(text):
            inside = any(start <= match.start() < end for start, end in taken)
            if inside or len(match.group(1)) < 3 and not match.group(2):
                continue
            era = (match.group(2) or "").upper().replace(".", "")
            year = int(match.group(1)) * (-1 if era in ("BC", "BCE") else 1)
            found.append((match.start(), match.end(), (DateValue(year),)))
    return [readings for _, _, readings in sorted(found, key=lambda item: item[0])]


def _with_dateutil(span: str) -> DateValue | None:
    """A month-name date with the fields it gives (dateutil fills the rest from a default: parse twice to tell)."""
    from dateutil.parser import ParserError, parse

    cleaned = re.sub(r"(\d)(?:st|nd|rd|th)\b", r"\1", span, flags=re.IGNORECASE).replace(" of ", " ")
    try:
        first = parse(cleaned, default=datetime(2001, 1, 1))
        second = parse(cleaned, default=datetime(2002, 2, 2))
    except (ParserError, ValueError, OverflowError):
        return None
    return DateValue(
        first.year if first.year == second.year else None,
        first.month if first.month == second.month else None,
        first.day if first.day == second.day else None,
    )


def parse_date(text: str, year_alone: bool = True) -> DateValue | None:
    """The date when the text is one date and nothing else ("9 November 1989", "1989-11-09", "1066")."""
    stripped = plain(text).rstrip(".")
    found = find_dates(stripped, years=year_alone)
    if len(found) != 1 or len(found[0]) != 1:
        return None
    value = found[0][0]
    rest = _month_pattern().sub("", stripped)
    rest = _ISO.sub("", _NUMERIC.sub("", rest))
    rest = _YEAR.sub("", rest) if year_alone else rest
    return value if not re.sub(r"[\s,.]|\b(?:in|on|the|of|AD|BC|CE|BCE)\b", "", rest, flags=re.IGNORECASE) else None


def compare_date(answer: str, reference: str, context: Context) -> Comparison | None:
    expected = parse_date(reference)
    if expected is None:
        return None
    found = find_dates(answer)
    if not found or has_negation(answer):
        return None
    shown = plain(reference)
    best = [max(readings, key=lambda reading: _RANK.index(_agreement(reading, expected))) for readings in found]
    results = [_agreement(reading, expected) for reading in best]
    given = "; ".join(reading.shown() for reading in best)
    if "same" in results and "different" not in results:  # "1945 (2 September)": more than was asked
        return right(shown, given, f"{given} is {shown}.")
    if "different" in results and len(set(results)) > 1:
        return Comparison(Verdict.UNCERTAIN, f"You gave several dates ({given}); the answer is {shown}.", shown,
                          given, UNSURE)
    if "different" in results:
        return wrong(shown, given, f"You said {given}; the answer is {shown}.")
    return Comparison(Verdict.PARTIAL, f"You said {given}; the answer is {shown}: give the full date.", shown,
                      given, 0.5)


_RANK = ["different", "part", "same"]


def _agreement(given: DateValue, expected: DateValue) -> str:
    pairs = [(given.year, expected.year), (given.month, expected.month), (given.day, expected.day)]
    if any(mine is not None and theirs is not None and mine != theirs for mine, theirs in pairs):
        return "different"
    if any(mine is None and theirs is not None for mine, theirs in pairs):
        return "part"
    return "same"
