"""Settings: one registry, one TOML file, and the precedence flag > QUIZZER_* environment > file > default.

Every setting quizzer knows is declared once in `SETTINGS`; the file is validated against it
(unknown keys and wrong types are named with their line), environment variables are derived
from the key (`llm.base_url` -> `QUIZZER_LLM_BASE_URL`), and `quizzer config show` lists them
all with where each value came from, never printing a secret.
"""

from __future__ import annotations

import difflib
import os
import re
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from quizzer.errors import ConfigError


@dataclass(frozen=True)
class Setting:
    key: str
    kind: type  # str, int, float, bool or list (of str)
    default: Any
    help: str
    secret: bool = False
    # Further environment variables read after QUIZZER_*, e.g. OPENAI_API_KEY.
    aliases: tuple[str, ...] = ()
    # Inclusive bounds for numbers; a value outside them is refused like a wrong type.
    minimum: float | None = None
    maximum: float | None = None

    def range_problem(self, value: Any) -> str | None:
        """Why a number is out of range, or None."""
        if self.minimum is not None and value < self.minimum:
            return f"{self.key} must be at least {self.minimum:g}, not {value}"
        if self.maximum is not None and value > self.maximum:
            return f"{self.key} must be at most {self.maximum:g}, not {value}"
        return None

    @property
    def env_var(self) -> str:
        return "QUIZZER_" + self.key.upper().replace(".", "_")


def _settings(*settings: Setting) -> dict[str, Setting]:
    return {setting.key: setting for setting in settings}


SETTINGS: dict[str, Setting] = _settings(
    Setting("db", str, None, "Path of the review database (default: in the user data dir)."),
    Setting("cache_dir", str, None, "Folder of the embedding cache (default: the user cache dir)."),
    Setting("decks", list, [], "Decks (names or paths) that `quizzer quiz` uses when none is given."),
    Setting("grader.name", str, None, "Grader for quiz, grade and eval: embedding, cosine, llm or hybrid "
            "(default: hybrid when an LLM is configured, else embedding)."),
    Setting("grader.model", str, None, "Sentence-transformers model directory or hub id "
            "(default: the bundled all-MiniLM-L6-v2)."),
    Setting("grader.backend", str, "torch", "Encoder of the bundled model: torch (fp32) or onnx-int8 "
            "(its int8 weights run by ONNX Runtime, about twice as fast)."),
    # Defaults fitted by evals/fit_grader.py: the uncertain band holds the 15 % of training answers
    # the grader is least sure of (out of fold); below it, partial needs a covered key point.
    Setting("grader.correct_above", float, 0.59, "Probability at or above which an answer is correct "
            "(partial when key points are missing).", minimum=0, maximum=1),
    Setting("grader.incorrect_below", float, 0.31, "Probability below which an answer is incorrect.", minimum=0, maximum=1),
    Setting("grader.uncertain_low", float, 0.41, "Lower edge of the uncertain band.", minimum=0, maximum=1),
    Setting("grader.uncertain_high", float, 0.59, "Upper edge of the uncertain band.", minimum=0, maximum=1),
    Setting("grader.cosine_threshold", float, 0.59, "Cosine at or above which the cosine baseline says correct.", minimum=-1, maximum=1),
    Setting("grader.deck_bands", list, [], "Per-deck bands written by `quizzer calibrate --write`, each "
            "'deck=incorrect_below/uncertain_low/uncertain_high/correct_above'."),
    Setting("quiz.new_per_day", int, 20, "New cards introduced per day.", minimum=0),
    Setting("quiz.llm_budget_seconds", float, 15.0, "Longest the quiz waits for the LLM judge on one answer.", minimum=0),
    Setting("llm.model", str, None, "Model (or Azure deployment) of the LLM judge."),
    Setting("llm.base_url", str, None, "Base URL of an OpenAI-compatible endpoint."),
    Setting("llm.api_key", str, None, "API key of the LLM endpoint.", secret=True, aliases=("OPENAI_API_KEY",)),
    Setting("llm.azure_endpoint", str, None, "Azure OpenAI endpoint (uses the Azure client when set)."),
    Setting("llm.api_version", str, "2024-10-21", "Azure OpenAI API version."),
    Setting("llm.timeout", float, 20.0, "Seconds per LLM call.", minimum=0.001),
    Setting("llm.attempts", int, 3, "Attempts per LLM call (with exponential backoff).", minimum=1),
    Setting("llm.answer_budget_seconds", float, 45.0, "Longest one answer may wait for the LLM in batches.", minimum=0),
    Setting("llm.concurrency", int, 4, "Concurrent LLM requests in batches.", minimum=1),
    Setting("llm.max_consecutive_failures", int, 3, "Failures in a row after which the endpoint counts as down.", minimum=1),
    Setting("llm.prices", str, None, "Prices per million tokens, as 'model=input/output;model2=...'."),
    Setting("llm.backoff_seconds", float, 1.0, "First wait before retrying a failed LLM call (doubles, with jitter).", minimum=0),
    Setting("llm.backoff_max_seconds", float, 10.0, "Longest wait between LLM retries (Retry-After may ask more).", minimum=0),
    Setting("llm.structured_output", str, "auto", "Structured-output form: auto, json_schema, json_object or text."),
    Setting("llm.cache", bool, True, "Reuse LLM verdicts stored in the database (--no-cache turns it off)."),
)


