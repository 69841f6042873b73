"""Comparing a yes/no or true/false answer: "yes", "yep", "true", "correct", "it is" against "no", "nope",
"false", "not at all", "it isn't"; an answer that says neither is left to the free-text grader."""

from __future__ import annotations

from quizzer.grading.offline.typed.datafiles import phrases
from quizzer.grading.offline.typed.outcome import Comparison, Context, right, wrong
from quizzer.grading.offline.typed.textutil import fold, plain


def polarity(text: str) -> bool | None:
    """True for yes, False for no, None when the text says neither, or both with no clear first."""
    folded = fold(text).split()
    if not folded:
        return None
    entries = sorted(((phrase, answer) for answer in (True, False) for phrase in phrases("yes" if answer else "no")),
                     key=lambda entry: -len(entry[0]))
    if len(folded) <= 2:  # "y", "n", "t", "f" only alone
        for phrase, answer in entries:
            if tuple(folded) == phrase:
                return answer
    found: list[tuple[int, bool, bool]] = []  # (position, answer, strong)
    position = 0
    while position < len(folded):
        for phrase, answer in entries:
            if len(phrase[0]) > 1 and tuple(folded[position:position + len(phrase)]) == phrase:
                found.append((position, answer, phrase[0] not in _WEAK))
                position += len(phrase)
                break
        else:
            position += 1
    strong = [entry for entry in found if entry[2]]
    if strong:
        first = strong[0]
        hedged = any(answer != first[1] and position <= first[0] + 2 for position, answer, _ in strong)
        return None if hedged else first[1]
    # "it is" alone is a yes; "they are immutable" is a claim for the free-text grader to read
    return found[0][1] if len(found) == 1 and found[0][0] == 0 and len(folded) <= 3 and folded[-1] in _VERBS else None


_VERBS = frozenset({"is", "are", "does", "do", "can", "was", "were", "isnt", "arent", "doesnt", "cant", "wasnt"})


# "it is", "they are": a yes only at the start and only without a stronger word ("it is false").
_WEAK = frozenset({"it", "its", "they", "that", "thats"})


def compare_yes_no(answer: str, reference: str, context: Context) -> Comparison | None:
    expected = polarity(reference)
    given = polarity(answer)
    if expected is None or given is None:
        return None
    shown, said = plain(reference), ("yes" if given else "no")
    if expected == given:
        return right(shown, said, f"{shown.capitalize()}.")
    return wrong(shown, said, f"You said {said}; the answer is {shown}.")
