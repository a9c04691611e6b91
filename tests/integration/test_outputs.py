"""Every output appears whole or not at all, is written by one run at a time, never through a planted
link, and a write that fails (full disk, a directory that takes no files) is one line naming it.

Failures are injected where the bytes are written (a writer that writes part and then raises, as a
full disk does mid-write) or by killing a writer with SIGKILL; nothing here is timed.
"""

import errno
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import matplotlib.figure
import matplotlib.image as mpimg
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import securityroof.analysis.batch as batch
from securityroof.errors import OutputError
from securityroof.present.cli import app

runner = CliRunner()

PAIRS = [
    "38.08,46.29,39.93,32.86,shahab-3,",
    "35.23,53.92,52.23,21.01,sejjil-2,",
    "51.67,45.57,38.91,-77.04,ss-27,",
    "0,0,0,60,,30",
    "48.42,-101.36,55.76,37.62,,",
] * 3
HEADER = "launch_lat_deg,launch_lon_deg,aim_lat_deg,aim_lon_deg,missile,burnout_angle_deg"
OLD = pa.table({"old": [1, 2, 3]})
PROC = Path("/proc")
needs_proc = pytest.mark.skipif(not (PROC / "self").is_dir(), reason="needs a Linux /proc")


def roof(*args):
    return runner.invoke(app, [str(a) for a in args])


def one_line_error(result, *expected):
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    for text in expected:
        assert text in lines[0], lines[0]
    return lines[0]


def temporaries(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".partial"))


def disk_full() -> OSError:
    return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def writes_half_then_fills_the_disk(half: bytes):
    """A writer ``f(data, where, ...)`` that writes ``half`` to ``where`` and stops as a full disk does."""

    def write(data, where, *args, **kwargs):
        Path(where).write_bytes(half)
        raise disk_full()

    return write


@pytest.fixture
def pairs(tmp_path):
    path = tmp_path / "pairs.csv"
    path.write_text(HEADER + "\n" + "\n".join(PAIRS) + "\n")
    return path


@pytest.fixture
def victim(tmp_path):
    path = tmp_path / "victim.txt"
    path.write_text("precious")
    return path


# --- batch results (roof trajectory --batch ... --out) ---------------------------------------------


def test_a_second_batch_run_on_the_same_output_is_refused_and_the_first_completes(tmp_path, pairs, monkeypatch):
    """D1c: the second run on one --out wrote over the first's results and reported rows the file did
    not hold, and the first then failed; now the second is refused at once and the first completes."""
    monkeypatch.setattr(batch, "CHUNK_ROWS", 2)
    out = tmp_path / "out.parquet"
    solve, second = batch._solve_chunk, []

    def solve_then_start_a_second_run(job):
        if not second:  # while the first run holds its first chunk
            second.append("started")
            try:
                second.append(batch.run_batch(pairs, out, workers=1))
            except OutputError as error:
                second.append(error)
        return solve(job)

    monkeypatch.setattr(batch, "_solve_chunk", solve_then_start_a_second_run)
    result = roof("trajectory", "--batch", pairs, "--out", out, "--workers", "1")
    assert result.exit_code == 0, result.output + result.stderr + repr(result.exception)
    refused = second[1]
    assert isinstance(refused, OutputError), refused
    assert str(refused).startswith(f"{out}: another roof run is writing it now")
    assert f"{len(PAIRS)} trajectories" in result.stdout
    assert pq.read_table(out).num_rows == len(PAIRS)
    assert temporaries(tmp_path) == []


HOLD = """
import sys
from pathlib import Path
import securityroof.analysis.batch as batch
batch.CHUNK_ROWS = 2
solve, chunks = batch._solve_chunk, []
def solve_and_hold(job):
    chunks.append(1)
    if len(chunks) == 3:  # the first chunks are solved, into the open temporary file
        print("holding", flush=True)
        sys.stdin.read()
    return solve(job)
batch._solve_chunk = solve_and_hold
summary = batch.run_batch(Path(sys.argv[1]), Path(sys.argv[2]), workers=1)
print(summary.rows, flush=True)
"""


