"""A formula's tokens parsed into sympy objects by a small precedence parser: no `eval`, no `sympify`,
no `parse_expr`. Exponents and factorials that would make sympy compute huge numbers are refused here."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from quizzer.grading.offline.typed.mathtokens import FormulaTooLarge, NotAFormula, Token, tokenize

MAX_EXPONENT = 100
MAX_POWER_BITS = 4096
MAX_FACTORIAL = 100
_CLOSING = {"(": ")", "[": "]", "{": "}"}


@dataclass(frozen=True)
class Formula:
    """A parsed formula: an expression, an equation (`right` set) or a growth rate O(...) (`big_o`)."""

    left: Any
    right: Any | None = None
    big_o: bool = False

    @property
    def symbols(self) -> frozenset[Any]:
        found = set(self.left.free_symbols)
        if self.right is not None:
            found |= self.right.free_symbols
        return frozenset(found)


def parse_formula(text: str, symbols: frozenset[str] | None = None, plus_minus: int = 1,
                  tight_division: bool = True) -> Formula:
    """The formula `text` states; raises NotAFormula. `symbols`: the variable names an answer may use in
    multi-letter words; `plus_minus`: the sign ± stands for; `tight_division`: whether "1/2a" is 1/(2a)."""
    return _parse_cached(text, symbols, plus_minus, tight_division)


@lru_cache(maxsize=1024)
def _parse_cached(text: str, symbols: frozenset[str] | None, plus_minus: int, tight_division: bool) -> Formula:
    return _Parser(tokenize(text, symbols), symbols, plus_minus, tight_division).formula()


def has_plus_minus(text: str) -> bool:
    return "±" in text or "+/-" in text or "+-" in text or "\\pm" in text or "plus or minus" in text.lower()


class _Parser:
    def __init__(self, tokens: list[Token], symbols: frozenset[str] | None, plus_minus: int, tight: bool) -> None:
        import sympy

        self.sp = sympy
        self.tokens = tokens
        self.position = 0
        self.symbols = symbols
        self.plus_minus = plus_minus
        self.tight = tight

    # --- token helpers
    def peek(self, offset: int = 0) -> Token | None:
        index = self.position + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def is_op(self, text: str, token: Token | None = None) -> bool:
        token = token if token is not None else self.peek()
        return token is not None and token.kind == "op" and token.text == text

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise NotAFormula("ends too early")
        self.position += 1
        return token

    def expect(self, text: str) -> None:
        if not self.is_op(text):
            raise NotAFormula(f"expected {text!r}")
        self.position += 1

    def starts_operand(self, token: Token | None) -> bool:
        return token is not None and (token.kind in ("num", "name", "const", "func")
                                      or token.kind == "op" and token.text in _CLOSING)

    # --- grammar
    def formula(self) -> Formula:
        if self.peek() is not None and self.peek().kind == "bigo":
            self.take()
            self.expect("(")
            inner = self.sum()
            self.expect(")")
            self.end()
            return Formula(inner, big_o=True)
        left = self.sum()
        right = None
        if self.is_op("="):
            self.take()
            right = self.sum()
        self.end()
        return Formula(left, right)

    def end(self) -> None:
        if self.peek() is not None:
            raise NotAFormula(f"unexpected {self.peek().text!r}")

    def sum(self) -> Any:
        value = self.term()
        while self.peek() is not None and self.peek().kind == "op" and self.peek().text in "+-±":
            operator = self.take().text
            operand = self.term()
            sign = 1 if operator == "+" else -1 if operator == "-" else self.plus_minus
            value = value + sign * operand
        return value

    def term(self) -> Any:
        value = self.unary()
        while True:
            token = self.peek()
            if self.is_op("*", token):
                self.take()
                value = value * self.unary()
            elif self.is_op("/", token):
                self.take()
                divisor = self.tight_product() if self.tight else self.unary()
                if divisor == 0:
                    raise NotAFormula("division by zero")
                value = value / divisor
            elif self.starts_operand(token):
                value = value * self.power()
            else:
                return value

    def tight_product(self) -> Any:
        """The divisor of "1/2a": operands written without a space between them."""
        value = self.unary()
        while self.starts_operand(self.peek()) and not self.peek().spaced:
            value = value * self.power()
        return value

    def unary(self) -> Any:
        token = self.peek()
        if token is not None and token.kind == "op" and token.text in "+-±":
            self.take()
            operand = self.unary()
            return operand if token.text == "+" else -operand if token.text == "-" else self.plus_minus * operand
        return self.power()

    def power(self) -> Any:
        base = self.postfix()
        if self.is_op("^"):
            self.take()
            return self.raise_to(base, self.unary())
        return base

    def raise_to(self, base: Any, exponent: Any) -> Any:
        if exponent.is_Number and abs(exponent) > MAX_EXPONENT:
            raise FormulaTooLarge(f"an exponent over {MAX_EXPONENT}")
        if exponent.is_Number and base.is_Rational:
            bits = max(int(base.p).bit_length(), int(base.q).bit_length())
            if bits * abs(float(exponent)) > MAX_POWER_BITS:
                raise FormulaTooLarge("a power too large to compute")
        return self.sp.Pow(base, exponent)

    def postfix(self) -> Any:
        value = self.primary()
        while self.is_op("!"):
            self.take()
            if value.is_Number and not (value.is_Integer and 0 <= value <= MAX_FACTORIAL):
                raise FormulaTooLarge(f"a factorial of a number over {MAX_FACTORIAL}")
            value = self.sp.factorial(value)
        return value

    def primary(self) -> Any:
        token = self.take()
        sp = self.sp
        if token.kind == "num":
            return sp.Rational(token.text)
        if token.kind == "const":
            return {"pi": sp.pi, "oo": sp.oo}[token.text]
        if token.kind == "name":
            if token.text == "e" and (self.symbols is None or "e" not in self.symbols):
                return sp.E
            return sp.Symbol(token.text, positive=True)
        if token.kind == "func":
            return self.function(token.text)
        if token.kind == "op" and token.text in _CLOSING:
            inner = self.sum()
            self.expect(_CLOSING[token.text])
            return inner
        if self.is_op("|", token):
            inner = self.sum()
            self.expect("|")
            return sp.Abs(inner)
        raise NotAFormula(f"unexpected {token.text!r}")

    def function(self, name: str) -> Any:
        if name == "frac":  # \frac{a}{b}
            numerator = self.primary()
            return numerator / self.primary()
        exponent = None
        if self.is_op("^"):  # sin^2 x
            self.take()
            exponent = self.postfix()
        if self.peek() is not None and self.is_op("(") or self.is_op("{") or self.is_op("["):
            argument = self.primary()
        else:  # "sin x", "log n", "sin 2x": the operands up to an operator or the next function
            argument = self.power()
            while self.starts_operand(self.peek()) and self.peek().kind != "func":
                argument = argument * self.power()
        value = _apply(self.sp, name, argument)
        return value if exponent is None else self.raise_to(value, exponent)


def _apply(sp: Any, name: str, argument: Any) -> Any:
    if name in ("log", "ln"):
        return sp.log(argument)
    if name.startswith("log") or name == "lg":
        base = int(name[3:]) if name[3:] else 2
        return sp.log(argument) / sp.log(base)
    if name == "sqrt":
        return sp.sqrt(argument)
    if name == "cbrt":
        return sp.root(argument, 3)
    if name == "abs":
        return sp.Abs(argument)
    return getattr(sp, name)(argument)
