"""Robustness benchmark: ``roof compare epaa-phase-3 joint-lisbon --uncertainty 500`` on 2 local worker
processes, end to end (the point comparison, the pool's start-up, every variant, the bands), against
the 60 s target (``robustness_500_s``); and the same run of fewer variants on a local Dask cluster of
2 single-threaded workers, through the executor ``--scheduler`` connects, against a pool of 2 worker
processes (``dask_vs_pool_ratio``, Dask's time over the pool's; target within 10 %): both started, and
their workers warmed by a small run, before they are timed, so that the ratio is the executors' own
overhead and not the pool's start-up, which the end-to-end figure includes. On a machine others share
the times follow their load more than the executors; the CPU seconds this process and its children
(workers, and Dask's in-process scheduler and nannies) spent are compared too
(``dask_vs_pool_cpu_ratio``)."""

from __future__ import annotations

import time
from functools import partial

from securityroof.analysis.robustness import robustness
from securityroof.analysis.sweep import connect
from securityroof.model.scenario import load_scenario
from securityroof.physics import kernels

TARGET_S = 60.0
ARCHITECTURES = ("epaa-phase-3", "joint-lisbon")


def run(variants: int = 500, dask_variants: int = 500, dask: bool = True) -> dict:
    scenarios = [load_scenario(name) for name in ARCHITECTURES]
    robustness("compare", scenarios, 2, seed=1, workers=1)  # kernels compiled and loaded, fly-out tables cached
    started = time.perf_counter()
    robustness("compare", scenarios, variants, seed=0, workers=2)
    seconds = time.perf_counter() - started
    result = {"robustness_variants": variants, "robustness_seconds": seconds, "robustness_target_s": TARGET_S}
    if variants == 500:
        result["robustness_500_s"] = seconds
    if dask:
        result.update(_dask_against_pool(scenarios, dask_variants))
    return result


def _dask_against_pool(scenarios, variants: int) -> dict:
    try:
        import distributed
    except ImportError:
        return {"dask_vs_pool_ratio": None, "dask_vs_pool_cpu_ratio": None}
    pool = kernels.process_pool(2)
    try:
        _warm(pool, scenarios)
        pool_s, pool_cpu_s = _timed(pool, scenarios, variants)
    finally:
        pool.shutdown()
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        executor = connect(cluster.scheduler_address)  # as `--scheduler` runs on it
        try:
            # on every worker: submitted tasks may all go to the one worker that is free first
            executor.client.run(partial(robustness, "compare", scenarios, 4, 3, workers=1))
            dask_s, dask_cpu_s = _timed(executor, scenarios, variants)
        finally:
            executor.shutdown()
    return {
        "dask_variants": variants,
        "dask_seconds": dask_s,
        "pool_seconds": pool_s,
        "dask_vs_pool_ratio": dask_s / pool_s,
        "dask_cpu_seconds": dask_cpu_s,
        "pool_cpu_seconds": pool_cpu_s,
        "dask_vs_pool_cpu_ratio": dask_cpu_s / pool_cpu_s,
    }


def _warm(executor, scenarios) -> None:
    """Both workers load their kernels and the scenarios, as a standing pool's have: more one-variant
    batches than workers, each worker takes some."""
    robustness("compare", scenarios, 8, seed=3, executor=executor, batch_size=1)


def _timed(executor, scenarios, variants: int) -> tuple[float, float]:
    """Seconds, and CPU seconds of this process and its children, of the run."""
    started, cpu = time.perf_counter(), _cpu_s()
    robustness("compare", scenarios, variants, seed=2, executor=executor)
    return time.perf_counter() - started, _cpu_s() - cpu


def _cpu_s() -> float:
    import psutil  # a dependency of distributed's

    here = psutil.Process()
    return sum(sum(p.cpu_times()[:2]) for p in [here, *here.children(recursive=True)])


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
