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
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Callable
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARKER = re.compile(r"<!-- generated: (?P<name>[^>]+?) -->(?P<body>.*?)<!-- end generated: (?P=name) -->", re.S)
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
def deterrence_pairs(name: str, options: tuple[str, ...] = (), rcs_m2: float | None = None) -> list[dict]:
    import securityroof as sr

    return sr.deterrence(scenario(name, options), rcs_m2=rcs_m2)["pairs"]


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


def cue_times(args, body) -> str:
    """Seconds to each early-warning radar's first track of each in-range threat, that radar alone
    (with the Don-2N and the SPY-1s) left of ``joint-lisbon``'s sensors."""
    radars = {"kurecik": "Kürecik", "gabala": "Gabala", "armavir": "Armavir (SW face)"}
    radars |= {"armavir-2": "Armavir-2 (SE face)", "pionersky": "Pionersky"}
    others = [s.id for s in scenario("joint-lisbon").sensors if s.kind == "radar" and s.id not in radars]
    first: dict[str, dict[str, float]] = defaultdict(dict)
    for radar in radars:
        alone = f"without={','.join(sorted(others + [r for r in radars if r != radar]))}"
        for row in engagements("joint-lisbon", (alone,)):
            if row["cue_sensor_id"] == radar:
                seen = first[row["threat_id"]]
                seen[radar] = min(seen.get(radar, row["cue_time_s"]), row["cue_time_s"])
    # grouped as the threat set lists threats and launch regions, aims alphabetical within each
    threat_set = scenario("joint-lisbon").threat_set
    order = {key: i for i, key in enumerate(dict.fromkeys((t.threat, t.launch) for t in threat_set))}
    flies = reachable("joint-lisbon")
    shown = sorted((t for t in threat_set if flies[t.id]), key=lambda t: (order[t.threat, t.launch], t.aim))
    rows = [[f"`{t.id}`", *(seconds(first[t.id].get(radar)) for radar in radars)] for t in shown]
    return table(["threat", *radars.values()], rows)


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
    for rcs in (None, 0.01, 0.05, 0.1, 0.5):
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
