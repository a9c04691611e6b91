"""The `roof` command: the JSON contract, batch files, and one-line errors for bad input."""

import importlib
import json
import subprocess
import sys

import numpy as np
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from securityroof.present.cli import app

runner = CliRunner()

JSON_KEYS = {
    "reachable", "reason", "ground_range_km", "flight_time_s", "apogee_km", "burnout_speed_km_s",
    "burnout_angle_deg", "burnout_time_s", "burnout_state_ecef_m", "impact_lat_deg", "impact_lon_deg",
}  # fmt: skip
STATE_COLUMNS = ["burnout_x_m", "burnout_y_m", "burnout_z_m", "burnout_vx_m_s", "burnout_vy_m_s", "burnout_vz_m_s"]


def roof(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_trajectory_json_has_the_contract_keys():
    result = roof("trajectory", "--from", "38.08,46.29", "--to", "39.93,32.86", "--missile", "shahab-3", "--json")
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert JSON_KEYS <= set(record)
    assert record["reachable"] is True and record["reason"] is None
    assert len(record["burnout_state_ecef_m"]) == 6
    assert record["impact_lat_deg"] == pytest.approx(39.93, abs=1e-5)
    assert record["burnout_time_s"] == 110.0


def test_min_energy_without_missile_is_the_ideal_missile():
    record = json.loads(roof("trajectory", "--from", "0,0", "--to", "0,60", "--min-energy", "--json").stdout)
    assert (
        record["missile"] == "ideal"
        and record["burnout_time_s"] == 0.0
        and record["burnout_altitude_km"] == pytest.approx(0, abs=1e-6)
    )


def test_options_reach_the_model():
    record = json.loads(
        roof(
            "trajectory",
            "--from",
            "0,0",
            "--to",
            "0,60",
            "--earth",
            "sphere",
            "--no-rotation",
            "--burnout-angle",
            "30",
            "--json",
        ).stdout
    )
    assert record["earth"] == "sphere" and record["rotating"] is False
    assert record["burnout_angle_deg"] == pytest.approx(30.0)


def test_unreachable_is_a_result_not_an_error():
    result = roof("trajectory", "--from", "35.23,53.92", "--to", "52.23,21.01", "--missile", "sejjil-2", "--json")
    assert result.exit_code == 0
    record = json.loads(result.stdout)
    assert record["reachable"] is False and "out of range" in record["reason"]


def test_samples_with_step():
    record = json.loads(
        roof(
            "trajectory",
            "--from",
            "38.08,46.29",
            "--to",
            "39.93,32.86",
            "--missile",
            "shahab-3",
            "--step-s",
            "30",
            "--json",
        ).stdout
    )
    samples = record["samples"]
    assert samples[0]["time_s"] == 0.0 and samples[-1]["time_s"] == pytest.approx(record["flight_time_s"])
    assert {s["phase"] for s in samples} == {"boost", "free-flight"}
    assert max(s["alt_km"] for s in samples) == pytest.approx(record["apogee_km"], rel=0.01)


def test_places_are_named_as_coordinates_are_given():
    """Catalog cities and bases and the library's launch points stand for their coordinates, in any case."""
    from securityroof.model.scenario import named_places

    places = named_places()
    tabriz, warsaw, kozelsk = places["tabriz"], places["warsaw"], places["kozelsk"]  # a point, a city, a base
    by_name = roof("trajectory", "--from", "Tabriz", "--to", "WARSAW", "--missile", "sejjil-2", "--json")
    given = roof("trajectory", "--from", ",".join(map(repr, tabriz)), "--to", ",".join(map(repr, warsaw)),
                 "--missile", "sejjil-2", "--json")  # fmt: skip
    assert by_name.exit_code == 0 and json.loads(by_name.stdout) == json.loads(given.stdout)
    base = roof("trajectory", "--from", "kozelsk", "--to", "london", "--json")
    assert (
        base.exit_code == 0
        and (json.loads(base.stdout)["launch_lat_deg"], json.loads(base.stdout)["launch_lon_deg"]) == kozelsk
    )


def test_table_output_is_readable():
    result = roof("trajectory", "--from", "38.08,46.29", "--to", "39.93,32.86", "--missile", "shahab-3")
    assert result.exit_code == 0
    assert "flight time" in result.stdout and "apogee" in result.stdout


@pytest.mark.parametrize(
    "args,field",
    [
        (["--from", "95,0", "--to", "0,10"], "--from: latitude 95 is outside [-90, 90]"),
        (["--from", "abc", "--to", "0,10"], "--from: unknown place (a catalog city or base, or a library launch"),
        (
            ["--from", "tabriz", "--to", "warsw"],
            "--to: unknown place (a catalog city or base, or a library launch point) 'warsw'; did you mean warsaw",
        ),  # fmt: skip
        (["--from", "10,20,30", "--to", "0,10"], "--from: expected LAT,LON"),
        (["--from", "0,0", "--to", "0,400"], "--to: longitude 400 is outside"),
        (
            ["--from", "0,0", "--to", "10,10", "--missile", "ss27"],
            "--missile: unknown class 'ss27'; did you mean ss-27",
        ),
        (["--from", "0,0", "--to", "10,10", "--step-s", "-5"], "--step-s: -5 must be a positive"),
        (["--from", "0,0", "--to", "10,10", "--step-s", "0"], "--step-s: 0 must be a positive"),
        (["--from", "0,0", "--to", "10,10", "--step-s", "1e-9"], "--step-s: 1e-09 s would need about 6.1e+11 samples"),
        (["--from", "35,51", "--to", "52,13", "--step-s", "1e-4"], "more than 100,000: take a longer step"),
        (["--from", "12.5,40", "--to", "12.5,40"], "--to: the aim point is the launch point"),
        # issue 11: at a pole every longitude is the place; under the 1 m hit tolerance there is no shot
        (["--from", "90,0", "--to", "90,10"], "--to: the aim point is the launch point (closer than 1 m)"),
        (["--from", "40,20", "--to", "40.000009,20", "--j2"], "--to: the aim point is the launch point"),
        (["--from", "0,0", "--to", "10,10", "--burnout-angle", "95"], "--burnout-angle: 95 must lie"),
        (
            ["--from", "0,0", "--to", "10,10", "--burnout-angle", "30", "--min-energy"],
            "--burnout-angle: cannot be combined",
        ),
        (["--from", "0,0", "--to", "10,10", "--earth", "mars"], "--earth: 'mars' is not a model"),
        (["--from", "0,0"], "--from and --to"),
    ],
)
def test_bad_input_gives_one_line_naming_the_field(args, field):
    result = roof("trajectory", *args)
    assert result.exit_code == 2
    message = result.stderr.strip()
    assert field in message
    assert "Traceback" not in result.output + result.stderr
    assert len(message.splitlines()) == 1, message


def write_pairs(path, rows, header="launch_lat_deg,launch_lon_deg,aim_lat_deg,aim_lon_deg,missile,burnout_angle_deg"):
    path.write_text(header + "\n" + "\n".join(rows) + "\n")
    return path


PAIRS = [
    "38.08,46.29,39.93,32.86,shahab-3,",
    "35.23,53.92,52.23,21.01,sejjil-2,",
    "51.67,45.57,38.91,-77.04,ss-27,",
    "0,0,0,60,,30",
    "48.42,-101.36,55.76,37.62,,",
]


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_batch_writes_one_row_per_pair_with_the_json_keys(tmp_path, suffix):
    pairs = write_pairs(tmp_path / "pairs.csv", PAIRS)
    out = tmp_path / f"results{suffix}"
    result = roof("trajectory", "--batch", pairs, "--out", out, "--missile", "minuteman-3")
    assert result.exit_code == 0, result.output + result.stderr
    table = pq.read_table(out) if suffix == ".parquet" else pacsv.read_csv(out)
    assert table.num_rows == len(PAIRS)
    assert (JSON_KEYS - {"burnout_state_ecef_m"}) | set(STATE_COLUMNS) <= set(table.column_names)
    rows = table.to_pylist()
    assert [r["missile"] for r in rows] == ["shahab-3", "sejjil-2", "ss-27", "minuteman-3", "minuteman-3"]
    assert [r["reachable"] for r in rows] == [True, False, True, True, True]
    assert rows[1]["flight_time_s"] is None and rows[1]["burnout_x_m"] is None and "out of range" in rows[1]["reason"]
    assert rows[3]["burnout_angle_deg"] == pytest.approx(30.0)
    single = json.loads(
        roof("trajectory", "--from", "51.67,45.57", "--to", "38.91,-77.04", "--missile", "ss-27", "--json").stdout
    )
    assert rows[2]["flight_time_s"] == pytest.approx(single["flight_time_s"], rel=1e-9)
    assert [rows[2][c] for c in STATE_COLUMNS] == pytest.approx(single["burnout_state_ecef_m"], rel=1e-9)
    assert not list(tmp_path.glob("*.partial"))


def test_batch_without_optional_columns_uses_command_line_options(tmp_path):
    pairs = write_pairs(
        tmp_path / "pairs.csv",
        ["0,0,0,60", "0,0,0,-60"],
        header="launch_lat_deg,launch_lon_deg,aim_lat_deg,aim_lon_deg",
    )
    out = tmp_path / "out.parquet"
    assert roof("trajectory", "--batch", pairs, "--out", out, "--no-rotation").exit_code == 0
    speeds = pq.read_table(out)["burnout_speed_km_s"].to_numpy()
    assert speeds[0] == pytest.approx(speeds[1], rel=1e-9)  # no rotation: east and west alike


@pytest.mark.parametrize(
    "rows,header,expected",
    [
        (["95,0,0,10,,"], None, "line 2: launch_lat_deg"),
        (["0,0,0,10,,", "0,0,0,10,ss27,"], None, "line 3: missile: unknown class 'ss27'"),
        (["0,0,0,10,,120"], None, "line 2: burnout_angle_deg"),
        (["0,0,0,0,,"], None, "line 2: aim point is the launch point"),
        (["0,0,0,10,,", "-90,0,-90,120,,"], None, "line 3: aim point is the launch point (closer than 1 m)"),
        (["0,0,,10,,"], None, "line 2: aim_lat_deg: missing value"),
        (["0,0,x,10,,"], None, "cannot read as CSV"),
        (["0,0,10"], "launch_lat_deg,launch_lon_deg,aim_lat_deg", "missing column(s) aim_lon_deg"),
        (["0,0,10,10,1"], "launch_lat_deg,launch_lon_deg,aim_lat_deg,aim_lon_deg,speed", "unknown column(s) speed"),
        (
            ["0,0,10,10,0"],
            "launch_lat_deg,launch_lon_deg,aim_lat_deg,aim_lon_deg,launch_lat_deg",
            "column(s) launch_lat_deg appear more than once",
        ),
        (["tabriz,warsw"], "launch,aim", "line 2: aim: unknown place (a catalog city or base, or a library"),
        (["tabriz,"], "launch,aim", "line 2: aim: unknown place"),
        (["tabriz,0,0"], "launch,launch_lat_deg,aim", "launch: give a place name or launch_lat_deg"),
    ],
)
def test_bad_batch_files_fail_before_any_work(tmp_path, rows, header, expected):
    pairs = write_pairs(tmp_path / "pairs.csv", rows, **({"header": header} if header else {}))
    out = tmp_path / "out.parquet"
    result = roof("trajectory", "--batch", pairs, "--out", out)
    assert result.exit_code == 2
    assert expected in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_batch_names_places_as_the_command_line_does(tmp_path):
    """A `launch` or `aim` column of place names stands for its coordinate pair, in any case."""
    named = write_pairs(tmp_path / "named.csv", ["tabriz,Warsaw,sejjil-2", "TABRIZ,rome,sejjil-3-projected"],
                        header="launch,aim,missile")  # fmt: skip
    out = tmp_path / "named.parquet"
    assert roof("trajectory", "--batch", named, "--out", out).exit_code == 0
    one = json.loads(roof("trajectory", "--from", "tabriz", "--to", "rome", "--missile", "sejjil-3-projected",
                          "--json").stdout)  # fmt: skip
    row = pq.read_table(out).to_pylist()[1]
    for key in ("launch_lat_deg", "aim_lon_deg", "reachable", "flight_time_s"):
        assert row[key] == pytest.approx(one[key], rel=1e-12)


def test_batch_needs_an_output_with_a_known_suffix(tmp_path):
    pairs = write_pairs(tmp_path / "pairs.csv", PAIRS[:1])
    assert "--out" in roof("trajectory", "--batch", pairs).stderr
    assert "must end in .parquet or .csv" in roof("trajectory", "--batch", pairs, "--out", tmp_path / "x.xlsx").stderr
    assert "is not a file" in roof("trajectory", "--batch", tmp_path / "none.csv", "--out", tmp_path / "x.csv").stderr


def test_catalog_lists_sources_as_json():
    result = roof("catalog", "--json")
    missiles = json.loads(result.stdout)["missiles"]
    assert {m["name"] for m in missiles} >= {"shahab-3", "ss-27", "minuteman-3"}
    assert all(m["source"] for m in missiles)
    assert "Missile classes" in roof("catalog").stdout


def test_demo_writes_the_report(tmp_path):
    result = runner.invoke(app, ["demo", "--out", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "r" / "index.html").read_text()
    assert "epaa-phase-3" in page and "joint-lisbon" in page and "Open" in result.stdout
    # the findings come first, before where to open the report
    printed = " ".join(result.stdout.split())
    assert printed.index("epaa-phase-3 can engage") < printed.index("joint-lisbon can engage") < printed.index("Open")
    # how sure each finding is, by default: under each, how often it holds in 100 variants
    lines = result.stdout.splitlines()
    findings = sum(line.startswith("- ") for line in lines)
    assert findings > 5 and sum(line.startswith("  Holds in ") for line in lines) == findings
    assert page.count('class="robust"') == findings and "Robustness: 100 variants (seed 0)" in page


def test_a_report_without_a_robustness_run_and_bad_counts(tmp_path):
    result = roof("report", "example-shared", "--out", tmp_path / "r", "--uncertainty", "0")
    assert result.exit_code == 0, result.output
    assert 'class="robust"' not in (tmp_path / "r" / "index.html").read_text()
    bad = roof("report", "example-shared", "--out", tmp_path / "r", "--uncertainty", "-1")
    assert bad.exit_code == 2 and bad.stderr == "error: --uncertainty: -1 variants; give 0 (none) or more\n"
    idle = roof("report", "example-shared", "--out", tmp_path / "r", "--uncertainty", "0", "--seed", "3")
    assert idle.exit_code == 2 and idle.stderr.startswith("error: --uncertainty: 0 runs no variants; --seed")


def test_installed_console_script():
    """The `roof` entry point itself, as a user runs it (no traceback on bad input)."""
    good = subprocess.run([sys.executable, "-m", "securityroof", "--version"], capture_output=True, text=True)
    assert good.returncode == 0 and "securityroof" in good.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "securityroof", "trajectory", "--from", "91,0", "--to", "0,0"],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and "--from" in bad.stderr
    assert np.isfinite(1.0)


def test_batch_in_parallel_chunks_equals_one_process(tmp_path, monkeypatch):
    """Chunks solved by two worker processes are written in input order, bit for bit as one
    process writes them."""
    import securityroof.analysis.batch as batch

    monkeypatch.setattr(batch, "CHUNK_ROWS", 2)
    pairs = write_pairs(tmp_path / "pairs.csv", PAIRS * 3)
    one, two = tmp_path / "one.parquet", tmp_path / "two.parquet"
    assert roof("trajectory", "--batch", pairs, "--out", one, "--workers", "1").exit_code == 0
    assert roof("trajectory", "--batch", pairs, "--out", two, "--workers", "2").exit_code == 0
    assert pq.read_table(one).equals(pq.read_table(two))
    assert pq.read_table(two).num_rows == 3 * len(PAIRS)
    assert (
        "--workers: 0 must be at least 1" in roof("trajectory", "--batch", pairs, "--out", one, "--workers", "0").stderr
    )



def test_two_chunks_in_flight_come_back_in_order_and_no_further_ahead():
    """The batch's targeting threads: results in input order however the chunks finish, at most
    three chunks taken ahead of the one being written (memory stays flat), and each chunk solved
    in its caller's context (kernels switched off stay off)."""
    import threading
    import time

    import securityroof.analysis.batch as batch
    from securityroof.physics import kernels

    taken, lock = [], threading.Lock()

    def solve(job):
        with lock:
            taken.append(job)
        time.sleep(0.02 if job % 3 == 0 else 0.0)  # every third chunk finishes after the next
        return job, kernels.active()

    with kernels.disabled():
        results = batch._two_in_flight(solve, iter(range(12)))
        for expected, (job, active) in enumerate(results):
            assert job == expected and active is False
            with lock:
                assert len(taken) <= expected + 3
    assert taken and sorted(taken) == list(range(12))

def test_catalog_lists_every_kind():
    for kind, key in (("radar", "radars"), ("interceptor", "interceptors"), ("city", "cities"), ("base", "bases")):
        result = roof("catalog", "--kind", kind, "--json")
        assert result.exit_code == 0 and json.loads(result.stdout)[key]
    assert roof("catalog", "--kind", "satellite").exit_code == 0
    assert "--kind" in roof("catalog", "--kind", "nope").stderr


def test_an_input_error_found_deep_inside_a_command_ends_as_one_line(monkeypatch, capsys, fresh_threat_cache):
    """Through the ``roof`` entry point itself (the test runner calls the commands directly)."""
    monkeypatch.setattr(importlib.import_module("securityroof.physics.sampling"), "MAX_SAMPLES", 1_000)
    with pytest.raises(SystemExit) as stop:
        app(["engage", "epaa-phase-1"], prog_name="roof")
    assert stop.value.code == 2
    message = capsys.readouterr().err.strip()
    assert message.startswith("error: analysis.time_step_s: 5 s would need about")
    assert len(message.splitlines()) == 1 and "Traceback" not in message


@pytest.mark.parametrize(
    "args,expected",
    [
        # user text that looks like rich markup is shown as typed, not styled or rejected as bad markup
        (["trajectory", "--from", "1,2", "--to", "3,4", "--earth", "[/x]"], "--earth: '[/x]' is not a model"),
        (["trajectory", "--from", "1,2", "--to", "3,4", "--workers", "2"], "--workers: 2 is only used with --batch"),
        (["engage", "example-shared", "--sharing", "[bold]all"], "--sharing: '[bold]all' is not a policy"),
        (["map", "example-shared", "--out", "run[old].jpg"], "--out: run[old].jpg must end in .png or .svg"),
        (["deterrence", "example-shared", "--speeds", "nan:9:0.5"], "--speeds: every number must be finite"),
        (["deterrence", "example-shared", "--speeds", "4", "--delays", "inf"], "--delays: every number must be finite"),
        (["deterrence", "example-shared", "--speeds", "1e-300"], "--speeds: burnout speeds must lie in [0.1, 11) km/s"),
        (
            ["footprint", "example-shared", "--threat", "iran-irbm", "--step-deg", "1e-7"],
            "--step-deg: 1e-07 gives about",
        ),
        (
            ["footprint", "example-shared", "--threat", "iran-irbm", "--extent", "35:36:0:1", "--step-deg", "10"],
            "--step-deg: 10 is wider than the extent",
        ),
    ],
)
def test_bad_options_of_the_analysis_commands_give_one_line(args, expected):
    result = roof(*args)
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().startswith("error: " + expected), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_report_refuses_a_scenario_twice_and_an_empty_threat(tmp_path):
    twice = roof("report", "example-shared", "example-shared", "--out", tmp_path / "r")
    assert twice.exit_code == 2 and "scenarios: example-shared given more than once" in twice.stderr
    empty = roof("report", "example-shared", "--threat", "", "--out", tmp_path / "r")
    assert empty.exit_code == 2 and "--threat: empty" in empty.stderr
    assert not (tmp_path / "r").exists()


def test_a_directory_is_not_a_scenario(tmp_path):
    result = roof("validate", tmp_path)
    assert result.exit_code == 2 and f"{tmp_path}: is a directory, not a scenario file" in result.stderr


def test_outputs_that_cannot_be_written_are_refused_before_any_work(tmp_path):
    pairs = write_pairs(tmp_path / "pairs.csv", PAIRS[:1])
    a_file, a_directory = tmp_path / "a.txt", tmp_path / "dir.parquet"
    a_file.write_text("x")
    a_directory.mkdir()
    missing = tmp_path / "missing" / "out.parquet"
    cases = [
        (["trajectory", "--batch", pairs, "--out", missing], f"--out: {missing.parent} is not an existing directory"),
        (["trajectory", "--batch", pairs, "--out", a_directory], f"--out: {a_directory} is a directory"),
        (["trajectory", "--batch", pairs, "--out", pairs], f"--out: {pairs} is the --batch file"),
        (["footprint", "example-shared", "--threat", "iran-irbm", "--out", missing], "is not an existing directory"),
        (["map", "example-shared", "--out", tmp_path / "missing" / "m.png"], "is not an existing directory"),
        (["report", "example-shared", "--out", a_file], f"--out: {a_file} is a file, not a directory"),
        (["demo", "--out", a_file], f"--out: {a_file} is a file, not a directory"),
        (["sweep", "joint-speed-delay", "--out", a_file], f"--out: {a_file} is a file, not a directory"),
    ]
    for args, expected in cases:
        result = roof(*args)
        assert result.exit_code == 2, (args, result.output)
        assert expected in result.stderr, (args, result.stderr)
    assert pairs.read_text().startswith("launch_lat_deg")  # the input was not overwritten


def test_batch_refuses_options_it_would_ignore(tmp_path):
    pairs = write_pairs(tmp_path / "pairs.csv", PAIRS[:1])
    for extra, option in ((["--step-s", "10"], "--step-s"), (["--json"], "--json")):
        result = roof("trajectory", "--batch", pairs, "--out", tmp_path / "o.parquet", *extra)
        assert result.exit_code == 2 and f"error: {option}: not used with --batch" in result.stderr


def test_the_ideal_missile_can_be_named_as_in_a_batch_file():
    named = json.loads(roof("trajectory", "--from", "0,0", "--to", "10,10", "--missile", "ideal", "--json").stdout)
    default = json.loads(roof("trajectory", "--from", "0,0", "--to", "10,10", "--json").stdout)
    assert named == default


def test_a_scheduler_that_is_not_an_address_is_named(tmp_path):
    result = roof("sweep", "joint-speed-delay", "--out", tmp_path / "s", "--scheduler", "bogus")
    assert result.exit_code == 2 and "--scheduler: 'bogus' is not a scheduler address" in result.stderr


def test_the_shared_threat_assessment_is_listed_as_such_and_not_validated_as_an_architecture():
    listed = roof("scenarios")
    assert listed.exit_code == 0
    assert any(line.split()[:2] == ["common-threats", "threats"] for line in listed.stdout.splitlines())
    result = roof("validate", "common-threats")
    assert result.exit_code == 2 and "a threat assessment (points and threats) that scenarios extend" in result.stderr


def _commands(group, path=()):
    import click

    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))
        else:
            yield (*path, name), command


def test_every_option_s_help_reads_as_written():
    """Help texts are rich markup: a bracket such as `remove = [ids]` unescaped is taken for a tag and
    vanishes from `--help` (it did, on every command with `--add`). Each option's text, its escapes
    undone, is on the screen whole."""
    import re

    import typer.main

    group = typer.main.get_command(app)
    for path, command in _commands(group):
        shown = CliRunner().invoke(app, [*path, "--help"], terminal_width=1000, env={"COLUMNS": "1000"}).output
        on_screen = " ".join(re.sub(r"[│╭╮╰╯─]", " ", shown).split())
        for param in command.params:
            text = " ".join((getattr(param, "help", None) or "").replace("\\[", "[").split())
            if "[" in text:
                assert text in on_screen, (path, param.name, text)
