"""MathJax and LaTeX in Anki fields as readable text: `\\(\\frac{a}{b} \\le \\alpha\\)` -> `a/b ≤ α`.

Anki renders `\\(...\\)`, `\\[...\\]` (MathJax) and `[$]...[/$]`, `[$$]...[/$$]`, `[latex]...[/latex]`
(LaTeX images). quizzer shows text, so the delimiters go and common commands become the symbols they
draw (the table is data: `deck/data/latex_symbols.json`); commands it does not know stay as written, which is
still what the learner would type.
"""

from __future__ import annotations

import re
from functools import cache

from quizzer.core.resources import data_json

_MATH = re.compile(
    r"\\\((?P<inline>.*?)\\\)|\\\[(?P<display>.*?)\\\]"
    r"|\[\$\](?P<dollar>.*?)\[/\$\]|\[\$\$\](?P<dollars>.*?)\[/\$\$\]|\[latex\](?P<latex>.*?)\[/latex\]",
    re.S,
)
_GROUP = r"\{((?:[^{}]|\{[^{}]*\})*)\}"  # one brace group, one level of nesting inside
_FRACTION = re.compile(r"\\[dt]?frac\s*" + _GROUP + r"\s*" + _GROUP)
_ROOT = re.compile(r"\\sqrt\s*" + _GROUP)
_STYLED = re.compile(r"\\(?:text|textrm|textbf|textit|mathrm|mathbf|mathit|mathsf|mathcal|mathbb|operatorname|"
                     r"boldsymbol|bm|hat|bar|vec|tilde|overline)\s*" + _GROUP)
_SINGLE_GROUP = re.compile(r"([_^])\{([^{}\s])\}")
_COMMAND = re.compile(r"\\([A-Za-z]+)(?![A-Za-z])|\\([,;:! ])")


@cache
def _symbols() -> dict[str, str]:
    symbols: dict[str, str] = data_json("quizzer.deck", "latex_symbols.json")
    return symbols


def readable_math(text: str) -> str:
    """`text` with every math span replaced by its readable form (display math on a line of its own)."""
    if "\\" not in text and "[$" not in text and "[latex]" not in text:
        return text

    def span(match: re.Match[str]) -> str:
        kind = match.lastgroup or "inline"
        body = readable_latex(match.group(kind) or "")
        return f"\n{body}\n" if kind in ("display", "dollars") else body

    return _MATH.sub(span, text)


def readable_latex(source: str) -> str:
    """One formula's LaTeX as text: fractions as a/b, roots as √, known commands as their symbols."""
    text = source
    for _ in range(3):  # nested fractions and roots unwrap from the inside out
        text = _STYLED.sub(lambda m: m.group(1), text)
        text = _ROOT.sub(lambda m: f"√{_operand(m.group(1))}", text)
        text = _FRACTION.sub(lambda m: f"{_operand(m.group(1))}/{_operand(m.group(2))}", text)
    text = _SINGLE_GROUP.sub(r"\1\2", text)
    symbols = _symbols()

    def command(match: re.Match[str]) -> str:
        if match.group(2) is not None:  # \, \; \! \: and "\ " are spacing
            return " "
        name = match.group(1)
        return symbols[name] if name in symbols else match.group(0)

    text = _COMMAND.sub(command, text)
    return re.sub(r"\\([{}%$&#_])", r"\1", text).strip()


def _operand(text: str) -> str:
    """A fraction's or root's operand, in parentheses unless it is a single token."""
    text = text.strip()
    return text if re.fullmatch(r"√?[\w.]+|\\[A-Za-z]+", text) else f"({text})"
