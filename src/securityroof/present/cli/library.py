"""`roof catalog`, `roof validate`, `roof scenarios`: what the catalog and the library hold."""

from __future__ import annotations

import json
import os
import sys
from typing import Annotated

import typer
from rich import box
from rich.table import Table

from securityroof.present.cli._app import (
    _fail,
    _load,
    app,
    console,
)
from securityroof.present.terminal import fitted_table, shown

#: Where `roof --help` lists this group's commands.
PANEL = "Catalog and scenarios"


@app.command("catalog", rich_help_panel=PANEL)
def catalog_command(
    kind: Annotated[
        str, typer.Option("--kind", help="missile, radar, satellite, interceptor, city or base.")
    ] = "missile",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List catalog entries (missile classes by default), with their sources."""
    from securityroof.model.catalog import load_catalog

    catalog = load_catalog()
    if kind not in catalog.entries:
        _fail(f"--kind: {kind!r} is not a catalog kind; choose {', '.join(catalog.entries)}")
    entries = list(catalog.entries[kind].values())
    if as_json:
        sys.stdout.write(
            json.dumps({f"{kind}s" if kind != "city" else "cities": [e.model_dump() for e in entries]}, indent=2) + "\n"
        )
        return
    if kind == "radar":
        rows = [
            [
                shown(e.name),
                shown(e.label),
                shown(e.band),
                f"{e.reference_range_km:,.0f}",
                f"{e.reference_rcs_m2:g}",
                "360°" if e.azimuth_half_width_deg >= 180 else f"±{e.azimuth_half_width_deg:g}°",
                f"{e.min_elevation_deg:g}–{e.max_elevation_deg:g}°",
            ]
            for e in entries
        ]
        table, dropped = fitted_table(
            ["name", "label", "band", "range km", "at RCS m²", "azimuth", "elevation"],
            rows,
            console.width,
            text={"name", "label", "band"},
            optional=["label"],
            title="Radars (public estimates): range at the reference RCS, and coverage",
            box=box.SIMPLE_HEAD,
            show_edge=False,
        )
        console.print(table)
        shown_too = "labels, " if dropped else ""
        console.print(f"The {shown_too}sources and notes: roof catalog --kind radar --json", highlight=False)
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


@app.command("validate", rich_help_panel=PANEL)
def validate_command(
    scenario: Annotated[str, typer.Argument(help="Scenario file, or a library name from `roof scenarios`.")],
) -> None:
    """Check a scenario file against the catalog; print every problem, one per line."""
    loaded = _load(scenario)
    console.print(f"ok: {shown(loaded.summary())}", highlight=False)


@app.command("scenarios", rich_help_panel=PANEL)
def scenarios_command(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """List the scenarios and sweeps shipped with securityroof."""
    from securityroof.model.scenario import library

    entries = library()
    if as_json:
        sys.stdout.write(json.dumps({"scenarios": [e.to_dict() for e in entries]}, indent=2) + "\n")
        return
    rows = [[shown(e.name), shown(e.kind), shown(e.description)] for e in entries]
    table, _ = fitted_table(
        ["name", "kind", "description"],
        rows,
        console.width,
        text={"name", "kind", "description"},
        title="Scenario library",
        box=box.SIMPLE_HEAD,
        show_edge=False,
    )
    console.print(table)
    folder = os.path.commonpath([e.path for e in entries]) if entries else ""
    console.print(f"The files are under {shown(folder)} (--json gives each path).", highlight=False)
    console.print("Check one: roof validate NAME (or a path to your own file)", highlight=False)
