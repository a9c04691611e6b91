"""Engagement benchmark: 10,000 threat trajectories x 10 interceptor sites x 5 sensors.

Our path is ``securityroof.physics.engagement.run_engagements``: sensors and sites over all threats at
once, with the compiled kernels of ``securityroof.physics.kernels`` when numba is installed (the summary
says which). The baseline is the same physics written the plain way: a Python loop over threats,
and for each threat a loop over sensors and sites, each call the numpy reference function on that
one threat's samples.
The baseline runs on a subsample and its time is scaled to the full count; both runs must agree on
every engagement of the subsample. Each side is timed as the median of three runs (machines here
are noisy). Peak memory of our path is traced with ``tracemalloc`` (numpy's
allocations included) in a second, untimed run.
"""

from __future__ import annotations

import time
import tracemalloc

import numpy as np
from pyproj import Geod

import securityroof as sr
from securityroof.analysis.engage import SensorAsset, SiteAsset, _site, run_engagements
from securityroof.model.catalog import InterceptorClass
from securityroof.physics import kernels
from securityroof.physics.engagement import Samples, earliest_launch, engagement_windows
from securityroof.physics.sampling import sample_trajectories
from securityroof.physics.sensors import Radar, radar_detections

STEP_S = 5.0
DECISION_DELAY_S = 60.0
KILL_ASSESSMENT_S = 30.0

#: A representative midcourse interceptor (an SM-3 IB-like class; the benchmark measures speed,
#: not the catalog's numbers).
INTERCEPTOR = InterceptorClass(
    name="benchmark-interceptor",
    label="benchmark",
    source="benchmark workload, not a catalog entry",
    note="representative values",
    country="benchmark",
    stages=3,
    burn_time_s=60.0,
    burnout_speed_km_s=3.5,
    burnout_altitude_km=50.0,
    min_intercept_altitude_km=70.0,
    max_intercept_altitude_km=500.0,
    max_ground_range_km=1200.0,
    launch_delay_s=10.0,
)

SITES = [  # (id, owner, lat, lon)
    ("deveselu", "nato", 44.08, 24.35),
    ("redzikowo", "nato", 54.48, 17.10),
    ("ship-east-med", "nato", 34.0, 28.0),
    ("ship-black-sea", "nato", 43.0, 34.0),
    ("incirlik", "nato", 37.0, 35.4),
    ("bulgaria", "nato", 42.7, 25.5),
    ("greece", "nato", 39.6, 22.4),
    ("armavir-site", "russia", 44.9, 41.0),
    ("sochi", "russia", 43.6, 39.7),
    ("crimea", "russia", 44.9, 34.1),
]

RADARS = [  # (id, owner, lat, lon, boresight deg, half-width deg, reference range km at 1 m^2)
    ("kurecik", "nato", 38.35, 37.79, 100.0, 60.0, 2700.0),
    ("armavir", "russia", 44.9, 41.0, 180.0, 60.0, 6000.0),
    ("gabala", "russia", 40.87, 47.80, 170.0, 60.0, 6000.0),
    ("fylingdales", "nato", 54.36, -0.67, 90.0, 180.0, 4800.0),
    ("ship-radar", "nato", 34.0, 28.0, 90.0, 180.0, 1000.0),
]


def workload(n: int, seed: int):
    """MRBM/IRBM shots from Iran at points 30-95 % of their range toward Europe and the Middle East."""
    rng = np.random.default_rng(seed)
    catalog = sr.load_catalog()
    names = np.array(["shahab-3", "sejjil-2"])[rng.integers(0, 2, n)]
    lat0, lon0 = rng.uniform(30.0, 38.0, n), rng.uniform(46.0, 58.0, n)
    reach = np.array([catalog.missile(name).range_km for name in names]) * 1e3
    bearing = rng.uniform(-90.0, 0.0, n)
    lon1, lat1, _ = Geod(ellps="WGS84").fwd(lon0, lat0, bearing, reach * rng.uniform(0.3, 0.95, n))
    return sr.trajectories(lat0, lon0, np.asarray(lat1), np.asarray(lon1), missile=names)


def assets():
    sensors = [
        SensorAsset(
            rid,
            owner,
            None,
            radar=Radar(
                lat_rad=np.radians(lat),
                lon_rad=np.radians(lon),
                alt_m=0.0,
                boresight_az_rad=np.radians(az),
                azimuth_half_width_rad=np.radians(half),
                min_elevation_rad=0.0,
                max_elevation_rad=np.radians(85.0),
                reference_range_m=reach * 1e3,
                reference_rcs_m2=1.0,
                track_formation_s=20.0,
            ),
        )
        for rid, owner, lat, lon, az, half, reach in RADARS
    ]
    sites = [SiteAsset(sid, owner, None, INTERCEPTOR, lat, lon) for sid, owner, lat, lon in SITES]
    return sensors, sites


