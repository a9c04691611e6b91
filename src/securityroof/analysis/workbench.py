"""The workbench (``roof serve``): what-ifs without files, as a state a web page holds.

A state names a base architecture (a library name, or an uploaded scenario's text) and the changes
made to it on the page::

    {"base": "epaa-phase-3", "without": ["kurecik"], "add": [{asset row}], "move": {"id": [lat, lon]},
     "sharing": {"policy": "pairs", "pairs": [["russia", "nato"]]}, "decision_delay_s": 60.0,
     "speeds_km_s": {"sm-3-iia": 5.0}, "footprint_threat": "iran-irbm"}

:func:`state_scenario` makes it a :class:`Scenario` with the command line's own what-ifs
(:mod:`securityroof.model.scenario.whatif`), so a bad value gets the message the command line gives;
each problem is a :class:`RoofError` whose ``field`` is a dotted path into the state
(``add[0].lat_deg``, ``move.kurecik``, ``speeds_km_s.sm-3-iia``). An uploaded scenario is text, parsed
in memory: it may extend a library scenario and nothing else, no file is ever read on its say-so.

:func:`evaluate` is what the page draws and shows (the layers as GeoJSON, built in
:mod:`securityroof.analysis.workbench_layers`, the comparison's figures and what changed against the
base as loaded); :func:`compare_states`, :func:`state_deterrence` and :func:`state_robustness` the
side-by-side comparison, the deterrence panel and how sure the findings are. Evaluations are kept in
bounded caches; the expensive part, flying the threats, is kept below
(:mod:`securityroof.analysis.engage`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

from securityroof.analysis.cache import LRU
from securityroof.analysis.compare import LABELS, SCALARS, compare
from securityroof.analysis.defaults import REPORT_UNCERTAINTY_VARIANTS
from securityroof.analysis.deterrence import deterrence
from securityroof.analysis.engage import engage
from securityroof.analysis.footprint import default_threat
from securityroof.analysis.geometry import (
    coverage_fan,
    coverage_rcs_m2,
    radar_reach_m,
    reach_ring,
)
from securityroof.analysis.robustness import failures_line, held_line, robustness, varied_line, what_would_change
from securityroof.analysis.workbench_layers import (
    asset_layer,
    collection,
    feature,
    footprint_layer,
    point,
    polygon,
    threat_layer,
)
from securityroof.errors import RoofError
from securityroof.io import tomlfile
from securityroof.model.scenario import (
    POLICIES,
    Scenario,
    ScenarioError,
    library,
    library_folder,
    load_scenario,
    parse_scenario,
)
from securityroof.model.scenario.dump import dump_scenario
from securityroof.model.scenario.whatif import add_toml, as_what_if, set_field, switched_off, with_decision_delay

#: The keys of a state, in the order the changes are made.
STATE_KEYS = ("base", "without", "add", "move", "sharing", "decision_delay_s", "speeds_km_s", "footprint_threat")
#: An uploaded scenario's most bytes (a library scenario is about 20 KB).
MAX_UPLOAD_BYTES = 1_000_000
#: The deterrence panel's grid unless the page asks for another (the report's).
DETERRENCE_SPEEDS_KM_S = (3.0, 5.0, 7.0, 9.0)
DETERRENCE_DELAYS_S = (0.0, 300.0, 600.0)
#: Ground tracks are drawn this many seconds apart.
TRACK_STEP_S = 20.0
#: The base an added or moved asset's message is placed in ("add: line 5: asset[0].lat_deg: ...").
_ADD_MESSAGE = re.compile(r"add: (?:line \d+: )?asset\[(\d+)\](?:\.([A-Za-z_]\w*))?[^:]*: (.*)", re.DOTALL)

#: Uploaded scenarios' texts by id; base scenarios by name or upload id; evaluations by state.
#: How a state names an uploaded scenario as its base: ``upload:ID``.
UPLOAD_PREFIX = "upload:"
UPLOADS: LRU[tuple[str, str]] = LRU(maxsize=16)
BASES: LRU[Scenario] = LRU(maxsize=16)
EVALUATIONS: LRU[dict] = LRU(maxsize=16)
DETERRENCE: LRU[dict] = LRU(maxsize=8)
ROBUSTNESS: LRU[dict] = LRU(maxsize=8)
#: The most variants a page may ask for in one robustness run (each is a whole evaluation).
MAX_ROBUSTNESS_VARIANTS = 1000


def caches() -> dict[str, LRU]:
    """Every cache the workbench fills, by name (the flown threats' among them)."""
    from securityroof.analysis import engage as engage_module

    return {
        "uploads": UPLOADS,
        "bases": BASES,
        "evaluations": EVALUATIONS,
        "deterrence": DETERRENCE,
        "robustness": ROBUSTNESS,
        "flown": engage_module.FLOWN,
        "tracks": engage_module.TRACKS,
    }


def _fail(field_path: str, reason: str) -> None:
    raise RoofError(f"{field_path}: {reason}", field=field_path, reason=reason)


@dataclass(frozen=True)
class State:
    """A checked state (see the module docstring); ``None`` and empty mean "as the base has it"."""

    base: str
    without: tuple[str, ...] = ()
    add: tuple[dict, ...] = ()
    move: dict[str, tuple[float, float]] = field(default_factory=dict)
    sharing: dict | None = None
    decision_delay_s: float | None = None
    speeds_km_s: dict[str, float] = field(default_factory=dict)
    footprint_threat: str | None = None

    def to_dict(self) -> dict:
        out: dict[str, Any] = {"base": self.base}
        if self.without:
            out["without"] = list(self.without)
        if self.add:
            out["add"] = [dict(row) for row in self.add]
        if self.move:
            out["move"] = {k: list(v) for k, v in self.move.items()}
        if self.sharing is not None:
            out["sharing"] = self.sharing
        if self.decision_delay_s is not None:
            out["decision_delay_s"] = self.decision_delay_s
        if self.speeds_km_s:
            out["speeds_km_s"] = dict(self.speeds_km_s)
        if self.footprint_threat is not None:
            out["footprint_threat"] = self.footprint_threat
        return out

    def key(self) -> str:
        """The state as canonical JSON: equal states, equal keys."""
        return json.dumps(self.to_dict(), sort_keys=True)

    @property
    def changed(self) -> bool:
        """Whether the state changes anything of the architecture (the footprint's threat does not)."""
        return any(k not in ("base", "footprint_threat") for k in self.to_dict())


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        _fail(where, f"expected a number, got {json.dumps(value)[:40]}")
    return float(value)


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        _fail(where, f"expected a name, got {json.dumps(value)[:40]}")
    return value.strip()


def parse_state(raw: Any) -> State:
    """A state from its JSON (a dict), its shape checked; what it names is checked by :func:`state_scenario`."""
    if not isinstance(raw, dict):
        _fail("state", "expected an object with at least a base")
    unknown = sorted(set(raw) - set(STATE_KEYS))
    if unknown:
        _fail(unknown[0], f"not a field of the state; fields are {', '.join(STATE_KEYS)}")
    if "base" not in raw:
        _fail("base", "missing: name a library architecture or an uploaded scenario")
    base = _text(raw["base"], "base")
    without = raw.get("without") or []
    if not isinstance(without, list):
        _fail("without", "expected a list of asset ids")
    rows = raw.get("add") or []
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        _fail("add", "expected a list of asset rows ({id, owner, kind, lat_deg, lon_deg, ...})")
    move = raw.get("move") or {}
    if not isinstance(move, dict):
        _fail("move", "expected asset id -> [lat_deg, lon_deg]")
    moved = {}
    for asset_id, where in move.items():
        if not isinstance(where, list) or len(where) != 2:
            _fail(f"move.{asset_id}", "expected [lat_deg, lon_deg]")
        moved[asset_id] = (_number(where[0], f"move.{asset_id}"), _number(where[1], f"move.{asset_id}"))
    sharing = raw.get("sharing")
    if sharing is not None and (not isinstance(sharing, dict) or set(sharing) - {"policy", "pairs"}):
        _fail("sharing", 'expected {"policy": ...} and, for "pairs", {"pairs": [[from, to], ...]}')
    if sharing is not None and "policy" not in sharing:
        _fail("sharing.policy", f"missing; choose {', '.join(POLICIES)}")
    delay = raw.get("decision_delay_s")
    speeds = raw.get("speeds_km_s") or {}
    if not isinstance(speeds, dict):
        _fail("speeds_km_s", "expected interceptor class -> burnout speed in km/s")
    threat = raw.get("footprint_threat")
    return State(
        base=base,
        without=tuple(_text(asset_id, f"without[{k}]") for k, asset_id in enumerate(without)),
        add=tuple(rows),
        move=moved,
        sharing=sharing,
        decision_delay_s=None if delay is None else _number(delay, "decision_delay_s"),
        speeds_km_s={name: _number(v, f"speeds_km_s.{name}") for name, v in speeds.items()},
        footprint_threat=None if threat is None else _text(threat, "footprint_threat"),
    )


def upload(text: str) -> dict:
    """An uploaded scenario's text, checked as ``roof validate`` checks a file, kept in memory:
    ``{"id", "name"}`` (the state's base is ``upload:ID``). It may extend a library scenario only."""
    if len(text.encode("utf-8")) > MAX_UPLOAD_BYTES:
        _fail("upload", f"larger than {MAX_UPLOAD_BYTES:,} bytes")
    scenario = _parse_upload(text)
    upload_id = hashlib.blake2b(text.encode("utf-8"), digest_size=6).hexdigest()
    UPLOADS.put(upload_id, (text, scenario.name))
    BASES.put(f"{UPLOAD_PREFIX}{upload_id}", scenario)
    return {"id": upload_id, "name": scenario.name}


def _parse_upload(text: str) -> Scenario:
    try:
        data = tomlfile.loads(text, "upload")
    except (ValueError, tomlfile.TomlLimitError):
        data = {}  # the parser below names the problem and its line
    parent = data.get("extends")
    names = {entry.name for entry in library() if entry.kind in ("scenario", "threats")}
    if parent is not None and parent not in names:
        _fail(
            "upload", f"extends: an uploaded scenario may extend a library scenario only ({', '.join(sorted(names))})"
        )
    try:
        # placed in the library's folder, so the name it extends resolves there and nowhere else
        scenario = parse_scenario(text, "upload", path=library_folder() / "upload.toml")
    except ScenarioError as error:
        raise RoofError(f"upload: {error.messages[0]}", field="upload", reason="; ".join(error.messages)) from None
    return dataclasses.replace(scenario, path=None)


def base_scenario(base: str) -> Scenario:
    """The state's base: a library architecture by name, or an uploaded scenario (``upload:ID``)."""
    found = BASES.get(base)
    if found is not None:
        return found
    if base.startswith(UPLOAD_PREFIX):
        kept = UPLOADS.get(base.removeprefix(UPLOAD_PREFIX))
        if kept is None:
            _fail(
                "base", f"{base}: no such upload (uploads are kept while the server runs, the last 16); upload it again"
            )
        scenario = _parse_upload(kept[0])
    else:
        names = [entry.name for entry in library() if entry.kind == "scenario"]
        if base not in names:
            _fail("base", f"unknown architecture {base!r}; the library has {', '.join(names)}")
        scenario = load_scenario(base)
    BASES.put(base, scenario)
    return scenario


def state_scenario(state: State) -> tuple[Scenario, Scenario]:
    """The state's architecture before its assets are switched off (to draw them greyed) and after
    every change. Raises :class:`RoofError` whose field is a dotted path into the state."""
    original = scenario = base_scenario(state.base)
    ids = {asset.id: asset for asset in scenario.assets}
    for asset_id in state.move:
        if asset_id not in ids:
            _fail(f"move.{asset_id}", f"no asset {asset_id!r} in {scenario.name}")
    moved = [
        {**ids[asset_id].model_dump(exclude_none=True), "lat_deg": lat, "lon_deg": lon}
        for asset_id, (lat, lon) in state.move.items()
    ]
    mates = _site_mates(scenario, state)
    rows = [*state.add, *moved, *(row for row, _ in mates)]
    # the state's field of each row, for its problems
    fields = [f"add[{k}]" for k in range(len(state.add))] + [f"move.{i}" for i in state.move]
    fields += [f"move.{mover}" for _, mover in mates]
    if rows:
        try:
            scenario = add_toml(scenario, tomli_w.dumps({"asset": rows}))
        except (ScenarioError, TypeError, ValueError) as error:
            raise _row_error(error, fields) from None
    placed = scenario
    for k, asset_id in enumerate(state.without):
        try:
            scenario = switched_off(scenario, asset_id)
        except RoofError as error:
            _fail(f"without[{k}]", error.reason)
    for name, speed in state.speeds_km_s.items():
        if name not in scenario.catalog.interceptors:
            known = ", ".join(sorted({site.entry.name for site in scenario.interceptor_sites})) or "none"
            _fail(f"speeds_km_s.{name}", f"not an interceptor class of this architecture; it has {known}")
        try:
            scenario = scenario.with_entry(set_field(scenario, f"{name}.burnout_speed_km_s={speed!r}"))
        except RoofError as error:
            _fail(f"speeds_km_s.{name}", error.reason.split(": ", 1)[-1])
    if state.sharing is not None:
        policy, pairs = state.sharing["policy"], state.sharing.get("pairs")
        try:
            scenario = scenario.with_sharing(policy, pairs if policy == "pairs" else None)
        except ScenarioError as error:
            path, _, reason = error.messages[0].partition(": ")
            _fail(path, reason)
    if state.decision_delay_s is not None:
        scenario = with_decision_delay(scenario, state.decision_delay_s)
    if state.footprint_threat is not None and state.footprint_threat not in {t.id for t in scenario.threats}:
        _fail(
            "footprint_threat", f"not a threat of {scenario.name}; it has {', '.join(t.id for t in scenario.threats)}"
        )
    return placed, as_what_if(original, scenario, _changes(state))


def moved_ids(scenario: Scenario, state: State) -> set[str]:
    """The assets a state moves: each it names, and the assets standing at the same site."""
    sites = {a.site for a in scenario.assets if a.id in state.move and a.site is not None}
    return set(state.move) | {a.id for a in scenario.assets if a.site is not None and a.site in sites}


def _site_mates(scenario: Scenario, state: State) -> list[tuple[dict, str]]:
    """The rows of the assets that stand at the site of a moved one, moved with it by the same offset
    (an Aegis Ashore radar goes where its launchers go: a site's assets stand within a few km), each
    with the id of the asset whose move moves it."""
    ids = {asset.id: asset for asset in scenario.assets}
    movers = {ids[i].site: i for i in state.move if ids[i].site is not None}
    rows = []
    for asset in scenario.assets:
        if asset.site in movers and asset.id not in state.move:
            mover = ids[movers[asset.site]]
            lat, lon = state.move[mover.id]
            row = asset.model_dump(exclude_none=True)
            row.update(lat_deg=asset.lat_deg + lat - mover.lat_deg, lon_deg=asset.lon_deg + lon - mover.lon_deg)
            rows.append((row, mover.id))
    return rows


def _changes(state: State) -> list[str]:
    """The state's changes in words, for the what-if's description (as the command line's read)."""
    changes = [f"added {row.get('id', 'an asset')}" for row in state.add]
    changes += [f"moved {asset_id}" for asset_id in state.move] + [f"without {a}" for a in state.without]
    changes += [f"{name}.burnout_speed_km_s={speed:g}" for name, speed in state.speeds_km_s.items()]
    if state.sharing is not None:
        changes.append(f"sharing {state.sharing['policy']}")
    if state.decision_delay_s is not None:
        changes.append(f"decision delay {state.decision_delay_s:g} s")
    return changes


def _row_error(error: Exception, fields: list[str]) -> RoofError:
    """An added or moved row's problem as the problem of its field of the state (``fields``, by row)."""
    message = error.messages[0] if isinstance(error, ScenarioError) else f"add: {error}"
    found = _ADD_MESSAGE.fullmatch(message)
    if not found or int(found[1]) >= len(fields):
        reason = message.removeprefix("add: ")
        return RoofError(f"add: {reason}", field="add", reason=reason)
    where, key, reason = fields[int(found[1])], found[2], found[3]
    if key and where.startswith("add["):
        where = f"{where}.{key}"
    return RoofError(f"{where}: {reason}", field=where, reason=reason)


def scenario_text(state: State) -> tuple[str, str]:
    """The state's architecture as a scenario file (``roof validate`` accepts it, ``roof compare``
    reproduces its figures): its name and its text."""
    _, scenario = state_scenario(state)
    return scenario.name, dump_scenario(scenario)


def _threat_label(scenario: Scenario, threat) -> str:
    """A threat in a reader's words: its missile class's label and how many points it joins."""
    label = scenario.catalog.missile(threat.missile).label
    launches, aims = len(threat.launch), len(threat.aim)
    return f"{label}: {launches} launch point{'s' * (launches != 1)} × {aims} aim point{'s' * (aims != 1)}"


def _figures(scenario: Scenario, engaged) -> tuple[dict, list[dict]]:
    comparison = compare([scenario], engaged=[engaged])
    entry = dict(comparison.architectures[0])
    cities = entry.pop("cities")
    return {**entry, "findings": comparison.findings}, cities


def evaluate(state: State, fresh: bool = False) -> dict:
    """What the page shows of a state (the contract's ``POST /api/evaluate``, but ``elapsed_ms``);
    ``fresh``: computed even when an answer is kept."""
    key = state.key()
    kept = None if fresh else EVALUATIONS.get(key)
    if kept is not None:
        return kept
    placed, scenario = state_scenario(state)
    threat = state.footprint_threat or default_threat(scenario)
    engaged = engage(scenario)
    figures, city_rows = _figures(scenario, engaged)
    why_not = engaged.why_not()
    rcs = coverage_rcs_m2(scenario, threat)
    places = scenario.catalog.cities
    footprint, footprint_summary = footprint_layer(scenario, threat)
    result = {
        "state": state.to_dict(),
        "scenario": {
            "name": scenario.name,
            "description": scenario.description,
            "sharing": {"policy": scenario.sharing.policy, "pairs": [list(p) for p in scenario.sharing.pairs]},
            "decision_delay_s": scenario.analysis.decision_delay_s,
            "parties": {party_id: party.label for party_id, party in scenario.parties.items()},
            "threats": [t.id for t in scenario.threats],
            "threat_labels": {t.id: _threat_label(scenario, t) for t in scenario.threats},
            "footprint_threat": threat,
            "interceptor_speeds_km_s": {
                site.entry.name: site.entry.burnout_speed_km_s for site in scenario.interceptor_sites
            },
        },
        "assets": asset_layer(
            placed, set(state.without), {row.get("id") for row in state.add}, moved_ids(placed, state)
        ),
        "coverage": collection(
            [
                feature(polygon(coverage_fan(s, rcs)), id=s.id, owner=s.owner, range_km=None)
                for s in scenario.sensors
                if s.kind == "radar"
            ]
        ),
        "reach": collection(
            [
                feature(
                    polygon(reach_ring(site)), id=site.id, owner=site.owner, range_km=site.entry.max_ground_range_km
                )
                for site in scenario.interceptor_sites
            ]  # fmt: skip
        ),
        "threats": threat_layer(scenario, why_not, TRACK_STEP_S),
        "footprint": footprint,
        "cities": collection(
            [
                feature(
                    point(places[row["city"]].lon_deg, places[row["city"]].lat_deg),
                    name=row["city"],
                    label=row["label"],
                    status=row["status"],
                    classes=row["threat_classes"],
                    population=row["population"],
                    why_not=row["why_not"],
                )
                for row in city_rows
            ]
        ),
        "figures": {**figures, "footprint": footprint_summary},
    }
    for fan, sensor in zip(result["coverage"]["features"], [s for s in scenario.sensors if s.kind == "radar"],
                           strict=True):  # fmt: skip
        fan["properties"]["range_km"] = round(radar_reach_m(sensor, rcs) / 1e3, 1)
    base = result if not state.changed else evaluate(State(base=state.base, footprint_threat=state.footprint_threat))
    result["changes"] = changes(base["figures"], result["figures"])
    EVALUATIONS.put(key, result)
    return result


def changes(before: dict, after: dict) -> dict:
    """What changed from the base's figures to a state's, in words and numbers."""
    delta = after["threats_engageable"] - before["threats_engageable"]
    gained = sorted(set(after["cities_protected"]) - set(before["cities_protected"]))
    lost = sorted(set(before["cities_protected"]) - set(after["cities_protected"]))
    text = []
    if delta:
        text.append(f"{delta:+d} engageable threat{'s' if abs(delta) != 1 else ''}")
    text += [f"{city} now protected" for city in gained] + [f"{city} no longer protected" for city in lost]
    population = after["protected_population"] - before["protected_population"]
    if population:
        text.append(f"{population / 1e6:+.1f} million people protected")
    cells = after["footprint"]["cells_defended"] - before["footprint"]["cells_defended"]
    if cells and after["footprint"]["threat"] == before["footprint"]["threat"]:
        text.append(f"{cells:+d} defended footprint cells")
    return {
        "text": text or ["no change against the architecture as loaded"],
        "threats_engageable_delta": delta,
        "protected_population_delta": population,
        "cities_gained": gained,
        "cities_lost": lost,
    }


def compare_states(a: State, b: State) -> dict:
    """Two states side by side: each one's figures (what each party adds among them), the comparison's
    findings and the figures that differ."""
    scenarios = [state_scenario(a)[1], state_scenario(b)[1]]
    if scenarios[0].name == scenarios[1].name:  # the comparison keys its entries by name
        scenarios[1] = dataclasses.replace(scenarios[1], name=f"{scenarios[1].name}-b")
    comparison = compare(scenarios)
    first, second = ({k: v for k, v in entry.items() if k != "cities"} for entry in comparison.architectures)
    differences = [
        {"figure": key, "label": LABELS[key], "a": first[key], "b": second[key]}
        for key in (*SCALARS, "cities_protected")
        if key not in ("name",) and first[key] != second[key]
    ]  # fmt: skip
    return {
        "a": first,
        "b": second,
        "findings": comparison.findings,
        "same_threats": comparison.same_threats,
        "differences": differences,
        "by_party": {"a": first["by_party"], "b": second["by_party"]},
        "without_party": {"a": first["without_party"], "b": second["without_party"]},
    }


def state_deterrence(state: State, speeds_km_s=DETERRENCE_SPEEDS_KM_S, delays_s=DETERRENCE_DELAYS_S) -> dict:
    """The deterrence check of a state's architecture over the ``speeds_km_s`` × ``delays_s`` grid,
    with the burnout speed of each of its interceptor classes (to mark on the grid)."""
    speeds = [_number(v, f"speeds_km_s[{k}]") for k, v in enumerate(speeds_km_s)]
    delays = [_number(v, f"delays_s[{k}]") for k, v in enumerate(delays_s)]
    for k, speed in enumerate(speeds):
        if not 0.1 <= speed < 11.0:
            _fail(f"speeds_km_s[{k}]", f"burnout speeds must lie in [0.1, 11) km/s, got {speed:g}")
    for k, delay in enumerate(delays):
        if delay < 0:
            _fail(f"delays_s[{k}]", f"decision delays cannot be negative, got {delay:g}")
    if len(speeds) * len(delays) > 200:
        _fail("speeds_km_s", f"{len(speeds)} speeds × {len(delays)} delays: at most 200 cells")
    key = json.dumps([state.key(), speeds, delays])
    kept = DETERRENCE.get(key)
    if kept is not None:
        return kept
    _, scenario = state_scenario(state)
    result = deterrence(scenario, speeds, delays).to_dict()
    result["catalog_speeds_km_s"] = {
        site.entry.name: site.entry.burnout_speed_km_s for site in scenario.interceptor_sites
    }
    result["speeds_km_s"], result["delays_s"] = speeds, delays
    DETERRENCE.put(key, result)
    return result


def state_robustness(state: State, n: Any = REPORT_UNCERTAINTY_VARIANTS) -> dict:
    """How sure the findings of a state's architecture are (``roof compare --uncertainty N`` of it, seed
    0, on a pool of workers): the run's JSON, and the lines the page shows: under each of the
    evaluation's findings (``lines``, in their order), what was varied, what is held and what failed."""
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_ROBUSTNESS_VARIANTS:
        _fail("n", f"expected a whole number of variants from 1 to {MAX_ROBUSTNESS_VARIANTS:,}, got {n!r}")
    key = json.dumps([state.key(), n])
    kept = ROBUSTNESS.get(key)
    if kept is not None:
        return kept
    _, scenario = state_scenario(state)
    findings = evaluate(state)["figures"]["findings"]
    result = robustness("compare", [scenario], n, 0, findings=findings)
    result["lines"] = [what_would_change(finding) for finding in result["findings"]]
    result["varied"] = varied_line(result)
    result["held_line"] = held_line(result)
    result["failed_line"] = failures_line(result)
    ROBUSTNESS.put(key, result)
    return result


def library_architectures() -> list[dict]:
    """The library's architectures: name, description, parties."""
    out = []
    for entry in library():
        if entry.kind != "scenario":
            continue
        data = tomlfile.loads(Path(entry.path).read_text(encoding="utf-8"), entry.path)
        parties = [row.get("id") for row in data.get("party", []) if isinstance(row, dict)]
        out.append({"name": entry.name, "description": entry.description, "parties": parties})
    return out
