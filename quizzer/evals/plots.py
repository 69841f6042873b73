"""PNG plots of an eval run (matplotlib, Agg backend: no display needed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

LABEL_COLOURS = {"correct": "tab:green", "partial": "tab:orange", "incorrect": "tab:red"}


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


# Per grader: (the graded answers' probabilities, else scores, by gold label; whether they are probabilities).
Scores = dict[str, tuple[dict[str, Any], bool]]


def write_plots(record: dict[str, Any], folder: Path, scores: Scores | None = None) -> dict[str, Path]:
    """Writes every plot the run's figures allow; returns {plot name: path}. The histograms' values come from
    `scores` when given, else from the record's results."""
    folder.mkdir(parents=True, exist_ok=True)
    graders = record["graders"]
    scores = scores if scores is not None else {grader["spec"]: _scores_by_label(grader) for grader in graders}
    plots = {
        "reliability": _reliability,
        "histograms": lambda plt, graders: _histograms(plt, graders, scores),
        "confusion": _confusion,
        "threshold_sweep": _threshold_sweep,
    }
    written = {}
    plt = _pyplot()
    for name, draw in plots.items():
        figure = draw(plt, graders)
        if figure is None:
            continue
        path = folder / f"{name}.png"
        figure.savefig(path, dpi=100, bbox_inches="tight")
        plt.close(figure)
        written[name] = path
    return written


def _reliability(plt: Any, graders: list[dict]) -> Any:
    calibrated = [g for g in graders if g["metrics"].get("reliability")]
    if not calibrated:
        return None
    figure, axes = plt.subplots(figsize=(5.5, 5))
    axes.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfect calibration")
    for grader in calibrated:
        bins = [b for b in grader["metrics"]["reliability"] if b["count"]]
        axes.plot([b["mean_probability"] for b in bins], [b["fraction_correct"] for b in bins], marker="o",
                  label=f"{grader['spec']} (ECE {grader['metrics']['ece']:.3f})")
    axes.set(xlabel="predicted probability of correct", ylabel="fraction actually correct",
             xlim=(0, 1), ylim=(0, 1), title="Reliability diagram")
    axes.legend(loc="upper left", fontsize=8)
    return figure


def _scores_by_label(grader: dict) -> tuple[dict[str, list[float]], bool]:
    by_label: dict[str, list[float]] = {}
    for result in grader["results"]:
        value = result["probability"] if result["probability"] is not None else result["score"]
        if result["gold_label"] and value is not None and result["verdict"] != "could not grade":
            by_label.setdefault(result["gold_label"], []).append(value)
    return by_label, any(r["probability"] is not None for r in grader["results"])


def _histograms(plt: Any, graders: list[dict], scores: Scores) -> Any:
    scored = [(g, *scores[g["spec"]]) for g in graders]
    scored = [(g, by_label, uses_probability) for g, by_label, uses_probability in scored if len(by_label)]
    if not scored:
        return None
    figure, axes_list = plt.subplots(1, len(scored), figsize=(4.5 * len(scored), 3.6), squeeze=False)
    for axes, (grader, by_label, uses_probability) in zip(axes_list[0], scored, strict=True):
        for label in ("correct", "partial", "incorrect"):
            if label in by_label:
                values = by_label[label]
                axes.hist(values, bins=20, range=(min(0, min(values)), 1), alpha=0.55,
                          color=LABEL_COLOURS[label], label=f"{label} ({len(values)})")
        axes.set(title=grader["spec"], xlabel="probability" if uses_probability else "score", ylabel="answers")
        axes.legend(fontsize=8)
    figure.suptitle("Scores by gold label")
    figure.tight_layout()
    return figure


def _confusion(plt: Any, graders: list[dict]) -> Any:
    tables = [(g, g["metrics"].get("confusion")) for g in graders]
    tables = [(g, t) for g, t in tables if t]
    if not tables:
        return None
    figure, axes_list = plt.subplots(1, len(tables), figsize=(4.6 * len(tables), 3.8), squeeze=False)
    for axes, (grader, table) in zip(axes_list[0], tables, strict=True):
        rows = list(table)
        columns = [c for c in ("correct", "partial", "incorrect", "uncertain") if any(table[r].get(c) for r in rows)]
        columns = columns or ["correct"]
        counts = [[table[r].get(c, 0) for c in columns] for r in rows]
        axes.imshow(counts, cmap="Blues")
        for i, row in enumerate(counts):
            for j, count in enumerate(row):
                axes.text(j, i, str(count), ha="center", va="center", fontsize=9)
        axes.set_xticks(range(len(columns)), columns, rotation=30)
        axes.set_yticks(range(len(rows)), rows)
        axes.set(title=grader["spec"], xlabel="verdict", ylabel="gold label")
    figure.suptitle("Confusion matrix")
    figure.tight_layout()
    return figure


def _threshold_sweep(plt: Any, graders: list[dict]) -> Any:
    swept = [g for g in graders if g["metrics"].get("threshold_sweep")]
    if not swept:
        return None
    figure, axes = plt.subplots(figsize=(6, 4))
    for grader in swept:
        sweep = grader["metrics"]["threshold_sweep"]
        axes.plot([p["threshold"] for p in sweep], [p["weighted_f1"] for p in sweep], label=grader["spec"])
    axes.set(xlabel="threshold on probability (or score): correct when at or above",
             ylabel="weighted F1 (correct vs not)", ylim=(0, 1), title="Threshold sweep")
    axes.legend(fontsize=8)
    return figure
