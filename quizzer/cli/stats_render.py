"""Rich rendering of mastery stats, card histories and the due forecast chart (no logic: quizzer.mastery decides)."""

from __future__ import annotations

from datetime import timedelta

from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from quizzer.cli.render import console
from quizzer.mastery import ForecastDay, GroupStats, MasteryReport
from quizzer.review_log import HistoryEntry

RATING_NAMES = {1: "Again", 2: "Hard", 3: "Good", 4: "Easy"}
BAR_WIDTH = 40


def percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.0f}%"


def print_report(report: MasteryReport) -> None:
    if report.decks_without_file:
        console.print(f"[dim]deck files not found (figures from the database): {escape(', '.join(report.decks_without_file))}[/]")
    if report.empty:
        new = report.total.new
        console.print(
            Panel(
                f"No reviews yet{f' ({new} new cards waiting)' if new else ''}. Start with [bold]quizzer quiz[/].",
                title="mastery",
                expand=False,
            )
        )
        if report.decks:
            console.print(group_table("decks", report.decks, report.total))
        return
    streak = f"{report.streak_days} UTC day{'s' if report.streak_days != 1 else ''}"
    if report.streak_days and not report.reviewed_today:
        streak += " (review today to keep it)"
    console.print(f"[bold]Mastery[/] on {report.now:%Y-%m-%d %H:%M} UTC · streak {streak}")
    decks = group_table("decks", report.decks, report.total)
    decks.caption = (
        "due: by the end of today (UTC) · 7d: within a week · recall: mean chance of recalling a studied card now"
        " · kept: share of the last 30 days' reviews not rated Again"
    )
    console.print(decks)
    if report.tags:
        console.print(group_table("tags", report.tags, None))
    console.print(forecast_chart(report.forecast))
    if report.hardest:
        console.print(hardest_table(report))
    if report.overrides:
        console.print(overrides_table(report))


def group_table(title: str, groups: list[GroupStats], total: GroupStats | None) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column(title[:-1], no_wrap=True, max_width=16)
    # Short headings keep the table one line per row on an 80-column terminal; the README explains them.
    for heading in ("cards", "new", "learn", "due", "7d", "recall", "kept 30d"):
        table.add_column(heading, justify="right", no_wrap=True, min_width=len(heading))
    rows = [*groups, total] if total is not None and len(groups) > 1 else groups
    for group in rows:
        table.add_row(
            escape(group.name) if group is not total else "[bold]all[/]",
            str(group.cards),
            str(group.new),
            str(group.learning),
            str(group.due_today),
            str(group.due_week),
            percent(group.mastery),
            percent(group.retention_30d),
        )
    return table


def forecast_chart(days: list[ForecastDay]) -> Panel:
    """One bar per day; day 0 includes the overdue cards."""
    most = max((day.due for day in days), default=0)
    lines = []
    for index, day in enumerate(days):
        width = round(BAR_WIDTH * day.due / most) if most else 0
        label = "today" if index == 0 else f"{day.day:%a %m-%d}"
        lines.append(Text.assemble(f"{label:>9} ", ("█" * width, "cyan"), f" {day.due}" if day.due else " ·"))
    return Panel(Text("\n").join(lines), title="due in the next 14 days", title_align="left", expand=False)


def hardest_table(report: MasteryReport) -> Table:
    table = Table(title="hardest cards", title_justify="left")
    for heading, justify in (("card", "left"), ("question", "left"), ("lapses", "right"), ("recall now", "right")):
        table.add_column(heading, justify=justify)  # type: ignore[arg-type]
    for card in report.hardest:
        question = card.question if len(card.question) <= 60 else card.question[:59] + "…"
        table.add_row(escape(f"{card.deck}/{card.card_id}"), escape(question), str(card.lapses), percent(card.retrievability))
    return table


def overrides_table(report: MasteryReport) -> Table:
    table = Table(title="your overrides, per grader", title_justify="left")
    for heading in ("grader", "graded", "overridden", "marked right", "marked wrong", "uncertain settled"):
        table.add_column(heading, justify="left" if heading == "grader" else "right")
    for row in report.overrides:
        table.add_row(
            escape(row.grader),
            str(row.graded),
            f"{row.overridden} ({percent(row.override_rate)})",
            str(row.marked_right),
            str(row.marked_wrong),
            str(row.settled_uncertain),
        )
    return table


def interval_text(interval: timedelta | None) -> str:
    if interval is None:
        return "-"
    minutes = interval.total_seconds() / 60
    if minutes < 60:
        return f"{minutes:.0f} min"
    if minutes < 24 * 60:
        return f"{minutes / 60:.1f} h"
    return f"{minutes / (24 * 60):.1f} days"


def print_history(deck: str, card_id: str, entries: list[HistoryEntry]) -> None:
    if not entries:
        console.print(f"No reviews of {escape(deck)}/{escape(card_id)} yet.")
        return
    table = Table(title=f"history of {deck}/{card_id}", title_justify="left", show_lines=True)
    for heading in ("when (UTC)", "answer", "grade", "decision", "rating", "next interval"):
        table.add_column(heading, overflow="fold")
    for entry in entries:
        record = entry.record
        probability = f" p={record.probability:.2f}" if record.probability is not None else ""
        grade = f"{record.verdict}{probability}\n[dim]{escape(record.grader)} {escape(record.grader_version)}[/]"
        decision = "-"
        if record.decision_kind:
            decision = f"{record.decision_kind}: {record.final_verdict}"
        answer = "[dim](revealed)[/]" if record.kind == "reveal" else escape(record.answer)
        rating = RATING_NAMES.get(record.rating or 0, "none")
        if record.cram:
            rating += " [dim](cram)[/]"
        table.add_row(record.review_time[:16].replace("T", " "), answer, grade, decision, rating, interval_text(entry.interval))
    console.print(table)
