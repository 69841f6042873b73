"""Rendering for `quizzer eval`, `compare` and `calibrate`: rich tables, one-object JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from quizzer.cli.render import console, error_console, print_warning

if TYPE_CHECKING:
    from quizzer.evals.calibrate import BandFit, Calibration

MAX_LISTED_ROWS = 10


def print_eval_summary(record: dict[str, Any], folder: Path, paths: dict[str, Path], as_json: bool) -> None:
    from quizzer.evals.report import figures_only, in_sample_note, summary_table

    unusable = record["dataset"]["unusable"]
    for row in unusable[:MAX_LISTED_ROWS]:
        print_warning(f"line {row['line']} ({row['id']}): left out: {row['error']}")
    left_out = record["dataset"].get("unusable_rows", len(unusable))
    if left_out > MAX_LISTED_ROWS:
        print_warning(f"{left_out - MAX_LISTED_ROWS} more rows left out (their results are in {paths['record']})")
    if note := in_sample_note(record):
        print_warning(note.replace("`", ""))
    if as_json:
        typer.echo(json.dumps({**figures_only(record), "run_dir": str(folder)}))
        error_console.print(f"wrote {folder}", highlight=False, soft_wrap=True)
        return
    console.print(summary_table(record))
    console.print(f"Report: {paths['report']}\nRecord: {paths['record']}", highlight=False, soft_wrap=True)


def print_interrupted(record: dict[str, Any], folder: Path) -> None:
    stopped = record["dataset"]["interrupted"]
    error_console.print(f"interrupted after {stopped['rows']:,} rows (line {stopped['line']}); the figures and {folder} "
                        "cover those rows only", highlight=False, soft_wrap=True)


def print_comparison(comparison: dict[str, Any], as_json: bool) -> None:
    from quizzer.evals.compare import render_comparison

    if as_json:
        typer.echo(json.dumps(comparison))
        return
    if not comparison["same_dataset"]:
        print_warning("the two runs graded different data (dataset hashes differ); items are matched by id")
    for side in ("only_in_a", "only_in_b"):
        if comparison[side]:
            print_warning(f"graders only in run {side[-1].upper()}: {', '.join(comparison[side])}")
    if not comparison["graders"]:
        print_warning("the runs have no grader in common")
    for renderable in render_comparison(comparison):
        console.print(renderable)


def _fit_dict(fit: BandFit) -> dict[str, Any]:
    return {"scope": fit.scope, "labels": fit.labels, "correct": fit.correct, "current": fit.current.as_dict(),
            "fitted": fit.fitted.as_dict() if fit.fitted else None, "notes": fit.notes,
            "changes": [{"setting": key, "from": old, "to": new} for key, old, new in fit.changes]}


def print_calibration(calibration: Calibration, values: dict[str, Any], config_path: Path, *,
                      written: bool, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps({
            "labels": calibration.labels, "left_out": calibration.left_out,
            "overall": _fit_dict(calibration.overall), "decks": [_fit_dict(fit) for fit in calibration.decks],
            "settings": values, "written": bool(written and values), "config_path": str(config_path),
        }))
        return
    from rich.table import Table

    console.print(f"Used {calibration.labels} labelled answers from your overrides"
                  + (f" ({calibration.left_out} left out: edited cards, unknown decks or ungradable)"
                     if calibration.left_out else "") + ".", highlight=False)
    for fit in (calibration.overall, *calibration.decks):
        table = Table(title=f"{fit.scope}: {fit.labels} labels, {fit.correct} correct")
        for column in ("setting", "current", "fitted"):
            table.add_column(column, justify="left" if column == "setting" else "right")
        fitted = fit.fitted.as_dict() if fit.fitted else {}
        for key, value in fit.current.as_dict().items():
            new = fitted.get(key)
            shown = "-" if new is None else (f"[bold]{new:g}[/]" if abs(new - value) > 1e-9 else f"{new:g}")
            table.add_row(key, f"{value:g}", shown)
        console.print(table)
        for note in fit.notes:
            console.print(f"  {note}", highlight=False)
    if not values:
        console.print("Nothing to change.")
    elif written:
        console.print(f"Wrote the new bands to {config_path}.", highlight=False, soft_wrap=True)
    else:
        console.print(f"Not written: run `quizzer calibrate --write` to save them to {config_path}.",
                      highlight=False, soft_wrap=True)
