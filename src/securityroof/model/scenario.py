"""Scenario files: who owns which sensors and interceptors, which threats to fly, who shares tracks.

A scenario is TOML data (nothing in it is executed), checked here against the catalog before any
physics runs. Every problem in a file is reported at once, one line each, naming the file, the line
of the offending table or key, the key path (``asset[2].boresight_az_deg``; indices count from 0 in
the order of the file) and the reason, so a user fixes a file in one pass.

The format (degrees and metres at the edge, named in the keys; SI from the properties here)::

    name = "example-within-party"      # required, lowercase letters, digits and hyphens
    description = "..."                # required
    [[party]]                          # at least one: id, label
    [[asset]]                          # id, owner (a party), kind (catalog radar, satellite or
                                       # interceptor), lat_deg, lon_deg, alt_m (default 0),
                                       # boresight_az_deg (radars whose sector is not all round),
                                       # site (co-located assets share one)
    [[point]]                          # optional named points: id, lat_deg, lon_deg
    [[threat]]                         # id, missile, launch and aim (point names or [lat, lon]),
                                       # burnout_angle_deg (optional; absent = minimum energy)
    [sharing]                          # policy = none | within-party | all | pairs; pairs
    [analysis]                         # time_step_s, decision_delay_s, kill_assessment_s

Satellites are reports, not sites (the sensor model is a delay from launch), so a satellite asset
takes no ground location: ``lat_deg``, ``lon_deg``, ``alt_m``, ``boresight_az_deg`` and ``site``
are errors there rather than silently ignored numbers.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import math
import os
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainValidator, ValidationError
from pyproj import Geod

from securityroof.errors import RoofError
from securityroof.io import tomlfile
from securityroof.model import catalog as _catalog
from securityroof.model.catalog import Catalog, InterceptorClass, MissileClass, RadarClass, SatelliteClass
from securityroof.physics.targeting import coincident

POLICIES = ("none", "within-party", "all", "pairs")
ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
#: Catalog kinds an asset may be.
ASSET_KINDS = ("radar", "satellite", "interceptor")


class ScenarioError(RoofError):
    """A scenario that cannot be used. ``messages`` holds one line per problem, each naming the
    file, the line, the key path and the reason; ``str()`` joins them with newlines."""

    def __init__(self, messages: Sequence[str]):
        self.messages = list(messages)
        super().__init__("\n".join(self.messages))


# --------------------------------------------------------------------------------------------
# The file's tables, as typed models. Strict: a quoted "5" for a number is a mistake in a data
# file, not something to coerce; integers are still accepted where numbers are expected.


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


Id = Annotated[str, Field(pattern=ID_PATTERN)]
Text = Annotated[str, AfterValidator(_not_blank)]


def _number(value: Any) -> float:
    # bool is an int in Python but never a coordinate in a file
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"expected a finite number, got {_show(value)}")
    return float(value)


def _lat_lon(value: Any) -> tuple[float, float]:
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise ValueError(f"expected a point name or [lat_deg, lon_deg], got {_show(value)}")
    lat, lon = (_number(v) for v in value)
    if not -90.0 <= lat <= 90.0:
        raise ValueError(f"latitude {_show(value[0])} is outside [-90, 90]")
    if not -180.0 <= lon <= 360.0:
        raise ValueError(f"longitude {_show(value[1])} is outside [-180, 360]")
    return lat, lon


def _point_ref(value: Any) -> str | tuple[float, float]:
    return value if isinstance(value, str) else _lat_lon(value)


def _pair(value: Any) -> tuple[str, str]:
    if not (isinstance(value, list | tuple) and len(value) == 2 and all(isinstance(v, str) for v in value)):
        raise ValueError(f"expected [sensor_owner, interceptor_owner] (two party ids), got {_show(value)}")
    return value[0], value[1]


#: A launch or aim point: the id of a ``[[point]]`` or a ``[lat_deg, lon_deg]`` pair.
PointRef = Annotated[str | tuple[float, float], PlainValidator(_point_ref)]


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class Party(_Table):
    """A party: owns assets; the sharing policy is about what flows between parties."""

    id: Id
    label: Text


class Asset(_Table):
    """A sensor or interceptor site, as written in the file (degrees, metres)."""

    id: Id
    owner: str
    kind: str = Field(description="catalog radar, satellite or interceptor name")
    lat_deg: float | None = Field(None, ge=-90, le=90)
    lon_deg: float | None = Field(None, ge=-180, le=360)
    alt_m: float = Field(0.0, ge=-500, le=10_000)
    boresight_az_deg: float | None = Field(None, ge=0, lt=360)
    site: Id | None = Field(None, description="assets with the same site are co-located")

    @property
    def lat_rad(self) -> float:
        return math.radians(self.lat_deg) if self.lat_deg is not None else math.nan

    @property
    def lon_rad(self) -> float:
        return math.radians(self.lon_deg) if self.lon_deg is not None else math.nan

    @property
    def boresight_az_rad(self) -> float:
        # all-round radars may omit the boresight: any azimuth describes their coverage
        return math.radians(self.boresight_az_deg or 0.0)


class Point(_Table):
    """A named launch or aim point."""

    id: Id
    lat_deg: float = Field(ge=-90, le=90)
    lon_deg: float = Field(ge=-180, le=360)


class Threat(_Table):
    """One missile class flown from every launch point at every aim point."""

    id: Id
    missile: str
    launch: list[PointRef] = Field(min_length=1)
    aim: list[PointRef] = Field(min_length=1)
    burnout_angle_deg: float | None = Field(None, gt=0, lt=90, description="absent: minimum energy")


class Sharing(_Table):
    """Whose tracks may cue whose interceptors.

    - ``none``: only sensors at the interceptor's own site (its organic radar);
    - ``within-party``: any sensor of the interceptor's owner;
    - ``pairs``: the owner's sensors, and sensors of parties listed as ``[sensor_owner,
      interceptor_owner]`` (one direction per pair);
    - ``all``: any sensor.

    A sensor at the interceptor's own site cues it under every policy, so each policy allows at
    least what the one before it allows."""

    policy: Literal["none", "within-party", "all", "pairs"]
    pairs: list[Annotated[tuple[str, str], PlainValidator(_pair)]] = []

    def may_cue(self, sensor_owner: str, interceptor_owner: str, same_site: bool) -> bool:
        if same_site or self.policy == "all":
            return True
        if self.policy == "none":
            return False
        if sensor_owner == interceptor_owner:
            return True
        return self.policy == "pairs" and (sensor_owner, interceptor_owner) in self.pairs


class Analysis(_Table):
    """Options for the engagement analysis (seconds)."""

    # Finer than 0.1 s changes nothing at this fidelity (tracks form in 10-30 s) and multiplies memory.
    time_step_s: float = Field(5.0, ge=0.1, le=60, description="trajectory sampling step")
    decision_delay_s: float = Field(60.0, ge=0, description="cueing track to the launch decision")
    kill_assessment_s: float = Field(30.0, ge=0, description="intercept to knowing whether it killed")


class _File(_Table):
    # Only the shape of the file; each table's rows are validated one by one (below) so that one
    # bad row does not hide the others' problems.
    name: Id
    description: Text
    party: list[dict[str, Any]] = Field(min_length=1)
    asset: list[dict[str, Any]] = []
    point: list[dict[str, Any]] = []
    threat: list[dict[str, Any]] = Field(min_length=1)
    sharing: dict[str, Any]
    analysis: dict[str, Any] = {}
    missile: list[dict[str, Any]] = []  # classes of the file's own, e.g. from `roof assess-test`


_ROWS = {"party": Party, "asset": Asset, "point": Point, "threat": Threat, "missile": MissileClass}
_TABLES = {"sharing": Sharing, "analysis": Analysis}


# --------------------------------------------------------------------------------------------
# The checked scenario, as the engagement code uses it.


@dataclass(frozen=True)
class _Placed:
    """An asset with its catalog entry; its id and owner are the asset's."""

    asset: Asset

    @property
    def id(self) -> str:
        return self.asset.id

    @property
    def owner(self) -> str:
        return self.asset.owner


