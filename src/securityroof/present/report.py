"""The report people read: one self-contained HTML page for one or more architectures.

``DIR/index.html`` leads with the comparison's findings, then the architectures' figures, their maps
side by side (embedded as data: URIs, and also written beside the page as PNG and SVG, with the
defended footprint against one threat, its grid also as Parquet, with the metadata of ``roof
footprint --out``), each catalog city defended, threatened but undefended, or out of range in each
architecture, then, per architecture, the engagements (collapsed; sortable, filterable by city,
showing the feasible ones until asked for all) and the deterrence check, the model's assumptions,
every catalog source the architectures use and a line to cite it by. Every count says what it counts
where it appears. Nothing in the page is fetched from anywhere: it opens from disk with the network
off, reads on a 400 px screen and prints with every table open.
"""

from __future__ import annotations

import base64
import datetime
import html
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pyarrow.parquet as pq

from securityroof.analysis.compare import compare
from securityroof.analysis.defaults import DEFAULT_STEP_DEG
from securityroof.analysis.deterrence import SPEED_LIMIT_KM_S, SPEED_RESOLUTION_KM_S, deterrence, why_not_summary
from securityroof.analysis.engage import engage
from securityroof.analysis.findings import DEFENDED, OUT_OF_RANGE, UNDEFENDED
from securityroof.analysis.footprint import default_threat, footprint, footprint_summary
from securityroof.analysis.provenance import footprint_metadata, provenance
from securityroof.analysis.robustness import FIGURE_WORDS, failures_line, held_line, what_would_change
from securityroof.io.atomic import atomic_path, clean_leftovers, exclusive, make_directory, write_text
from securityroof.model.catalog import load_catalog
from securityroof.model.scenario import Scenario
from securityroof.present.maps import draw_map
from securityroof.present.report_assets import CSP, SCRIPT, STYLE

ASSUMPTIONS = [
    "Kinematics only: no atmosphere (no drag on boost or re-entry), no guidance, no countermeasures.",
    "Earth: WGS84, rotating, point-mass gravity; threats fly minimum-energy trajectories unless the scenario sets a burnout angle.",
    "Boost: kinematic, from each class's burn time, burnout speed and burnout altitude (energy management below the maximum speed).",
    "Radars see a target above their minimum elevation (the horizon), inside their sector, within R_ref (σ/σ_ref)^¼ of the threat's re-entry-vehicle RCS; a track forms after the class's track-formation time.",
    "Early-warning satellites report every launch after a delay: a warning that starts the decision, not a fire-control track.",
    "Launch = max(earliest allowed track, earliest allowed warning + decision delay) + launch delay; an intercept point is feasible when the interceptor arrives no later than the threat, inside its class's altitude band and ground range.",
    "Sites have no magazines: the number of interceptors is not modelled; shots count shoot-look-shoot opportunities.",
    "A city (or footprint cell) is protected when every launch region's reachable shot at it is engageable.",
    "Catalog values are public estimates, many unverified [U]; each entry's note says how uncertain it is.",
]


