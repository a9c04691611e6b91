"""The benchmark's cases still run against today's API (tiny sizes; what they measure is not checked here:
speed targets live in benchmarks/run.py, never in tests)."""

import sys
from pathlib import Path

import numpy as np
import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


@pytest.fixture(scope="module", autouse=True)
def on_path():
    sys.path.insert(0, str(BENCHMARKS))
    yield
    sys.path.remove(str(BENCHMARKS))


def test_the_engagement_case_runs_and_agrees():
    import engagement_case

    result = engagement_case.run(n=20, baseline_n=2)
    assert result["engagement_results_agree"] is True


def test_the_footprint_case_runs():
    import footprint_case

    result = footprint_case.run(cells_per_side=3, baseline_cells=2, demo=False)
    assert result["footprint_cells"] == 9 and result["footprint_launch_regions"] == 5


def test_the_batch_case_runs():
    import run

    lat0, lon0, lat1, lon1, missile = run.make_workload(50, 1)
    seconds, reachable, io_seconds = run.run_batch_cli(lat0, lon0, lat1, lon1, missile)
    assert 0 < reachable <= 50 and np.isfinite(seconds) and np.isfinite(io_seconds)


def test_the_robustness_case_runs():
    import robustness_case

    result = robustness_case.run(variants=3, dask=False)
    assert result["robustness_variants"] == 3 and result["robustness_seconds"] > 0
    assert "robustness_500_s" not in result  # only a 500-variant run is the figure
