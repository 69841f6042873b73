"""The typed path of the offline grader: detect the card's answer type, compare the answer with each reference
by that type's rules, and return a `Grade`, or None to leave the answer to the free-text grader."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from quizzer.core.types import AnswerType, Grade, GraderInfo, Submission, Verdict
from quizzer.grading.offline import text as words_of
from quizzer.grading.offline.typed.codevalues import compare_code
from quizzer.grading.offline.typed.dates import compare_date
from quizzer.grading.offline.typed.detect import detect_type
from quizzer.grading.offline.typed.expressions import compare_expression
from quizzer.grading.offline.typed.lists import compare_list, split_items
from quizzer.grading.offline.typed.mathtokens import MAX_CHARS
from quizzer.grading.offline.typed.names import compare_name
from quizzer.grading.offline.typed.numeric import compare_number
from quizzer.grading.offline.typed.outcome import SURE_WRONG, Comparison, Context
from quizzer.grading.offline.typed.yesno import compare_yes_no

# Stored with every grade (GraderInfo.params["typed"]): bump it when a comparison's behaviour changes.
TYPED_VERSION = "typed-2"  # typed-2: a right number missing a unit the question leaves open is partial
# Answers longer than this are explanations; the free-text grader reads them.
MAX_ANSWER_CHARS = 500
# A formula answer made mostly of symbols and longer than the parser reads is not graded at all.
_SYMBOLS = re.compile(r"[\d()\[\]{}+\-*/^=!|.,<>_~%&$#@\\]")

Compare = Callable[[str, str, Context], Comparison | None]
_COMPARE: dict[AnswerType, Compare] = {
    AnswerType.NUMBER: compare_number,
    AnswerType.EXPRESSION: compare_expression,
    AnswerType.NAME: compare_name,
    AnswerType.CODE: compare_code,
    AnswerType.DATE: compare_date,
    AnswerType.YES_NO: compare_yes_no,
}
_LEAD = {Verdict.CORRECT: "Correct", Verdict.PARTIAL: "Partly correct", Verdict.INCORRECT: "Incorrect",
         Verdict.UNCERTAIN: "Uncertain"}


def answer_type(submission: Submission) -> AnswerType:
    return detect_type(submission.references, submission.question, submission.answer_format)


def card_answer_type(card: Any) -> AnswerType:
    """A `quizzer.deck.Card`'s answer type: its `type:`, else detected from its answers."""
    return answer_type(Submission.for_card(card, ""))


def grade_typed(submission: Submission, info: GraderInfo) -> Grade | None:
    """The typed comparison's grade, or None where the card is free text or the answer is none of its type."""
    kind = answer_type(submission)
    if kind is AnswerType.TEXT:
        return None
    answer = submission.answer.strip()
    evidence = {"answer_type": kind.value, "typed_version": TYPED_VERSION}
    if _dont_know(answer):
        feedback = "No answer given (empty or \"I don't know\"): graded incorrect. Study the reference answer."
        return Grade(Verdict.INCORRECT, info, SURE_WRONG, SURE_WRONG, feedback, matched_reference=0,
                     evidence={**evidence, "dont_know": True})
    if len(answer) > MAX_ANSWER_CHARS:
        # An explanation goes to the free-text grader; a 10,000-character formula or blob is not read at all.
        if len(_SYMBOLS.findall(answer)) > len(answer) / 3 or answer.count(" ") < len(answer) / 100:
            reason = f"the answer is {len(answer):,} characters with no sentence in it (a formula is read up to " \
                     f"{MAX_CHARS})"
            return Grade(Verdict.UNGRADABLE, info, reason=reason, feedback=f"Could not grade: {reason}.",
                         evidence=evidence)
        return None
    context = Context(submission.question, submission.answer_format, submission.references)
    compared = [(index, comparison) for index, reference in enumerate(submission.references)
                if (comparison := _compare(kind, answer, reference, context)) is not None]
    if not compared:
        return None
    index, best = max(compared, key=lambda entry: (entry[1].rank, entry[1].probability, -entry[0]))
    if best.verdict is Verdict.UNGRADABLE:
        reason = best.feedback
        return Grade(Verdict.UNGRADABLE, info, reason=reason, feedback=f"Could not grade: {reason}.",
                     evidence={**evidence, "typed_given": best.given})
    details = {f"typed_{name}": value for name, value in best.details.items() if _plain_value(value)}
    return Grade(
        verdict=best.verdict,
        grader=info,
        probability=best.probability,
        score=best.probability,
        feedback=f"{_LEAD[best.verdict]}: {best.feedback}",
        matched_reference=index,
        evidence={**evidence, "typed_expected": best.expected, "typed_given": best.given, **details},
    )


def _plain_value(value: Any) -> bool:
    """JSON-ready: a scalar, or a list of scalars (the values parsed from the answer)."""
    scalar = (str, int, float, bool, type(None))
    return isinstance(value, scalar) or isinstance(value, list) and all(isinstance(item, scalar) for item in value)


def _compare(kind: AnswerType, answer: str, reference: str, context: Context) -> Comparison | None:
    if kind is AnswerType.LIST:
        return compare_list(answer, reference, context) if len(split_items(reference)) > 1 else \
            compare_name(answer, reference, context)
    return _COMPARE[kind](answer, reference, context)


def warm_up_typed() -> None:
    """Loads what the first typed answer would wait for: pint's unit registry and sympy."""
    from quizzer.grading.offline.typed import units
    from quizzer.grading.offline.typed.mathparse import parse_formula

    units.warm_up()
    parse_formula("x")


def _dont_know(answer: str) -> bool:
    """Empty, "?", "no idea": the free-text grader's test, without taking "π" or "你好" (no Latin words) for one."""
    if not words_of.is_dont_know(answer):
        return False
    return bool(words_of.words(answer)) or not re.search(r"[^\W_]", answer)


def grade_typed_first(
    submissions: Sequence[Submission], info: GraderInfo, free_text: Callable[[list[Submission]], list[Grade]]
) -> list[Grade]:
    """Grades in input order: typed where the typed comparison decides, the rest by `free_text` in one batch."""
    typed = [grade_typed(submission, info) for submission in submissions]
    rest = [submission for submission, grade in zip(submissions, typed, strict=True) if grade is None]
    graded = iter(free_text(rest) if rest else [])
    return [grade if grade is not None else next(graded) for grade in typed]
