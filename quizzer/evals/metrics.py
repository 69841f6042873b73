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
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from quizzer.evals.runner import ItemResult

ORDINAL = {"incorrect": 0, "partial": 1, "uncertain": 1, "correct": 2}
VERDICT_COLUMNS = ("correct", "partial", "incorrect", "uncertain")
BOOTSTRAP_RESAMPLES = 1000
BOOTSTRAP_SEED = 0
CALIBRATION_BINS = 10


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
    """95 % percentile intervals: each statistic takes an index array into the items."""
    if n < 2:
        return {name: None for name in statistics_by_name}
    generator = np.random.default_rng(seed)
    samples = generator.integers(0, n, size=(resamples, n))
    intervals: dict[str, list[float] | None] = {}
    for name, statistic in statistics_by_name.items():
        values = np.array([statistic(sample) for sample in samples], dtype=float)
        values = values[~np.isnan(values)]
        intervals[name] = (
            [float(np.percentile(values, 2.5)), float(np.percentile(values, 97.5))] if len(values) else None
        )
    return intervals


# ---- figures of one grader's results ----


def forced_correct(result: ItemResult) -> bool:
    """Correct vs not for one graded answer; an uncertain verdict is settled by its probability."""
    if result.verdict == "uncertain":
        return (result.probability if result.probability is not None else 0.0) >= 0.5
    return result.verdict == "correct"


def _finite(value: float | None) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def compute_metrics(
    results: Sequence[ItemResult],
    *,
    three_way: bool,
    numeric_gold: bool,
    stats: dict[str, Any] | None = None,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> dict[str, Any]:
    """Every figure for one grader over its item results, as a JSON-ready dict."""
    graded = [r for r in results if r.gold_label is not None and r.verdict != "could not grade"]
    figures: dict[str, Any] = {
        "items": len(results),
        "graded": len(graded),
        "could_not_grade": sum(r.verdict == "could not grade" for r in results if r.gold_label is not None),
        "unusable_rows": sum(r.gold_label is None for r in results),
    }
    if not graded:
        return figures
    gold = np.array([r.gold_label == "correct" for r in graded])
    pred = np.array([forced_correct(r) for r in graded])
    uncertain = np.array([r.verdict == "uncertain" for r in graded])
    probability = [r.probability for r in graded]
    has_probability = all(p is not None for p in probability)
    ranking = [r.probability if r.probability is not None else r.score for r in graded]
    has_ranking = all(s is not None for s in ranking)

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
        gold3 = np.array([ORDINAL[r.gold_label] for r in graded])
        pred3 = np.array([ORDINAL.get(r.verdict, 1) for r in graded])
        figures["kappa_quadratic"] = _finite(
            cohen_kappa_score(gold3, pred3, labels=[0, 1, 2], weights="quadratic")
        ) if len(set(gold3) | set(pred3)) > 1 else None
        statistics_by_name["kappa_quadratic"] = lambda s: quadratic_kappa(gold3[s], pred3[s])
    if has_ranking:
        scores = np.array(ranking, dtype=float)
        figures["roc_auc"] = float(roc_auc_score(gold, scores)) if 0 < gold.sum() < len(gold) else None
        statistics_by_name["roc_auc"] = lambda s: rank_auc(gold[s], scores[s])
        figures["threshold_sweep"] = threshold_sweep(gold, scores)
    if has_probability:
        probabilities = np.array(probability, dtype=float)
        figures["ece"], figures["reliability"] = calibration(gold, probabilities)
        statistics_by_name["ece"] = lambda s: calibration(gold[s], probabilities[s])[0]
    if numeric_gold and has_ranking:
        figures.update(_correlations(graded, ranking, statistics_by_name))
    figures["intervals"] = bootstrap_intervals(statistics_by_name, len(graded), resamples, seed)
    figures["confusion"] = confusion(graded)
    figures["by_category"] = breakdown(graded, lambda r: r.category)
    figures["by_deck"] = breakdown(graded, lambda r: r.deck)
    figures["by_question"] = breakdown(graded, lambda r: r.question_key)
    llm = llm_figures(graded, stats)
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
    graded: Sequence[ItemResult], ranking: Sequence[float | None], statistics_by_name: dict[str, Callable]
) -> dict[str, float | None]:
    from scipy.stats import pearsonr, spearmanr

    gold_all = np.array([np.nan if r.gold_score is None else r.gold_score for r in graded], dtype=float)
    scores_all = np.array(ranking, dtype=float)
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


def confusion(graded: Iterable[ItemResult]) -> dict[str, dict[str, int]]:
    """Gold label (rows) by verdict (columns)."""
    table: dict[str, dict[str, int]] = {}
    for result in graded:
        row = table.setdefault(result.gold_label, dict.fromkeys(VERDICT_COLUMNS, 0))
        row[result.verdict] = row.get(result.verdict, 0) + 1
    order = {"correct": 0, "partial": 1, "incorrect": 2}
    return dict(sorted(table.items(), key=lambda item: order.get(item[0], 3)))


def breakdown(graded: Iterable[ItemResult], key: Callable[[ItemResult], str | None]) -> dict[str, dict[str, Any]]:
    """Per group: answers, accuracy (correct vs not), uncertain answers; empty when no item has a group."""
    groups: dict[str, list[ItemResult]] = defaultdict(list)
    for result in graded:
        group = key(result)
        if group is not None:
            groups[group].append(result)
    table = {}
    for group, members in sorted(groups.items()):
        hits = [forced_correct(r) == (r.gold_label == "correct") for r in members]
        table[group] = {"n": len(members), "accuracy": sum(hits) / len(members),
                        "uncertain": sum(r.verdict == "uncertain" for r in members),
                        "graded_correct": sum(r.verdict == "correct" for r in members)}
    return table


def _escalated(result: ItemResult) -> bool:
    """Whether the LLM was asked about this answer (a cached verdict and a failed call count too)."""
    return result.llm is not None or (result.decided_by or "").startswith("llm") or "llm_error" in result.evidence


def llm_figures(graded: Sequence[ItemResult], stats: dict[str, Any] | None) -> dict[str, Any]:
    """Escalation rate, calls, tokens, cost and latency, from a grader's stats or else the grades' evidence."""
    escalated = sum(_escalated(r) for r in graded)
    if not escalated and not stats:
        return {}
    per_item = [r.llm for r in graded if r.llm is not None]
    latencies = [float(item["latency_s"]) for item in per_item if item.get("calls") and item.get("latency_s") is not None]
    totals: dict[str, Any] = {
        key: sum(float(item.get(key) or 0) for item in per_item)
        for key in ("calls", "input_tokens", "output_tokens", "latency_s")
    }
    costs = [item.get("cost_usd") for item in per_item]
    # An unknown price makes the total unknown, never a made-up zero.
    totals["cost_usd"] = None if any(cost is None for cost in costs) else sum(costs)
    if stats:
        totals.update({key: stats[key] for key in ("calls", "input_tokens", "output_tokens", "cost_usd", "latency_s",
                                                    "cache_hits", "failures", "fallbacks") if key in stats})
    for key in ("calls", "input_tokens", "output_tokens"):
        totals[key] = int(totals[key] or 0)
    return {
        "escalated": escalated,
        "escalation_rate": escalated / len(graded),
        **totals,
        "latency_median_s": statistics.median(latencies) if latencies else None,
    }