@dataclass(frozen=True)
class Sensor(_Placed):
    """A radar or early-warning satellite asset with its catalog entry."""

    asset: Asset
    kind: Literal["radar", "satellite"]
    entry: RadarClass | SatelliteClass


@dataclass(frozen=True)
class InterceptorSite(_Placed):
    """An interceptor asset with its catalog entry."""

    asset: Asset
    entry: InterceptorClass


@dataclass(frozen=True)
class ThreatTrajectory:
    """One (missile, launch point, aim point) of the threat set. ``launch``/``aim`` are point ids,
    or None where the file gave coordinates; ``burnout_angle_deg`` None means minimum energy."""

    id: str
    threat: str
    missile: str
    missile_class: MissileClass
    launch: str | None
    launch_lat_deg: float
    launch_lon_deg: float
    aim: str | None
    aim_lat_deg: float
    aim_lon_deg: float
    burnout_angle_deg: float | None
    aim_population: int | None = None  # when the aim point is a catalog city


#: Assets sharing a ``site`` must stand this close (an Aegis Ashore radar and its launchers: a few km).
CO_LOCATED_KM = 10.0
#: The most threat trajectories (launch × aim, over all threats) a scenario may define, unless
#: ``SECURITYROOF_MAX_TRAJECTORIES`` says otherwise: a 40 KB file of 1,000 × 1,000 points asked for
#: a million trajectories, about 5 GB.
DEFAULT_MAX_TRAJECTORIES = 100_000


