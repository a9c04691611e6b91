"""The deterrence check: can an architecture engage strategic ICBMs on their way between Russia
and North America, and whose interceptors would?

This is the question Russia asked of the European shield. The check flies, for every base of one
side and every listed target of the other, the base's ICBM class on its minimum-energy
trajectory (catalog bases and cities), and engages it with the architecture's sensors and
interceptor sites under its sharing policy. Each pair says its direction (``russia->north-america``
or ``north-america->russia``), whether any site can engage and which parties own the sites that can,
how much slack the launch decision has (the latest lift-off that still intercepts, minus the
earliest), and at what altitude the earliest intercept would be; and, when no site can, why not: the
reason of the site that got furthest (detected, then shared, then within reach, then in time).

Whose ICBMs are whose is said once, in :data:`DIRECTIONS`: Russia's bases belong to the party
``russia``, the US fields to ``nato`` (the library's NATO party includes the US assets). An
interceptor threatens the deterrent of the *other* side: a ``nato`` site the ICBMs bound for North
America, a ``russia`` site those bound for Russia, and a site of any other party (owning neither
deterrent) both.

The sensitivity map repeats the count of engageable pairs over a grid of interceptor burnout
speed × decision delay, in all and per direction. It varies kinematics only: for the classes whose
speed it sets, the stated range and altitude limits are lifted, so that speed alone decides what the
interceptor can reach (a faster SM-3 is not still held to its 2,500 km). Each site's **threatening
speed** is the least burnout speed, on a grid of :data:`SPEED_RESOLUTION_KM_S` up to
:data:`SPEED_LIMIT_KM_S` and with limits lifted the same way, at which it engages at least one ICBM of
the other side, at the scenario's decision delay and at none. Engagement is monotone in speed (a
faster fly-out reaches every point sooner), so a bisection of that grid finds it.

Everything is also computed under **perfect cueing**, the counterfactual of
:func:`securityroof.analysis.engage.engage_tracked` where every site is cued from each threat's
burnout as if a sensor saw everything: a zero that perfect cueing keeps is kinematic, one it removes
is a sensor (or sharing) gap. The verdicts say both, in one sentence per direction.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from securityroof.analysis import arrow
from securityroof.analysis.deterrence_verdicts import verdicts
from securityroof.analysis.engage import (
    Engagements,
    SiteAsset,
    Tracked,
    engage,
    engage_tracked,
    furthest_hurdle,
    scenario_tracked,
)
from securityroof.analysis.engage import site_assets as scenario_sites
from securityroof.analysis.findings import deterrence_findings
from securityroof.errors import RoofError
from securityroof.model.catalog import Catalog, InterceptorClass, load_catalog
from securityroof.model.scenario import Scenario, ThreatTrajectory


@dataclass(frozen=True)
class Direction:
    """One direction of the check: whose bases launch, at whose cities, and whose ICBMs these are."""

    name: str
    bases_of: str  # catalog country
    targets_of: tuple[str, ...]  # catalog countries
    party: str  # the scenario party owning these ICBMs
    missile_text: str  # how a sentence names one of them

    @property
    def threat_name(self) -> str:
        return f"deterrence-{self.bases_of.lower().replace(' ', '-')}"


#: Catalog countries whose cities are the targets of each direction.
NORTH_AMERICA = ("United States", "Canada")
RUSSIA = ("Russia",)
DIRECTIONS = (
    Direction("russia->north-america", "Russia", NORTH_AMERICA, "russia", "a Russian ICBM bound for North America"),
    Direction("north-america->russia", "United States", RUSSIA, "nato", "a US ICBM bound for Russia"),
)
#: The threatening speed's grid: its step, and the fastest speed tried.
SPEED_RESOLUTION_KM_S = 0.1
SPEED_LIMIT_KM_S = 12.0
_SPEED_STEPS = round(SPEED_LIMIT_KM_S / SPEED_RESOLUTION_KM_S)
#: Envelope limits for speed-varied classes: everything the fly-out can reach.
_LIFTED_RANGE_KM = 20_000.0
_LIFTED_ALTITUDE_KM = 5_000.0


def threatened_by(owner: str) -> tuple[Direction, ...]:
    """The directions whose ICBMs are the other side's to an interceptor of party ``owner``."""
    return tuple(d for d in DIRECTIONS if d.party != owner)


