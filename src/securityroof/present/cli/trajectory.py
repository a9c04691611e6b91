"""`roof trajectory`: one targeted trajectory, or a batch file of them."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from securityroof.errors import InputError, OutputError, WorkerError
from securityroof.present.cli._app import (
    _fail,
    _fmt,
    _output_file,
    _parse_point,
    app,
    console,
    errors,
)
from securityroof.present.terminal import shown

#: Where `roof --help` lists this group's commands.
PANEL = "Trajectories"
#: What --from and --to accept by name (model.scenario.named_places): either end may be any of them.
PLACES = "a named place: a catalog city or base, or a launch point of the library's threat sets (tabriz, ...)"


@app.command("trajectory", rich_help_panel=PANEL)
def trajectory_command(
    from_: Annotated[
        str | None, typer.Option("--from", help=f"Launch point LAT,LON (degrees), or {PLACES}.")
    ] = None,
    to: Annotated[str | None, typer.Option("--to", help=f"Aim point LAT,LON (degrees), or {PLACES}.")] = None,
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
    from securityroof.analysis.batch import BatchError, run_batch
    from securityroof.analysis.trajectories import IDEAL, trajectory
    from securityroof.model.catalog import CatalogError, load_catalog
    from securityroof.physics.targeting import HIT_TOLERANCE_M, coincident

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
            _fail(error)
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
            _fail(error)
        except OutputError as error:
            _fail(f"--out: {error}")
        except WorkerError as error:
            _fail(f"--workers: {error.reason}; {out} is unchanged", code=1)
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
        _fail(error)

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