def max_trajectories() -> int:
    """``SECURITYROOF_MAX_TRAJECTORIES`` (a positive integer) or the default."""
    text = os.environ.get("SECURITYROOF_MAX_TRAJECTORIES", "").strip()
    if not text:
        return DEFAULT_MAX_TRAJECTORIES
    if not re.fullmatch(r"[0-9]{1,12}", text) or int(text) < 1:
        raise RoofError(
            f"SECURITYROOF_MAX_TRAJECTORIES: {text!r} is not a positive whole number",
            field="SECURITYROOF_MAX_TRAJECTORIES",
            reason="not a positive whole number",
        )
    return int(text)


def co_located(a: Asset, b: Asset) -> bool:
    """Whether two assets stand at one site: the same asset, or the same ``site`` key."""
    return a.id == b.id or (a.site is not None and a.site == b.site)


@dataclass(frozen=True)
class Scenario:
    """A checked scenario: every name resolved against the catalog, every reference to a party or
    point valid, the threat set expanded."""

    name: str
    description: str
    parties: dict[str, Party]
    assets: tuple[Asset, ...]
    points: dict[str, Point]
    threats: tuple[Threat, ...]
    sharing: Sharing
    analysis: Analysis
    sensors: tuple[Sensor, ...]
    interceptor_sites: tuple[InterceptorSite, ...]
    threat_set: tuple[ThreatTrajectory, ...]
    path: Path | None = None

    def may_cue(self, sensor: Sensor, site: InterceptorSite) -> bool:
        """Whether ``sensor``'s track may cue the interceptors at ``site`` under this policy."""
        return self.sharing.may_cue(sensor.owner, site.owner, co_located(sensor.asset, site.asset))

    def with_sharing(self, policy: str, pairs: Iterable[Sequence[str]] | None = None) -> Scenario:
        """A copy under another sharing policy (``roof engage --sharing``). ``pairs`` is only for
        ``policy="pairs"``; without it, the scenario's own pairs are kept."""
        if policy not in POLICIES:
            raise ScenarioError([f"sharing.policy: {policy!r} is not a policy; choose {', '.join(POLICIES)}"])
        if policy != "pairs":
            chosen: list = []
        elif pairs is not None:
            chosen = [list(p) if isinstance(p, list | tuple) else p for p in pairs]
        else:
            chosen = [list(p) for p in self.sharing.pairs]
        raw = {"policy": policy, **({"pairs": chosen} if policy == "pairs" else {})}
        problems = _check_sharing(raw, self.parties.keys(), has_pairs="pairs" in raw)
        try:
            sharing = Sharing.model_validate(raw)
        except ValidationError as error:
            problems += [(("sharing", *e["loc"]), _reason(e, Sharing.model_fields)) for e in error.errors()]
        if problems:
            raise ScenarioError([f"{_format_path(path)}: {reason}" for path, reason in problems])
        return dataclasses.replace(self, sharing=sharing)

    def threat_columns(self) -> dict[str, np.ndarray]:
        """The threat set as arrays for :func:`securityroof.trajectories`: ``launch_lat_deg``,
        ``launch_lon_deg``, ``aim_lat_deg``, ``aim_lon_deg``, ``missile`` (names) and
        ``burnout_angle_deg`` (NaN: minimum energy), one entry per threat trajectory, in order."""
        rows = self.threat_set
        return {
            "launch_lat_deg": np.array([t.launch_lat_deg for t in rows], dtype=float),
            "launch_lon_deg": np.array([t.launch_lon_deg for t in rows], dtype=float),
            "aim_lat_deg": np.array([t.aim_lat_deg for t in rows], dtype=float),
            "aim_lon_deg": np.array([t.aim_lon_deg for t in rows], dtype=float),
            "missile": np.array([t.missile for t in rows], dtype=object),
            "burnout_angle_deg": np.array(
                [math.nan if t.burnout_angle_deg is None else t.burnout_angle_deg for t in rows], dtype=float
            ),
        }

    def summary(self) -> str:
        """``NAME (N parties, N assets, N threat trajectories)``."""
        counts = [(len(self.parties), "party", "parties"), (len(self.assets), "asset", "assets")]
        counts.append((len(self.threat_set), "threat trajectory", "threat trajectories"))
        return f"{self.name} ({', '.join(f'{n} {one if n == 1 else many}' for n, one, many in counts)})"


