"""Regenerate the figures the docs quote from the code, so that they cannot drift from it.

Every figure the library computes sits in the docs between markers::

    <!-- generated: NAME ARG... -->…<!-- end generated: NAME ARG... -->

and everything outside them is hand-written. ``python docs/build.py`` rewrites what is between the
markers with what the library gives now; ``--check`` rewrites nothing, lists every fragment that
differs with a diff, and exits 1. A fragment on one line is a figure inside a sentence; one on lines
of its own is a table.

The fragments call the library (``securityroof.engage``, ``compare``, ``deterrence``, ``assess_test``)
and only format its answers. Tables of chosen engagements (``rows``) take the (threat, site) pairs
to show from the first two columns of the table as checked in: the prose picks the rows, the code
fills them in.

Arguments after a fragment's kind: a scenario (library name, or a file's path from the repository's
root), then options: ``sharing=POLICY``,
``without=ID,ID`` (assets removed, a what-if that is not in the library), ``delay=S`` (decision
delay).
"""

from __future__ import annotations

import argparse
import difflib
import fnmatch
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Callable
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARKER = re.compile(r"<!-- generated: (?P<name>[^\n]+?) -->(?P<body>.*?)<!-- end generated: (?P=name) -->", re.S)
#: The threat set every library architecture shares (any of them would do).
COMMON = "epaa-phase-3"
#: The architectures of ``roof compare`` in docs/scenarios/README.md, in the order argued over.
ARCHITECTURES = (
    "third-site-2007",
    "epaa-phase-1",
    "epaa-phase-2",
    "epaa-phase-3",
    "epaa-phase-4",
    "russia-only",
    "joint-lisbon",
)
#: Columns of the per-site tables: feasible first, then the engagement reasons from the last hurdle back.
SITE_COLUMNS = ("feasible", "out-of-reach", "too-late", "not-detected", "not-shared", "threat-out-of-range")
DASH = "—"


def documents() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


# ------------------------------------------------------------------------------------------------
# The library, each run once per build.


@cache
def scenario(name: str, options: tuple[str, ...] = ()):
    import securityroof as sr
    from securityroof.analysis.deterrence import with_decision_delay

    # a file of the docs (docs/examples/...) is named from the repository's root, wherever the build runs
    chosen = sr.load_scenario(ROOT / name if name.endswith(".toml") else name)
    for option in options:
        key, _, value = option.partition("=")
        if key == "sharing":
            chosen = chosen.with_sharing(value)
        elif key == "delay":
            chosen = with_decision_delay(chosen, float(value))
        elif key == "without":
            chosen = _without(chosen, set(value.split(",")))
        else:
            raise SystemExit(f"docs/build.py: unknown option {option!r} (sharing=, delay=, without=)")
    return chosen


def _without(chosen, ids: set[str]):
    """The scenario with the assets ``ids`` removed (its sensors and sites follow)."""
    unknown = ids - {a.id for a in chosen.assets}
    if unknown:
        raise SystemExit(f"docs/build.py: without={','.join(sorted(unknown))}: no such asset in {chosen.name}")
    return chosen.with_assets(a for a in chosen.assets if a.id not in ids)


@cache
def engagements(name: str, options: tuple[str, ...] = ()) -> list[dict]:
    import securityroof as sr

    return sr.engage(scenario(name, options)).records()


@cache
def reachable(name: str) -> dict[str, bool]:
    import securityroof as sr

    return sr.engage(scenario(name)).threat_reachable


@cache
def comparison() -> dict:
    import securityroof as sr

    return sr.compare([scenario(name) for name in ARCHITECTURES]).to_dict()


@cache
def deterrence_check(name: str, options: tuple[str, ...] = ()) -> dict:
    """The whole check (verdicts, threatening speeds, perfect cueing), once per scenario and build:
    its threatening-speed search is the slowest thing the docs ask (warm fly-out cache: under 2 s)."""
    from securityroof.analysis.deterrence import deterrence

    return deterrence(scenario(name, options)).to_dict()


@cache
def deterrence_pairs(name: str, options: tuple[str, ...] = (), rcs_m2: float | None = None) -> list[dict]:
    from securityroof.analysis.deterrence import deterrence_threats, pairs

    # the pairs only: the sensitivity grid and the threatening speeds are not on these pages
    return pairs(scenario(name, options), deterrence_threats(rcs_m2=rcs_m2))


# ------------------------------------------------------------------------------------------------
# Formatting.


