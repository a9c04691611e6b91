"""Sweeps: expansion, parallel runs, resumption without loss or duplicates, queries, bad files."""

import json
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from typer.testing import CliRunner

from securityroof.cli import app
from securityroof.scenario import library
from securityroof.sweep import SweepError, load_sweep, query, read_results, run_sweep

SMALL = """
name = "small"
description = "example-shared: interceptor speed x sharing"
scenario = "example-shared"
outcomes = ["engagements"]
batch_size = 1
[[axis]]
name = "ib_speed"
kind = "parameter"
class = "sm-3-ib"
field = "burnout_speed_km_s"
values = [2.5, 3.0, 3.5]
[[axis]]
name = "sharing"
kind = "sharing"
values = ["within-party", "all"]
"""


@pytest.fixture
def small(tmp_path):
    path = tmp_path / "small.toml"
    path.write_text(SMALL)
    return path


@pytest.fixture
def longer(tmp_path):
    """60 one-variant batches: long enough that a kill lands mid-way however fast variants run."""
    speeds = ", ".join(f"{2.5 + 0.05 * i:.2f}" for i in range(30))
    path = tmp_path / "longer.toml"
    path.write_text(SMALL.replace('name = "small"', 'name = "longer"').replace("[2.5, 3.0, 3.5]", f"[{speeds}]"))
    return path


def rows(out):
    table = read_results(out).sort_by([("variant_id", "ascending"), ("outcome", "ascending"), ("subject", "ascending")])
    return table.to_pylist()


def test_library_sweeps_are_listed_and_load():
    sweeps = [e for e in library() if e.kind == "sweep"]
    assert {e.name for e in sweeps} >= {"joint-speed-delay", "lisbon-uncertainty"}
    grid = load_sweep("joint-speed-delay")
    assert len(grid.variants()) == 20
    random = load_sweep("lisbon-uncertainty")
    first, again = random.variants(), load_sweep("lisbon-uncertainty").variants()
    assert first == again and len(first) == 60  # seeded: the same variants every time
    assert all(3.8 <= v["sm3_iia_speed"] <= 5.2 and v["gabala"] in (True, False) for v in first)


def test_sweep_runs_and_resumes_without_recomputing(small, tmp_path):
    out = tmp_path / "out"
    calls = []
    result = run_sweep(load_sweep(str(small)), out, workers=2, progress=lambda done, total: calls.append(done))
    assert result["variants_done"] == 6 and result["failures"] == []
    clean = rows(out)
    assert {r["ib_speed"] for r in clean} == {2.5, 3.0, 3.5} and {r["sharing"] for r in clean} == {
        "within-party",
        "all",
    }
    # A second run finds every batch done; deleting one batch recomputes that one only.
    calls.clear()
    run_sweep(load_sweep(str(small)), out, workers=1, progress=lambda done, total: calls.append(done))
    assert calls == []
    parts = sorted((out / "results").glob("part-*.parquet"))
    parts[0].unlink()
    (out / "results" / "part-leftover.parquet.partial").write_bytes(b"half a file")
    run_sweep(load_sweep(str(small)), out, workers=1, progress=lambda done, total: calls.append(done))
    assert len(calls) == 1
    assert rows(out) == clean  # nothing lost, nothing duplicated, the partial file never read


def test_another_sweeps_results_directory_is_refused(small, tmp_path):
    out = tmp_path / "out"
    run_sweep(load_sweep(str(small)), out, workers=1)
    before, record = rows(out), (out / "sweep.json").read_text()
    other = tmp_path / "other.toml"
    other.write_text(SMALL.replace("[2.5, 3.0, 3.5]", "[4.0]"))
    with pytest.raises(SweepError, match="--out"):
        run_sweep(load_sweep(str(other)), out, workers=1)
    result = CliRunner().invoke(app, ["sweep", str(other), "--out", str(out)])
    assert result.exit_code == 2 and "--out" in result.stderr and "another sweep" in result.stderr
    assert rows(out) == before and (out / "sweep.json").read_text() == record


