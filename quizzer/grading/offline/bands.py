"""The decision bands that turn P(correct) into a verdict, globally or per deck.

    p >= correct_above                     -> correct
    p <  incorrect_below                   -> incorrect
    uncertain_low <= p < uncertain_high    -> uncertain
    otherwise                              -> partial

The defaults are fitted with the grader and live in one place, its parameter file (grader_params.json's
`defaults`, written by evals/fit_grader.py). The `grader.*` settings override them one by one, and
`grader.deck_bands` (written by `quizzer calibrate --write`) overrides them for named decks, each entry as
"deck=incorrect_below/uncertain_low/uncertain_high/correct_above".
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from quizzer.core.errors import ConfigError
from quizzer.core.types import Verdict

if TYPE_CHECKING:
    from quizzer.core.config import Config

BAND_KEYS = ("incorrect_below", "uncertain_low", "uncertain_high", "correct_above")


@dataclass(frozen=True)
class Bands:
    incorrect_below: float
    uncertain_low: float
    uncertain_high: float
    correct_above: float

    def verdict(self, probability: float) -> Verdict:
        if probability >= self.correct_above:
            return Verdict.CORRECT
        if probability < self.incorrect_below:
            return Verdict.INCORRECT
        if self.uncertain_low <= probability < self.uncertain_high:
            return Verdict.UNCERTAIN
        return Verdict.PARTIAL

    def as_dict(self) -> dict[str, float]:
        return asdict(self)

    def encode(self) -> str:
        return "/".join(f"{value:g}" for value in asdict(self).values())


def fitted_bands() -> Bands:
    """The bands fitted with the shipped decision model: the default of every band setting."""
    from quizzer.grading.offline.decision import load_decision_model

    defaults = load_decision_model().defaults or {}
    return Bands(**{key: float(defaults[key]) for key in BAND_KEYS})


def global_bands(config: Config) -> Bands:
    """The fitted bands with the `grader.*` settings that are set in their place."""
    fitted = fitted_bands().as_dict()
    configured = {key: getattr(config.grader, key) for key in BAND_KEYS}
    return Bands(**{key: fitted[key] if value is None else float(value) for key, value in configured.items()})


def parse_deck_bands(entries: list[str]) -> dict[str, Bands]:
    """{deck: Bands} from the `grader.deck_bands` entries; a malformed entry is a ConfigError naming it."""
    decks = {}
    for entry in entries:
        deck, _, values = entry.rpartition("=")
        try:
            numbers = [float(value) for value in values.split("/")]
            if not deck.strip() or len(numbers) != len(BAND_KEYS):
                raise ValueError(entry)
        except ValueError:
            raise ConfigError(
                f"grader.deck_bands entry {entry!r} is not 'deck=incorrect_below/uncertain_low/uncertain_high/correct_above'"
            ) from None
        decks[deck.strip()] = Bands(*numbers)
    return decks


def bands_for(config: Config, deck: str | None = None) -> Bands:
    """The bands that apply to answers to cards of `deck` (the global ones when it has none of its own)."""
    if deck:
        own = parse_deck_bands(config.grader.deck_bands).get(deck)
        if own is not None:
            return own
    return global_bands(config)
