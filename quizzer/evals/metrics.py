"""Agreement figures of a grader against gold labels.

Decisions (documented in evals/README.md, "Running evals"):
- "could not grade" rows are left out of every figure and counted apart; they are never "incorrect".
- Correct vs not: a verdict of correct counts as correct, partial and incorrect as not; an uncertain
  verdict is settled by its probability (>= 0.5), so the headline figures cover every graded answer.
  `decided_accuracy` leaves the uncertain answers out instead.
- 3-way figures (quadratic kappa) use incorrect < partial < correct, with uncertain in the middle.
- ROC-AUC uses the probability, else the grader's score (the cosine baseline has only a score);
  calibration needs a probability.

Point estimates come from scikit-learn and scipy; the bootstrap recomputes the same figures with the
small numpy functions below (tested equal to scikit-learn), because a thousand resamples through
scikit-learn's input validation would take seconds per grader.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from quizzer.evals.columns import GROUPINGS, MetricColumns

if TYPE_CHECKING:
    from quizzer.evals.runner import ItemResult

BOOTSTRAP_RESAMPLES = 1000
BOOTSTRAP_SEED = 0
CALIBRATION_BINS = 10
BOOTSTRAP_BLOCK = 16_000_000  # resampled indices held at once (128 MB)


# ---- small metric functions on arrays (used by the bootstrap and checked against scikit-learn) ----


def binary_counts(gold: np.ndarray, pred: np.ndarray) -> tuple[int, int, int, int]:
    """(true positives, false positives, false negatives, true negatives) of boolean arrays."""
    gold, pred = np.asarray(gold, bool), np.asarray(pred, bool)
    tp = int(np.sum(gold & pred))
    fp = int(np.sum(~gold & pred))
    fn = int(np.sum(gold & ~pred))
    return tp, fp, fn, len(gold) - tp - fp - fn


def _f1(hit: int, wrong_a: int, wrong_b: int) -> float:
    denominator = 2 * hit + wrong_a + wrong_b
    return 2 * hit / denominator if denominator else 0.0


def binary_f1s(gold: np.ndarray, pred: np.ndarray) -> tuple[float, float]:
    """(macro F1, weighted F1) over the two classes correct and not correct."""
    tp, fp, fn, tn = binary_counts(gold, pred)
    f1_correct, f1_not = _f1(tp, fp, fn), _f1(tn, fn, fp)
    n = tp + fp + fn + tn
    weighted = (f1_correct * (tp + fn) + f1_not * (tn + fp)) / n if n else math.nan
    return (f1_correct + f1_not) / 2, weighted


def binary_kappa(gold: np.ndarray, pred: np.ndarray) -> float:
    tp, fp, fn, tn = binary_counts(gold, pred)
    n = tp + fp + fn + tn
    if n == 0:
        return math.nan
    observed = (tp + tn) / n
    expected = ((tp + fp) * (tp + fn) + (tn + fn) * (tn + fp)) / (n * n)
    return (observed - expected) / (1 - expected) if expected < 1 else math.nan


def quadratic_kappa(gold: np.ndarray, pred: np.ndarray, classes: int = 3) -> float:
    """Cohen's kappa with quadratic weights for ordinal labels 0..classes-1."""
    gold, pred = np.asarray(gold, int), np.asarray(pred, int)
    if len(gold) == 0:
        return math.nan
    observed = np.bincount(gold * classes + pred, minlength=classes * classes).reshape(classes, classes)
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / len(gold)
    index = np.arange(classes)
    weights = (index[:, None] - index[None, :]) ** 2 / (classes - 1) ** 2
    disagreement_expected = float(np.sum(weights * expected))
    return 1 - float(np.sum(weights * observed)) / disagreement_expected if disagreement_expected else math.nan


