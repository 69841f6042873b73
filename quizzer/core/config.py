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
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

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


@dataclass(frozen=True)
class _Layers:
    """Where values come from, lowest precedence first: the file's (flat keys, with their lines), the
    environment, and flags."""

    path: Path
    # Out of repr(), like the Config's own: they may hold the API key.
    file: dict[str, Any] = field(repr=False)
    lines: dict[str, int] = field(repr=False)
    environ: Mapping[str, str] = field(repr=False)
    flags: dict[str, Any] = field(repr=False)


@dataclass(frozen=True)
class Config(Settings):
    """The effective settings as typed attributes, and where each came from. Build with `load_config`;
    command-line flags come in through `with_flags`."""

    path: Path = Path("config.toml")
    sources: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)
    layers: _Layers | None = field(default=None, repr=False, compare=False)

    @property
    def llm_configured(self) -> bool:
        return bool(self.llm.model)

    def with_flags(self, **flags: Any) -> Config:
        """A copy where the given settings (dots as double underscores: `llm__model`) come from flags."""
        given = {key.replace("__", "."): value for key, value in flags.items() if value is not None}
        for key in given:
            _info(key)
        layers = self.layers or _Layers(self.path, {}, {}, {}, {})
        return _build(replace(layers, flags={**layers.flags, **given}))

    def resolve(self, key: str) -> Resolved:
        """A setting's value and where it came from, by its key ("grader.correct_above")."""
        _info(key)
        value: Any = self
        for part in key.split("."):
            value = getattr(value, part)
        return Resolved(value, self.sources.get(key, "default"))

    def rows(self, fitted: Mapping[str, Any] | None = None) -> list[tuple[str, str, str]]:
        """(key, value for display, source) for every setting; secrets are masked. `fitted`: the values that
        unset settings stand for (the grader's bands)."""
        rows = []
        for key, info in SETTINGS.items():
            resolved = self.resolve(key)
            value = resolved.value if resolved.value is not None else (fitted or {}).get(key)
            if info.setting.secret and value:
                shown = "(set)"
            elif value is None:
                shown = "(unset)"
            else:
                shown = str(value)
            rows.append((key, shown, resolved.source))
        return rows


def _info(key: str) -> SettingInfo:
    try:
        return SETTINGS[key]
    except KeyError:
        raise ConfigError(f"unknown setting {key!r}") from None


def _env_values(environ: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str], list[tuple[str, str]]]:
    """The settings given by environment variables, which variable gave each, and (message, hint) for each
    variable that holds no value of its setting's type or range."""
    values: dict[str, Any] = {}
    variables: dict[str, str] = {}
    problems: list[tuple[str, str]] = []
    for key, info in SETTINGS.items():
        variable = next((name for name in (info.env_var, *info.setting.aliases) if environ.get(name)), None)
        if variable is None:
            continue
        raw = environ[variable]
        try:
            value, wrong_type = info.convert(info.parse(raw))
        except ValueError:
            value, wrong_type = raw, info.kind
        out_of_range = None if wrong_type else info.range_problem(value)
        if wrong_type:
            problems.append((f"environment variable {variable}={raw!r} is not {info.kind}",
                             f"unset it or give {info.kind}"))
        elif out_of_range:
            problems.append((f"environment variable {variable}: {out_of_range}", "unset it or give a value in range"))
        else:
            values[key], variables[key] = value, variable
    return values, variables, problems


def _build(layers: _Layers) -> Config:
    """The effective settings from the layers; a bad environment variable or flag is a ConfigError."""
    env, variables, problems = _env_values(layers.environ)
    flags: dict[str, Any] = {}
    for key, value in layers.flags.items():
        flags[key], problem = SETTINGS[key].check(value)
        if problem:
            problems.append((f"flag {problem}", "correct the option"))
    if len(problems) == 1:
        raise ConfigError(problems[0][0], hint=problems[0][1])
    if problems:
        raise ConfigError("invalid configuration:\n" + "\n".join(f"  - {message}" for message, _ in problems),
                          hint="unset or correct them")
    chosen: dict[str, dict[str, Any]] = {}
    sources: dict[str, str] = {}
    for key in SETTINGS:
        for values, source in ((flags, "flag"), (env, f"env {variables.get(key)}"),
                               (layers.file, f"config file {layers.path}:{layers.lines.get(key, '?')}")):
            if key in values:
                section, _, name = key.rpartition(".")
                chosen.setdefault(section, {})[name] = values[key]
                sources[key] = source
                break
        else:
            sources[key] = "default"
    top = chosen.pop("", {})
    sections = {name: SECTIONS[name](**chosen.get(name, {})) for name in SECTIONS}
    return Config(**top, **sections, path=layers.path, sources=sources, layers=layers)


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
    problems: list[tuple[int, str]] = []
    checked: dict[str, Any] = {}
    for key, value in values.items():
        where = f"{path}:{lines[key]}" if key in lines else str(path)
        info = SETTINGS.get(key)
        if info is not None:
            checked[key], problem = info.check(value)
        elif key in SECTIONS:
            problem = f"{key} must be a table of settings, not {type(value).__name__}"
        else:
            close = difflib.get_close_matches(key, SETTINGS, n=1)
            problem = f"unknown setting {key!r}" + (f" (did you mean {close[0]!r}?)" if close else "")
        if problem:
            problems.append((lines.get(key, 0), f"{where}: {problem}"))
    # In the file's order, as people read it.
    problems.sort(key=lambda item: item[0])
    secret_keys = [key for key in checked if SETTINGS[key].setting.secret]
    if secret_keys and os.name == "posix" and path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        problems.append((0, f"{path}: holds {', '.join(secret_keys)} but others can read it"))
    if problems:
        only_readable = secret_keys and len(problems) == 1 and "others can read" in problems[0][1]
        hint = "run `chmod 600` on it" if only_readable else "`quizzer config show` lists the known settings"
        raise ConfigError("invalid configuration:\n" + "\n".join(f"  - {message}" for _, message in problems),
                          hint=hint)
    return _build(_Layers(path, checked, lines, environ, {}))
