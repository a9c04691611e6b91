"""Comparing architectures: the JSON contract, party contributions, protected cities."""

import json

import pytest
from typer.testing import CliRunner

from securityroof.analysis.compare import CITY_STATUSES, city_status, compare, summarize, without_party
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


def test_city_status_names_what_reaches_each_city_and_what_no_site_engages(city_scenario):
    cities = {row["city"]: row for row in city_status(city_scenario, engage(city_scenario))}
    assert list(cities) == ["bucharest", "warsaw"]
    assert cities["bucharest"]["status"] == "defended" and cities["bucharest"]["reaching"] == ["sejjil-2"]
    assert cities["warsaw"]["status"] == "out-of-range"
    assert cities["warsaw"]["classes"] == ["sejjil-2"] and cities["warsaw"]["reaching"] == []
    undefended = city_scenario.without_asset("deveselu")
    bucharest = city_status(undefended, engage(undefended))[0]
    assert bucharest["status"] == "threatened-undefended" and bucharest["undefended"] == ["sejjil-2"]


def test_city_status_agrees_with_the_summary():
    scenario = load_scenario("epaa-phase-3")
    result = engage(scenario)
    rows, summary = city_status(scenario, result), summarize(scenario, result)
    assert {row["status"] for row in rows} == set(CITY_STATUSES)  # the library case has all three
    assert sorted(r["city"] for r in rows if r["status"] == "defended") == summary["cities_protected"]
    assert sum(r["status"] != "out-of-range" for r in rows) == summary["cities_threatened"]


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
    for scenario, entry in zip(scenarios, result["architectures"], strict=True):
        assert entry["protected_share"] == summarize(scenario, engage(scenario))["protected_share"]
