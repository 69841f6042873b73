"""The effective configuration: the typed settings (`quizzer.core.settings`) resolved from one TOML file, the
environment and flags, with the precedence flag > QUIZZER_* environment > file > default.

Callers read attributes (`config.grader.correct_above`). The file is validated against the model (unknown keys,
wrong types and values out of range are named with their line), environment variables are derived from the key
(`llm.base_url` -> `QUIZZER_LLM_BASE_URL`), and `quizzer config show` lists every setting with where its value
came from, never printing a secret.
"""

from __future__ import annotations

import difflib
import os
import re
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import PrivateAttr, ValidationError

from quizzer.core.errors import ConfigError
from quizzer.core.settings import SECTIONS, SETTINGS, SettingInfo, Settings


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


class Config(Settings):
    """The effective settings as typed attributes, and where each came from. Build with `load_config`;
    command-line flags come in through `with_flags`."""

    # Out of repr(): the layers may hold the API key (a traceback or log would show it).
    _path: Path = PrivateAttr()
    _sources: dict[str, str] = PrivateAttr()
    _layers: _Layers = PrivateAttr()

    @property
    def path(self) -> Path:
        return self._path

    @property
    def llm_configured(self) -> bool:
        return bool(self.llm.model)

    def with_flags(self, **flags: Any) -> Config:
        """A copy where the given settings (dots as double underscores: `llm__model`) come from flags."""
        given = {key.replace("__", "."): value for key, value in flags.items() if value is not None}
        for key in given:
            _info(key)
        layers = self._layers
        return _build(_Layers(layers.path, layers.file, layers.lines, layers.environ, {**layers.flags, **given}))

    def resolve(self, key: str) -> Resolved:
        """A setting's value and where it came from, by its key ("grader.correct_above")."""
        _info(key)
        value: Any = self
        for part in key.split("."):
            value = getattr(value, part)
        return Resolved(value, self._sources[key])

    def rows(self, fitted: Mapping[str, Any] | None = None) -> list[tuple[str, str, str]]:
        """(key, value for display, source) for every setting; secrets are masked. `fitted`: the values that
        unset settings stand for (the grader's bands)."""
        rows = []
        for key, info in SETTINGS.items():
            resolved = self.resolve(key)
            value = resolved.value if resolved.value is not None else (fitted or {}).get(key)
            if info.secret and value:
                shown = "(set)"
            elif value is None:
                shown = "(unset)"
            else:
                shown = str(value)
            rows.append((key, shown, resolved.source))
        return rows


@dataclass(frozen=True)
class _Layers:
    """Where values come from, lowest precedence first: the file's (flat keys, with their lines), the
    environment, and flags."""

    path: Path
    file: dict[str, Any]
    lines: dict[str, int]
    environ: Mapping[str, str]
    flags: dict[str, Any]


def _info(key: str) -> SettingInfo:
    try:
        return SETTINGS[key]
    except KeyError:
        raise ConfigError(f"unknown setting {key!r}") from None


def _nested(flat: Mapping[str, Any]) -> dict[str, Any]:
    nested: dict[str, Any] = {}
    for key, value in flat.items():
        section, _, name = key.rpartition(".")
        (nested.setdefault(section, {}) if section else nested)[name] = value
    return nested


def _errors(values: Mapping[str, Any], strict: bool) -> list[tuple[str, dict[str, Any]]]:
    """(key, pydantic error) for each setting with a problem in a layer's flat values (the first, when a
    union type reports one per member)."""
    try:
        Settings.model_validate(_nested(values), strict=strict)
    except ValidationError as error:
        found: dict[str, dict[str, Any]] = {}
        for problem in error.errors():
            found.setdefault(_key_of(problem["loc"]), problem)
        return list(found.items())
    return []


def _key_of(location: tuple[int | str, ...]) -> str:
    """The setting a pydantic error location points into (it may go on into a list item or a union member)."""
    key = ""
    for part in location:
        if not isinstance(part, str):
            break
        key = f"{key}.{part}" if key else part
        if key in SETTINGS:
            break
    return key


def _problem(key: str, problem: dict[str, Any], value: Any) -> str:
    """What is wrong with `value` for `key`, in a few words ("llm.attempts must be an integer, not float")."""
    context = problem.get("ctx") or {}
    if "ge" in context:
        return f"{key} must be at least {context['ge']:g}, not {value}"
    if "le" in context:
        return f"{key} must be at most {context['le']:g}, not {value}"
    if key in SECTIONS:
        return f"{key} must be a table of settings, not {type(value).__name__}"
    info = SETTINGS[key]
    shown = repr(value) if info.kind.startswith("one of") else type(value).__name__
    return f"{key} must be {info.kind}, not {shown}"


