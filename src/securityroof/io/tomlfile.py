"""The one way a user's TOML file is parsed: bounded before tomllib sees it.

tomllib recurses once per nested array or inline table (100,000 ``[`` end in RecursionError),
takes time quadratic in the parts of a dotted key (a header of 100,000 parts runs for minutes), and
turns a digit run of any length into a Python int (400 digits overflow the first float() downstream;
past 4,300 digits int() itself refuses with a ValueError traceback). A cheap linear pre-scan of the text, with
strings and comments blanked out, bounds the size, the bracket depth, the parts of a dotted key, the
number of keys and the digits of a number; the parsed values are then held to TOML's own integer
range. Every limit is far above what a scenario, sweep or catalog file needs, and each breach is a
one-line :class:`TomlLimitError` naming the file, the limit and, where there is one, the line.

Syntax errors stay ``tomllib.TOMLDecodeError``: callers place them in their files' own messages.
"""

from __future__ import annotations

import re
import tomllib
from typing import Any

import numpy as np

from securityroof.errors import RoofError

#: Characters in one file (tomllib parses about half a megabyte a second on a slow machine).
MAX_CHARS = 1_000_000
#: Arrays and inline tables nested in one another (a scenario's deepest is 2: ``launch = [[lat, lon]]``).
MAX_DEPTH = 32
#: Parts of one dotted key or table header (``[a.b.c]`` has 3).
MAX_KEY_PARTS = 32
#: Keys and table headers in one file.
MAX_KEYS = 100_000
#: Digits in one number (a double carries 17 significant digits).
MAX_DIGITS = 40
#: TOML 1.0: integers are 64-bit signed; one that does not fit "must" be an error.
INT_RANGE = (-(2**63), 2**63 - 1)

# Strings (the four TOML kinds, multi-line first) and comments: what the pre-scan must not read as
# brackets, dots or digits. A quote this pattern does not pair is left in the text, which can only
# make the counts larger, never hide a bracket.
_OPAQUE = re.compile(
    r'"""(?:[^\\]|\\.)*?"""|\'\'\'.*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'|#[^\n]*',
    re.DOTALL,
)
# A dotted key: bare or (blanked) quoted parts joined by dots; possessive so that a long bare word
# is read once, not once per start position.
_DOTTED = re.compile(rf"(?<![\w-])[\w-]++(?:[ \t]*+\.[ \t]*+[\w-]++){{{MAX_KEY_PARTS}}}")
_LONG_NUMBER = re.compile(rf"(?:[0-9]_?){{{MAX_DIGITS + 1}}}")
# a key is an "="; a header is a line of one bracketed key (an array's row of two or more has a comma)
_KEY = re.compile(r"=|^[ \t]*\[\[?[^\[\]=,\n]*\]\]?[ \t]*$", re.MULTILINE)


class TomlLimitError(RoofError):
    """A TOML file beyond one of the limits above."""


def loads(text: str, file: str) -> dict[str, Any]:
    """``tomllib.loads(text)`` once the text is known to be within the limits; ``file`` names it."""
    if len(text) > MAX_CHARS:
        _fail(file, None, f"{len(text):,} characters, more than {MAX_CHARS:,}")
    _prescan(_OPAQUE.sub(_blank, text), file)
    try:
        data = tomllib.loads(text)
    except RecursionError:  # the pre-scan's bracket count is the guard; this is its backstop
        _fail(file, None, f"nested more than {MAX_DEPTH} deep")
    _check_values(data, file)
    return data


def _blank(match: re.Match) -> str:
    """A string becomes one character (a quoted key part still counts as a part) and keeps its
    line breaks (lines found in the blanked text are the file's lines); a comment goes."""
    found = match.group(0)
    return "s" + "\n" * found.count("\n") if found[0] in "\"'" else ""


def _prescan(code: str, file: str) -> None:
    encoded = code.encode("utf-8")
    step = np.zeros(256, dtype=np.int8)
    step[[ord("["), ord("{")]] = 1
    step[[ord("]"), ord("}")]] = -1
    depth = np.cumsum(step[np.frombuffer(encoded, dtype=np.uint8)], dtype=np.int64)
    if depth.size and depth.max() > MAX_DEPTH:
        line = encoded.count(b"\n", 0, int(np.argmax(depth > MAX_DEPTH))) + 1
        _fail(file, line, f"arrays or tables nested more than {MAX_DEPTH} deep")
    if match := _DOTTED.search(code):
        _fail(file, code.count("\n", 0, match.start()) + 1, f"a dotted key of more than {MAX_KEY_PARTS} parts")
    if match := _LONG_NUMBER.search(code):
        _fail(file, code.count("\n", 0, match.start()) + 1, f"a number of more than {MAX_DIGITS} digits")
    keys = len(_KEY.findall(code))
    if keys > MAX_KEYS:
        _fail(file, None, f"{keys:,} keys and table headers, more than {MAX_KEYS:,}")


def _check_values(data: dict[str, Any], file: str) -> None:
    """Integers within TOML's 64 bits, and no nesting deeper than the limit (dotted keys inside
    nested inline tables multiply); walked without recursion."""
    stack: list[tuple[Any, str, int]] = [(data, "", 0)]
    while stack:
        value, where, depth = stack.pop()
        if depth > MAX_DEPTH:
            _fail(file, None, f"{where}: nested more than {MAX_DEPTH} deep")
        if isinstance(value, dict):
            stack.extend((v, f"{where}.{k}" if where else str(k), depth + 1) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((v, f"{where}[{i}]", depth + 1) for i, v in enumerate(value))
        elif isinstance(value, int) and not isinstance(value, bool) and not INT_RANGE[0] <= value <= INT_RANGE[1]:
            _fail(file, None, f"{where}: {value} is beyond the 64-bit integers TOML allows")


def _fail(file: str, line: int | None, reason: str) -> None:
    where = f"{file}:{line}" if line else file
    raise TomlLimitError(f"{where}: {reason}", field=file, reason=reason)