# --------------------------------------------------------------------------------------------
# Loading.


def parse_scenario(
    text: str, file: str = "<scenario>", catalog: Catalog | None = None, path: Path | None = None
) -> Scenario:
    """Parse and check one scenario's TOML text; ``file`` names it in messages. Raises
    :class:`ScenarioError` with every problem found."""
    try:
        data = tomlfile.loads(text, file)
    except tomllib.TOMLDecodeError as error:
        raise ScenarioError([_syntax_message(file, text, error)]) from None
    except tomlfile.TomlLimitError as error:
        raise ScenarioError([str(error)]) from None
    # looked up at call time so that tests can substitute a catalog
    catalog = catalog if catalog is not None else _catalog.load_catalog()
    checker = _Checker(data, catalog)
    scenario = checker.run()
    if checker.problems:
        lines = _Lines(text)
        located = [(lines.line(p), p, reason) for p, reason in checker.problems]
        # file order reads best; problems without a line (a missing top-level key) come first
        located.sort(key=lambda item: item[0] or 0)
        raise ScenarioError([_message(file, line, p, reason) for line, p, reason in located])
    assert scenario is not None
    return dataclasses.replace(scenario, path=path)


def load_scenario(name_or_path: str | Path, catalog: Catalog | None = None) -> Scenario:
    """A scenario from a file path or a library name (``roof scenarios`` lists them)."""
    path = _resolve(name_or_path)
    try:
        # utf-8-sig: editors on Windows start UTF-8 files with a byte-order mark, which TOML rejects
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ScenarioError([f"{path}: not UTF-8 text"]) from None
    except OSError as error:
        raise ScenarioError([f"{path}: cannot read: {error.strerror or error}"]) from None
    return parse_scenario(text, file=str(path), catalog=catalog, path=path)


@dataclass(frozen=True)
class LibraryEntry:
    name: str
    path: str
    kind: str
    description: str

    def to_dict(self) -> dict[str, str]:
        return dataclasses.asdict(self)


def library_folder() -> Path:
    """Where the shipped scenarios live (a real folder: the package is installed unzipped)."""
    return Path(str(resources.files("securityroof") / "data" / "scenarios"))


