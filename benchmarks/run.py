"""Targeted trajectories per second: securityroof against scipy ``solve_ivp``, in one run.

    python benchmarks/run.py              # 100,000 trajectories, readable summary
    python benchmarks/run.py --quick      # 10,000 trajectories, smaller baseline subsample
    python benchmarks/run.py --json       # one JSON object on stdout
    python benchmarks/run.py --batch-n N  # the end-to-end batch file run on N pairs (default 1,000,000)

Workload. N launch/aim pairs drawn with a seeded numpy RNG as threat pairs: a mix of catalog
missile classes, each launched from a box in its home region, aimed at a random bearing and at a
geodesic distance between 30 % and 95 % of the class's catalog ``range_km`` (placed with
``pyproj.Geod(ellps="WGS84").fwd``). WGS84, rotating Earth, point-mass gravity, minimum energy.

Our engine. The fast path users run, ``run_batch`` (``roof trajectory --batch``): CSV in, Parquet
out, chunks of ``securityroof.analysis.batch.CHUNK_ROWS`` solved in this process by the compiled kernels on
every core (without numba: one worker process per core), timed end to end (writing the input CSV
untimed). Rate = N / wall-clock seconds: ``trajectories_per_s``
(= ``batch_cli_trajectories_per_s``). The same pairs through ``securityroof.trajectories`` in one
process, keeping only the summaries, give ``single_process_trajectories_per_s``; with
``--no-batch-cli`` that is the headline rate.

Baseline. For a random subsample of M reachable trajectories, OUR solved burnout states (position,
Earth-relative velocity, burnout time) are converted to the inertial frame
(``securityroof.physics.earth.ecef_to_inertial``) and each is integrated by one ``scipy.integrate.solve_ivp``
call (two-body point-mass ODE in the inertial frame, terminal event when the radial height above the
WGS84 ellipsoid, ``securityroof.physics.earth.ellipsoid_height_along_radius_m``, crosses zero going down).
The tolerance is calibrated in the same run: for each method (RK45, DOP853) rtol is tightened from
loose to tight until every subsample flight time agrees with ours within 0.01 %; the loosest such
rtol is used, and the faster method at its rtol is the baseline. This baseline is generous: it only
propagates a burnout state we already found; it does not target (no iteration on the aim point).

Same accuracy. What 'the same accuracy' means for a targeted trajectory: landing on the aim point.
On the same subsample, rtol is tightened per method until every solve_ivp impact (Earth-fixed, at its
terminal event) lies within SAME_ACCURACY_MISS_M (10 m) of the aim point (ours: under 1 m); the faster
method at its loosest such rtol gives ``baseline_same_accuracy_trajectories_per_s`` and
``trajectory_speedup_same_accuracy`` (``trajectories_per_s`` over it). The flight-time calibration
above keeps its keys.

Batch file. ``batch_1m_trajectories_per_s``: 1,000,000 fresh pairs (``--batch-n``; 100,000 with
``--quick``) through ``run_batch`` end to end, CSV in, Parquet out.

Ratio: ``trajectory_speedup = trajectories_per_s / baseline_trajectories_per_s`` (the baseline runs
in one process); ``trajectory_speedup_single_process`` compares one process with one process. The
target is 1000x on 2 cores for 100,000 trajectories, with peak memory under 2 GB (``peak_memory_mb``:
this process's peak RSS plus, for the batch run, workers x the largest worker's peak RSS).

Ceiling. ``batch_io_seconds`` times, alone, what the batch path must do besides targeting: read the
pairs file, compute every pair's WGS84 geodesic ground range (pyproj) and write the results file;
``batch_io_ceiling_speedup`` is N over that time against the baseline, the highest ratio the batch
path could show on this machine if targeting took no time at all.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

import engagement_case
import footprint_case
import numpy as np
import robustness_case
import scipy
import startup_case
import sweep_case
import workbench_case
from pyproj import Geod
from scipy.integrate import solve_ivp

import securityroof as sr
from securityroof.analysis.batch import CHUNK_ROWS, default_batch_workers, read_pairs, run_batch
from securityroof.physics.earth import (
    WGS84,
    ecef_to_inertial,
    ellipsoid_height_along_radius_m,
    geodetic_to_ecef,
    inertial_to_ecef,
)

TARGET_SPEEDUP = 1000.0
MEMORY_LIMIT_MB = 2048.0
#: Flight times must agree within this relative difference (0.01 %).
FLIGHT_TIME_REL_TOL = 1e-4
#: 'The same accuracy' for a targeted trajectory: the baseline's impact within this of the aim point
#: (ours land within 1 m).
SAME_ACCURACY_MISS_M = 10.0
#: Pairs of the end-to-end batch file run (``batch_1m_trajectories_per_s``; fewer with --quick).
BATCH_1M_N = 1_000_000

#: Missile classes of the workload and the (lat, lon) boxes they are launched from.
LAUNCH_REGIONS = {
    "shahab-3": ((27.0, 38.0), (45.0, 60.0)),  # Iran
    "sejjil-2": ((27.0, 38.0), (45.0, 60.0)),  # Iran
    "generic-icbm-solid": ((27.0, 38.0), (45.0, 60.0)),  # notional future Iranian ICBM
    "ss-27": ((50.0, 58.0), (40.0, 90.0)),  # Russia
    "minuteman-3": ((40.0, 49.0), (-106.0, -96.0)),  # US northern plains
}
RANGE_FRACTION = (0.30, 0.95)

#: Candidate rtol values, loose to tight; atol is rtol times these scales (m, m/s), i.e. the
#: tolerance is relative to the problem's size (Earth radius, circular speed).
RTOL_CANDIDATES = (1e-3, 3e-4, 1e-4, 3e-5, 1e-5, 3e-6, 1e-6, 3e-7, 1e-7, 3e-8, 1e-8, 3e-9, 1e-9, 1e-10, 1e-11, 1e-12)
ATOL_SCALE = np.array([WGS84.equatorial_radius_m] * 3 + [7.9e3] * 3)
METHODS = ("RK45", "DOP853")


def make_workload(n: int, seed: int):
    """Launch/aim pairs (degrees) and missile names for ``n`` threat trajectories."""
    rng = np.random.default_rng(seed)
    catalog = sr.load_catalog()
    names = np.array(list(LAUNCH_REGIONS))
    missile = names[rng.integers(0, names.size, n)]
    lat0 = np.empty(n)
    lon0 = np.empty(n)
    range_m = np.empty(n)
    for name, ((lat_lo, lat_hi), (lon_lo, lon_hi)) in LAUNCH_REGIONS.items():
        rows = missile == name
        k = int(rows.sum())
        lat0[rows] = rng.uniform(lat_lo, lat_hi, k)
        lon0[rows] = rng.uniform(lon_lo, lon_hi, k)
        range_m[rows] = catalog.missiles[name].range_km * 1e3 * rng.uniform(*RANGE_FRACTION, k)
    bearing = rng.uniform(-180.0, 180.0, n)
    lon1, lat1, _ = Geod(ellps="WGS84").fwd(lon0, lat0, bearing, range_m)
    return lat0, lon0, np.asarray(lat1), np.asarray(lon1), missile


def run_engine(lat0, lon0, lat1, lon1, missile):
    """All pairs through ``trajectories`` in batch-sized chunks, keeping summaries only."""
    n = lat0.size
    kept = []
    started = time.perf_counter()
    for start in range(0, n, CHUNK_ROWS):
        part = slice(start, min(start + CHUNK_ROWS, n))
        result = sr.trajectories(lat0[part], lon0[part], lat1[part], lon1[part], missile=missile[part])
        kept.append(result.columns())
        del result
    seconds = time.perf_counter() - started
    columns = {key: np.concatenate([c[key] for c in kept]) for key in kept[0]}
    return seconds, columns


def two_body(t, y, mu):
    r0, r1, r2 = y[0], y[1], y[2]
    rr = r0 * r0 + r1 * r1 + r2 * r2
    k = -mu / (rr * math.sqrt(rr))
    return np.array([y[3], y[4], y[5], k * r0, k * r1, k * r2])


def _surface(t, y, mu):
    return ellipsoid_height_along_radius_m(y[:3], WGS84)


_surface.terminal = True
_surface.direction = -1


def baseline_flight_times(states, t0, method: str, rtol: float):
    """One ``solve_ivp`` call per inertial burnout state; returns (impact times, Earth-fixed impact
    positions, seconds)."""
    atol = rtol * ATOL_SCALE
    mu = WGS84.mu_m3_s2
    out = np.full(len(t0), np.nan)
    impact = np.full((len(t0), 3), np.nan)
    started = time.perf_counter()
    for i in range(len(t0)):
        sol = solve_ivp(
            two_body,
            (t0[i], t0[i] + 4.0 * 3600.0),
            states[i],
            method=method,
            rtol=rtol,
            atol=atol,
            events=_surface,
            args=(mu,),
        )
        if sol.t_events[0].size:
            out[i] = sol.t_events[0][0]
            impact[i] = sol.y_events[0][0][:3]
    seconds = time.perf_counter() - started
    return out, inertial_to_ecef(impact, np.zeros_like(impact), out, WGS84)[0], seconds


def run_baseline(columns, aim_ecef, m: int, seed: int):
    """Calibrate rtol per method on a subsample of reachable trajectories and time the faster method,
    twice: for flight times within FLIGHT_TIME_REL_TOL of ours, and for impacts within
    SAME_ACCURACY_MISS_M of the aim point (ours land within 1 m of it)."""
    reachable = np.flatnonzero(columns["reachable"])
    rng = np.random.default_rng(seed + 1)
    pick = np.sort(rng.choice(reachable, size=min(m, reachable.size), replace=False))
    position = np.stack([columns[k][pick] for k in ("burnout_x_m", "burnout_y_m", "burnout_z_m")], -1)
    velocity = np.stack([columns[k][pick] for k in ("burnout_vx_m_s", "burnout_vy_m_s", "burnout_vz_m_s")], -1)
    t0 = columns["burnout_time_s"][pick]
    ours = columns["flight_time_s"][pick]
    aim = aim_ecef[pick]
    r_eci, v_eci = ecef_to_inertial(position, velocity, t0, WGS84)
    states = np.concatenate([r_eci, v_eci], -1)

    def worst(values):
        return float(np.max(np.where(np.isfinite(values), values, np.inf)))

    baseline_flight_times(states[:2], t0[:2], "RK45", 1e-6)  # warm-up (imports, first-call costs)
    calibration, same_accuracy = {}, {}
    for method in METHODS:
        trials, flight_time_choice, miss_choice = [], None, None
        for rtol in RTOL_CANDIDATES:
            theirs, impact, seconds = baseline_flight_times(states, t0, method, rtol)
            trial = {
                "rtol": rtol,
                "max_flight_time_rel_diff": worst(np.abs(theirs - ours) / ours),
                "max_miss_m": worst(np.linalg.norm(impact - aim, axis=-1)),
                "seconds": seconds,
            }
            trials.append(trial)
            if flight_time_choice is None and trial["max_flight_time_rel_diff"] <= FLIGHT_TIME_REL_TOL:
                flight_time_choice = len(trials)
            if miss_choice is None and trial["max_miss_m"] <= SAME_ACCURACY_MISS_M:
                miss_choice = len(trials)
            if flight_time_choice and miss_choice:
                break
        if flight_time_choice is None:
            raise SystemExit(f"baseline {method}: no rtol down to {RTOL_CANDIDATES[-1]:g} agrees within 0.01 %")
        if miss_choice is None:
            raise SystemExit(
                f"baseline {method}: no rtol down to {RTOL_CANDIDATES[-1]:g} lands within {SAME_ACCURACY_MISS_M:g} m"
            )
        # Time each chosen tolerance again; keep the faster of the two passes (generous to the baseline).
        chosen = trials[flight_time_choice - 1]
        theirs, _, seconds = baseline_flight_times(states, t0, method, chosen["rtol"])
        calibration[method] = {
            "rtol": chosen["rtol"],
            "max_flight_time_rel_diff": max(
                chosen["max_flight_time_rel_diff"], float(np.max(np.abs(theirs - ours) / ours))
            ),
            "seconds": min(chosen["seconds"], seconds),
            "trials": trials[:flight_time_choice],
        }
        chosen = trials[miss_choice - 1]
        _, impact, seconds = baseline_flight_times(states, t0, method, chosen["rtol"])
        same_accuracy[method] = {
            "rtol": chosen["rtol"],
            "max_miss_m": max(chosen["max_miss_m"], worst(np.linalg.norm(impact - aim, axis=-1))),
            "seconds": min(chosen["seconds"], seconds),
            "tried": [{"rtol": t["rtol"], "max_miss_m": t["max_miss_m"]} for t in trials[:miss_choice]],
        }
    method = min(calibration, key=lambda k: calibration[k]["seconds"])
    return pick.size, method, calibration, same_accuracy


def run_batch_cli(lat0, lon0, lat1, lon1, missile, *, io_ceiling: bool = True):
    """``run_batch`` end to end: CSV in, Parquet out, in a temporary directory (CSV writing untimed);
    with ``io_ceiling``, also :func:`batch_io_seconds` (else None)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    with tempfile.TemporaryDirectory() as tmp:
        pairs = Path(tmp) / "pairs.csv"
        table = pa.table(
            {
                "launch_lat_deg": lat0,
                "launch_lon_deg": lon0,
                "aim_lat_deg": lat1,
                "aim_lon_deg": lon1,
                "missile": pa.array(missile.tolist(), type=pa.string()),
            }
        )
        pacsv.write_csv(table, pairs)
        results = Path(tmp) / "results.parquet"
        started = time.perf_counter()
        summary = run_batch(pairs, results)
        seconds = time.perf_counter() - started
        io = batch_io_seconds(pairs, results, lat0, lon0, lat1, lon1) if io_ceiling else None
        return seconds, summary.reachable, io


