"""The record of an eval run (run.json), its Markdown report with plots, and the terminal summary."""

from __future__ import annotations

import json
import re
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from quizzer.core.errors import InputFileError
from quizzer.core.jsonutil import json_default

if TYPE_CHECKING:
    from rich.table import Table

    from quizzer.evals.datasets import EvalDataset
    from quizzer.evals.runner import GraderRun

RECORD_FORMAT = "quizzer-eval/1"
RECORD_NAME = "run.json"
REPORT_NAME = "report.md"
DEFAULT_RUNS_DIR = "quizzer-evals"

# (figure key, label, format); the rows of every summary table.
FIGURE_ROWS: list[tuple[str, str, str]] = [
    ("accuracy", "accuracy", "{:.3f}"),
    ("macro_f1", "macro F1", "{:.3f}"),
    ("weighted_f1", "weighted F1", "{:.3f}"),
    ("kappa", "Cohen's kappa", "{:.3f}"),
    ("kappa_quadratic", "kappa (quadratic, 3-way)", "{:.3f}"),
    ("roc_auc", "ROC-AUC", "{:.3f}"),
    ("pearson", "Pearson r", "{:.3f}"),
    ("spearman", "Spearman rho", "{:.3f}"),
    ("ece", "calibration error (ECE)", "{:.3f}"),
    ("uncertain_rate", "uncertain band", "{:.1%}"),
    ("decided_accuracy", "accuracy when decided", "{:.3f}"),
    ("graded", "answers graded", "{}"),
    ("could_not_grade", "could not grade", "{}"),
]
LLM_ROWS: list[tuple[str, str, str]] = [
    ("escalation_rate", "LLM escalation rate", "{:.1%}"),
    ("calls", "LLM calls", "{}"),
    ("input_tokens", "LLM input tokens", "{}"),
    ("output_tokens", "LLM output tokens", "{}"),
    ("cost_usd", "LLM cost (USD)", "{:.4f}"),
    ("latency_median_s", "LLM latency, median (s)", "{:.2f}"),
]


def build_record(dataset: EvalDataset, runs: list[GraderRun], metrics: dict[str, dict[str, Any]],
                 source: str | None = None) -> dict[str, Any]:
    """The JSON record of a run: what was graded, by which graders with what settings, and every result."""
    unusable = [{"line": i.line, "id": i.id, "error": i.error} for i in dataset.items if i.error]
    entry = {
        "path": str(dataset.path),
        "source": source or str(dataset.path),
        "sha256": dataset.sha256,
        "label_field": dataset.label_field,
        "rows": len(dataset.items),
        "usable": len(dataset.usable),
        "three_way": dataset.has_partial,
        "numeric_gold": dataset.has_scores,
        "unusable": unusable,
        "unusable_rows": len(unusable),
    }
    graders = [
        {"spec": run.spec, "info": run.info, "seconds": run.seconds, "stats": run.stats, "in_sample": run.in_sample,
         "metrics": metrics[run.spec], "results": [result.to_dict() for result in run.results]}
        for run in runs
    ]
    return record_header(entry, graders)


def record_header(dataset: dict[str, Any], graders: list[dict[str, Any]]) -> dict[str, Any]:
    """A run record from its dataset entry and its graders' entries (with or without their results)."""
    from quizzer import __version__

    return {
        "format": RECORD_FORMAT,
        "quizzer_version": __version__,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "dataset": dataset,
        "graders": [
            {**grader, "info": asdict(grader["info"]), "seconds": round(grader["seconds"], 3)} for grader in graders
        ],
    }


def in_sample_note(record: dict[str, Any]) -> str | None:
    """A warning when a grader in the run was fitted on the evaluated file (None when none was)."""
    specs = [grader["spec"] for grader in record["graders"] if grader.get("in_sample")]
    if not specs:
        return None
    named = ", ".join(f"`{spec}`" for spec in specs)
    return (f"figures are in-sample: this grader was fitted on this file ({named}); they do not measure answers "
            "it has never seen (see the cross-validated figures in evals/README.md)")


def figures_only(record: dict[str, Any]) -> dict[str, Any]:
    """The record without per-item results: what `quizzer eval --json` prints."""
    return {**record, "graders": [{k: v for k, v in g.items() if k != "results"} for g in record["graders"]]}