def _everyone(sensor_owner, site_owner, same_site):
    return True


def plain_way(trajectories, indices, sensors, sites, rcs_m2):
    """The baseline: loops over threats, sensors and sites, one threat's samples per call."""
    earth = trajectories.earth
    solution = trajectories.solution
    built = [_site(site, earth) for site in sites]
    results = []
    for i in indices:
        sampled = sample_trajectories(solution, [i], STEP_S, earth)
        impact = solution.impact.time_s[i : i + 1]
        tracks = [
            radar_detections(
                s.radar, sampled["time_s"], sampled["position_ecef_m"], rcs_m2, impact, earth
            ).track_time_s[0]
            for s in sensors
        ]
        track = np.nanmin(tracks) if np.isfinite(tracks).any() else np.nan
        samples = Samples(sampled["time_s"], sampled["position_ecef_m"], sampled["boosting"], earth)
        for site in built:
            launch = earliest_launch(np.array([track]), np.array([track]), DECISION_DELAY_S, site.launch_delay_s)
            windows = engagement_windows(site, samples, launch, KILL_ASSESSMENT_S, earth)
            results.append((bool(windows.feasible[0]) and np.isfinite(track), windows.window_start_s[0]))
    return results


def _median_time(job, repeats: int):
    """Median wall-clock seconds of ``repeats`` runs of ``job``, and its last result."""
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        result = job()
        seconds.append(time.perf_counter() - started)
    return float(np.median(seconds)), result


def run(n: int = 10_000, baseline_n: int = 100, seed: int = 20101119, repeats: int = 3) -> dict:
    trajectories = workload(n, seed)
    sensors, sites = assets()
    rcs_m2 = 0.1
    ids = [f"t{i}" for i in range(n)]
    # Warm-up: fly-out tables (built once and cached) and first-call costs stay out of the timing.
    run_engagements(ids[:20], trajectories_subset(trajectories, 20), rcs_m2, sensors, sites, _everyone,
                    DECISION_DELAY_S, KILL_ASSESSMENT_S, STEP_S)  # fmt: skip

    def ours_once():
        return run_engagements(
            ids, trajectories, rcs_m2, sensors, sites, _everyone, DECISION_DELAY_S, KILL_ASSESSMENT_S, STEP_S
        )

    ours, table = _median_time(ours_once, repeats)
    # Memory in a second run: tracing every allocation slows a run down, so it is not the timed one.
    tracemalloc.start()
    ours_once()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    flying = np.flatnonzero(trajectories.solution.reachable)
    rng = np.random.default_rng(seed)
    pick = np.sort(rng.choice(flying, size=min(baseline_n, flying.size), replace=False))
    with kernels.disabled():  # the plain way is plain numpy: no compiled kernels
        plain_seconds, plain = _median_time(lambda: plain_way(trajectories, pick, sensors, sites, rcs_m2), repeats)
    baseline_seconds = plain_seconds * flying.size / pick.size
    # The same loop with each call on the compiled kernels: what taking all threats at once gains by itself.
    compiled_loop_seconds, _ = _median_time(lambda: plain_way(trajectories, pick, sensors, sites, rcs_m2), repeats)
    compiled_loop_seconds *= flying.size / pick.size

    feasible = table.columns["feasible"].reshape(len(sites), n)
    start = table.columns["window_start_s"].reshape(len(sites), n)
    agree = all(
        feasible[k, i] == ok and (not ok or np.isclose(start[k, i], when))
        for (i, k), (ok, when) in zip(((i, k) for i in pick for k in range(len(sites))), plain, strict=True)
    )
    return {
        "engagement_speedup": baseline_seconds / ours,
        "engagement_peak_mb": peak / 2**20,
        "engagement_seconds": ours,
        "engagement_baseline_seconds_scaled": baseline_seconds,
        "engagement_speedup_vs_compiled_loop": compiled_loop_seconds / ours,
        "engagement_compiled_loop_seconds_scaled": compiled_loop_seconds,
        "engagement_baseline_n": int(pick.size),
        "engagement_threats": n,
        "engagement_sites": len(sites),
        "engagement_sensors": len(sensors),
        "engagement_rows": int(feasible.size),
        "engagement_feasible": int(feasible.sum()),
        "engagement_results_agree": bool(agree),
        "engagement_compiled_kernels": kernels.active(),
        "engagement_repeats": repeats,
    }


def trajectories_subset(trajectories, count: int):
    """The first ``count`` threats as a TrajectorySet of their own (re-solved; for warm-up only)."""
    return sr.trajectories(
        trajectories.launch_lat_deg[:count],
        trajectories.launch_lon_deg[:count],
        trajectories.aim_lat_deg[:count],
        trajectories.aim_lon_deg[:count],
        missile=trajectories.solution.missile.name[:count],
    )


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
