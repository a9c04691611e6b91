"""The deterrence check's verdicts: one sentence per direction, with the figures it states.

A verdict is about the *other side's* interceptors only (a site threatens the deterrent of a party
not its own; :mod:`securityroof.analysis.deterrence` says whose is whose): that Russia's A-135 can
engage US ICBMs bound for Moscow is said as Russia's, never as the architecture's. When they engage
nothing at catalog speeds, the verdict says whether that is a sensor gap (perfect cueing would
engage) or kinematic, and from what burnout speed the nearest site would threaten.
"""

from __future__ import annotations

from collections.abc import Sequence

from securityroof.model.catalog import load_catalog


def verdicts(scenario, sites: list[dict], real, ideal, directions: Sequence, limit_km_s: float) -> list[dict]:
    """One ``{"direction", "text", ...figures}`` per direction; ``real`` and ``ideal`` are the check
    under the architecture's sensors and under perfect cueing."""
    return [_verdict(scenario, sites, real, ideal, direction, limit_km_s) for direction in directions]


def _verdict(scenario, sites: list[dict], real, ideal, direction, limit_km_s: float) -> dict:
    defenders = [site for site in sites if direction.name in site["threatens"]]
    owners = sorted({site["owner"] for site in defenders})
    total = sum(pair["direction"] == direction.name for pair in real.pairs)
    engaged, engaged_ideal = (_engaged(outcome.pairs, direction.name, owners) for outcome in (real, ideal))
    speed, fastest = _least_speed(real, defenders, "at_delay")
    speed_ideal, fastest_ideal = _least_speed(ideal, defenders, "at_delay")
    figures = {
        "defending_owners": owners,
        "engageable_pairs": len(engaged),
        "total_pairs": total,
        "perfect_cueing_engageable_pairs": len(engaged_ideal),
        "least_threatening_speed_km_s": speed,
        "least_threatening_sites": fastest,
        "least_threatening_speed_at_zero_delay_km_s": _least_speed(real, defenders, "at_zero_delay")[0],
        "perfect_cueing_least_threatening_speed_km_s": speed_ideal,
        "perfect_cueing_least_threatening_sites": fastest_ideal,
        "perfect_cueing_least_threatening_speed_at_zero_delay_km_s": _least_speed(ideal, defenders, "at_zero_delay")[0],
    }
    names = {site["id"]: site["name"] for site in defenders}
    who = " or ".join(_party(scenario, owner) for owner in owners)
    speeds = _speeds(scenario, defenders)
    figures["changed_speeds_km_s"] = speeds
    if not defenders:
        text = (
            f"No interceptor here belongs to a party other than {_party(scenario, direction.party)}, "
            f"so none threatens {direction.missile_text}."
        )
    elif engaged:
        by = sorted({site for pair in engaged for site in pair["sites"] if site in names})
        text = (
            f"{who}'s interceptors can engage {direction.missile_text} {_at(speeds)}: "
            f"{len(engaged)} of {total} base-target pairs, by {_listed(names[s] for s in by)}."
        )
    else:
        text = f"No {who} interceptor can engage {direction.missile_text} {_at(speeds)}; " + _why(
            figures, engaged_ideal, names, limit_km_s
        )
    return {"direction": direction.name, "text": text, **figures}


def _speeds(scenario, defenders: list[dict]) -> dict[str, float]:
    """The defending classes whose burnout speed this architecture sets other than the catalog's
    (a what-if), by display name: a verdict must not call those speeds the catalog's."""
    catalog = load_catalog()
    classes = {site.entry.name: site.entry for site in scenario.interceptor_sites}
    changed = {}
    for name in sorted({site["interceptor"] for site in defenders}):
        entry = classes[name]
        stated = catalog.interceptors.get(name)
        if stated is None or stated.burnout_speed_km_s != entry.burnout_speed_km_s:
            changed[entry.label.split(" (")[0]] = entry.burnout_speed_km_s  # as site names shorten it
    return changed


def _at(changed: dict[str, float]) -> str:
    if not changed:
        return "at catalog speeds"
    return "at this architecture's speeds (" + ", ".join(f"{name} {v:g} km/s" for name, v in changed.items()) + ")"


def _why(figures: dict, engaged_ideal: list[dict], names: dict[str, str], limit_km_s: float) -> str:
    """The rest of the sentence when no site of the other side engages at catalog speeds."""
    total = figures["total_pairs"]
    if engaged_ideal:
        by = sorted({site for pair in engaged_ideal for site in pair["sites"] if site in names})
        return (
            f"with perfect cueing, {len(engaged_ideal)} of {total} pairs could be engaged "
            f"(by {_listed(names[s] for s in by)}): a sensor gap, not a kinematic limit."
        )
    for prefix, cueing in (("", ""), ("with perfect cueing, ", "perfect_cueing_")):
        speed = figures[f"{cueing}least_threatening_speed_km_s"]
        if speed is not None:
            sites = _listed(names[s] for s in figures[f"{cueing}least_threatening_sites"])
            at_zero = figures[f"{cueing}least_threatening_speed_at_zero_delay_km_s"]
            sooner = f" ({at_zero:.1f} km/s with no decision delay)" if at_zero < speed else ""
            return f"{prefix}{sites} could from {speed:.1f} km/s, range and altitude limits lifted{sooner}."
    return f"not even with perfect cueing, at any burnout speed up to {limit_km_s:g} km/s."


def _engaged(pairs: list[dict], direction: str, owners: list[str]) -> list[dict]:
    return [p for p in pairs if p["direction"] == direction and set(p["engaged_by_owner"]) & set(owners)]


def _least_speed(outcome, defenders: list[dict], key: str):
    """The least threatening speed over ``defenders`` (``key``: at the decision delay, or at none),
    and the sites that have it."""
    speeds = {site["id"]: outcome.threatening_speed_km_s[site["id"]][key] for site in defenders}
    known = [v for v in speeds.values() if v is not None]
    if not known:
        return None, []
    least = min(known)
    return least, [site for site, v in speeds.items() if v == least]


def _party(scenario, party: str) -> str:
    """A party as text names it: its label without the parenthesis ("NATO"), or its id."""
    if party in scenario.parties:
        return scenario.parties[party].label.split(" (")[0]
    return party


def _listed(names) -> str:
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
