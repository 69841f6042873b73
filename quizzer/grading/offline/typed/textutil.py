"""Text helpers shared by the comparisons: Unicode clean-up, folding for comparison, filler and negation words."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from quizzer.grading.offline.typed.datafiles import phrases, word_set

# Typographic forms people paste, mapped to what they type.
_PLAIN = str.maketrans({
    "’": "'", "‘": "'", "ʼ": "'", "`": "'", "“": '"', "”": '"', "„": '"', "«": '"', "»": '"',
    "−": "-", "–": "-", "—": "-", "‐": "-", "‑": "-", "\u00a0": " ", "\u202f": " ", "\u2009": " ",
})
_WORD = re.compile(r"[^\W_]+(?:['-][^\W_]+)*", re.UNICODE)


def plain(text: str) -> str:
    """The text with typographic quotes, dashes and spaces made plain, and surrounding space removed."""
    return unicodedata.normalize("NFC", text).translate(_PLAIN).strip()


@lru_cache(maxsize=4096)
def fold(text: str) -> str:
    """Lower case, no accents, punctuation as spaces: the form names and terms are compared in."""
    decomposed = unicodedata.normalize("NFKD", plain(text).casefold())
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(match.group(0).replace("'", "") for match in _WORD.finditer(bare.replace("-", " ")))


def words(text: str) -> list[str]:
    """Folded words."""
    return fold(text).split()


def has_negation(text: str) -> bool:
    lowered = plain(text).lower()
    return any(word in word_set("negations") for word in re.findall(r"[a-z']+", lowered)) or "n't" in lowered


def contains_phrase(text: str, listed: str) -> bool:
    """Whether the folded text holds one of the phrases of word list `listed` as whole words."""
    folded = f" {fold(text)} "
    return any(f" {' '.join(phrase)} " in folded for phrase in phrases(listed))


def residual_words(answer: str, question: str, keep: frozenset[str] = frozenset()) -> list[str]:
    """The answer's words that are neither in the question nor filler ("It's Canberra, I think" -> ["canberra"]).

    What is left is the answer proper when the learner wrapped it in a sentence; words in `keep` (the
    reference's own words) are never dropped.
    """
    dropped = (frozenset(words(question)) | word_set("filler")) - keep
    return [word for word in words(answer) if word not in dropped]


def looks_symbolic(text: str) -> bool:
    """Mostly symbols, hardly any words ("9**9**9**9", "__import__('os')"): meant as a formula or as code, not
    as a sentence."""
    symbols = len(re.findall(r"[()\[\]{}_.'\"=+*/^\\;:@!|<>-]", text))
    long_words = len(re.findall(r"[^\W\d_]{3,}", text))
    return symbols >= 1 and long_words == 0 or symbols >= 3 and long_words <= max(3, symbols // 10)