def batch_io_seconds(pairs: Path, results: Path, lat0, lon0, lat1, lon1) -> float:
    """What ``run_batch`` must spend besides targeting, timed alone: reading the pairs file, the
    WGS84 geodesic ground ranges (pyproj) of every pair, and writing the results file again. N over
    this is the highest rate the batch path could show on this machine if targeting took no time."""
    import pyarrow.parquet as pq

    table = pq.read_table(results)
    started = time.perf_counter()
    read_pairs(pairs)
    Geod(ellps="WGS84").inv(lon0, lat0, lon1, lat1)
    with pq.ParquetWriter(results.with_name("again.parquet"), table.schema) as writer:
        writer.write_table(table)
    return time.perf_counter() - started


def peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024.0 if sys.platform != "darwin" else peak / 2**20  # KiB on Linux, bytes on macOS


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--n", type=int, default=None, help="targeted trajectories to time (default 100,000; 10,000 with --quick)"
    )
    parser.add_argument(
        "--baseline-n", type=int, default=None, help="solve_ivp subsample size (default 200; 50 with --quick)"
    )
    parser.add_argument(
        "--batch-n",
        type=int,
        default=None,
        help="pairs of the end-to-end batch run (default 1,000,000; 100,000 with --quick)",
    )
    parser.add_argument("--quick", action="store_true", help="a smaller run for a quick check")
    parser.add_argument("--seed", type=int, default=20100101)
    parser.add_argument("--no-batch-cli", action="store_true", help="skip timing run_batch end to end")
    parser.add_argument("--no-engagement", action="store_true", help="skip the engagement case")
    parser.add_argument("--no-footprint", action="store_true", help="skip the footprint case and the demo timing")
    parser.add_argument("--no-sweep", action="store_true", help="skip the sweep scaling case")
    parser.add_argument("--no-workbench", action="store_true", help="skip the workbench (roof serve) case")
    parser.add_argument("--no-robustness", action="store_true", help="skip the robustness run and Dask cases")
    parser.add_argument("--json", action="store_true", help="print one JSON object to stdout")
    args = parser.parse_args(argv)
    n = args.n if args.n is not None else (10_000 if args.quick else 100_000)
    m = args.baseline_n if args.baseline_n is not None else (50 if args.quick else 200)
    if n < 1 or m < 1:
        parser.error("--n and --baseline-n must be positive")

    def say(text: str) -> None:
        if not args.json:
            print(text, flush=True)

    say(
        f"workload: {n:,} targeted trajectories ({', '.join(LAUNCH_REGIONS)}), "
        "WGS84, rotating, point mass, minimum energy"
    )
    lat0, lon0, lat1, lon1, missile = make_workload(n, args.seed)

    # Warm-up: first-call costs (catalog load, imports) stay out of the timing.
    sr.trajectories(lat0[:64], lon0[:64], lat1[:64], lon1[:64], missile=missile[:64]).columns()

    engine_seconds, columns = run_engine(lat0, lon0, lat1, lon1, missile)
    peak_mb = peak_rss_mb()
    rate = n / engine_seconds
    reachable = int(columns["reachable"].sum())
    miss = columns["miss_distance_m"][columns["reachable"]]
    max_miss = float(np.max(miss)) if miss.size else float("nan")
    say(
        f"securityroof: {n:,} in {engine_seconds:.2f} s = {rate:,.0f} trajectories/s "
        f"({reachable:,} reachable, max miss {max_miss:.3f} m), peak RSS {peak_mb:,.0f} MB"
    )

    batch_seconds = io_seconds = None
    workers = default_batch_workers()
    if not args.no_batch_cli:
        batch_seconds, _, io_seconds = run_batch_cli(lat0, lon0, lat1, lon1, missile)
        say(
            f"run_batch CSV -> Parquet on {workers} worker(s): {n:,} in {batch_seconds:.2f} s = "
            f"{n / batch_seconds:,.0f} trajectories/s; of which reading, geodesic ranges and writing alone "
            f"take {io_seconds:.2f} s"
        )
    single_rate = rate
    if batch_seconds is not None:
        rate = n / batch_seconds  # the fast path, end to end, on every core
    children_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
    peak_mb = max(peak_mb, peak_rss_mb()) + (workers * children_mb if batch_seconds is not None else 0.0)

    say(
        f"baseline: scipy solve_ivp, one call per trajectory, on {min(m, reachable)} of our burnout states; "
        "calibrating rtol ..."
    )
    aim_ecef = geodetic_to_ecef(np.radians(lat1), np.radians(lon1), 0.0, WGS84)
    baseline_n, method, calibration, same_accuracy = run_baseline(columns, aim_ecef, m, args.seed)
    chosen = calibration[method]
    baseline_rate = baseline_n / chosen["seconds"]
    speedup = rate / baseline_rate
    same_method = min(same_accuracy, key=lambda k: same_accuracy[k]["seconds"])
    same_rate = baseline_n / same_accuracy[same_method]["seconds"]

    batch_1m_n = args.batch_n if args.batch_n is not None else (100_000 if args.quick else BATCH_1M_N)
    batch_1m_seconds = None
    if not args.no_batch_cli:
        say(f"run_batch end to end on {batch_1m_n:,} pairs ...")
        batch_1m_seconds, _, _ = run_batch_cli(*make_workload(batch_1m_n, args.seed + 2), io_ceiling=False)
        say(f"  {batch_1m_n:,} in {batch_1m_seconds:.2f} s = {batch_1m_n / batch_1m_seconds:,.0f} trajectories/s")

    result = {
        "trajectory_speedup": speedup,
        "trajectories_per_s": rate,
        "baseline_trajectories_per_s": baseline_rate,
        "single_process_trajectories_per_s": single_rate,
        "trajectory_speedup_single_process": single_rate / baseline_rate,
        "workers": workers if batch_seconds is not None else 1,
        "n": n,
        "reachable": reachable,
        "engine_seconds": engine_seconds,
        "chunk_rows": CHUNK_ROWS,
        "baseline_n": baseline_n,
        "baseline_method": method,
        "baseline_rtol": chosen["rtol"],
        "baseline_atol_scale": {"position_m": float(ATOL_SCALE[0]), "velocity_mps": float(ATOL_SCALE[3])},
        "baseline_seconds": chosen["seconds"],
        "max_flight_time_rel_diff": chosen["max_flight_time_rel_diff"],
        "flight_time_rel_tol": FLIGHT_TIME_REL_TOL,
        "baseline_calibration": {
            k: {
                "rtol": v["rtol"],
                "trajectories_per_s": baseline_n / v["seconds"],
                "max_flight_time_rel_diff": v["max_flight_time_rel_diff"],
                "tried": [
                    {"rtol": t["rtol"], "max_flight_time_rel_diff": t["max_flight_time_rel_diff"]} for t in v["trials"]
                ],
            }
            for k, v in calibration.items()
        },
        "baseline_note": (
            "generous: solve_ivp only propagates burnout states securityroof already targeted; it does no targeting"
        ),
        "baseline_same_accuracy_trajectories_per_s": same_rate,
        "trajectory_speedup_same_accuracy": rate / same_rate,
        "trajectory_speedup_same_accuracy_single_process": single_rate / same_rate,
        "baseline_same_accuracy_method": same_method,
        "baseline_same_accuracy_rtol": same_accuracy[same_method]["rtol"],
        "baseline_same_accuracy_max_miss_m": same_accuracy[same_method]["max_miss_m"],
        "same_accuracy_miss_m": SAME_ACCURACY_MISS_M,
        "baseline_same_accuracy_calibration": {
            k: {
                "rtol": v["rtol"],
                "trajectories_per_s": baseline_n / v["seconds"],
                "max_miss_m": v["max_miss_m"],
                "tried": v["tried"],
            }
            for k, v in same_accuracy.items()
        },
        "batch_1m_trajectories_per_s": None if batch_1m_seconds is None else batch_1m_n / batch_1m_seconds,
        "batch_1m_n": batch_1m_n if batch_1m_seconds is not None else None,
        "batch_cli_trajectories_per_s": None if batch_seconds is None else n / batch_seconds,
        "batch_io_seconds": io_seconds,
        "batch_io_ceiling_speedup": None if io_seconds is None else n / io_seconds / baseline_rate,
        "peak_memory_mb": peak_mb,
        "peak_memory_mb_end": peak_rss_mb(),
        "memory_limit_mb": MEMORY_LIMIT_MB,
        "memory_ok": peak_mb < MEMORY_LIMIT_MB,
        "target_speedup": TARGET_SPEEDUP,
        "meets_target": bool(speedup >= TARGET_SPEEDUP),
        "model": {"earth": "wgs84", "rotating": True, "gravity": "point-mass", "trajectory": "minimum-energy"},
        "seed": args.seed,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "securityroof": sr.__version__,
        "cpu_count": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "platform": platform.platform(),
    }

    if not args.no_engagement:
        say("engagement: threats x 10 sites x 5 sensors, vectorized against a plain loop over threats and assets ...")
        result.update(engagement_case.run(n=1_000 if args.quick else 10_000, baseline_n=30 if args.quick else 100))
    if not args.no_footprint:
        say("footprint: epaa-phase-3, 100 x 100 aim points x 5 launch regions, against a per-cell loop; roof demo ...")
        result.update(
            footprint_case.run(cells_per_side=30 if args.quick else 100, baseline_cells=10 if args.quick else 20)
        )
    if not args.no_sweep:
        say("sweep: engagement variants on 1 and 2 worker processes ...")
        result.update(sweep_case.run(variants=200 if args.quick else 1000))
    if not args.no_robustness:
        say("robustness: compare epaa-phase-3 joint-lisbon --uncertainty 500 on 2 workers; Dask against the pool ...")
        result.update(robustness_case.run(variants=50 if args.quick else 500, dask_variants=50 if args.quick else 500))
    say("start-up: roof --version, --help and validate in fresh processes ...")
    result.update(startup_case.run())
    if not args.no_workbench:
        say("workbench: roof serve joint-lisbon, what-ifs and the deterrence panel through its HTTP API ...")
        result.update(workbench_case.run())
    if args.json:
        print(json.dumps(result))
        return 0
    for name, v in calibration.items():
        tried = ", ".join(f"{t['rtol']:g}: {t['max_flight_time_rel_diff']:.1e}" for t in v["trials"])
        print(f"  {name:6s} rtol tried (max rel. flight-time diff) {tried}")
        print(f"  {name:6s} loosest agreeing rtol {v['rtol']:g}: {baseline_n / v['seconds']:,.1f} trajectories/s")
    print(
        f"baseline: {method} at rtol {chosen['rtol']:g} "
        f"(atol = rtol x [{ATOL_SCALE[0]:.0f} m, {ATOL_SCALE[3]:.0f} m/s]): "
        f"{baseline_rate:,.1f} trajectories/s, max flight-time difference {chosen['max_flight_time_rel_diff']:.1e} "
        f"(limit {FLIGHT_TIME_REL_TOL:.0e})"
    )
    print("  (a generous baseline: it only propagates burnout states we already targeted; it does not target)")
    for name, v in same_accuracy.items():
        tried = ", ".join(f"{t['rtol']:g}: {t['max_miss_m']:.3g} m" for t in v["tried"])
        print(f"  {name:6s} rtol tried (max distance from the aim point) {tried}")
    print(
        f"same-accuracy baseline (impact within {SAME_ACCURACY_MISS_M:g} m of the aim point): {same_method} at rtol "
        f"{same_accuracy[same_method]['rtol']:g}: {same_rate:,.1f} trajectories/s; speedup {rate / same_rate:,.1f}x, "
        f"{single_rate / same_rate:,.1f}x in one process"
    )
    if result["batch_1m_trajectories_per_s"] is not None:
        print(
            f"batch file end to end: {batch_1m_n:,} pairs at "
            f"{result['batch_1m_trajectories_per_s']:,.0f} trajectories/s"
        )
    if io_seconds is not None:
        print(
            f"  (reading the pairs, their geodesic ranges and writing the results alone allow at most "
            f"{result['batch_io_ceiling_speedup']:,.0f}x on this machine, with targeting free)"
        )
    verdict = "met" if result["meets_target"] else "NOT met"
    print(
        f"speedup: {speedup:,.1f}x on {result['workers']} worker(s), "
        f"{single_rate / baseline_rate:,.1f}x in one process (target {TARGET_SPEEDUP:,.0f}x: {verdict}); "
        f"peak memory {peak_mb:,.0f} MB ({'under' if result['memory_ok'] else 'OVER'} {MEMORY_LIMIT_MB:,.0f} MB)"
    )
    print(
        f"start-up: roof --version {result['startup_version_s']:.2f} s, --help {result['startup_help_s']:.2f} s "
        f"(target < 0.3 s), validate {result['startup_validate_s']:.2f} s (target < 1 s): "
        f"{'met' if result['startup_targets_met'] else 'NOT met'}"
    )
    if "workbench_first_load_s" in result:
        print(
            f"workbench: first load {result['workbench_first_load_s']:.2f} s (target < 2 s; "
            f"{result['workbench_first_load_computed_s']:.2f} s on a first start, computed); what-ifs median "
            f"{result['workbench_whatif_median_ms']:.0f} ms, worst {result['workbench_whatif_max_ms']:.0f} ms "
            f"(targets < 300 ms, < 1 s; a speed never seen before {result['workbench_whatif_new_speed_ms']:.0f} ms); "
            f"deterrence panel {result['workbench_deterrence_ms']:.0f} ms: "
            f"{'met' if result['workbench_targets_met'] else 'NOT met'}"
        )
    if "engagement_speedup" in result:
        verdict = "met" if result["engagement_speedup"] >= 100 else "NOT met"
        print(
            f"engagement: {result['engagement_threats']:,} threats x {result['engagement_sites']} sites x "
            f"{result['engagement_sensors']} sensors in {result['engagement_seconds']:.2f} s; plain loop "
            f"{result['engagement_baseline_seconds_scaled']:.1f} s (scaled from {result['engagement_baseline_n']} "
            f"threats); speedup {result['engagement_speedup']:.1f}x (target 100x: {verdict}), "
            f"{result['engagement_speedup_vs_compiled_loop']:.1f}x against the same loop on the compiled kernels; "
            f"peak {result['engagement_peak_mb']:.0f} MB; results agree: {result['engagement_results_agree']}"
        )
    if "footprint_speedup" in result:
        verdict = "met" if result["footprint_speedup"] >= 100 else "NOT met"
        print(
            f"footprint: {result['footprint_cells']:,} cells x 5 launch regions "
            f"in {result['footprint_seconds']:.2f} s; "
            f"per-cell loop {result['footprint_baseline_seconds_scaled']:.0f} s (scaled from "
            f"{result['footprint_baseline_cells']} cells); speedup {result['footprint_speedup']:.0f}x (target 100x: "
            f"{verdict}); {result['footprint_speedup_vs_compiled_cells']:.0f}x against the same loop on the "
            f"compiled kernels; roof demo {result['demo_wall_s']:.1f} s"
        )
    if "sweep_scaling_2_workers" in result:
        print(
            f"sweep: {result['sweep_variants']:,} variants in {result['sweep_seconds_1_worker']:.1f} s on 1 worker, "
            f"{result['sweep_seconds_2_workers']:.1f} s on 2: scaling {result['sweep_scaling_2_workers']:.2f}x "
            f"(target 1.7x); overhead {result['sweep_overhead_fraction']:+.1%} of compute (target < 10 %)"
        )
    if "robustness_seconds" in result:
        ratio = result.get("dask_vs_pool_ratio")
        print(
            f"robustness: {result['robustness_variants']:,} variants of compare "
            f"{' '.join(robustness_case.ARCHITECTURES)} "
            f"in {result['robustness_seconds']:.1f} s on 2 workers (target: 500 in {robustness_case.TARGET_S:.0f} s); "
            + ("Dask not installed" if ratio is None else f"a local Dask cluster of 2 workers takes {ratio:.2f}x the "
               f"process pool's time on {result['dask_variants']} variants (target <= 1.10x), "
               f"{result['dask_vs_pool_cpu_ratio']:.2f}x its CPU time")
        )  # fmt: skip
    print(
        f"python {result['python']}, numpy {result['numpy']}, scipy {result['scipy']}, {result['cpu_count']} CPUs "
        f"({result['usable_cpus']} usable)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
