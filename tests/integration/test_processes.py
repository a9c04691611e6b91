"""Processes: workers die with their driver, and a run whose workers, scheduler or disk fail stops with
one line naming the cause, leaving what it wrote for the same command to resume (issue 11: D4, D12)."""

import contextlib
import errno
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from typer.testing import CliRunner

import securityroof.analysis.sweep as sweep_module
from securityroof.analysis.sweep import load_sweep, read_results, run_sweep
from securityroof.model.scenario import library_folder
from securityroof.present.cli import app

psutil = pytest.importorskip("psutil")

ROOT = Path(__file__).resolve().parents[2]
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
        from securityroof.physics import kernels
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


# --- D12: a run whose workers, scheduler or disk fail ends in one line and resumes -------------------


def one_line(stderr: str, *expected: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    for text in expected:
        assert text in lines[0], lines[0]
    return lines[0]


def reference_rows(spec: Path, out: Path) -> list[dict]:
    """The clean result of a sweep, computed in this process."""
    with ThreadPoolExecutor(1) as in_process:
        run_sweep(load_sweep(str(spec)), out, executor=in_process)
    return rows(out)


def rows(out: Path) -> list[dict]:
    return read_results(out).sort_by([("variant_id", "ascending"), ("outcome", "ascending"),
                                      ("subject", "ascending")]).to_pylist()  # fmt: skip


def pool_workers(driver: subprocess.Popen) -> list:
    """The driver's pool workers: its leaf descendants other than multiprocessing's resource tracker."""
    found = []
    for process in psutil.Process(driver.pid).children(recursive=True):
        with contextlib.suppress(psutil.NoSuchProcess):
            if not process.children() and "resource_tracker" not in " ".join(process.cmdline()):
                found.append(process)
    return found


def wait_for_parts(out: Path, count: int, driver: subprocess.Popen) -> None:
    deadline = time.time() + 60
    while len(list((out / "results").glob("part-*.parquet"))) < count:
        assert time.time() < deadline and driver.poll() is None, "the sweep ended before it could be interrupted"
        time.sleep(0.05)


def test_a_killed_pool_worker_ends_a_sweep_in_one_line_and_the_same_command_resumes(tmp_path):
    """D12: a dead pool worker (the out-of-memory killer, say) ended `roof sweep` in a
    BrokenProcessPool traceback."""
    # enough variants that work is still pending when the worker dies: a variant computes in about a
    # millisecond, faster than the driver writes its part, so with few all are computed at the first part
    spec = write_sweep(tmp_path / "many.toml", 600)
    out = tmp_path / "out"
    command = roof("sweep", spec, "--out", out, "--workers", 2)
    driver = subprocess.Popen(command, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wait_for_parts(out, 1, driver)
    # the driver held still while a worker dies: the pool's queue keeps only a few variants ahead of
    # the workers, so the survivor cannot finish the sweep before the driver sees the death
    held = psutil.Process(driver.pid)
    held.suspend()
    try:
        pool_workers(driver)[-1].kill()
    finally:
        held.resume()
    _, stderr = driver.communicate(timeout=60)
    assert driver.returncode == 1
    line = one_line(stderr, "--workers: a worker process died", f"variants are saved in {out}", "same command")
    assert "of 600 variants" in line
    assert len(list((out / "results").glob("part-*.parquet"))) < 600
    subprocess.run(command, env=ENV, check=True, capture_output=True, timeout=120)
    assert rows(out) == reference_rows(spec, tmp_path / "clean")


def test_a_killed_pool_worker_ends_a_batch_in_one_line_and_leaves_the_old_results(tmp_path):
    """D12: the same for `roof trajectory --batch --workers 2`, whose earlier results stay whole."""
    pairs = tmp_path / "pairs.csv"
    row = "38.08,46.29,39.93,32.86\n35.23,53.92,52.23,21.01\n"
    pairs.write_text("launch_lat_deg,launch_lon_deg,aim_lat_deg,aim_lon_deg\n" + row * 60_000)
    out = tmp_path / "out.csv"
    out.write_text("old,results\n")
    command = roof("trajectory", "--batch", pairs, "--out", out, "--missile", "shahab-3", "--workers", 2)
    driver = subprocess.Popen(command, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wait_for_workers(driver, 2)
    pool_workers(driver)[-1].kill()
    _, stderr = driver.communicate(timeout=60)
    assert driver.returncode == 1
    one_line(stderr, "--workers: a worker process died", f"{out} is unchanged")
    assert out.read_text() == "old,results\n"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]


@pytest.fixture
def in_process_pool(monkeypatch):
    """`roof sweep` computes in this process (so that patches apply to the writes)."""
    monkeypatch.setattr(sweep_module.kernels, "process_pool", lambda workers: ThreadPoolExecutor(1))


def test_a_full_disk_during_a_sweep_is_one_line_and_the_same_command_resumes(tmp_path, monkeypatch, in_process_pool):
    """D12: ENOSPC while a part file is written (after two were) names the cause, keeps what was
    written, and a re-run finishes the sweep with the clean result."""
    spec = write_sweep(tmp_path / "many.toml", 6)
    out = tmp_path / "out"
    write_table = sweep_module.pq.write_table
    calls = []

    def fills_the_disk_at_the_third(table, where, *args, **kwargs):
        calls.append(where)
        if len(calls) == 3:
            Path(where).write_bytes(b"PAR1 half a part")
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return write_table(table, where, *args, **kwargs)

    monkeypatch.setattr(sweep_module.pq, "write_table", fills_the_disk_at_the_third)
    result = CliRunner().invoke(app, ["sweep", str(spec), "--out", str(out)])
    assert result.exit_code == 2
    one_line(result.stderr, f"--out: {out / 'results'}", "the disk is full", "2 of 6 variants are saved", "resumes")
    assert len(list((out / "results").glob("part-*.parquet"))) == 2
    assert not list((out / "results").glob("*.partial"))
    monkeypatch.setattr(sweep_module.pq, "write_table", write_table)
    assert CliRunner().invoke(app, ["sweep", str(spec), "--out", str(out)]).exit_code == 0
    assert rows(out) == reference_rows(spec, tmp_path / "clean")


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs a Linux /proc")
@pytest.mark.parametrize("out", ["/proc/x", "/proc", "/proc/self/fd"])
def test_a_sweep_into_a_directory_that_takes_no_files_is_one_line(tmp_path, out):
    """D12: an unwritable --out under /proc: one line naming the real reason (it said "No such file
    or directory" of /proc/x, whose directory exists)."""
    spec = write_sweep(tmp_path / "many.toml", 2)
    result = CliRunner().invoke(app, ["sweep", str(spec), "--out", out])
    assert result.exit_code == 2
    one_line(result.stderr, f"--out: {out}", "files cannot be created")


# --- D4b, D4c, D12: sweeps on a Dask scheduler ------------------------------------------------------


def start_dask(what: list[str], cwd: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", *what], cwd=cwd, env=ENV,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip


@pytest.fixture
def scheduler(tmp_path):
    """A Dask scheduler on loopback in its own process: (address, process). It, and every worker
    started with ``start_dask`` into the returned list, is stopped afterwards."""
    pytest.importorskip("distributed")
    record = tmp_path / "scheduler.json"
    processes = [start_dask(["distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0",
                             "--dashboard-address", ":0", "--scheduler-file", str(record)], tmp_path)]  # fmt: skip
    deadline = time.time() + 60
    while not record.is_file() or not record.read_text().strip():
        assert time.time() < deadline and processes[0].poll() is None, "the scheduler did not start"
        time.sleep(0.1)
    yield json.loads(record.read_text())["address"], processes
    for process in processes:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def start_worker(address: str, cwd: Path, processes: list) -> None:
    processes.append(start_dask(["distributed.cli.dask_worker", address, "--nthreads", "1", "--nworkers", "1",
                                 "--no-dashboard"], cwd))  # fmt: skip


def test_a_scheduler_without_workers_times_out_in_one_line(tmp_path, scheduler):
    """D4c: `roof sweep --scheduler` on a scheduler that no worker joined waited for ever, silently."""
    address, _ = scheduler
    spec = write_sweep(tmp_path / "many.toml", 2)
    started = time.time()
    result = CliRunner().invoke(app, ["sweep", str(spec), "--out", str(tmp_path / "out"),
                                      "--scheduler", address, "--wait-workers", "1.5"])  # fmt: skip
    assert result.exit_code == 1 and time.time() - started < 20
    one_line(result.stderr, f"no workers joined the scheduler at {address} in 1.5 s", "--wait-workers")
    bad = CliRunner().invoke(app, ["sweep", str(spec), "--out", str(tmp_path / "o"), "--wait-workers", "0"])
    assert bad.exit_code == 2 and "--wait-workers" in bad.stderr


def test_a_relative_base_scenario_is_the_drivers_on_workers_in_another_directory(tmp_path, scheduler):
    """D4b: the sweep file names its base scenario relative to itself, the driver is given relative
    paths, and the worker runs in another directory holding a different file at those relative
    paths: the rows are the driver's scenario's."""
    address, processes = scheduler
    (tmp_path / "spec").mkdir()
    (tmp_path / "scenarios").mkdir()
    base = (library_folder() / "example-shared.toml").read_text()
    (tmp_path / "scenarios" / "base.toml").write_text(base)
    write_sweep(tmp_path / "spec" / "many.toml", 4)
    spec_text = (tmp_path / "spec" / "many.toml").read_text()
    (tmp_path / "spec" / "many.toml").write_text(spec_text.replace('"example-shared"', '"../scenarios/base.toml"'))
    elsewhere = tmp_path / "elsewhere"
    for folder in (elsewhere / "spec", elsewhere / "scenarios"):
        folder.mkdir(parents=True)
    (elsewhere / "scenarios" / "base.toml").write_text('name = "decoy"\n')  # read there, every variant fails
    (elsewhere / "spec" / "many.toml").write_text(spec_text)
    start_worker(address, elsewhere, processes)
    result = subprocess.run(roof("sweep", "spec/many.toml", "--out", "out", "--scheduler", address),
                            cwd=tmp_path, env=ENV, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "4 of 4 variants" in result.stdout and "(0 failed)" in result.stdout
    assert rows(tmp_path / "out") == reference_rows(tmp_path / "spec" / "many.toml", tmp_path / "clean")


def test_a_lost_scheduler_ends_a_sweep_in_one_line_and_the_same_command_resumes(tmp_path, scheduler):
    """D12: a Dask scheduler killed mid-run ended the sweep in a CancelledError traceback (or a wait
    without end), under the client's logged reconnection tracebacks."""
    distributed = pytest.importorskip("distributed")
    address, processes = scheduler
    start_worker(address, tmp_path, processes)
    spec = write_sweep(tmp_path / "many.toml", 60)
    out = tmp_path / "out"
    driver = subprocess.Popen(roof("sweep", spec, "--out", out, "--scheduler", address), env=ENV,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)  # fmt: skip
    wait_for_parts(out, 2, driver)
    os.killpg(processes[0].pid, signal.SIGKILL)
    _, stderr = driver.communicate(timeout=60)
    assert driver.returncode == 1
    line = one_line(stderr, f"--scheduler: lost the Dask scheduler at {address}", f"saved in {out}", "resumes")
    assert "of 60 variants" in line and len(list((out / "results").glob("part-*.parquet"))) < 60
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, host="127.0.0.1", dashboard_address=None) as new:
        again = CliRunner().invoke(app, ["sweep", str(spec), "--out", str(out), "--scheduler", new.scheduler_address])
    assert again.exit_code == 0, again.output
    assert rows(out) == reference_rows(spec, tmp_path / "clean")
