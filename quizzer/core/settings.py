"""The settings quizzer knows: typed dataclasses, each setting an attribute with its type, range and help, and the
one check that turns a raw value (from the TOML file, an environment variable or a flag) into that type.

`quizzer.core.config` resolves their values from flags, the environment, the config file and these defaults.
Plain dataclasses checked from their annotations rather than pydantic models: building those models made loading
the configuration about 0.2 s slower from Python and commands about 0.05 s slower (benchmarks/README.md).
"""

from __future__ import annotations

import os
import types
import typing
from dataclasses import dataclass, field, fields
from typing import Any, Literal

_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


@dataclass(frozen=True)
class Setting:
    """A setting's description, its inclusive bounds (numbers), and how it is treated."""

    help: str
    minimum: float | None = None
    maximum: float | None = None
    secret: bool = False
    # Further environment variables read after QUIZZER_*, e.g. OPENAI_API_KEY.
    aliases: tuple[str, ...] = ()


def setting(default: Any, help: str, *, minimum: float | None = None, maximum: float | None = None,
            secret: bool = False, aliases: tuple[str, ...] = ()) -> Any:
    """A dataclass field that is a setting (a list default is copied for each instance)."""
    metadata = {"setting": Setting(help, minimum, maximum, secret, aliases)}
    if isinstance(default, list):
        return field(default_factory=default.copy, metadata=metadata)
    return field(default=default, metadata=metadata, repr=not secret)


# A decision band's edge. Unset (None), it is the value fitted with the grader (grader_params.json, written by
# evals/fit_grader.py), which `quizzer.grading.offline.bands` reads: the one place the defaults live.
def _band(help: str) -> Any:
    return setting(None, help + "; default: the fitted value.", minimum=0, maximum=1)


@dataclass(frozen=True)
class GraderSettings:
    name: str | None = setting(None, "Grader for quiz, grade and eval: embedding, cosine, llm or hybrid "
                                     "(default: hybrid when an LLM is configured, else embedding).")
    model: str | None = setting(None, "Sentence-transformers model directory or hub id "
                                      "(default: the bundled all-MiniLM-L6-v2).")
    correct_above: float | None = _band("Probability at or above which an answer is correct "
                                        "(partial when key points are missing)")
    incorrect_below: float | None = _band("Probability below which an answer is incorrect")
    uncertain_low: float | None = _band("Lower edge of the uncertain band")
    uncertain_high: float | None = _band("Upper edge of the uncertain band")
    cosine_threshold: float = setting(0.59, "Cosine at or above which the cosine baseline says correct.",
                                      minimum=-1, maximum=1)
    deck_bands: list[str] = setting([], "Per-deck bands written by `quizzer calibrate --write`, each "
                                        "'deck=incorrect_below/uncertain_low/uncertain_high/correct_above'.")


@dataclass(frozen=True)
class QuizSettings:
    new_per_day: int = setting(20, "New cards introduced per day.", minimum=0)
    llm_budget_seconds: float = setting(15.0, "Longest the quiz waits for the LLM judge on one answer.", minimum=0)


@dataclass(frozen=True)
class LLMSettings:
    model: str | None = setting(None, "Model (or Azure deployment) of the LLM judge.")
    base_url: str | None = setting(None, "Base URL of an OpenAI-compatible endpoint.")
    api_key: str | None = setting(None, "API key of the LLM endpoint.", secret=True, aliases=("OPENAI_API_KEY",))
    azure_endpoint: str | None = setting(None, "Azure OpenAI endpoint (uses the Azure client when set).")
    api_version: str = setting("2024-10-21", "Azure OpenAI API version.")
    timeout: float = setting(20.0, "Seconds per LLM call.", minimum=0.001)
    attempts: int = setting(3, "Attempts per LLM call (with exponential backoff).", minimum=1)
    answer_budget_seconds: float = setting(45.0, "Longest one answer may wait for the LLM in batches.", minimum=0)
    concurrency: int = setting(4, "Concurrent LLM requests in batches.", minimum=1)
    max_consecutive_failures: int = setting(3, "Failures in a row after which the endpoint counts as down.",
                                            minimum=1)
    prices: str | None = setting(None, "Prices per million tokens, as 'model=input/output;model2=...'.")
    backoff_seconds: float = setting(1.0, "First wait before retrying a failed LLM call (doubles, with jitter).",
                                     minimum=0)
    backoff_max_seconds: float = setting(10.0, "Longest wait between LLM retries (Retry-After may ask more).",
                                         minimum=0)
    structured_output: Literal["auto", "json_schema", "json_object", "text"] = setting(
        "auto", "Structured-output form: auto, json_schema, json_object or text.")
    cache: bool = setting(True, "Reuse LLM verdicts stored in the database (--no-cache turns it off).")


