"""Maps of an architecture, fully offline.

Base map: Natural Earth 1:50m country outlines (public domain), shipped with the package;
:mod:`securityroof.analysis.geometry` computes every shape drawn here. Drawn with matplotlib (Agg) in
a Lambert conformal conic projection from pyproj: nothing is downloaded, at install or at run time.

A map shows the assets coloured by owner (radars as triangles, interceptor sites as circles),
each radar's coverage fan (its azimuth sector out to its detection range against the threat's
radar cross-section, or the horizon range of a 1,000 km-high target if nearer), each interceptor
class's reach ring (its maximum ground range, as far as its fly-out reaches), the ground tracks of
the threat trajectories in range, and, when given, the defended footprint's cells; with a legend
and a 1,000 km scale bar. PNG and SVG.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 - the backend must be chosen first
import numpy as np  # noqa: E402
import pyarrow as pa  # noqa: E402
from matplotlib.collections import LineCollection, PolyCollection  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from pyproj import Transformer  # noqa: E402

from securityroof.analysis.geometry import (  # noqa: E402
    coverage_fan,
    coverage_rcs_m2,
    ground_tracks,
    reach_ring,
    world_arcs,
)
from securityroof.model.scenario import Scenario  # noqa: E402
from securityroof.present.figures import save_figure  # noqa: E402

__all__ = ["DEFAULT_EXTENT", "draw_map", "world_arcs"]

DEFAULT_EXTENT = (30.0, 72.0, -15.0, 65.0)  # lat_min, lat_max, lon_min, lon_max
OWNER_COLOURS = ["#1f4e9c", "#b22222", "#2e7d32", "#8e44ad", "#e67e22"]


def _projection(extent):
    lat_min, lat_max, lon_min, lon_max = extent
    lat_0, lon_0 = 0.5 * (lat_min + lat_max), 0.5 * (lon_min + lon_max)
    crs = f"+proj=lcc +lat_1={lat_min + 5} +lat_2={lat_max - 5} +lat_0={lat_0} +lon_0={lon_0} +datum=WGS84 +units=m"
    return Transformer.from_crs("EPSG:4326", crs, always_xy=True)


def _project(transformer, lon, lat):
    x, y = transformer.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return np.column_stack([x, y])


def draw_map(
    scenario: Scenario,
    path: Path,
    *,
    footprint: pa.Table | None = None,
    extent=DEFAULT_EXTENT,
    title: str | None = None,
    track_step_s: float = 20.0,
) -> Path:
    """Draw the architecture (and a footprint) to ``path`` (.png or .svg); returns the path."""
    transformer = _projection(extent)
    lat_min, lat_max, lon_min, lon_max = extent
    # The conic bends parallels: the extent's edges bulge, so its box takes the midpoints too.
    middle = 0.5 * (lon_min + lon_max)
    corners = _project(
        transformer,
        [lon_min, lon_max, lon_min, lon_max, middle, middle],
        [lat_min, lat_min, lat_max, lat_max, lat_max, lat_min],
    )
    fig, ax = plt.subplots(figsize=(11, 8.5), dpi=110)
    ax.set_facecolor("#eef4f8")

    if footprint is not None:
        cells = footprint.to_pydict()
        lats, lons = np.array(cells["lat_deg"]), np.array(cells["lon_deg"])
        step = float(np.min(np.diff(np.unique(lats)))) if np.unique(lats).size > 1 else 1.0
        polygons, colours = [], []
        for lat, lon, threatened, defended in zip(lats, lons, cells["threatened"], cells["defended"], strict=True):
            if not threatened:
                continue
            h = step / 2.0
            ring = _project(transformer, [lon - h, lon + h, lon + h, lon - h], [lat - h, lat - h, lat + h, lat + h])
            polygons.append(ring)
            colours.append("#7fc97f" if defended else "#fdc086")
        ax.add_collection(PolyCollection(polygons, facecolors=colours, edgecolors="none", alpha=0.55, zorder=1))

    coasts, borders = world_arcs()
    ax.add_collection(
        LineCollection(
            [_project(transformer, a[:, 0], a[:, 1]) for a in coasts], colors="#4a5a6a", linewidths=0.6, zorder=2
        )
    )
    ax.add_collection(
        LineCollection(
            [_project(transformer, a[:, 0], a[:, 1]) for a in borders], colors="#9aa7b3", linewidths=0.4, zorder=2
        )
    )

    owners = sorted(scenario.parties)
    colour = {owner: OWNER_COLOURS[i % len(OWNER_COLOURS)] for i, owner in enumerate(owners)}
    rcs = coverage_rcs_m2(scenario)
    for sensor in scenario.sensors:
        if sensor.kind != "radar":
            continue
        fan = coverage_fan(sensor, rcs)
        ring = _project(transformer, fan[:, 0], fan[:, 1])
        ax.fill(ring[:, 0], ring[:, 1], color=colour[sensor.owner], alpha=0.07, zorder=3)
        ax.plot(ring[:, 0], ring[:, 1], color=colour[sensor.owner], lw=0.6, alpha=0.6, zorder=3)
    for site in scenario.interceptor_sites:
        reach = reach_ring(site)
        ring = _project(transformer, reach[:, 0], reach[:, 1])
        ax.plot(ring[:, 0], ring[:, 1], color=colour[site.owner], lw=1.0, ls="--", zorder=4)

    tracks = list(ground_tracks(scenario, track_step_s).values())
    if tracks:
        ax.add_collection(
            LineCollection(
                [_project(transformer, t[:, 0], t[:, 1]) for t in tracks],
                colors="#555555",
                linewidths=0.5,
                alpha=0.5,
                zorder=5,
            )
        )

    for sensor in scenario.sensors:
        if sensor.kind == "radar":
            x, y = _project(transformer, [sensor.asset.lon_deg], [sensor.asset.lat_deg])[0]
            ax.plot(x, y, marker="^", ms=8, color=colour[sensor.owner], mec="black", mew=0.5, zorder=6)
    for site in scenario.interceptor_sites:
        x, y = _project(transformer, [site.asset.lon_deg], [site.asset.lat_deg])[0]
        ax.plot(x, y, marker="o", ms=8, color=colour[site.owner], mec="black", mew=0.5, zorder=6)
        ax.annotate(site.id, (x, y), xytext=(4, 4), textcoords="offset points", fontsize=7, zorder=7)

    ax.set_xlim(corners[:, 0].min(), corners[:, 0].max())
    ax.set_ylim(corners[:, 1].min(), corners[:, 1].max())
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    _scale_bar(ax)
    handles = [Line2D([], [], marker="^", ls="", color=colour[o], mec="black", label=f"{o} radar") for o in owners]
    handles += [
        Line2D([], [], marker="o", ls="", color=colour[o], mec="black", label=f"{o} interceptor site") for o in owners
    ]
    handles += [
        Line2D([], [], ls="--", color="black", label="interceptor reach (max ground range)"),
        Patch(facecolor="#999999", alpha=0.3, label=f"radar coverage vs {rcs:g} m²"),
        Line2D([], [], color="#555555", label="threat ground tracks (in range)"),
    ]
    if footprint is not None:
        handles += [
            Patch(facecolor="#7fc97f", label="defended cells"),
            Patch(facecolor="#fdc086", label="threatened, undefended"),
        ]
    ax.legend(handles=handles, loc="lower left", fontsize=7, framealpha=0.9)
    ax.set_title(title or f"{scenario.name} ({scenario.sharing.policy} sharing)", fontsize=11)
    ax.text(
        0.99,
        0.005,
        "Natural Earth 1:50m (public domain) via world-atlas; securityroof",
        transform=ax.transAxes,
        ha="right",
        va="bottom",
        fontsize=6,
        color="#666666",
    )
    return save_figure(fig, path, bbox_inches="tight")


def _scale_bar(ax, length_m: float = 1_000e3) -> None:
    """A 1,000 km bar (the conic projection is true to scale along its standard parallels)."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    x, y = x1 - 0.05 * (x1 - x0) - length_m, y0 + 0.05 * (y1 - y0)
    ax.plot([x, x + length_m], [y, y], color="black", lw=2, zorder=8)
    ax.text(x + length_m / 2, y + 0.01 * (y1 - y0), "1,000 km", ha="center", va="bottom", fontsize=7, zorder=8)
