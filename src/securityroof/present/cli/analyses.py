"""`roof engage`, `roof compare`, `roof footprint`, `roof deterrence`, `roof assess-test`: the analyses."""

from __future__ import annotations

import json
import math
import re
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.table import Table

from securityroof.analysis.defaults import (
    DEFAULT_BURN_TIME_S,
    DEFAULT_BURNOUT_ALTITUDE_KM,
    DEFAULT_LATITUDE_DEG,
    DEFAULT_STEP_DEG,
    DEFAULT_TEST_CLASS,
)
from securityroof.errors import OutputError, RoofError
from securityroof.io.atomic import atomic_path, clean_leftovers
from securityroof.present.cli import uncertainty
from securityroof.present.cli._app import (
    Add,
    DecisionDelay,
    SaveScenario,
    Set,
    Without,
    _csv,
    _fail,
    _fmt,
    _load,
    _one_format,
    _output_file,
    app,
    console,
)
from securityroof.present.terminal import fitted_table, shown

#: Where `roof --help` lists this group's commands.
PANEL = "Architectures"


@app.command("engage", rich_help_panel=PANEL)
def engage_command(
    scenario: Annotated[str, typer.Argument(help="Scenario file, or a library name from `roof scenarios`.")],
    sharing: Annotated[
        str | None,
        typer.Option("--sharing", help="Override the file's policy: none, within-party or all (a what-if)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (every pair).")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV, one row per pair (every pair).")] = False,
    show_all: Annotated[
        bool, typer.Option("--all", help="List every pair in the table, not only the feasible engagements.")
    ] = False,
    city: Annotated[
        str | None, typer.Option("--city", help="Only the threats aimed at this catalog city (e.g. warsaw).")
    ] = None,
    add: Add = None,
    without: Without = None,
    decision_delay: DecisionDelay = None,
    set_: Set = None,
    save_scenario: SaveScenario = None,
) -> None:
    """Every engagement of a scenario: which interceptor site can engage which threat, when, and why not."""
    from securityroof.analysis.engage import aimed_at, engage
    from securityroof.model.scenario import ScenarioError

    _check_sharing(sharing)
    _one_format(as_json, as_csv)
    loaded = _load(scenario, add, without, decision_delay, set_, save_scenario)
    try:
        result = engage(loaded, sharing=sharing)
        if city is not None:
            result = aimed_at(loaded, result, city)
    except ScenarioError as error:
        _fail("; ".join(error.messages))
    except RoofError as error:
        _fail(error)
    records = result.records()
    policy = sharing or loaded.sharing.policy
    if as_json:
        sys.stdout.write(
            json.dumps({"scenario": loaded.name, "sharing": policy, "engagements": records}, indent=2) + "\n"
        )
        return
    if as_csv:
        _csv(list(result.columns), records)
        return
    listed = records if show_all else [r for r in records if r["feasible"]]
    rows = []
    for r in listed:
        window = "—" if r["window_start_s"] is None else f"{r['window_start_s']:.0f}–{r['window_end_s']:.0f}"
        rows.append(
            [shown(r["threat_id"]), shown(r["site_id"])]
            + (["yes" if r["feasible"] else shown(r["reason"])] if show_all else [])
            + [
                shown(r["cue_sensor_id"] or "—"),
                _fmt(r["cue_time_s"], 0),
                _fmt(r["launch_time_s"], 0),
                window,
                _fmt(r["intercept_alt_km"], 0),
                str(r["shots"]),
            ]
        )
    headers = ["threat", "site"] + (["engage"] if show_all else []) + ["cue", "cue s", "launch s", "window s"]
    table, dropped = fitted_table(
        headers + ["alt km", "shots"],
        rows,
        console.width,
        text={"threat", "site", "engage", "cue"},
        optional=["cue s", "cue"],
        title=f"Engagements: {shown(loaded.name)}"
        + (f" at {shown(city)}" if city else "")
        + f" (sharing: {shown(policy)})",
        box=box.SIMPLE_HEAD,
        show_edge=False,
    )
    if rows:
        console.print(table)
    feasible = sum(r["feasible"] for r in records)
    console.print(f"{feasible:,} of {len(records):,} engagements feasible.", highlight=False)
    if not show_all and (hidden := result.reasons_infeasible()):
        counts = ", ".join(f"{shown(reason)} {count:,}" for reason, count in hidden.items())
        console.print(f"{sum(hidden.values()):,} other pairs not shown: {counts} (--all shows them).", highlight=False)
    if dropped:
        console.print(_not_shown(dropped), highlight=False)


def _not_shown(dropped: list[str]) -> str:
    """The line saying which columns a narrow terminal left out, and where they are."""
    return f"Not shown at this width: {', '.join(dropped)} (a wider terminal, --json or --csv has them)."


@app.command("compare", rich_help_panel=PANEL)
def compare_command(
    scenarios: Annotated[list[str], typer.Argument(help="Architectures: scenario files or library names.")],
    sharing: Annotated[
        str | None,
        typer.Option("--sharing", help="Run every architecture under this policy: none, within-party or all."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV, one row per architecture.")] = False,
    add: Add = None,
    without: Without = None,
    decision_delay: DecisionDelay = None,
    set_: Set = None,
    save_scenario: SaveScenario = None,
    uncertainty_n: uncertainty.Uncertainty = None,
    seed: uncertainty.Seed = 0,
    workers: uncertainty.Workers = None,
    scheduler: uncertainty.Scheduler = None,
) -> None:
    """Compare architectures on the same threats: what each defends, and what each party adds."""
    from securityroof.analysis.compare import compare

    _check_sharing(sharing)
    _one_format(as_json, as_csv)
    uncertainty.check(uncertainty_n, seed, workers, scheduler, as_csv)
    if save_scenario is not None and len(scenarios) > 1:
        _fail("--save-scenario: writes one scenario; give one architecture, or save each with roof engage")
    loaded = [_load(name, add, without, decision_delay, set_, save_scenario) for name in scenarios]
    comparison = compare(loaded, sharing=sharing)
    result = comparison.to_dict()
    if uncertainty_n is not None:
        with uncertainty.executor(workers, scheduler) as pool:
            result["uncertainty"] = uncertainty.run(
                "compare", loaded, uncertainty_n, seed, pool, comparison.findings, sharing=sharing
            )
    if as_json:
        sys.stdout.write(json.dumps(result, indent=2) + "\n")
        return
    if as_csv:
        flat = comparison.to_arrow()
        _csv(flat.column_names, flat.to_pylist())
        return
    print_findings(comparison.findings)
    rows = []
    for entry in result["architectures"]:
        share = "—" if entry["protected_share"] is None else f"{entry['protected_share']:.0%}"
        without = ", ".join(
            f"{party}: {'—' if value is None else f'{value:.0%}'}" for party, value in entry["without_party"].items()
        )
        rows.append(
            [
                shown(entry["name"]),
                shown(entry["sharing"]),
                f"{entry['threats_engageable']}/{entry['threats_total']}",
                share,
                str(entry["shot_opportunities"]),
                _fmt(entry["earliest_intercept_alt_km_median"], 0),
                f"{entry['protected_population']:,}",
                shown(without),
            ]
        )
    table, dropped = fitted_table(
        ["architecture", "sharing", "engageable", "share", "shots", "alt km", "protected pop.", "without"],
        rows,
        console.width,
        text={"architecture", "sharing", "without"},
        optional=["alt km", "shots"],
        title="Architectures on the same threats" if result["same_threats"] else "Architectures",
        box=box.SIMPLE_HEAD,
        show_edge=False,
    )
    console.print(table)
    console.print(
        "engageable: threat trajectories (in the missile's range) with a feasible engagement; alt: median altitude "
        "of the earliest intercept; protected pop.: catalog cities every reachable shot at which is engageable; "
        "without: protected share with that party's assets removed.",
        highlight=False,
    )
    if dropped:
        console.print(_not_shown(dropped), highlight=False)
    if not result["same_threats"]:
        console.print("[yellow]note:[/] these architectures do not share one threat set; compare with care.")
    if uncertainty_n is not None:
        uncertainty.print_uncertainty(result["uncertainty"])
    else:
        uncertainty.print_hint()


def print_findings(findings: list[dict], robust: list[dict] | None = None) -> None:
    """The findings, one paragraph each, wrapped to the terminal; with a robustness run's findings
    (``robust``, in the same order), under each how often it holds and what would change it."""
    from securityroof.analysis.robustness import what_would_change

    for k, finding in enumerate(findings):
        console.print("- " + shown(finding["text"]), highlight=False)
        if robust is not None:
            console.print("  " + shown(what_would_change(robust[k])), highlight=False)
    console.print()


def _grid(option: str, text: str) -> list[float]:
    """START:STOP:STEP, inclusive of STOP (e.g. 3:9:0.5), or a single number."""
    import numpy as np

    try:
        parts = [float(p) for p in text.split(":")]
    except ValueError:
        _fail(f"{option}: expected START:STOP:STEP or a number, got {text!r}")
    if not all(math.isfinite(p) for p in parts):
        _fail(f"{option}: every number must be finite, got {text!r}")
    if len(parts) == 1:
        return parts
    if len(parts) != 3 or parts[2] <= 0 or parts[1] < parts[0] or (parts[1] - parts[0]) / parts[2] > 200:
        _fail(f"{option}: expected START:STOP:STEP with STEP > 0, STOP >= START and at most 200 steps, got {text!r}")
    start, stop, step = parts
    return [round(start + k * step, 9) for k in range(int(np.floor((stop - start) / step + 1e-9)) + 1)]


@app.command("deterrence", rich_help_panel=PANEL)
def deterrence_command(
    scenario: Annotated[str, typer.Argument(help="Architecture: scenario file or library name.")],
    speeds: Annotated[
        str, typer.Option("--speeds", help="Interceptor burnout speeds for the sensitivity map, km/s: START:STOP:STEP.")
    ] = "3:9:0.5",
    delays: Annotated[
        str, typer.Option("--delays", help="Decision delays for the sensitivity map, s: START:STOP:STEP.")
    ] = "0:600:60",
    interceptor: Annotated[
        str | None, typer.Option("--interceptor", help="The class whose speed varies (default: every class).")
    ] = None,
    rcs_m2: Annotated[
        float | None,
        typer.Option(
            "--rcs-m2",
            help="Re-entry vehicles' radar cross-section, m^2 (default: the catalog's X-band figure per class).",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV, one row per base-target pair.")] = False,
    add: Add = None,
    without: Without = None,
    decision_delay: DecisionDelay = None,
    set_: Set = None,
    save_scenario: SaveScenario = None,
    uncertainty_n: uncertainty.Uncertainty = None,
    seed: uncertainty.Seed = 0,
    workers: uncertainty.Workers = None,
    scheduler: uncertainty.Scheduler = None,
) -> None:
    """The deterrence check: can this architecture's interceptors engage the other side's strategic ICBMs
    (Russia's bound for North America, the US's bound for Russia), with its sensors and with perfect cueing?"""
    from securityroof.analysis.deterrence import deterrence, why_not_summary

    _one_format(as_json, as_csv)
    uncertainty.check(uncertainty_n, seed, workers, scheduler, as_csv)
    speed_grid, delay_grid = _grid("--speeds", speeds), _grid("--delays", delays)
    if min(speed_grid) < 0.1 or max(speed_grid) >= 11:
        _fail("--speeds: burnout speeds must lie in [0.1, 11) km/s")
    if min(delay_grid) < 0:
        _fail("--delays: decision delays cannot be negative")
    loaded = _load(scenario, add, without, decision_delay, set_, save_scenario)
    try:
        result = deterrence(loaded, speed_grid, delay_grid, interceptor, rcs_m2=rcs_m2)
    except RoofError as error:
        _fail(error)
    robust = None
    if uncertainty_n is not None:
        with uncertainty.executor(workers, scheduler) as pool:
            findings = result.findings()
            robust = uncertainty.run("deterrence", [loaded], uncertainty_n, seed, pool, findings, rcs_m2=rcs_m2)
    if as_json:
        extra = {} if robust is None else {"uncertainty": robust}
        sys.stdout.write(json.dumps({"scenario": loaded.name, **result.to_dict(), **extra}, indent=2) + "\n")
        return
    if as_csv:
        _csv(list(result.pairs[0]) if result.pairs else [], result.pairs)
        return
    for verdict in result.verdicts:
        console.print(shown(verdict["text"]), highlight=False)
    pairs = result.pairs
    engaged = [p for p in pairs if p["engageable"]]
    console.print(
        f"\n{shown(loaded.name)}: {len(engaged)} of {len(pairs)} base-target pairs engageable "
        f"(Russian bases to North American cities, US fields to Russian cities); "
        f"{sum(p['engageable'] for p in result.perfect_cueing.pairs)} with perfect cueing.",
        highlight=False,
    )
    if why_not := why_not_summary(pairs):
        console.print(shown(why_not), highlight=False)
    if engaged:
        rows = [
            [shown(p["direction"]), shown(p["base"]), shown(p["target"]), _fmt(p["best_margin_s"], 0),
             _fmt(p["intercept_alt_km"], 0), shown(", ".join(p["sites"])), shown(", ".join(p["engaged_by_owner"]))]
            for p in engaged
        ]  # fmt: skip
        table, dropped = fitted_table(
            ["direction", "base", "target", "margin s", "alt km", "sites", "owners"],
            rows,
            console.width,
            text={"direction", "base", "target", "sites", "owners"},
            optional=["owners", "alt km"],
            title="Engageable pairs",
            box=box.SIMPLE_HEAD,
            show_edge=False,
        )
        console.print(table)
        if dropped:
            console.print(_not_shown(dropped), highlight=False)
    if result.sites:
        console.print(_threatening_table(result, console.width))
    console.print(
        "Pairs the other side's interceptors engage, by their burnout speed (rows, km/s; limits lifted) "
        "and decision delay (columns, s):",
        highlight=False,
    )
    threatened = {direction for site in result.sites for direction in site["threatens"]}
    for direction, rows in result.sensitivity_by_direction.items():
        if direction not in threatened:
            console.print(f"{direction}: no interceptor here belongs to the other side.\n", highlight=False)
            continue
        perfect = result.perfect_cueing.sensitivity_by_direction[direction]
        console.print(_direction_grid(direction, rows, "own sensors"))
        if [row["engageable_by_other_side"] for row in perfect] == [row["engageable_by_other_side"] for row in rows]:
            console.print(f"{direction}, perfect cueing: the same.\n", highlight=False)
        else:
            console.print(_direction_grid(direction, perfect, "perfect cueing"))
    if robust is not None:
        uncertainty.print_uncertainty(robust)
    else:
        uncertainty.print_hint()


def _threatening_table(result, width: int) -> Table:
    """Each site's threatening speed: with the architecture's sensors, and with perfect cueing."""
    from securityroof.analysis.deterrence import SPEED_LIMIT_KM_S, SPEED_RESOLUTION_KM_S

    threatens = {site["owner"]: " and ".join(site["threatens"]) for site in result.sites}
    title = (
        f"Threatening speed, km/s: the least burnout speed (to {SPEED_RESOLUTION_KM_S:g} km/s, limits lifted) "
        f"at which a site engages an ICBM of the other side (none: not up to {SPEED_LIMIT_KM_S:g} km/s; "
        + "; ".join(f"{owner}: {directions}" for owner, directions in threatens.items())
        + ")"
    )
    delay = f"{result.decision_delay_s:g} s"
    rows = []
    for site in result.sites:
        real, ideal = (
            result.threatening_speed_km_s[site["id"]],
            result.perfect_cueing.threatening_speed_km_s[site["id"]],
        )
        speeds = [real["at_delay"], real["at_zero_delay"], ideal["at_delay"], ideal["at_zero_delay"]]
        rows.append([shown(site["name"]), shown(site["owner"]), *("none" if v is None else f"{v:.1f}" for v in speeds)])
    table, _ = fitted_table(
        ["site", "owner", delay, "0 s", f"perfect {delay}", "perfect 0 s"],
        rows,
        width,
        text={"site", "owner"},
        title=title,
        box=box.SIMPLE_HEAD,
        show_edge=False,
    )
    return table


def _direction_grid(direction: str, rows: list[dict], cueing: str) -> Table:
    """One direction's pairs engaged by the other side's sites, by speed (rows) and delay (columns)."""
    total = rows[0]["total_pairs"] if rows else 0
    grid = Table(title=f"{direction}, {cueing} (of {total} pairs)", box=box.SIMPLE_HEAD)
    grid.add_column("km/s")
    delays = list(dict.fromkeys(row["decision_delay_s"] for row in rows))
    for delay in delays:
        grid.add_column(f"{delay:g}", justify="right")
    cells: dict[float, list[str]] = {}
    for row in rows:
        cells.setdefault(row["burnout_speed_km_s"], []).append(str(row["engageable_by_other_side"]))
    for speed, values in cells.items():
        grid.add_row(f"{speed:g}", *values)
    return grid


@app.command("footprint", rich_help_panel=PANEL)
def footprint_command(
    scenario: Annotated[str, typer.Argument(help="Architecture: scenario file or library name.")],
    threat: Annotated[
        str, typer.Option("--threat", help="A threat id of the scenario: its missile and launch regions.")
    ],
    extent: Annotated[
        str,
        typer.Option("--extent", help="LAT_MIN:LAT_MAX:LON_MIN:LON_MAX, degrees (default Europe and European Russia)."),
    ] = "35:70:-10:60",
    step_deg: Annotated[float, typer.Option("--step-deg", help="Grid spacing, degrees.")] = DEFAULT_STEP_DEG,
    out: Annotated[Path | None, typer.Option("--out", help="Write the grid as Parquet.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    add: Add = None,
    without: Without = None,
    decision_delay: DecisionDelay = None,
    set_: Set = None,
    save_scenario: SaveScenario = None,
) -> None:
    """Which aim points of a region the architecture defends against one of its threats."""
    import pyarrow.parquet as pq

    from securityroof.analysis.footprint import footprint, footprint_summary
    from securityroof.analysis.provenance import footprint_metadata

    try:
        bounds = tuple(float(v) for v in extent.split(":"))
    except ValueError:
        _fail(f"--extent: expected LAT_MIN:LAT_MAX:LON_MIN:LON_MAX in degrees, got {extent!r}")
    if len(bounds) != 4:
        _fail(f"--extent: expected LAT_MIN:LAT_MAX:LON_MIN:LON_MAX in degrees, got {extent!r}")
    if out is not None and out.suffix.lower() != ".parquet":
        _fail(f"--out: {out} must end in .parquet")
    if out is not None:
        _output_file("--out", out)
    loaded = _load(scenario, add, without, decision_delay, set_, save_scenario)
    try:
        table = footprint(loaded, threat, bounds, step_deg)
    except RoofError as error:
        _fail(error)
    if out is not None:
        clean_leftovers(out)
        try:
            with atomic_path(out) as tmp:
                pq.write_table(table.replace_schema_metadata(footprint_metadata(loaded, threat)), tmp)
        except OutputError as error:
            _fail(f"--out: {error}")
    cells = table.to_pylist()
    counted = footprint_summary(table)
    threatened, defended = counted["cells_threatened"], counted["cells_defended"]
    summary = {
        "scenario": loaded.name,
        "threat": threat,
        "extent_deg": list(bounds),
        "step_deg": step_deg,
        **counted,
    }
    if as_json:
        payload = {**summary, "cells": [_json_cell(c) for c in cells]}
        sys.stdout.write(json.dumps(payload) + "\n")
        return
    share = "—" if summary["defended_share"] is None else f"{summary['defended_share']:.0%}"
    console.print(
        f"{shown(loaded.name)} against {shown(threat)}: {defended} of {threatened} threatened cells defended ({share}) "
        f"on a {step_deg:g}° grid of {len(cells)} cells" + (f"; written to {shown(out)}" if out else ""),
        highlight=False,
    )


def _json_cell(cell: dict) -> dict:
    altitude = cell["intercept_alt_km"]
    return {**cell, "intercept_alt_km": None if altitude is None or not math.isfinite(altitude) else altitude}


@app.command("assess-test", rich_help_panel=PANEL)
def assess_test_command(
    range_km: Annotated[float, typer.Option("--range-km", help="Ground range of the lofted test, km.")],
    apogee_km: Annotated[float, typer.Option("--apogee-km", help="Apogee of the test, km.")],
    flight_time_min: Annotated[
        float | None, typer.Option("--flight-time-min", help="Published flight time, minutes (shown beside ours).")
    ] = None,
    test_class: Annotated[
        str,
        typer.Option(
            "--class",
            help="The test's class, whose boost is assumed: liquid-1-stage, liquid-2-stage, solid-2-stage or "
            "solid-3-stage (data/catalog/test-classes.toml).",
        ),
    ] = DEFAULT_TEST_CLASS,
    burn_time_s: Annotated[
        float | None,
        typer.Option(
            "--burn-time-s",
            help=f"Boost model: burn time, s (default: the class's; {DEFAULT_TEST_CLASS} {DEFAULT_BURN_TIME_S:g} s).",
        ),
    ] = None,
    burnout_altitude_km: Annotated[
        float | None,
        typer.Option(
            "--burnout-altitude-km",
            help=f"Boost model: nominal burnout altitude, km (default: the class's; {DEFAULT_TEST_CLASS} "
            f"{DEFAULT_BURNOUT_ALTITUDE_KM:g} km).",
        ),
    ] = None,
    lat_deg: Annotated[
        float, typer.Option("--lat-deg", help="Launch latitude for the rotating-Earth ranges.")
    ] = DEFAULT_LATITUDE_DEG,
    missile_toml: Annotated[
        str | None,
        typer.Option("--missile-toml", help="Print a \\[\\[missile]] table NAME for a scenario file instead."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """What range a missile would reach on a standard trajectory, from a lofted test's range and apogee."""
    from securityroof.analysis.assess import HALF_GLOBE_KM, AssessmentError, assess_test
    from securityroof.analysis.trajectories import IDEAL
    from securityroof.model.catalog import load_catalog

    if missile_toml is not None and not re.fullmatch(r"[a-z0-9][a-z0-9-]*", missile_toml):
        _fail(f"--missile-toml: {missile_toml!r} must be lowercase letters, digits and hyphens")
    if missile_toml == IDEAL:
        _fail(f"--missile-toml: {IDEAL!r} is reserved for the ideal missile; choose another name")
    if missile_toml is not None and (kind := load_catalog().kind_of(missile_toml)) is not None:
        # in a scenario, a [[missile]] under a catalog name changes that class (or is refused): not a new class
        _fail(f"--missile-toml: {missile_toml!r} is already a catalog {kind}; choose another name")
    try:
        result = assess_test(
            range_km,
            apogee_km,
            flight_time_min,
            burn_time_s=burn_time_s,
            burnout_altitude_km=burnout_altitude_km,
            latitude_deg=lat_deg,
            test_class_name=test_class,
        )
    except AssessmentError as error:
        _fail(error)
    if missile_toml is not None:
        try:
            sys.stdout.write(result.missile_toml(missile_toml) + "\n")
        except AssessmentError as error:
            _fail(error)
        return
    record = result.to_dict()
    if as_json:
        sys.stdout.write(json.dumps(record, indent=2) + "\n")
        return
    table = Table(title=f"Lofted test: {range_km:,.0f} km range, {apogee_km:,.0f} km apogee", box=box.SIMPLE_HEAD)
    for column in ("model", "test burnout km/s", "max range km", "east km", "west km"):
        table.add_column(column, justify="right")
    table.add_row(
        "free flight only",
        f"{record['burnout_speed_km_s']:.2f}",
        f"{record['free_flight_max_range_km']:,.0f}",
        f"{record['free_flight_max_range_east_km']:,.0f}",
        f"{record['free_flight_max_range_west_km']:,.0f}",
    )
    table.add_row(
        "boost model (Δv, gravity losses)",
        f"{record['boost_model_burnout_speed_km_s']:.2f}",
        f"{record['boost_model_max_range_km']:,.0f}",
        f"{record['boost_model_max_range_east_km']:,.0f}",
        f"{record['boost_model_max_range_west_km']:,.0f}",
    )
    console.print(table)
    times = (
        f"test flight time: free flight {record['free_flight_time_s'] / 60:.1f} min, "
        f"boost model {record['boost_model_flight_time_s'] / 60:.1f} min"
    )
    if record["test_flight_time_s"] is not None:
        times += f", published {record['test_flight_time_s'] / 60:.1f} min"
    console.print(times, highlight=False)
    if record["free_flight_reaches_anywhere"] or record["boost_model_reaches_anywhere"]:
        console.print(
            f"A maximum range beyond {HALF_GLOBE_KM:,.0f} km, half the globe, means any point on Earth is in reach.",
            highlight=False,
        )
    band, assumed = record["range_band_km"], record["assumptions"]
    burn_low, burn_high = assumed["burn_time_s_range"]
    altitude_low, altitude_high = assumed["burnout_altitude_km_range"]
    console.print(
        f"Standard-trajectory range: {band['point']:,.0f} km (band {band['low']:,.0f}–{band['high']:,.0f} km over "
        f"burn time {burn_low:g}–{burn_high:g} s and burnout altitude {altitude_low:g}–{altitude_high:g} km, "
        f"class {record['test_class']})",
        highlight=False,
    )
    console.print(
        f"max range: non-rotating sphere; east/west: rotating WGS84 from {lat_deg:g}° latitude. "
        f"Boost model: {record['burn_time_s']:g} s burn, "
        f"{record['burnout_altitude_km']:g} km nominal burnout (assumed), "
        f"ideal Δv {record['boost_model_delta_v_km_s']:.2f} km/s; no drag.",
        highlight=False,
    )


def _check_sharing(sharing: str | None) -> None:
    """``--sharing``: a policy of the scenario format's, but ``pairs``, whose list only a file gives."""
    from securityroof.model.scenario import POLICIES

    choices = [policy for policy in POLICIES if policy != "pairs"]
    if sharing is not None and sharing not in choices:
        _fail(f"--sharing: {sharing!r} is not a policy; choose {', '.join(choices[:-1])} or {choices[-1]}")