def library() -> list[LibraryEntry]:
    """The scenarios shipped with the package, by name. Descriptions are read without checking
    the scenario against the catalog, so the list works even while a file would not validate."""
    entries = []
    sweeps = Path(str(resources.files("securityroof") / "data" / "sweeps"))
    for kind, folder in (("scenario", library_folder()), ("sweep", sweeps)):
        for path in sorted(folder.glob("*.toml")) if folder.is_dir() else []:
            try:
                description = tomlfile.loads(path.read_text(encoding="utf-8"), str(path)).get("description", "")
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, tomlfile.TomlLimitError):
                description = ""
            entries.append(LibraryEntry(path.stem, str(path), kind, str(description).strip()))
    return entries


def _resolve(name_or_path: str | Path) -> Path:
    path = Path(name_or_path)
    if path.is_file():
        return path
    text = str(name_or_path)
    names = {entry.name: entry for entry in library() if entry.kind == "scenario"}
    if text in names:
        return Path(names[text].path)
    if path.is_dir():
        raise ScenarioError([f"{text}: is a directory, not a scenario file"])
    if path.suffix or "/" in text or "\\" in text:
        raise ScenarioError([f"{text}: no such file"])
    close = difflib.get_close_matches(text.lower(), list(names), n=3, cutoff=0.5)
    hint = f"did you mean {', '.join(close)}?" if close else f"library scenarios: {', '.join(names) or 'none'}"
    raise ScenarioError([f"{text}: not a file and not a library scenario; {hint}"])


# --------------------------------------------------------------------------------------------
# Checking. Problems are (key path, reason); lines are found afterwards in the source text.

KeyPath = tuple[str | int, ...]


