"""A scenario written back as TOML that loads to an equal scenario: what a what-if made of a library
architecture (assets switched off or added, another sharing policy) is saved as, and what a user can
read, edit and pass to ``roof validate`` or ``roof compare``. A class the scenario changed (``roof
engage --set``, a sweep variant) is written as the file's version of that class: its name and the
keys that differ from the package catalog's."""

from __future__ import annotations

import tomli_w

from securityroof.model.catalog import HELD, RANGE_SUFFIX, load_catalog
from securityroof.model.scenario.model import Scenario
from securityroof.model.scenario.schema import CLASSES, ScenarioError

#: An asset of these kinds takes only these keys (a satellite has no ground site).
_SATELLITE_KEYS = ("id", "owner", "kind")


def dump_scenario(scenario: Scenario) -> str:
    """``scenario`` as the text of a scenario file: ``parse_scenario(dump_scenario(s))`` equals ``s``
    (but for its ``path``). Names resolved from the catalog stay names, so the file reads as one a user
    writes; the file's own classes are written whole (``[[missile]]`` ...), a changed catalog class
    (``with_entry``) as its name and changed keys. A changed city or base has no place in a scenario
    file: it is refused, not dropped."""
    package = load_catalog()
    _refuse_changed_places(scenario, package)
    satellites = {sensor.id for sensor in scenario.sensors if sensor.kind == "satellite"}
    data = {
        "name": scenario.name,
        "description": scenario.description,
        "party": [party.model_dump() for party in scenario.parties.values()],
        "asset": [_asset(asset, asset.id in satellites) for asset in scenario.assets],
        "point": [point.model_dump() for point in scenario.points.values()],
        "threat": [
            {
                **threat.model_dump(exclude={"launch", "aim"}, exclude_none=True),
                "launch": [_point_ref(ref) for ref in threat.launch],
                "aim": [_point_ref(ref) for ref in threat.aim],
            }
            for threat in scenario.threats
        ],
        **{kind: _classes(scenario, package, kind) for kind in CLASSES},
        "sharing": {
            "policy": scenario.sharing.policy,
            **(
                {"pairs": [list(pair) for pair in scenario.sharing.pairs]} if scenario.sharing.policy == "pairs" else {}
            ),
        },
        "analysis": scenario.analysis.model_dump(),
    }
    # TOML has no empty array of tables: a table with no rows is left out (each is optional but party and threat)
    data = {key: value for key, value in data.items() if value != []}
    return tomli_w.dumps(data)


def _asset(asset, satellite: bool) -> dict:
    row = asset.model_dump(exclude_none=True)
    return {key: row[key] for key in _SATELLITE_KEYS} if satellite else row


def _point_ref(ref):
    return ref if isinstance(ref, str) else [float(ref[0]), float(ref[1])]


def _classes(scenario: Scenario, package, kind: str) -> list[dict]:
    rows = []
    for name, entry in scenario.catalog.entries[kind].items():
        original = package.entries[kind].get(name)
        if original is None:
            rows.append(entry.row())
        elif original != entry:
            before = original.row()
            row = {"name": name, **{k: v for k, v in entry.row().items() if before.get(k) != v}}
            # a range the entry no longer has (its value left it, or it is held) is said dropped: loading
            # would otherwise give it back the package's range wherever the value is inside it
            row.update({f"{field}{RANGE_SUFFIX}": HELD for field in original.ranges if field not in entry.ranges})
            rows.append(row)
    return rows


def _refuse_changed_places(scenario: Scenario, package) -> None:
    changed = sorted(
        name
        for kind in ("city", "base")
        for name, entry in scenario.catalog.entries[kind].items()
        if package.entries[kind].get(name) != entry
    )
    if changed:
        reason = "a scenario file names catalog places and cannot carry changed ones"
        raise ScenarioError([f"catalog: changed from the package catalog: {', '.join(changed)}; {reason}"])