def _image(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def _cell(value) -> str:
    """A ``<td>``: a plain value escaped, or ``(text, css class)``."""
    if isinstance(value, tuple):
        text, css = value
        return f'<td class="{html.escape(css)}">{html.escape(str(text))}</td>'
    return f"<td>{html.escape(str(value))}</td>"


def _table(headers: list[str], rows: list[list], *, sortable: bool = False, row_attrs: list[str] | None = None) -> str:
    """A table in a container that scrolls sideways on its own, so that the page never does;
    ``sortable``: each header a button that sorts by its column; ``row_attrs``: each row's attributes."""
    label = (lambda h: f'<button type="button">{html.escape(h)}</button>') if sortable else html.escape
    head = "".join(f"<th>{label(h)}</th>" for h in headers)
    attrs = row_attrs or [""] * len(rows)
    body = "".join(f"<tr{a}>" + "".join(_cell(c) for c in row) + "</tr>" for row, a in zip(rows, attrs, strict=True))
    css = ' class="sortable"' if sortable else ""
    return f'<div class="scroll"><table{css}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def _fmt(value, digits=0) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def write_report(
    scenarios: list[Scenario],
    out_dir: Path,
    *,
    threat: str | None = None,
    speeds_km_s=(3.0, 5.0, 7.0, 9.0),
    delays_s=(0.0, 300.0, 600.0),
    progress: Callable[[str], None] | None = None,
    on_findings: Callable[[list[dict]], None] | None = None,
    uncertainty: Callable[[str, list[Scenario], list[dict]], dict] | None = None,
) -> Path:
    """Write ``out_dir/index.html`` (and its images and grids beside it); returns the page's path.

    Every file replaces its old version whole, and the page is written last: a reader, or a run
    killed at any point, finds a page whose links all lead to complete files. One run at a time
    writes a directory (another gets :class:`~securityroof.errors.OutputError`). ``on_findings``
    is given the page's findings (the comparison's, then each architecture's deterrence verdicts)
    and, with a robustness run, its line for each (None without) before the page is written
    (``roof demo`` prints them). ``uncertainty(kind, scenarios, findings)``
    runs a robustness run (:func:`securityroof.analysis.robustness.robustness`, ``roof report
    --uncertainty``): the findings box then gives the comparison's bands and, under each finding, how
    often it holds and what would change it.
    """
    out_dir = Path(out_dir)
    make_directory(out_dir)
    # two runs into one directory would leave a page beside the other run's maps and grids
    with exclusive(out_dir / ".index.html.lock", str(out_dir)):
        return _write_report(
            scenarios, out_dir, threat, speeds_km_s, delays_s, progress or (lambda _: None), on_findings, uncertainty
        )


def _write_report(scenarios, out_dir: Path, threat, speeds_km_s, delays_s, step, on_findings, uncertainty) -> Path:
    step("engagements")
    engaged = [engage(scenario) for scenario in scenarios]  # once each: the comparison and the sections share them
    step("comparing architectures")
    comparison = compare(scenarios, engaged=engaged).to_dict()
    findings = list(comparison["findings"])
    robust = None
    if uncertainty is not None:
        step("robustness run: comparison")
        robust = uncertainty("compare", scenarios, findings)
    figures, sections = [], []
    used: set[str] = set()
    for scenario, result in zip(scenarios, engaged, strict=True):
        chosen = threat or default_threat(scenario)
        step(f"{scenario.name}: footprint against {chosen}")
        grid = footprint(scenario, chosen)
        grid_path = out_dir / f"footprint-{scenario.name}.parquet"
        clean_leftovers(grid_path)
        with atomic_path(grid_path) as tmp:
            pq.write_table(grid.replace_schema_metadata(footprint_metadata(scenario, chosen)), tmp)
        step(f"{scenario.name}: map")
        png = draw_map(scenario, out_dir / f"map-{scenario.name}.png", footprint=grid)
        draw_map(scenario, out_dir / f"map-{scenario.name}.svg", footprint=grid)
        step(f"{scenario.name}: deterrence check")
        check = deterrence(scenario, speeds_km_s, delays_s)
        findings += check.findings(scenario.name)
        if robust is not None:
            step(f"{scenario.name}: deterrence robustness run")
            robust["findings"] += uncertainty("deterrence", [scenario], check.findings(scenario.name))["findings"]
        figures.append(_figure(scenario, chosen, grid, png))
        sections.append(_section(scenario, result, check, speeds_km_s, delays_s))
        used |= {t.missile for t in scenario.threat_set} | {a.kind for a in scenario.assets}
        used |= {t.aim for t in scenario.threat_set if t.aim_population is not None}
    if on_findings is not None:
        on_findings(findings, None if robust is None else robust["findings"])
    step("writing the page")
    explained = [threat_set_explained(scenario, result) for scenario, result in zip(scenarios, engaged, strict=True)]
    cite = citation(provenance(scenarios))
    page = _page(comparison, findings, explained, figures, sections, _sources(used), cite, robust)
    path = out_dir / "index.html"
    clean_leftovers(path)
    write_text(path, page)
    return path