@dataclass(frozen=True)
class ServeSettings:
    token: str | None = setting(None, "Token `quizzer serve` asks of every request (always needed off loopback; "
                                      "generated and printed when unset).", secret=True)


@dataclass(frozen=True)
class Settings:
    db: str | None = setting(None, "Path of the review database (default: in the user data dir).")
    cache_dir: str | None = setting(None, "Folder of the embedding cache (default: the user cache dir).")
    decks: list[str] = setting([], "Decks (names or paths) that `quizzer quiz` uses when none is given.")
    grader: GraderSettings = field(default_factory=GraderSettings)
    quiz: QuizSettings = field(default_factory=QuizSettings)
    llm: LLMSettings = field(default_factory=LLMSettings)
    serve: ServeSettings = field(default_factory=ServeSettings)


@dataclass(frozen=True)
class SettingInfo:
    """One setting as the file, the environment and `config show` know it: its key, type and bounds."""

    key: str
    type: Any  # str, int, float, bool, list (of str), or a tuple of the allowed strings
    setting: Setting
    optional: bool = False

    @property
    def env_var(self) -> str:
        return "QUIZZER_" + self.key.upper().replace(".", "_")

    @property
    def kind(self) -> str:
        """The type as error messages name it."""
        if isinstance(self.type, tuple):
            return "one of " + ", ".join(self.type)
        return {str: "a string", int: "an integer", float: "a number", bool: "true or false",
                list: "a list of strings"}[self.type]

    def check(self, value: Any) -> tuple[Any, str | None]:
        """`value` as this setting's type (an int where a number goes becomes a float), and what is wrong with
        it (its type, or its range), if anything."""
        value, problem = self.convert(value)
        return value, problem or self.range_problem(value)

    def convert(self, value: Any) -> tuple[Any, str | None]:
        """`value` as this setting's type, or why it is not one."""
        if value is None and self.optional:
            return None, None
        kind = self.type
        if isinstance(kind, tuple):
            ok = isinstance(value, str) and value in kind
        elif kind is float:
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            value = float(value) if ok else value
        elif kind is int:
            ok = isinstance(value, int) and not isinstance(value, bool)
        elif kind is list:
            ok = isinstance(value, list) and all(isinstance(item, str) for item in value)
        else:
            ok = isinstance(value, kind)
        if not ok:
            shown = repr(value) if isinstance(kind, tuple) else type(value).__name__
            return value, f"{self.key} must be {self.kind}, not {shown}"
        return value, None

    def range_problem(self, value: Any) -> str | None:
        """Why a value of this setting's type is out of its range, or None."""
        if self.type not in (int, float) or value is None:
            return None
        if self.setting.minimum is not None and value < self.setting.minimum:
            return f"{self.key} must be at least {self.setting.minimum:g}, not {value}"
        if self.setting.maximum is not None and value > self.setting.maximum:
            return f"{self.key} must be at most {self.setting.maximum:g}, not {value}"
        return None

    def parse(self, raw: str) -> Any:
        """A value from the text of an environment variable (ValueError when it is not one of this type)."""
        if self.type is bool:
            if raw.lower() in _TRUE + _FALSE:
                return raw.lower() in _TRUE
            raise ValueError(raw)
        if self.type is list:
            return [item.strip() for item in raw.split(os.pathsep if os.pathsep in raw else ",") if item.strip()]
        if self.type in (int, float):
            return self.type(raw)
        return raw


def _infos(model: type, prefix: str = "") -> dict[str, SettingInfo]:
    infos: dict[str, SettingInfo] = {}
    hints = typing.get_type_hints(model)
    for item in fields(model):
        key, annotation = prefix + item.name, hints[item.name]
        if "setting" not in item.metadata:  # a section
            infos.update(_infos(annotation, key + "."))
            continue
        members = typing.get_args(annotation)
        optional = typing.get_origin(annotation) in (typing.Union, types.UnionType) and type(None) in members
        if optional:
            (annotation,) = [member for member in members if member is not type(None)]
        if typing.get_origin(annotation) is Literal:
            annotation = typing.get_args(annotation)
        elif typing.get_origin(annotation) is list:
            annotation = list
        infos[key] = SettingInfo(key, annotation, item.metadata["setting"], optional)
    return infos


SETTINGS: dict[str, SettingInfo] = _infos(Settings)
# The tables of the file ([grader], [quiz], [llm], [serve]) and the dataclass of each.
SECTIONS: dict[str, type] = {
    item.name: typing.get_type_hints(Settings)[item.name] for item in fields(Settings) if "setting" not in item.metadata
}
