"""What `roof` prints for people: engage's feasible engagements and why the rest are hidden, --city,
--csv beside --json, and tables that fit 80 columns without cutting a figure."""

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from securityroof.present.cli import app
from securityroof.present.cli._app import console

runner = CliRunner()


@pytest.fixture
def narrow(monkeypatch):
    # rich reads COLUMNS once, when the console is made: set the width it found instead
    monkeypatch.setattr(console, "_width", 80)


def roof(*args):
    return runner.invoke(app, [str(a) for a in args])


def fits(text: str) -> None:
    assert "…" not in text
    assert max(len(line) for line in text.splitlines()) <= 80


@pytest.fixture(scope="module")
def engagements():
    return json.loads(roof("engage", "epaa-phase-3", "--json").stdout)["engagements"]


def test_engage_lists_feasible_engagements_and_counts_the_hidden_pairs_by_reason(narrow, engagements):
    text = roof("engage", "epaa-phase-3").stdout
    fits(text)
    feasible = [r for r in engagements if r["feasible"]]
    hidden = [r for r in engagements if not r["feasible"]]
    assert f"{len(feasible)} of {len(engagements):,} engagements feasible" in text
    assert f"{len(hidden):,} other pairs not shown: " in text
    for reason in {r["reason"] for r in hidden}:
        assert f"{reason} {sum(r['reason'] == reason for r in hidden):,}" in text
    assert "threat-out-of-range" not in text.split("other pairs not shown")[0]
    for r in feasible:
        assert f"{r['window_start_s']:.0f}–{r['window_end_s']:.0f}" in text
        assert f"{r['intercept_alt_km']:.0f}" in text


def test_engage_all_lists_every_pair(monkeypatch):
    monkeypatch.setattr(console, "_width", 200)
    text = roof("engage", "epaa-phase-3", "--city", "warsaw", "--all").stdout
    assert "threat-out-of-range" in text and "not shown" not in text


def test_engage_city_keeps_the_threats_aimed_there_in_any_case(engagements):
    result = roof("engage", "epaa-phase-3", "--city", "Warsaw", "--json")
    assert result.exit_code == 0, result.output
    kept = json.loads(result.stdout)["engagements"]
    assert kept == [r for r in engagements if r["threat_id"].endswith("->warsaw")]


@pytest.mark.parametrize(
    ("city", "expected"),
    [("wrsaw", "--city: unknown catalog city 'wrsaw'; did you mean warsaw?"), ("toronto", "no threat of epaa-phase-3")],
)
def test_engage_city_unknown_or_not_aimed_at_is_one_line(city, expected):
    result = roof("engage", "epaa-phase-3", "--city", city)
    assert result.exit_code == 2 and expected in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_engage_csv_has_every_pair_with_the_json_fields(engagements):
    rows = list(csv.DictReader(io.StringIO(roof("engage", "epaa-phase-3", "--csv").stdout)))
    assert len(rows) == len(engagements) and list(rows[0]) == list(engagements[0])
    for row, record in zip(rows, engagements, strict=True):
        assert row["feasible"] == ("true" if record["feasible"] else "false")
        assert row["launch_time_s"] == ("" if record["launch_time_s"] is None else str(record["launch_time_s"]))


@pytest.mark.parametrize("command", [["engage", "epaa-phase-3"], ["compare", "epaa-phase-3"], ["deterrence", "x"]])
def test_csv_and_json_together_is_one_line(command):
    result = roof(*command, "--csv", "--json")
    assert result.exit_code == 2 and "--csv: " in result.stderr


def test_compare_csv_is_a_row_per_architecture_with_without_party_flattened():
    names = ["epaa-phase-3", "joint-lisbon"]
    records = json.loads(roof("compare", *names, "--json").stdout)["architectures"]
    rows = list(csv.DictReader(io.StringIO(roof("compare", *names, "--csv").stdout)))
    assert [row["name"] for row in rows] == names
    for row, record in zip(rows, records, strict=True):
        assert int(row["protected_population"]) == record["protected_population"]
        for party, share in record["without_party"].items():
            assert float(row[f"without_{party}_protected_share"]) == pytest.approx(share)


def test_compare_fits_80_columns_with_every_figure_whole(narrow):
    names = ["epaa-phase-1", "epaa-phase-4-uewr", "joint-lisbon", "russia-only", "third-site-2007"]
    records = json.loads(roof("compare", *names, "--json").stdout)["architectures"]
    text = roof("compare", *names).stdout
    fits(text)
    table = text[text.index("Architectures on") :]
    for record in records:
        assert record["name"] in table
        assert f"{record['threats_engageable']}/{record['threats_total']}" in table
        assert f"{record['protected_population']:,}" in table
        for share in record["without_party"].values():
            assert f"{share:.0%}" in table


def test_deterrence_csv_is_the_pairs():
    args = ["deterrence", "joint-lisbon", "--speeds", "5", "--delays", "0"]
    pairs = json.loads(roof(*args, "--json").stdout)["pairs"]
    rows = list(csv.DictReader(io.StringIO(roof(*args, "--csv").stdout)))
    assert [(r["base"], r["target"]) for r in rows] == [(p["base"], p["target"]) for p in pairs]
    assert [r["sites"] for r in rows] == ["; ".join(p["sites"]) for p in pairs]


def test_deterrence_fits_80_columns(narrow):
    fits(roof("deterrence", "joint-lisbon").stdout)


def test_catalog_radar_shows_range_sector_and_band_in_80_columns(narrow):
    radars = json.loads(roof("catalog", "--kind", "radar", "--json").stdout)["radars"]
    text = roof("catalog", "--kind", "radar").stdout
    fits(text)
    for radar in radars:
        assert f"{radar['reference_range_km']:,.0f}" in text
        assert f"{radar['min_elevation_deg']:g}–{radar['max_elevation_deg']:g}°" in text
        assert radar["band"].split()[0] in text
    assert "360°" in text and "±60°" in text


@pytest.mark.parametrize(
    ("kind", "field", "form"),
    [
        ("radar", "reference_range_km", ",.0f"),
        ("interceptor", "burnout_speed_km_s", "g"),
        ("missile", "range_km", ",.0f"),
    ],
)
def test_catalog_shows_each_range_beside_its_value_in_80_columns(narrow, kind, field, form):
    entries = json.loads(roof("catalog", "--kind", kind, "--json").stdout)[f"{kind}s"]
    text = roof("catalog", "--kind", kind).stdout
    fits(text)
    ranged = [e for e in entries if f"{field}_range" in e]
    assert ranged
    for entry in ranged:
        low, high = entry[f"{field}_range"]
        assert f"({low:{form}}–{high:{form}})" in text
