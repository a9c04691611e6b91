"""The checked scenario, as the analyses use it."""

from __future__ import annotations

import dataclasses
import math
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import ValidationError

from securityroof.errors import RoofError
from securityroof.model.catalog import Catalog, InterceptorClass, MissileClass, RadarClass, SatelliteClass
from securityroof.model.scenario.messages import format_path, reason_of
from securityroof.model.scenario.schema import (
    POLICIES,
    Analysis,
    Asset,
    Party,
    Point,
    ScenarioError,
    Sharing,
    Threat,
    check_sharing,
)


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
    #: the package's catalog with the file's own missile classes: every name in the file resolves here
    catalog: Catalog = field(repr=False)
    path: Path | None = None
    #: the file's own ``[[missile]]`` classes (threats may name them beside the catalog's)
    missiles: tuple[MissileClass, ...] = ()

    # The sensors, the interceptor sites and the threat set are derived from the assets, the threats
    # and the catalog, never stored beside them: an edit of one (an asset removed, a class made faster)
    # cannot leave the others stale.

    @cached_property
    def sensors(self) -> tuple[Sensor, ...]:
        """The radar and satellite assets with their catalog entries, in file order."""
        kinds = {asset.id: self.catalog.kind_of(asset.kind) for asset in self.assets}
        return tuple(
            Sensor(asset, kinds[asset.id], self.catalog.entries[kinds[asset.id]][asset.kind])
            for asset in self.assets
            if kinds[asset.id] in ("radar", "satellite")
        )

    @cached_property
    def interceptor_sites(self) -> tuple[InterceptorSite, ...]:
        """The interceptor assets with their catalog entries, in file order."""
        interceptors = self.catalog.interceptors
        return tuple(
            InterceptorSite(asset, interceptors[asset.kind]) for asset in self.assets if asset.kind in interceptors
        )

    @cached_property
    def threat_set(self) -> tuple[ThreatTrajectory, ...]:
        """Every threat's missile from each of its launch points at each of its aim points."""
        places = {**self.catalog.cities, **self.catalog.bases}
        coords = {name: (place.lat_deg, place.lon_deg) for name, place in places.items()}
        coords.update({point.id: (point.lat_deg, point.lon_deg) for point in self.points.values()})
        return tuple(
            ThreatTrajectory(
                id=f"{threat.id}/{_ref_label(launch)}->{_ref_label(aim)}",
                threat=threat.id,
                missile=threat.missile,
                missile_class=self.catalog.missiles[threat.missile],
                launch=launch if isinstance(launch, str) else None,
                launch_lat_deg=_coords(launch, coords)[0],
                launch_lon_deg=_coords(launch, coords)[1],
                aim=aim if isinstance(aim, str) else None,
                aim_lat_deg=_coords(aim, coords)[0],
                aim_lon_deg=_coords(aim, coords)[1],
                burnout_angle_deg=threat.burnout_angle_deg,
                aim_population=self._population(aim),
            )
            for threat in self.threats
            for launch in threat.launch
            for aim in threat.aim
        )

    def _population(self, ref) -> int | None:
        """The catalog population of an aim point named after a catalog city (not redefined in the file)."""
        if isinstance(ref, str) and ref in self.catalog.cities and ref not in self.points:
            return self.catalog.cities[ref].population
        return None

    # Edits: each returns a new scenario whose derived views follow.

    def with_assets(self, assets: Iterable[Asset]) -> Scenario:
        return self._same_threats(dataclasses.replace(self, assets=tuple(assets)))

    def _same_threats(self, changed: Scenario) -> Scenario:
        """``changed`` (this scenario with other assets, analysis or sharing) given this one's threat set
        if built: it depends on none of them, and building it again was a fifth of a comparison's time."""
        if "threat_set" in self.__dict__:
            changed.__dict__["threat_set"] = self.__dict__["threat_set"]
        return changed

    def without_party(self, party: str) -> Scenario:
        """Every asset of ``party`` removed (its sensors and its interceptor sites): what the party adds."""
        return self.with_assets(asset for asset in self.assets if asset.owner != party)

    def without_asset(self, asset_id: str) -> Scenario:
        return self.with_assets(asset for asset in self.assets if asset.id != asset_id)

    def with_threats(self, threats: Iterable[Threat]) -> Scenario:
        return dataclasses.replace(self, threats=tuple(threats))

    def with_analysis(self, **changes) -> Scenario:
        """Other analysis options (``decision_delay_s=120.0``), checked as the file's are."""
        try:
            analysis = Analysis.model_validate({**self.analysis.model_dump(), **changes})
        except ValidationError as error:
            raise ScenarioError(
                [
                    f"{format_path(('analysis', *e['loc']))}: {reason_of(e, Analysis.model_fields)}"
                    for e in error.errors()
                ]
            ) from None
        return self._same_threats(dataclasses.replace(self, analysis=analysis))

    def with_entry(self, entry) -> Scenario:
        """The scenario with a catalog class replaced (a faster interceptor, a longer-range radar): every
        asset and threat of that class uses the new one."""
        missiles = tuple(entry if m.name == entry.name else m for m in self.missiles)
        return dataclasses.replace(self, catalog=self.catalog.replaced(entry), missiles=missiles)

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
        problems = check_sharing(raw, self.parties.keys(), has_pairs="pairs" in raw)
        try:
            sharing = Sharing.model_validate(raw)
        except ValidationError as error:
            problems += [(("sharing", *e["loc"]), reason_of(e, Sharing.model_fields)) for e in error.errors()]
        if problems:
            raise ScenarioError([f"{format_path(path)}: {reason}" for path, reason in problems])
        return self._same_threats(dataclasses.replace(self, sharing=sharing))

    def threat_columns(self) -> dict[str, np.ndarray]:
        """The threat set as arrays (see :func:`threat_columns`)."""
        return threat_columns(self.threat_set)

    def summary(self) -> str:
        """``NAME (N parties, N assets, N threat trajectories)``."""
        counts = [(len(self.parties), "party", "parties"), (len(self.assets), "asset", "assets")]
        counts.append((len(self.threat_set), "threat trajectory", "threat trajectories"))
        return f"{self.name} ({', '.join(f'{n} {one if n == 1 else many}' for n, one, many in counts)})"


def threat_columns(threat_set: Sequence[ThreatTrajectory]) -> dict[str, np.ndarray]:
    """The threat set as arrays for :func:`securityroof.trajectories`: ``launch_lat_deg``,
    ``launch_lon_deg``, ``aim_lat_deg``, ``aim_lon_deg``, ``missile`` (names) and
    ``burnout_angle_deg`` (NaN: minimum energy), one entry per threat trajectory, in order."""
    rows = threat_set
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


def _coords(ref: str | tuple[float, float], coords: dict[str, tuple[float, float]]) -> tuple[float, float]:
    return coords[ref] if isinstance(ref, str) else ref


def _ref_label(ref: str | tuple[float, float]) -> str:
    return ref if isinstance(ref, str) else f"{_deg(ref[0])},{_deg(ref[1])}"


def _deg(value: float) -> str:
    # shortest round-trip form, so that distinct points never get the same id
    text = repr(float(value))
    return text.removesuffix(".0")
