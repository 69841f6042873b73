"""Eval figures against hand-computed cases, and the bootstrap's numpy metrics against scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score, f1_score, roc_auc_score

from quizzer.evals import metrics
from quizzer.evals.runner import ItemResult


def item(gold: str, verdict: str, probability: float | None, **extra) -> ItemResult:
    return ItemResult(id=extra.pop("id", "x"), line=1, gold_label=gold, gold_score=extra.pop("gold_score", None),
                      verdict=verdict, probability=probability, score=probability, **extra)


GOLD = np.array([True, True, True, False, False])
PRED = np.array([True, True, False, False, True])


def test_binary_figures_match_hand_computation() -> None:
    # tp=2 fp=1 fn=1 tn=1: F1(correct)=4/6, F1(not)=2/4; kappa: po=0.6, pe=(3*3+2*2)/25=0.52.
    assert metrics.binary_counts(GOLD, PRED) == (2, 1, 1, 1)
    macro, weighted = metrics.binary_f1s(GOLD, PRED)
    assert macro == pytest.approx((4 / 6 + 0.5) / 2)
    assert weighted == pytest.approx((4 / 6 * 3 + 0.5 * 2) / 5)
    assert metrics.binary_kappa(GOLD, PRED) == pytest.approx((0.6 - 0.52) / 0.48)


def test_quadratic_kappa_matches_hand_computation() -> None:
    # Observed disagreement 0.25 (one answer one step off of two), expected 1.25: kappa = 1 - 0.25 / 1.25.
    gold, pred = np.array([0, 1, 2]), np.array([0, 2, 2])
    assert metrics.quadratic_kappa(gold, pred) == pytest.approx(0.8)
    assert cohen_kappa_score(gold, pred, weights="quadratic") == pytest.approx(0.8)


def test_rank_auc_counts_ordered_pairs_and_half_ties() -> None:
    assert metrics.rank_auc(np.array([1, 1, 0, 0], bool), np.array([0.9, 0.4, 0.6, 0.1])) == pytest.approx(0.75)
    assert metrics.rank_auc(np.array([1, 0], bool), np.array([0.5, 0.5])) == pytest.approx(0.5)
    assert np.isnan(metrics.rank_auc(np.array([1, 1], bool), np.array([0.2, 0.3])))


def test_expected_calibration_error_matches_hand_computation() -> None:
    # Bins: [0.05] all wrong -> 0.05; [0.15] right -> 0.85; [0.95, 0.95] half right -> 0.45 on two answers.
    ece, bins = metrics.calibration(np.array([0, 1, 1, 0], bool), np.array([0.05, 0.15, 0.95, 0.95]))
    assert ece == pytest.approx((0.05 + 0.85 + 0.45 * 2) / 4)
    assert [b["count"] for b in bins] == [1, 1, 0, 0, 0, 0, 0, 0, 0, 2]
    assert bins[9]["fraction_correct"] == 0.5 and bins[2]["mean_probability"] is None


def test_numpy_metrics_agree_with_scikit_learn_on_random_data() -> None:
    generator = np.random.default_rng(7)
    for _ in range(20):
        gold = generator.random(40) < 0.4
        scores = np.clip(gold * 0.3 + generator.random(40) * 0.7, 0, 1)
        pred = scores >= 0.5
        macro, weighted = metrics.binary_f1s(gold, pred)
        assert macro == pytest.approx(f1_score(gold, pred, average="macro", labels=[False, True], zero_division=0))
        assert weighted == pytest.approx(f1_score(gold, pred, average="weighted", labels=[False, True], zero_division=0))
        assert metrics.binary_kappa(gold, pred) == pytest.approx(cohen_kappa_score(gold, pred))
        assert metrics.rank_auc(gold, scores) == pytest.approx(roc_auc_score(gold, scores))
        gold3, pred3 = generator.integers(0, 3, 30), generator.integers(0, 3, 30)
        assert metrics.quadratic_kappa(gold3, pred3) == pytest.approx(
            cohen_kappa_score(gold3, pred3, weights="quadratic", labels=[0, 1, 2]))


def test_threshold_sweep_ends_predict_all_or_nothing() -> None:
    sweep = metrics.threshold_sweep(GOLD, np.array([0.9, 0.8, 0.2, 0.1, 0.7]), steps=10)
    assert sweep[0]["threshold"] == 0 and sweep[0]["accuracy"] == pytest.approx(0.6)  # everything "correct"
    at_half = next(point for point in sweep if point["threshold"] == 0.5)
    assert at_half["accuracy"] == pytest.approx(0.6)


def test_uncertain_settles_by_probability_and_ungradable_is_left_out() -> None:
    results = [
        item("correct", "correct", 0.9),
        item("correct", "uncertain", 0.55),  # counts as correct (>= 0.5): right
        item("incorrect", "uncertain", 0.45),  # counts as not correct: right
        item("incorrect", "correct", 0.8),  # wrong
        item("incorrect", "could not grade", None),
    ]
    figures = metrics.compute_metrics(results, three_way=False, numeric_gold=False, resamples=50)
    assert figures["graded"] == 4 and figures["could_not_grade"] == 1
    assert figures["accuracy"] == pytest.approx(0.75)
    assert figures["uncertain"] == 2 and figures["uncertain_rate"] == pytest.approx(0.5)
    assert figures["decided_accuracy"] == pytest.approx(0.5)
    assert figures["confusion"]["incorrect"]["uncertain"] == 1 and figures["confusion"]["correct"]["correct"] == 1
    assert "could not grade" not in figures["confusion"]["incorrect"]


def test_three_way_kappa_puts_partial_and_uncertain_in_the_middle() -> None:
    results = [item("correct", "correct", 0.9), item("partial", "uncertain", 0.5), item("incorrect", "partial", 0.3)]
    figures = metrics.compute_metrics(results, three_way=True, numeric_gold=False, resamples=20)
    # gold 2,1,0 vs predicted 2,1,1: observed weighted disagreement 0.25, expected 0.75, kappa 1 - 1/3.
    assert figures["kappa_quadratic"] == pytest.approx(2 / 3)


def test_correlations_against_numeric_gold() -> None:
    probabilities = [0.1, 0.4, 0.35, 0.9]
    gold_scores = [0.0, 0.5, 0.5, 1.0]
    results = [item("partial", "partial", p, gold_score=g) for p, g in zip(probabilities, gold_scores, strict=True)]
    figures = metrics.compute_metrics(results, three_way=True, numeric_gold=True, resamples=50)
    assert figures["pearson"] == pytest.approx(np.corrcoef(gold_scores, probabilities)[0, 1])
    # Ranks: gold 1, 2.5, 2.5, 4 against 1, 3, 2, 4.
    assert figures["spearman"] == pytest.approx(np.corrcoef([1, 2.5, 2.5, 4], [1, 3, 2, 4])[0, 1])


def test_bootstrap_is_reproducible_and_brackets_the_estimate() -> None:
    generator = np.random.default_rng(1)
    results = [item("correct" if generator.random() < 0.5 else "incorrect",
                    "correct" if generator.random() < 0.6 else "incorrect", float(generator.random()))
               for _ in range(60)]
    first = metrics.compute_metrics(results, three_way=False, numeric_gold=False, resamples=300)
    second = metrics.compute_metrics(results, three_way=False, numeric_gold=False, resamples=300)
    assert first["intervals"] == second["intervals"]
    for name in ("accuracy", "weighted_f1", "kappa", "roc_auc", "ece"):
        low, high = first["intervals"][name]
        assert low <= first[name] <= high and high - low > 0.01


def test_breakdowns_per_category_deck_and_question() -> None:
    results = [
        item("correct", "correct", 0.9, category="paraphrase", deck="a", question_key="a/q1"),
        item("correct", "incorrect", 0.1, category="paraphrase", deck="a", question_key="a/q1"),
        item("incorrect", "incorrect", 0.1, category="negation", deck="b", question_key="b/q2"),
    ]
    figures = metrics.compute_metrics(results, three_way=False, numeric_gold=False, resamples=10)
    assert figures["by_category"] == {
        "negation": {"n": 1, "accuracy": 1.0, "uncertain": 0, "graded_correct": 0},
        "paraphrase": {"n": 2, "accuracy": 0.5, "uncertain": 0, "graded_correct": 1},
    }
    assert figures["by_deck"]["a"]["n"] == 2
    assert figures["by_question"]["b/q2"]["accuracy"] == 1.0


def test_llm_figures_from_evidence_and_unknown_cost() -> None:
    llm = {"calls": 1, "input_tokens": 100, "output_tokens": 10, "cost_usd": 0.002, "latency_s": 0.4}
    results = [
        item("correct", "correct", None, decided_by="llm", llm=llm),
        item("correct", "correct", 0.9, decided_by="embedding"),
        item("incorrect", "incorrect", None, decided_by="llm", llm={**llm, "latency_s": 0.8}),
    ]
    figures = metrics.compute_metrics(results, three_way=False, numeric_gold=False, resamples=10)["llm"]
    assert figures["escalated"] == 2 and figures["escalation_rate"] == pytest.approx(2 / 3)
    assert (figures["calls"], figures["input_tokens"], figures["output_tokens"]) == (2, 200, 20)
    assert figures["cost_usd"] == pytest.approx(0.004)
    assert figures["latency_median_s"] == pytest.approx(0.6)
    unpriced = [item("correct", "correct", None, decided_by="llm", llm={**llm, "cost_usd": None})]
    assert metrics.compute_metrics(unpriced, three_way=False, numeric_gold=False, resamples=10)["llm"]["cost_usd"] is None


def test_no_llm_figures_for_an_offline_grader() -> None:
    figures = metrics.compute_metrics([item("correct", "correct", 0.9)], three_way=False, numeric_gold=False)
    assert "llm" not in figures
