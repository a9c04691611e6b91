"""What-ifs on a checked scenario, as the command line gives them (``roof engage NAME --add ...``).

Each is checked as a scenario file is, and each problem is one line naming the option's field
(``add``, ``without``, ``set``, ``decision_delay_s``) and the reason:

- ``add``: a path to a TOML file, or TOML text, of rows to add (or, by id, to replace) and
  ``remove = [...]`` ids, laid over the scenario as a file that extends it is;
- ``without``: asset ids to switch off;
- ``set``: ``CLASS.FIELD=VALUE``, a numeric field of a missile, radar, satellite or interceptor class
  (from Python also a mapping ``{"CLASS.FIELD": VALUE}``);
- ``decision_delay_s``: the analysis's decision delay.

:func:`what_if` is the Python API's name for :func:`apply_whatifs` (``sr.what_if``).
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from pydantic import ValidationError

from securityroof.errors import RoofError
from securityroof.model.catalog import HELD, RANGE_SUFFIX, changed_row, load_catalog, numeric_fields
from securityroof.model.scenario.checks import Checker
from securityroof.model.scenario.dump import dump_scenario
from securityroof.model.scenario.extends import read_layers
from securityroof.model.scenario.messages import reason_of, unknown
from securityroof.model.scenario.model import Scenario
from securityroof.model.scenario.schema import CLASSES, ScenarioError

_HEADER = re.compile(r"\[\[?[A-Za-z0-9_.-]+\]\]?")
_KEY = re.compile(r"[A-Za-z0-9_-]+\s*=")
_SETTING = re.compile(r"([a-z0-9][a-z0-9-]*)\.([a-z0-9_]+)=(.*)", re.DOTALL)


def apply_whatifs(
    scenario: Scenario,
    *,
    add: Sequence[str] | str = (),
    without: Sequence[str] | str = (),
    set: Sequence[str] | Mapping[str, float] | str = (),  # noqa: A002 - the option's name, as users write it
    decision_delay_s: float | None = None,
) -> Scenario:
    """``scenario`` with rows added, assets switched off, class fields set and the decision delay
    changed, in that order. Raises :class:`RoofError` (a :class:`ScenarioError` for ``add``).
    One string stands for a list of one; ``set`` may map ``"CLASS.FIELD"`` to the value.

    A changed scenario is named ``NAME-what-if`` and its description lists the changes, so that a
    table or report never shows it under the name of the architecture it was changed from."""
    settings = [f"{key}={value}" for key, value in set.items()] if isinstance(set, Mapping) else set
    # a string is itself a sequence: its letters would each be taken for an id
    add, without, settings = ([item] if isinstance(item, str) else item for item in (add, without, settings))
    original = scenario
    for item in add:
        scenario = add_rows(scenario, item)
    for asset_id in without:
        scenario = switched_off(scenario, asset_id)
    for setting in settings:
        scenario = scenario.with_entry(set_field(scenario, setting))
    if decision_delay_s is not None:
        scenario = with_decision_delay(scenario, decision_delay_s)
    changes = [f"added {_added(item)}" for item in add] + [f"without {asset_id}" for asset_id in without]
    changes += [f"{setting}" for setting in settings]
    changes += [] if decision_delay_s is None else [f"decision delay {decision_delay_s:g} s"]
    return as_what_if(original, scenario, changes)


def switched_off(scenario: Scenario, asset_id: str) -> Scenario:
    """``scenario`` without the asset ``asset_id``; a :class:`RoofError` (field ``without``) naming
    the ids it has, or the close ones, when it has no such asset."""
    if asset_id not in {asset.id for asset in scenario.assets}:
        raise RoofError(f"without: {unknown('asset', asset_id, (a.id for a in scenario.assets))}")
    return scenario.without_asset(asset_id)


def with_decision_delay(scenario: Scenario, decision_delay_s: float) -> Scenario:
    """``scenario`` with its decision delay set; a :class:`RoofError` (field ``decision_delay_s``)
    saying why a value is refused."""
    try:
        return scenario.with_analysis(decision_delay_s=decision_delay_s)
    except ScenarioError as error:
        reason = error.messages[0].split(": ", 1)[-1]
        raise RoofError(f"decision_delay_s: {reason}") from None


def as_what_if(original: Scenario, scenario: Scenario, changes: Sequence[str]) -> Scenario:
    """``scenario`` (``original`` changed as ``changes`` say, in words) named ``NAME-what-if``, its
    description listing the changes; ``scenario`` itself when nothing changed."""
    if not changes:
        return scenario
    name = original.name if original.name.endswith("-what-if") else f"{original.name}-what-if"
    return dataclasses.replace(
        scenario, name=name, description=f"{original.description.rstrip('.')}; what-if: {'; '.join(changes)}"
    )


def _added(item: str) -> str:
    """How a description names an ``--add``: the file, or the ids its text gives."""
    if "\n" not in item and "=" not in item:
        return Path(item).name
    ids = re.findall(r"""\b(?:id|name)\s*=\s*["']([^"']+)["']""", item)
    return ", ".join(ids) or "rows"


#: The Python API's name (``sr.what_if(scenario, set={"sm-3-iia.burnout_speed_km_s": 5.0})``).
what_if = apply_whatifs


def add_rows(scenario: Scenario, item: str) -> Scenario:
    """``item`` (a TOML file's path, or TOML text) laid over ``scenario``: its rows added or, where an
    id is the scenario's, put in place of that row; its ``remove = [...]`` ids dropped."""
    path = Path(item) if "\n" not in item and "=" not in item and len(item) < 4096 else None
    if path is not None and not path.is_file():
        raise RoofError(f"add: {item}: no such file, and not TOML text (rows such as [[asset]] id = ...)")
    text = path.read_text(encoding="utf-8-sig") if path is not None else _one_line_toml(item)
    # lines of text typed on one line would count the breaks added to it: none is named
    return _add(scenario, text, path, lines=path is not None or "\n" in item)


def add_toml(scenario: Scenario, text: str) -> Scenario:
    """:func:`add_rows` of TOML text only, never read from a file (what a web page sends): the same
    checks, its problems named by the text's line."""
    return _add(scenario, text, None, lines=True)


def _add(scenario: Scenario, text: str, path: Path | None, lines: bool) -> Scenario:
    base = read_layers(dump_scenario(scenario), f"<{scenario.name}>", None)
    try:
        layers = read_layers(text, str(path) if path else "add", path, onto=base)
    except ScenarioError as error:
        raise ScenarioError([_as_add(message, lines) for message in error.messages]) from None
    checker = Checker(layers.data, load_catalog())
    added = checker.run()
    if checker.problems:
        raise ScenarioError([_as_add(message, lines) for message in layers.messages(checker.problems)])
    assert added is not None
    return dataclasses.replace(added, path=scenario.path)


def set_field(scenario: Scenario, setting: str):
    """The class named in ``CLASS.FIELD=VALUE`` with that field set, checked as a catalog class is,
    and held there: a value set is the reader's assumption, so a robustness run does not vary it over
    the catalog's range (which it would, silently, for a value inside the range)."""
    found = _SETTING.fullmatch(setting.strip())
    if not found:
        raise RoofError(f"set: expected CLASS.FIELD=VALUE (e.g. sm-3-iia.burnout_speed_km_s=5.0), got {setting!r}")
    name, key, text = found.groups()
    kind = scenario.catalog.kind_of(name)
    if kind is not None and kind not in CLASSES:
        only = "only missile, radar, satellite and interceptor classes can be set"
        raise RoofError(f"set: {name!r} is a catalog {kind}; {only}")
    if kind not in CLASSES:
        usable = [n for k in CLASSES for n in scenario.catalog.entries[k]]
        raise RoofError(f"set: {unknown('missile, radar, satellite or interceptor class', name, usable)}")
    entry = scenario.catalog.entries[kind][name]
    numeric = numeric_fields(type(entry))
    if key not in numeric:
        raise RoofError(f"set: {name}.{key}: {unknown(f'numeric field of {kind} classes', key, numeric)}")
    try:
        value = float(text)
    except ValueError:
        raise RoofError(f"set: {name}.{key}: expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise RoofError(f"set: {name}.{key}: expected a finite number, got {text!r}")
    try:
        return type(entry).model_validate(changed_row(entry, {key: value, f"{key}{RANGE_SUFFIX}": HELD}))
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or key
        raise RoofError(f"set: {name}.{where}: {reason_of(first, type(entry).model_fields)}") from None


def _as_add(message: str, lines: bool) -> str:
    # "add:3: asset[0].kind: ..." (the text's line) or "PATH:3: ...": either way a message of the field add
    line = re.match(r"add(?::(\d+))?: ", message)
    if not line:
        return f"add: {message}"
    return f"add: {f'line {line[1]}: ' if lines and line[1] else ''}{message[line.end() :]}"


def _one_line_toml(text: str) -> str:
    """TOML typed on one line (``[[asset]] id = "x" owner = "nato" ...``) with the line breaks TOML
    needs before each table header and key; text that has line breaks (or is too long to be typed)
    is taken as it is."""
    if "\n" in text or len(text) > 10_000:
        return text
    masked = re.sub(r'"(?:[^"\\]|\\.)*"|\'[^\']*\'', lambda m: "s" * len(m.group()), text)
    breaks, depth, at = [], 0, 0
    while at < len(masked):
        # a bracket after "=" opens an array value, not a table header
        header = _HEADER.match(masked, at) if depth == 0 and not masked[:at].rstrip().endswith("=") else None
        if header:
            at = header.end()
            continue
        char = masked[at]
        if char in "[{":
            depth += 1
        elif char in "]}" and depth > 0:
            depth -= 1
        elif (
            depth == 0
            and char in " \t"
            and not masked[:at].rstrip().endswith("=")
            and (_HEADER.match(masked, at + 1) or _KEY.match(masked, at + 1))
        ):
            breaks.append(at)
        at += 1
    chars = list(text)
    for at in breaks:
        chars[at] = "\n"
    return "".join(chars)