def default_config_path() -> Path:
    from platformdirs import user_config_path

    return user_config_path("quizzer") / "config.toml"


def config_path() -> Path:
    """The config file's path: QUIZZER_CONFIG, else the platformdirs config dir."""
    override = os.environ.get("QUIZZER_CONFIG")
    return Path(override).expanduser() if override else default_config_path()


@dataclass(frozen=True)
class Resolved:
    value: Any
    source: str  # "flag", "env QUIZZER_X", "config file PATH:LINE" or "default"


@dataclass
class Config:
    """Effective settings. Build with `load_config`; flags come in through `with_flags`."""

    # Out of repr(): values, environment and flags may hold the API key (a traceback or log would show it).
    path: Path
    file_values: dict[str, Any] = field(default_factory=dict, repr=False)
    file_lines: dict[str, int] = field(default_factory=dict)
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ), repr=False)
    flags: dict[str, Any] = field(default_factory=dict, repr=False)

    def with_flags(self, **flags: Any) -> Config:
        """A copy where the given settings (dots as double underscores: `llm__model`) come from flags."""
        given = {key.replace("__", "."): value for key, value in flags.items() if value is not None}
        for key in given:
            _setting(key)
        return Config(self.path, self.file_values, self.file_lines, self.environ, {**self.flags, **given})

    def resolve(self, key: str) -> Resolved:
        setting = _setting(key)
        if key in self.flags:
            return Resolved(self.flags[key], "flag")
        for variable in (setting.env_var, *setting.aliases):
            raw = self.environ.get(variable)
            if raw not in (None, ""):
                return Resolved(_parse_env(setting, variable, raw), f"env {variable}")
        if key in self.file_values:
            return Resolved(self.file_values[key], f"config file {self.path}:{self.file_lines.get(key, '?')}")
        return Resolved(setting.default, "default")

    def get(self, key: str) -> Any:
        return self.resolve(key).value

    def rows(self) -> list[tuple[str, str, str]]:
        """(key, value for display, source) for every setting; secrets are masked."""
        rows = []
        for key, setting in SETTINGS.items():
            resolved = self.resolve(key)
            if setting.secret and resolved.value:
                shown = "(set)"
            elif resolved.value is None:
                shown = "(unset)"
            else:
                shown = str(resolved.value)
            rows.append((key, shown, resolved.source))
        return rows

    @property
    def llm_configured(self) -> bool:
        return bool(self.get("llm.model"))


def _setting(key: str) -> Setting:
    try:
        return SETTINGS[key]
    except KeyError:
        raise ConfigError(f"unknown setting {key!r}") from None


