"""Where each table and key of a scenario file is written."""

from __future__ import annotations

import json
import re

from securityroof.model.scenario.messages import KeyPath

# Lines. tomllib keeps no positions, so a small scanner finds where each table header and key
# starts in a text tomllib has accepted. Only positions are wanted, not values.

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


class Lines:
    """Key path -> the 1-based line where that table or key is written."""

    def __init__(self, text: str):
        self.where: dict[KeyPath, int] = {}
        self._text = text
        self._i = 0
        self._line = 1
        self._scan()

    def line(self, path: KeyPath) -> int | None:
        """The line of ``path``, or of its nearest written ancestor (a missing key: its table)."""
        for n in range(len(path), 0, -1):
            if path[:n] in self.where:
                return self.where[path[:n]]
        return None

    def _scan(self) -> None:
        text = self._text
        table: KeyPath = ()
        arrays: dict[KeyPath, int] = {}  # array of tables (resolved path) -> rows so far
        while self._i < len(text):
            c = text[self._i]
            if c == "\n":
                self._line += 1
                self._i += 1
            elif c in " \t\r":
                self._i += 1
            elif c == "#":
                self._skip_comment()
            elif c == "[":
                double = text.startswith("[[", self._i)
                self._i += 2 if double else 1
                keys = self._key()
                if keys is None:
                    return
                self._skip_comment()  # the rest of the header line: "]]" and any comment
                path: KeyPath = ()
                for part in keys[:-1] if double else keys:
                    path = (*path, part)
                    if path in arrays:
                        path = (*path, arrays[path] - 1)
                if double:
                    path = (*path, keys[-1])
                    arrays[path] = arrays.get(path, 0) + 1
                    path = (*path, arrays[path] - 1)
                self.where.setdefault(path, self._line)
                table = path
            else:
                keys = self._key()
                if keys is None or not text.startswith("=", self._i):
                    return
                for n in range(1, len(keys) + 1):  # a.b.c = 1 also writes tables a and a.b
                    self.where.setdefault((*table, *keys[:n]), self._line)
                self._i += 1
                self._skip_value((*table, *keys))

    def _key(self) -> list[str] | None:
        """A dotted key at the cursor (bare or quoted parts); None if there is none."""
        text, parts = self._text, []
        while True:
            while self._i < len(text) and text[self._i] in " \t":
                self._i += 1
            if self._i >= len(text):
                return None
            quote = text[self._i]
            if quote in "\"'":
                end = self._i + 1
                while end < len(text) and text[end] != quote and text[end] != "\n":
                    end += 2 if quote == '"' and text[end] == "\\" else 1
                raw = text[self._i + 1 : end]
                try:
                    parts.append(json.loads(f'"{raw}"') if quote == '"' else raw)
                except ValueError:
                    parts.append(raw)
                self._i = end + 1
            else:
                match = _BARE_KEY.match(text, self._i)
                if not match:
                    return None
                parts.append(match.group())
                self._i = match.end()
            while self._i < len(text) and text[self._i] in " \t":
                self._i += 1
            if self._i < len(text) and text[self._i] == ".":
                self._i += 1
                continue
            return parts

    def _skip_comment(self) -> None:
        end = self._text.find("\n", self._i)
        self._i = len(self._text) if end < 0 else end

    def _skip_value(self, path: KeyPath) -> None:
        """Move past one value (arrays, inline tables and multi-line strings span lines), noting
        the line of each element of a top-level array (``launch[1]`` on its own line)."""
        text, depth, element, expecting = self._text, 0, 0, False
        while self._i < len(text):
            c = text[self._i]
            if expecting and c not in " \t\r\n#]":
                self.where.setdefault((*path, element), self._line)
                expecting = False
            if text.startswith('"""', self._i) or text.startswith("'''", self._i):
                self._skip_multiline_string(text[self._i : self._i + 3])
                continue
            if c in "\"'":
                self._i += 1
                while self._i < len(text) and text[self._i] not in (c, "\n"):
                    self._i += 2 if c == '"' and text[self._i] == "\\" else 1
            elif c in "[{":
                depth += 1
                expecting = depth == 1 and c == "["
            elif c in "]}":
                depth -= 1
            elif c == "," and depth == 1:
                element += 1
                expecting = True
            elif c == "#":
                self._skip_comment()
                continue
            elif c == "\n":
                if depth <= 0:
                    return
                self._line += 1
            self._i += 1

    def _skip_multiline_string(self, quotes: str) -> None:
        text = self._text
        self._i += 3
        while self._i < len(text):
            if text[self._i] == "\\" and quotes == '"""':
                self._line += text[self._i + 1 : self._i + 2] == "\n"
                self._i += 2
                continue
            if text.startswith(quotes, self._i):
                self._i += 3
                # up to two more quote marks belong to the content
                for _ in range(2):
                    if self._i < len(text) and text[self._i] == quotes[0]:
                        self._i += 1
                return
            self._line += text[self._i] == "\n"
            self._i += 1