def citation(record: dict, today: datetime.date | None = None) -> str:
    """The line to cite a report by: version, each scenario and the catalog (digests shortened to
    12 hex digits, as git shortens commits) and the day (UTC) it was made."""
    scenarios = ", ".join(
        f"{s['name']} (sha256 {s['sha256'][:12]})" if s["sha256"] else f"{s['name']} (edited in memory: no digest)"
        for s in record["scenarios"]
    )
    day = today or datetime.datetime.now(datetime.UTC).date()
    plural = "s" if len(record["scenarios"]) > 1 else ""
    return (
        f"securityroof v{record['version']}, scenario{plural} {scenarios}, "
        f"catalog sha256 {record['catalog_sha256'][:12]}, {day.isoformat()}"
    )


def threat_set_explained(scenario: Scenario, result) -> str:
    """What a scenario's threat trajectories are and how many can reach their aim point at all."""
    parts = [
        f"{t.id}: {t.missile}, {_count(len(t.launch), 'launch point')} × {_count(len(t.aim), 'aim point')}"
        for t in scenario.threats
    ]
    reachable = sum(result.threat_reachable.values())
    total = len(scenario.threat_set)
    return (
        f"{_count(total, 'threat trajectory', 'threat trajectories')} ({'; '.join(parts)}); "
        f"{reachable:,} of them can reach their aim point at all, the other {total - reachable:,} are beyond "
        "their missile's range"
    )


def _figure(scenario, threat, grid, png) -> str:
    counted = footprint_summary(grid)
    name = html.escape(scenario.name)
    return f"""<figure><img class="map" alt="map of {name}" src="{_image(png)}">
<figcaption><b>{name}</b>: assets, radar coverage, interceptor reach, threat tracks and the defended
footprint against <code>{html.escape(threat)}</code>: {counted["cells_defended"]:,} of
{counted["cells_threatened"]:,} threatened cells defended (of {counted["cells_total"]:,} cells of
{DEFAULT_STEP_DEG:g}°; a cell is threatened when a launch point of the threat can reach it, defended when
every such shot is engageable). Also as <a href="map-{name}.svg">SVG</a>; the grid as
<a href="footprint-{name}.parquet">Parquet</a>.</figcaption></figure>"""


def _section(scenario, result, check, speeds, delays) -> str:
    name = html.escape(scenario.name)
    return f"""
<section id="{name}">
<h2>{name}</h2>
<p>{html.escape(scenario.description.rstrip("."))}. Sharing: <b>{html.escape(scenario.sharing.policy)}</b>;
decision delay {scenario.analysis.decision_delay_s:g} s; {html.escape(threat_set_explained(scenario, result))}.</p>
{_engagements(scenario, result)}
{_deterrence(check, speeds, delays)}
</section>"""


