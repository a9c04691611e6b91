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

from securityroof.analysis.sweep import (
    SweepError,
    batch_name,
    batches,
    load_sweep,
    query,
    read_results,
    run_sweep,
)
from securityroof.errors import OutputError
from securityroof.model.scenario import library, library_folder
from securityroof.present.cli import app

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


def test_lhs_sampling_puts_one_draw_in_each_stratum_of_every_range(tmp_path):
    """A Latin hypercube: with N samples, each range axis's N equal strata hold one draw each."""
    axes = (
        '[[axis]]\nname = "ib_speed"\nkind = "parameter"\nclass = "sm-3-ib"\nfield = "burnout_speed_km_s"\n'
        'range = [2.5, 3.5]\n[[axis]]\nname = "delay"\nkind = "decision-delay"\nrange = [0.0, 300.0]\n'
    )
    path = tmp_path / "lhs.toml"
    path.write_text(SMALL.split("[[axis]]")[0] + '[sampling]\nmode = "lhs"\nsamples = 16\nseed = 3\n' + axes)
    drawn = load_sweep(str(path)).variants()
    assert drawn == load_sweep(str(path)).variants() and len(drawn) == 16
    for name, (low, high) in (("ib_speed", (2.5, 3.5)), ("delay", (0.0, 300.0))):
        strata = sorted(int((v[name] - low) / (high - low) * 16) for v in drawn)
        assert strata == list(range(16))


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
    assert not (out / "results" / "part-leftover.parquet.partial").exists()  # and removed


def test_another_sweeps_results_directory_is_refused(small, tmp_path):
    out = tmp_path / "out"
    run_sweep(load_sweep(str(small)), out, workers=1)
    before, record = rows(out), (out / "sweep.json").read_text()
    other = tmp_path / "other.toml"
    other.write_text(SMALL.replace("[2.5, 3.0, 3.5]", "[4.0]"))
    with pytest.raises(SweepError, match="^out: "):
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
    import securityroof.analysis.sweep as sweep_module

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
    import securityroof.analysis.sweep as sweep_module

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


def test_query_without_duckdb_names_the_extra_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "duckdb", None)  # what an import finds when it is not installed
    result = CliRunner().invoke(app, ["query", str(tmp_path), "SELECT 1"])
    assert result.exit_code == 2
    expected = "error: query: needs duckdb, which is not installed: pip install 'securityroof[sweep]'"
    assert result.stderr.strip() == expected


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


def in_process(sweep_path, out, **kwargs):
    """A run whose variants are computed in this process (patches apply; no pool to fork)."""
    with ThreadPoolExecutor(1) as pool:
        return run_sweep(load_sweep(str(sweep_path)), out, executor=pool, **kwargs)


@pytest.fixture
def own_base(tmp_path):
    """SMALL on a copy of its base scenario, which the test may edit; moving Deveselu's interceptors
    and radar 20° north changes what they engage."""
    scenario = tmp_path / "base.toml"
    scenario.write_bytes((library_folder() / "example-shared.toml").read_bytes())
    path = tmp_path / "own.toml"
    path.write_text(SMALL.replace('scenario = "example-shared"', 'scenario = "base.toml"'))

    def edit():
        scenario.write_text(scenario.read_text().replace("lat_deg = 44.08", "lat_deg = 64.08"))

    return path, scenario, edit


