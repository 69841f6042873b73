"""Spells out a learner's shorthand before the answer is encoded and compared.

Interview answers come in notes-speak: "enc + pred net -> joiner", "OOM w/ big batches", "teacher->student KD".
MiniLM splits "enc" and "KD" into word pieces that match nothing in a reference that says "encoder" and
"knowledge distillation", so a right answer in shorthand looked wrong. Two rewrites, both meaning-preserving:

- common note-taking abbreviations and arrows become their words ("w/" with, "mem" memory, "->" to);
- an acronym the card spells out becomes those words: "KD" is "knowledge distillation" when the card's question,
  references or key points contain "knowledge distillation" and never "KD" itself (where the card uses the acronym,
  the learner's acronym already matches it).

Only the text that is graded changes; the learner's own words are what the quiz shows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from quizzer.core.resources import data_json, word_list
from quizzer.core.types import Submission
from quizzer.grading.offline.text import NEGATION_CUES, STOPWORDS

# Whole-word abbreviations of note-taking, general and technical ("approx." too). Words and ambiguous ones are
# left out: "arch" and "dims" (English words), "prob" (probably or probability), "diff" (different or difference),
# "min" (minimum or minute), "ex" (former), "w" (a weight matrix), "dep" (dependency). Kept as data.
ABBREVIATIONS: dict[str, str] = data_json("quizzer.grading.offline", "abbreviations.json")
# Slash forms, lower case only ("B/C" is two bulbs), which may touch the next word ("w/big batches");
# "w/o" first, and only before a non-letter.
_SLASHED = re.compile(r"(?<![\w/])(?:(w/o|b/c|b/w)(?![A-Za-z])|(w/))")
_SLASHED_WORDS = {"w/o": "without", "b/c": "because", "b/w": "between", "w/": "with "}
# Arrows read as "to" ("fp32 -> int8", "teacher->student"); "&" as "and".
_ARROW = re.compile(r"\s*(?:-->|->|=>|→|⇒)\s*")
_AMPERSAND = re.compile(r"\s+&\s+")
# A trailing dot is the abbreviation's when the sentence goes on in lower case ("cond. indep. given x").
_ABBREVIATION = re.compile(
    r"(?<![\w/.])(" + "|".join(sorted((re.escape(key) for key in ABBREVIATIONS), key=len, reverse=True))
    + r")(?:\.(?=\s+(?-i:[a-z(])))?(?![\w/])",
    re.IGNORECASE,
)
_SPACES = re.compile(r"(?<=\S) {2,}")
# Words an acronym's run of words may not start or end with (data/acronym_run_edges.txt): narrower than the
# stopword list on purpose, which also holds words that begin real terms ("one-hot encoding", "use case").
_STOPS = frozenset(word_list("quizzer.grading.offline", "acronym_run_edges.txt"))
_PHRASE_BREAK = re.compile(r"[.,;:!?()\[\]{}/=+*|]")
# An acronym: two to six letters, at least two of them capitals, nothing lower-case before the first capital.
_ACRONYM = re.compile(r"\b[A-Z][A-Za-z]{1,5}s?\b")
_CARD_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*")


def graded_answer(submission: Submission) -> str:
    """The text of a submission's answer that the grader encodes and compares: its shorthand spelled out."""
    return spell_out(submission.answer, (submission.question, *submission.references, *submission.key_points))


def spell_out(answer: str, card_texts: Iterable[str] = ()) -> str:
    """The answer with note-taking shorthand and the card's acronyms written out (see the module's doc)."""
    card = tuple(card_texts)
    text = _ARROW.sub(" to ", answer)
    text = _SLASHED.sub(lambda match: _SLASHED_WORDS[match.group(1) or match.group(2)], text)
    text = _AMPERSAND.sub(" and ", text)
    text = _ABBREVIATION.sub(lambda match: ABBREVIATIONS[match.group(1).lower()], text)
    expansions = _acronyms(card)
    letters = [character for character in answer if character.isalpha()]
    # An answer in capitals throughout is shouting, not a run of acronyms ("IN MOBILE ROUTING").
    shouting = sum(character.isupper() for character in letters) > len(letters) / 2
    if expansions and not shouting:
        text = _ACRONYM.sub(lambda match: _expand(match.group(0), expansions), text)
    return _SPACES.sub(" ", text)


def _expand(token: str, expansions: dict[str, str]) -> str:
    if token.lower() in STOPWORDS or token.lower() in NEGATION_CUES:
        # A word in capitals is emphasis, not an acronym: "It is NOT 4-D" keeps its "not".
        return token
    plural = token.endswith("s") and token[:-1].isupper()
    key = (token[:-1] if plural else token).upper()
    if sum(character.isupper() for character in token) < 2 or key not in expansions:
        return token
    return expansions[key] + ("s" if plural else "")


@lru_cache(maxsize=1024)  # one card's answers share it
def _acronyms(card: tuple[str, ...]) -> dict[str, str]:
    """Initials of every run of two to six words in the card, mapped to those words, unless the card itself
    uses the initials as a word (then the learner's acronym matches the card's as it is)."""
    used = {word.upper() for text in card for word in _CARD_WORD.findall(text) if sum(c.isupper() for c in word) >= 2}
    found: dict[str, str] = {}
    for text in card:
        # Within one phrase; hyphenated words give an initial each ("real-time factor" is RTF).
        for phrase in _PHRASE_BREAK.split(text.replace("-", " ")):
            words = _CARD_WORD.findall(phrase)
            for start in range(len(words)):
                for length in range(2, 7):
                    run = words[start : start + length]
                    if len(run) < length:
                        break
                    if run[0].lower() in _STOPS or run[-1].lower() in _STOPS:
                        continue
                    initials = "".join(word[0] for word in run).upper()
                    if initials not in used:
                        found.setdefault(initials, " ".join(run))
    return found
