"""Workbench: how fast `roof serve` answers, through its HTTP API, in one run.

A fresh `roof serve joint-lisbon --no-open` process on a free 127.0.0.1 port:

- ``workbench_first_load_s``: from starting the process until ``GET /`` and the evaluation of the
  initial state (``POST /api/evaluate {"base": "joint-lisbon"}``) have both completed, the answer an
  earlier run kept on disk shown (as on every start but the first after an install or a change);
  ``workbench_first_load_computed_s``: the same with no answer kept (the first start), computed;
- ``workbench_whatif_median_ms`` / ``_max_ms``: each a what-if the server has not seen (so no answer
  is cached), timed at the client: one interceptor class's speed changed (the engagements of the
  288-trajectory threat set, the 1° footprint and the cities), and the sharing policy changed. Every
  speed is first visited once under another sharing policy, so that its fly-out table (built once per
  speed, kept on disk) is not timed; ``workbench_whatif_new_speed_ms`` is one speed never seen before;
- ``workbench_deterrence_ms``: the deterrence panel (the default speed × delay grid) of what-if states
  not asked before, median; the strategic pairs flown once beforehand.

Targets on 2 cores: median < 300 ms and worst < 1 s for each kind of change, first load < 2 s.
"""

from __future__ import annotations

import os
import shutil
import socket
import statistics
import subprocess
import sys
import time

import httpx

from securityroof.io.flyout_cache import cache_dir

SCENARIO = "joint-lisbon"
SPEEDS_KM_S = (4.0, 5.0, 5.5, 6.0, 4.2, 4.8)
POLICIES = ({"policy": "within-party"}, {"policy": "none"}, {"policy": "pairs", "pairs": [["russia", "nato"]]})


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _timed(client: httpx.Client, path: str, body: dict) -> float:
    started = time.perf_counter()
    response = client.post(path, json=body)
    response.raise_for_status()
    return (time.perf_counter() - started) * 1e3


def _start() -> tuple[subprocess.Popen, httpx.Client, float]:
    """``roof serve`` started, its page and first evaluation fetched: the server, a client of it, and
    the seconds from the start until both had answered."""
    port = _free_port()
    started = time.perf_counter()
    server = subprocess.Popen(
        [sys.executable, "-m", "securityroof", "serve", SCENARIO, "--no-open", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ},
    )
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120.0, trust_env=False)
    while True:
        if server.poll() is not None:
            raise SystemExit(f"roof serve stopped: {server.stderr.read().decode()}")
        try:
            client.get("/")
            break
        except httpx.TransportError:
            time.sleep(0.02)
    client.post("/api/evaluate", json={"state": {"base": SCENARIO}}).raise_for_status()
    return server, client, time.perf_counter() - started


def _stop(server: subprocess.Popen) -> None:
    server.terminate()
    server.wait(timeout=30)


def run(speeds=SPEEDS_KM_S, deterrence_states: int = 3) -> dict:
    shutil.rmtree(cache_dir() / "answers", ignore_errors=True)
    server, _, first_load_computed = _start()  # the first start computes, and keeps, its answer
    _stop(server)
    server, client, first_load = _start()
    try:
        base = {"base": SCENARIO}

        # each speed's fly-out table built (or read from disk) under another policy: not timed below
        for speed in speeds:
            _timed(
                client, "/api/evaluate", {"state": {**base, "speeds_km_s": {"sm-3-iia": speed}, "sharing": POLICIES[0]}}
            )
        speed_ms = [
            _timed(client, "/api/evaluate", {"state": {**base, "speeds_km_s": {"sm-3-iia": s}}}) for s in speeds
        ]
        sharing_ms = [
            _timed(client, "/api/evaluate", {"state": {**base, "speeds_km_s": {"sm-3-iia": s}, "sharing": policy}})
            for s in speeds[:2]
            for policy in POLICIES[1:]
        ]
        new_speed_ms = _timed(client, "/api/evaluate", {"state": {**base, "speeds_km_s": {"sm-3-iia": 4.321}}})

        _timed(client, "/api/deterrence", {"state": base})  # the strategic pairs flown once
        deterrence_ms = [
            _timed(client, "/api/deterrence", {"state": {**base, "speeds_km_s": {"sm-3-iia": s}}})
            for s in speeds[:deterrence_states]
        ]
    finally:
        _stop(server)
    whatifs = speed_ms + sharing_ms
    return {
        "workbench_first_load_s": first_load,
        "workbench_first_load_computed_s": first_load_computed,
        "workbench_whatif_median_ms": statistics.median(whatifs),
        "workbench_whatif_max_ms": max(whatifs),
        "workbench_whatif_speed_median_ms": statistics.median(speed_ms),
        "workbench_whatif_sharing_median_ms": statistics.median(sharing_ms),
        "workbench_whatif_new_speed_ms": new_speed_ms,
        "workbench_deterrence_ms": statistics.median(deterrence_ms),
        "workbench_deterrence_max_ms": max(deterrence_ms),
        "workbench_targets_met": bool(
            statistics.median(speed_ms) < 300
            and statistics.median(sharing_ms) < 300
            and max(whatifs) < 1000
            and first_load < 2.0
        ),
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