def _engagements(scenario, result) -> str:
    records = result.records()
    trajectories = {t.id: t for t in scenario.threat_set}
    sites = len(scenario.interceptor_sites)
    if not records:
        return f"<h3>Engagements</h3><p>No engagements: {_count(sites, 'interceptor site')}.</p>"
    in_range = [r for r in records if result.threat_reachable[r["threat_id"]]]
    feasible = sum(r["feasible"] for r in in_range)
    reasons = Counter(r["reason"] for r in in_range if not r["feasible"])
    reachable = sum(result.threat_reachable.values())
    why_not = ", ".join(f"{reason} {n:,}" for reason, n in reasons.most_common()) or "—"
    rows, attrs = [], []
    for r in in_range:
        t = trajectories[r["threat_id"]]
        aim = _place(scenario, t.aim, t.aim_lat_deg, t.aim_lon_deg)
        rows.append([
            t.threat, _place(scenario, t.launch, t.launch_lat_deg, t.launch_lon_deg), aim, t.missile, r["site_id"],
            "yes" if r["feasible"] else f"no: {r['reason']}", r["cue_sensor_id"] or "—", _fmt(r["cue_time_s"]),
            _fmt(r["launch_time_s"]), f"{_fmt(r['window_start_s'])}–{_fmt(r['window_end_s'])}",
            _fmt(r["intercept_alt_km"]), r["shots"],
        ])  # fmt: skip
        city = html.escape(f"{t.aim or ''} {aim}".lower(), quote=True)
        attrs.append(
            f' data-city="{city}" data-feasible="{str(r["feasible"]).lower()}"' + ("" if r["feasible"] else " hidden")
        )
    headers = ["threat", "from", "aim", "missile", "site", "feasible", "cue", "cue s", "launch s", "window s",
               "alt km", "shots"]  # fmt: skip
    return f"""<h3>Engagements</h3>
<p>{len(records):,} (trajectory, site) engagements: each of the {len(trajectories):,} threat trajectories
against each of the {_count(sites, "interceptor site")}. The {len(records) - len(in_range):,} of the
{len(trajectories) - reachable:,} trajectories that cannot reach their aim are left out; of the other
{len(in_range):,} ({reachable:,} × {sites:,}), <b>{feasible:,} are feasible</b>. Why not, for the rest: {html.escape(why_not)}.
Times are seconds after the threat's launch.</p>
<details class="filterable"><summary>Engagements table: {feasible:,} feasible of {len(in_range):,}</summary>
<div class="controls"><label>City <input type="search" class="city-filter" placeholder="e.g. warsaw"></label>
<label><input type="checkbox" class="show-all"> show the infeasible ones too</label>
<span class="shown small">{feasible:,} of {len(in_range):,} rows shown</span>
<span class="small">Click a heading to sort.</span></div>
{_table(headers, rows, sortable=True, row_attrs=attrs)}
</details>"""


def _place(scenario, name, lat_deg, lon_deg) -> str:
    if name is None:
        return f"{lat_deg:.2f}, {lon_deg:.2f}"
    city = scenario.catalog.cities.get(name)
    return city.label if city is not None and name not in scenario.points else name


def _deterrence(check, speeds, delays) -> str:
    pairs = check.pairs
    engaged = [p for p in pairs if p["engageable"]]
    ideal = sum(p["engageable"] for p in check.perfect_cueing.pairs)
    why_not = f" {html.escape(summary)}." if (summary := why_not_summary(pairs)) else ""
    bases, targets = len({p["base"] for p in pairs}), len({p["target"] for p in pairs})
    verdicts = "".join(f"<li>{html.escape(v['text'])}</li>" for v in check.verdicts)
    grids = "".join(
        f"<p>{html.escape(direction)}: engageable pairs (of {_count(total, 'pair')}) by the other side's "
        "interceptors' burnout speed (rows, km/s; stated range and altitude limits lifted) and decision delay "
        f"(columns, s), under the architecture's own sensors:</p>"
        + _table(["km/s"] + [f"{d:g} s" for d in delays], rows)
        for direction, total, rows in _direction_grids(check.sensitivity_by_direction, speeds, delays)
    )
    rows = [
        [p["direction"], p["base"], p["target"], _fmt(p["best_margin_s"]), _fmt(p["intercept_alt_km"]),
         ", ".join(p["sites"]), ", ".join(p["engaged_by_owner"])]
        for p in engaged
    ]  # fmt: skip
    speeds_rows = [
        [site["name"], site["owner"], *(_speed(check_.threatening_speed_km_s[site["id"]][key])
         for check_ in (check, check.perfect_cueing) for key in ("at_delay", "at_zero_delay"))]
        for site in check.sites if site["id"] in check.threatening_speed_km_s
    ]  # fmt: skip
    delay = f"{check.decision_delay_s:g} s"
    return f"""<h3>Deterrence check</h3>
<ul class="verdicts">{verdicts}</ul>
<p>{len(engaged)} of {len(pairs)} strategic ICBM pairs engageable ({ideal} with perfect cueing: every site
cued at each missile's burnout, as if a sensor saw everything): each of {_count(bases, "ICBM base")} at
the catalog cities of the other side ({_count(targets, "city", "cities")} in all; Russian bases at North
American cities, US fields at Russian cities).{why_not}</p>
{_table(["direction", "base", "target", "margin s", "alt km", "sites", "owners"], rows) if engaged else ""}
<p>Threatening speed: the least burnout speed (to {SPEED_RESOLUTION_KM_S:g} km/s; range and altitude limits
lifted) at which each site engages an ICBM of the other side; "none" means not up to {SPEED_LIMIT_KM_S:g} km/s.</p>
{_table(["site", "owner", f"at {delay}", "at 0 s", f"perfect cueing, {delay}", "perfect cueing, 0 s"], speeds_rows)}
{grids}"""


