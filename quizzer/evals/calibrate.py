"""Refitting the decision bands from labelled answers (the learner's overrides, or any labelled set).

The rule, per scope (all answers, then each deck with enough labels): an isotonic regression of the
labels on the grader's probability estimates P(correct | probability), and then
- `correct_above`: the lowest probability where that reaches 90 %;
- `incorrect_below`: just above the highest probability where it is at most 10 %;
- the uncertain band: where it lies strictly between 25 % and 75 % (the grader cannot tell).
Where the labels never reach a level, the current value stays. The four stay in order
(incorrect_below <= uncertain_low <= uncertain_high <= correct_above).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from quizzer.grading.offline.bands import BAND_KEYS, Bands

if TYPE_CHECKING:
    from quizzer.evals.runner import ItemResult

SURE = 0.90
LEANING = 0.75
MIN_LABELS = 20
MIN_DECK_LABELS = 30
MIN_PER_CLASS = 5
GRID = np.round(np.arange(0.01, 1.0, 0.01), 2)


@dataclass(frozen=True)
class BandFit:
    """The bands fitted for one scope ("all answers" or a deck), or why they were not."""

    scope: str
    labels: int
    correct: int
    current: Bands
    fitted: Bands | None
    notes: list[str] = field(default_factory=list)

    @property
    def changes(self) -> list[tuple[str, float, float]]:
        if self.fitted is None:
            return []
        old, new = self.current.as_dict(), self.fitted.as_dict()
        return [(key, old[key], new[key]) for key in BAND_KEYS if abs(old[key] - new[key]) > 1e-9]


@dataclass(frozen=True)
class Calibration:
    labels: int
    left_out: int
    overall: BandFit
    decks: list[BandFit]


def fit_bands(probabilities: Sequence[float], correct: Sequence[bool], current: Bands) -> tuple[Bands, list[str]]:
    """New bands from (probability, correct?) pairs; notes say where a current value was kept."""
    from sklearn.isotonic import IsotonicRegression

    p, y = np.asarray(probabilities, float), np.asarray(correct, float)
    # P(correct | probability) as the labels show it: monotone, so the four thresholds come out in order.
    local = IsotonicRegression(y_min=0, y_max=1, out_of_bounds="clip").fit(p, y).predict(GRID)
    notes: list[str] = []
    values = current.as_dict()

    def first(where: np.ndarray) -> float | None:
        hits = np.nonzero(where)[0]
        return float(GRID[hits[0]]) if len(hits) else None

    last_sure_wrong = np.nonzero(local <= 1 - SURE)[0]
    found = {
        "incorrect_below": round(float(GRID[last_sure_wrong[-1]]) + 0.01, 2) if len(last_sure_wrong) else None,
        "uncertain_low": first(local > 1 - LEANING),
        "uncertain_high": first(local >= LEANING),
        "correct_above": first(local >= SURE),
    }
    for key, value in found.items():
        if value is None:
            notes.append(f"the labels never reach the level for {key}; kept {values[key]:g}")
        else:
            values[key] = value
    ordered = [values[key] for key in BAND_KEYS]
    for index in range(1, len(ordered)):  # a kept value may sit outside the fitted ones
        ordered[index] = max(ordered[index], ordered[index - 1])
    bands = Bands(*ordered)
    if bands.uncertain_low == bands.uncertain_high:
        notes.append("no uncertain band: the labels switch from mostly wrong to mostly right at once")
    return bands, notes


def _fit_scope(scope: str, results: list[ItemResult], current: Bands, minimum: int) -> BandFit:
    probabilities = [r.probability for r in results]
    correct = [r.gold_label == "correct" for r in results]
    labels, positives = len(results), sum(correct)
    if labels < minimum or positives < MIN_PER_CLASS or labels - positives < MIN_PER_CLASS:
        note = (f"{labels} labels ({positives} correct): at least {minimum} with {MIN_PER_CLASS} of each kind "
                "are needed; bands unchanged")
        return BandFit(scope, labels, positives, current, None, [note])
    fitted, notes = fit_bands(probabilities, correct, current)
    return BandFit(scope, labels, positives, current, fitted, notes)


def calibrate(results: Sequence[ItemResult], current: Bands, deck_current: dict[str, Bands] | None = None) -> Calibration:
    """Fits the global bands on every labelled answer with a probability, then each deck with enough."""
    usable = [r for r in results if r.gold_label is not None and r.probability is not None
              and r.verdict != "could not grade"]
    by_deck: dict[str, list[ItemResult]] = defaultdict(list)
    for result in usable:
        if result.deck:
            by_deck[result.deck].append(result)
    overall = _fit_scope("all answers", usable, current, MIN_LABELS)
    decks = [
        _fit_scope(deck, members, (deck_current or {}).get(deck, current), MIN_DECK_LABELS)
        for deck, members in sorted(by_deck.items())
        if len(by_deck) > 1 or (deck_current or {}).get(deck)
    ]
    return Calibration(labels=len(usable), left_out=len(results) - len(usable), overall=overall, decks=decks)


def settings_to_write(calibration: Calibration, existing_deck_bands: dict[str, Bands]) -> dict[str, object]:
    """The config values `quizzer calibrate --write` sets."""
    values: dict[str, object] = {}
    if calibration.overall.fitted is not None:
        values.update({f"grader.{key}": value for key, value in calibration.overall.fitted.as_dict().items()})
    deck_bands = dict(existing_deck_bands)
    for fit in calibration.decks:
        if fit.fitted is not None:
            deck_bands[fit.scope] = fit.fitted
    if deck_bands != existing_deck_bands:
        values["grader.deck_bands"] = [f"{deck}={bands.encode()}" for deck, bands in sorted(deck_bands.items())]
    return values
