"""Comparing architectures: the JSON contract, party contributions, protected cities."""

import json

import pytest
from findings_check import figure_errors, unquoted_numbers
from typer.testing import CliRunner

from securityroof.analysis.compare import compare, summarize, without_party
from securityroof.analysis.engage import engage
from securityroof.model.scenario import load_scenario, parse_scenario
from securityroof.present.cli import app

CITY_SCENARIO = """
name = "city-test"
description = "a Sejjil-2 from two launch points at Bucharest (a catalog city), one Aegis Ashore site"

[[party]]
id = "nato"
label = "NATO"

[[party]]
id = "russia"
label = "Russia"

[[asset]]
id = "kurecik"
owner = "nato"
kind = "an-tpy-2"
lat_deg = 38.3494
lon_deg = 37.7936
boresight_az_deg = 100

[[asset]]
id = "gabala"
owner = "russia"
kind = "daryal"
lat_deg = 40.87
lon_deg = 47.80
boresight_az_deg = 170

[[asset]]
id = "deveselu"
owner = "nato"
kind = "sm-3-ib"
lat_deg = 44.08
lon_deg = 24.35

[[threat]]
id = "irbm"
missile = "sejjil-2"
launch = [[38.08, 46.29], [37.55, 45.07]]
aim = ["bucharest", "warsaw"]

[sharing]
policy = "all"
"""


@pytest.fixture(scope="module")
def city_scenario():
    return parse_scenario(CITY_SCENARIO, file="city-test.toml")


def test_protected_population_counts_cities_every_reachable_shot_at_which_is_engageable(city_scenario):
    summary = summarize(city_scenario, engage(city_scenario))
    assert summary["threats_total"] == 2 and summary["threats_out_of_range"] == 2  # Warsaw is out of range
    assert summary["threats_engageable"] == 2
    assert summary["cities_protected"] == ["bucharest"]
    from securityroof import load_catalog

    assert summary["protected_population"] == load_catalog().city("bucharest").population


def test_removing_a_party_never_protects_more(city_scenario):
    """The joint architecture never protects fewer threats than its NATO-only subset."""
    joint = summarize(city_scenario, engage(city_scenario))
    nato_only = without_party(city_scenario, "russia")
    reduced = summarize(nato_only, engage(nato_only))
    assert reduced["threats_engageable"] <= joint["threats_engageable"]
    assert not any(s.owner == "russia" for s in nato_only.sensors)


def test_compare_json_contract():
    result = json.loads(CliRunner().invoke(app, ["compare", "example-within-party", "example-shared", "--json"]).stdout)
    assert result["same_threats"] is True
    names = [a["name"] for a in result["architectures"]]
    assert names == ["example-within-party", "example-shared"]
    for entry in result["architectures"]:
        assert {"name", "threats_total", "threats_engageable", "protected_share", "protected_population",
                "by_party", "without_party"} <= set(entry)  # fmt: skip
        assert set(entry["without_party"]) == {"nato", "russia"}
        assert entry["threats_engageable"] >= entry["by_party"]["nato"]["threats_engageable"]


def test_compare_sharing_override_and_errors():
    runner = CliRunner()
    result = json.loads(runner.invoke(app, ["compare", "example-shared", "--sharing", "none", "--json"]).stdout)
    assert result["architectures"][0]["sharing"] == "none"
    assert runner.invoke(app, ["compare", "example-shared", "--sharing", "x"]).exit_code == 2
    assert runner.invoke(app, ["compare", "no-such"]).exit_code == 2


def test_library_comparison_matches_its_parts():
    scenarios = [load_scenario("example-within-party"), load_scenario("example-shared")]
    result = compare(scenarios)
    for scenario, entry in zip(scenarios, result.architectures, strict=True):
        assert entry["protected_share"] == summarize(scenario, engage(scenario))["protected_share"]


@pytest.fixture(scope="module")
def demo_comparison():
    """`roof compare epaa-phase-3 joint-lisbon --json`: the comparison `roof demo` shows."""
    result = CliRunner().invoke(app, ["compare", "epaa-phase-3", "joint-lisbon", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_each_finding_rests_on_the_figures_of_the_json(demo_comparison):
    findings = demo_comparison["findings"]
    assert {f["kind"] for f in findings} >= {"threats", "defends", "party"}
    for finding in findings:
        assert not figure_errors(finding, demo_comparison), finding["text"]
        assert not unquoted_numbers(finding), finding["text"]


def test_what_russia_adds_to_joint_lisbon_is_said_as_the_numbers_have_it(demo_comparison):
    """The sentence on Russia's assets says "no protected city" exactly when removing them loses none,
    and then the protected population is epaa-phase-3's (joint-lisbon is phase 3 plus Russia's assets)."""
    phase_3, joint = demo_comparison["architectures"]
    russia = next(f for f in demo_comparison["findings"] if f["kind"] == "party" and f["figures"]["party"] == "russia")
    without = joint["without_party_summary"]["russia"]
    adds_none = without["cities_protected"] == joint["cities_protected"]
    assert ("none of the" in russia["text"].split(":")[0]) == adds_none
    assert (russia["figures"]["cities_added"] == []) == adds_none
    if adds_none:
        assert without["protected_population"] == joint["protected_population"]
        assert phase_3["cities_protected"] == without["cities_protected"]


def test_city_rows_agree_with_the_summary(demo_comparison):
    for entry in demo_comparison["architectures"]:
        rows = entry["cities"]
        assert [c["city"] for c in rows if c["status"] == "defended"] == entry["cities_protected"]
        assert sum(c["status"] != "out-of-range" for c in rows) == entry["cities_threatened"]
        undefended = [c for c in rows if c["status"] == "threatened-undefended"]
        assert all(c["why_not"] and set(c["undefended_classes"]) <= set(c["threat_classes"]) for c in undefended)
        assert not any(c["why_not"] for c in rows if c["status"] != "threatened-undefended")


def test_comparison_tables(city_scenario):
    comparison = compare([city_scenario])
    table = comparison.to_arrow()
    entry = comparison.architectures[0]
    assert table.num_rows == 1 and table.column("cities_protected").to_pylist() == [entry["cities_protected"]]
    assert table.column("without_russia_protected_share").to_pylist() == [entry["without_party"]["russia"]]
    cities = comparison.city_table().to_pylist()
    assert [(c["city"], c["status"]) for c in cities] == [(c["city"], c["status"]) for c in entry["cities"]]
    assert comparison.to_dict()["findings"] == comparison.findings