def number(value) -> str:
    return DASH if value is None else f"{value:,.0f}"


def seconds(value) -> str:
    """Times and altitudes, read as measurements, go without thousands separators."""
    return DASH if value is None else f"{value:.0f}"


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = [header, ["---"] * len(header), *rows]
    return "\n".join("| " + " | ".join(cells) + " |" for cells in lines)


def split(args: list[str]) -> tuple[str, tuple[str, ...]]:
    if not args:
        raise SystemExit("docs/build.py: this fragment needs a scenario")
    return args[0], tuple(args[1:])


def feasible_threats(rows: list[dict]) -> set[str]:
    return {row["threat_id"] for row in rows if row["feasible"]}


# ------------------------------------------------------------------------------------------------
# Fragments: kind -> function(args, body as checked in) -> text.


def threats_total(args, body) -> str:
    return number(len(scenario(COMMON).threat_set))


def threats_in_range(args, body) -> str:
    return number(sum(reachable(COMMON).values()))


def threats_out_of_range(args, body) -> str:
    return number(sum(not flies for flies in reachable(COMMON).values()))


def threat_set(args, body) -> str:
    """Each threat of the common set: its trajectories, and which of them its missile can reach."""
    flies = reachable(COMMON)
    by_threat: dict[tuple[str, str], list] = {}
    for threat in scenario(COMMON).threat_set:
        by_threat.setdefault((threat.threat, threat.missile), []).append(threat)
    rows = []
    for (threat, missile), members in by_threat.items():
        in_range: dict[str, list[str]] = defaultdict(list)
        for member in members:
            if flies[member.id]:
                in_range[member.launch].append(member.aim)
        shots = "; ".join(f"{launch} → {', '.join(aims)}" for launch, aims in in_range.items()) or DASH
        rows.append(
            [f"`{threat}`", f"`{missile}`", number(len(members)), number(sum(map(len, in_range.values()))), shots]
        )
    return table(["threat", "missile", "trajectories", "in range", "in-range shots (launch → aims)"], rows)


def compare_table(args, body) -> str:
    rows = []
    for entry in comparison()["architectures"]:
        without = entry["without_party"]
        rows.append(
            [
                entry["name"],
                entry["sharing"],
                f"{entry['threats_engageable']}/{entry['threats_total']}",
                DASH if entry["protected_share"] is None else f"{entry['protected_share']:.0%}",
                number(entry["shot_opportunities"]),
                number(entry["earliest_intercept_alt_km_median"]),
                number(entry["protected_population"]),
                *(DASH if party not in without else f"{without[party]:.0%}" for party in ("nato", "russia")),
            ]
        )
    header = ["architecture", "sharing", "engageable / in range", "share", "shot opportunities"]
    header += ["median earliest intercept alt (km)", "protected population", "without NATO", "without Russia"]
    return table(header, rows)


def engage_summary(args, body) -> str:
    in_range = threats_in_range(args, body)
    rows = []
    for name in ARCHITECTURES:
        found = engagements(name)
        sites = len({row["site_id"] for row in found})
        feasible = sum(row["feasible"] for row in found)
        rows.append([name, number(sites), number(len(found)), number(feasible), number(len(feasible_threats(found)))])
    header = ["scenario", "interceptor sites", "engagements", "feasible"]
    return table([*header, f"in-range threats with ≥ 1 feasible site (of {in_range})"], rows)


def runs(args, body) -> str:
    """The worked example's runs: engagements under each policy; the file's own policy in bold."""
    in_range = threats_in_range(args, body)
    rows = []
    for name, sharing in (
        ("epaa-phase-3", None),
        ("epaa-phase-3", "all"),
        ("epaa-phase-3", "none"),
        ("joint-lisbon", None),
        ("joint-lisbon", "within-party"),
        ("joint-lisbon", "none"),
    ):
        found = engagements(name, () if sharing is None else (f"sharing={sharing}",))
        feasible = number(sum(row["feasible"] for row in found))
        if sharing is None:
            label, feasible = f"`{name}` (sharing {scenario(name).sharing.policy})", f"**{feasible}**"
        else:
            label = f"`{name} --sharing {sharing}`"
        rows.append([label, number(len(found)), feasible, number(len(feasible_threats(found)))])
    return table(["run", "engagements", "feasible", f"in-range threats with ≥ 1 feasible site (of {in_range})"], rows)


def file(args, body) -> str:
    """A scenario file of the docs, quoted whole, so that the text shown is the file the figures ran on."""
    text = (ROOT / args[0]).read_text(encoding="utf-8")
    return f"```toml\n{text}```"