@pytest.mark.parametrize(
    "sql,written",
    [
        ("SELECT * FROM read_csv('{secret}')", None),
        ("SELECT * FROM read_parquet('{part}')", None),
        ("SELECT * FROM glob('{out}/*')", None),
        ("COPY results TO '{tmp}/copy.csv'", "copy.csv"),
        ("COPY results TO '{out}/results/part-planted.parquet'", "out/results/part-planted.parquet"),
        ("COPY results TO '.tmp/copy.csv'", ".tmp/copy.csv"),
        ("ATTACH '{tmp}/other.duckdb'", "other.duckdb"),
        ("INSTALL httpfs FROM 'http://127.0.0.1:9'", None),
        ("SET enable_external_access = true", None),
        ("RESET lock_configuration", None),
    ],
)
def test_query_can_neither_read_nor_write_files(small, tmp_path, monkeypatch, sql, written):
    """D9: the SQL sees the results and nothing else; `.tmp` is DuckDB's spill directory, which it
    allows by default even without external access."""
    out = tmp_path / "out"
    in_process(small, out)
    secret = tmp_path / "secret.csv"
    secret.write_text("password\nhunter2\n")
    (tmp_path / ".tmp").mkdir()
    monkeypatch.chdir(tmp_path)
    part = sorted((out / "results").glob("part-*.parquet"))[0]
    text = sql.format(secret=secret, part=part, out=out, tmp=tmp_path)
    result = CliRunner().invoke(app, ["query", str(out), text, "--json"])
    assert result.exit_code == 2 and result.stderr.startswith("error: query:"), result.output
    assert "configuration" in result.stderr  # refused by the locked settings, not by accident
    assert "hunter2" not in result.output
    if written:
        assert not (tmp_path / written).exists()


def test_query_json_has_no_nan_anywhere(small, tmp_path):
    """A NaN inside a list or struct was printed as NaN: not JSON."""
    out = tmp_path / "out"
    in_process(small, out)

    def refuse(constant):
        raise ValueError(f"{constant} is not JSON")

    sql = ("SELECT [1.0, 'nan'::DOUBLE] AS list, {'a': 'inf'::DOUBLE} AS struct, map(['-inf'::DOUBLE], [1]) AS map, "
           "['nan'::DOUBLE]::DOUBLE[1] AS array FROM results LIMIT 1")  # fmt: skip
    result = CliRunner().invoke(app, ["query", str(out), sql, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout, parse_constant=refuse) == [
        {"list": [1.0, None], "struct": {"a": None}, "map": {"null": 1}, "array": [None]}
    ]
    assert "4 NaN or infinite value(s) printed as null" in result.stderr


def test_duplicate_variants_run_once(tmp_path):
    """D3: 60 and 60.0 are one delay, and random draws of categorical axes repeat; each distinct
    variant runs once, so no row is duplicated and the count of variants done reaches the total."""
    grid = tmp_path / "grid.toml"
    grid.write_text(SMALL.replace("[2.5, 3.0, 3.5]", "[2.5, 2.5, 3.0]")
                    + '[[axis]]\nname = "delay"\nkind = "decision-delay"\nvalues = [60, 60.0]\n')  # fmt: skip
    variants = load_sweep(str(grid)).variants()
    assert len(variants) == 4 and {v["delay"] for v in variants} == {60.0}
    out = tmp_path / "out"
    assert in_process(grid, out)["variants_done"] == 4
    keys = [(r["ib_speed"], r["sharing"], r["delay"], r["outcome"], r["subject"]) for r in rows(out)]
    assert len(keys) == len(set(keys))
    assert json.loads((out / "sweep.json").read_text())["variants"] == 4
    drawn = tmp_path / "random.toml"
    drawn.write_text(SMALL.replace("batch_size = 1", 'batch_size = 1\n[sampling]\nmode = "random"\nsamples = 30'))
    assert len(load_sweep(str(drawn)).variants()) == 6  # 30 draws of 3 x 2 combinations


def test_a_second_run_on_a_results_directory_is_refused_while_the_first_writes_it(small, tmp_path):
    """D2: one writer per results directory. While the first run is between batches, a run of the
    same sweep (in a thread) and of another sweep (a separate process) on the same --out are refused
    at once; the first run's results equal a clean single run's."""
    clean, out = tmp_path / "clean", tmp_path / "out"
    in_process(small, clean)
    other = tmp_path / "other.toml"
    other.write_text(SMALL.replace("[2.5, 3.0, 3.5]", "[4.0]"))
    seen = {}

    def second_runs(done, total):
        if seen:
            return
        try:
            thread = ThreadPoolExecutor(1)
            seen["same"] = thread.submit(run_sweep, load_sweep(str(small)), out, ThreadPoolExecutor(1)).exception()
        finally:
            thread.shutdown()
        command = [sys.executable, "-m", "securityroof", "sweep", str(other), "--out", str(out), "--workers", "1"]
        seen["other"] = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "COLUMNS": "500"})

    in_process(small, out, progress=second_runs)
    assert isinstance(seen["same"], OutputError) and "another roof run is writing it now" in str(seen["same"])
    assert seen["other"].returncode == 2, seen["other"].stderr
    refusal = seen["other"].stderr.strip()
    assert "\n" not in refusal and "another roof run is writing it now" in refusal
    assert rows(out) == rows(clean)
    assert json.loads((out / "sweep.json").read_text())["spec"]["name"] == "small"


