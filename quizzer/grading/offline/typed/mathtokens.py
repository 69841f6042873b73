"""The tokens of a formula, from plain text or simple LaTeX, checked against a whitelist before any parsing.

Only numbers, known function, constant and Greek names, single-letter variables (with a subscript), operators
and brackets come out; any other character or word makes the text "not a formula". Length, nesting depth and
the number of tokens are limited here, before the parser sees anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from quizzer.grading.offline.typed.datafiles import words
from quizzer.grading.offline.typed.textutil import plain

MAX_CHARS = 200
MAX_TOKENS = 120
MAX_DEPTH = 12
MAX_NUMBER_DIGITS = 30

FUNCTIONS = frozenset("sin cos tan sec csc cot asin acos atan sinh cosh tanh exp log ln lg sqrt cbrt abs".split())
_FUNCTION_ALIASES = {"arcsin": "asin", "arccos": "acos", "arctan": "atan", "cosec": "csc", "cotan": "cot",
                     "tg": "tan", "root": "sqrt", "sine": "sin", "cosine": "cos", "tangent": "tan"}
GREEK = frozenset(
    "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron rho sigma tau upsilon phi chi "
    "psi omega".split()
)
_GREEK_LETTERS = dict(zip("αβγδεζηθικλμνξοπρστυφχψω", [
    "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu", "nu", "xi",
    "omicron", "pi", "rho", "sigma", "sigma", "tau", "upsilon", "phi", "chi", "psi", "omega"]))
CONSTANTS = {"pi": "pi", "π": "pi", "inf": "oo", "infinity": "oo", "oo": "oo", "∞": "oo"}
BIG_O = frozenset({"O", "Θ", "Ω", "Theta", "Omega"})
_LATEX = {"frac": " frac ", "dfrac": " frac ", "tfrac": " frac ", "sqrt": " sqrt ", "cdot": "*", "times": "*",
          "div": "/", "pm": "±", "infty": "∞", "left": "", "right": "", "mathrm": "", "operatorname": "",
          "quad": " ", "qquad": " ", "ln": " ln ", "log": " log ", "exp": " exp ", "lg": " lg "}
_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺ⁿˣ", "0123456789-+nx")
_SUBSCRIPT = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")
_TOKEN = re.compile(
    r"(?P<space>\s+)|(?P<num>\d+(?:\.\d+)?|\.\d+)|(?P<name>[^\W\d_]+(?:_?\d+|_[^\W\d_])?)"
    r"|(?P<op>\*\*|\+/-|\+-|[-+*/^=!±,()\[\]{}|×·∙÷√∞])"
)


class NotAFormula(ValueError):
    """The text is not a formula we accept (unknown word or character, or over a limit)."""


class FormulaTooLarge(NotAFormula):
    """The text is over a limit (length, nesting, tokens, digits, an exponent): it is not read at all."""


@dataclass(frozen=True)
class Token:
    kind: str  # "num", "name", "func", "const", "bigo", "op"
    text: str
    spaced: bool = False  # whitespace before it: "2 a" multiplies looser than "2a"


def tokenize(text: str, symbols: frozenset[str] | None = None) -> list[Token]:
    """The formula's tokens. `symbols`: the variables a multi-letter word may be split into ("mc" into m, c);
    None (reading a card's own answer) lets a word of up to three letters split into single letters."""
    text = _rewrite(text)
    tokens: list[Token] = []
    depth, position, spaced = 0, 0, False
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise NotAFormula(f"unexpected character {text[position]!r}")
        position = match.end()
        kind = match.lastgroup
        value = match.group(0)
        if kind == "space":
            spaced = True
            continue
        if kind == "num" and len(value.replace(".", "")) > MAX_NUMBER_DIGITS:
            raise FormulaTooLarge("a number over 30 digits")
        if kind == "op":
            depth += value in "([{"
            depth -= value in ")]}"
            if depth > MAX_DEPTH:
                raise FormulaTooLarge(f"brackets nested over {MAX_DEPTH} deep")
            value = _OPERATORS.get(value, value)
            kind = "func" if value == "sqrt" else "const" if value == "oo" else "op"
            tokens.append(Token(kind, value, spaced))
        elif kind == "name":
            tokens.extend(_name_tokens(value, spaced, symbols, text[position:position + 1] == "("))
        else:
            tokens.append(Token(kind, value, spaced))
        spaced = False
        if len(tokens) > MAX_TOKENS:
            raise FormulaTooLarge(f"over {MAX_TOKENS} tokens")
    if not tokens:
        raise NotAFormula("empty")
    return tokens


_OPERATORS = {"**": "^", "×": "*", "·": "*", "∙": "*", "÷": "/", "+/-": "±", "+-": "±", "√": "sqrt", "∞": "oo"}


def _rewrite(text: str) -> str:
    """Plain text from LaTeX, Unicode superscripts and operator words ("squared", "divided by")."""
    text = plain(text).strip().strip("$").strip()
    if len(text) > MAX_CHARS:
        raise FormulaTooLarge(f"over {MAX_CHARS} characters")
    text = re.sub(r"\\([A-Za-z]+)", lambda match: _latex(match.group(1)), text)
    text = re.sub(r"\\[,;:! ]", " ", text)
    text = re.sub(r"[⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺ⁿˣ]+", lambda match: f"^({match.group(0).translate(_SUPERSCRIPT)})", text)
    text = text.translate(_SUBSCRIPT)
    for phrase, replacement in _operator_words():
        text = phrase.sub(f" {replacement} ", text)
    return text


def _latex(command: str) -> str:
    if command in _LATEX:
        return _LATEX[command]
    if command in FUNCTIONS or command.lower() in GREEK or command in ("pi", "arcsin", "arccos", "arctan"):
        return f" {command} "
    raise NotAFormula(f"LaTeX command \\{command}")


@lru_cache(maxsize=1)
def _operator_words() -> tuple[tuple[re.Pattern[str], str], ...]:
    entries = sorted(words()["expression_words"].items(), key=lambda item: -len(item[0]))
    return tuple((re.compile(rf"(?<![\w]){re.escape(phrase)}(?![\w])", re.IGNORECASE), symbol)
                 for phrase, symbol in entries)


def _name_tokens(word: str, spaced: bool, symbols: frozenset[str] | None, called: bool) -> list[Token]:
    if word in _GREEK_LETTERS:
        word = _GREEK_LETTERS[word]
    lowered = word.lower()
    if lowered == "frac":
        return [Token("func", "frac", spaced)]
    if lowered in _fillers() and (symbols is None or word not in symbols):
        return []  # "O(n) time", "worst case O(n)"
    if word in BIG_O and called:
        return [Token("bigo", "O", spaced)]
    if lowered in FUNCTIONS or lowered in _FUNCTION_ALIASES:
        return [Token("func", _FUNCTION_ALIASES.get(lowered, lowered), spaced)]
    base = re.match(r"^(log)_?(\d+)$", lowered)  # log2, log_10
    if base:
        return [Token("func", f"log{base.group(2)}", spaced)]
    if lowered in CONSTANTS or word == "π":
        return [Token("const", CONSTANTS.get(lowered, "pi"), spaced)]
    if lowered in GREEK:
        return [Token("name", lowered, spaced)]
    if len(word) == 1 or re.match(r"^[^\W\d_](?:_?\d+|_[^\W\d_])$", word):
        return [Token("name", word.replace("_", ""), spaced)]
    pieces = _split_word(word, symbols)
    if pieces is None and symbols is not None and len(word) <= 3 and lowered not in _PLAIN_WORDS:
        pieces = _split_word(word, None)  # "E = hf": a product of variables the reference does not have
    if pieces is None:
        raise NotAFormula(f"unknown word {word!r}")
    return [Token(kind, text, spaced and index == 0) for index, (kind, text) in enumerate(pieces)]


# Short words that are English, not a product of variables.
_PLAIN_WORDS = frozenset("and or not but nor for the is it of to in at as on by an so if no yes".split())


@lru_cache(maxsize=1)
def _fillers() -> frozenset[str]:
    return frozenset(entry for entry in words()["expression_filler"] if " " not in entry)


def function_name(word: str) -> str | None:
    """The function a word names ("cosine" -> "cos"), or None."""
    lowered = word.lower()
    name = _FUNCTION_ALIASES.get(lowered, lowered)
    return name if name in FUNCTIONS else None


def _split_word(word: str, symbols: frozenset[str] | None) -> list[tuple[str, str]] | None:
    """"nlogn" -> n, log, n; "mc" -> m, c: a word as known names and variables, or None."""
    if symbols is None and len(word) > 3 and not any(word.lower().find(name) >= 0 for name in FUNCTIONS):
        return None

    @lru_cache(maxsize=None)
    def split(start: int) -> tuple[tuple[str, str], ...] | None:
        if start == len(word):
            return ()
        for end in range(len(word), start, -1):
            piece = word[start:end]
            lowered = piece.lower()
            if lowered in FUNCTIONS:
                kind = "func"
            elif lowered in CONSTANTS and (len(piece) > 1 or piece == "π"):
                kind = "const"
            elif len(piece) == 1 and (symbols is None or piece in symbols):
                kind = "name"
            else:
                continue
            rest = split(end)
            if rest is not None:
                return ((kind, CONSTANTS.get(lowered, lowered) if kind == "const" else piece if kind == "name"
                         else lowered), *rest)
        return None

    pieces = split(0)
    return list(pieces) if pieces else None
