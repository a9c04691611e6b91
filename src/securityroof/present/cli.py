"""The ``roof`` command: typer for the interface, rich for what people read.

Every user error ends in one line on stderr naming the field and the reason, and exit code 2;
a run stopped by what it ran on (a dead worker process, a lost Dask scheduler) ends the same way
with exit code 1. An aim point out of a missile's reach is a result, printed like any other.
"""

from __future__ import annotations

import json
import logging
import math
import re
import sys
import time
from pathlib import Path
from typing import Annotated

import numpy as np
import pyarrow.parquet as pq
import typer
from rich import box
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from securityroof._version import __version__
from securityroof.analysis.assess import (
    DEFAULT_BURN_TIME_S,
    DEFAULT_BURNOUT_ALTITUDE_KM,
    DEFAULT_LATITUDE_DEG,
    HALF_GLOBE_KM,
    AssessmentError,
    assess_test,
)
from securityroof.analysis.batch import BatchError, run_batch
from securityroof.analysis.compare import compare
from securityroof.analysis.deterrence import deterrence, why_not_summary
from securityroof.analysis.engage import engage
from securityroof.analysis.footprint import DEFAULT_STEP_DEG, footprint
from securityroof.analysis.sweep import WORKER_WAIT_S, SweepError, connect, load_sweep, query, run_sweep
from securityroof.analysis.trajectories import IDEAL, InputError, trajectory
from securityroof.errors import OutputError, RoofError, WorkerError
from securityroof.io.atomic import atomic_path, clean_leftovers
from securityroof.model.catalog import CatalogError, load_catalog
from securityroof.model.scenario import ScenarioError, library, load_scenario
from securityroof.physics.targeting import HIT_TOLERANCE_M, coincident
from securityroof.present.maps import draw_map
from securityroof.present.plots import plot_outcome
from securityroof.present.report import write_report
from securityroof.present.terminal import shown


class _Roof(typer.Typer):
    """The ``roof`` app. Commands check their options and name them in their errors; an input error
    found deeper (a sampling step too fine for a scenario's threats, say) ends the same way, as one
    line and exit code 2, not as a traceback."""

    def __call__(self, *args, **kwargs):
        try:
            return super().__call__(*args, **kwargs)
        except RoofError as error:
            _error_lines(error)
            raise SystemExit(_exit_code(error)) from None