KILLED_RUN = """
import os, signal, sys
from concurrent.futures import ThreadPoolExecutor
import pyarrow.parquet as pq
from securityroof.analysis.sweep import load_sweep, run_sweep

sweep_file, out, point = sys.argv[1:]
die = lambda: os.kill(os.getpid(), signal.SIGKILL)
if point == "record":  # sweep.json opened for writing, nothing written yet
    import builtins, io
    real_open = builtins.open
    def opening(file, mode="r", *args, **kwargs):
        handle = real_open(file, mode, *args, **kwargs)
        if "sweep.json" in os.fspath(file) and "w" in mode:
            die()
        return handle
    builtins.open = io.open = opening
elif point in ("part-half", "part-whole"):  # the second part half or wholly written, not renamed
    real_write, calls = pq.write_table, []
    def writing(table, where, **kwargs):
        calls.append(where)
        if len(calls) == 2:
            if point == "part-half":
                with open(where, "wb") as handle:
                    handle.write(b"PAR1 half a part")
                    handle.flush()
            else:
                real_write(table, where, **kwargs)
            die()
        real_write(table, where, **kwargs)
    pq.write_table = writing
elif point == "renamed":  # the second part renamed into place
    real_replace, calls = os.replace, []
    def replacing(source, target, *args, **kwargs):
        real_replace(source, target, *args, **kwargs)
        if os.fspath(target).endswith(".parquet"):
            calls.append(target)
            if len(calls) == 2:
                die()
    os.replace = replacing
with ThreadPoolExecutor(1) as pool:
    run_sweep(load_sweep(sweep_file), out, executor=pool)
"""


@pytest.mark.parametrize(
    "point,resuming",
    [("record", False), ("record", True), ("part-whole", False),
     pytest.param("part-half", False, marks=pytest.mark.slow), pytest.param("renamed", False, marks=pytest.mark.slow)],
)  # fmt: skip
def test_a_run_killed_at_any_write_leaves_a_resumable_directory(small, tmp_path, point, resuming):
    """D5: killed (SIGKILL) while writing sweep.json or a part file, the directory resumes with the
    same command to a clean run's rows; the dead run's temporaries are removed."""
    clean, out = tmp_path / "clean", tmp_path / "out"
    in_process(small, clean)
    if resuming:  # an existing sweep.json is rewritten in place by a resume that dies
        in_process(small, out)
        for part in sorted((out / "results").glob("part-*.parquet"))[:3]:
            part.unlink()
    killed = subprocess.run([sys.executable, "-c", KILLED_RUN, str(small), str(out), point], capture_output=True)
    assert killed.returncode in (-signal.SIGKILL, 0), killed.stderr.decode()
    in_process(small, out)
    assert rows(out) == rows(clean)
    assert not [p.name for p in out.rglob("*") if p.name.endswith(".partial")]


