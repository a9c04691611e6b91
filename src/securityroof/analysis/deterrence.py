"""The deterrence check: can an architecture engage strategic ICBMs on their way between Russia
and North America?

This is the question Russia asked of the European shield. The check flies, for every base of one
side and every listed target of the other, the base's ICBM class on its minimum-energy
trajectory (catalog bases and cities), and engages it with the architecture's sensors and
interceptor sites under its sharing policy. Each pair says whether any site can engage, how much
slack the launch decision has (the latest lift-off that still intercepts, minus the earliest), and
at what altitude the earliest intercept would be; and, when no site can, why not: the reason of the
site that got furthest (detected, then shared, then within reach, then in time), so that "0 of 66"
tells a sensor gap from a kinematic one.

The sensitivity map repeats the count of engageable pairs over a grid of interceptor burnout
speed × decision delay. It varies kinematics only: for the classes whose speed it sets, the
stated range and altitude limits are lifted, so that speed alone decides what the interceptor can
reach (a faster SM-3 is not still held to its 2,500 km).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from securityroof.analysis.engage import engage
from securityroof.errors import RoofError
from securityroof.model.catalog import Catalog, load_catalog
from securityroof.model.scenario import Scenario, ThreatTrajectory
from securityroof.physics.reasons import ENGAGEMENT_TEXT, Infeasible

#: Catalog countries whose cities are the targets of each direction.
NORTH_AMERICA = ("United States", "Canada")
RUSSIA = ("Russia",)
#: Envelope limits for speed-varied classes: everything the fly-out can reach.
_LIFTED_RANGE_KM = 20_000.0
_LIFTED_ALTITUDE_KM = 5_000.0
#: ``why_not`` of every pair when the architecture has no interceptor site to engage with.
NO_SITE = "no-interceptor-site"
#: Engagement reasons from the first hurdle to the last, so the furthest a pair got is the maximum.
_PROGRESS = {ENGAGEMENT_TEXT[code]: rank for rank, code in enumerate(list(Infeasible)[1:])}


def deterrence_threats(catalog: Catalog | None = None, rcs_m2: float | None = None) -> tuple[ThreatTrajectory, ...]:
    """Every Russian base's ICBM at every North American catalog city, and every US field's at
    every Russian catalog city. ``rcs_m2`` replaces the catalog's re-entry-vehicle cross-section
    (an X-band figure; a UHF early-warning radar sees a different one)."""
    catalog = catalog or load_catalog()
    if rcs_m2 is not None and not (np.isfinite(rcs_m2) and rcs_m2 > 0):
        raise RoofError(f"rcs_m2: must be a positive number of square metres, got {rcs_m2!r}")
    threats = []
    for bases_of, targets_of in (("Russia", NORTH_AMERICA), ("United States", RUSSIA)):
        for base in (b for b in catalog.bases.values() if b.country == bases_of):
            missile = catalog.missile(base.missile)
            if rcs_m2 is not None:
                missile = missile.model_copy(update={"rcs_m2": float(rcs_m2)})
            for city in (c for c in catalog.cities.values() if c.country in targets_of):
                threats.append(
                    ThreatTrajectory(
                        id=f"{base.name}->{city.name}",
                        threat=f"deterrence-{base.country.lower().replace(' ', '-')}",
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


def pairs(scenario: Scenario, threats: Sequence[ThreatTrajectory]) -> list[dict]:
    """One entry per (base, target) pair of ``threats``: engageable by any site, best launch margin,
    intercept altitude, the earliest cue, and why not when no site can engage."""
    result = engage(scenario, threats=threats).columns
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
                "engageable": engageable,
                "best_margin_s": float(np.max(margins)) if engageable else None,
                "intercept_alt_km": float(altitudes[np.argmin(starts)]) if engageable else None,
                "sites": sorted(set(result["site_id"][rows])),
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
    if engageable:
        return None
    if not failures:
        return NO_SITE
    return max(failures, key=_PROGRESS.__getitem__)


def with_interceptor_speed(scenario: Scenario, speed_km_s: float, classes: set[str] | None = None) -> Scenario:
    """The scenario with its interceptor classes (or only ``classes``) flying at ``speed_km_s``,
    their stated range and altitude limits lifted (see the module docstring)."""
    for entry in {site.entry.name: site.entry for site in scenario.interceptor_sites}.values():
        if classes is None or entry.name in classes:
            faster = entry.model_copy(
                update={
                    "burnout_speed_km_s": speed_km_s,
                    "max_ground_range_km": _LIFTED_RANGE_KM,
                    "max_intercept_altitude_km": max(entry.max_intercept_altitude_km, _LIFTED_ALTITUDE_KM),
                }
            )
            scenario = scenario.with_entry(faster)
    return scenario


def with_decision_delay(scenario: Scenario, delay_s: float) -> Scenario:
    return scenario.with_analysis(decision_delay_s=delay_s)


def deterrence(
    scenario: Scenario,
    speeds_km_s=(),
    delays_s=(),
    interceptor: str | None = None,
    catalog: Catalog | None = None,
    rcs_m2: float | None = None,
) -> dict:
    """``{"pairs": [...], "sensitivity": [...]}`` for an architecture (see the module docstring).
    ``interceptor`` names the class whose speed the sensitivity sets (default: every class);
    ``rcs_m2`` the re-entry vehicles' radar cross-section (default: the catalog's)."""
    strategic = deterrence_threats(catalog, rcs_m2)
    classes = None if interceptor is None else {interceptor}
    if interceptor is not None and not any(s.entry.name == interceptor for s in scenario.interceptor_sites):
        present = sorted({s.entry.name for s in scenario.interceptor_sites})
        raise RoofError(
            f"interceptor: {interceptor!r} is not in this architecture; it has {', '.join(present) or 'none'}"
        )
    sensitivity = []
    for speed in speeds_km_s:
        faster = with_interceptor_speed(scenario, float(speed), classes)
        for delay in delays_s:
            engaged = engage(with_decision_delay(faster, float(delay)), threats=strategic).columns
            engageable = {t for t, ok in zip(engaged["threat_id"], engaged["feasible"], strict=True) if ok}
            sensitivity.append(
                {
                    "burnout_speed_km_s": float(speed),
                    "decision_delay_s": float(delay),
                    "engageable_pairs": len(engageable),
                    "total_pairs": len(strategic),
                }
            )
    return {"pairs": pairs(scenario, strategic), "sensitivity": sensitivity}