def _env_values(environ: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The settings given by environment variables (lists split), and which variable gave each."""
    values: dict[str, Any] = {}
    variables: dict[str, str] = {}
    for key, info in SETTINGS.items():
        for variable in (info.env_var, *info.aliases):
            raw = environ.get(variable)
            if raw not in (None, ""):
                separator = os.pathsep if os.pathsep in raw else ","
                values[key] = [item.strip() for item in raw.split(separator) if item.strip()] if info.is_list else raw
                variables[key] = variable
                break
    return values, variables


def _build(layers: _Layers) -> Config:
    """The effective settings from the layers; a bad environment variable or flag is a ConfigError."""
    env, variables = _env_values(layers.environ)
    problems: list[tuple[str, str | None]] = []
    for key, problem in _errors(env, strict=False):
        variable, raw = variables[key], layers.environ[variables[key]]
        if "ge" in (problem.get("ctx") or {}) or "le" in (problem.get("ctx") or {}):
            problems.append((f"environment variable {variable}: {_problem(key, problem, raw)}",
                             "unset it or give a value in range"))
        else:
            kind = SETTINGS[key].kind
            problems.append((f"environment variable {variable}={raw!r} is not {kind}", f"unset it or give {kind}"))
    problems += [(f"flag {key}: {_problem(key, problem, layers.flags.get(key))}", None)
                 for key, problem in _errors(layers.flags, strict=False)]
    if len(problems) == 1:
        raise ConfigError(problems[0][0], hint=problems[0][1])
    if problems:
        raise ConfigError("invalid configuration:\n" + "\n".join(f"  - {message}" for message, _ in problems),
                          hint="unset or correct them")
    chosen: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for key in SETTINGS:
        if key in layers.flags:
            chosen[key], sources[key] = layers.flags[key], "flag"
        elif key in env:
            chosen[key], sources[key] = env[key], f"env {variables[key]}"
        elif key in layers.file:
            where = f"{layers.path}:{layers.lines.get(key, '?')}"
            chosen[key], sources[key] = layers.file[key], f"config file {where}"
        else:
            sources[key] = "default"
    config = Config.model_validate(_nested(chosen))
    config._path, config._sources, config._layers = layers.path, sources, layers
    return config


def _flatten(table: dict[str, Any]) -> dict[str, Any]:
    """A TOML table's values by dotted key: the known sections' settings, and anything else as it stands."""
    flat: dict[str, Any] = {}
    for name, value in table.items():
        if name in SECTIONS and isinstance(value, dict):
            flat.update({f"{name}.{inner}": item for inner, item in value.items()})
        else:
            flat[name] = value
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


def _read_table(path: Path) -> tuple[str, dict[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8")
        return text, tomllib.loads(text)
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, not a config file", hint="point QUIZZER_CONFIG at a file") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot be read: {error.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text", hint="save the config file as UTF-8") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None


def defaults(path: Path | None = None) -> Config:
    """Every setting at its default (for showing the known settings when the file cannot be used)."""
    return _build(_Layers(path or config_path(), {}, {}, {}, {}))


def load_config(path: Path | None = None, environ: Mapping[str, str] | None = None) -> Config:
    """Reads and validates the config file (a missing file is an empty config) and the QUIZZER_* environment."""
    path = path or config_path()
    environ = dict(os.environ if environ is None else environ)
    if not path.exists():
        return _build(_Layers(path, {}, {}, environ, {}))
    text, table = _read_table(path)
    values = _flatten(table)
    lines = {key: line for key in values if (line := _line_of(text, key))}
    problems: list[str] = []
    invalid: set[str] = set()
    # In the file's order, as people read it.
    for key, problem in sorted(_errors(values, strict=True), key=lambda item: lines.get(item[0], 0)):
        where = f"{path}:{lines[key]}" if key in lines else str(path)
        invalid.add(key)
        if problem["type"] == "extra_forbidden":
            close = difflib.get_close_matches(key, SETTINGS, n=1)
            problems.append(f"{where}: unknown setting {key!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        else:
            problems.append(f"{where}: {_problem(key, problem, values.get(key))}")
    secret_keys = [key for key in values if key in SETTINGS and SETTINGS[key].secret and key not in invalid]
    if secret_keys and os.name == "posix" and path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        problems.append(f"{path}: holds {', '.join(secret_keys)} but others can read it")
    if problems:
        hint = "run `chmod 600` on it" if secret_keys and len(problems) == 1 and "others can read" in problems[0] else (
            "`quizzer config show` lists the known settings"
        )
        raise ConfigError("invalid configuration:\n" + "\n".join(f"  - {p}" for p in problems), hint=hint)
    return _build(_Layers(path, values, lines, environ, {}))