def test_batch_runs_in_two_processes_and_a_kill_mid_write(tmp_path, pairs, victim):
    """D1c, D5, D7 with real processes: while one run writes, another is refused with one line and
    the old results stay whole; a SIGKILL mid-write leaves the old complete file, and the next run
    removes the dead run's temporary file (and a link planted at a guessable name, never its target)."""
    out = tmp_path / "out.parquet"
    pq.write_table(OLD, out)
    child = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(pairs), str(out)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    try:
        assert child.stdout.readline().strip() == "holding"
        [leftover] = temporaries(tmp_path)
        assert leftover.startswith(".out.parquet.")
        one_line_error(roof("trajectory", "--batch", pairs, "--out", out), f"--out: {out}: another roof run is writing")
        assert pq.read_table(out).equals(OLD)
    finally:
        child.send_signal(signal.SIGKILL)
        child.communicate()
    assert pq.read_table(out).equals(OLD)  # the old complete file
    (tmp_path / "out.parquet.partial").symlink_to(victim)  # the old predictable name
    (tmp_path / ".out.parquet.planted.partial").symlink_to(victim)  # a name of the new pattern
    result = roof("trajectory", "--batch", pairs, "--out", out)
    assert result.exit_code == 0, result.output + result.stderr
    assert pq.read_table(out).num_rows == len(PAIRS)
    assert victim.read_bytes() == b"precious"
    assert temporaries(tmp_path) == ["out.parquet.partial"]  # the dead run's file and the planted link are gone
    assert (tmp_path / "out.parquet.partial").is_symlink()  # not ours to remove: left as it was


def test_a_batch_run_does_not_write_through_a_link_at_the_old_temporary_name(tmp_path, pairs, victim):
    """D7: `ln -s victim.txt o2.parquet.partial; roof trajectory --batch ok.csv --out o2.parquet`
    overwrote victim.txt."""
    (tmp_path / "o2.parquet.partial").symlink_to(victim)
    out = tmp_path / "o2.parquet"
    assert roof("trajectory", "--batch", pairs, "--out", out).exit_code == 0
    assert victim.read_bytes() == b"precious"
    assert not out.is_symlink() and pq.read_table(out).num_rows == len(PAIRS)


def test_a_link_planted_as_the_batch_lock_is_not_followed(tmp_path, pairs, victim):
    out = tmp_path / "o2.parquet"
    (tmp_path / ".o2.parquet.lock").symlink_to(victim)
    one_line_error(roof("trajectory", "--batch", pairs, "--out", out), "--out: ", "symbolic link")
    assert victim.read_bytes() == b"precious" and not out.exists()


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_a_full_disk_during_a_batch_is_one_line_and_keeps_the_old_results(tmp_path, pairs, monkeypatch, suffix):
    """D12: a full disk mid-write ended in a traceback."""
    monkeypatch.setattr(batch, "CHUNK_ROWS", 2)
    out = tmp_path / f"out{suffix}"
    out.write_bytes(b"old complete results")
    name = "ParquetWriter" if suffix == ".parquet" else "CSVWriter"
    module = batch.pq if suffix == ".parquet" else batch.pacsv
    real = getattr(module, name)

    class FillsTheDisk(real):
        def write_table(self, table, *args, **kwargs):
            super().write_table(table, *args, **kwargs)
            raise disk_full()  # after some bytes reached the file

    monkeypatch.setattr(module, name, FillsTheDisk)
    one_line_error(roof("trajectory", "--batch", pairs, "--out", out), f"--out: {out}: cannot write: the disk is full")
    assert out.read_bytes() == b"old complete results"
    assert temporaries(tmp_path) == []


# --- the fly-out table cache -------------------------------------------------------------------------


def test_the_flyout_cache_is_not_written_through_a_link_at_its_old_temporary_name(tmp_path, monkeypatch, victim):
    """D7 for the cache: the table was written to the predictable NAME.partial.npz."""
    from conftest import make_interceptor

    from securityroof.io.flyout_cache import flyout_table, table_key

    monkeypatch.setenv("SECURITYROOF_CACHE", str(tmp_path))
    interceptor = make_interceptor(burnout_speed_km_s=3.7)
    stem = f"flyout-{interceptor.name}-{table_key(interceptor)}"
    (tmp_path / f"{stem}.partial.npz").symlink_to(victim)
    flyout_table.cache_clear()
    table = flyout_table(interceptor)
    flyout_table.cache_clear()
    assert victim.read_bytes() == b"precious"
    with np.load(tmp_path / f"{stem}.npz") as stored:
        assert np.array_equal(stored["time_s"], table.time_s, equal_nan=True)
    assert temporaries(tmp_path) == []


