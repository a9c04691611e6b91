"""Comparing architectures on the same threats: what each defends, what each party adds.

For every architecture (a scenario), its threat set is engaged (see :mod:`securityroof.physics.engagement`)
and summarized:

- a threat trajectory counts only if its missile can reach its aim point at all; it is
  *engageable* when at least one site has a feasible engagement;
- shot opportunities add up the shoot-look-shoot opportunities of every site against every threat;
- the earliest intercept altitude is that of each engageable threat's earliest feasible intercept;
- a catalog city is *protected against a missile class* when every launch region's reachable shot
  of that class at it is engageable; the protected population counts the cities protected against
  every class that can reach them;
- ``by_party``: the same, counting only that party's interceptor sites (cued as the policy allows);
- ``without_party``: the protected share with that party's assets (sensors and sites) removed.

Architectures are compared on the same threats only if their scenarios share a threat set; the
comparison says so when they do not.
"""

from __future__ import annotations

import numpy as np

from securityroof.analysis.engage import Engagements, engage
from securityroof.model.scenario import Scenario


def summarize(scenario: Scenario, result: Engagements, sites_of: set[str] | None = None) -> dict:
    """Threat and city figures of one engagement table, optionally counting only some sites."""
    columns = result.columns
    threats = [t.id for t in scenario.threat_set]
    reachable = {threat_id for threat_id, flies in result.threat_reachable.items() if flies}
    counted = np.ones(len(columns["threat_id"]), dtype=bool)
    if sites_of is not None:
        counted = np.isin(columns["site_id"], list(sites_of))
    engageable: dict[str, bool] = dict.fromkeys(reachable, False)
    shots = 0
    earliest: dict[str, tuple[float, float]] = {}
    for i in np.flatnonzero(counted & columns["feasible"]):
        threat_id = columns["threat_id"][i]
        engageable[threat_id] = True
        shots += int(columns["shots"][i])
        start, altitude = columns["window_start_s"][i], columns["intercept_alt_km"][i]
        if threat_id not in earliest or start < earliest[threat_id][0]:
            earliest[threat_id] = (start, altitude)
    total = len(reachable)
    engaged = sum(engageable.values())
    altitudes = np.array([altitude for _, altitude in earliest.values()])

    by_city: dict[str, dict[str, bool]] = {}
    population: dict[str, int] = {}
    for threat in scenario.threat_set:
        if threat.aim_population is None or threat.id not in reachable:
            continue
        population[threat.aim] = threat.aim_population
        classes = by_city.setdefault(threat.aim, {})
        classes[threat.missile] = classes.get(threat.missile, True) and engageable[threat.id]
    protected_cities = sorted(city for city, classes in by_city.items() if all(classes.values()))
    return {
        "threats_total": total,
        "threats_out_of_range": len(threats) - total,
        "threats_engageable": engaged,
        "protected_share": engaged / total if total else None,
        "shot_opportunities": shots,
        "earliest_intercept_alt_km_median": float(np.median(altitudes)) if altitudes.size else None,
        "earliest_intercept_alt_km_min": float(np.min(altitudes)) if altitudes.size else None,
        "cities_threatened": len(by_city),
        "cities_protected": protected_cities,
        "protected_population": int(sum(population[city] for city in protected_cities)),
        "threatened_population": int(sum(population.values())),
    }


def without_party(scenario: Scenario, party: str) -> Scenario:
    """The scenario with every asset of ``party`` removed (its sensors and its interceptor sites)."""
    return scenario.without_party(party)


def compare(scenarios: list[Scenario], sharing: str | None = None, engaged: list[Engagements] | None = None) -> dict:
    """The comparison of ``roof compare`` (see the module docstring), one entry per architecture.
    ``engaged`` are the scenarios' engagements where the caller has them already (the report does)."""
    threat_sets = {tuple(t.id for t in s.threat_set) for s in scenarios}
    architectures = []
    for k, scenario in enumerate(scenarios):
        if sharing is not None:
            scenario = scenario.with_sharing(sharing)
        result = engaged[k] if engaged is not None and sharing is None else engage(scenario)
        entry = {"name": scenario.name, "sharing": scenario.sharing.policy, **summarize(scenario, result)}
        owners = sorted({site.owner for site in scenario.interceptor_sites} | {s.owner for s in scenario.sensors})
        entry["by_party"] = {
            party: summarize(scenario, result, {s.id for s in scenario.interceptor_sites if s.owner == party})
            for party in owners
        }
        entry["without_party"] = {
            party: summarize(reduced := without_party(scenario, party), engage(reduced))["protected_share"]
            for party in owners
        }
        architectures.append(entry)
    return {"same_threats": len(threat_sets) == 1, "architectures": architectures}


#: A catalog city's standing in one architecture (see :func:`city_status`).
CITY_STATUSES = ("defended", "threatened-undefended", "out-of-range")


def city_status(scenario: Scenario, result: Engagements) -> list[dict]:
    """Every catalog city the threat set aims at, and how this architecture stands on it.

    A city is *out of range* when no trajectory at it reaches it; else *defended* when it is
    protected (the rule of the module doc), else *threatened, undefended*. ``classes`` are the
    missile classes aimed at it (``reaching``: those of them that reach it; ``undefended``: those
    with a reaching trajectory no site can engage). One dict per city (``city``, ``label``,
    ``country``, ``population``, ``status``, ``classes``, ``reaching``, ``undefended``), in the
    threat set's order."""
    feasible = set(result.columns["threat_id"][result.columns["feasible"]].tolist())
    cities: dict[str, dict] = {}
    for threat in scenario.threat_set:
        if threat.aim_population is None:
            continue
        city = scenario.catalog.cities[threat.aim]
        row = cities.setdefault(
            threat.aim,
            {"city": threat.aim, "label": city.label, "country": city.country, "population": city.population,
             "classes": [], "reaching": [], "undefended": []},
        )  # fmt: skip
        reaches = result.threat_reachable[threat.id]
        for key, holds in (
            ("classes", True),
            ("reaching", reaches),
            ("undefended", reaches and threat.id not in feasible),
        ):
            if holds and threat.missile not in row[key]:
                row[key].append(threat.missile)
    for row in cities.values():
        row["status"] = (
            "out-of-range" if not row["reaching"] else "threatened-undefended" if row["undefended"] else "defended"
        )
    return list(cities.values())
