"""What changed between two eval runs: figures with their intervals, and the answers whose verdict flipped."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from quizzer.evals.columns import forced_correct
from quizzer.evals.report import FIGURE_ROWS, format_figure
from quizzer.evals.runner import ItemResult

if TYPE_CHECKING:
    from rich.console import RenderableType


def compare_records(first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any]:
    """Figures side by side for every grader both runs hold, and the items each one graded differently."""
    graders_a = {g["spec"]: g for g in first["graders"]}
    graders_b = {g["spec"]: g for g in second["graders"]}
    same_data = first["dataset"]["sha256"] == second["dataset"]["sha256"]
    comparison: dict[str, Any] = {
        "a": {"source": first["dataset"]["source"], "sha256": first["dataset"]["sha256"],
              "created_at": first["created_at"]},
        "b": {"source": second["dataset"]["source"], "sha256": second["dataset"]["sha256"],
              "created_at": second["created_at"]},
        "same_dataset": same_data,
        "only_in_a": [spec for spec in graders_a if spec not in graders_b],
        "only_in_b": [spec for spec in graders_b if spec not in graders_a],
        "graders": [],
    }
    for spec in (spec for spec in graders_a if spec in graders_b):
        a, b = graders_a[spec], graders_b[spec]
        figures = []
        for key, label, _ in FIGURE_ROWS:
            value_a, value_b = a["metrics"].get(key), b["metrics"].get(key)
            if value_a is None and value_b is None:
                continue
            figures.append({
                "figure": key, "label": label, "a": value_a, "b": value_b,
                "a_interval": (a["metrics"].get("intervals") or {}).get(key),
                "b_interval": (b["metrics"].get("intervals") or {}).get(key),
                "delta": None if value_a is None or value_b is None else value_b - value_a,
            })
        flipped = flipped_items(a["results"], b["results"], by_line=same_data)
        comparison["graders"].append({
            "spec": spec,
            "versions": [a["info"]["version"], b["info"]["version"]],
            "settings_changed": a["info"] != b["info"],
            "figures": figures,
            "flipped": flipped,
            "fixed": sum(item["change"] == "fixed" for item in flipped),
            "broken": sum(item["change"] == "broken" for item in flipped),
        })
    return comparison


def flipped_items(results_a: list[dict], results_b: list[dict], by_line: bool) -> list[dict[str, Any]]:
    """Answers whose verdict differs; "fixed" when B now agrees with gold (correct vs not) and A did not."""

    def key(result: dict) -> str:
        # On the same file the line identifies a row even when ids repeat; across files only the id can.
        return f"{result['line']}:{result['id']}" if by_line else str(result["id"])

    previous = {key(result): result for result in results_a}
    flipped = []
    for data_b in results_b:
        data_a = previous.get(key(data_b))
        if data_a is None or data_a["verdict"] == data_b["verdict"] or data_b["gold_label"] is None:
            continue
        item_a, item_b = ItemResult.from_dict(data_a), ItemResult.from_dict(data_b)
        gold = item_b.gold_label == "correct"
        right_a = item_a.verdict != "could not grade" and forced_correct(item_a) == gold
        right_b = item_b.verdict != "could not grade" and forced_correct(item_b) == gold
        change = "fixed" if right_b and not right_a else "broken" if right_a and not right_b else "changed"
        flipped.append({
            "id": item_b.id, "line": item_b.line, "gold_label": item_b.gold_label,
            "a_verdict": item_a.verdict, "b_verdict": item_b.verdict,
            "a_probability": item_a.probability, "b_probability": item_b.probability, "change": change,
        })
    return flipped


def render_comparison(comparison: dict[str, Any], max_items: int = 25) -> list[RenderableType]:
    """Rich tables: one of figures per grader, one of flipped answers."""
    from rich.table import Table

    renderables: list[RenderableType] = []
    for grader in comparison["graders"]:
        table = Table(title=f"{grader['spec']}: A vs B (95 % bootstrap intervals)")
        for column in ("figure", "A", "B", "B - A"):
            table.add_column(column, justify="left" if column == "figure" else "right")
        patterns = {key: pattern for key, _, pattern in FIGURE_ROWS}
        for figure in grader["figures"]:
            pattern = patterns[figure["figure"]]
            cell_a = format_figure({figure["figure"]: figure["a"], "intervals": {figure["figure"]: figure["a_interval"]}},
                                   figure["figure"], pattern)
            cell_b = format_figure({figure["figure"]: figure["b"], "intervals": {figure["figure"]: figure["b_interval"]}},
                                   figure["figure"], pattern)
            delta = "n/a" if figure["delta"] is None else f"{figure['delta']:+.3f}"
            table.add_row(figure["label"], cell_a, cell_b, delta)
        renderables.append(table)
        flipped = grader["flipped"]
        if not flipped:
            renderables.append(f"{grader['spec']}: no verdict changed.")
            continue
        items = Table(title=f"{grader['spec']}: {len(flipped)} verdicts changed "
                            f"({grader['fixed']} fixed, {grader['broken']} broken)")
        for column in ("id", "gold", "A", "B", "change"):
            items.add_column(column)
        for item in flipped[:max_items]:
            items.add_row(item["id"], item["gold_label"], _verdict(item, "a"), _verdict(item, "b"), item["change"])
        if len(flipped) > max_items:
            items.caption = f"{len(flipped) - max_items} more in the JSON output (--json)"
        renderables.append(items)
    return renderables


def _verdict(item: dict[str, Any], side: str) -> str:
    probability = item[f"{side}_probability"]
    verdict = item[f"{side}_verdict"]
    return verdict if probability is None else f"{verdict} ({probability:.2f})"
