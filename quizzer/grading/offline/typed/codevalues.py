"""Comparing a code value ("what does this expression evaluate to"): literals read into tokens, with quotes,
spacing, True/true and None/null normalised; a string may be given with or without its quotes."""

from __future__ import annotations

import re

from quizzer.core.types import Verdict
from quizzer.grading.offline.typed.datafiles import phrases
from quizzer.grading.offline.typed.numbers import find_numbers
from quizzer.grading.offline.typed.outcome import UNSURE, Comparison, Context, right, wrong
from quizzer.grading.offline.typed.textutil import has_negation, plain

MAX_CODE_CHARS = 300
MAX_DEPTH = 20
_TOKEN = re.compile(
    r"""(?P<space>\s+)|(?P<str>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|`(?:[^`\\]|\\.)*`)"""
    r"""|(?P<num>[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?j?)|(?P<word>[^\W\d]\w*)|(?P<punct>[^\w\s])"""
)
_SPELLINGS = {"true": ("bool", "true"), "false": ("bool", "false"), "none": ("null", "null"),
              "null": ("null", "null"), "nil": ("null", "null"), "nan": ("num", "nan"), "inf": ("num", "inf"),
              "infinity": ("num", "inf")}
_CODE_SPAN = re.compile(r"`([^`]+)`")
_REMARK = re.compile(r"\s+\([^()'\"]*[A-Za-z]{3,}[^()'\"]*\)\s*$")

Token = tuple[str, str]


def code_tokens(text: str) -> list[Token] | None:
    """The literal's tokens (kind, normalised text), or None when it cannot be read (an open quote, too long)."""
    text = plain(text)
    if len(text) > MAX_CODE_CHARS:
        return None
    tokens: list[Token] = []
    depth, position = 0, 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            return None
        position = match.end()
        kind, value = match.lastgroup or "", match.group(0)
        if kind == "space":
            continue
        if kind == "str":
            tokens.append(("str", value[1:-1]))
        elif kind == "num":
            tokens.append(("num", value.lower().lstrip("+")))
        elif kind == "word":
            tokens.append(_SPELLINGS.get(value.lower(), ("word", value)))
        else:
            depth += value in "([{"
            depth -= value in ")]}"
            if depth > MAX_DEPTH:
                return None
            tokens.append(("punct", value))
    return tokens


def compare_code(answer: str, reference: str, context: Context) -> Comparison | None:
    expected = code_tokens(reference.strip())
    if not expected:
        return None
    shown = plain(reference)
    candidate = _value_part(answer)
    given = code_tokens(candidate)
    if given is None:
        return None
    remark = _REMARK.search(_value_part(answer, keep_remark=True))
    if given == expected or not remark and _same(given, expected):
        return right(shown, candidate, f"{candidate} is {shown}.")
    if _contains(given, expected) and not has_negation(answer):
        return right(shown, candidate, f"{shown}.", probability=0.9)
    if _bare(given) == _bare(expected) and _bare(expected) and not _other_brackets(given, expected):
        return Comparison(Verdict.UNCERTAIN, f"You said {candidate}; the answer is {shown} (the same items, written "
                          "differently).", shown, candidate, UNSURE)
    if len(given) > 2 * len(expected) + 6:
        return None  # an explanation around the value: the free-text grader reads it
    note = _kind_note(given, expected)
    return wrong(shown, candidate, f"You said {candidate}; the answer is {shown}{note}.")


def _value_part(answer: str, keep_remark: bool = False) -> str:
    """The value without the words around it: "It returns `[3, 2, 1]`." -> "[3, 2, 1]"."""
    spans = _CODE_SPAN.findall(answer)  # before `plain`, which reads a backtick as a quote
    if len(spans) == 1:
        return plain(spans[0])
    text = plain(answer)
    lowered = text.lower()
    for phrase in phrases("code_lead_ins"):
        lead = " ".join(phrase)
        if lowered.startswith(lead + " ") or lowered.startswith(lead + ":"):
            text = text[len(lead):].lstrip(" :")
            break
    # "3 (floor division)": the remark is dropped, but then the value must be written exactly (see compare_code)
    text = text if keep_remark else _REMARK.sub("", text)
    return text.rstrip(".") if not re.search(r"\d\.$", text) else text


def _same(given: list[Token], expected: list[Token]) -> bool:
    if given == expected:
        return True
    # A value with or without its quotes: 'object' and object, "53" and '53' and 53.
    unquoted = _unquoted(given)
    return unquoted is not None and unquoted == _unquoted(expected) or _number_words(given, expected)


def _unquoted(tokens: list[Token]) -> str | None:
    if len(tokens) == 1 and tokens[0][0] in ("str", "word", "num"):
        return tokens[0][1]
    if all(kind == "word" for kind, _ in tokens):
        return " ".join(text for _, text in tokens)
    return None


def _is_string(tokens: list[Token]) -> bool:
    return len(tokens) == 1 and tokens[0][0] == "str"


def _is_number(tokens: list[Token]) -> bool:
    return len(tokens) == 1 and tokens[0][0] == "num"


def _number_words(given: list[Token], expected: list[Token]) -> bool:
    """"three" for 3."""
    if not _is_number(expected) or not all(kind == "word" for kind, _ in given):
        return False
    numbers = find_numbers(" ".join(text for _, text in given))
    return len(numbers) == 1 and "." not in expected[0][1] and numbers[0].value == float(expected[0][1])


def _contains(given: list[Token], expected: list[Token]) -> bool:
    """The value inside a short sentence: every other token is a word ("typeof null is 'object'")."""
    size = len(expected)
    for start in range(len(given) - size + 1):
        if given[start:start + size] == expected:
            rest = given[:start] + given[start + size:]
            return all(kind == "word" for kind, _ in rest) and len(rest) <= 8
    return False


def _other_brackets(given: list[Token], expected: list[Token]) -> bool:
    """"(2, 3)" for "[2, 3]": a tuple, not the list (a bare "2, 3" is only unsure)."""
    brackets = [{text for kind, text in tokens if kind == "punct" and text in "([{"} for tokens in (given, expected)]
    return bool(brackets[0]) and brackets[0] != brackets[1]


def _bare(tokens: list[Token]) -> list[Token]:
    """Without brackets and commas: "2, 3" against "[2, 3]"."""
    return [token for token in tokens if token[0] != "punct"]


def _kind_note(given: list[Token], expected: list[Token]) -> str:
    if _is_number(given) and _is_string(expected):
        return " (a string, not a number)"
    if _is_string(given) and _is_number(expected):
        return " (a number, not a string)"
    if _is_number(given) and _is_number(expected) and float(given[0][1]) == float(expected[0][1]):
        return " (written exactly so: the type differs)"
    return ""
