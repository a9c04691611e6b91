"""The compiled kernels against the numpy reference functions they mirror.

Each kernel does the reference's arithmetic one trajectory at a time, so the two must give the same
engagements: the same reasons, shots and sample indices, and times and positions equal to rounding
(the kernels solve Kepler's equation from the previous sample and take square roots where the
reference takes arctangents, which moves positions by micrometres).
"""

import os
import platform
import subprocess
import sys

import numpy as np
import pytest
from conftest import make_interceptor
from pyproj import Geod

import securityroof as sr
from securityroof.analysis.engage import engage
from securityroof.model.scenario import load_scenario
from securityroof.physics import kernels, rounds
from securityroof.physics.earth import SPHERE, WGS84
from securityroof.physics.engagement import Samples, Site, engagement_windows, sites_engagement_windows
from securityroof.physics.flyout import build_table
from securityroof.physics.sampling import sample_trajectories
from securityroof.physics.sensors import Radar, radar_detections

pytestmark = pytest.mark.skipif(not kernels.active(), reason="compiled kernels off (no numba, or SECURITYROOF_JIT=0)")

#: Positions agree to this (metres): Kepler's equation solved to 1e-13 rad either way.
POSITION_M = 1e-4


def threats(n=400, seed=7, earth="wgs84", rotating=True):
    """Iranian MRBM/IRBM shots toward Europe and a few ideal (no boost) ones, all reachable or not."""
    rng = np.random.default_rng(seed)
    names = np.array(["shahab-3", "sejjil-2", "generic-icbm-solid"])[rng.integers(0, 3, n)]
    lat0, lon0 = rng.uniform(30.0, 38.0, n), rng.uniform(46.0, 58.0, n)
    reach = np.array([sr.load_catalog().missile(name).range_km for name in names]) * 1e3
    lon1, lat1, _ = Geod(ellps="WGS84").fwd(lon0, lat0, rng.uniform(-120.0, 10.0, n), reach * rng.uniform(0.2, 1.1, n))
    missiles = np.where(rng.random(n) < 0.1, "ideal", names)
    return sr.trajectories(lat0, lon0, lat1, lon1, missile=missiles, earth=earth, rotating=rotating)


def both(function, *args):
    """``function(*args)`` with the kernels, and on the numpy reference path."""
    fast = function(*args)
    with kernels.disabled():
        assert not kernels.active()
        reference = function(*args)
    return fast, reference


@pytest.mark.parametrize(("earth", "rotating"), [("wgs84", True), ("sphere", False)])
def test_samples_match_the_reference(earth, rotating):
    shots = threats(earth=earth, rotating=rotating)
    flying = np.flatnonzero(shots.solution.reachable)
    assert flying.size > 100 and (~shots.solution.reachable).any()
    fast, reference = both(sample_trajectories, shots.solution, flying, 5.0, shots.earth)
    np.testing.assert_array_equal(fast["time_s"], reference["time_s"])
    np.testing.assert_array_equal(fast["boosting"], reference["boosting"])
    np.testing.assert_array_equal(np.isnan(fast["position_ecef_m"]), np.isnan(reference["position_ecef_m"]))
    np.testing.assert_allclose(fast["position_ecef_m"], reference["position_ecef_m"], rtol=0, atol=POSITION_M)
    np.testing.assert_allclose(fast["speed_mps"], reference["speed_mps"], rtol=1e-12, atol=1e-9)
    boost = fast["boosting"]
    assert boost.any()
    np.testing.assert_allclose(fast["position_ecef_m"][boost], reference["position_ecef_m"][boost], rtol=1e-15)


def radars():
    return [
        Radar(np.radians(38.35), np.radians(37.79), 2085.0, np.radians(100.0), np.radians(60.0), 0.0,
              np.radians(85.0), 2700e3, 1.0, 20.0),  # sector radar near the launches
        Radar(np.radians(54.36), np.radians(-0.67), 0.0, 0.0, np.pi, np.radians(3.0), np.radians(85.0),
              4800e3, 1.0, 20.0),  # all-round, far, raised minimum elevation
        Radar(np.radians(44.9), np.radians(41.0), 0.0, np.radians(180.0), np.radians(20.0), 0.0,
              np.radians(30.0), 6000e3, 1.0, 600.0),  # narrow, low ceiling, slow track (late)
        Radar(np.radians(-30.0), np.radians(120.0), 0.0, 0.0, np.pi, 0.0, np.radians(85.0), 6000e3, 1.0, 20.0),
    ]  # fmt: skip


