"""Footprint benchmark: epaa-phase-3, 100 x 100 aim points x 5 launch regions, against the plain
per-cell loop (each cell's shots engaged on their own, on the numpy reference path), measured in
the same run on a subsample and scaled; the same loop on the compiled kernels, to show what doing
all cells at once gains by itself; plus the wall time of `roof demo`."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import tempfile
import time

from securityroof.analysis.engage import engage
from securityroof.analysis.footprint import footprint, grid
from securityroof.model.scenario import load_scenario
from securityroof.physics import kernels

EXTENT = (35.0, 60.0, 10.0, 60.0)
CELLS_PER_SIDE = 100
#: A fifth launch region beside the common threat set's four: near Isfahan (region centroid [U]).
EXTRA_LAUNCH = ("isfahan", 32.65, 51.67)


def five_region_scenario():
    scenario = load_scenario("epaa-phase-3")
    (irbm,) = [t for t in scenario.threats if t.id == "iran-irbm"]
    _, lat, lon = EXTRA_LAUNCH
    five = irbm.model_copy(update={"launch": [*irbm.launch, (lat, lon)], "aim": irbm.aim[:1]})
    return scenario.with_threats([five])


def plain_cell(scenario, lat, lon):
    """The baseline for one cell: its shots from every launch region engaged on their own."""
    launches = [t for t in scenario.threat_set if t.threat == "iran-irbm"]
    shots = tuple(
        dataclasses.replace(t, id=f"p{k}", aim=None, aim_lat_deg=lat, aim_lon_deg=lon) for k, t in enumerate(launches)
    )
    result = engage(scenario, threats=shots)
    return [bool(result.columns["feasible"][result.columns["threat_id"] == s.id].any()) for s in shots]


def run(cells_per_side: int = CELLS_PER_SIDE, baseline_cells: int = 20, demo: bool = True) -> dict:
    scenario = five_region_scenario()
    step = (EXTENT[1] - EXTENT[0]) / cells_per_side
    extent = (EXTENT[0], EXTENT[1], EXTENT[2], EXTENT[2] + step * cells_per_side)  # cells_per_side squared cells
    footprint(
        scenario, "iran-irbm", (EXTENT[0], EXTENT[0] + 2 * step, EXTENT[2], EXTENT[2] + 2 * step), step
    )  # warm-up
    started = time.perf_counter()
    table = footprint(scenario, "iran-irbm", extent, step)
    ours = time.perf_counter() - started
    cells = table.num_rows
    lat, lon = grid(extent, step)
    pick = range(0, lat.size, max(1, lat.size // baseline_cells))

    def plain_cells() -> float:
        started = time.perf_counter()
        for i in pick:
            plain_cell(scenario, float(lat[i]), float(lon[i]))
        return (time.perf_counter() - started) * cells / len(pick)

    with kernels.disabled():  # the plain way is plain numpy, as in the engagement case
        baseline = plain_cells()
    compiled_cells = plain_cells()
    result = {
        "footprint_speedup": baseline / ours,
        # the same per-cell loop, but each cell on the compiled kernels too: what doing all cells
        # at once gains by itself
        "footprint_speedup_vs_compiled_cells": compiled_cells / ours,
        "footprint_compiled_cells_seconds_scaled": compiled_cells,
        "footprint_seconds": ours,
        "footprint_cells": cells,
        "footprint_launch_regions": 5,
        "footprint_baseline_seconds_scaled": baseline,
        "footprint_baseline_cells": len(pick),
        "footprint_step_deg": step,
    }
    if demo:
        with tempfile.TemporaryDirectory() as out:
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "securityroof", "demo", "--out", out], check=True, capture_output=True
            )
            result["demo_wall_s"] = time.perf_counter() - started
    return result


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
