"""The early-warning radars of ``joint-lisbon``, each alone: when it first tracks each in-range threat,
and what each subset of them leaves feasible."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from functools import cache

from .runs import engagements, reachable, scenario
from .text import number, seconds, span, table

RADARS = {"kurecik": "Kürecik", "gabala": "Gabala", "armavir": "Armavir (SW face)"}


RADARS |= {"armavir-2": "Armavir-2 (SE face)", "pionersky": "Pionersky"}


@cache
def first_tracks() -> dict[str, dict[str, float]]:
    """Seconds to each early-warning radar's first track of each in-range threat, that radar alone
    (with the Don-2N and the SPY-1s) left of ``joint-lisbon``'s sensors."""
    others = [s.id for s in scenario("joint-lisbon").sensors if s.kind == "radar" and s.id not in RADARS]
    first: dict[str, dict[str, float]] = {t.id: {} for t in in_range_threats()}
    for radar in RADARS:
        alone_here = f"without={','.join(sorted(others + [r for r in RADARS if r != radar]))}"
        for row in engagements("joint-lisbon", (alone_here,)):
            if row["cue_sensor_id"] == radar and row["threat_id"] in first:
                seen = first[row["threat_id"]]
                seen[radar] = min(seen.get(radar, row["cue_time_s"]), row["cue_time_s"])
    return first


def in_range_threats() -> list:
    """The in-range threats, grouped as the threat set lists threats and launch regions, aims alphabetical."""
    threat_set = scenario("joint-lisbon").threat_set
    order = {key: i for i, key in enumerate(dict.fromkeys((t.threat, t.launch) for t in threat_set))}
    flies = reachable("joint-lisbon")
    return sorted((t for t in threat_set if flies[t.id]), key=lambda t: (order[t.threat, t.launch], t.aim))


def cue_times(args, body) -> str:
    """Seconds to each early-warning radar's first track of each in-range threat, that radar alone."""
    first = first_tracks()
    rows = [[f"`{t.id}`", *(seconds(first[t.id].get(radar)) for radar in RADARS)] for t in in_range_threats()]
    return table(["threat", *RADARS.values()], rows)


def radar_variants(args, body) -> str:
    """Feasible engagements of ``joint-lisbon`` with only some of its early-warning radars."""
    kept = {
        "all (Kürecik, Gabala, Armavir ×2, Pionersky)": (),
        "all but Gabala": ("gabala",),
        "all but the two Armavir faces": ("armavir", "armavir-2"),
        "Kürecik only (no Russian radar)": ("gabala", "armavir", "armavir-2", "pionersky"),
        "Gabala only (no Kürecik)": ("kurecik", "armavir", "armavir-2", "pionersky"),
        "Armavir SE face only": ("kurecik", "gabala", "armavir", "pionersky"),
        "Armavir SW face only": ("kurecik", "gabala", "armavir-2", "pionersky"),
        "Pionersky only": ("kurecik", "gabala", "armavir", "armavir-2"),
    }
    rows = []
    for label, removed in kept.items():
        found = engagements("joint-lisbon", (f"without={','.join(removed)}",) if removed else ())
        rows.append([label, number(sum(row["feasible"] for row in found))])
    return table(["early-warning radars kept", "feasible"], rows)


def alone(args) -> dict[str, float]:
    """``RADAR [THREAT-GLOB]``: the first tracks of that radar alone (as in ``cue-times``) by threat."""
    found = {t: seen[args[0]] for t, seen in first_tracks().items() if args[0] in seen}
    return {t: v for t, v in found.items() if fnmatch.fnmatchcase(t, args[1] if len(args) > 1 else "*")}


def alone_count(args, body) -> str:
    return number(len(alone(args)))


def alone_span(args, body) -> str:
    return span(alone(args).values())


def leads(radar: str, other: str, pattern: str = "*") -> list[float]:
    """Seconds by which ``radar`` alone tracks each in-range threat before ``other`` alone."""
    return [
        seen[other] - seen[radar]
        for threat, seen in first_tracks().items()
        if radar in seen and other in seen and fnmatch.fnmatchcase(threat, pattern)
    ]


def alone_lead(args, body) -> str:
    """``RADAR OTHER [THREAT-GLOB]``: the range of RADAR's lead over OTHER where it leads."""
    return span(lead for lead in leads(*args) if lead > 0)


def cue_first(args, body) -> str:
    """``RADAR``: in-range threats that radar alone tracks before every other early-warning radar alone."""
    return number(sum(seen.get(args[0]) == min(seen.values()) for seen in first_tracks().values()))


def cue_regions(args, body) -> str:
    """The cue times by launch region and missile: Kürecik, Gabala, Gabala's lead, Armavir's better face."""
    groups: dict[tuple[str, str], dict[str, list[str]]] = {}
    families = {"iran-mrbm": "MRBM", "iran-irbm": "IRBM", "iran-irbm-projected": "projected IRBM"}
    for t in in_range_threats():
        key = (t.launch, "ICBM" if t.threat == "future-icbm" else "projected" if "projected" in t.threat else "BM")
        groups.setdefault(key, {}).setdefault(families.get(t.threat, "ICBM"), []).append(t.id)
    first = first_tracks()
    rows = []
    for (launch, _), kinds in groups.items():
        ids = [i for members in kinds.values() for i in members]
        times = {radar: [first[i].get(radar) for i in ids] for radar in ("kurecik", "gabala")}
        lead = [k - g for k, g in zip(times["kurecik"], times["gabala"], strict=True)]
        faces = [min(v for r in ("armavir", "armavir-2") if (v := first[i].get(r)) is not None) for i in ids]
        later = [-v for v in lead if v < 0]
        lead_text = f"{span(lead)} s" if not later else f"-{span(later).replace('-', ' to -')} s (later)"
        label = f"{launch.title()}, {' and '.join(kinds)} ({len(ids)})"
        rows.append([label, f"{span(times['kurecik'])} s", f"{span(times['gabala'])} s", lead_text, f"{span(faces)} s"])
    return table(["launch region (in-range shots)", "Kürecik", "Gabala", "Gabala's lead", "Armavir, better face"], rows)


FRAGMENTS: dict[str, Callable[[list[str], str], str]] = {
    "cue-times": cue_times,
    "radar-variants": radar_variants,
    "alone-count": alone_count,
    "alone-span": alone_span,
    "alone-lead": alone_lead,
    "cue-first": cue_first,
    "cue-regions": cue_regions,
}
