"""How a scenario's problems are worded: key paths, values as written in TOML, close names, line numbers."""

from __future__ import annotations

import difflib
import json
import re
import tomllib
from collections.abc import Iterable
from typing import Any

#: Where in a file: table, row index, key, ... (``asset[2].boresight_az_deg``).
KeyPath = tuple[str | int, ...]


def unknown(what: str, name: str, known: Iterable[str]) -> str:
    known = sorted(known)
    close = difflib.get_close_matches(name.lower(), known, n=3, cutoff=0.5)
    if close:
        return f"unknown {what} {name!r}; did you mean {', '.join(close)}?"
    return f"unknown {what} {name!r}; known: {', '.join(known) or 'none declared'}"


def show(value: Any) -> str:
    """A value as it would be written in TOML, short."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list | tuple):
        text = "[" + ", ".join(show(v) for v in value) + "]"
        return text if len(text) <= 60 else "an array"
    return str(value)


def reason_of(error: dict[str, Any], fields: Iterable[str]) -> str:
    """A pydantic error as a reason a file's author can act on."""
    kind, value = error["type"], error.get("input")
    if kind == "missing":
        return "missing (required)"
    if kind == "extra_forbidden":
        known = list(fields)
        close = difflib.get_close_matches(str(error["loc"][-1]), known, n=1, cutoff=0.6)
        return "unknown key" + (f"; did you mean {close[0]}?" if close else f"; known keys: {', '.join(known)}")
    if kind == "value_error":
        return str(error["ctx"]["error"])
    if kind == "string_pattern_mismatch":
        return f'{show(value)} is not an id: use lowercase letters, digits and hyphens (e.g. "nato")'
    message = error["msg"]
    return message if isinstance(value, dict | list) else f"{message}, got {show(value)}"


def format_path(path: KeyPath) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def located_message(file: str, line: int | None, path: KeyPath, reason: str) -> str:
    where = f"{file}:{line}" if line is not None else file
    return f"{where}: {format_path(path)}: {reason}" if path else f"{where}: {reason}"


def syntax_message(file: str, text: str, error: tomllib.TOMLDecodeError) -> str:
    message = str(error)
    found = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
    if found:
        return f"{file}:{found[1]}:{found[2]}: not valid TOML: {message[: found.start()]}"
    end = re.search(r"\s*\(at end of document\)$", message)
    if end:
        return f"{file}:{max(1, text.count(chr(10)) + 1)}: not valid TOML: {message[: end.start()]} (at end of file)"
    return f"{file}: not valid TOML: {message}"