def test_radar_detections_match_the_reference():
    shots = threats()
    flying = np.flatnonzero(shots.solution.reachable)
    sampled = sample_trajectories(shots.solution, flying, 5.0, shots.earth)
    impact = shots.solution.impact.time_s[flying]
    rcs = np.random.default_rng(1).uniform(0.01, 1.0, flying.size)
    seen_reasons = set()
    for radar in radars():
        fast, reference = both(radar_detections, radar, sampled["time_s"], sampled["position_ecef_m"], rcs, impact)
        np.testing.assert_array_equal(fast.reason, reference.reason)
        np.testing.assert_allclose(fast.detect_time_s, reference.detect_time_s, rtol=0, atol=1e-6)
        np.testing.assert_allclose(fast.track_time_s, reference.track_time_s, rtol=0, atol=1e-6)
        seen_reasons |= set(fast.reason.tolist())
    assert seen_reasons == {0, 1, 2, 3, 4}  # every way of seeing or not seeing is exercised


def sites():
    tables = {speed: build_table(make_interceptor(burnout_speed_km_s=speed)) for speed in (2.5, 4.5)}
    return [
        Site(np.radians(lat), np.radians(lon), 0.0, min_alt, 1000e3, reach, 10.0, tables[speed])
        for lat, lon, min_alt, reach, speed in [
            (44.08, 24.35, 70e3, 1200e3, 4.5),  # under the paths
            (38.0, 40.0, 70e3, 2500e3, 2.5),  # near the launches: too late
            (41.0, 33.0, 900e3, 1500e3, 4.5),  # floor above most apogees
            (54.48, 17.10, 15e3, 300e3, 4.5),  # short reach, far off
            (-40.0, -70.0, 70e3, 2500e3, 4.5),  # the other side of the world
        ]
    ]


@pytest.mark.parametrize("with_speeds", [True, False])
def test_engagement_windows_match_the_reference(with_speeds):
    """Every site at once, and one at a time, as the reference; also with the skipping of far
    samples (which needs the speeds) on and off."""
    shots = threats()
    flying = np.flatnonzero(shots.solution.reachable)
    sampled = sample_trajectories(shots.solution, flying, 5.0, shots.earth)
    speed = sampled["speed_mps"] if with_speeds else None
    launch = np.random.default_rng(2).uniform(0.0, 400.0, flying.size)
    launch[::17] = np.nan  # no track
    reasons = set()
    samples = Samples(sampled["time_s"], sampled["position_ecef_m"], sampled["boosting"], WGS84, speed)
    every_site = sites()
    launches = np.stack([launch, launch + 60.0, launch, launch - 30.0, launch])
    all_at_once = sites_engagement_windows(every_site, samples, launches, 30.0, WGS84)
    for site, site_launch, fast in zip(every_site, launches, all_at_once, strict=True):
        with kernels.disabled():
            reference = engagement_windows(site, samples, site_launch, 30.0, WGS84)
        one_site = engagement_windows(site, samples, site_launch, 30.0, WGS84)
        np.testing.assert_array_equal(one_site.reason, fast.reason)
        np.testing.assert_array_equal(fast.reason, reference.reason)
        np.testing.assert_array_equal(fast.shots, reference.shots)
        for name in ("window_start_s", "window_end_s", "launch_margin_s", "intercept_alt_m"):
            np.testing.assert_allclose(getattr(fast, name), getattr(reference, name), rtol=0, atol=POSITION_M)
        np.testing.assert_allclose(
            fast.intercept_position_ecef_m, reference.intercept_position_ecef_m, rtol=0, atol=POSITION_M
        )
        reasons |= set(fast.reason.tolist())
    assert reasons == {0, 4, 5, 6}  # feasible, out of reach, below the floor, too late


def test_skipping_far_samples_only_skips_what_is_out_of_range():
    """The bound on how far a trajectory moves between samples holds: every sample the kernel may
    skip is at least as far from the site as the bound says."""
    shots = threats()
    flying = np.flatnonzero(shots.solution.reachable)
    sampled = sample_trajectories(shots.solution, flying, 5.0, shots.earth)
    samples = Samples(sampled["time_s"], sampled["position_ecef_m"], sampled["boosting"], WGS84, sampled["speed_mps"])
    direction = samples.direction
    moved = np.arccos(np.clip(np.sum(direction[:, 1:] * direction[:, :-1], axis=-1), -1.0, 1.0))
    valid = np.isfinite(sampled["time_s"][:, 1:])
    assert np.all(moved[valid] <= np.broadcast_to(samples.angle_per_sample[:, None], moved.shape)[valid])


