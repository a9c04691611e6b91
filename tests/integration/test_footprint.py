"""Defended footprints: consistent with single engagements, monotone in interceptor speed."""

import dataclasses
import json

import numpy as np
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from securityroof.analysis.engage import engage
from securityroof.analysis.footprint import footprint, grid
from securityroof.model.scenario import load_scenario
from securityroof.present.cli import app

EXTENT = (38.0, 50.0, 20.0, 44.0)
STEP = 2.0


@pytest.fixture(scope="module")
def phase3():
    return load_scenario("epaa-phase-3")


@pytest.fixture(scope="module")
def cells(phase3):
    return footprint(phase3, "iran-irbm", EXTENT, STEP).to_pylist()


def test_grid_covers_the_extent():
    lat, lon = grid(EXTENT, STEP)
    assert lat.size == 6 * 12 and lat.min() == 39.0 and lon.max() == 43.0
    with pytest.raises(ValueError, match="extent"):
        grid((50.0, 40.0, 0.0, 10.0))


def test_an_extent_wider_than_once_round_is_refused_and_once_round_counts_each_cell_once():
    lat, lon = grid((0.0, 10.0, -180.0, 180.0), 10.0)
    assert lat.size == 36 and np.unique(np.mod(lon, 360.0)).size == 36
    with pytest.raises(ValueError, match=r"^extent: .* spans 540° of longitude; at most 360°"):
        grid((0.0, 10.0, -180.0, 360.0), 10.0)
    result = CliRunner().invoke(app, ["footprint", "epaa-phase-3", "--threat", "iran-irbm", "--extent", "0:10:-90:300"])
    assert result.exit_code == 2 and result.stderr.strip() == (
        "error: --extent: (0.0, 10.0, -90.0, 300.0) spans 390° of longitude; at most 360° (once round)"
    )


def test_every_defended_cell_is_defended_when_its_shots_are_engaged_one_by_one(phase3, cells):
    """Re-running the single shots of a few cells through engage gives the same verdict."""
    launches = list(
        {(t.launch_lat_deg, t.launch_lon_deg): t for t in phase3.threat_set if t.threat == "iran-irbm"}.values()
    )
    defended = [c for c in cells if c["defended"]]
    open_cells = [c for c in cells if c["threatened"] and not c["defended"]]
    assert defended and open_cells
    for cell in defended[:3] + open_cells[:2]:
        shots = tuple(
            dataclasses.replace(t, id=f"probe{k}", aim=None, aim_lat_deg=cell["lat_deg"], aim_lon_deg=cell["lon_deg"])
            for k, t in enumerate(launches)
        )
        result = engage(phase3, threats=shots)
        verdicts = []
        for shot in shots:
            if not result.threat_reachable[shot.id]:
                continue
            verdicts.append(bool(result.columns["feasible"][result.columns["threat_id"] == shot.id].any()))
        assert all(verdicts) == cell["defended"], cell


def test_slower_interceptors_never_grow_the_footprint(phase3, cells):
    slower = phase3
    for entry in {s.entry.name: s.entry for s in phase3.interceptor_sites}.values():
        slower = slower.with_entry(entry.model_copy(update={"burnout_speed_km_s": 0.8 * entry.burnout_speed_km_s}))
    slow_cells = footprint(slower, "iran-irbm", EXTENT, STEP).to_pylist()
    fast = np.array([c["defended"] for c in cells])
    slow = np.array([c["defended"] for c in slow_cells])
    assert not np.any(slow & ~fast)
    assert slow.sum() < fast.sum()


def test_roof_footprint_writes_parquet_and_json(tmp_path):
    out = tmp_path / "fp.parquet"
    runner = CliRunner()
    extent = ":".join(str(v) for v in EXTENT)
    result = runner.invoke(app, ["footprint", "epaa-phase-3", "--threat", "iran-irbm", "--extent", extent,
                                 "--step-deg", str(STEP), "--out", str(out), "--json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["cells_total"] == 72 and 0 < payload["cells_defended"] <= payload["cells_threatened"]
    table = pq.read_table(out)
    assert table.num_rows == 72
    assert {"lat_deg", "lon_deg", "threatened", "defended", "shots", "intercept_alt_km"} <= set(table.column_names)
    assert table.schema.metadata[b"scenario"] == b"epaa-phase-3"
    bad = runner.invoke(app, ["footprint", "epaa-phase-3", "--threat", "nope"])
    assert bad.exit_code == 2 and "--threat" in bad.stderr


def test_a_footprint_beyond_the_trajectory_limit_is_refused_before_any_is_fired(phase3, monkeypatch):
    """Every launch region fires at every cell in reach: the scenario's trajectory limit holds for
    the probes too (three launch regions over 40,000 cells in reach are 120,000 trajectories)."""
    monkeypatch.setenv("SECURITYROOF_MAX_TRAJECTORIES", "10")  # after the scenario (288 trajectories) is loaded
    message = r"^threat: 'iran-irbm' from \d+ launch regions over 72 cells needs more than 10 trajectories"
    with pytest.raises(ValueError, match=message):
        footprint(phase3, "iran-irbm", EXTENT, STEP)
