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
- ``without_party``: the protected share with that party's assets (sensors and sites) removed;
  ``without_party_summary`` the whole summary so reduced, and ``parties`` each party's label;
- ``cities``: every catalog city the threat set aims at, ``defended``, ``threatened-undefended`` (and
  why not: for each shot at it no site can engage, the furthest hurdle any site got past, as in
  :func:`securityroof.analysis.engage.furthest_hurdle`) or ``out-of-range`` (no shot reaches it);
- ``findings``: the comparison in sentences, each with the figures it rests on
  (:mod:`securityroof.analysis.findings`).

Architectures are compared on the same threats only if their scenarios share a threat set; the
comparison says so when they do not.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from securityroof.analysis import arrow
from securityroof.analysis.engage import Engagements, engage
from securityroof.analysis.findings import DEFENDED, OUT_OF_RANGE, UNDEFENDED, comparison_findings
from securityroof.model.scenario import Scenario

#: The per-architecture figures that are one number (or word) each: the columns of :meth:`Comparison.to_arrow`.
SCALARS = (
    "name",
    "sharing",
    "threats_total",
    "threats_out_of_range",
    "threats_engageable",
    "protected_share",
    "shot_opportunities",
    "earliest_intercept_alt_km_median",
    "earliest_intercept_alt_km_min",
    "cities_threatened",
    "protected_population",
    "threatened_population",
)
#: Each figure of a comparison in a reader's words (the workbench's table of differences).
LABELS = {
    "sharing": "sharing policy",
    "threats_total": "threats that reach their aim point",
    "threats_out_of_range": "threat trajectories out of range",
    "threats_engageable": "threats engageable",
    "protected_share": "share of threats engageable",
    "shot_opportunities": "shot opportunities, all sites",
    "earliest_intercept_alt_km_median": "earliest intercept altitude, median (km)",
    "earliest_intercept_alt_km_min": "earliest intercept altitude, lowest (km)",
    "cities_threatened": "cities threatened",
    "cities_protected": "cities protected",
    "protected_population": "people protected",
    "threatened_population": "people threatened",
}


@dataclass(frozen=True)
class Comparison:
    """The comparison of ``roof compare``: :meth:`to_dict` is its JSON."""

    same_threats: bool
    #: one entry per architecture (the JSON's ``architectures``)
    architectures: list[dict]
    #: the comparison in sentences, each ``{"kind", "text", "figures"}``
    findings: list[dict]

    def to_dict(self) -> dict:
        return {"findings": self.findings, "same_threats": self.same_threats, "architectures": self.architectures}

    def to_arrow(self):
        """One row per architecture: its one-number figures, the protected cities and each party's
        ``without_<party>_protected_share``."""
        import pyarrow as pa

        columns = {key: np.array([_null(a[key]) for a in self.architectures]) for key in SCALARS}
        parties = sorted({party for a in self.architectures for party in a["without_party"]})
        for party in parties:
            shares = [_null(a["without_party"].get(party)) for a in self.architectures]
            columns[f"without_{party}_protected_share"] = np.array(shares, dtype=float)
        table = arrow.table(columns)
        cities = pa.array([a["cities_protected"] for a in self.architectures], type=pa.list_(pa.string()))
        return table.append_column("cities_protected", cities)

    def to_pandas(self):
        """:meth:`to_arrow` as a pandas DataFrame (needs pandas)."""
        return arrow.frame(self.to_arrow())

    def city_table(self):
        """One row per (architecture, city aimed at): the city × architecture table as an Arrow table."""
        rows = [(a["name"], city) for a in self.architectures for city in a["cities"]]
        return arrow.table(
            {
                "architecture": np.array([name for name, _ in rows], dtype=object),
                "city": np.array([c["city"] for _, c in rows], dtype=object),
                "label": np.array([c["label"] for _, c in rows], dtype=object),
                "population": np.array([c["population"] for _, c in rows], dtype=np.int64),
                "status": np.array([c["status"] for _, c in rows], dtype=object),
                "threat_classes": np.array([", ".join(c["threat_classes"]) for _, c in rows], dtype=object),
                "undefended_classes": np.array([", ".join(c["undefended_classes"]) for _, c in rows], dtype=object),
            }
        )


def _null(value):
    return np.nan if value is None else value


def summarize(scenario: Scenario, result: Engagements, sites_of: set[str] | None = None) -> dict:
    """Threat and city figures of one engagement table, optionally counting only some sites."""
    return _summary(scenario, result, sites_of)[0]