def direction_of(threat: ThreatTrajectory) -> Direction:
    """The direction of one of :func:`deterrence_threats`."""
    return next(d for d in DIRECTIONS if d.threat_name == threat.threat)


@dataclass(frozen=True)
class Cueing:
    """The deterrence check under one cueing: the architecture's own sensors, or perfect cueing."""

    #: One dict per (base, target) pair (see :func:`pairs`).
    pairs: list[dict]
    #: Engageable pairs over the speed × delay grid, both directions together.
    sensitivity: list[dict]
    #: The same per direction, with the pairs each party's sites engage, and those the sites of a
    #: party other than the ICBMs' owner engage (the pairs that threaten the deterrent).
    sensitivity_by_direction: dict[str, list[dict]]
    #: Site id -> ``{"at_delay": km/s or None, "at_zero_delay": ...}`` (None: none up to the limit).
    threatening_speed_km_s: dict[str, dict]

    def to_dict(self) -> dict:
        return {field.name: getattr(self, field.name) for field in dataclasses.fields(Cueing)}

    def to_arrow(self):
        """The pairs as an Arrow table (sites and owners comma-separated; nulls where a value does not exist)."""
        columns = {key: [pair[key] for pair in self.pairs] for key in (self.pairs[0] if self.pairs else ())}
        for key in ("sites", "engaged_by_owner"):
            if key in columns:
                columns[key] = [",".join(values) for values in columns[key]]
        return arrow.table({key: _column(values) for key, values in columns.items()})

    def to_pandas(self):
        """:meth:`to_arrow` as a pandas DataFrame (needs pandas)."""
        return arrow.frame(self.to_arrow())


@dataclass(frozen=True)
class Deterrence(Cueing):
    """The deterrence check of an architecture: under its own sensors (these fields), and under
    :attr:`perfect_cueing`; :meth:`to_dict` is ``roof deterrence --json``."""

    perfect_cueing: Cueing
    #: The scenario's decision delay: the ``at_delay`` of the threatening speeds.
    decision_delay_s: float
    #: One dict per interceptor site: id, owner, interceptor class, display name, directions it threatens.
    sites: list[dict]
    #: One per direction: ``{"direction", "text", ...the figures the sentence states}``.
    verdicts: list[dict]

    def to_dict(self) -> dict:
        return {
            **super().to_dict(),
            "perfect_cueing": self.perfect_cueing.to_dict(),
            "threatening_speed_search": {
                "resolution_km_s": SPEED_RESOLUTION_KM_S,
                "up_to_km_s": SPEED_LIMIT_KM_S,
                "decision_delay_s": self.decision_delay_s,
            },
            "sites": self.sites,
            "verdicts": self.verdicts,
            "findings": self.findings(),
        }

    def findings(self, architecture: str | None = None) -> list[dict]:
        """The verdicts as findings (:func:`securityroof.analysis.findings.deterrence_findings`)."""
        return deterrence_findings(self.verdicts, architecture)


def _column(values: list) -> np.ndarray:
    if values and all(isinstance(v, bool) for v in values):
        return np.array(values, dtype=bool)
    if values and all(v is None or isinstance(v, float) for v in values):
        return np.array([np.nan if v is None else v for v in values], dtype=float)
    return np.array(values, dtype=object)


