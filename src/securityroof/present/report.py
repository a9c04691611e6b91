"""The report people read: one self-contained HTML page for one or more architectures.

``DIR/index.html`` holds the comparison, a map per architecture (embedded as data: URIs, and also
written beside the page as PNG and SVG), the defended footprint against one threat (its grid also
as Parquet), the engagements that are feasible and why the others are not, the deterrence check,
the model's assumptions and every catalog source the architectures use. Nothing in the page is
fetched from anywhere: it opens from disk with the network off.
"""

from __future__ import annotations

import base64
import hashlib
import html
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pyarrow.parquet as pq

from securityroof.analysis.compare import Comparison, compare
from securityroof.analysis.deterrence import deterrence, why_not_summary
from securityroof.analysis.engage import engage
from securityroof.analysis.footprint import footprint, footprint_summary
from securityroof.io.atomic import atomic_path, clean_leftovers, exclusive, make_directory, write_text
from securityroof.model.catalog import load_catalog
from securityroof.model.scenario import Scenario
from securityroof.present.maps import draw_map

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


#: The page's one stylesheet and one script, inline so the page is one file; the CSP below allows
#: exactly these texts (by hash), so markup that slipped past escaping could run no script and add no style.
STYLE = """
body { font-family: sans-serif; max-width: 1100px; margin: 2em auto; color: #222; line-height: 1.4; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.85em; }
th, td { border: 1px solid #ccc; padding: 2px 6px; text-align: left; }
th { background: #f0f3f6; }
img.map { width: 100%; border: 1px solid #ccc; }
figcaption, .small { font-size: 0.85em; color: #555; }
"""
SCRIPT = """
window.addEventListener("load", function () {
  var maps = Array.prototype.slice.call(document.querySelectorAll("img.map"));
  document.body.setAttribute("data-maps-loaded", String(maps.length > 0 && maps.every(function (m) { return m.complete && m.naturalWidth > 0; })));
});
"""


def _csp_hash(text: str) -> str:
    """A CSP source that allows the inline ``<script>`` or ``<style>`` whose content is exactly ``text``."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


#: Nothing is fetched (images are data: URIs), only the page's own style and script apply, and no
#: form can be submitted nor a <base> redirect its links.
CSP = (
    f"default-src 'none'; img-src data:; style-src {_csp_hash(STYLE)}; script-src {_csp_hash(SCRIPT)}; "
    "form-action 'none'; base-uri 'none'"
)


def _image(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def _table(headers: list[str], rows: list[list]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _fmt(value, digits=0) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def default_threat(scenario: Scenario) -> str:
    """The threat whose footprint a report shows: the Iranian IRBM of the common threat set where
    there is one, else the scenario's first threat."""
    threats = [t.threat for t in scenario.threat_set]
    return "iran-irbm" if "iran-irbm" in threats else threats[0]


def write_report(
    scenarios: list[Scenario],
    out_dir: Path,
    *,
    threat: str | None = None,
    speeds_km_s=(3.0, 5.0, 7.0, 9.0),
    delays_s=(0.0, 300.0, 600.0),
    progress: Callable[[str], None] | None = None,
    on_comparison: Callable[[Comparison], None] | None = None,
) -> Path:
    """Write ``out_dir/index.html`` (and its images and grids beside it); returns the page's path.

    Every file replaces its old version whole, and the page is written last: a reader, or a run
    killed at any point, finds a page whose links all lead to complete files. One run at a time
    writes a directory (another gets :class:`~securityroof.errors.OutputError`). ``on_comparison``
    is given the comparison once it is made (``roof demo`` prints its findings).
    """
    out_dir = Path(out_dir)
    make_directory(out_dir)
    # two runs into one directory would leave a page beside the other run's maps and grids
    with exclusive(out_dir / ".index.html.lock", str(out_dir)):
        return _write_report(
            scenarios, out_dir, threat, speeds_km_s, delays_s, progress or (lambda _: None), on_comparison
        )


def _write_report(scenarios, out_dir: Path, threat, speeds_km_s, delays_s, step, on_comparison) -> Path:
    step("engagements")
    engaged = [engage(scenario) for scenario in scenarios]  # once each: the comparison and the sections share them
    step("comparing architectures")
    made = compare(scenarios, engaged=engaged)
    if on_comparison is not None:
        on_comparison(made)
    comparison = made.to_dict()
    sections = []
    used: set[str] = set()
    for scenario, result in zip(scenarios, engaged, strict=True):
        chosen = threat or default_threat(scenario)
        step(f"{scenario.name}: footprint against {chosen}")
        grid = footprint(scenario, chosen)
        grid_path = out_dir / f"footprint-{scenario.name}.parquet"
        clean_leftovers(grid_path)
        with atomic_path(grid_path) as tmp:
            pq.write_table(grid, tmp)
        step(f"{scenario.name}: map")
        png = draw_map(scenario, out_dir / f"map-{scenario.name}.png", footprint=grid)
        draw_map(scenario, out_dir / f"map-{scenario.name}.svg", footprint=grid)
        records = result.records()
        step(f"{scenario.name}: deterrence check")
        check = deterrence(scenario, speeds_km_s, delays_s)
        sections.append(_section(scenario, chosen, grid, png, records, check, speeds_km_s, delays_s))
        used |= {t.missile for t in scenario.threat_set} | {a.kind for a in scenario.assets}
        used |= {t.aim for t in scenario.threat_set if t.aim_population is not None}
    step("writing the page")
    page = _page(comparison, sections, _sources(used))
    path = out_dir / "index.html"
    clean_leftovers(path)
    write_text(path, page)
    return path


