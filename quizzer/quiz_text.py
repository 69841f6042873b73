"""The quiz in words, for any screen: when a card is due again, the session summary's rows, the reference a
grade matched, a card's notes reflowed. The terminal (`quizzer.cli.quiz_render`) and the web page
(`quizzer.web`) show the same text."""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # nothing imported at run time: `quizzer decks show` reflows notes too
    from quizzer.session import Outcome, Summary


def describe_due(due: datetime, now: datetime) -> str:
    seconds = (due - now).total_seconds()
    if seconds <= 0:
        return "now"
    if seconds < 30:
        return "in under a minute"
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        # Rounded, so a 1-minute step measured a few milliseconds later still reads "1 minute".
        if seconds >= size * 0.95:
            count = round(seconds / size)
            return f"in {count} {unit}{'s' if count != 1 else ''}"
    return "in under a minute"


def summary_rows(summary: Summary, now: datetime) -> list[tuple[str, str]]:
    rows = [
        ("Reviewed", f"{summary.reviewed} ({summary.answered} answered, {summary.revealed} revealed)"),
        ("Verdicts", f"{summary.correct} correct · {summary.partial} partial · {summary.incorrect} incorrect"
                     + (f" · {summary.undecided} undecided" if summary.undecided else "")),
    ]
    if summary.by_rating:
        rows.append(("Ratings", " · ".join(f"{count} {name}" for name, count in summary.by_rating.items())))
    if summary.overridden or summary.settled or summary.skipped:
        calls = [f"{summary.overridden} overridden"]
        calls += [f"{summary.settled} uncertain settled"] if summary.settled else []
        rows.append(("Your calls", " · ".join([*calls, f"{summary.skipped} skipped"])))
    if summary.left_in_queue:
        rows.append(("Not reached", f"{summary.left_in_queue} card(s); they stay due"))
    if summary.cram:
        rows.append(("Cram", "reviews recorded; the schedule was not changed"))
    if summary.next_due is not None:
        rows.append(("Next due", describe_due(summary.next_due, now)))
    return rows


def matched_reference(outcome: Outcome) -> str:
    """The reference the grade matched (the card's first when it names none)."""
    card = outcome.item.card
    index = outcome.grade.matched_reference
    return card.references[index] if index is not None and 0 <= index < len(card.references) else card.reference


def reflow(text: str) -> str:
    """Joins hard-wrapped lines into paragraphs so the screen wraps them; list items keep their lines."""
    paragraphs = []
    for paragraph in re.split(r"\n\s*\n", text.strip()):
        lines = paragraph.splitlines()
        is_list = any(re.match(r"^\s*([-*•]|\d+[.)])\s", line) for line in lines)
        paragraphs.append("\n".join(lines) if is_list else " ".join(line.strip() for line in lines))
    return "\n\n".join(paragraphs)