def _parse_env(setting: Setting, variable: str, raw: str) -> Any:
    try:
        if setting.kind is bool:
            if raw.lower() in ("1", "true", "yes", "on"):
                return True
            if raw.lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError(raw)
        if setting.kind is list:
            return [item.strip() for item in raw.split(os.pathsep if os.pathsep in raw else ",") if item.strip()]
        value = setting.kind(raw)
    except ValueError:
        raise ConfigError(
            f"environment variable {variable}={raw!r} is not {_KIND_NAMES[setting.kind]}",
            hint=f"unset it or give {_KIND_NAMES[setting.kind]}",
        ) from None
    problem = setting.range_problem(value) if setting.kind in (int, float) else None
    if problem:
        raise ConfigError(f"environment variable {variable}: {problem}", hint="unset it or give a value in range")
    return value


_KIND_NAMES = {str: "a string", int: "an integer", float: "a number", bool: "true or false",
               list: "a list of strings"}


def _type_ok(setting: Setting, value: Any) -> bool:
    if setting.kind is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if setting.kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if setting.kind is list:
        return isinstance(value, list) and all(isinstance(item, str) for item in value)
    return isinstance(value, setting.kind)


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for name, value in table.items():
        key = f"{prefix}{name}"
        if isinstance(value, dict) and any(known.startswith(key + ".") for known in SETTINGS):
            flat.update(_flatten(value, key + "."))
        else:
            flat[key] = value
    return flat


def _line_of(text: str, key: str) -> int | None:
    """Line of `key` in a TOML text (tomllib gives no positions): `name =` under its [section] header,
    a dotted `section.name =` in an enclosing table, or a `[key]` table header of its own."""
    current = ""
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        header = re.match(r"^\[([^\[\]]+)\]", stripped)
        if header:
            current = re.sub(r"\s*\.\s*", ".", header.group(1).strip())
            if current == key:
                return number
            continue
        assigned = re.match(r"^([A-Za-z0-9_.\s-]+?)\s*=", stripped)
        if assigned:
            dotted = re.sub(r"\s*\.\s*", ".", assigned.group(1))
            if ".".join(filter(None, (current, dotted))) == key:
                return number
    return None


def load_config(path: Path | None = None, environ: Mapping[str, str] | None = None) -> Config:
    """Reads and validates the config file (a missing file is an empty config)."""
    path = path or config_path()
    environ = dict(os.environ if environ is None else environ)
    if not path.exists():
        return Config(path=path, environ=environ)
    try:
        text = path.read_text(encoding="utf-8")
        table = tomllib.loads(text)
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, not a config file", hint="point QUIZZER_CONFIG at a file") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot be read: {error.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text", hint="save the config file as UTF-8") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    values: dict[str, Any] = {}
    lines: dict[str, int] = {}
    problems: list[str] = []
    for key, value in _flatten(table).items():
        line = _line_of(text, key)
        where = f"{path}:{line}" if line else str(path)
        setting = SETTINGS.get(key)
        if setting is None:
            close = difflib.get_close_matches(key, SETTINGS, n=1)
            problems.append(f"{where}: unknown setting {key!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        elif not _type_ok(setting, value):
            problems.append(f"{where}: {key} must be {_KIND_NAMES[setting.kind]}, not {type(value).__name__}")
        elif setting.kind in (int, float) and setting.range_problem(value):
            problems.append(f"{where}: {setting.range_problem(value)}")
        else:
            values[key] = float(value) if setting.kind is float else value
            if line:
                lines[key] = line
    secret_keys = [key for key in values if SETTINGS[key].secret]
    if secret_keys and os.name == "posix" and path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        problems.append(f"{path}: holds {', '.join(secret_keys)} but others can read it")
    if problems:
        hint = "run `chmod 600` on it" if secret_keys and len(problems) == 1 and "others can read" in problems[0] else (
            "`quizzer config show` lists the known settings"
        )
        raise ConfigError("invalid configuration:\n" + "\n".join(f"  - {p}" for p in problems), hint=hint)
    return Config(path=path, file_values=values, file_lines=lines, environ=environ)
