"""Formula answers: parsed by our own whitelisting parser into sympy, compared by value or by growth rate."""

from __future__ import annotations

import pytest

from quizzer.core.types import Verdict
from quizzer.grading.offline.typed.expressions import compare_expression, looks_like_formula
from quizzer.grading.offline.typed.mathparse import parse_formula
from quizzer.grading.offline.typed.mathtokens import NotAFormula, tokenize
from quizzer.grading.offline.typed.outcome import Context


def verdict(references: list[str], answer: str, question: str = "Which formula?") -> Verdict | None:
    context = Context(question, references=tuple(references))
    found = [compare_expression(answer, reference, context) for reference in references]
    best = max((item for item in found if item is not None), key=lambda item: item.rank, default=None)
    return best.verdict if best else None


@pytest.mark.parametrize(("text", "expected"), [
    ("π r^2", "pi*r**2"), ("pi r squared", "pi*r**2"), ("πr²", "pi*r**2"), ("cos x", "cos(x)"),
    ("n x^(n-1)", "n*x**(n - 1)"), (r"\frac{1}{2} m v^2", "m*v**2/2"), ("sin^2 x", "sin(x)**2"),
    ("log2(n)", "log(n)/log(2)"), ("1/2a", "1/(2*a)"), ("1/2 a", "a/2"),
])
def test_plain_text_unicode_and_latex_forms_parse_alike(text: str, expected: str) -> None:
    assert str(parse_formula(text).left) == expected


def test_an_equation_and_a_growth_rate() -> None:
    equation = parse_formula("E = mc^2")
    assert str(equation.left) == "E" and str(equation.right) == "c**2*m"
    growth = parse_formula("O(n log n)")
    assert growth.big_o and str(growth.left) == "n*log(n)"


@pytest.mark.parametrize("text", ["__import__('os')", "().__class__.__bases__", "x.__class__", "os.system('ls')",
                                  "lambda: 1", "eval('1')", "x; y", "a @ b", "'string'", "Hund"])
def test_only_whitelisted_tokens_get_through(text: str) -> None:
    with pytest.raises(NotAFormula):
        tokenize(text)


@pytest.mark.parametrize(("text", "reason"), [
    ("x" + "+x" * 150, "over"), ("(" * 40 + "x" + ")" * 40, "nested"), ("9**9**9**9", "exponent"),
    ("(10^30)^100", "too large"), ("100000!", "factorial"), ("1" * 40, "digits"),
])
def test_limits_are_checked_before_sympy_computes_anything(text: str, reason: str) -> None:
    with pytest.raises(NotAFormula, match=reason):
        parse_formula(text)


def test_a_formula_needs_an_operator_a_function_or_big_o() -> None:
    assert looks_like_formula("E = mc^2") and looks_like_formula("O(1)") and looks_like_formula("cos(x)")
    assert looks_like_formula("2x") and looks_like_formula("π r^2")
    assert not looks_like_formula("NaCl") and not looks_like_formula("Au") and not looks_like_formula("H2O")


@pytest.mark.parametrize(("answer", "expected"), [
    ("O(log n)", Verdict.CORRECT), ("log n", Verdict.CORRECT), ("log2(n) time", Verdict.CORRECT),
    ("O(lg n)", Verdict.CORRECT), ("logarithmic", Verdict.CORRECT), ("It's O(log n) since it halves", Verdict.CORRECT),
    ("O(n)", Verdict.INCORRECT), ("O(n log n)", Verdict.INCORRECT), ("O(1)", Verdict.INCORRECT),
    ("O(log n) best, O(n) worst", Verdict.INCORRECT),
])
def test_growth_rates_ignore_constants_and_log_bases(answer: str, expected: Verdict) -> None:
    assert verdict(["O(log n)"], answer) is expected


def test_feedback_says_which_growth_rate_it_is_not() -> None:
    comparison = compare_expression("O(n)", "O(log n)", Context("Binary search?"))
    assert comparison is not None and comparison.feedback == "O(n) is not O(log n)."


@pytest.mark.parametrize(("answer", "expected"), [
    ("πr²", Verdict.CORRECT), ("pi*r*r", Verdict.CORRECT), ("A = πr^2", Verdict.CORRECT),
    ("The area is pi r^2", Verdict.CORRECT), ("2πr", Verdict.INCORRECT), ("πr^3", Verdict.INCORRECT),
])
def test_expressions_are_compared_by_value(answer: str, expected: Verdict) -> None:
    assert verdict(["π r^2"], answer) is expected


@pytest.mark.parametrize(("answer", "expected"), [
    ("c^2 = a^2 + b^2", Verdict.CORRECT), ("c = sqrt(a^2 + b^2)", Verdict.CORRECT), ("a² + b² = c²", Verdict.CORRECT),
    ("a^2 + b^2", Verdict.PARTIAL), ("a + b = c", Verdict.INCORRECT),
])
def test_equations_rearranged_or_solved_are_the_same(answer: str, expected: Verdict) -> None:
    assert verdict(["a^2 + b^2 = c^2"], answer) is expected


def test_an_equation_with_a_lone_variable_accepts_its_right_side() -> None:
    assert verdict(["E = mc^2"], "mc^2") is Verdict.CORRECT
    assert verdict(["E = mc^2"], "E = m c squared") is Verdict.CORRECT
    assert verdict(["E = mc^2"], "E = hf") is Verdict.INCORRECT


def test_plus_minus_means_both_roots() -> None:
    reference = ["x = (-b ± sqrt(b^2 - 4ac)) / (2a)"]
    assert verdict(reference, "(-b ± √(b²-4ac))/2a") is Verdict.CORRECT
    assert verdict(reference, r"x = \frac{-b \pm \sqrt{b^2-4ac}}{2a}") is Verdict.CORRECT
    assert verdict(reference, "(-b + sqrt(b^2-4ac))/(2a)") is Verdict.PARTIAL
    assert verdict(reference, "(-b ± sqrt(b^2+4ac))/2a") is Verdict.INCORRECT


def test_a_function_named_alone_applies_to_the_references_variable() -> None:
    assert verdict(["cos(x)"], "I think it is the cosine") is Verdict.CORRECT
    assert verdict(["cos(x)"], "sine") is Verdict.INCORRECT


def test_a_negated_or_formula_free_answer_is_left_to_the_free_text_grader() -> None:
    assert verdict(["cos(x)"], "not sin x but cos x") is None
    assert verdict(["cos(x)"], "something from trigonometry") is None