def _speed(value) -> str:
    return "none" if value is None else f"{value:.1f}"


def _direction_grids(by_direction: dict[str, list[dict]], speeds, delays):
    """(direction, pairs, rows of the speed × delay grid) for each direction of the sensitivity: the
    pairs the *other side's* interceptors engage (a party's own defence is not a threat to its deterrent)."""
    for direction, grid in by_direction.items():
        cells = {(c["burnout_speed_km_s"], c["decision_delay_s"]): c["engageable_by_other_side"] for c in grid}
        total = grid[0]["total_pairs"] if grid else 0
        yield direction, total, [[f"{v:g}"] + [cells[(v, d)] for d in delays] for v in speeds]


def _sources(names: set[str]) -> list[tuple[str, str, str]]:
    catalog = load_catalog()
    out = []
    for kind, entries in catalog.entries.items():
        for name in sorted(names & set(entries)):
            entry = entries[name]
            out.append((f"{kind}: {entry.label}", entry.source, entry.note))
    return out


def _findings(findings: list[dict], robust: dict | None = None) -> str:
    """The findings box: the findings in their order, whatever they are; with a robustness run, a line
    under each (how often it holds, what would change it) and the comparison's bands."""
    lines = [""] * len(findings)
    bands = ""
    if robust is not None:
        lines = [f'<br><span class="robust">{html.escape(what_would_change(r))}</span>' for r in robust["findings"]]
        rows = [
            [row["architecture"], FIGURE_WORDS[row["figure"]], _band(row["point"]), _band(row["median"]), _band(row["p5"]),
             _band(row["p95"])]
            for row in robust["figures"]
        ]  # fmt: skip
        bands = (
            f"<p>Robustness: {robust['n']} variants (seed {robust['seed']}), a Latin hypercube over the catalog's "
            "stated ranges and the decision delay; each figure's median and 5-95 % band:</p>"
            + _table(["architecture", "figure", "point", "median", "5 %", "95 %"], rows)
            + (f"<p>{html.escape(held)}</p>" if (held := held_line(robust)) else "")
            + (f"<p>{html.escape(failed)}</p>" if (failed := failures_line(robust)) else "")
        )
    items = "".join(f"<li>{html.escape(f['text'])}{line}</li>" for f, line in zip(findings, lines, strict=True))
    return f'<section class="findings" id="findings"><h2>Findings</h2><ul>{items}</ul>{bands}</section>'


def _band(value) -> str:
    if value is None:
        return "—"
    return f"{value:,.3g}" if isinstance(value, float) and not value.is_integer() else f"{int(value):,}"


def _architectures(comparison: dict, explained: list[str]) -> str:
    architectures = comparison["architectures"]
    if comparison["same_threats"]:
        in_range = explained[0]
    else:
        in_range = "; ".join(f"{a['name']}: {text}" for a, text in zip(architectures, explained, strict=True))
    rows = [
        [a["name"], a["sharing"], f"{a['threats_engageable']}/{a['threats_total']}",
         "—" if a["protected_share"] is None else f"{a['protected_share']:.0%}", a["shot_opportunities"],
         _fmt(a["earliest_intercept_alt_km_median"]), f"{a['protected_population']:,}",
         ", ".join(f"{p}: {'—' if v is None else f'{v:.0%}'}" for p, v in a["without_party"].items())]
        for a in architectures
    ]  # fmt: skip
    same = "on the same threats" if comparison["same_threats"] else "(their threat sets differ: compare with care)"
    headers = ["architecture", "sharing", "engageable / in range", "share", "shots", "median intercept alt km",
               "protected population", "without party"]  # fmt: skip
    return f"""<h2>Architectures {same}</h2>
{_table(headers, rows)}
<p class="note"><b>In range</b>: {html.escape(in_range)}. <b>Engageable</b>: at least one interceptor site
has a feasible engagement; <b>share</b> = engageable ÷ in range. <b>Shots</b>: shoot-look-shoot opportunities,
summed over every site and trajectory. <b>Median intercept altitude</b>: of each engageable trajectory's earliest
feasible intercept. <b>Protected population</b>: the people of the catalog cities protected against every missile
class that reaches them (see the cities below). <b>Without party</b>: the share engageable with that party's
sensors and sites removed.</p>"""