def _summary(scenario: Scenario, result: Engagements, sites_of: set[str] | None) -> tuple[dict, list[dict]]:
    """:func:`summarize` and the city rows it counts (see :func:`cities`)."""
    columns = result.columns
    why_not = result.why_not(sites_of)
    counted = np.ones(len(columns["threat_id"]), dtype=bool)
    if sites_of is not None:
        counted = np.isin(columns["site_id"], list(sites_of))
    shots = 0
    earliest: dict[str, tuple[float, float]] = {}
    for i in np.flatnonzero(counted & columns["feasible"]):
        threat_id = columns["threat_id"][i]
        shots += int(columns["shots"][i])
        start, altitude = columns["window_start_s"][i], columns["intercept_alt_km"][i]
        if threat_id not in earliest or start < earliest[threat_id][0]:
            earliest[threat_id] = (start, altitude)
    total = len(why_not)
    engaged = sum(reason is None for reason in why_not.values())
    altitudes = np.array([altitude for _, altitude in earliest.values()])
    rows = cities(scenario, why_not)
    threatened = [row for row in rows if row["status"] != OUT_OF_RANGE]
    protected = [row for row in threatened if row["status"] == DEFENDED]
    summary = {
        "threats_total": total,
        "threats_out_of_range": len(scenario.threat_set) - total,
        "threats_engageable": engaged,
        "protected_share": engaged / total if total else None,
        "shot_opportunities": shots,
        "earliest_intercept_alt_km_median": float(np.median(altitudes)) if altitudes.size else None,
        "earliest_intercept_alt_km_min": float(np.min(altitudes)) if altitudes.size else None,
        "cities_threatened": len(threatened),
        "cities_protected": [row["city"] for row in protected],
        "protected_population": sum(row["population"] for row in protected),
        "threatened_population": sum(row["population"] for row in threatened),
    }
    return summary, rows


def cities(scenario: Scenario, why_not: dict[str, str | None]) -> list[dict]:
    """Every catalog city the threat set aims at, by name: the classes whose shots reach it, those
    with a shot there no site can engage, and why not (the count of such shots by furthest hurdle,
    most first). ``why_not`` is :meth:`Engagements.why_not` of the architecture."""
    rows: dict[str, dict] = {}
    for threat in scenario.threat_set:
        if threat.aim_population is None:
            continue
        row = rows.setdefault(threat.aim, {"reaching": set(), "undefended": set(), "why_not": Counter()})
        row["population"] = threat.aim_population
        if threat.id in why_not:
            row["reaching"].add(threat.missile)
            if (reason := why_not[threat.id]) is not None:
                row["undefended"].add(threat.missile)
                row["why_not"][reason] += 1
    out = []
    for city in sorted(rows):
        row = rows[city]
        status = OUT_OF_RANGE if not row["reaching"] else UNDEFENDED if row["why_not"] else DEFENDED
        out.append(
            {
                "city": city,
                "label": scenario.catalog.cities[city].label,
                "population": int(row["population"]),
                "status": status,
                "threat_classes": sorted(row["reaching"]),
                "undefended_classes": sorted(row["undefended"]),
                "why_not": dict(row["why_not"].most_common()),
            }
        )
    return out


def without_party(scenario: Scenario, party: str) -> Scenario:
    """The scenario with every asset of ``party`` removed (its sensors and its interceptor sites)."""
    return scenario.without_party(party)


def compare(
    scenarios: list[Scenario], sharing: str | None = None, engaged: list[Engagements] | None = None
) -> Comparison:
    """The comparison of ``roof compare`` (see the module docstring), one entry per architecture.
    ``engaged`` are the scenarios' engagements where the caller has them already (the report does)."""
    threat_sets = {tuple(t.id for t in s.threat_set) for s in scenarios}
    architectures = []
    for k, scenario in enumerate(scenarios):
        if sharing is not None:
            scenario = scenario.with_sharing(sharing)
        result = engaged[k] if engaged is not None and sharing is None else engage(scenario)
        summary, rows = _summary(scenario, result, None)
        entry = {"name": scenario.name, "sharing": scenario.sharing.policy, **summary}
        owners = sorted({site.owner for site in scenario.interceptor_sites} | {s.owner for s in scenario.sensors})
        entry["by_party"] = {
            party: summarize(scenario, result, {s.id for s in scenario.interceptor_sites if s.owner == party})
            for party in owners
        }
        reduced = {party: summarize(smaller := without_party(scenario, party), engage(smaller)) for party in owners}
        entry["without_party"] = {party: summary["protected_share"] for party, summary in reduced.items()}
        entry["without_party_summary"] = reduced
        entry["parties"] = {party: scenario.parties[party].label for party in owners}
        entry["cities"] = rows
        architectures.append(entry)
    same = len(threat_sets) == 1
    return Comparison(same, architectures, comparison_findings(architectures, same))
