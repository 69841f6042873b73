"""Text as it enters quizzer (answer files, deck files, standard input, the terminal, HTTP): one cleaning step.

Python hands us text that the tokenizer, SQLite's UTF-8 and JSON output cannot all take: lone surrogates
(a JSON `\\ud800` cut off mid-emoji, or bytes that were not UTF-8 kept by `surrogateescape`), NULs and other
control characters. `clean_text` makes any of it safe while keeping every readable character: what was not
text becomes U+FFFD, so a reader sees that something was there. Tab, newline and carriage return stay.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

REPLACEMENT = "\ufffd"
# One answer-size limit for every way an answer comes in (`grade`, `eval`, the quiz, the web page): longer
# answers are pastes, not recall, and would dominate a batch's encoding time.
ANSWER_MAX_CHARS = 10_000

# Lone surrogates (a UTF-8 string cannot hold them), C0 controls but tab/newline/CR, DEL, C1 controls.
_NOT_TEXT = re.compile("[\ud800-\udfff\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Bytes that were not UTF-8, as `errors="surrogateescape"` keeps them (U+DC80..U+DCFF).
_UNDECODED_BYTE = re.compile("[\udc80-\udcff]")


@dataclass(frozen=True)
class CleanText:
    """Text made safe, and how many characters were not text (replaced by U+FFFD)."""

    text: str
    replaced: int = 0
    undecoded_bytes: int = 0  # of those, bytes that were not UTF-8


def clean(text: str) -> CleanText:
    """The text with every lone surrogate and control character (but tab, newline, CR) replaced by U+FFFD."""
    undecoded = len(_UNDECODED_BYTE.findall(text))
    cleaned, replaced = _NOT_TEXT.subn(REPLACEMENT, text)
    return CleanText(cleaned, replaced, undecoded)


def clean_text(text: str) -> str:
    """`clean(text).text`: the one call at each boundary where text enters."""
    return _NOT_TEXT.sub(REPLACEMENT, text) if _NOT_TEXT.search(text) else text


def clean_value(value: Any) -> Any:
    """`clean_text` through a parsed record: every string in it, in lists and mappings (keys too), cleaned."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [clean_value(item) for item in value]
    if isinstance(value, dict):
        return {clean_value(key): clean_value(item) for key, item in value.items()}
    return value


def answer_too_long(answer: str) -> str | None:
    """The one message for an answer over ANSWER_MAX_CHARS, else None."""
    if len(answer) <= ANSWER_MAX_CHARS:
        return None
    return f"the answer is {len(answer):,} characters, over the limit of {ANSWER_MAX_CHARS:,}"


def decode_bytes(data: bytes) -> CleanText:
    """Bytes from outside as clean text: UTF-8 (a BOM dropped); bytes that are not UTF-8 become U+FFFD."""
    return clean(data.decode("utf-8", errors="surrogateescape").removeprefix("\ufeff"))