def test_killed_driver_resumes_to_the_clean_result(longer, tmp_path):
    """The driver is killed mid-way (SIGKILL), restarted with the same command: the dataset equals a
    clean run's row for row."""
    clean_out, killed_out = tmp_path / "clean", tmp_path / "killed"
    run_sweep(load_sweep(str(longer)), clean_out, workers=1)
    command = [sys.executable, "-m", "securityroof", "sweep", str(longer), "--out", str(killed_out), "--workers", "1"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline and len(list((killed_out / "results").glob("part-*.parquet"))) < 2:
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert 2 <= len(list((killed_out / "results").glob("part-*.parquet"))) < 60
    subprocess.run(command, check=True, capture_output=True)
    assert rows(killed_out) == rows(clean_out)


def test_local_cluster_with_one_and_two_workers_gives_identical_results(small, tmp_path):
    distributed = pytest.importorskip("distributed")
    results = []
    for n in (1, 2):
        with distributed.LocalCluster(n_workers=n, threads_per_worker=1, host="127.0.0.1", dashboard_address=None,
                                      processes=True) as cluster, distributed.Client(cluster) as client:  # fmt: skip
            out = tmp_path / f"cluster{n}"
            run_sweep(load_sweep(str(small)), out, executor=client.get_executor())
            results.append(rows(out))
    assert results[0] == results[1] and len(results[0]) > 0


def test_a_failing_variant_is_recorded_and_the_sweep_goes_on(tmp_path, monkeypatch):
    import securityroof.sweep as sweep_module

    real = sweep_module.run_variant

    def flaky(base, spec, values):
        if values["ib_speed"] == 3.0 and values["sharing"] == "all":
            raise RuntimeError("boom")
        return real(base, spec, values)

    monkeypatch.setattr(sweep_module, "run_variant", flaky)
    path = tmp_path / "small.toml"
    path.write_text(SMALL)

    with ThreadPoolExecutor(1) as pool:  # in-process, so the patch applies
        result = run_sweep(load_sweep(str(path)), tmp_path / "out", executor=pool)
    assert result["variants_done"] == 6
    assert len(result["failures"]) == 1 and "boom" in result["failures"][0]["error"]


def test_missing_values_are_null_in_results_and_json_and_not_plotted(tmp_path, monkeypatch):
    import securityroof.sweep as sweep_module

    real = sweep_module.summarize
    # as when no threat is in range: a share of nothing
    monkeypatch.setattr(sweep_module, "summarize", lambda *args: {**real(*args), "protected_share": None})
    path = tmp_path / "small.toml"
    path.write_text(SMALL)
    out = tmp_path / "out"

    with ThreadPoolExecutor(1) as pool:  # in-process, so the patch applies
        run_sweep(load_sweep(str(path)), out, executor=pool)
    assert {r["value"] for r in rows(out) if r["outcome"] == "protected_share"} == {None}
    runner = CliRunner()
    sql = "SELECT value, 'nan'::DOUBLE AS undefined FROM results WHERE outcome = 'protected_share'"
    result = runner.invoke(app, ["query", str(out), sql, "--json"])
    assert result.exit_code == 0 and "NaN" not in result.stdout
    assert json.loads(result.stdout) == [{"value": None, "undefined": None}] * 6
    png = tmp_path / "plot.png"
    plot = runner.invoke(app, ["sweep-plot", str(out), "--out", str(png)])
    assert plot.exit_code == 2 and "no values" in plot.stderr and not png.exists()


def test_query_answers_in_sql(small, tmp_path):
    out = tmp_path / "out"
    run_sweep(load_sweep(str(small)), out, workers=1)
    got = query(out, "SELECT count(DISTINCT variant_id) AS n FROM results").fetchall()
    assert got == [(6,)]
    runner = CliRunner()
    result = runner.invoke(app, ["query", str(out), "SELECT ib_speed, sharing, value FROM results "
                                 "WHERE outcome = 'protected_share' ORDER BY 1, 2", "--json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)) == 6
    bad = runner.invoke(app, ["query", str(out), "SELECT nope FROM results"])
    assert bad.exit_code == 2 and "query" in bad.stderr
    empty = runner.invoke(app, ["query", str(out), " "])
    assert empty.exit_code == 2 and "query: empty" in empty.stderr


@pytest.mark.parametrize(
    "change,expected",
    [
        (('class = "sm-3-ib"', 'class = "sm-3-zz"'), "is not used in scenario"),
        (('field = "burnout_speed_km_s"', 'field = "label"'), "is not a numeric parameter"),
        (("values = [2.5, 3.0, 3.5]", "values = [2.5, -1.0]"), "is not a valid burnout_speed_km_s"),
        (('values = ["within-party", "all"]', 'values = ["maybe"]'), "is not a policy"),
        (('name = "sharing"', 'name = "ib_speed"'), "is used twice"),
        (("values = [2.5, 3.0, 3.5]", "range = [2.5, 3.5]"), "grid needs values"),
        (('scenario = "example-shared"', 'scenario = "nowhere"'), "scenario:"),
        (('outcomes = ["engagements"]', 'outcomes = ["magic"]'), "outcomes"),
        (("[[axis]]", "[[axis]"), "not valid TOML"),
        (('"sharing"\nvalues = ["within-party", "all"]', '"threat"\nvalues = [["iran-irbm"]]'), "not a threat of"),
        (("values = [2.5, 3.0, 3.5]", 'values = ["2.5", "3.0"]'), "axis.0.values: '2.5' is not a number"),
        (("values = [2.5, 3.0, 3.5]", "values = [true]"), "axis.0.values: True is not a number"),
        (("values = [2.5, 3.0, 3.5]", 'range = ["2.5", 3.5]'), "axis.0.range.0"),
        (('name = "sharing"', 'name = "value"'), "'value' is a results column"),
        (("values = [2.5, 3.0, 3.5]", f"values = [{', '.join(['2.5'] * 50_001)}]"), "the grid has 100,002 variants"),
        (("batch_size = 1", 'batch_size = 1\n[sampling]\nmode = "random"\nseed = -1'), "sampling.seed"),
        (('outcomes = ["engagements"]', 'outcomes = ["footprint"]'), "footprint_threat: missing (the footprint"),
    ],
)
def test_bad_sweep_files_fail_before_anything_runs(tmp_path, change, expected):
    path = tmp_path / "bad.toml"
    path.write_text(SMALL.replace(*change, 1))
    with pytest.raises(SweepError) as error:
        load_sweep(str(path))
    assert expected in str(error.value) and str(path) in str(error.value)
    result = CliRunner().invoke(app, ["sweep", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2 and not (tmp_path / "out").exists()


def test_a_sweep_file_that_is_not_utf8_is_an_error_naming_it(tmp_path):
    path = tmp_path / "binary.toml"
    path.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(SweepError, match="not UTF-8 text") as error:
        load_sweep(str(path))
    assert str(path) in str(error.value)


def test_killed_worker_then_restart_gives_the_clean_result(longer, tmp_path):
    """A worker process is killed mid-way: the run stops (the pool breaks), and the same command
    afterwards completes the dataset, equal to a clean run's row for row."""
    psutil = pytest.importorskip("psutil")
    clean_out, out = tmp_path / "clean", tmp_path / "killed"
    run_sweep(load_sweep(str(longer)), clean_out, workers=1)
    command = [sys.executable, "-m", "securityroof", "sweep", str(longer), "--out", str(out), "--workers", "1"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    driver = psutil.Process(process.pid)
    deadline = time.time() + 120
    while time.time() < deadline and not list((out / "results").glob("part-*.parquet")):
        time.sleep(0.05)
    workers = [child for child in driver.children(recursive=True) if "python" in child.name().lower()]
    assert workers, "the sweep finished before a worker could be killed"
    workers[-1].kill()
    process.wait(timeout=120)
    assert process.returncode != 0 and len(list((out / "results").glob("part-*.parquet"))) < 60
    subprocess.run(command, check=True, capture_output=True)
    assert rows(out) == rows(clean_out)


def test_sweep_plot_shows_each_axis(small, tmp_path):
    import matplotlib.image as mpimg

    out = tmp_path / "out"
    run_sweep(load_sweep(str(small)), out, workers=1)
    runner = CliRunner()
    png = tmp_path / "plot.png"
    result = runner.invoke(app, ["sweep-plot", str(out), "--out", str(png)])
    assert result.exit_code == 0, result.output
    image = mpimg.imread(png)
    assert image.shape[1] > image.shape[0] > 200  # one panel per axis, side by side
    svg = tmp_path / "plot.svg"
    assert runner.invoke(app, ["sweep-plot", str(out), "--out", str(svg)]).exit_code == 0
    text = svg.read_text()
    assert "ib_speed" in text and "sharing" in text and "spread" in text
    assert runner.invoke(app, ["sweep-plot", str(out), "--out", str(png), "--outcome", "nope"]).exit_code == 2


def test_sweep_plot_and_query_on_a_broken_results_directory_name_the_file(small, tmp_path):
    out = tmp_path / "out"
    run_sweep(load_sweep(str(small)), out, workers=1)
    runner = CliRunner()
    png = tmp_path / "plot.png"
    record = out / "sweep.json"
    good = record.read_text()
    for broken, reason in (("{not json", "not a readable sweep record"), ("{}", "not a sweep record")):
        record.write_text(broken)
        result = runner.invoke(app, ["sweep-plot", str(out), "--out", str(png)])
        assert result.exit_code == 2 and str(record) in result.stderr and reason in result.stderr
    record.write_text(good)
    part = sorted((out / "results").glob("part-*.parquet"))[0]
    part.write_bytes(b"not parquet")
    for command in (["sweep-plot", str(out), "--out", str(png)], ["query", str(out), "SELECT count(*) FROM results"]):
        result = runner.invoke(app, command)
        assert result.exit_code == 2 and part.name in result.stderr, result.output
    assert not png.exists()


def test_roof_sweep_on_a_dask_scheduler_address(small, tmp_path):
    """`--scheduler tcp://...` runs the same sweep on an existing Dask cluster (here on loopback)."""
    distributed = pytest.importorskip("distributed")
    local = tmp_path / "local"
    # The reference runs in this process: a process pool forked here, after the earlier tests'
    # Dask clusters and queries, can crash in the child (see the closing note of session 3).
    with ThreadPoolExecutor(max_workers=1) as in_process:
        run_sweep(load_sweep(str(small)), local, executor=in_process)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        out = tmp_path / "remote"
        result = CliRunner().invoke(
            app, ["sweep", str(small), "--out", str(out), "--scheduler", cluster.scheduler_address]
        )
        assert result.exit_code == 0, result.output
    assert rows(out) == rows(local)
    unreachable = CliRunner().invoke(
        app, ["sweep", str(small), "--out", str(tmp_path / "x"), "--scheduler", "tcp://127.0.0.1:1"]
    )
    assert unreachable.exit_code == 2 and "--scheduler" in unreachable.stderr


@pytest.mark.parametrize(
    "axis,expected",
    [
        (
            'kind = "parameter"\nclass = "sm-3-ib"\nfield = "burnout_speed_km_s"\nrange = [nan, 3.5]',
            "is not a finite number",
        ),
        ('kind = "decision-delay"\nrange = [0.0, nan]', "is not a delay in seconds (>= 0)"),
    ],
)
def test_a_bad_random_range_is_named_as_range_not_values(tmp_path, axis, expected):
    text = SMALL.split("[[axis]]")[0] + '[sampling]\nmode = "random"\nsamples = 3\n[[axis]]\nname = "x"\n' + axis
    path = tmp_path / "nan.toml"
    path.write_text(text)
    with pytest.raises(SweepError) as error:
        load_sweep(str(path))
    assert str(error.value) == f"{path}: axis.0.range: nan {expected}"
