"""Processes: workers die with their driver, and a run whose workers, scheduler or disk fail stops with
one line naming the cause, leaving what it wrote for the same command to resume (issue 11: D4, D12)."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

psutil = pytest.importorskip("psutil")

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT / "src")}

SWEEP = """
name = "many"
description = "enough one-variant batches that any kill lands mid-way"
scenario = "example-shared"
outcomes = ["engagements"]
batch_size = 1
[[axis]]
name = "ib_speed"
kind = "parameter"
class = "sm-3-ib"
field = "burnout_speed_km_s"
values = [{speeds}]
"""


def write_sweep(path: Path, variants: int) -> Path:
    path.write_text(SWEEP.format(speeds=", ".join(f"{2.5 + 0.001 * i:.3f}" for i in range(variants))))
    return path


def roof(*args) -> list[str]:
    return [sys.executable, "-m", "securityroof", *map(str, args)]


def alive(process) -> bool:
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def wait_for_workers(driver: subprocess.Popen, count: int) -> list:
    """The driver's descendant processes once ``count`` of them run (the pool's workers, and a fork
    server and resource tracker where the start method uses them)."""
    parent = psutil.Process(driver.pid)
    deadline = time.time() + 60
    while time.time() < deadline:
        assert driver.poll() is None, "the driver ended before its workers could be seen"
        if len(parent.children(recursive=True)) >= count:
            time.sleep(0.5)  # the workers have run their initializer, and any started later are counted
            return parent.children(recursive=True)
        time.sleep(0.05)
    raise AssertionError(f"fewer than {count} worker processes after 60 s")


def kill_and_expect_orphans_gone(driver: subprocess.Popen, children: list) -> None:
    os.kill(driver.pid, signal.SIGKILL)
    driver.wait()
    deadline = time.time() + 10
    while time.time() < deadline and any(alive(c) for c in children):
        time.sleep(0.05)
    left = [c.pid for c in children if alive(c)]
    for child in children:
        if alive(child):
            child.kill()  # leave no stray process to the next test
    assert not left, f"processes {left} outlived their killed driver"


# --- D4a: workers die with their driver -------------------------------------------------------------

DRIVER = textwrap.dedent(
    """
    import multiprocessing, sys, threading, time

    def start():
        from securityroof import kernels
        pool = kernels.process_pool(2)
        for _ in range(2):
            pool.submit(time.sleep, 120)

    if __name__ == "__main__":
        how = sys.argv[1]
        if how != "thread":
            multiprocessing.set_start_method(how)
        if how == "thread":  # made from another thread: no parent-death signal, the watcher alone
            maker = threading.Thread(target=start)
            maker.start()
            maker.join()
        else:
            start()
        time.sleep(120)
    """
)


@pytest.mark.parametrize("how", ["fork", "forkserver", "spawn", "thread"])
def test_pool_workers_die_with_a_killed_driver(tmp_path, how):
    """D4a: `kill -9` of the driver left every pool worker alive (~250 MB each), whatever the start
    method; workers made from a thread other than the main one rely on the parent watcher."""
    script = tmp_path / "driver.py"
    script.write_text(DRIVER)
    driver = subprocess.Popen([sys.executable, str(script), how], env=ENV)
    # two workers, plus the fork server and resource tracker of the start methods that use them
    children = wait_for_workers(driver, {"fork": 2, "thread": 2, "spawn": 3, "forkserver": 4}[how])
    kill_and_expect_orphans_gone(driver, children)


def test_sweep_workers_die_with_a_killed_roof_sweep(tmp_path):
    """D4a through the command: `roof sweep --workers 2`, killed with SIGKILL mid-run."""
    spec = write_sweep(tmp_path / "many.toml", 2000)
    command = roof("sweep", spec, "--out", tmp_path / "out", "--workers", 2)
    driver = subprocess.Popen(command, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline and not list((tmp_path / "out" / "results").glob("part-*.parquet")):
        time.sleep(0.05)
    kill_and_expect_orphans_gone(driver, wait_for_workers(driver, 2))


def test_batch_workers_die_with_a_killed_roof_trajectory_batch(tmp_path):
    """D4a through the command: `roof trajectory --batch ... --workers 2`, killed with SIGKILL mid-run."""
    pairs = tmp_path / "pairs.csv"
    row = "38.08,46.29,39.93,32.86\n35.23,53.92,52.23,21.01\n"
    pairs.write_text("launch_lat_deg,launch_lon_deg,aim_lat_deg,aim_lon_deg\n" + row * 60_000)
    command = roof("trajectory", "--batch", pairs, "--out", tmp_path / "out.parquet", "--missile", "shahab-3",
                   "--workers", 2)  # fmt: skip
    driver = subprocess.Popen(command, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    kill_and_expect_orphans_gone(driver, wait_for_workers(driver, 2))