@pytest.mark.parametrize("name", ["epaa-phase-4", "joint-lisbon", "example-within-party"])
def test_scenarios_engage_the_same_with_and_without_kernels(name):
    fast, reference = both(engage, load_scenario(name))
    assert fast.threat_reachable == reference.threat_reachable
    for key, column in fast.columns.items():
        other = reference.columns[key]
        if column.dtype.kind == "f":
            np.testing.assert_allclose(column, other, rtol=0, atol=1e-3, err_msg=key)
        else:
            np.testing.assert_array_equal(column, other, err_msg=key)


def test_switched_off_by_environment():
    code = "from securityroof.physics import kernels; print(kernels.active())"
    env = dict(os.environ, SECURITYROOF_JIT="0")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("layer", ["default", "omp"])
def test_process_pool_starts_after_kernels_ran(layer):
    """GNU OpenMP does not survive a fork: pools made after kernels ran on it must still work."""
    code = (
        "from securityroof.physics import kernels\n"
        "from securityroof.analysis.engage import engage\n"
        "from securityroof.model.scenario import load_scenario\n"
        "import numba\n"
        "engage(load_scenario('example-shared'))\n"
        "with kernels.process_pool(2) as pool:\n"
        "    print(numba.threading_layer(), list(pool.map(abs, [-1, -2, 3])))\n"
    )
    env = dict(os.environ, NUMBA_THREADING_LAYER=layer)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    if layer == "omp" and "omp" not in out.stdout + out.stderr and out.returncode != 0:
        pytest.skip("numba has no OpenMP threading layer here")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith("[1, 2, 3]")


def test_sphere_earth_samples_use_its_own_radius():
    shots = threats(n=50, earth="sphere")
    flying = np.flatnonzero(shots.solution.reachable)
    fast, _ = both(sample_trajectories, shots.solution, flying, 10.0, shots.earth)
    boost = fast["boosting"] & (fast["time_s"] == 0.0)
    radius = np.linalg.norm(fast["position_ecef_m"][boost], axis=-1)
    np.testing.assert_allclose(radius, SPHERE.equatorial_radius_m, rtol=1e-12)


@pytest.mark.parametrize(
    ("earth", "rotating", "angle_deg"),
    [("wgs84", True, None), ("wgs84", True, "mixed"), ("sphere", False, None)],
)
def test_targeting_matches_the_reference(earth, rotating, angle_deg):
    """The compiled consistency rounds give the reference's targeting: the same reachable set and
    reasons, burnout positions to a millimetre, velocities to a micrometre a second, impact times
    to a microsecond (iterations stop at the same tolerances either way)."""
    rng = np.random.default_rng(11)
    n = 3000
    names = np.array(["shahab-3", "sejjil-2", "ss-27", "minuteman-3", "ideal"])[rng.integers(0, 5, n)]
    lat0, lon0 = rng.uniform(-60.0, 60.0, n), rng.uniform(-180.0, 180.0, n)
    lon1, lat1, _ = Geod(ellps="WGS84").fwd(lon0, lat0, rng.uniform(-180.0, 180.0, n), rng.uniform(50e3, 14e6, n))
    angles = None if angle_deg is None else np.where(rng.random(n) < 0.5, np.nan, rng.uniform(5.0, 70.0, n))

    def solve():
        return sr.trajectories(
            lat0, lon0, lat1, lon1, missile=names, burnout_angle_deg=angles, earth=earth, rotating=rotating
        ).solution

    fast, reference = both(solve)
    np.testing.assert_array_equal(fast.reason_code, reference.reason_code)
    assert fast.reachable.sum() > n // 4 and (~fast.reachable).sum() > 0
    ok = fast.reachable
    np.testing.assert_allclose(
        fast.burnout_position_ecef_m[ok], reference.burnout_position_ecef_m[ok], rtol=0, atol=1e-3
    )
    np.testing.assert_allclose(
        fast.burnout_velocity_ecef_mps[ok], reference.burnout_velocity_ecef_mps[ok], rtol=0, atol=1e-6
    )
    np.testing.assert_allclose(fast.impact.time_s[ok], reference.impact.time_s[ok], rtol=0, atol=1e-6)


