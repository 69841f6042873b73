"""Numbers as people write them: digits with thousands separators or a decimal comma, scientific notation,
powers, fractions, number words ("twenty-one", "one and a half", "17.1 million"), each with the precision
its writing implies."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from quizzer.grading.offline.typed.datafiles import words

# Limits that keep a hostile "number" cheap: digits per literal, and the size of an exponent.
MAX_DIGITS = 40
MAX_EXPONENT = 400

_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
_VULGAR = {"½": 1 / 2, "¼": 1 / 4, "¾": 3 / 4, "⅓": 1 / 3, "⅔": 2 / 3, "⅛": 1 / 8, "⅜": 3 / 8, "⅝": 5 / 8, "⅞": 7 / 8}
_DIGITS = re.compile(
    r"""(?<![\w.^/*])(?P<sign>[-+]\s?)?
    (?:
        (?P<num>\d{1,12})\s?/\s?(?P<den>\d{1,12})(?![\d/.])
      | (?P<base>\d{1,6})\s?(?:\^|\*\*)\s?(?P<pow>[-+]?\d{1,4})(?![\d.])
      | (?:(?P<int>\d{1,3}(?:,\d{3})+(?!\d)|\d{1,3}(?:[ ']\d{3})+(?![\d,])|\d{1,40})(?:[.,](?P<frac>\d{1,40}))?
         |\.(?P<frac_only>\d{1,40}))
        (?:\s?(?:[eE](?P<exp>[-+]?\d{1,4})
               |[x×*·]\s?10\s?(?:\^|\*\*)\s?(?P<exp2>[-+]?\d{1,4})
               |[x×*·]\s?10(?P<sup>[⁻⁺]?[⁰¹²³⁴⁵⁶⁷⁸⁹]{1,4})))?
        (?P<vulgar>\s?[½¼¾⅓⅔⅛⅜⅝⅞])?
        (?:\s?(?P<scale>hundred|thousand|million|billion|trillion|bn)\b)?
    )(?!\s?(?:\^|\*\*|/\d))""",
    re.VERBOSE | re.IGNORECASE,
)
_WORD_TOKEN = re.compile(r"[a-z]+", re.IGNORECASE)


@dataclass(frozen=True)
class Number:
    """A number found in text, with the span it was read from."""

    value: float
    # Half a unit in the last digit written ("9.81": 0.005, "100": 0.5); tiny for exact forms such as 3/8.
    precision: float
    # The same, taking an integer's trailing zeros as rounding ("300000": 50000); used for rounded answers.
    coarse_precision: float
    start: int
    end: int
    text: str


_SIGN_WORD = re.compile(r"(?:minus|negative)\s+$", re.IGNORECASE)


def find_numbers(text: str) -> list[Number]:
    """Every number in `text`, left to right, without overlaps (digits win over words)."""
    found = sorted([*_digit_numbers(text), *_word_numbers(text)], key=lambda number: (number.start, -number.end))
    kept: list[Number] = []
    for number in found:
        if not kept or number.start >= kept[-1].end:
            kept.append(_signed(number, text))
    return kept


def _signed(number: Number, text: str) -> Number:
    """"minus 273" is -273."""
    sign = _SIGN_WORD.search(text, 0, number.start)
    if sign is None or number.value < 0:
        return number
    return Number(-number.value, number.precision, number.coarse_precision, sign.start(), number.end,
                  text[sign.start():number.end])


def _digit_numbers(text: str) -> Iterator[Number]:
    for match in _DIGITS.finditer(text):
        number = _from_digits(match)
        if number is not None:
            yield number


def _from_digits(match: re.Match[str]) -> Number | None:
    sign = -1.0 if (match.group("sign") or "").strip() == "-" else 1.0
    span = (match.start(), match.end(), match.group(0).strip())
    if match.group("num"):
        denominator = int(match.group("den"))
        if denominator == 0:
            return None
        value = sign * int(match.group("num")) / denominator
        return Number(value, abs(value) * 1e-9, abs(value) * 1e-9, *span)
    if match.group("base"):
        exponent = int(match.group("pow"))
        if abs(exponent) > MAX_EXPONENT:
            return None
        value = sign * float(int(match.group("base"))) ** exponent if exponent >= 0 else sign * int(
            match.group("base")) ** float(exponent)
        return Number(value, abs(value) * 1e-9, abs(value) * 1e-9, *span)
    integer = re.sub(r"[ ,']", "", match.group("int") or "0")
    fraction = match.group("frac") or match.group("frac_only") or ""
    if len(integer) + len(fraction) > MAX_DIGITS:
        return None
    exponent_text = match.group("exp") or match.group("exp2") or (match.group("sup") or "").translate(_SUPERSCRIPTS)
    exponent = int(exponent_text) if exponent_text else 0
    if abs(exponent) > MAX_EXPONENT:
        return None
    scale = float(words()["number_scales"].get((match.group("scale") or "").lower(), 1)) * 10.0 ** exponent
    vulgar = _VULGAR.get((match.group("vulgar") or "").strip(), 0.0)
    value = sign * (float(f"{integer}.{fraction or 0}") + vulgar) * scale
    if fraction:
        precision = 0.5 * 10.0 ** -len(fraction) * scale
        return Number(value, precision, precision, *span)
    zeros = len(integer) - len(integer.rstrip("0")) if integer.strip("0") else 0
    return Number(value, 0.5 * scale, 0.5 * 10.0 ** zeros * scale, *span)


def _word_numbers(text: str) -> Iterator[Number]:
    tokens = [(match.group(0).lower(), match.start(), match.end()) for match in _WORD_TOKEN.finditer(text)]
    index = 0
    while index < len(tokens):
        parsed = _read_words(tokens, index, text)
        if parsed is None:
            index += 1
            continue
        number, index = parsed
        yield number


def _read_words(tokens: list[tuple[str, int, int]], start: int, text: str) -> tuple[Number, int] | None:
    """The number spelled by the words from `start` ("one hundred and five", "three quarters"), and where it ends."""
    units, scales, fractions = words()["number_units"], words()["number_scales"], words()["number_fractions"]
    total, current, seen, index, decimals = 0.0, 0.0, False, start, ""
    previous: str | None = None

    def at(offset: int) -> str:
        return tokens[index + offset][0] if index + offset < len(tokens) else ""

    while index < len(tokens):
        word = tokens[index][0]
        if index > start and text[tokens[index - 1][2]:tokens[index][1]].strip(" -") != "":
            break  # punctuation between the words: another number
        if word in ("a", "an") and at(1) not in {*scales, *fractions, "dozen", "hundred"}:
            break
        if word in units and word not in ("a", "an") or word in ("a", "an"):
            value = units[word]
            if seen and previous in units and not (units[previous] >= 20 and units[previous] % 10 == 0 and value < 10):
                break  # "one two": two numbers
            current += value
        elif word == "hundred" and seen:
            current = (current or 1) * 100
        elif word in scales and seen and word != "hundred":
            total, current = total + (current or 1) * scales[word], 0.0
        elif word in fractions and seen and (current or total):
            value = (total + current) / fractions[word]
            begin, end = tokens[start][1], tokens[index][2]
            return Number(value, abs(value) * 1e-9, abs(value) * 1e-9, begin, end, text[begin:end]), index + 1
        elif word == "and" and seen and at(1) in ("a", "one") and at(2) in fractions:
            value = total + current + 1 / fractions[at(2)]
            end = tokens[index + 2][2]
            return Number(value, 1e-9, 1e-9, tokens[start][1], end, text[tokens[start][1]:end]), index + 3
        elif word == "and" and seen and at(1) in units and previous in ("hundred", *scales):
            pass
        elif word == "point" and seen:
            while at(1) in units and units[at(1)] < 10 and at(1) not in ("a", "an"):
                decimals += str(units[at(1)])
                index += 1
            if at(1) in scales and decimals:  # "seventeen point one million"
                current, decimals = (current + float(f"0.{decimals}")) * scales[at(1)], ""
                index += 1
        else:
            break
        seen, previous, index = True, word, index + 1
    if not seen or index == start:
        return None
    end = tokens[index - 1][2]
    value = total + current + (float(f"0.{decimals}") if decimals else 0.0)
    if decimals:
        precision = 0.5 * 10.0 ** -len(decimals)
        coarse = precision
    else:
        digits = str(int(value))
        zeros = len(digits) - len(digits.rstrip("0")) if value else 0
        precision, coarse = 0.5, 0.5 * 10.0 ** zeros
    return Number(value, precision, coarse, tokens[start][1], end, text[tokens[start][1]:end]), index