def feasible(args, body) -> str:
    """``N of M``: feasible engagements of all."""
    found = engagements(*split(args))
    return f"{number(sum(row['feasible'] for row in found))} of {number(len(found))}"


def defended(args, body) -> str:
    """``N of M``: in-range threats with at least one feasible engagement."""
    name, options = split(args)
    found = engagements(name, options)
    return f"{number(len(feasible_threats(found)))} of the {number(sum(reachable(name).values()))}"


def sites(args, body) -> str:
    """Per interceptor site, its engagements counted by outcome."""
    counts: dict[str, Counter] = {}
    for row in engagements(*split(args)):
        counts.setdefault(row["site_id"], Counter())[row["reason"] or "feasible"] += 1
    unexpected = {reason for c in counts.values() for reason in c} - set(SITE_COLUMNS)
    if unexpected:
        raise SystemExit(f"docs/build.py: sites {' '.join(args)}: no column for {', '.join(sorted(unexpected))}")
    rows = [[site, *(str(c[column]) for column in SITE_COLUMNS)] for site, c in counts.items()]
    return table(["site", *SITE_COLUMNS], rows)


def engagement_rows(args, body) -> str:
    """The engagements named by the (threat, site) of each row checked in, as ``roof engage`` gives them."""
    found = {(row["threat_id"], row["site_id"]): row for row in engagements(*split(args))}
    wanted = [
        [cell.strip().strip("`") for cell in line.strip("|").split("|")[:2]] for line in body.strip().splitlines()[2:]
    ]
    if not wanted:
        raise SystemExit(f"docs/build.py: rows {' '.join(args)}: list the (threat, site) rows to show")
    rows = []
    for threat, site in wanted:
        if (threat, site) not in found:
            raise SystemExit(f"docs/build.py: rows {' '.join(args)}: no engagement of {threat} by {site}")
        row = found[threat, site]
        cue = DASH if row["cue_sensor_id"] is None else f"{row['cue_sensor_id']} {row['cue_time_s']:.0f}"
        window = f"{row['window_start_s']:.0f}–{row['window_end_s']:.0f}" if row["feasible"] else DASH
        rows.append(
            [
                f"`{threat}`",
                site,
                "yes" if row["feasible"] else row["reason"],
                cue,
                seconds(row["launch_time_s"]),
                window,
                seconds(row["intercept_alt_km"]),
                str(row["shots"]),
            ]
        )
    return table(["threat", "site", "engage", "cue (sensor, s)", "launch s", "window s", "alt km", "shots"], rows)


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


def delays(args, body) -> str:
    """Feasible engagements of ``epaa-phase-3`` and ``joint-lisbon`` at other decision delays."""
    names = ("epaa-phase-3", "joint-lisbon")
    rows = []
    for delay in (0, 30, 60):
        counts = [sum(row["feasible"] for row in engagements(name, (f"delay={delay}",))) for name in names]
        rows.append([f"{delay} s", *(number(count) for count in counts)])
    return table(["decision delay", *(f"`{name}` feasible" for name in names)], rows)


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


def engageable(args, body) -> str:
    """``N of M (P %)``: threat trajectories in range with a feasible engagement, as `roof compare` counts them."""
    import securityroof as sr

    name, options = split(args)
    (entry,) = sr.compare([scenario(name, options)]).to_dict()["architectures"]
    return f"{entry['threats_engageable']} of {entry['threats_total']} ({entry['protected_share']:.0%})"


def assess(args, body) -> str:
    """The boost model's standard-trajectory range of a lofted test (RANGE_KM APOGEE_KM [MINUTES]), to 100 km."""
    import securityroof as sr

    result = sr.assess_test(*(float(a) for a in args))
    return f"{round(result.boost_model_max_range_km, -2):,.0f} km"


# ------------------------------------------------------------------------------------------------
# Queries: a figure of the prose counted or read from the engagements of one run, or of two compared.
# ``KIND [FIELD] NAME [OPTION...] [vs NAME [OPTION...]] [| FILTER...]``; a filter is ``KEY=GLOB``,
# ``KEY!=GLOB`` or ``in-range`` on ``roof engage``'s columns (``site``, ``threat``, ``cue``, ``owner``
# stand for ``site_id``, ``threat_id``, ``cue_sensor_id``, ``site_owner``; true is ``yes``, none ``none``).

ALIASES = {"site": "site_id", "threat": "threat_id", "cue": "cue_sensor_id", "owner": "site_owner"}


