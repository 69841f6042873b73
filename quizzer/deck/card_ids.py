"""Card ids for imported cards: a short slug of the question, unique within one deck."""

from __future__ import annotations

import re
import unicodedata

from quizzer.core.resources import word_list

# Kept as data (quizzer/deck/data/slug_stopwords.txt); the importer's own list, not grading's.
_STOPWORDS = frozenset(word_list("quizzer.deck", "slug_stopwords.txt"))


def slugify(question: str, max_words: int = 6) -> str:
    """A short, stable id from a question's meaningful words: "Why is RNN-T big?" -> "rnn-t-big"."""
    ascii_text = unicodedata.normalize("NFKD", question).encode("ascii", "ignore").decode("ascii").lower()
    words = re.findall(r"[a-z0-9]+(?:-[a-z0-9]+)*", ascii_text)
    meaningful = [word for word in words if word not in _STOPWORDS] or words
    return "-".join(meaningful[:max_words]) or "card"


class IdMaker:
    """Hands out ids unique within one deck, appending -2, -3 ... on clashes."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def make(self, question: str, wanted: str | None = None) -> str:
        base = wanted or slugify(question)
        candidate, number = base, 2
        while candidate in self.used:
            candidate, number = f"{base}-{number}", number + 1
        self.used.add(candidate)
        return candidate