def _section(scenario, threat, grid, png, records, check, speeds, delays) -> str:
    counted = footprint_summary(grid)
    threatened, defended = counted["cells_threatened"], counted["cells_defended"]
    feasible = [r for r in records if r["feasible"]]
    reasons = Counter(r["reason"] for r in records if not r["feasible"])
    engagement_rows = [
        [r["threat_id"], r["site_id"], r["cue_sensor_id"], _fmt(r["cue_time_s"]), _fmt(r["launch_time_s"]),
         f"{_fmt(r['window_start_s'])}–{_fmt(r['window_end_s'])}", _fmt(r["intercept_alt_km"]), r["shots"]]
        for r in feasible
    ]  # fmt: skip
    pairs = check.pairs
    engaged = [p for p in pairs if p["engageable"]]
    why_not = f" {html.escape(summary)}." if (summary := why_not_summary(pairs)) else ""
    grid_rows = [
        [f"{v:g}"] + [next(s["engageable_pairs"] for s in check.sensitivity if s["burnout_speed_km_s"] == v and s["decision_delay_s"] == d) for d in delays]
        for v in speeds
    ]  # fmt: skip
    name = html.escape(scenario.name)
    return f"""
<section id="{name}">
<h2>{name}</h2>
<p>{html.escape(scenario.description)} Sharing: <b>{html.escape(scenario.sharing.policy)}</b>;
decision delay {scenario.analysis.decision_delay_s:g} s; {len(scenario.threat_set)} threat trajectories.</p>
<figure><img class="map" alt="map of {name}" src="{_image(png)}">
<figcaption>Assets, radar coverage, interceptor reach, threat tracks and the defended footprint against
<code>{html.escape(threat)}</code>: {defended} of {threatened} threatened cells defended
(also <a href="map-{name}.svg">SVG</a>, grid <a href="footprint-{name}.parquet">Parquet</a>).</figcaption></figure>
<h3>Engagements</h3>
<p>{len(feasible)} of {len(records)} (threat, site) engagements feasible. Why not, for the others:
{html.escape(", ".join(f"{reason} {n}" for reason, n in reasons.most_common()) or "—")}.</p>
{_table(["threat", "site", "cue", "cue s", "launch s", "window s", "alt km", "shots"], engagement_rows) if feasible else ""}
<h3>Deterrence check</h3>
<p>{len(engaged)} of {len(pairs)} strategic ICBM pairs (Russian bases to North American cities, US fields to
Russian cities) engageable.{why_not}</p>
<p>{" ".join(html.escape(verdict["text"]) for verdict in check.verdicts)}</p>
{_table(["base", "target", "margin s", "alt km", "sites"], [[p["base"], p["target"], _fmt(p["best_margin_s"]), _fmt(p["intercept_alt_km"]), ", ".join(p["sites"])] for p in engaged]) if engaged else ""}
<p>Engageable pairs by interceptor burnout speed (rows, km/s; stated range and altitude limits lifted) and
decision delay (columns, s):</p>
{_table(["km/s"] + [f"{d:g} s" for d in delays], grid_rows)}
</section>"""


def _sources(names: set[str]) -> list[tuple[str, str, str]]:
    catalog = load_catalog()
    out = []
    for kind, entries in catalog.entries.items():
        for name in sorted(names & set(entries)):
            entry = entries[name]
            out.append((f"{kind}: {entry.label}", entry.source, entry.note))
    return out


def _page(comparison: dict, sections: list[str], sources) -> str:
    rows = [
        [a["name"], a["sharing"], f"{a['threats_engageable']}/{a['threats_total']}",
         "—" if a["protected_share"] is None else f"{a['protected_share']:.0%}", a["shot_opportunities"],
         _fmt(a["earliest_intercept_alt_km_median"]), f"{a['protected_population']:,}",
         ", ".join(f"{p}: {'—' if v is None else f'{v:.0%}'}" for p, v in a["without_party"].items())]
        for a in comparison["architectures"]
    ]  # fmt: skip
    source_items = "".join(
        f"<li><b>{html.escape(label)}</b>: {html.escape(source)} <i>{html.escape(note)}</i></li>"
        for label, source, note in sources
    )
    assumptions = "".join(f"<li>{html.escape(a)}</li>" for a in ASSUMPTIONS)
    same = "on the same threats" if comparison["same_threats"] else "(their threat sets differ: compare with care)"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<title>securityroof report</title>
<style>{STYLE}</style></head>
<body>
<h1>securityroof report</h1>
<p class="small">Kinematic, policy-level analysis from public estimates. Produced by securityroof; every figure
below can be reproduced with <code>roof compare</code>, <code>roof engage</code>, <code>roof footprint</code> and
<code>roof deterrence</code>.</p>
<h2>Architectures {same}</h2>
{_table(["architecture", "sharing", "engageable / in range", "share", "shots", "median intercept alt km", "protected population", "without party"], rows)}
{"".join(sections)}
<h2>Assumptions</h2><ul>{assumptions}</ul>
<h2>Sources</h2><ul class="small">{source_items}</ul>
<script>{SCRIPT}</script>
</body></html>
"""
