"""Which kind of answer a card expects, from its `type:` field or else from its reference answers.

Detection is strict: a reference counts as a number, date, formula or code value only when it is one and
nothing else, so a sentence that merely contains a number ("The joint output is 4-D, B x T x U x V") stays
free text, as does anything longer than a short term.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from quizzer.core.types import AnswerFormat, AnswerType
from quizzer.grading.offline.typed.codevalues import code_tokens
from quizzer.grading.offline.typed.datafiles import word_set
from quizzer.grading.offline.typed.dates import parse_date
from quizzer.grading.offline.typed.expressions import looks_like_formula
from quizzer.grading.offline.typed.lists import split_items
from quizzer.grading.offline.typed.quantities import parse_quantity
from quizzer.grading.offline.typed.textutil import contains_phrase, plain, words
from quizzer.grading.offline.typed.yesno import polarity

MAX_NAME_WORDS = 5
MAX_NAME_CHARS = 60
MAX_ITEM_WORDS = 4
# Order of preference when a card's references are of several kinds ("red, green, blue" and "RGB").
_PREFERENCE = (AnswerType.LIST, AnswerType.EXPRESSION, AnswerType.CODE, AnswerType.DATE, AnswerType.NUMBER,
               AnswerType.YES_NO, AnswerType.NAME)
_LANGUAGES = re.compile(r"\b(?:python|javascript|typescript|java|ruby|rust|golang|php|perl|haskell|kotlin|swift|"
                        r"c\+\+|c#|sql|bash|lua|scala|node\.?js)\b", re.IGNORECASE)
_CODE_IN_QUESTION = re.compile(r"`[^`]+`|\w\([^)]*\)|\[[^\]]*\]|==|//|'[^']*'|\"[^\"]*\"")
_EVALUATES = re.compile(r"\b(?:evaluate|evaluates|return|returns|print|prints|output|outputs|result)\b", re.IGNORECASE)
_LITERAL = re.compile(r"""^\s*(?:'.*'|".*"|\[.*\]|\{.*\}|\(.*,.*\)|None|null|undefined|NaN|True|False)\s*$""",
                      re.DOTALL)


def detect_type(references: Sequence[str], question: str, answer_format: AnswerFormat = AnswerFormat()) -> AnswerType:
    """The card's answer type: its `type:`; a list where it sets `ordered`/`partial_credit`; else detected."""
    if answer_format.type:
        return AnswerType(answer_format.type)
    if answer_format.ordered or answer_format.partial_credit:
        return AnswerType.LIST
    return _detected(tuple(references), question, bool(answer_format.tolerance))


@lru_cache(maxsize=2048)
def _detected(references: tuple[str, ...], question: str, tolerance: bool) -> AnswerType:
    kinds = {reference_type(reference, question) for reference in references}
    if tolerance and kinds <= {AnswerType.NUMBER}:
        return AnswerType.NUMBER
    if not kinds or AnswerType.TEXT in kinds:
        return AnswerType.TEXT
    return next(kind for kind in _PREFERENCE if kind in kinds)


def reference_type(reference: str, question: str) -> AnswerType:
    """What one reference answer is, read strictly."""
    text = plain(reference).rstrip(".")
    if not text or len(text) > 200 or not question.strip():
        return AnswerType.TEXT  # no question (a similarity pair, not a flashcard): nothing to read a type from
    if _asks_about_code(question) and len(text) <= 60 and code_tokens(text) is not None and not _sentence(text):
        return AnswerType.CODE
    if polarity(text) is not None and len(words(text)) <= 2:
        return AnswerType.YES_NO
    if _LITERAL.match(text) and code_tokens(text) is not None:
        return AnswerType.CODE
    if _is_date(text, question):
        return AnswerType.DATE
    if parse_quantity(text) is not None:
        return AnswerType.NUMBER
    if looks_like_formula(text) and len(text.split()) <= 12:
        return AnswerType.EXPRESSION
    # A why or how question wants an explanation, however short its reference ("The rubber band vibrates.").
    if contains_phrase(question, "question_explain") and not contains_phrase(question, "question_vocabulary"):
        return AnswerType.TEXT
    if _is_list(text, question):
        return AnswerType.LIST
    if _is_term(text) and not (len(words(text)) >= 3 and plain(reference).endswith(".")):
        return AnswerType.NAME
    return AnswerType.TEXT


def _asks_about_code(question: str) -> bool:
    """"In Python, what does 7 // 2 evaluate to?": a language or a piece of code, and a verb of evaluation."""
    return bool(_EVALUATES.search(question)) and bool(_LANGUAGES.search(question) or _CODE_IN_QUESTION.search(question))


def _is_date(text: str, question: str) -> bool:
    value = parse_date(text, year_alone=True)
    if value is None:
        return False
    if value.month is not None:
        return True
    year = re.fullmatch(r"\d{3,4}(?:\s*(?:AD|BC|CE|BCE))?", text)
    return year is not None and contains_phrase(question, "question_year")


def _is_list(text: str, question: str) -> bool:
    items = split_items(text)
    separated = len(re.findall(r"[,;\n]", text))
    if len(items) < 2 or not all(_is_term(item, MAX_ITEM_WORDS) or parse_quantity(item) for item in items):
        return False
    return separated >= 2 or (len(items) >= 2 and contains_phrase(question, "question_list") and separated >= 1)


def _is_term(text: str, max_words: int = MAX_NAME_WORDS) -> bool:
    """A name or term: a few words, no clause ("Jane Austen", "the Treaty of Versailles", "thank you")."""
    found = words(text)
    return (0 < len(found) <= max_words and len(text) <= MAX_NAME_CHARS and not _sentence(text)
            and not re.search(r"[()\[\]{}|=<>:;!?]", text))


def _sentence(text: str) -> bool:
    return any(word in word_set("sentence_words") for word in words(text))