def _text(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "none" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


def _matches(row: dict, filters: list[str]) -> bool:
    for condition in filters:
        if condition == "in-range":
            if row["reason"] == "threat-out-of-range":
                return False
            continue
        key, negated, pattern = re.fullmatch(r"([\w-]+)(!?)=(.*)", condition).groups()
        key = ALIASES.get(key, key)
        if key not in row:
            raise SystemExit(f"docs/build.py: no column {key!r} to filter on; known: {', '.join(row)}")
        if fnmatch.fnmatchcase(_text(row[key]), pattern) == bool(negated):
            return False
    return True


def query(args: list[str]) -> tuple[list[tuple[str, tuple[str, ...]]], list[str]]:
    """The runs (one, or two separated by ``vs``) and the filters of a query fragment."""
    runs_part, _, filters = " ".join(args).partition("|")
    return [split(run.split()) for run in runs_part.split(" vs ")], filters.split()


def selected(args: list[str]) -> list[dict]:
    (run, *others), filters = query(args)
    if others:
        raise SystemExit(f"docs/build.py: {' '.join(args)}: one run only")
    return [row for row in engagements(*run) if _matches(row, filters)]


def paired(args: list[str]) -> list[tuple[dict, dict]]:
    """The engagements of the same (threat, site) in both runs, filtered on the first run's row."""
    runs, filters = query(args)
    if len(runs) != 2:
        raise SystemExit(f"docs/build.py: {' '.join(args)}: compare two runs, NAME ... vs NAME ...")
    before = {(row["threat_id"], row["site_id"]): row for row in engagements(*runs[1])}
    return [
        (row, before[key])
        for row in engagements(*runs[0])
        if (key := (row["threat_id"], row["site_id"])) in before and _matches(row, filters)
    ]


def span(values) -> str:
    """``low-high`` (one figure when they agree) in whole units, as the prose quotes ranges."""
    values = sorted(v for v in values if v is not None)
    if not values:
        raise SystemExit("docs/build.py: a span of no values")
    low, high = number(values[0]), number(values[-1])
    return low if low == high else f"{low}-{high}"


def count(args, body) -> str:
    """Engagements matching the filters."""
    return number(len(selected(args)))


def threat_count(args, body) -> str:
    """Distinct threats among the engagements matching the filters."""
    return number(len({row["threat_id"] for row in selected(args)}))


def field_span(args, body) -> str:
    """``FIELD NAME ...``: the range of a column over the engagements matching the filters."""
    return span(row[args[0]] for row in selected(args[1:]))


def field_value(args, body) -> str:
    """``FIELD NAME ... | FILTER``: a column of the one engagement the filters pick."""
    rows = selected(args[1:])
    if len(rows) != 1:
        raise SystemExit(f"docs/build.py: value {' '.join(args)}: {len(rows)} engagements match, not one")
    value = rows[0][args[0]]
    # positions are quoted to a tenth of a degree, everything else in whole units
    return f"{value:.1f}" if args[0].endswith("_deg") else number(value)


def undefended(args, body) -> str:
    """The in-range threats no site of the run engages, as a list of ids."""
    rows = [row for row in engagements(*split(args)) if row["reason"] != "threat-out-of-range"]
    ids = sorted({r["threat_id"] for r in rows} - feasible_threats(rows), key=[r["threat_id"] for r in rows].index)
    return listed(f"`{threat}`" for threat in ids) or "none"


def listed(items) -> str:
    items = list(items)
    return ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else "".join(items)


def common(args, body) -> str:
    """Engagements of the same (threat, site) in both runs (filtered on the first)."""
    return number(len(paired(args)))


def _moved(args) -> list[float]:
    field, rest = args[0], args[1:]
    return [b[field] - a[field] for a, b in paired(rest) if a[field] is not None and b[field] is not None]


def earlier(args, body) -> str:
    """``FIELD A vs B``: engagements where FIELD comes sooner in A than in B."""
    return number(sum(d > 0 for d in _moved(args)))


def earlier_by(args, body) -> str:
    """``FIELD A vs B``: by how many seconds those engagements come sooner, as a range."""
    return span(d for d in _moved(args) if d > 0)


def unchanged(args, body) -> str:
    """``FIELD A vs B``: engagements where FIELD is the same in both (and known in both)."""
    return number(sum(d == 0 for d in _moved(args)))


def changed(args, body) -> str:
    """``FIELD A vs B``: engagements feasible in both whose FIELD differs."""
    field, rest = args[0], args[1:]
    return number(sum(a["feasible"] and b["feasible"] and a[field] != b[field] for a, b in paired(rest)))


def least(args, body) -> str:
    """``FIELD NAME ...``: the least value of a column over the engagements matching the filters."""
    return number(min(row[args[0]] for row in selected(args[1:]) if row[args[0]] is not None))


def undefended_count(args, body) -> str:
    rows = [row for row in engagements(*split(args)) if row["reason"] != "threat-out-of-range"]
    return number(len({r["threat_id"] for r in rows} - feasible_threats(rows)))


def gained(args, body) -> str:
    """``A vs B``: engagements feasible in A that are not in B."""
    return number(sum(a["feasible"] and not b["feasible"] for a, b in paired(args)))


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


# ------------------------------------------------------------------------------------------------
# The deterrence check of one architecture, as `roof deterrence NAME` says it.


def deterrence_verdicts(args, body) -> str:
    """One bullet per direction: the check's verdict sentence."""
    return "\n".join(f"- `{v['direction']}`: {v['text']}" for v in deterrence_check(*split(args))["verdicts"])


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


RCS_M2 = (None, 0.01, 0.05, 0.1, 0.5)


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
    "threats-total": threats_total,
    "threats-in-range": threats_in_range,
    "threats-out-of-range": threats_out_of_range,
    "threat-set": threat_set,
    "compare": compare_table,
    "engage-summary": engage_summary,
    "runs": runs,
    "file": file,
    "feasible": feasible,
    "defended": defended,
    "sites": sites,
    "rows": engagement_rows,
    "cue-times": cue_times,
    "radar-variants": radar_variants,
    "delays": delays,
    "deterrence-table": deterrence_table,
    "deterrence-engageable": deterrence_engageable,
    "deterrence-count": deterrence_count,
    "rcs-table": rcs_table,
    "assess": assess,
    "engageable": engageable,
    "count": count,
    "threat-count": threat_count,
    "span": field_span,
    "value": field_value,
    "undefended": undefended,
    "common": common,
    "earlier": earlier,
    "earlier-by": earlier_by,
    "unchanged": unchanged,
    "changed": changed,
    "least": least,
    "undefended-count": undefended_count,
    "gained": gained,
    "alone-count": alone_count,
    "alone-span": alone_span,
    "alone-lead": alone_lead,
    "cue-first": cue_first,
    "cue-regions": cue_regions,
    "deterrence-verdicts": deterrence_verdicts,
    "deterrence-speeds": deterrence_speeds,
    "deterrence-engaged-by": deterrence_engaged_by,
    "deterrence-total": deterrence_total,
    "rcs-engageable": rcs_engageable,
    "rcs-outcomes": rcs_outcomes,
}


