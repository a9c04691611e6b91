"""The checked scenario, as the analyses use it."""

from __future__ import annotations

import dataclasses
import math
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import ValidationError

from securityroof.errors import RoofError
from securityroof.model.catalog import InterceptorClass, MissileClass, RadarClass, SatelliteClass
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
    sensors: tuple[Sensor, ...]
    interceptor_sites: tuple[InterceptorSite, ...]
    threat_set: tuple[ThreatTrajectory, ...]
    path: Path | None = None
    #: the file's own ``[[missile]]`` classes (threats may name them beside the catalog's)
    missiles: tuple[MissileClass, ...] = ()

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