def test_a_planted_link_at_a_part_file_name_is_never_followed(small, tmp_path):
    """D7: part files were written through the predictable name part-<hash>.parquet.partial, so a
    symbolic link planted there wrote the results over any file its owner could write."""
    out = tmp_path / "out"
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    results = out / "results"
    results.mkdir(parents=True)
    first = batch_name(batches(load_sweep(str(small)).variants(), 1)[0])
    (results / (first + ".partial")).symlink_to(victim)
    in_process(small, out)
    assert victim.read_text() == "precious"
    assert not (results / first).is_symlink() and not (results / (first + ".partial")).is_symlink()
    assert len(rows(out)) > 0


def test_a_planted_link_at_the_lock_is_refused(small, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (out / ".lock").symlink_to(victim)
    result = CliRunner().invoke(app, ["sweep", str(small), "--out", str(out)])
    assert result.exit_code == 2 and "symbolic link" in result.stderr and victim.read_text() == "precious"


def test_a_resume_after_the_base_scenario_changed_is_refused(own_base, tmp_path):
    """D3: rows computed from the edited base scenario would be mixed with the old ones."""
    sweep_path, scenario, edit = own_base
    out = tmp_path / "out"
    in_process(sweep_path, out)
    sorted((out / "results").glob("part-*.parquet"))[0].unlink()
    before, record = rows(out), (out / "sweep.json").read_text()
    edit()
    with pytest.raises(SweepError, match="base scenario") as error:
        in_process(sweep_path, out)
    assert str(scenario) in str(error.value) and "new --out" in str(error.value)
    result = CliRunner().invoke(app, ["sweep", str(sweep_path), "--out", str(out)])
    assert result.exit_code == 2 and "base scenario" in result.stderr
    assert rows(out) == before and (out / "sweep.json").read_text() == record


@pytest.mark.parametrize("change", ["catalog", "version"])
def test_a_resume_with_another_catalog_or_version_is_refused(small, tmp_path, monkeypatch, change):
    """D3: the catalog's classes and the code are what the rows were computed with, too."""
    import securityroof.analysis.sweep_file as sweep_file

    out = tmp_path / "out"
    in_process(small, out)
    sorted((out / "results").glob("part-*.parquet"))[0].unlink()
    if change == "catalog":
        monkeypatch.setattr(sweep_file, "catalog_digest", lambda: "0" * 64)
    else:
        monkeypatch.setattr(sweep_file, "__version__", "99.0")
    with pytest.raises(SweepError, match="the catalog has changed" if change == "catalog" else "version 99.0"):
        in_process(small, out)
    assert len(list((out / "results").glob("part-*.parquet"))) == 5


def test_the_base_scenario_edited_during_a_run_does_not_change_its_rows(own_base, tmp_path):
    """D3: workers compute from the bytes the driver read and fingerprinted, not from the file."""
    sweep_path, _, edit = own_base
    clean, out = tmp_path / "clean", tmp_path / "out"
    in_process(sweep_path, clean)
    in_process(sweep_path, out, progress=lambda done, total: done == 1 and edit())
    assert rows(out) == rows(clean)
    edited = tmp_path / "edited"
    in_process(sweep_path, edited)
    assert rows(edited) != rows(clean)  # the edit matters


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


def test_a_connected_cluster_s_worker_profilers_pause_until_it_is_shut_down():
    """The workers' statistical profiler samples every task's stack every 10 ms holding the
    interpreter lock; while `--scheduler`'s executor is open it is paused, and then resumed."""
    distributed = pytest.importorskip("distributed")
    from securityroof.analysis.sweep import connect

    def profiling(dask_worker=None):
        return [dask_worker.periodic_callbacks[name].is_running() for name in ("profile", "profile-cycle")]

    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as observer,
    ):
        assert all(all(flags) for flags in observer.run(profiling).values())
        executor = connect(cluster.scheduler_address)
        assert not any(any(flags) for flags in observer.run(profiling).values())
        assert executor.submit(sum, [1, 2]).result() == 3
        executor.shutdown()
        assert all(all(flags) for flags in observer.run(profiling).values())