def _cities(architectures: list[dict]) -> str:
    """The city × architecture table of the comparison's ``cities`` rows, most populous first."""
    countries = {name: city.country for name, city in load_catalog().cities.items()}
    by_city: dict[str, dict] = {}
    for k, entry in enumerate(architectures):
        for c in entry["cities"]:
            by_city.setdefault(c["city"], {"row": c, "status": {}})["status"][k] = c
    rows = []
    for v in sorted(by_city.values(), key=lambda v: -v["row"]["population"]):
        cells = []
        for k in range(len(architectures)):
            c = v["status"].get(k)
            if c is None:
                cells.append("not aimed at")
            elif c["status"] == DEFENDED:
                cells.append((f"defended ({', '.join(c['threat_classes'])})", c["status"]))
            elif c["status"] == UNDEFENDED:
                why = ", ".join(f"{reason} {n}" for reason, n in c["why_not"].items())
                cells.append((f"threatened, undefended ({', '.join(c['undefended_classes'])}; {why})", c["status"]))
            else:
                cells.append(("out of range", c["status"]))
        row = v["row"]
        rows.append([row["label"], countries[row["city"]], f"{row['population']:,}", *cells])
    counts = "; ".join(
        f"{entry['name']}: {(n := Counter(c['status'] for c in entry['cities']))[DEFENDED]} defended, "
        f"{n[UNDEFENDED]} threatened and undefended, {n[OUT_OF_RANGE]} out of range"
        for entry in architectures
    )
    names = [entry["name"] for entry in architectures]
    return f"""<h2>Cities</h2>
<p class="note">{_count(len(by_city), "catalog city", "catalog cities")} aimed at ({html.escape(counts)}).
<b>Defended</b>: every shot at it that can reach it is engageable (in brackets: the missile classes that reach
it). <b>Threatened, undefended</b>: some shot that reaches it is not (in brackets: the classes of those shots,
and how many of them stop at each hurdle: the furthest any site got). <b>Out of range</b>: no missile aimed
at it reaches it. Click a heading to sort.</p>
{_table(["city", "country", "population", *names], rows, sortable=True)}"""


def _page(
    comparison: dict,
    findings: list[dict],
    explained,
    figures: list[str],
    sections: list[str],
    sources,
    cite: str,
    robust: dict | None = None,
) -> str:
    source_items = "".join(
        f"<li><b>{html.escape(label)}</b>: {html.escape(source)} <i>{html.escape(note)}</i></li>"
        for label, source, note in sources
    )
    assumptions = "".join(f"<li>{html.escape(a)}</li>" for a in ASSUMPTIONS)
    names = [a["name"] for a in comparison["architectures"]]
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<title>securityroof report: {html.escape(", ".join(names))}</title>
<style>{STYLE}</style></head>
<body>
<h1>securityroof report</h1>
<p class="cite">{html.escape(cite)}. Kinematic, policy-level analysis from public estimates; every figure can be
reproduced with <code>roof compare</code>, <code>roof engage</code>, <code>roof footprint</code> and
<code>roof deterrence</code>.</p>
{_findings(findings, robust)}
{_architectures(comparison, explained)}
<h2>Maps</h2>
<div class="maps">{"".join(figures)}</div>
{_cities(comparison["architectures"])}
{"".join(sections)}
<h2>Assumptions</h2><ul>{assumptions}</ul>
<h2>Sources</h2><ul class="small">{source_items}</ul>
<h2>Cite</h2><p class="cite">Cite as: {html.escape(cite)}.</p>
<script>{SCRIPT}</script>
</body></html>
"""
