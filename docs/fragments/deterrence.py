"""The deterrence check of an architecture, as ``roof deterrence NAME`` says it: verdicts, threatening
speeds, engageable pairs, and the pairs at other re-entry vehicle cross-sections."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from .runs import ARCHITECTURES, deterrence_check, deterrence_pairs
from .runs import deterrence_robustness as deterrence_robustness_run
from .text import DASH, listed, number, seconds, split, table

RCS_M2 = (None, 0.01, 0.05, 0.1, 0.5)


def deterrence_table(args, body) -> str:
    """Each library architecture's deterrence check: engageable pairs, and why not for the others."""
    rows = []
    for name in (*ARCHITECTURES[:5], "epaa-phase-4-uewr", *ARCHITECTURES[5:]):
        found = deterrence_pairs(name)
        why_not = Counter(p["why_not"] for p in found if not p["engageable"])
        listed = ", ".join(f"{reason} {count}" for reason, count in why_not.most_common()) or DASH
        rows.append([f"`{name}`", f"{sum(p['engageable'] for p in found)} of {len(found)}", listed])
    return table(["architecture", "engageable pairs", "why not (the others)"], rows)


def deterrence_engageable(args, body) -> str:
    """``N of M``: engageable pairs of the deterrence check."""
    found = deterrence_pairs(*split(args))
    return f"{number(sum(p['engageable'] for p in found))} of {number(len(found))}"


def deterrence_count(args, body) -> str:
    return number(sum(p["engageable"] for p in deterrence_pairs(*split(args))))


def rcs_table(args, body) -> str:
    """``epaa-phase-4-uewr``'s deterrence pairs by direction and outcome, for each re-entry vehicle cross-section."""
    import securityroof as sr

    catalog = sr.load_catalog()
    russian = {b.name for b in catalog.bases.values() if b.country == "Russia"}
    rows = []
    for rcs in RCS_M2:
        found = deterrence_pairs("epaa-phase-4-uewr", (), rcs)
        cells = []
        for outbound in (True, False):
            mine = [p for p in found if (p["base"] in russian) == outbound]
            outcomes = Counter("engageable" if p["engageable"] else p["why_not"] for p in mine)
            listed = [f"{reason} {count}" for reason, count in outcomes.most_common() if reason != "engageable"]
            if outcomes["engageable"]:
                listed.insert(0, f"**{outcomes['engageable']} engageable**")
            cells.append(", ".join(listed))
        label = f"{catalog.missile('ss-27').rcs_m2:g} (catalog)" if rcs is None else f"{rcs:g}"
        rows.append([label, *cells])
    pairs_of = Counter(p["base"] in russian for p in deterrence_pairs("epaa-phase-4-uewr"))
    header = [
        "RCS m²",
        f"Russia → North America ({pairs_of[True]} pairs)",
        f"US fields → Russia ({pairs_of[False]} pairs)",
    ]
    return table(header, rows)


def deterrence_verdicts(args, body) -> str:
    """One bullet per direction: the check's verdict sentence."""
    return "\n".join(f"- `{v['direction']}`: {v['text']}" for v in deterrence_check(*split(args))["verdicts"])


def deterrence_robustness(args, body) -> str:
    """One bullet per direction: how often the verdict holds over the robustness run's variants, and
    what would change it (`roof deterrence NAME --uncertainty 100`)."""
    from securityroof.analysis.robustness import what_would_change

    verdicts = deterrence_check(*split(args))["verdicts"]
    run = deterrence_robustness_run(*split(args))  # its findings are the verdicts, in their order
    return "\n".join(
        f"- `{verdict['direction']}`: {what_would_change(finding)}"
        for verdict, finding in zip(verdicts, run["findings"], strict=True)
    )


def deterrence_speeds(args, body) -> str:
    """Per interceptor site: whose ICBMs it would threaten and its threatening speed, with the
    architecture's sensors and with perfect cueing, at the decision delay and at none."""
    check = deterrence_check(*split(args))
    delay = seconds(check["threatening_speed_search"]["decision_delay_s"])
    limit = f"{check['threatening_speed_search']['up_to_km_s']:g}"

    def speed(value) -> str:
        return f"> {limit}" if value is None else f"{value:.1f}"

    rows = []
    for site in check["sites"]:
        real, ideal = (c["threatening_speed_km_s"][site["id"]] for c in (check, check["perfect_cueing"]))
        cells = [speed(c[key]) for c in (real, ideal) for key in ("at_delay", "at_zero_delay")]
        rows.append([site["id"], ", ".join(f"`{d}`" for d in site["threatens"]) or DASH, *cells])
    header = ["site", "threatens", f"own sensors, {delay} s delay", "own sensors, no delay"]
    return table([*header, f"perfect cueing, {delay} s delay", "perfect cueing, no delay"], rows)


def deterrence_engaged_by(args, body) -> str:
    """``OWNER NAME ...``: the check's pairs the sites of OWNER can engage."""
    return number(sum(args[0] in p["engaged_by_owner"] for p in deterrence_check(*split(args[1:]))["pairs"]))


def deterrence_total(args, body) -> str:
    return number(len(deterrence_check(*split(args))["pairs"]))


def rcs_engageable(args, body) -> str:
    """``DIRECTION NAME ...``: engageable pairs of one direction at each cross-section of ``rcs-table``."""
    counts = []
    for rcs in RCS_M2:
        found = deterrence_pairs(*split(args[1:]), rcs)
        counts.append(number(sum(p["engageable"] for p in found if p["direction"] == args[0])))
    return listed(counts)


def rcs_outcomes(args, body) -> str:
    """``RCS NAME ...``: the pairs of each direction by outcome at one cross-section, as a sentence."""
    found = deterrence_pairs(*split(args[1:]), float(args[0]))
    labels = {"russia->north-america": "Russia → North America", "north-america->russia": "US fields → Russia"}
    parts = []
    for direction, label in labels.items():
        mine = [p for p in found if p["direction"] == direction]
        outcomes = Counter("engageable" if p["engageable"] else p["why_not"] for p in mine)
        listed_here = [f"{reason} {n}" for reason, n in outcomes.most_common() if reason != "engageable"]
        if outcomes["engageable"]:
            listed_here.insert(0, f"**{outcomes['engageable']} engageable**")
        parts.append(f"{label}: {', '.join(listed_here)}")
    return "; ".join(parts)


FRAGMENTS: dict[str, Callable[[list[str], str], str]] = {
    "deterrence-table": deterrence_table,
    "deterrence-engageable": deterrence_engageable,
    "deterrence-count": deterrence_count,
    "rcs-table": rcs_table,
    "deterrence-verdicts": deterrence_verdicts,
    "deterrence-robustness": deterrence_robustness,
    "deterrence-speeds": deterrence_speeds,
    "deterrence-engaged-by": deterrence_engaged_by,
    "deterrence-total": deterrence_total,
    "rcs-engageable": rcs_engageable,
    "rcs-outcomes": rcs_outcomes,
}
