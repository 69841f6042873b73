"""What the quiz shows: the question, the grade, the keys, the summary (rich in a terminal, plain text on a pipe)."""

from __future__ import annotations

from datetime import datetime

from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from quizzer.core.types import Rating, Verdict
from quizzer.quiz_text import describe_due, matched_reference, reflow, summary_rows
from quizzer.session import Outcome, QueueItem, Summary

VERDICT_STYLE = {
    Verdict.CORRECT: "bold green",
    Verdict.PARTIAL: "bold yellow",
    Verdict.INCORRECT: "bold red",
    Verdict.UNCERTAIN: "bold magenta",
    Verdict.UNGRADABLE: "bold magenta",
}
ANSWER_KEYS = "Enter submit · Esc then Enter new line · empty or ? shows the answer · Ctrl-D quit"


def question_panel(item: QueueItem, number: int, total: int) -> Panel:
    flags = [label for label, on in (("new", item.is_new), ("edited since last seen", item.edited)) if on]
    subtitle = " · ".join([item.deck, item.card.id, *flags])
    return Panel(
        Text(item.card.question, style="bold"),
        title=f"Question {number} of {total}",
        title_align="left",
        subtitle=escape(subtitle),
        subtitle_align="right",
        border_style="cyan",
    )


def grade_panel(outcome: Outcome, now: datetime) -> Panel:
    grade = outcome.grade
    card = outcome.item.card
    lines: list[Text] = []
    if outcome.kind == "reveal":
        head = Text("Revealed without answering", style="bold red")
    else:
        head = Text(grade.verdict.value.upper(), style=VERDICT_STYLE[grade.verdict])
        if grade.probability is not None:
            head.append(f"   probability correct {grade.probability:.0%}", style="default")
        head.append(f"   [{grade.decided_by or grade.grader.name}]", style="dim")
    lines.append(head)
    if grade.feedback and outcome.kind == "answer":
        lines.append(Text(grade.feedback, style="italic"))
    if grade.reason and grade.verdict is Verdict.UNGRADABLE:
        lines.append(Text(f"Why: {grade.reason}", style="magenta"))
    for point in grade.covered_key_points:
        lines.append(Text.assemble(("  ✓ ", "green"), point))
    contradicted = set(grade.contradicted_key_points)
    for point in grade.missing_key_points:
        lines.append(Text.assemble(("  ✗ ", "red"), point,
                                   (" (contradicted)", "bold red") if point in contradicted else (" (missing)", "dim")))
    lines.append(Text(""))
    lines.append(Text.assemble(("Reference: ", "bold"), matched_reference(outcome)))
    if card.notes:
        lines.append(Text.assemble(("Notes: ", "bold dim"), (reflow(card.notes), "dim")))
    lines.append(Text(""))
    lines.append(_rating_line(outcome, now))
    return Panel(Group(*lines), title="Grade", title_align="left", border_style=_border(outcome))


def decision_keys(outcome: Outcome) -> str:
    if outcome.needs_decision:
        return "Decide: r right · p partly right · w wrong · s skip · q quit (leaves it undecided)"
    if outcome.kind == "reveal":
        return "Enter next (recorded as Again) · s skip · q quit"
    return f"Enter accept ({_name(outcome.rating)}) · r mark right · w mark wrong · s skip · q quit"


def decided_line(action: str, rating: Rating | None) -> str:
    return f"{action}: {_name(rating)}" if rating is not None else action


def summary_panel(summary: Summary, now: datetime, reason: str) -> Panel:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    for label, value in summary_rows(summary, now):
        table.add_row(label, value)
    return Panel(table, title=f"Session summary ({reason})", title_align="left", border_style="blue")


def print_plain_grade(console: Console, outcome: Outcome, now: datetime) -> None:
    """One grade as plain lines, for scripted (piped) sessions."""
    grade = outcome.grade
    if outcome.kind == "reveal":
        verdict = "revealed"
    else:
        probability = f" (p={grade.probability:.2f})" if grade.probability is not None else ""
        verdict = f"{grade.verdict.value}{probability}"
    console.print(f"grade: {verdict}", highlight=False)
    if grade.reason and grade.verdict is Verdict.UNGRADABLE:
        console.print(f"why: {grade.reason}", highlight=False)
    contradicted = set(grade.contradicted_key_points)
    for point in grade.missing_key_points:
        console.print(f"{'contradicted' if point in contradicted else 'missing'}: {point}", highlight=False)
    console.print(f"reference: {matched_reference(outcome)}", highlight=False)
    console.print(_rating_line(outcome, now).plain, highlight=False)


def _rating_line(outcome: Outcome, now: datetime) -> Text:
    if outcome.needs_decision:
        return Text("Not scheduled until you decide: was it right?", style="bold magenta")
    line = Text.assemble(("Will record: ", "bold"), (_name(outcome.rating), "bold"))
    if outcome.due is not None:
        line.append(f" (due again {describe_due(outcome.due, now)})")
    elif outcome.cram:
        line.append(" (cram: the schedule is not changed)")
    return line


def _border(outcome: Outcome) -> str:
    if outcome.kind == "reveal":
        return "red"
    return VERDICT_STYLE[outcome.grade.verdict].replace("bold ", "")


def _name(rating: Rating | None) -> str:
    return rating.name.capitalize() if rating is not None else "undecided"
