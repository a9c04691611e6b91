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


def test_the_workbench_case_runs():
    pytest.importorskip("fastapi")
    import workbench_case

    result = workbench_case.run(speeds=(5.0, 5.5), deterrence_states=1)
    assert result["workbench_whatif_max_ms"] >= result["workbench_whatif_median_ms"] > 0
    assert result["workbench_first_load_s"] > 0 and result["workbench_deterrence_ms"] > 0


def test_the_baseline_calibrates_flight_times_and_landing_on_the_aim_point():
    import run

    from securityroof import trajectories
    from securityroof.physics.earth import WGS84, geodetic_to_ecef

    lat0, lon0, lat1, lon1, missile = run.make_workload(6, 2)
    columns = trajectories(lat0, lon0, lat1, lon1, missile=missile).columns()
    aim = geodetic_to_ecef(np.radians(lat1), np.radians(lon1), 0.0, WGS84)
    n, method, flight_time, same_accuracy = run.run_baseline(columns, aim, 3, 1)
    assert n == 3 and method in flight_time and set(same_accuracy) == set(run.METHODS)
    for name, chosen in same_accuracy.items():
        assert chosen["max_miss_m"] <= run.SAME_ACCURACY_MISS_M and chosen["seconds"] > 0
        assert flight_time[name]["max_flight_time_rel_diff"] <= run.FLIGHT_TIME_REL_TOL


def test_the_robustness_case_runs():
    import robustness_case

    result = robustness_case.run(variants=3, dask=False)
    assert result["robustness_variants"] == 3 and result["robustness_seconds"] > 0
    assert "robustness_500_s" not in result  # only a 500-variant run is the figure
