"""A scenario written back as TOML that loads to an equal scenario: what a what-if made of a library
architecture (assets switched off or added, another sharing policy) is saved as, and what a user can
read, edit and pass to ``roof validate`` or ``roof compare``."""

from __future__ import annotations

import tomli_w

from securityroof.model.catalog import load_catalog
from securityroof.model.scenario.model import Scenario
from securityroof.model.scenario.schema import ScenarioError

#: An asset of these kinds takes only these keys (a satellite has no ground site).
_SATELLITE_KEYS = ("id", "owner", "kind")


def dump_scenario(scenario: Scenario) -> str:
    """``scenario`` as the text of a scenario file: ``parse_scenario(dump_scenario(s))`` equals ``s``
    (but for its ``path``). Names resolved from the catalog stay names, so the file reads as one a user
    writes; the file's own missile classes are written as ``[[missile]]`` tables. A catalog class
    changed in the scenario (``with_entry``) has no place in a scenario file yet: it is refused, not
    dropped."""
    _refuse_changed_classes(scenario)
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
        "missile": [missile.model_dump() for missile in scenario.missiles],
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


def _refuse_changed_classes(scenario: Scenario) -> None:
    package = load_catalog()
    own = {missile.name for missile in scenario.missiles}
    changed = sorted(
        name
        for kind, entries in scenario.catalog.entries.items()
        for name, entry in entries.items()
        if name not in own and package.entries[kind].get(name) != entry
    )
    if changed:
        reason = "a scenario file names catalog classes and cannot carry changed ones"
        raise ScenarioError([f"catalog: changed from the package catalog: {', '.join(changed)}; {reason}"])