def test_a_flyout_cache_that_cannot_be_written_costs_only_the_rebuild(tmp_path, monkeypatch):
    """An unwritable cache is not an error (the table is rebuilt next time)."""
    from conftest import make_interceptor

    from securityroof.io.flyout_cache import flyout_table

    monkeypatch.setenv("SECURITYROOF_CACHE", str(tmp_path))
    monkeypatch.setattr(np, "savez", lambda *args, **kwargs: (_ for _ in ()).throw(disk_full()))
    flyout_table.cache_clear()
    try:
        assert np.isfinite(flyout_table(make_interceptor(burnout_speed_km_s=3.7))(100e3, 100e3))
    finally:
        flyout_table.cache_clear()
    assert temporaries(tmp_path) == []


# --- footprint grids, maps, sweep plots ---------------------------------------------------------------

FOOTPRINT = ["footprint", "example-shared", "--threat", "iran-irbm", "--extent", "30:40:45:55", "--step-deg", "5"]


def test_footprint_does_not_write_through_a_link_at_the_old_temporary_name(tmp_path, victim):
    """D7 for roof footprint --out."""
    out = tmp_path / "grid.parquet"
    (tmp_path / "grid.parquet.partial").symlink_to(victim)
    result = roof(*FOOTPRINT, "--out", out)
    assert result.exit_code == 0, result.output + result.stderr
    assert victim.read_bytes() == b"precious"
    assert not out.is_symlink() and pq.read_table(out).num_rows > 0


def test_a_full_disk_while_writing_a_footprint_is_one_line_and_keeps_the_old_grid(tmp_path, monkeypatch):
    """D12 for roof footprint --out."""
    out = tmp_path / "grid.parquet"
    pq.write_table(OLD, out)
    monkeypatch.setattr(pq, "write_table", writes_half_then_fills_the_disk(b"PAR1 half a grid"))
    one_line_error(roof(*FOOTPRINT, "--out", out), f"--out: {out}: cannot write: the disk is full")
    monkeypatch.undo()
    assert pq.read_table(out).equals(OLD)
    assert temporaries(tmp_path) == []


def _fails_half_way(monkeypatch, suffix: str):
    """Make matplotlib write part of each ``suffix`` image and then stop as a full disk does."""
    real = matplotlib.figure.Figure.savefig

    def savefig(self, fname, *args, **kwargs):
        if kwargs.get("format", Path(str(fname)).suffix[1:]) != suffix:
            return real(self, fname, *args, **kwargs)
        Path(fname).write_text("<svg half" if suffix == "svg" else "\x89PNG half")
        raise disk_full()

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", savefig)


@pytest.mark.parametrize("suffix", ["png", "svg"])
def test_a_map_that_fails_mid_write_leaves_the_old_image_whole(tmp_path, monkeypatch, victim, suffix):
    """D5 and D12 for roof map: the image was written in place (a kill left a truncated SVG) and a
    full disk was a traceback. D7: the new temporary names are not guessable either."""
    out = tmp_path / f"m.{suffix}"
    (tmp_path / f".m.{suffix}.planted.partial").symlink_to(victim)
    assert roof("map", "example-shared", "--out", out).exit_code == 0
    old = out.read_bytes()
    _fails_half_way(monkeypatch, suffix)
    one_line_error(roof("map", "example-shared", "--out", out), f"--out: {out}: cannot write: the disk is full")
    assert out.read_bytes() == old
    assert temporaries(tmp_path) == [] and victim.read_bytes() == b"precious"


SWEEP = """
name = "tiny"
description = "example-shared: interceptor speed"
scenario = "example-shared"
outcomes = ["engagements"]
[[axis]]
name = "ib_speed"
kind = "parameter"
class = "sm-3-ib"
field = "burnout_speed_km_s"
values = [2.5, 3.5]
"""


def test_a_sweep_plot_that_fails_mid_write_leaves_the_old_plot_whole(tmp_path, monkeypatch):
    """D5 and D12 for roof sweep-plot."""
    from securityroof.analysis.sweep import load_sweep, run_sweep

    spec = tmp_path / "tiny.toml"
    spec.write_text(SWEEP)
    results = tmp_path / "results"
    run_sweep(load_sweep(str(spec)), results, workers=1)
    out = tmp_path / "plot.svg"
    assert roof("sweep-plot", results, "--out", out).exit_code == 0
    old = out.read_bytes()
    _fails_half_way(monkeypatch, "svg")
    one_line_error(roof("sweep-plot", results, "--out", out), f"--out: {out}: cannot write: the disk is full")
    assert out.read_bytes() == old and temporaries(tmp_path) == []


# --- the report --------------------------------------------------------------------------------------

FAST = {"speeds_km_s": (5.0,), "delays_s": (0.0,)}