def rank_auc(gold: np.ndarray, scores: np.ndarray) -> float:
    """ROC-AUC as the Mann-Whitney statistic (ties count one half)."""
    from scipy.stats import rankdata

    gold = np.asarray(gold, bool)
    positives, negatives = int(gold.sum()), int((~gold).sum())
    if positives == 0 or negatives == 0:
        return math.nan
    ranks = rankdata(scores)
    return float((ranks[gold].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def calibration(gold: np.ndarray, probability: np.ndarray, bins: int = CALIBRATION_BINS) -> tuple[float, list[dict]]:
    """Expected calibration error over equal-width bins, and the bins (for a reliability diagram)."""
    gold, probability = np.asarray(gold, float), np.clip(np.asarray(probability, float), 0, 1)
    which = np.minimum((probability * bins).astype(int), bins - 1)
    table, error = [], 0.0
    for index in range(bins):
        member = which == index
        count = int(member.sum())
        row = {"low": index / bins, "high": (index + 1) / bins, "count": count,
               "mean_probability": None, "fraction_correct": None}
        if count:
            row["mean_probability"] = float(probability[member].mean())
            row["fraction_correct"] = float(gold[member].mean())
            error += count / len(gold) * abs(row["fraction_correct"] - row["mean_probability"])
        table.append(row)
    return (error if len(gold) else math.nan), table


def threshold_sweep(gold: np.ndarray, scores: np.ndarray, steps: int = 50) -> list[dict]:
    """Accuracy and weighted F1 when "correct" means score >= t, for t from 0 to 1."""
    sweep = []
    for threshold in np.linspace(0, 1, steps + 1):
        pred = np.asarray(scores) >= threshold
        _, weighted = binary_f1s(gold, pred)
        sweep.append({"threshold": round(float(threshold), 4), "accuracy": float(np.mean(pred == gold)),
                      "weighted_f1": weighted})
    return sweep


def bootstrap_intervals(
    statistics_by_name: dict[str, Callable[[np.ndarray], float]],
    n: int,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> dict[str, list[float] | None]:
    """95 % percentile intervals: each statistic takes an index array into the items.

    The resamples are drawn a block at a time (at most BOOTSTRAP_BLOCK indices held at once), so a million items
    need no 8 GB matrix; numpy's generator draws the same numbers in blocks as in one call (tested), so the
    intervals are those of one draw."""
    if n < 2:
        return {name: None for name in statistics_by_name}
    generator = np.random.default_rng(seed)
    block = max(1, min(resamples, BOOTSTRAP_BLOCK // n))
    values: dict[str, list[float]] = {name: [] for name in statistics_by_name}
    for start in range(0, resamples, block):
        samples = generator.integers(0, n, size=(min(block, resamples - start), n))
        for name, statistic in statistics_by_name.items():
            values[name].extend(statistic(sample) for sample in samples)
    intervals: dict[str, list[float] | None] = {}
    for name in statistics_by_name:
        found = np.array(values[name], dtype=float)
        found = found[~np.isnan(found)]
        intervals[name] = (
            [float(np.percentile(found, 2.5)), float(np.percentile(found, 97.5))] if len(found) else None
        )
    return intervals


# ---- figures of one grader's results ----


def _finite(value: float | None) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def compute_metrics(results: Sequence[ItemResult], **options: Any) -> dict[str, Any]:
    """Every figure for one grader over its item results, as a JSON-ready dict (`metrics_from_columns`'s options:
    three_way, numeric_gold, stats, resamples, seed)."""
    return metrics_from_columns(MetricColumns.of(results), **options)


def metrics_from_columns(
    columns: MetricColumns,
    *,
    three_way: bool,
    numeric_gold: bool,
    stats: dict[str, Any] | None = None,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> dict[str, Any]:
    """Every figure for one grader from its results' columns, as a JSON-ready dict."""
    figures: dict[str, Any] = {
        "items": columns.items,
        "graded": columns.graded,
        "could_not_grade": columns.could_not_grade,
        "unusable_rows": columns.unusable_rows,
    }
    if not columns.graded:
        return figures
    gold = np.frombuffer(columns.gold, dtype=np.int8).astype(bool)
    pred = np.frombuffer(columns.pred, dtype=np.int8).astype(bool)
    uncertain = np.frombuffer(columns.uncertain, dtype=np.int8).astype(bool)
    has_probability = columns.missing_probability == 0
    has_ranking = columns.missing_ranking == 0

    from sklearn.metrics import accuracy_score, cohen_kappa_score, f1_score, roc_auc_score

    figures["accuracy"] = float(accuracy_score(gold, pred))
    figures["macro_f1"] = float(f1_score(gold, pred, average="macro", labels=[False, True], zero_division=0))
    figures["weighted_f1"] = float(f1_score(gold, pred, average="weighted", labels=[False, True], zero_division=0))
    figures["kappa"] = _finite(cohen_kappa_score(gold, pred)) if len(set(gold) | set(pred)) > 1 else None
    figures["uncertain"] = int(uncertain.sum())
    figures["uncertain_rate"] = float(uncertain.mean())
    decided = ~uncertain
    figures["decided_accuracy"] = float(np.mean(gold[decided] == pred[decided])) if decided.any() else None
    statistics_by_name: dict[str, Callable[[np.ndarray], float]] = {
        "accuracy": lambda s: float(np.mean(gold[s] == pred[s])),
        "macro_f1": lambda s: binary_f1s(gold[s], pred[s])[0],
        "weighted_f1": lambda s: binary_f1s(gold[s], pred[s])[1],
        "kappa": lambda s: binary_kappa(gold[s], pred[s]),
    }
    if three_way:
        gold3 = np.frombuffer(columns.gold3, dtype=np.int8).astype(int)
        pred3 = np.frombuffer(columns.pred3, dtype=np.int8).astype(int)
        figures["kappa_quadratic"] = _finite(
            cohen_kappa_score(gold3, pred3, labels=[0, 1, 2], weights="quadratic")
        ) if len(set(gold3) | set(pred3)) > 1 else None
        statistics_by_name["kappa_quadratic"] = lambda s: quadratic_kappa(gold3[s], pred3[s])
    scores = np.frombuffer(columns.ranking, dtype=float).copy()
    if has_ranking:
        figures["roc_auc"] = float(roc_auc_score(gold, scores)) if 0 < gold.sum() < len(gold) else None
        statistics_by_name["roc_auc"] = lambda s: rank_auc(gold[s], scores[s])
        figures["threshold_sweep"] = threshold_sweep(gold, scores)
    if has_probability:
        probabilities = np.frombuffer(columns.probability, dtype=float).copy()
        figures["ece"], figures["reliability"] = calibration(gold, probabilities)
        statistics_by_name["ece"] = lambda s: calibration(gold[s], probabilities[s])[0]
    if numeric_gold and has_ranking:
        gold_scores = np.frombuffer(columns.gold_score, dtype=float).copy()
        figures.update(_correlations(gold_scores, scores, statistics_by_name))
    figures["intervals"] = bootstrap_intervals(statistics_by_name, columns.graded, resamples, seed)
    order = {"correct": 0, "partial": 1, "incorrect": 2}
    figures["confusion"] = dict(sorted(columns.confusion.items(), key=lambda item: order.get(item[0], 3)))
    for grouping in GROUPINGS:
        figures[grouping] = {name: {"n": n, "accuracy": right / n, "uncertain": unsure, "graded_correct": correct}
                             for name, (n, right, unsure, correct) in sorted(columns.groups[grouping].items())}
    llm = llm_figures(columns, stats)
    if llm:
        figures["llm"] = llm
    return figures


def pearson(x: np.ndarray, y: np.ndarray) -> float:
    x, y = np.asarray(x, float), np.asarray(y, float)
    if len(x) < 3 or np.std(x) == 0 or np.std(y) == 0:
        return math.nan
    return float(np.corrcoef(x, y)[0, 1])


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    from scipy.stats import rankdata

    return pearson(rankdata(x), rankdata(y))


def _correlations(
    gold_all: np.ndarray, scores_all: np.ndarray, statistics_by_name: dict[str, Callable]
) -> dict[str, float | None]:
    from scipy.stats import pearsonr, spearmanr

    known = ~np.isnan(gold_all)
    gold_scores, scores = gold_all[known], scores_all[known]
    if len(gold_scores) < 3 or np.std(gold_scores) == 0 or np.std(scores) == 0:
        return {"pearson": None, "spearman": None}

    def resampled(correlation: Callable[[np.ndarray, np.ndarray], float]) -> Callable[[np.ndarray], float]:
        def statistic(sample: np.ndarray) -> float:
            keep = sample[known[sample]]  # only the resampled items that have a gold score
            return correlation(gold_all[keep], scores_all[keep])

        return statistic

    statistics_by_name["pearson"] = resampled(pearson)
    statistics_by_name["spearman"] = resampled(spearman)
    return {"pearson": _finite(pearsonr(gold_scores, scores).statistic),
            "spearman": _finite(spearmanr(gold_scores, scores).statistic)}


def llm_figures(columns: MetricColumns, stats: dict[str, Any] | None) -> dict[str, Any]:
    """Escalation rate, calls, tokens, cost and latency, from a grader's stats or else the grades' evidence."""
    if not columns.escalated and not stats:
        return {}
    totals: dict[str, Any] = dict(columns.llm_sums)
    # An unknown price makes the total unknown, never a made-up zero.
    totals["cost_usd"] = None if columns.llm_cost_unknown else columns.llm_cost
    if stats:
        totals.update({key: stats[key] for key in ("calls", "input_tokens", "output_tokens", "cost_usd", "latency_s",
                                                    "cache_hits", "failures", "fallbacks") if key in stats})
    for key in ("calls", "input_tokens", "output_tokens"):
        totals[key] = int(totals[key] or 0)
    latencies = list(columns.llm_latencies)
    return {
        "escalated": columns.escalated,
        "escalation_rate": columns.escalated / columns.graded,
        **totals,
        "latency_median_s": statistics.median(latencies) if latencies else None,
    }