class _Checker:
    def __init__(self, data: dict[str, Any], catalog: Catalog):
        self.data = data
        self.catalog = catalog
        self.problems: list[tuple[KeyPath, str]] = []
        # per table: (index in the file, raw row, validated model or None)
        self.models: dict[str, list[tuple[int, dict[str, Any], BaseModel | None]]] = {}
        self.invalid_missiles: set[str] = set()

    def problem(self, path: KeyPath, reason: str) -> None:
        self.problems.append((path, reason))

    def run(self) -> Scenario | None:
        self._validate_shapes()
        self._add_own_missiles()
        parties = self._ids("party")
        # Threats may aim at or launch from the catalog's cities and bases by name; a [[point]] of
        # the same id in the file takes precedence.
        places = {**self.catalog.cities, **self.catalog.bases}
        points = self._ids("point") | set(places)
        self._ids("asset")
        self._ids("threat")
        point_coords = {name: (c.lat_deg, c.lon_deg) for name, c in places.items()}
        point_coords.update({m.id: (m.lat_deg, m.lon_deg) for _, _, m in self.models["point"] if m is not None})
        for index, raw, _ in self.models["asset"]:
            self._check_asset(index, raw, parties)
        self._check_sites()
        # counted before any trajectory is built: past the limit even the launch/aim checks take minutes
        limit = max_trajectories()
        counts = [len(m.launch) * len(m.aim) if m is not None else 0 for _, _, m in self.models["threat"]]
        so_far = 0
        for (index, raw, model), count in zip(self.models["threat"], counts, strict=True):
            if so_far <= limit < so_far + count:
                self.problem(
                    ("threat", index, "aim"),
                    f"the threats define {sum(counts):,} trajectories (launch × aim), more than {limit:,}; "
                    "use fewer points, or set SECURITYROOF_MAX_TRAJECTORIES",
                )
            so_far += count
            self._check_threat(index, raw, model, points, point_coords, pairs=so_far <= limit)
        sharing = self.data.get("sharing")
        if isinstance(sharing, dict):
            self.problems += _check_sharing(sharing, parties, has_pairs="pairs" in sharing)
        return None if self.problems else self._build(point_coords)

    def _validate_shapes(self) -> None:
        try:
            _File.model_validate(self.data)
        except ValidationError as error:
            for e in error.errors():
                # a row that is not a table is reported here; its contents are checked below
                self.problem(e["loc"], _reason(e, _File.model_fields))
        for table, model in _ROWS.items():
            rows = self.data.get(table)
            self.models[table] = []
            for index, raw in enumerate(rows if isinstance(rows, list) else []):
                if isinstance(raw, dict):
                    self.models[table].append((index, raw, self._validate(model, raw, (table, index))))
        for table, model in _TABLES.items():
            # [analysis] may be left out (all defaults); a missing [sharing] is reported once, above
            raw = self.data.get(table, {} if table == "analysis" else None)
            self.models[table] = [(0, raw, self._validate(model, raw, (table,)))] if isinstance(raw, dict) else []

    def _add_own_missiles(self) -> None:
        """The file's [[missile]] classes join the catalog for this scenario (threats may name
        them); a name the catalog already has would be ambiguous."""
        own = []
        for _, raw, model in self.models["missile"]:
            # a threat naming a class whose own table is wrong would add "unknown missile" to the real error
            if model is None and isinstance(raw.get("name"), str):
                self.invalid_missiles.add(raw["name"])
        for index, _, model in self.models["missile"]:
            if model is None:
                continue
            if self.catalog.kind_of(model.name) is not None or model.name in {m.name for m in own}:
                self.problem(("missile", index, "name"), f"{model.name!r} is already a catalog or file name")
                continue
            own.append(model)
        if own:
            entries = {kind: list(values.values()) for kind, values in self.catalog.entries.items()}
            entries["missile"] = entries["missile"] + own
            self.catalog = Catalog(entries)

    def _validate(self, model: type[BaseModel], raw: dict[str, Any], where: KeyPath) -> BaseModel | None:
        try:
            return model.model_validate(raw)
        except ValidationError as error:
            for e in error.errors():
                self.problem((*where, *e["loc"]), _reason(e, model.model_fields))
            return None

    def _ids(self, table: str) -> set[str]:
        """The ids a table declares (also of rows with other problems, so that one mistake does not
        turn every reference to that row into a second error); repeats are problems."""
        seen: dict[str, int] = {}
        for index, raw, _ in self.models[table]:
            value = raw.get("id")
            if not isinstance(value, str):
                continue
            if value in seen:
                self.problem((table, index, "id"), f"duplicate id {value!r} (also {table}[{seen[value]}])")
            else:
                seen[value] = index
        return set(seen)

    def _check_sites(self) -> None:
        """Assets that share a ``site`` cue each other as one site, so they must stand at one."""
        first: dict[str, Any] = {}
        for index, _, model in self.models["asset"]:
            if model is None or model.site is None or model.lat_deg is None or model.lon_deg is None:
                continue
            other = first.setdefault(model.site, model)
            apart_km = _distance_km(other.lat_deg, other.lon_deg, model.lat_deg, model.lon_deg)
            if apart_km > CO_LOCATED_KM:
                self.problem(
                    ("asset", index, "site"),
                    f"asset {other.id!r} of the same site stands {apart_km:,.0f} km away; assets of one site "
                    f"stand within {CO_LOCATED_KM:g} km of each other",
                )

    def _check_asset(self, index: int, raw: dict[str, Any], parties: set[str]) -> None:
        where = ("asset", index)
        owner = raw.get("owner")
        if isinstance(owner, str) and owner not in parties:
            self.problem((*where, "owner"), _unknown("party", owner, parties))
        name = raw.get("kind")
        if not isinstance(name, str):
            return
        kind = self.catalog.kind_of(name)
        if kind not in ASSET_KINDS:
            usable = [n for k in ASSET_KINDS for n in self.catalog.entries[k]]
            if kind is None:
                self.problem((*where, "kind"), _unknown("radar, satellite or interceptor", name, usable))
            else:
                self.problem((*where, "kind"), f"{name!r} is a {kind}, not a radar, satellite or interceptor")
            return
        if kind == "satellite":
            for key in ("lat_deg", "lon_deg", "alt_m", "boresight_az_deg", "site"):
                if key in raw:
                    self.problem(
                        (*where, key),
                        f"a satellite ({name}) has no ground site: its reports are a delay; remove this key",
                    )
            return
        for key in ("lat_deg", "lon_deg"):
            if key not in raw:
                self.problem((*where, key), f"missing (required: {name} stands on the ground)")
        if kind == "interceptor" and "boresight_az_deg" in raw:
            self.problem((*where, "boresight_az_deg"), "only radars have a boresight")
        if kind == "radar":
            entry: RadarClass = self.catalog.radars[name]
            if entry.azimuth_half_width_deg < 180 and "boresight_az_deg" not in raw:
                self.problem(
                    (*where, "boresight_az_deg"),
                    f"missing (required: {name} covers only ±{entry.azimuth_half_width_deg:g}° about its boresight)",
                )

    def _check_threat(
        self, index, raw, model, points: set[str], coords: dict[str, tuple[float, float]], pairs: bool = True
    ) -> None:
        where = ("threat", index)
        missile = raw.get("missile")
        if isinstance(missile, str) and missile not in self.catalog.missiles and missile not in self.invalid_missiles:
            kind = self.catalog.kind_of(missile)
            if kind is not None:
                self.problem((*where, "missile"), f"{missile!r} is a {kind}, not a missile")
            else:
                self.problem((*where, "missile"), _unknown("missile", missile, self.catalog.missiles))
        for key in ("launch", "aim"):
            refs = raw.get(key)
            seen: dict[Any, int] = {}
            for k, ref in enumerate(refs if isinstance(refs, list) else []):
                if isinstance(ref, str):
                    if ref not in points:
                        self.problem((*where, key, k), _unknown("point", ref, points))
                    hashable: Any = ref
                elif isinstance(ref, list):
                    hashable = json.dumps(ref, default=str)
                else:
                    continue
                if hashable in seen:
                    self.problem((*where, key, k), f"{_show(ref)} is listed twice (also {key}[{seen[hashable]}])")
                seen.setdefault(hashable, k)
        if model is None or not pairs:
            return
        # a launch point that is also an aim point would be a trajectory of zero length
        launches = [_coords(ref, coords) for ref in model.launch]
        for k, ref in enumerate(model.aim):
            point = _coords(ref, coords)
            if point is None:
                continue
            for j, launch in enumerate(launches):
                if launch is not None and coincident(*launch, *point):
                    self.problem((*where, "aim", k), f"{_show(ref)} is also launch[{j}]: launch and aim must differ")

    def _build(self, coords: dict[str, tuple[float, float]]) -> Scenario:
        data, catalog = self.data, self.catalog
        assets = tuple(m for _, _, m in self.models["asset"])
        threats = tuple(m for _, _, m in self.models["threat"])
        sensors = tuple(
            Sensor(a, catalog.kind_of(a.kind), catalog.entries[catalog.kind_of(a.kind)][a.kind])
            for a in assets
            if catalog.kind_of(a.kind) in ("radar", "satellite")
        )
        sites = tuple(
            InterceptorSite(a, catalog.interceptors[a.kind]) for a in assets if a.kind in catalog.interceptors
        )
        threat_set = tuple(
            ThreatTrajectory(
                id=f"{t.id}/{_ref_label(launch)}->{_ref_label(aim)}",
                threat=t.id,
                missile=t.missile,
                missile_class=catalog.missiles[t.missile],
                launch=launch if isinstance(launch, str) else None,
                launch_lat_deg=_coords(launch, coords)[0],
                launch_lon_deg=_coords(launch, coords)[1],
                aim=aim if isinstance(aim, str) else None,
                aim_lat_deg=_coords(aim, coords)[0],
                aim_lon_deg=_coords(aim, coords)[1],
                burnout_angle_deg=t.burnout_angle_deg,
                aim_population=_population(aim, catalog, {m.id for _, _, m in self.models["point"]}),
            )
            for t in threats
            for launch in t.launch
            for aim in t.aim
        )
        return Scenario(
            name=data["name"],
            description=data["description"],
            parties={m.id: m for _, _, m in self.models["party"]},
            assets=assets,
            points={m.id: m for _, _, m in self.models["point"]},
            threats=threats,
            sharing=self.models["sharing"][0][2],
            analysis=self.models["analysis"][0][2],
            sensors=sensors,
            interceptor_sites=sites,
            threat_set=threat_set,
        )