@pytest.fixture(scope="module")
def old_report(tmp_path_factory):
    from securityroof.model.scenario import load_scenario
    from securityroof.present.report import write_report

    out = tmp_path_factory.mktemp("old-report")
    write_report([load_scenario("example-shared")], out, **FAST)
    return out


def _complete(path: Path) -> bool:
    if path.suffix == ".svg":
        return path.read_text().rstrip().endswith("</svg>")
    if path.suffix == ".png":
        return mpimg.imread(path).ndim == 3
    if path.suffix == ".parquet":
        return pq.read_table(path).num_rows > 0
    return path.read_text().rstrip().endswith("</html>")


@pytest.mark.parametrize("fails", ["footprint", "png", "svg", "page"])
def test_a_report_that_fails_mid_write_leaves_a_page_whose_links_are_whole(old_report, tmp_path, monkeypatch, fails):
    """D5: report wrote its PNG, SVG and Parquet in place: a kill left a truncated SVG linked from
    the old page. Whatever write fails, the old page and complete files remain, and no temporary."""
    from securityroof.model.scenario import load_scenario
    from securityroof.present import report

    out = tmp_path / "r"
    shutil.copytree(old_report, out)
    old_page = (out / "index.html").read_bytes()
    if fails in ("png", "svg"):
        _fails_half_way(monkeypatch, fails)
    elif fails == "footprint":
        monkeypatch.setattr(report.pq, "write_table", writes_half_then_fills_the_disk(b"PAR1 half a grid"))
    else:  # a page that cannot be encoded stops its write part-way
        monkeypatch.setattr(report, "_page", lambda *args: "<html>half a page \ud800")
    with pytest.raises((OutputError, OSError, UnicodeEncodeError)):
        report.write_report([load_scenario("example-shared")], out, **FAST)
    monkeypatch.undo()
    assert (out / "index.html").read_bytes() == old_page
    files = [p for p in out.iterdir() if not p.name.startswith(".")]
    assert {p.name for p in files} == {p.name for p in old_report.iterdir() if not p.name.startswith(".")}
    assert all(_complete(p) for p in files)
    assert temporaries(out) == []


def test_report_does_not_write_through_links_at_guessable_names(old_report, tmp_path, victim):
    """D7 for the report page: a link planted at index.html.partial was written through."""
    out = tmp_path / "r"
    shutil.copytree(old_report, out)
    for name in ("index.html.partial", ".index.html.planted.partial", ".map-example-shared.svg.planted.partial"):
        (out / name).symlink_to(victim)
    from securityroof.model.scenario import load_scenario
    from securityroof.present.report import write_report

    write_report([load_scenario("example-shared")], out, **FAST)
    assert victim.read_bytes() == b"precious"
    assert temporaries(out) == ["index.html.partial"]  # the links at our names are gone, the other is left
    assert _complete(out / "index.html") and not (out / "index.html").is_symlink()


def test_a_second_report_into_one_directory_is_refused(tmp_path):
    """Two runs into one directory would leave one's page beside the other's maps and grids."""
    from securityroof.io.atomic import exclusive
    from securityroof.model.scenario import load_scenario
    from securityroof.present.report import write_report

    out = tmp_path / "r"
    out.mkdir()
    with exclusive(out / ".index.html.lock", "a first run"):
        with pytest.raises(OutputError, match="another roof run is writing it now"):
            write_report([load_scenario("example-shared")], out, **FAST)
    assert list(out.iterdir()) == [out / ".index.html.lock"]


def test_a_full_disk_while_writing_the_report_is_one_line(old_report, tmp_path, monkeypatch):
    """D12 for roof report."""
    out = tmp_path / "r"
    shutil.copytree(old_report, out)
    _fails_half_way(monkeypatch, "png")
    one_line_error(roof("report", "example-shared", "--out", out), "--out: ", "cannot write: the disk is full")


# --- outputs that cannot be written at all ---------------------------------------------------------


@needs_proc
@pytest.mark.parametrize(
    "args",
    [
        ["trajectory", "--batch", "PAIRS", "--out", PROC / "o.parquet"],
        [*FOOTPRINT, "--out", PROC / "grid.parquet"],
        ["map", "example-shared", "--out", PROC / "m.png"],
        ["report", "example-shared", "--out", PROC / "report"],
    ],
)
def test_an_output_in_a_directory_that_takes_no_files_is_one_line(pairs, args):
    """D12: an unwritable --out (/proc/...) ended in a traceback."""
    args = [pairs if a == "PAIRS" else a for a in args]
    line = one_line_error(roof(*args), "--out: /proc/")
    assert "cannot" in line and "does not exist" not in line  # /proc exists; it takes no new files