@pytest.mark.parametrize(("earth", "rotating"), [("wgs84", True), ("sphere", False)])
def test_impacts_match_the_reference(earth, rotating):
    """Targeting's propagation (burnout state to impact) by the compiled kernel gives the reference
    Kepler arcs' impacts to rounding, also for states that never come down (too fast: orbital or
    escaping), have no state (NaN) or are radial (no orbital plane)."""
    shots = threats(earth=earth, rotating=rotating)
    solution = shots.solution
    position, velocity = solution.burnout_position_ecef_m.copy(), solution.burnout_velocity_ecef_mps.copy()
    ok = np.flatnonzero(solution.reachable)
    velocity[ok[:20]] *= np.linspace(1.3, 2.0, 20)[:, None]
    velocity[ok[20:25]] = 0.0
    fast, reference = both(rounds._propagated, position, velocity, solution.burnout_time_s, shots.earth)
    np.testing.assert_array_equal(fast.lands, reference.lands)
    assert fast.lands.sum() > 100 and (~fast.lands[ok[:25]]).sum() > 5
    np.testing.assert_allclose(fast.time_s, reference.time_s, rtol=1e-13, equal_nan=True)
    np.testing.assert_allclose(fast.position_ecef_m, reference.position_ecef_m, rtol=0, atol=1e-6, equal_nan=True)
    np.testing.assert_allclose(fast.velocity_ecef_mps, reference.velocity_ecef_mps, rtol=0, atol=1e-9, equal_nan=True)
    np.testing.assert_allclose(fast.apogee_alt_m, reference.apogee_alt_m, rtol=0, atol=1e-6, equal_nan=True)


def test_switching_off_is_per_thread():
    """A reference run in one thread leaves another thread on the kernels."""
    import threading

    seen = {}
    inside, release = threading.Event(), threading.Event()

    def reference():
        with kernels.disabled():
            seen["reference"] = kernels.active()
            inside.set()
            release.wait(10)

    thread = threading.Thread(target=reference)
    thread.start()
    inside.wait(10)
    seen["other"] = kernels.active()
    release.set()
    thread.join()
    assert seen == {"reference": False, "other": True} and kernels.active()


def test_one_thread_is_restored_and_per_thread():
    import threading

    import numba

    before = numba.get_num_threads()
    inside = {}
    with kernels.one_thread():
        inside["here"] = numba.get_num_threads()
        other = threading.Thread(target=lambda: inside.setdefault("other", numba.get_num_threads()))
        other.start()
        other.join()
    assert inside == {"here": 1, "other": before} and numba.get_num_threads() == before


def test_the_kernels_records_are_defined_where_a_move_would_be_seen():
    """numba's on-disk cache index names the type of every record a kernel took: a record type
    moved to another module makes the cached kernels that took it fail to load (numba issue 6018).
    So they live in physics.kernels (and boost's BoostIntegrals, which the numpy boost uses too)."""
    import numba

    engage(load_scenario("example-shared"))  # every parallel kernel, compiled or loaded from the cache
    compiled = kernels._compiled()
    homes = set()
    for name in ("target_rows", "boost_samples", "radar_first_detection", "sites_windows", "kepler_samples"):
        signatures = getattr(compiled, name).signatures
        assert signatures, name
        records = [t for s in signatures for t in s if isinstance(t, numba.core.types.BaseNamedTuple)]
        assert records, name  # each takes its settings as records, not positional scalars
        homes |= {f"{t.instance_class.__module__}.{t.instance_class.__qualname__}" for t in records}
    elsewhere = {h for h in homes if not h.startswith("securityroof.physics.kernels.")}
    assert elsewhere <= {"securityroof.physics.boost.BoostIntegrals"}, elsewhere
    assert "securityroof.physics.kernels.SiteTable" in homes


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's allocator thresholds")
@pytest.mark.parametrize("settled", [False, True])
def test_a_dask_workers_trim_threshold_is_settled_so_freed_arrays_are_reused(settled):
    """Under Dask's ``MALLOC_TRIM_THRESHOLD_`` every 8 MB array is mapped and faulted in afresh
    (hundreds of page faults each); settled, the freed block is reused."""
    code = (
        "import resource, numpy as np\n"
        "from securityroof.physics import kernels\n"
        f"print(kernels.settle_allocator() if {settled} else None)\n"
        "np.ones(1_000_000)\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt\n"
        "for _ in range(20):\n"
        "    np.ones(1_000_000)\n"
        "print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 20)\n"
    )
    env = dict(os.environ, MALLOC_TRIM_THRESHOLD_="65536")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    answer, faults = out.stdout.split()
    assert answer == ("True" if settled else "None")
    assert (float(faults) < 10) == settled


def test_the_allocator_is_left_alone_without_a_trim_threshold():
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_TRIM_THRESHOLD_"}
    code = "from securityroof.physics import kernels\nprint(kernels.settle_allocator())\n"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
