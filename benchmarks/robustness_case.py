"""Robustness benchmark: ``roof compare epaa-phase-3 joint-lisbon --uncertainty 500`` on 2 local worker
processes, end to end (the point comparison, the pool's start-up, every variant, the bands), against
the 60 s target (``robustness_500_s``); and the same run of fewer variants on a local Dask cluster of
2 single-threaded workers against the process pool (``dask_vs_pool_ratio``, Dask's time over the
pool's; target within 10 %). The cluster is started, and each of its workers has run a small
robustness run, before it is timed, as a standing cluster's would have; the pool is started inside
the timed run, as `roof compare` starts it."""

from __future__ import annotations

import time
from functools import partial

from securityroof.analysis.robustness import robustness
from securityroof.model.scenario import load_scenario

TARGET_S = 60.0
ARCHITECTURES = ("epaa-phase-3", "joint-lisbon")


def run(variants: int = 500, dask_variants: int = 200, dask: bool = True) -> dict:
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
        return {"dask_vs_pool_ratio": None}
    started = time.perf_counter()
    robustness("compare", scenarios, variants, seed=2, workers=2)
    pool = time.perf_counter() - started
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        # every worker has loaded its kernels and the scenarios, as a standing cluster's have
        client.run(partial(robustness, "compare", scenarios, 2, 3, workers=1))
        executor = client.get_executor()
        started = time.perf_counter()
        robustness("compare", scenarios, variants, seed=2, executor=executor)
        on_dask = time.perf_counter() - started
    return {
        "dask_variants": variants,
        "dask_seconds": on_dask,
        "pool_seconds": pool,
        "dask_vs_pool_ratio": on_dask / pool,
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
