"""Sweep benchmark: a 1,000-variant engagement sweep (example-shared: SM-3 IB speed x decision
delay) on 1 and on 2 local worker processes, and the per-variant overhead (pool, scenario loading,
Parquet I/O) against the compute of the same variants run in-process, in the same run; each timed
twice, the faster kept."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

from securityroof.analysis.sweep import load_sweep, run_sweep, run_variant
from securityroof.model.scenario import load_scenario
from securityroof.physics import kernels


def sweep_text(speeds: int, delays: int) -> str:
    speed_values = ", ".join(f"{v:.4f}" for v in np.linspace(2.5, 4.0, speeds))
    delay_values = ", ".join(f"{v:.1f}" for v in np.linspace(0.0, 600.0, delays))
    return f"""
name = "benchmark"
description = "benchmark sweep"
scenario = "example-shared"
outcomes = ["engagements"]
batch_size = 25
[[axis]]
name = "ib_speed"
kind = "parameter"
class = "sm-3-ib"
field = "burnout_speed_km_s"
values = [{speed_values}]
[[axis]]
name = "decision_delay_s"
kind = "decision-delay"
values = [{delay_values}]
"""


def run(variants: int = 1000) -> dict:
    speeds = 50
    delays = max(1, variants // speeds)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "benchmark.toml"
        path.write_text(sweep_text(speeds, delays))
        sweep = load_sweep(str(path))
        values = sweep.variants()
        base = load_scenario("example-shared")
        # Warm-up: every distinct interceptor's fly-out table built and cached on disk, as a real
        # sweep's first variants would; the timings below are the steady state.
        for v in values[::delays]:
            run_variant(base, sweep.spec, v)
        # The compute of every variant, in this process and on one thread as sweep batches run,
        # timed next to the 1-worker run it is compared with; both twice, the faster kept (a
        # variant takes milliseconds, so machine noise is the size of the overhead sought).
        computes, walls = [], {1: [], 2: []}
        for attempt in range(2):
            with kernels.one_thread():
                started = time.perf_counter()
                for v in values:
                    run_variant(base, sweep.spec, v)
                computes.append(time.perf_counter() - started)
            for workers in (1, 2):
                started = time.perf_counter()
                run_sweep(sweep, Path(tmp) / f"out{workers}-{attempt}", workers=workers)
                walls[workers].append(time.perf_counter() - started)
        compute, walls = min(computes), {workers: min(times) for workers, times in walls.items()}
    return {
        "sweep_variants": len(values),
        "sweep_seconds_1_worker": walls[1],
        "sweep_seconds_2_workers": walls[2],
        "sweep_scaling_2_workers": walls[1] / walls[2],
        "sweep_compute_seconds": compute,
        # Negative values are measurement noise: the overhead is below what this run can resolve.
        "sweep_overhead_fraction": (walls[1] - compute) / compute,
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