def deterrence_threats(catalog: Catalog | None = None, rcs_m2: float | None = None) -> tuple[ThreatTrajectory, ...]:
    """Every Russian base's ICBM at every North American catalog city, and every US field's at
    every Russian catalog city. ``rcs_m2`` replaces the catalog's re-entry-vehicle cross-section
    (an X-band figure; a UHF early-warning radar sees a different one)."""
    catalog = catalog or load_catalog()
    if rcs_m2 is not None and not (np.isfinite(rcs_m2) and rcs_m2 > 0):
        raise RoofError(f"rcs_m2: must be a positive number of square metres, got {rcs_m2!r}")
    threats = []
    for direction in DIRECTIONS:
        for base in (b for b in catalog.bases.values() if b.country == direction.bases_of):
            missile = catalog.missile(base.missile)
            if rcs_m2 is not None:
                missile = missile.model_copy(update={"rcs_m2": float(rcs_m2)})
            for city in (c for c in catalog.cities.values() if c.country in direction.targets_of):
                threats.append(
                    ThreatTrajectory(
                        id=f"{base.name}->{city.name}",
                        threat=direction.threat_name,
                        missile=base.missile,
                        missile_class=missile,
                        launch=base.name,
                        launch_lat_deg=base.lat_deg,
                        launch_lon_deg=base.lon_deg,
                        aim=city.name,
                        aim_lat_deg=city.lat_deg,
                        aim_lon_deg=city.lon_deg,
                        burnout_angle_deg=None,
                        aim_population=city.population,
                    )
                )
    return tuple(threats)


def pairs(
    scenario: Scenario, threats: Sequence[ThreatTrajectory], perfect_cueing: bool = False, flown=None
) -> list[dict]:
    """One entry per (base, target) pair of ``threats``: its direction, engageable by any site and by
    whose, best launch margin, intercept altitude, the earliest cue, and why not when no site can
    engage (``perfect_cueing``: under that counterfactual; ``flown``: the threats already flown, see
    :func:`securityroof.analysis.engage.fly_threats`)."""
    return _pairs(engage(scenario, threats=threats, perfect_cueing=perfect_cueing, flown=flown), threats)


def _pairs(engaged: Engagements, threats: Sequence[ThreatTrajectory]) -> list[dict]:
    result = engaged.columns
    out = []
    for threat in threats:
        mine = result["threat_id"] == threat.id
        rows = mine & result["feasible"].astype(bool)
        cues = result["cue_time_s"][mine].astype(float)
        failures = [reason for reason in result["reason"][mine] if reason is not None]
        margins = result["launch_margin_s"][rows].astype(float)
        starts = result["window_start_s"][rows].astype(float)
        altitudes = result["intercept_alt_km"][rows].astype(float)
        engageable = bool(rows.any())
        out.append(
            {
                "base": threat.launch,
                "target": threat.aim,
                "missile": threat.missile,
                "direction": direction_of(threat).name,
                "engageable": engageable,
                "best_margin_s": float(np.max(margins)) if engageable else None,
                "intercept_alt_km": float(altitudes[np.argmin(starts)]) if engageable else None,
                "sites": sorted(set(result["site_id"][rows])),
                "engaged_by_owner": sorted(set(result["site_owner"][rows])),
                "cue_time_s": float(np.nanmin(cues)) if np.isfinite(cues).any() else None,
                "why_not": _why_not(engageable, failures),
            }
        )
    return out


def why_not_summary(pairs: list[dict]) -> str:
    """One sentence counting the non-engageable pairs by ``why_not`` (empty when every pair is engageable)."""
    reasons = Counter(p["why_not"] for p in pairs if not p["engageable"])
    if not reasons:
        return ""
    listed = ", ".join(f"{reason} {count}" for reason, count in reasons.most_common())
    return f"Why not, for the others (the furthest any site got): {listed}"


def _why_not(engageable: bool, failures: list[str]) -> str | None:
    return None if engageable else furthest_hurdle(failures)


def _faster(entry: InterceptorClass, speed_km_s: float) -> InterceptorClass:
    """``entry`` flying at ``speed_km_s`` with its stated range and altitude limits lifted."""
    return entry.model_copy(
        update={
            "burnout_speed_km_s": speed_km_s,
            "max_ground_range_km": _LIFTED_RANGE_KM,
            "max_intercept_altitude_km": max(entry.max_intercept_altitude_km, _LIFTED_ALTITUDE_KM),
        }
    )


