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
    """List catalog entries (missile classes by default): their figures, with the spread of published
    estimates where sources disagree (low–high); --json adds the sources and notes."""
    from securityroof.model.catalog import load_catalog

    catalog = load_catalog()
    if kind not in catalog.entries:
        _fail(f"--kind: {kind!r} is not a catalog kind; choose {', '.join(catalog.entries)}")
    entries = list(catalog.entries[kind].values())
    if as_json:
        key = f"{kind}s" if kind != "city" else "cities"
        sys.stdout.write(json.dumps({key: [e.row() for e in entries]}, indent=2) + "\n")
        return
    if kind in _TABLES:
        title, columns = _TABLES[kind]
        table, dropped = fitted_table(
            ["name", "label", *columns],
            [[shown(e.name), shown(e.label), *(cell(e) for cell in columns.values())] for e in entries],
            console.width,
            text={"name", "label"},
            optional=["label"],
            title=title,
            box=box.SIMPLE_HEAD,
            show_edge=False,
        )
        console.print(table)
        shown_too = "labels, " if dropped else ""
        console.print(
            f"(low–high): the spread of published estimates. The {shown_too}sources and notes: "
            f"roof catalog --kind {kind} --json",
            highlight=False,
        )
        return
    table = Table(title=f"Catalog: {kind} entries (public estimates)", show_lines=True)
    for column in ("name", "label", "source", "note"):
        table.add_column(column, overflow="fold")
    for e in entries:
        table.add_row(shown(e.name), shown(e.label), shown(e.source), shown(e.note))
    console.print(table)


def _ranged(field: str, form: str):
    """A cell showing ``field`` as ``form`` formats it, followed by its plausible range where the
    catalog states one: ``4.5 (4–5)``."""

    def cell(entry) -> str:
        text = format(getattr(entry, field), form)
        if field in entry.ranges:
            low, high = entry.ranges[field]
            text += f" ({low:{form}}–{high:{form}})"
        return text

    return cell


def _coverage(entry) -> str:
    return "360°" if entry.azimuth_half_width_deg >= 180 else f"±{entry.azimuth_half_width_deg:g}°"


#: The catalog kinds shown as tables of figures: title, and each column's header and cell.
_TABLES = {
    "missile": (
        "Missile classes (public estimates)",
        {
            "range km": _ranged("range_km", ",.0f"),
            "burn s": _ranged("burn_time_s", "g"),
            "burnout km/s": _ranged("burnout_speed_km_s", ".2f"),
            "burnout alt km": _ranged("burnout_altitude_km", "g"),
        },
    ),
    "radar": (
        "Radars (public estimates): range at the reference RCS, and coverage",
        {
            "band": lambda e: shown(e.band),
            "range km": _ranged("reference_range_km", ",.0f"),
            "at RCS m²": _ranged("reference_rcs_m2", "g"),
            "azimuth": _coverage,
            "elevation": lambda e: f"{e.min_elevation_deg:g}–{e.max_elevation_deg:g}°",
        },
    ),
    "interceptor": (
        "Interceptors (public estimates): burnout and the envelope where they may intercept",
        {
            "burnout km/s": _ranged("burnout_speed_km_s", "g"),
            "burn s": _ranged("burn_time_s", "g"),
            "altitude km": lambda e: f"{e.min_intercept_altitude_km:,g}–{e.max_intercept_altitude_km:,g}",
            "ground km": _ranged("max_ground_range_km", ",g"),
        },
    ),
}


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
