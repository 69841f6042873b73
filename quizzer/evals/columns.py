"""A grader's results as compact columns, filled one result at a time, for the figures in `metrics.py`.

An eval of a million answers never holds a million results: a few numbers per graded answer, counts per group,
sums for the LLM.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from quizzer.evals.runner import ItemResult

ORDINAL = {"incorrect": 0, "partial": 1, "uncertain": 1, "correct": 2}
VERDICT_COLUMNS = ("correct", "partial", "incorrect", "uncertain")
GROUPINGS = {"by_category": "category", "by_deck": "deck", "by_question": "question_key"}
LLM_SUMS = ("calls", "input_tokens", "output_tokens", "latency_s")


class MetricColumns:
    """What the figures need of a grader's results, filled one result at a time and kept compact: a few numbers
    per graded answer (about 40 bytes), counts per group, sums for the LLM. An eval of a million answers never
    holds a million results."""

    def __init__(self) -> None:
        self.items = self.could_not_grade = self.unusable_rows = 0
        self.gold, self.pred, self.uncertain = array("b"), array("b"), array("b")
        self.gold3, self.pred3 = array("b"), array("b")
        self.probability, self.ranking, self.gold_score = array("d"), array("d"), array("d")
        self.missing_probability = self.missing_ranking = 0
        self.confusion: dict[str, dict[str, int]] = {}
        # group name -> [answers, right (correct vs not), uncertain, graded correct], per grouping.
        self.groups: dict[str, dict[str, list[int]]] = {name: {} for name in GROUPINGS}
        self.escalated = 0
        self.llm_items = 0
        self.llm_sums: dict[str, Any] = dict.fromkeys(LLM_SUMS, 0)
        self.llm_cost: Any = 0
        self.llm_cost_unknown = False
        self.llm_latencies = array("d")

    @classmethod
    def of(cls, results: Iterable[ItemResult]) -> MetricColumns:
        columns = cls()
        for result in results:
            columns.add(result)
        return columns

    @property
    def graded(self) -> int:
        return len(self.gold)

    def add(self, result: ItemResult) -> None:
        self.items += 1
        if result.gold_label is None:
            self.unusable_rows += 1
            return
        if result.verdict == "could not grade":
            self.could_not_grade += 1
            return
        gold, pred = result.gold_label == "correct", forced_correct(result)
        self.gold.append(gold)
        self.pred.append(pred)
        self.uncertain.append(result.verdict == "uncertain")
        self.gold3.append(ORDINAL.get(result.gold_label, 1))
        self.pred3.append(ORDINAL.get(result.verdict, 1))
        nan = math.nan
        self.probability.append(nan if result.probability is None else result.probability)
        self.missing_probability += result.probability is None
        ranking = result.probability if result.probability is not None else result.score
        self.ranking.append(nan if ranking is None else ranking)
        self.missing_ranking += ranking is None
        self.gold_score.append(nan if result.gold_score is None else result.gold_score)
        row = self.confusion.setdefault(result.gold_label, dict.fromkeys(VERDICT_COLUMNS, 0))
        row[result.verdict] = row.get(result.verdict, 0) + 1
        for grouping, attribute in GROUPINGS.items():
            group = getattr(result, attribute)
            if group is not None:
                counts = self.groups[grouping].setdefault(group, [0, 0, 0, 0])
                counts[0] += 1
                counts[1] += pred == gold
                counts[2] += result.verdict == "uncertain"
                counts[3] += result.verdict == "correct"
        self._add_llm(result)

    def _add_llm(self, result: ItemResult) -> None:
        self.escalated += escalated(result)
        item = result.llm
        if item is None:
            return
        self.llm_items += 1
        for key in LLM_SUMS:
            self.llm_sums[key] += float(item.get(key) or 0)
        cost = item.get("cost_usd")
        if cost is None:
            self.llm_cost_unknown = True
        else:
            self.llm_cost += cost
        if item.get("calls") and item.get("latency_s") is not None:
            self.llm_latencies.append(float(item["latency_s"]))

    def scores_by_label(self) -> dict[str, np.ndarray]:
        """Each gold label's probabilities (else scores) of the graded answers, for the histograms."""
        ranking, gold3 = np.frombuffer(self.ranking, dtype=float), np.frombuffer(self.gold3, dtype=np.int8)
        known = ~np.isnan(ranking)
        by_label = {label: ranking[known & (gold3 == ORDINAL[label])] for label in ("correct", "partial", "incorrect")}
        return {label: values for label, values in by_label.items() if len(values)}


def forced_correct(result: ItemResult) -> bool:
    """Correct vs not for one graded answer; an uncertain verdict is settled by its probability."""
    if result.verdict == "uncertain":
        return (result.probability if result.probability is not None else 0.0) >= 0.5
    return result.verdict == "correct"


def escalated(result: ItemResult) -> bool:
    """Whether the LLM was asked about this answer (a cached verdict and a failed call count too)."""
    return result.llm is not None or (result.decided_by or "").startswith("llm") or "llm_error" in result.evidence
