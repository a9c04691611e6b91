"""Whole-run fragments: the threat set, the architectures compared, per-site and chosen-row tables,
quoted files, and the figures of one run or one assessment."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable

from .runs import ARCHITECTURES, COMMON, ROOT, comparison, engagements, reachable, scenario
from .text import DASH, feasible_threats, number, seconds, split, table

#: Columns of the per-site tables: feasible first, then the engagement reasons from the last hurdle back.
SITE_COLUMNS = ("feasible", "out-of-reach", "too-late", "not-detected", "not-shared", "threat-out-of-range")


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


def delays(args, body) -> str:
    """Feasible engagements of ``epaa-phase-3`` and ``joint-lisbon`` at other decision delays."""
    names = ("epaa-phase-3", "joint-lisbon")
    rows = []
    for delay in (0, 30, 60):
        counts = [sum(row["feasible"] for row in engagements(name, (f"delay={delay}",))) for name in names]
        rows.append([f"{delay} s", *(number(count) for count in counts)])
    return table(["decision delay", *(f"`{name}` feasible" for name in names)], rows)


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
    "delays": delays,
    "engageable": engageable,
    "assess": assess,
}