def _check_sharing(raw: dict[str, Any], parties: Iterable[str], has_pairs: bool) -> list[tuple[KeyPath, str]]:
    """Cross-checks of ``[sharing]`` (its types are the model's business): pairs go with
    ``policy = "pairs"`` only, and name declared parties, once each."""
    problems: list[tuple[KeyPath, str]] = []
    parties = set(parties)
    policy, pairs = raw.get("policy"), raw.get("pairs")
    if policy == "pairs" and (not has_pairs or pairs == []):
        problems.append((("sharing", "pairs"), 'missing (required with policy = "pairs": [[sensor_owner, '
                         'interceptor_owner], ...])'))  # fmt: skip
    if policy in POLICIES and policy != "pairs" and has_pairs:
        problems.append((("sharing", "pairs"), f'only used with policy = "pairs" (policy is {policy!r})'))
    seen: dict[tuple[str, str], int] = {}
    for k, pair in enumerate(pairs if isinstance(pairs, list) else []):
        if not (isinstance(pair, list | tuple) and len(pair) == 2 and all(isinstance(p, str) for p in pair)):
            continue
        for j, owner in enumerate(pair):
            if owner not in parties:
                problems.append((("sharing", "pairs", k, j), _unknown("party", owner, parties)))
        key = (pair[0], pair[1])
        if key in seen:
            problems.append((("sharing", "pairs", k), f"{_show(list(pair))} is listed twice (also pairs[{seen[key]}])"))
        seen.setdefault(key, k)
    return problems


