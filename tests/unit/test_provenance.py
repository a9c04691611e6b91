"""What a result was computed from: a scenario's digest follows its content, not its file's text."""

import re

from securityroof.analysis.provenance import catalog_digest, footprint_metadata, provenance, scenario_digest
from securityroof.model.scenario import library_folder, load_scenario, parse_scenario


def test_a_scenario_digest_follows_the_architecture_not_the_file_text():
    path = library_folder() / "example-shared.toml"
    scenario = load_scenario(path)
    commented = parse_scenario("# a reader's note\n" + path.read_text(), file="copy.toml")
    assert re.fullmatch(r"[0-9a-f]{64}", scenario_digest(scenario))
    assert scenario_digest(commented) == scenario_digest(scenario)
    assert scenario_digest(scenario.with_sharing("none")) != scenario_digest(scenario)


def test_a_changed_class_changes_the_digest_and_a_changed_city_has_none():
    """A scenario file can carry a changed class but not a changed city (the dump refuses it): such
    a scenario has no digest, and its grid's metadata says nothing rather than something false."""
    scenario = load_scenario("example-shared")
    faster = scenario.catalog.interceptors["sm-3-ib"].model_copy(update={"burnout_speed_km_s": 5.0})
    assert scenario_digest(scenario.with_entry(faster)) not in (None, scenario_digest(scenario))
    bigger = scenario.catalog.cities["bucharest"].model_copy(update={"population": 1})
    moved = scenario.with_entry(bigger)
    assert scenario_digest(moved) is None
    assert "scenario_sha256" not in footprint_metadata(moved, "iran-irbm")
    assert footprint_metadata(scenario, "iran-irbm")["scenario_sha256"] == scenario_digest(scenario)


def test_provenance_names_each_scenario_and_the_catalog():
    scenarios = [load_scenario("example-shared"), load_scenario("example-within-party")]
    record = provenance(scenarios)
    assert [s["name"] for s in record["scenarios"]] == ["example-shared", "example-within-party"]
    assert record["catalog_sha256"] == catalog_digest() and re.fullmatch(r"[0-9a-f]{64}", catalog_digest())
