"""Writing settings into the TOML config file with small edits that keep the rest of it as it was."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from quizzer.core.config import SETTINGS, load_config
from quizzer.core.errors import ConfigError


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(round(value, 6))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(json.dumps(str(item)) for item in value) + "]"
    return json.dumps(str(value))


def write_settings(path: Path, values: dict[str, Any]) -> None:
    """Sets each `section.name` key in the file (creating it), replacing a line that sets it already.

    The result is validated with `load_config`; if it does not load, the file is left as it was.
    """
    for key in values:
        if key not in SETTINGS:
            raise ConfigError(f"unknown setting {key!r}")
    original = path.read_text(encoding="utf-8") if path.exists() else None
    lines = (original or "").splitlines()
    for key, value in values.items():
        lines = _set_line(lines, key, toml_value(value))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines).strip("\n") + "\n", encoding="utf-8")
    try:
        load_config(path, environ={})
    except ConfigError:
        if original is None:
            path.unlink()
        else:
            path.write_text(original, encoding="utf-8")
        raise


def _set_line(lines: list[str], key: str, value: str) -> list[str]:
    section, _, name = key.rpartition(".")
    current = ""
    header_index = None
    section_end = None
    for index, line in enumerate(lines):
        stripped = line.strip()
        header = re.match(r"^\[([^\[\]]+)\]", stripped)
        if header:
            if current == section and header_index is not None and section_end is None:
                section_end = index
            current = header.group(1).strip()
            if current == section:
                header_index = index
            continue
        if current == section and re.match(rf"^{re.escape(name)}\s*=", stripped):
            return [*lines[:index], f"{name} = {value}", *lines[index + 1 :]]
        if current == "" and section and re.match(rf"^{re.escape(key)}\s*=", stripped):
            return [*lines[:index], f"{key} = {value}", *lines[index + 1 :]]
    if not section:
        first_header = next((i for i, line in enumerate(lines) if line.strip().startswith("[")), len(lines))
        return [*lines[:first_header], f"{name} = {value}", *lines[first_header:]]
    if header_index is None:
        return [*lines, "", f"[{section}]", f"{name} = {value}"]
    insert_at = section_end if section_end is not None else len(lines)
    while insert_at > header_index + 1 and not lines[insert_at - 1].strip():
        insert_at -= 1
    return [*lines[:insert_at], f"{name} = {value}", *lines[insert_at:]]