app = _Roof(
    help="securityroof: kinematic analysis of joint missile-defense architectures ('one security roof').",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
errors = Console(stderr=True)


def _error_line(message: str) -> None:
    # messages quote user input (paths, names, keys of a file): shown, so it prints as typed
    errors.print(f"[bold red]error:[/] {shown(message)}", highlight=False, soft_wrap=True)


def _error_lines(problem: str | RoofError) -> None:
    # a scenario's or a sweep's problems are one line each; a newline inside one is user text, shown
    for message in getattr(problem, "messages", None) or [str(problem)]:
        _error_line(message)


def _fail(problem: str | RoofError, code: int = 2) -> None:
    _error_lines(problem)
    raise typer.Exit(code=code)


def _exit_code(error: RoofError) -> int:
    # 2: the input or output needs changing; 1: what the run ran on failed, and running it again may do
    return 1 if isinstance(error, WorkerError) else 2


def _output_file(option: str, path: Path) -> None:
    """Stop before any work if ``path`` cannot be written as a file."""
    if path.is_dir():
        _fail(f"{option}: {path} is a directory; give a file name")
    if not path.parent.is_dir():
        _fail(f"{option}: {path.parent} is not an existing directory")


def _output_directory(option: str, path: Path) -> None:
    """Stop before any work if ``path`` cannot be used as an output directory (made if missing)."""
    if path.exists() and not path.is_dir():
        _fail(f"{option}: {path} is a file, not a directory")


def _parse_point(option: str, text: str) -> tuple[float, float]:
    parts = text.split(",")
    if len(parts) != 2:
        _fail(f"{option}: expected LAT,LON in decimal degrees (e.g. 35.7,51.4), got {text!r}")
    try:
        lat, lon = (float(p) for p in parts)
    except ValueError:
        _fail(f"{option}: expected LAT,LON in decimal degrees (e.g. 35.7,51.4), got {text!r}")
    if not (math.isfinite(lat) and -90.0 <= lat <= 90.0):
        _fail(f"{option}: latitude {parts[0].strip()} is outside [-90, 90]")
    if not (math.isfinite(lon) and -180.0 <= lon <= 360.0):
        _fail(f"{option}: longitude {parts[1].strip()} is outside [-180, 360]")
    return lat, lon


def _version(value: bool) -> None:
    if value:
        console.print(f"securityroof {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """securityroof: kinematic analysis of joint missile-defense architectures."""


def _fmt(value, digits: int = 1) -> str:
    # + 0.0 turns a negative zero (an ideal missile's burnout altitude) into 0.0
    return "—" if value is None else f"{value + 0.0:,.{digits}f}"


@app.command("trajectory")
def trajectory_command(
    from_: Annotated[str | None, typer.Option("--from", help="Launch point LAT,LON (degrees).")] = None,
    to: Annotated[str | None, typer.Option("--to", help="Aim point LAT,LON (degrees).")] = None,
    missile: Annotated[str | None, typer.Option("--missile", help="Missile class from `roof catalog`.")] = None,
    min_energy: Annotated[
        bool,
        typer.Option(
            "--min-energy", help="Minimum-energy trajectory; without --missile, the ideal missile of the textbook case."
        ),
    ] = False,
    burnout_angle: Annotated[
        float | None,
        typer.Option(
            "--burnout-angle", help="Burnout flight-path angle above the local horizontal, degrees (lofted/depressed)."
        ),
    ] = None,
    earth: Annotated[str, typer.Option("--earth", help="Earth figure: wgs84 or sphere.")] = "wgs84",
    no_rotation: Annotated[bool, typer.Option("--no-rotation", help="Non-rotating Earth.")] = False,
    j2: Annotated[bool, typer.Option("--j2", help="Add the J2 (oblateness) term to gravity.")] = False,
    step_s: Annotated[
        float | None, typer.Option("--step-s", help="Also sample the trajectory every S seconds.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    batch: Annotated[Path | None, typer.Option("--batch", help="CSV of launch/aim pairs to compute in bulk.")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Where --batch writes results (.parquet or .csv).")] = None,
    workers: Annotated[
        int | None,
        typer.Option("--workers", help="Processes for --batch (default: one; its compiled kernels use every core)."),
    ] = None,
) -> None:
    """Target one missile from a launch point to an aim point (or many, with --batch)."""
    if earth not in ("wgs84", "sphere"):
        _fail(f"--earth: {earth!r} is not a model; choose wgs84 or sphere")
    if min_energy and burnout_angle is not None:
        _fail("--burnout-angle: cannot be combined with --min-energy (one fixes the angle, the other optimises it)")
    if burnout_angle is not None and not (0.0 < burnout_angle < 90.0):
        _fail(f"--burnout-angle: {burnout_angle:g} must lie strictly between 0 and 90 degrees")
    if step_s is not None and not (math.isfinite(step_s) and step_s > 0.0):
        _fail(f"--step-s: {step_s:g} must be a positive number of seconds")
    if workers is not None and batch is None:
        _fail(f"--workers: {workers} is only used with --batch")
    if workers is not None and workers < 1:
        _fail(f"--workers: {workers} must be at least 1")
    missile_name = missile if missile is not None else IDEAL
    if missile is not None and missile != IDEAL:  # 'ideal' as in a batch file's missile column
        try:
            load_catalog().missile(missile)
        except CatalogError as error:
            _fail(f"--missile: {str(error).removeprefix('missile: ')}")
    options = dict(burnout_angle_deg=burnout_angle, earth=earth, rotating=not no_rotation, j2=j2)

    if batch is not None:
        if from_ is not None or to is not None:
            _fail("--batch: takes its launch and aim points from the file; drop --from/--to")
        for option, given in (("--step-s", step_s is not None), ("--json", as_json)):
            if given:
                _fail(f"{option}: not used with --batch (the results file holds the summaries)")
        if out is None:
            _fail("--out: --batch needs an output file (.parquet or .csv)")
        _output_file("--out", out)
        if out.resolve() == batch.resolve():
            _fail(f"--out: {out} is the --batch file; write the results elsewhere")
        progress = Progress(
            TextColumn("[bold]targeting"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
            console=errors, transient=True,
        )  # fmt: skip
        task = progress.add_task("targeting", total=None)
        try:
            with progress:
                summary = run_batch(
                    batch, out, missile=missile_name, workers=workers,
                    progress=lambda done, total: progress.update(task, completed=done, total=total), **options,
                )  # fmt: skip
        except (BatchError, InputError) as error:
            _fail(str(error))
        except OutputError as error:
            _fail(f"--out: {error}")
        except WorkerError as error:
            _fail(f"{error}; {out} is unchanged", code=1)
        console.print(
            f"{summary.rows:,} trajectories ({summary.reachable:,} reachable) written to {shown(out)} "
            f"in {summary.seconds:.1f} s ({summary.rows / max(summary.seconds, 1e-9):,.0f} per second)"
        )
        return

    if from_ is None or to is None:
        _fail("--from and --to: both are needed (LAT,LON in degrees), or give --batch PAIRS.csv")
    if out is not None:
        _fail("--out: only used with --batch")
    launch, aim = _parse_point("--from", from_), _parse_point("--to", to)
    if coincident(*launch, *aim):
        _fail(f"--to: the aim point is the launch point (closer than {HIT_TOLERANCE_M:g} m)")
    try:
        result = trajectory(launch, aim, missile=missile_name, step_s=step_s, **options)
    except InputError as error:
        _fail(re.sub(r"^step_s:", "--step-s:", str(error)))

    if as_json:
        sys.stdout.write(json.dumps(result.to_dict(), indent=2) + "\n")
        return
    _print_trajectory(result.to_dict())


def _print_trajectory(record: dict) -> None:
    table = Table(title="Trajectory", show_header=False, title_justify="left")
    table.add_column("quantity", style="bold")
    table.add_column("value", justify="right")
    rows = [
        ("missile", shown(record["missile"])),
        ("launch", f"{record['launch_lat_deg']:.4f}, {record['launch_lon_deg']:.4f}"),
        ("aim", f"{record['aim_lat_deg']:.4f}, {record['aim_lon_deg']:.4f}"),
        ("ground range", f"{_fmt(record['ground_range_km'])} km"),
        ("reachable", "yes" if record["reachable"] else f"[red]no[/]: {shown(record['reason'])}"),
    ]
    if record["reachable"]:
        rows += [
            ("flight time", f"{_fmt(record['flight_time_s'])} s ({record['flight_time_s'] / 60:.1f} min)"),
            ("apogee", f"{_fmt(record['apogee_km'])} km"),
            ("burnout speed", f"{_fmt(record['burnout_speed_km_s'], 3)} km/s"),
            ("burnout angle", f"{_fmt(record['burnout_angle_deg'], 2)}°"),
            ("burnout time", f"{_fmt(record['burnout_time_s'])} s"),
            ("burnout altitude", f"{_fmt(record['burnout_altitude_km'])} km"),
            ("impact", f"{record['impact_lat_deg']:.4f}, {record['impact_lon_deg']:.4f}"),
            ("miss distance", f"{record['miss_distance_m']:.3f} m"),
        ]
    rows.append(
        ("model", f"{record['earth']}, {record['gravity']}, {'rotating' if record['rotating'] else 'non-rotating'}")
    )
    for name, value in rows:
        table.add_row(name, str(value))
    console.print(table)
    samples = record.get("samples")
    if samples:
        sampled = Table(title="Samples")
        for column in ("t (s)", "lat (°)", "lon (°)", "alt (km)", "speed (km/s)", "phase"):
            sampled.add_column(column, justify="right")
        for s in samples:
            sampled.add_row(
                f"{s['time_s']:.1f}",
                f"{s['lat_deg']:.3f}",
                f"{s['lon_deg']:.3f}",
                f"{s['alt_km']:.1f}",
                f"{s['speed_km_s']:.3f}",
                s["phase"],
            )
        console.print(sampled)


@app.command("catalog")
def catalog_command(
    kind: Annotated[
        str, typer.Option("--kind", help="missile, radar, satellite, interceptor, city or base.")
    ] = "missile",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List catalog entries (missile classes by default), with their sources."""
    catalog = load_catalog()
    if kind not in catalog.entries:
        _fail(f"--kind: {kind!r} is not a catalog kind; choose {', '.join(catalog.entries)}")
    entries = list(catalog.entries[kind].values())
    if as_json:
        sys.stdout.write(
            json.dumps({f"{kind}s" if kind != "city" else "cities": [e.model_dump() for e in entries]}, indent=2) + "\n"
        )
        return
    if kind != "missile":
        table = Table(title=f"Catalog: {kind} entries (public estimates)", show_lines=True)
        for column in ("name", "label", "source", "note"):
            table.add_column(column, overflow="fold")
        for e in entries:
            table.add_row(shown(e.name), shown(e.label), shown(e.source), shown(e.note))
        console.print(table)
        return
    missiles = entries
    table = Table(title="Missile classes (public estimates)", show_lines=True)
    for column in ("name", "class", "range km", "burn s", "burnout km/s", "burnout alt km", "source"):
        table.add_column(column, overflow="fold")
    for m in missiles:
        table.add_row(
            shown(m.name),
            shown(m.label),
            f"{m.range_km:,.0f}",
            f"{m.burn_time_s:g}",
            f"{m.burnout_speed_km_s:.2f}",
            f"{m.burnout_altitude_km:g}",
            shown(m.source),
        )
    console.print(table)


@app.command("demo")
def demo_command(
    out: Annotated[Path, typer.Option("--out", help="Where to write the report.")] = Path("roof-report"),
) -> None:
    """The built-in demo: compare EPAA phase 3 with the joint NATO-Russia architecture and write the report."""
    names = ["epaa-phase-3", "joint-lisbon"]
    _output_directory("--out", out)
    path = _report([_load(name) for name in names], out, None)
    console.print(f"Open {shown(path.resolve())} in a browser (it needs no network).", highlight=False)


@app.command("report")
def report_command(
    scenarios: Annotated[list[str], typer.Argument(help="Architectures: scenario files or library names.")],
    out: Annotated[Path, typer.Option("--out", help="Directory for index.html and its images and grids.")],
    threat: Annotated[
        str | None, typer.Option("--threat", help="Threat for the defended footprint (default: the Iranian IRBM).")
    ] = None,
) -> None:
    """Write a self-contained HTML report: comparison, maps, engagements, footprint, deterrence, sources."""
    _output_directory("--out", out)
    path = _report([_load(name) for name in scenarios], out, threat)
    console.print(f"report written to {shown(path)}", highlight=False)


def _report(loaded, out: Path, threat: str | None) -> Path:
    names = [scenario.name for scenario in loaded]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:  # each scenario's section and files are named after it
        _fail(f"scenarios: {', '.join(repeated)} given more than once (by name)")
    if threat is not None and not threat.strip():
        _fail("--threat: empty; leave it out for the default threat")
    steps = 1 + 4 * len(loaded) + 1
    progress = Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), console=errors, transient=True
    )
    try:
        with progress:
            task = progress.add_task("report", total=steps)

            def step(message: str) -> None:
                progress.update(task, description=shown(message), advance=1)

            return write_report(loaded, out, threat=threat, progress=step)
    except OutputError as error:
        _fail(f"--out: {error}")
    except ValueError as error:
        _fail(f"--threat: {str(error).removeprefix('threat: ')}")


