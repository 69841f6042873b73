"""The settings quizzer knows: one typed model (pydantic), each setting an attribute with its type, range and help.

`quizzer.core.config` resolves their values from flags, the environment, the config file and these defaults.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field


@dataclass(frozen=True)
class Setting:
    """What `config show` and the error messages say about a setting, beside its type and range."""

    help: str
    secret: bool = False
    # Further environment variables read after QUIZZER_*, e.g. OPENAI_API_KEY.
    aliases: tuple[str, ...] = ()


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# The decision bands: unset, each is the value fitted with the grader (grader_params.json, written by
# evals/fit_grader.py), which `quizzer.grading.offline.bands` reads.
def _band(help: str) -> Any:
    return Field(None, ge=0, le=1, json_schema_extra={"setting": Setting(help + " (default: the fitted value)")})


class GraderSettings(_Section):
    name: Annotated[str | None, Setting(
        "Grader for quiz, grade and eval: embedding, cosine, llm or hybrid "
        "(default: hybrid when an LLM is configured, else embedding).")] = None
    model: Annotated[str | None, Setting(
        "Sentence-transformers model directory or hub id (default: the bundled all-MiniLM-L6-v2).")] = None
    correct_above: float | None = _band("Probability at or above which an answer is correct (partial when key "
                                        "points are missing)")
    incorrect_below: float | None = _band("Probability below which an answer is incorrect")
    uncertain_low: float | None = _band("Lower edge of the uncertain band")
    uncertain_high: float | None = _band("Upper edge of the uncertain band")
    cosine_threshold: Annotated[float, Field(ge=-1, le=1), Setting(
        "Cosine at or above which the cosine baseline says correct.")] = 0.59
    deck_bands: Annotated[list[str], Setting(
        "Per-deck bands written by `quizzer calibrate --write`, each "
        "'deck=incorrect_below/uncertain_low/uncertain_high/correct_above'.")] = []


class QuizSettings(_Section):
    new_per_day: Annotated[int, Field(ge=0), Setting("New cards introduced per day.")] = 20
    llm_budget_seconds: Annotated[float, Field(ge=0), Setting(
        "Longest the quiz waits for the LLM judge on one answer.")] = 15.0


class LLMSettings(_Section):
    model: Annotated[str | None, Setting("Model (or Azure deployment) of the LLM judge.")] = None
    base_url: Annotated[str | None, Setting("Base URL of an OpenAI-compatible endpoint.")] = None
    api_key: Annotated[str | None, Field(repr=False), Setting(
        "API key of the LLM endpoint.", secret=True, aliases=("OPENAI_API_KEY",))] = None
    azure_endpoint: Annotated[str | None, Setting("Azure OpenAI endpoint (uses the Azure client when set).")] = None
    api_version: Annotated[str, Setting("Azure OpenAI API version.")] = "2024-10-21"
    timeout: Annotated[float, Field(ge=0.001), Setting("Seconds per LLM call.")] = 20.0
    attempts: Annotated[int, Field(ge=1), Setting("Attempts per LLM call (with exponential backoff).")] = 3
    answer_budget_seconds: Annotated[float, Field(ge=0), Setting(
        "Longest one answer may wait for the LLM in batches.")] = 45.0
    concurrency: Annotated[int, Field(ge=1), Setting("Concurrent LLM requests in batches.")] = 4
    max_consecutive_failures: Annotated[int, Field(ge=1), Setting(
        "Failures in a row after which the endpoint counts as down.")] = 3
    prices: Annotated[str | None, Setting("Prices per million tokens, as 'model=input/output;model2=...'.")] = None
    backoff_seconds: Annotated[float, Field(ge=0), Setting(
        "First wait before retrying a failed LLM call (doubles, with jitter).")] = 1.0
    backoff_max_seconds: Annotated[float, Field(ge=0), Setting(
        "Longest wait between LLM retries (Retry-After may ask more).")] = 10.0
    structured_output: Annotated[Literal["auto", "json_schema", "json_object", "text"], Setting(
        "Structured-output form: auto, json_schema, json_object or text.")] = "auto"
    cache: Annotated[bool, Setting("Reuse LLM verdicts stored in the database (--no-cache turns it off).")] = True


class Settings(_Section):
    db: Annotated[str | None, Setting("Path of the review database (default: in the user data dir).")] = None
    cache_dir: Annotated[str | None, Setting("Folder of the embedding cache (default: the user cache dir).")] = None
    decks: Annotated[list[str], Setting("Decks (names or paths) that `quizzer quiz` uses when none is given.")] = []
    grader: GraderSettings = GraderSettings()
    quiz: QuizSettings = QuizSettings()
    llm: LLMSettings = LLMSettings()


@dataclass(frozen=True)
class SettingInfo:
    """One setting as the file, the environment and `config show` know it."""

    key: str
    kind: str  # "a string", "an integer", "a number", "true or false", "a list of strings" or "one of ..."
    default: Any
    help: str
    secret: bool = False
    aliases: tuple[str, ...] = ()
    is_list: bool = False

    @property
    def env_var(self) -> str:
        return "QUIZZER_" + self.key.upper().replace(".", "_")


def _infos(model: type[BaseModel], prefix: str = "") -> dict[str, SettingInfo]:
    infos: dict[str, SettingInfo] = {}
    for name, field in model.model_fields.items():
        key = prefix + name
        if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel):
            infos.update(_infos(field.annotation, key + "."))
            continue
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        setting = next((item for item in field.metadata if isinstance(item, Setting)), extra.get("setting"))
        assert isinstance(setting, Setting), key
        kind, is_list = _kind(field.annotation)
        infos[key] = SettingInfo(key, kind, field.default, setting.help, setting.secret, setting.aliases, is_list)
    return infos


def _kind(annotation: Any) -> tuple[str, bool]:
    """How an error message names a setting's type, and whether it is a list."""
    arguments = [argument for argument in typing.get_args(annotation) if argument is not type(None)]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and len(arguments) == 1:
        annotation = arguments[0]
    if typing.get_origin(annotation) is Literal:
        return "one of " + ", ".join(typing.get_args(annotation)), False
    if typing.get_origin(annotation) is list:
        return "a list of strings", True
    return {str: "a string", int: "an integer", float: "a number", bool: "true or false"}[annotation], False


SETTINGS: dict[str, SettingInfo] = _infos(Settings)
SECTIONS = frozenset(key.partition(".")[0] for key in SETTINGS if "." in key)
