"""Scenario inheritance: a file that ``extends`` another takes its tables and changes them.

::

    extends = "epaa-phase-3"     # a library name (`roof scenarios`), or a path relative to this file
    remove = ["kurecik"]         # ids of inherited parties, assets, points or threats to drop
    [[asset]]                    # a row whose id is inherited replaces that row where it stood;
    ...                          # any other row is added after the inherited ones

The own-class tables (``[[missile]]``, ``[[radar]]``, ``[[satellite]]``, ``[[interceptor]]``) merge
the same way by ``name``; ``name``, ``description`` and ``[sharing]`` are replaced when given, and
``[analysis]`` key by key. A file that is extended need not be a whole scenario (the library's common
threat assessment is points and threats only): only the merged result is checked. Every problem
still names the file and line where the offending row or key is written.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from securityroof.io import tomlfile
from securityroof.model.scenario.lines import Lines
from securityroof.model.scenario.messages import KeyPath, located_message, show, syntax_message, unknown
from securityroof.model.scenario.schema import ScenarioError
from securityroof.model.scenario.shipped import library

#: Files one scenario may stand on, itself included: deeper chains are surely a mistake.
MAX_DEPTH = 8
#: Tables of rows merged by ``id``, and what ``remove`` may name.
ID_ROWS = ("party", "asset", "point", "threat")
#: The own-class tables, merged by ``name``.
CLASS_ROWS = ("missile", "radar", "satellite", "interceptor")
_REPLACED = ("name", "description", "sharing")


@dataclass
class Source:
    """One file (or command-line snippet) of a scenario, for placing its problems."""

    file: str
    text: str

    @cached_property
    def lines(self) -> Lines:
        return Lines(self.text)


@dataclass
class Layers:
    """The merged data of a scenario and where each part of it was written."""

    data: dict[str, Any]
    top: Source
    #: (table, index in the merged data) -> (its file, (table, index in that file))
    rows: dict[tuple[str, int], tuple[Source, KeyPath]] = field(default_factory=dict)
    #: a top-level key, or ("analysis", key) -> the file that gave it
    keys: dict[KeyPath, Source] = field(default_factory=dict)
    #: the files, the extending one first (problems are listed in this order)
    sources: list[Source] = field(default_factory=list)

    def locate(self, path: KeyPath) -> tuple[Source, KeyPath]:
        """The file, and the key path in it, of ``path`` in the merged data."""
        if len(path) >= 2 and (path[0], path[1]) in self.rows:
            source, at = self.rows[(path[0], path[1])]
            return source, (*at, *path[2:])
        for n in (2, 1):
            if path[:n] in self.keys:
                return self.keys[path[:n]], path
        return self.top, path

    def messages(self, problems: Sequence[tuple[KeyPath, str]]) -> list[str]:
        """Each problem as ``file:line: key.path: reason``, by file (the extending one first), then line."""
        placed = []
        for path, reason in problems:
            source, at = self.locate(path)
            line = source.lines.line(at)
            placed.append((self.sources.index(source), line or 0, located_message(source.file, line, at, reason)))
        return [message for *_, message in sorted(placed, key=lambda item: item[:2])]


def read_layers(
    text: str, file: str, path: Path | None, *, onto: Layers | None = None, chain: tuple[Path, ...] = ()
) -> Layers:
    """The scenario text ``text`` (named ``file``, read from ``path`` if from a file) with everything it
    extends merged in; or, ``onto`` another scenario's layers, what it adds to and removes from those
    (``roof engage --add``). Raises :class:`ScenarioError` for a file that cannot be read or resolved."""
    source = Source(file, text)
    data = _parse(source)
    own = Layers(data, source, sources=[source])
    own.rows = {(t, i): (source, (t, i)) for t in (*ID_ROWS, *CLASS_ROWS) for i in range(_count(data, t))}
    own.keys = {(key,): source for key in data} | {("analysis", k): source for k in _analysis(data)}
    parent_ref, remove = data.pop("extends", None), data.pop("remove", None)
    if onto is not None:
        if parent_ref is not None:
            _fail(source, ("extends",), "not used here: what is added extends the scenario it is added to")
        return merge(onto, own, remove)
    if parent_ref is None:
        if remove is not None:
            _fail(source, ("remove",), "only used with extends (it names inherited rows to drop)")
        return own
    if not isinstance(parent_ref, str) or not parent_ref.strip():
        _fail(source, ("extends",), f"expected a library scenario name or a file path, got {show(parent_ref)}")
    here = path.resolve() if path is not None else None
    parent_path = _resolve(parent_ref, path.parent if path is not None else Path.cwd(), source)
    visited = (*chain, *([here] if here else []))
    if parent_path.resolve() in visited:
        names = " -> ".join(p.name for p in (*visited, parent_path))
        _fail(source, ("extends",), f"a cycle: {names}")
    if len(visited) + 1 > MAX_DEPTH:
        _fail(source, ("extends",), f"more than {MAX_DEPTH} files extend one another; flatten the chain")
    parent_text = _read(parent_path, source)
    parent = read_layers(parent_text, str(parent_path), parent_path, chain=visited)
    return merge(parent, own, remove)


def merge(parent: Layers, child: Layers, remove: Any = None) -> Layers:
    """``child``'s rows and keys over ``parent``'s, after dropping the inherited rows ``remove`` names."""
    source = child.top
    merged = Layers({}, source, sources=[*child.sources, *parent.sources])
    problems: list[tuple[KeyPath, str]] = []
    dropped = _removed(parent.data, remove, problems)
    if problems:
        raise ScenarioError(child.messages(problems))
    for key in {**parent.data, **child.data}:
        if key in (*ID_ROWS, *CLASS_ROWS):
            continue
        if key == "analysis" and isinstance(parent.data.get(key), dict) and isinstance(child.data.get(key), dict):
            merged.data[key] = {**parent.data[key], **child.data[key]}
            merged.keys |= {(key, k): parent.keys[(key, k)] for k in parent.data[key]}
            merged.keys |= {(key, k): source for k in child.data[key]} | {(key,): source}
        else:
            owner = child if key in child.data else parent
            merged.data[key] = owner.data[key]
            merged.keys[(key,)] = owner.keys[(key,)]
            merged.keys |= {k: v for k, v in owner.keys.items() if k[0] == key and len(k) == 2}
    for table in (*ID_ROWS, *CLASS_ROWS):
        _merge_rows(table, parent, child, dropped, merged)
    return merged


def _merge_rows(table: str, parent: Layers, child: Layers, dropped: set[str], merged: Layers) -> None:
    key = "id" if table in ID_ROWS else "name"
    inherited, added = parent.data.get(table, []), child.data.get(table, [])
    if not isinstance(added, list) or not isinstance(inherited, list):
        # not an array of tables: the file's shape check reports it where it is written
        owner = child if table in child.data else parent
        if table in owner.data:
            merged.data[table] = owner.data[table]
            merged.keys[(table,)] = owner.keys[(table,)]
        return
    rows = [(raw, parent.rows[(table, i)]) for i, raw in enumerate(inherited)
            if not (table in ID_ROWS and isinstance(raw, dict) and raw.get(key) in dropped)]  # fmt: skip
    replaceable = {raw[key]: k for k, (raw, _) in enumerate(rows) if isinstance(raw, dict) and key in raw}
    for j, raw in enumerate(added):
        at = replaceable.pop(raw.get(key), None) if isinstance(raw, dict) and isinstance(raw.get(key), str) else None
        if at is None:
            rows.append((raw, child.rows[(table, j)]))
        else:
            rows[at] = (raw, child.rows[(table, j)])
    if rows or table in parent.data or table in child.data:
        merged.data[table] = [raw for raw, _ in rows]
        merged.keys[(table,)] = child.keys.get((table,), parent.keys.get((table,), child.top))
    merged.rows |= {(table, i): origin for i, (_, origin) in enumerate(rows)}


def _removed(data: dict[str, Any], remove: Any, problems: list[tuple[KeyPath, str]]) -> set[str]:
    if remove is None:
        return set()
    if not isinstance(remove, list):
        problems.append((("remove",), f"expected a list of ids, got {show(remove)}"))
        return set()
    known = {raw.get("id") for table in ID_ROWS for raw in _rows(data, table)} - {None}
    for k, rid in enumerate(remove):
        if not isinstance(rid, str):
            problems.append((("remove", k), f"expected an id, got {show(rid)}"))
        elif rid not in known:
            problems.append((("remove", k), unknown("id of an inherited party, asset, point or threat", rid, known)))
    return {rid for rid in remove if isinstance(rid, str)}


def _rows(data: dict[str, Any], table: str) -> list[dict[str, Any]]:
    rows = data.get(table)
    return [raw for raw in rows if isinstance(raw, dict)] if isinstance(rows, list) else []


def _count(data: dict[str, Any], table: str) -> int:
    rows = data.get(table)
    return len(rows) if isinstance(rows, list) else 0


def _analysis(data: dict[str, Any]) -> dict[str, Any]:
    analysis = data.get("analysis")
    return analysis if isinstance(analysis, dict) else {}


def _parse(source: Source) -> dict[str, Any]:
    try:
        return tomlfile.loads(source.text, source.file)
    except tomllib.TOMLDecodeError as error:
        raise ScenarioError([syntax_message(source.file, source.text, error)]) from None
    except tomlfile.TomlLimitError as error:
        raise ScenarioError([str(error)]) from None


def _resolve(ref: str, folder: Path, source: Source) -> Path:
    candidate = Path(ref) if Path(ref).is_absolute() else folder / ref
    if candidate.is_file():
        return candidate
    names = {entry.name: Path(entry.path) for entry in library() if entry.kind in ("scenario", "threats")}
    if ref in names:
        return names[ref]
    if candidate.suffix or "/" in ref or "\\" in ref:
        _fail(source, ("extends",), f"{ref}: no such file (paths are relative to the extending file)")
    _fail(source, ("extends",), unknown("library scenario", ref, names))
    raise AssertionError  # _fail raises


def _read(path: Path, source: Source) -> str:
    try:
        # utf-8-sig: editors on Windows start UTF-8 files with a byte-order mark, which TOML rejects
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        _fail(source, ("extends",), f"{path}: not UTF-8 text")
    except OSError as error:
        _fail(source, ("extends",), f"{path}: cannot read: {error.strerror or error}")
    raise AssertionError  # _fail raises


def _fail(source: Source, path: KeyPath, reason: str) -> None:
    raise ScenarioError([located_message(source.file, source.lines.line(path), path, reason)])