def with_interceptor_speed(scenario: Scenario, speed_km_s: float, classes: set[str] | None = None) -> Scenario:
    """The scenario with its interceptor classes (or only ``classes``) flying at ``speed_km_s``,
    their stated range and altitude limits lifted (see the module docstring)."""
    for entry in {site.entry.name: site.entry for site in scenario.interceptor_sites}.values():
        if classes is None or entry.name in classes:
            scenario = scenario.with_entry(_faster(entry, speed_km_s))
    return scenario


def with_decision_delay(scenario: Scenario, delay_s: float) -> Scenario:
    return scenario.with_analysis(decision_delay_s=delay_s)


@dataclass(frozen=True)
class _Check:
    """What every engagement of the check shares: the tracked pairs, the sites, the sharing policy."""

    scenario: Scenario
    threats: tuple[ThreatTrajectory, ...]
    tracked: Tracked
    sites: list[SiteAsset]

    def feasible(self, sites: list[SiteAsset], delay_s: float, perfect_cueing: bool) -> np.ndarray:
        """(sites, threats): which of ``sites`` can engage which pair."""
        engaged = self.engage(sites, delay_s, perfect_cueing)
        return engaged.columns["feasible"].astype(bool).reshape(len(sites), len(self.threats))

    def engage(self, sites: list[SiteAsset], delay_s: float, perfect_cueing: bool) -> Engagements:
        kill_assessment_s = self.scenario.analysis.kill_assessment_s
        may_cue = self.scenario.sharing.may_cue
        return engage_tracked(self.tracked, sites, may_cue, delay_s, kill_assessment_s, perfect_cueing)


def deterrence(
    scenario: Scenario,
    speeds_km_s=(),
    delays_s=(),
    interceptor: str | None = None,
    catalog: Catalog | None = None,
    rcs_m2: float | None = None,
) -> Deterrence:
    """The deterrence check of an architecture (see the module docstring). ``speeds_km_s`` ×
    ``delays_s`` is the sensitivity grid; ``interceptor`` names the class whose speed it sets
    (default: every class); ``rcs_m2`` the re-entry vehicles' radar cross-section (default: the catalog's)."""
    strategic = deterrence_threats(catalog, rcs_m2)
    if interceptor is not None and not any(s.entry.name == interceptor for s in scenario.interceptor_sites):
        present = sorted({s.entry.name for s in scenario.interceptor_sites})
        raise RoofError(
            f"interceptor: {interceptor!r} is not in this architecture; it has {', '.join(present) or 'none'}"
        )
    check = _Check(scenario, strategic, scenario_tracked(scenario, strategic), scenario_sites(scenario))
    directions = np.array([direction_of(t).name for t in strategic], dtype=object)
    other = np.array([[d in {o.name for o in threatened_by(s.owner)} for d in directions] for s in check.sites])
    delay = scenario.analysis.decision_delay_s
    speeds = [float(v) for v in speeds_km_s]
    delays = [float(d) for d in delays_s]
    outcomes = {}
    for perfect in (False, True):
        pairs_found = _pairs(check.engage(check.sites, delay, perfect), strategic)
        total, by_direction = _sensitivity(check, speeds, delays, interceptor, perfect, directions)
        outcomes[perfect] = Cueing(pairs_found, total, by_direction, _threatening_speeds(check, other, delay, perfect))
    sites = [
        {
            "id": site.id,
            "owner": site.owner,
            "interceptor": site.interceptor.name,
            "name": site_name(site),
            "threatens": [d.name for d in threatened_by(site.owner)],
        }
        for site in check.sites
    ]
    real, ideal = outcomes[False], outcomes[True]
    found = verdicts(scenario, sites, real, ideal, DIRECTIONS, SPEED_LIMIT_KM_S)
    return Deterrence(**dataclasses.asdict(real), perfect_cueing=ideal, decision_delay_s=delay, sites=sites,
                      verdicts=found)  # fmt: skip