def _population(ref, catalog: Catalog, file_points: set[str]) -> int | None:
    """The catalog population of an aim point named after a catalog city (not redefined in the file)."""
    if isinstance(ref, str) and ref in catalog.cities and ref not in file_points:
        return catalog.cities[ref].population
    return None


def _coords(ref: str | tuple[float, float], coords: dict[str, tuple[float, float]]) -> tuple[float, float] | None:
    return coords.get(ref) if isinstance(ref, str) else ref


def _distance_km(lat_a: float, lon_a: float, lat_b: float, lon_b: float) -> float:
    return Geod(ellps="WGS84").inv(lon_a, lat_a, lon_b, lat_b)[2] / 1e3


def _ref_label(ref: str | tuple[float, float]) -> str:
    return ref if isinstance(ref, str) else f"{_deg(ref[0])},{_deg(ref[1])}"


def _deg(value: float) -> str:
    # shortest round-trip form, so that distinct points never get the same id
    text = repr(float(value))
    return text.removesuffix(".0")


def _unknown(what: str, name: str, known: Iterable[str]) -> str:
    known = sorted(known)
    close = difflib.get_close_matches(name.lower(), known, n=3, cutoff=0.5)
    if close:
        return f"unknown {what} {name!r}; did you mean {', '.join(close)}?"
    return f"unknown {what} {name!r}; known: {', '.join(known) or 'none declared'}"


def _show(value: Any) -> str:
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
        text = "[" + ", ".join(_show(v) for v in value) + "]"
        return text if len(text) <= 60 else "an array"
    return str(value)


def _reason(error: dict[str, Any], fields: Iterable[str]) -> str:
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
        return f'{_show(value)} is not an id: use lowercase letters, digits and hyphens (e.g. "nato")'
    message = error["msg"]
    return message if isinstance(value, dict | list) else f"{message}, got {_show(value)}"


def _format_path(path: KeyPath) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _message(file: str, line: int | None, path: KeyPath, reason: str) -> str:
    where = f"{file}:{line}" if line is not None else file
    return f"{where}: {_format_path(path)}: {reason}" if path else f"{where}: {reason}"


def _syntax_message(file: str, text: str, error: tomllib.TOMLDecodeError) -> str:
    message = str(error)
    found = re.search(r"\s*\(at line (\d+), column (\d+)\)$", message)
    if found:
        return f"{file}:{found[1]}:{found[2]}: not valid TOML: {message[: found.start()]}"
    end = re.search(r"\s*\(at end of document\)$", message)
    if end:
        return f"{file}:{max(1, text.count(chr(10)) + 1)}: not valid TOML: {message[: end.start()]} (at end of file)"
    return f"{file}: not valid TOML: {message}"


# --------------------------------------------------------------------------------------------
# Lines. tomllib keeps no positions, so a small scanner finds where each table header and key
# starts in a text tomllib has accepted. Only positions are wanted, not values.

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


class _Lines:
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
