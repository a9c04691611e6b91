"""Checking a scenario's data against the catalog: every problem found, as (key path, reason); lines are
found afterwards in the source text (:mod:`securityroof.model.scenario.lines`)."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ValidationError
from pyproj import Geod

from securityroof.model.catalog import Catalog, RadarClass, changed_row
from securityroof.model.scenario.messages import KeyPath, reason_of, show, unknown
from securityroof.model.scenario.model import (
    CO_LOCATED_KM,
    Scenario,
    max_trajectories,
)
from securityroof.model.scenario.schema import ASSET_KINDS, CLASSES, ROWS, TABLES, FileShape, check_sharing
from securityroof.physics.targeting import coincident


class Checker:
    def __init__(self, data: dict[str, Any], catalog: Catalog):
        self.data = data
        self.catalog = catalog
        self.problems: list[tuple[KeyPath, str]] = []
        # per table: (index in the file, raw row, validated model or None)
        self.models: dict[str, list[tuple[int, dict[str, Any], BaseModel | None]]] = {}
        self.invalid_classes: set[str] = set()
        self.own_missiles: tuple = ()

    def problem(self, path: KeyPath, reason: str) -> None:
        self.problems.append((path, reason))

    def run(self) -> Scenario | None:
        self._validate_shapes()
        self._add_own_classes()
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
            self.problems += check_sharing(sharing, parties, has_pairs="pairs" in sharing)
        return None if self.problems else self._build()

    def _validate_shapes(self) -> None:
        try:
            FileShape.model_validate(self.data)
        except ValidationError as error:
            for e in error.errors():
                # a row that is not a table is reported here; its contents are checked below
                self.problem(e["loc"], reason_of(e, FileShape.model_fields))
        for table, model in ROWS.items():
            rows = self.data.get(table)
            self.models[table] = []
            for index, raw in enumerate(rows if isinstance(rows, list) else []):
                if isinstance(raw, dict):
                    self.models[table].append((index, raw, self._validate(model, raw, (table, index))))
        for table in CLASSES:  # validated once the class each row starts from is known
            rows = self.data.get(table)
            self.models[table] = [(i, raw, None) for i, raw in enumerate(rows if isinstance(rows, list) else [])
                                  if isinstance(raw, dict)]  # fmt: skip
        for table, model in TABLES.items():
            # [analysis] may be left out (all defaults); a missing [sharing] is reported once, above
            raw = self.data.get(table, {} if table == "analysis" else None)
            self.models[table] = [(0, raw, self._validate(model, raw, (table,)))] if isinstance(raw, dict) else []

    def _add_own_classes(self) -> None:
        """The file's class tables join the catalog for this scenario. A row named after a catalog
        class of its kind is the file's version of that class (the keys given replace the catalog's);
        a new name is a class of the file's own: whole, or ``like`` a catalog class with the keys given
        replaced."""
        package, own, changed = self.catalog, [], []
        for kind, model_type in CLASSES.items():
            rows, self.models[kind] = self.models[kind], []
            for index, raw, _ in rows:
                start = self._class_start(kind, index, raw, package)
                model = None
                if start is not False:
                    fields = changed_row(start, raw) if start is not None else dict(raw)
                    fields.pop("like", None)
                    model = self._validate(model_type, fields, (kind, index))
                self.models[kind].append((index, raw, model))
                name = raw.get("name")
                if model is None:
                    # a threat or asset naming a class whose own table is wrong would add "unknown" to the real error
                    if isinstance(name, str):
                        self.invalid_classes.add(name)
                elif model.name in {m.name for _, m in own} | {m.name for m in changed}:
                    self.problem((kind, index, "name"), f"{model.name!r} is already a class of this file")
                elif model.name in package.entries[kind]:
                    changed.append(model)
                else:
                    own.append((kind, model))
        if own or changed:
            entries = {kind: list(values.values()) for kind, values in package.entries.items()}
            for kind, model in own:
                entries[kind].append(model)
            self.catalog = Catalog(entries)
            for model in changed:
                self.catalog = self.catalog.replaced(model)
        self.own_missiles = tuple(model for kind, model in own if kind == "missile")

    def _class_start(self, kind: str, index: int, raw: dict[str, Any], package: Catalog):
        """The catalog class a class row starts from: None (a whole class), or False where the row
        cannot be read."""
        name, like = raw.get("name"), raw.get("like")
        other = package.kind_of(name) if isinstance(name, str) else None
        if other is not None and other != kind:
            self.problem((kind, index, "name"), f"{name!r} is a catalog {other}, not a {kind}")
            return False
        if like is None:
            return package.entries[kind].get(name) if other == kind else None
        if other == kind:
            self.problem((kind, index, "like"), f"{name!r} is a catalog {kind}: its table changes it; drop like")
            return False
        if not isinstance(like, str) or like not in package.entries[kind]:
            reason = unknown(kind, like, package.entries[kind]) if isinstance(like, str) else "expected a class name"
            self.problem((kind, index, "like"), reason)
            return False
        return package.entries[kind][like]

    def _validate(self, model: type[BaseModel], raw: dict[str, Any], where: KeyPath) -> BaseModel | None:
        try:
            return model.model_validate(raw)
        except ValidationError as error:
            for e in error.errors():
                self.problem((*where, *e["loc"]), reason_of(e, model.model_fields))
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
            self.problem((*where, "owner"), unknown("party", owner, parties))
        name = raw.get("kind")
        if not isinstance(name, str):
            return
        kind = self.catalog.kind_of(name)
        if kind is None and name in self.invalid_classes:
            return
        if kind not in ASSET_KINDS:
            usable = [n for k in ASSET_KINDS for n in self.catalog.entries[k]]
            if kind is None:
                self.problem((*where, "kind"), unknown("radar, satellite or interceptor", name, usable))
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
        if isinstance(missile, str) and missile not in self.catalog.missiles and missile not in self.invalid_classes:
            kind = self.catalog.kind_of(missile)
            if kind is not None:
                self.problem((*where, "missile"), f"{missile!r} is a {kind}, not a missile")
            else:
                self.problem((*where, "missile"), unknown("missile", missile, self.catalog.missiles))
        for key in ("launch", "aim"):
            refs = raw.get(key)
            seen: dict[Any, int] = {}
            for k, ref in enumerate(refs if isinstance(refs, list) else []):
                if isinstance(ref, str):
                    if ref not in points:
                        self.problem((*where, key, k), unknown("point", ref, points))
                    hashable: Any = ref
                elif isinstance(ref, list):
                    hashable = json.dumps(ref, default=str)
                else:
                    continue
                if hashable in seen:
                    self.problem((*where, key, k), f"{show(ref)} is listed twice (also {key}[{seen[hashable]}])")
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
                    self.problem((*where, "aim", k), f"{show(ref)} is also launch[{j}]: launch and aim must differ")

    def _build(self) -> Scenario:
        data = self.data
        return Scenario(
            name=data["name"],
            description=data["description"],
            parties={m.id: m for _, _, m in self.models["party"]},
            assets=tuple(m for _, _, m in self.models["asset"]),
            points={m.id: m for _, _, m in self.models["point"]},
            threats=tuple(m for _, _, m in self.models["threat"]),
            sharing=self.models["sharing"][0][2],
            analysis=self.models["analysis"][0][2],
            catalog=self.catalog,
            missiles=self.own_missiles,
        )


def _coords(ref: str | tuple[float, float], coords: dict[str, tuple[float, float]]) -> tuple[float, float] | None:
    return coords.get(ref) if isinstance(ref, str) else ref


def _distance_km(lat_a: float, lon_a: float, lat_b: float, lon_b: float) -> float:
    return Geod(ellps="WGS84").inv(lon_a, lat_a, lon_b, lat_b)[2] / 1e3