# ------------------------------------------------------------------------------------------------
# The build.


def render(name: str, body: str) -> str:
    kind, *args = name.split()
    if kind not in FRAGMENTS:
        raise SystemExit(f"docs/build.py: unknown fragment {kind!r}; known: {', '.join(FRAGMENTS)}")
    text = FRAGMENTS[kind](args, body)
    # a table keeps its markers on lines of their own; a figure stays inside its sentence
    return f"\n{text}\n" if "\n" in body else text


def rebuild(text: str) -> str:
    return MARKER.sub(
        lambda m: f"<!-- generated: {m['name']} -->{render(m['name'], m['body'])}<!-- end generated: {m['name']} -->",
        text,
    )


def build(paths: list[Path] | None = None, check: bool = False) -> list[str]:
    """Rebuild the fragments of ``paths`` (default: every doc); return a diff of each that changed
    (written back unless ``check``)."""
    changed = []
    for path in paths or documents():
        old = path.read_text(encoding="utf-8")
        new = rebuild(old)
        if new == old:
            continue
        where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        lines = difflib.unified_diff(
            old.splitlines(), new.splitlines(), f"{where} (checked in)", f"{where} (code)", lineterm="", n=0
        )
        changed.append("\n".join(lines))
        if not check:
            path.write_text(new, encoding="utf-8")
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 listing what differs")
    parser.add_argument("paths", nargs="*", type=Path, help="docs to build (default: README.md and docs/**/*.md)")
    options = parser.parse_args(argv)
    changed = build([p.resolve() for p in options.paths] or None, check=options.check)
    for diff in changed:
        print(diff)
    if options.check and changed:
        print(f"{len(changed)} file(s) differ from what the code prints: run python docs/build.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