def new_run_dir(base: Path, dataset_name: str) -> Path:
    """A fresh folder under `base`, named for the time and the dataset."""
    stamp = datetime.now().strftime("%Y-%m-%dT%H-%M-%S")
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", dataset_name).strip("-")[:40] or "run"
    candidate = base / f"{stamp}_{slug}"
    number = 2
    while candidate.exists():
        candidate = base / f"{stamp}_{slug}-{number}"
        number += 1
    return candidate


def write_run(record: dict[str, Any], folder: Path, result_files: Sequence[Path] | None = None,
              scores: dict[str, tuple[dict[str, Any], bool]] | None = None) -> dict[str, Path]:
    """Writes run.json, the plots and report.md into `folder`; returns their paths.

    `result_files` (one JSONL per grader) hold the results of a record that carries none (`quizzer eval` on a
    file: they are copied into run.json a line at a time); `scores` are then the histograms' values per grader."""
    from quizzer.evals.plots import write_plots

    folder.mkdir(parents=True, exist_ok=True)
    record_path = folder / RECORD_NAME
    if result_files is None:
        record_path.write_text(json.dumps(record, indent=1, default=json_default) + "\n", encoding="utf-8")
    else:
        _write_streamed_record(record, result_files, record_path)
    plots = write_plots(record, folder / "plots", scores)
    report_path = folder / REPORT_NAME
    report_path.write_text(markdown_report(record, {name: path.relative_to(folder) for name, path in plots.items()}),
                           encoding="utf-8")
    return {"record": record_path, "report": report_path, **plots}


def _write_streamed_record(record: dict[str, Any], result_files: Sequence[Path], record_path: Path) -> None:
    """run.json with each grader's results copied in from its file, never all in memory."""
    markers = [f"@@quizzer-results-{index}@@" for index in range(len(result_files))]
    shell = {**record, "graders": [{**grader, "results": marker}
                                   for grader, marker in zip(record["graders"], markers, strict=True)]}
    text = json.dumps(shell, indent=1, default=json_default) + "\n"
    with record_path.open("w", encoding="utf-8") as stream:
        for marker, result_file in zip(markers, result_files, strict=True):
            before, text = text.split(json.dumps(marker), 1)
            stream.write(before + "[")
            with result_file.open(encoding="utf-8") as results:
                for number, line in enumerate(results):
                    stream.write(("," if number else "") + "\n  " + line.rstrip("\n"))
            stream.write("\n ]")
        stream.write(text)


def load_record(path: str | Path) -> dict[str, Any]:
    """Reads a run record, given its folder or its run.json."""
    path = Path(path)
    if path.is_dir():
        path = path / RECORD_NAME
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputFileError(f"{path}: no such eval run", hint="give a folder written by `quizzer eval`") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputFileError(f"{path}: not an eval record: {error}") from None
    if not isinstance(record, dict) or record.get("format") != RECORD_FORMAT:
        raise InputFileError(f"{path}: not an eval record of format {RECORD_FORMAT}")
    return record


def format_figure(metrics: dict[str, Any], key: str, pattern: str, interval: bool = True) -> str:
    value = metrics.get(key)
    if value is None:
        return "n/a" if key != "cost_usd" else "unknown"
    text = pattern.format(value)
    bounds = (metrics.get("intervals") or {}).get(key)
    if interval and bounds:
        text += f" [{pattern.format(bounds[0])}, {pattern.format(bounds[1])}]"
    return text


def _present_rows(graders: list[dict[str, Any]]) -> list[tuple[str, str, str, str]]:
    """(section, key, label, format) of the figures at least one grader has."""
    rows = [("", *row) for row in FIGURE_ROWS if any(g["metrics"].get(row[0]) is not None for g in graders)]
    if any(g["metrics"].get("llm") for g in graders):
        rows += [("llm", *row) for row in LLM_ROWS]
    return rows


def _cell(grader: dict[str, Any], section: str, key: str, pattern: str) -> str:
    metrics = (grader["metrics"].get("llm") or {}) if section == "llm" else grader["metrics"]
    if section == "llm" and not metrics:
        return "-"
    return format_figure(metrics, key, pattern)