def _load(scenario: str):
    """A scenario by path or library name, or exit with every problem printed."""
    try:
        return load_scenario(scenario)
    except ScenarioError as error:
        _fail(error)  # every problem at once, so a file is fixed in one pass
    except CatalogError as error:
        _fail(str(error))


#: assess_test's field names as the command's options, for error messages.
_ASSESS_OPTIONS = {
    "range_km": "--range-km",
    "apogee_km": "--apogee-km",
    "flight_time_min": "--flight-time-min",
    "burn_time_s": "--burn-time-s",
    "burnout_altitude_km": "--burnout-altitude-km",
    "latitude_deg": "--lat-deg",
}


@app.command("assess-test")
def assess_test_command(
    range_km: Annotated[float, typer.Option("--range-km", help="Ground range of the lofted test, km.")],
    apogee_km: Annotated[float, typer.Option("--apogee-km", help="Apogee of the test, km.")],
    flight_time_min: Annotated[
        float | None, typer.Option("--flight-time-min", help="Published flight time, minutes (shown beside ours).")
    ] = None,
    burn_time_s: Annotated[
        float, typer.Option("--burn-time-s", help="Boost model: burn time (default: APS 2003 solid ICBM).")
    ] = DEFAULT_BURN_TIME_S,
    burnout_altitude_km: Annotated[
        float, typer.Option("--burnout-altitude-km", help="Boost model: nominal burnout altitude, km.")
    ] = DEFAULT_BURNOUT_ALTITUDE_KM,
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
    if missile_toml is not None and not re.fullmatch(r"[a-z0-9][a-z0-9-]*", missile_toml):
        _fail(f"--missile-toml: {missile_toml!r} must be lowercase letters, digits and hyphens")
    if missile_toml == IDEAL:
        _fail(f"--missile-toml: {IDEAL!r} is reserved for the ideal missile; choose another name")
    if missile_toml is not None and (kind := load_catalog().kind_of(missile_toml)) is not None:
        # a scenario refuses a [[missile]] that shadows a catalog entry: its threats would be ambiguous
        _fail(f"--missile-toml: {missile_toml!r} is already a catalog {kind}; choose another name")
    try:
        result = assess_test(
            range_km,
            apogee_km,
            flight_time_min,
            burn_time_s=burn_time_s,
            burnout_altitude_km=burnout_altitude_km,
            latitude_deg=lat_deg,
        )
    except AssessmentError as error:
        field, _, reason = str(error).partition(": ")
        _fail(f"{_ASSESS_OPTIONS.get(field, field)}: {reason}")
    if missile_toml is not None:
        try:
            sys.stdout.write(result.missile_toml(missile_toml) + "\n")
        except AssessmentError as error:
            _fail(f"--missile-toml: {str(error).removeprefix('missile_toml: ')}")
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
    console.print(
        f"max range: non-rotating sphere; east/west: rotating WGS84 from {lat_deg:g}° latitude. "
        f"Boost model: {burn_time_s:g} s burn, {burnout_altitude_km:g} km nominal burnout (assumed), "
        f"ideal Δv {record['boost_model_delta_v_km_s']:.2f} km/s; no drag.",
        highlight=False,
    )


@app.command("compare")
def compare_command(
    scenarios: Annotated[list[str], typer.Argument(help="Architectures: scenario files or library names.")],
    sharing: Annotated[
        str | None,
        typer.Option("--sharing", help="Run every architecture under this policy: none, within-party or all."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Compare architectures on the same threats: what each defends, and what each party adds."""
    if sharing is not None and sharing not in ("none", "within-party", "all"):
        _fail(f"--sharing: {sharing!r} is not a policy; choose none, within-party or all")
    loaded = [_load(name) for name in scenarios]
    result = compare(loaded, sharing=sharing)
    if as_json:
        sys.stdout.write(json.dumps(result, indent=2) + "\n")
        return
    table = Table(
        title="Architectures on the same threats" if result["same_threats"] else "Architectures", box=box.SIMPLE_HEAD
    )
    for column in ("architecture", "sharing", "engageable", "share", "shots", "alt km", "protected pop.", "without"):
        table.add_column(column, justify="right" if column not in ("architecture", "sharing", "without") else "left")
    for entry in result["architectures"]:
        share = "—" if entry["protected_share"] is None else f"{entry['protected_share']:.0%}"
        without = ", ".join(
            f"{party}: {'—' if value is None else f'{value:.0%}'}" for party, value in entry["without_party"].items()
        )
        table.add_row(
            shown(entry["name"]),
            shown(entry["sharing"]),
            f"{entry['threats_engageable']}/{entry['threats_total']}",
            share,
            str(entry["shot_opportunities"]),
            _fmt(entry["earliest_intercept_alt_km_median"], 0),
            f"{entry['protected_population']:,}",
            shown(without),
        )
    console.print(table)
    console.print(
        "engageable: threat trajectories (in the missile's range) with a feasible engagement; alt: median altitude "
        "of the earliest intercept; protected pop.: catalog cities every reachable shot at which is engageable; "
        "without: protected share with that party's assets removed.",
        highlight=False,
    )
    if not result["same_threats"]:
        console.print("[yellow]note:[/] these architectures do not share one threat set; compare with care.")


def _grid(option: str, text: str) -> list[float]:
    """START:STOP:STEP, inclusive of STOP (e.g. 3:9:0.5), or a single number."""
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


@app.command("footprint")
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
) -> None:
    """Which aim points of a region the architecture defends against one of its threats."""
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
    loaded = _load(scenario)
    try:
        table = footprint(loaded, threat, bounds, step_deg)
    except ValueError as error:
        _fail(f"--{str(error).replace('step_deg', 'step-deg')}")
    if out is not None:
        clean_leftovers(out)
        try:
            with atomic_path(out) as tmp:
                pq.write_table(table.replace_schema_metadata({"scenario": loaded.name, "threat": threat}), tmp)
        except OutputError as error:
            _fail(f"--out: {error}")
    cells = table.to_pylist()
    threatened = sum(c["threatened"] for c in cells)
    defended = sum(c["defended"] for c in cells)
    summary = {
        "scenario": loaded.name,
        "threat": threat,
        "extent_deg": list(bounds),
        "step_deg": step_deg,
        "cells_total": len(cells),
        "cells_threatened": threatened,
        "cells_defended": defended,
        "defended_share": defended / threatened if threatened else None,
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


@app.command("map")
def map_command(
    scenario: Annotated[str, typer.Argument(help="Architecture: scenario file or library name.")],
    out: Annotated[Path, typer.Option("--out", help="Image to write: .png or .svg.")],
    threat: Annotated[
        str | None, typer.Option("--threat", help="Shade the defended footprint against this threat of the scenario.")
    ] = None,
) -> None:
    """Draw an architecture (assets, radar coverage, interceptor reach, threat tracks, footprint) offline."""
    if out.suffix.lower() not in (".png", ".svg"):
        _fail(f"--out: {out} must end in .png or .svg")
    _output_file("--out", out)
    loaded = _load(scenario)
    grid = None
    if threat is not None:
        try:
            grid = footprint(loaded, threat)
        except ValueError as error:
            _fail(f"--{error}")
    try:
        draw_map(loaded, out, footprint=grid)
    except OutputError as error:
        _fail(f"--out: {error}")
    console.print(f"map of {shown(loaded.name)} written to {shown(out)}", highlight=False)


@app.command("deterrence")
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
) -> None:
    """The deterrence check: can this architecture engage strategic ICBMs between Russia and North America?"""
    speed_grid, delay_grid = _grid("--speeds", speeds), _grid("--delays", delays)
    if min(speed_grid) < 0.1 or max(speed_grid) >= 11:
        _fail("--speeds: burnout speeds must lie in [0.1, 11) km/s")
    if min(delay_grid) < 0:
        _fail("--delays: decision delays cannot be negative")
    loaded = _load(scenario)
    try:
        result = deterrence(loaded, speed_grid, delay_grid, interceptor, rcs_m2=rcs_m2)
    except ValueError as error:
        _fail(f"--{error}")
    if as_json:
        sys.stdout.write(json.dumps({"scenario": loaded.name, **result}, indent=2) + "\n")
        return
    pairs = result["pairs"]
    engaged = [p for p in pairs if p["engageable"]]
    console.print(
        f"{shown(loaded.name)}: {len(engaged)} of {len(pairs)} base-target pairs engageable "
        f"(Russian bases to North American cities, US fields to Russian cities).",
        highlight=False,
    )
    if why_not := why_not_summary(pairs):
        console.print(shown(why_not), highlight=False)
    if engaged:
        table = Table(title="Engageable pairs", box=box.SIMPLE_HEAD)
        for column in ("base", "target", "margin s", "alt km", "sites"):
            table.add_column(column)
        for p in engaged:
            table.add_row(
                shown(p["base"]),
                shown(p["target"]),
                _fmt(p["best_margin_s"], 0),
                _fmt(p["intercept_alt_km"], 0),
                shown(", ".join(p["sites"])),
            )
        console.print(table)
    grid = Table(
        title="Engageable pairs by interceptor burnout speed (rows, km/s) and decision delay (columns, s)",
        box=box.SIMPLE_HEAD,
    )
    grid.add_column("km/s")
    for delay in delay_grid:
        grid.add_column(f"{delay:g}", justify="right")
    for speed in speed_grid:
        cells = [str(s["engageable_pairs"]) for s in result["sensitivity"] if s["burnout_speed_km_s"] == speed]
        grid.add_row(f"{speed:g}", *cells)
    console.print(grid)


@app.command("sweep")
def sweep_command(
    sweep: Annotated[str, typer.Argument(help="Sweep file, or a library sweep from `roof scenarios`.")],
    out: Annotated[Path, typer.Option("--out", help="Directory for the results (resumed if it holds some).")],
    workers: Annotated[
        int | None, typer.Option("--workers", help="Local worker processes (default: one per core).")
    ] = None,
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", help="A Dask scheduler address (tcp://HOST:8786) to run on instead.")
    ] = None,
    wait_workers: Annotated[
        float,
        typer.Option(
            "--wait-workers",
            help="Seconds to wait for the --scheduler to have a worker, at the start or once all have left.",
        ),
    ] = WORKER_WAIT_S,
) -> None:
    """Run every variant of a sweep (or resume it), in parallel, into a Parquet dataset."""
    if workers is not None and workers < 1:
        _fail(f"--workers: {workers} must be at least 1")
    if not (math.isfinite(wait_workers) and wait_workers > 0):
        _fail(f"--wait-workers: {wait_workers:g} must be a positive number of seconds")
    _output_directory("--out", out)
    try:
        loaded = load_sweep(sweep)
    except SweepError as error:
        _fail(error)
    total = len(loaded.variants())
    progress = Progress(
        TextColumn("[bold]variants"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(), console=errors, transient=True,
        disable=not errors.is_terminal,  # off a terminal it only printed an empty line
    )  # fmt: skip
    executor = None
    try:
        if scheduler is not None:
            # a lost scheduler is one line, not the Dask client's reconnection tracebacks logged on
            # the way (securityroof itself logs nothing)
            logging.disable(logging.CRITICAL)
            executor = connect(scheduler, wait_workers)
        started = time.perf_counter()
        with progress:
            task = progress.add_task("variants", total=total, rate="")

            def advance(done: int, of: int) -> None:
                rate = done / max(time.perf_counter() - started, 1e-9)
                progress.update(task, completed=done, rate=f"{rate:.1f}/s")

            result = run_sweep(loaded, out, executor=executor, workers=workers, progress=advance)
    except RoofError as error:  # a bad --out as well: busy, unwritable, or another sweep's
        _fail(error, code=_exit_code(error))
    finally:
        if executor is not None:
            executor.shutdown(wait=False)
        logging.disable(logging.NOTSET)
    console.print(
        f"{shown(loaded.spec.name)}: {result['variants_done']} of {total} variants in {shown(out)}"
        f" ({len(result['failures'])} failed)",
        highlight=False,
    )
    for failure in result["failures"][:10]:
        console.print(f"  failed {shown(failure['variant_id'])}: {shown(failure['error'])}", highlight=False)


@app.command("sweep-plot")
def sweep_plot_command(
    directory: Annotated[Path, typer.Argument(help="A sweep's results directory.")],
    out: Annotated[Path, typer.Option("--out", help="Image to write (.png or .svg).")],
    outcome: Annotated[str, typer.Option("--outcome", help="Which outcome to plot.")] = "protected_share",
    subject: Annotated[str, typer.Option("--subject", help="Its subject: all, a city, a threat.")] = "all",
) -> None:
    """Plot a sweep's outcome against each swept axis, with the spread over the other axes."""
    if out.suffix.lower() not in (".png", ".svg"):
        _fail(f"--out: {out} must end in .png or .svg")
    _output_file("--out", out)
    if not (directory / "sweep.json").exists():
        _fail(f"{directory}: not a sweep results directory (no sweep.json)")
    try:
        plot_outcome(directory, outcome, subject, out)
    except SweepError as error:
        _fail(error)
    except OutputError as error:
        _fail(f"--out: {error}")
    console.print(f"plot written to {shown(out)}", highlight=False)


def _json_value(value, replaced: list[int]):
    """``value`` with every NaN and infinity in it, however deep in lists and structs, as None (counted):
    JSON has no NaN, and a value SQL leaves undefined is null, like a missing one."""
    if isinstance(value, float) and not math.isfinite(value):
        replaced[0] += 1
        return None
    if isinstance(value, dict):  # a STRUCT, or a MAP, whose keys may be any value
        return {_json_key(k, replaced): _json_value(v, replaced) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_value(v, replaced) for v in value]
    return value


def _json_key(key, replaced: list[int]):
    if isinstance(key, float) and not math.isfinite(key):
        replaced[0] += 1
        return None  # written as "null"
    return key if key is None or isinstance(key, str | int | float) else str(key)


@app.command("query")
def query_command(
    directory: Annotated[Path, typer.Argument(help="A sweep's results directory.")],
    sql: Annotated[str, typer.Argument(help="SQL over the view `results` (DuckDB).")],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON rows (NaN and infinite numbers as null).")
    ] = False,
) -> None:
    """Ask a sweep's results a question in SQL, e.g. below which speed a city stops being protected.
    The SQL sees the results only: it cannot read or write files, attach databases or install extensions."""
    if not sql.strip():
        _fail('query: empty; e.g. "select outcome, avg(value) from results group by outcome"')
    try:
        relation = query(directory, sql)
        columns = relation.columns
        rows = relation.fetchall()
    except SweepError as error:
        _fail(error)
    except Exception as error:  # noqa: BLE001 - DuckDB's parser and binder errors, shown on one line
        _fail(f"query: {str(error).splitlines()[0]}")
    if as_json:
        replaced = [0]
        records = [{c: _json_value(v, replaced) for c, v in zip(columns, row, strict=True)} for row in rows]
        sys.stdout.write(json.dumps(records, default=str, allow_nan=False) + "\n")
        if replaced[0]:
            errors.print(f"note: {replaced[0]} NaN or infinite value(s) printed as null (JSON has no NaN)",
                         highlight=False)  # fmt: skip
        return
    table = Table(box=box.SIMPLE_HEAD)
    for column in columns:
        table.add_column(shown(column))
    for row in rows:
        table.add_row(*(shown(v) for v in row))
    console.print(table)


@app.command("engage")
def engage_command(
    scenario: Annotated[str, typer.Argument(help="Scenario file, or a library name from `roof scenarios`.")],
    sharing: Annotated[
        str | None,
        typer.Option("--sharing", help="Override the file's policy: none, within-party or all (a what-if)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Every engagement of a scenario: which interceptor site can engage which threat, when, and why not."""
    if sharing is not None and sharing not in ("none", "within-party", "all"):
        _fail(f"--sharing: {sharing!r} is not a policy; choose none, within-party or all")
    loaded = _load(scenario)
    try:
        result = engage(loaded, sharing=sharing)
    except ScenarioError as error:
        _fail("; ".join(error.messages))
    records = result.records()
    if as_json:
        policy = sharing or loaded.sharing.policy
        sys.stdout.write(
            json.dumps({"scenario": loaded.name, "sharing": policy, "engagements": records}, indent=2) + "\n"
        )
        return
    table = Table(
        title=f"Engagements: {shown(loaded.name)} (sharing: {shown(sharing or loaded.sharing.policy)})",
        box=box.SIMPLE_HEAD,
    )
    for column in ("threat", "site", "engage", "cue", "cue s", "launch s", "window s", "alt km", "shots"):
        table.add_column(column, overflow="fold")
    for r in records:
        window = "—" if r["window_start_s"] is None else f"{r['window_start_s']:.0f}–{r['window_end_s']:.0f}"
        table.add_row(
            shown(r["threat_id"]),
            shown(r["site_id"]),
            "yes" if r["feasible"] else shown(r["reason"]),
            shown(r["cue_sensor_id"] or "—"),
            _fmt(r["cue_time_s"], 0),
            _fmt(r["launch_time_s"], 0),
            window,
            _fmt(r["intercept_alt_km"], 0),
            str(r["shots"]),
        )
    console.print(table)
    feasible = sum(r["feasible"] for r in records)
    console.print(f"{feasible} of {len(records)} engagements feasible.", highlight=False)


@app.command("validate")
def validate_command(
    scenario: Annotated[str, typer.Argument(help="Scenario file, or a library name from `roof scenarios`.")],
) -> None:
    """Check a scenario file against the catalog; print every problem, one per line."""
    loaded = _load(scenario)
    console.print(f"ok: {shown(loaded.summary())}", highlight=False)


@app.command("scenarios")
def scenarios_command(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """List the scenarios and sweeps shipped with securityroof."""
    entries = library()
    if as_json:
        sys.stdout.write(json.dumps({"scenarios": [e.to_dict() for e in entries]}, indent=2) + "\n")
        return
    table = Table(title="Scenario library", show_lines=True)
    for column in ("name", "description", "path"):
        table.add_column(column, overflow="fold")
    for entry in entries:
        table.add_row(shown(entry.name), shown(entry.description), shown(entry.path))
    console.print(table)
    console.print("Check one: roof validate NAME (or a path to your own file)", highlight=False)