def site_name(site: SiteAsset) -> str:
    """How text names a site: its place and class as the catalog labels it ("Redzikowo's SM-3 Block IIA")."""
    kind = site.interceptor.label.split(" (")[0]
    if site.site is None:
        return f"{site.id} ({kind})"
    return f"{site.site.replace('-', ' ').title()}'s {kind}"


def _sensitivity(check: _Check, speeds, delays, interceptor, perfect: bool, directions: np.ndarray):
    total, by_direction = [], {d.name: [] for d in DIRECTIONS}
    owners = np.array([site.owner for site in check.sites], dtype=object)
    for speed in speeds:
        faster = [
            dataclasses.replace(site, interceptor=_faster(site.interceptor, speed))
            if interceptor is None or site.interceptor.name == interceptor
            else site
            for site in check.sites
        ]
        for delay in delays:
            feasible = check.feasible(faster, delay, perfect)
            engageable = feasible.any(axis=0)
            cell = {"burnout_speed_km_s": speed, "decision_delay_s": delay}
            total.append({**cell, "engageable_pairs": int(engageable.sum()), "total_pairs": len(check.threats)})
            for direction in DIRECTIONS:
                mine = directions == direction.name
                other_side = np.array([direction in threatened_by(owner) for owner in owners], dtype=bool)
                by_owner = {
                    owner: int(feasible[owners == owner][:, mine].any(axis=0).sum()) for owner in sorted(set(owners))
                }
                by_direction[direction.name].append(
                    {
                        **cell,
                        "engageable_pairs": int(engageable[mine].sum()),
                        "total_pairs": int(mine.sum()),
                        "engageable_by_owner": by_owner,
                        "engageable_by_other_side": int(feasible[other_side][:, mine].any(axis=0).sum()),
                    }
                )
    return total, by_direction


def _threatening_speeds(check: _Check, other: np.ndarray, delay_s: float, perfect: bool) -> dict[str, dict]:
    """Each site's threatening speed at ``delay_s`` and at none (see the module docstring)."""
    at_zero = _least_steps(check, other, 0.0, perfect, np.zeros(len(check.sites), dtype=int))
    # a delay never helps, so the least speed at the delay is no less than at none
    at_delay = _least_steps(check, other, delay_s, perfect, np.where(at_zero > 0, at_zero - 1, _SPEED_STEPS))
    return {
        site.id: {"at_delay": _speed(at_delay[j]), "at_zero_delay": _speed(at_zero[j])}
        for j, site in enumerate(check.sites)
    }


def _speed(steps: int) -> float | None:
    return None if steps < 0 else round(float(steps) * SPEED_RESOLUTION_KM_S, 6)


def _least_steps(check: _Check, other: np.ndarray, delay_s: float, perfect: bool, known_short: np.ndarray):
    """Per site, the least number of grid steps of speed at which it engages an ICBM of the other
    side, or -1 if none up to the limit. ``known_short``: steps at which each site is known not to
    (0: standing still; the limit: none at all, so no search)."""

    def engages(indices: np.ndarray, steps: np.ndarray) -> np.ndarray:
        sites = [
            dataclasses.replace(check.sites[j], interceptor=_faster(check.sites[j].interceptor, _speed(k)))
            for j, k in zip(indices, steps, strict=True)
        ]
        return (check.feasible(sites, delay_s, perfect) & other[indices]).any(axis=1)

    short = np.asarray(known_short, dtype=int).copy()
    enough = np.full(short.size, _SPEED_STEPS)
    searched = np.flatnonzero(short < _SPEED_STEPS)
    found = np.zeros(short.size, dtype=bool)
    if searched.size:
        found[searched] = engages(searched, enough[searched])
    while (active := np.flatnonzero(found & (enough - short > 1))).size:
        middle = (short[active] + enough[active]) // 2
        yes = engages(active, middle)
        enough[active] = np.where(yes, middle, enough[active])
        short[active] = np.where(yes, short[active], middle)
    return np.where(found, enough, -1)