def summary_table(record: dict[str, Any]) -> Table:
    """One rich table: a column per grader, a row per figure, 95 % intervals in brackets."""
    from rich.table import Table

    graders = record["graders"]
    dataset = record["dataset"]
    table = Table(title=f"{Path(dataset['source']).name}: {dataset['usable']} labelled answers "
                        f"(95 % bootstrap intervals)")
    table.add_column("figure")
    for grader in graders:
        table.add_column(grader["spec"], justify="right")
    for section, key, label, pattern in _present_rows(graders):
        table.add_row(label, *[_cell(g, section, key, pattern) for g in graders])
    return table


def markdown_report(record: dict[str, Any], plots: dict[str, Path]) -> str:
    graders, dataset = record["graders"], record["dataset"]
    lines = [
        f"# Eval: {Path(dataset['source']).name}",
        "",
        f"- dataset: `{dataset['source']}` (sha256 `{dataset['sha256'][:16]}`), {dataset['rows']} rows, "
        f"{dataset['usable']} usable, gold from `{dataset['label_field']}`"
        + (f", **interrupted** after {dataset['interrupted']['rows']} rows" if dataset.get("interrupted") else "")
        + (" (3-way)" if dataset["three_way"] else "") + (", numeric scores" if dataset["numeric_gold"] else ""),
        f"- quizzer {record['quizzer_version']}, {record['created_at']}",
        *([f"- **warning: {note}**"] if (note := in_sample_note(record)) else []),
        "",
        "## Figures",
        "",
        "Correct vs not; an uncertain verdict counts by its probability (>= 0.5); 95 % bootstrap intervals.",
        "",
        "| figure | " + " | ".join(f"`{g['spec']}`" for g in graders) + " |",
        "|---|" + "---:|" * len(graders),
    ]
    for section, key, label, pattern in _present_rows(graders):
        lines.append(f"| {label} | " + " | ".join(_cell(g, section, key, pattern) for g in graders) + " |")
    lines += ["", "## Graders", ""]
    for grader in graders:
        info = grader["info"]
        lines.append(f"- `{grader['spec']}`: {info['name']} {info['version']}"
                     + (f", model `{info['model']}`" if info.get("model") else "")
                     + (f", settings `{json.dumps(info['params'], sort_keys=True)}`" if info.get("params") else "")
                     + f", {grader['seconds']:.1f} s")
    titles = {"reliability": "Reliability diagram", "histograms": "Scores by gold label",
              "confusion": "Confusion matrix", "threshold_sweep": "Threshold sweep"}
    for name, path in plots.items():
        lines += ["", f"## {titles.get(name, name)}", "", f"![{titles.get(name, name)}]({path.as_posix()})"]
    for key, title in (("by_category", "category"), ("by_deck", "deck")):
        lines += _breakdown_section(graders, key, f"By {title}")
    lines += _breakdown_section(graders, "by_question", "Hardest questions", worst=10)
    if dataset["unusable"]:
        lines += ["", f"## Rows left out ({dataset.get('unusable_rows', len(dataset['unusable']))})", ""]
        lines += [f"- line {row['line']} (`{row['id']}`): {row['error']}" for row in dataset["unusable"][:20]]
    return "\n".join(lines) + "\n"


def _breakdown_section(graders: list[dict], key: str, title: str, worst: int | None = None) -> list[str]:
    groups = sorted({name for g in graders for name in g["metrics"].get(key, {})})
    if len(groups) < 2:
        return []
    first = graders[0]["metrics"].get(key, {})
    if worst is not None:
        # The questions the first grader gets wrong most often, among those with a few answers.
        groups = sorted((n for n in groups if first.get(n, {}).get("n", 0) >= 3),
                        key=lambda n: first[n]["accuracy"])[:worst]
    lines = ["", f"## {title}", "", "accuracy (answers; graded correct, uncertain) per grader", "",
             "| group | " + " | ".join(f"`{g['spec']}`" for g in graders) + " |",
             "|---|" + "---:|" * len(graders)]
    for name in groups:
        cells = []
        for grader in graders:
            entry = grader["metrics"].get(key, {}).get(name)
            cells.append(f"{entry['accuracy']:.2f} ({entry['n']}; {entry.get('graded_correct', '?')} correct, "
                         f"{entry['uncertain']} uncertain)" if entry else "-")
        lines.append(f"| {name.replace('|', '/')} | " + " | ".join(cells) + " |")
    return lines
