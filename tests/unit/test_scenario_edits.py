"""A Scenario has one source of truth: its sensors, interceptor sites and threat set are derived from
its assets, threats and catalog, so every edit (what-if, sweep variant, what a party adds) changes them
together and survives a dump and a reload."""

import dataclasses
import tomllib

import pytest

from securityroof.model.scenario import ScenarioError, dump_scenario, load_scenario, parse_scenario


@pytest.fixture(scope="module")
def joint():
    return load_scenario("joint-lisbon")


def test_removing_a_party_removes_its_sensors_and_sites(joint):
    nato = joint.without_party("russia")
    assert {a.owner for a in nato.assets} == {"nato"}
    assert {s.owner for s in nato.sensors} == {s.owner for s in nato.interceptor_sites} == {"nato"}
    assert len(nato.sensors) + len(nato.interceptor_sites) == len(nato.assets)
    assert nato.threat_set == joint.threat_set


def test_a_class_replaced_in_the_catalog_reaches_every_site_and_threat_of_that_class(joint):
    faster = joint.catalog.interceptors["sm-3-iia"].model_copy(update={"burnout_speed_km_s": 5.0})
    edited = joint.with_entry(faster)
    changed = [s for s in edited.interceptor_sites if s.entry.name == "sm-3-iia"]
    assert changed and all(s.entry.burnout_speed_km_s == 5.0 for s in changed)
    assert all(s.entry == t.entry for s, t in zip(edited.interceptor_sites, joint.interceptor_sites, strict=True)
               if s.entry.name != "sm-3-iia")  # fmt: skip
    longer = joint.catalog.missiles["sejjil-2"].model_copy(update={"range_km": 2500.0})
    threats = joint.with_entry(longer).threat_set
    assert {t.missile_class.range_km for t in threats if t.missile == "sejjil-2"} == {2500.0}


def test_a_threat_filter_keeps_threats_and_threat_set_together(joint):
    one = joint.with_threats(t for t in joint.threats if t.id == "iran-irbm")
    assert [t.id for t in one.threats] == ["iran-irbm"]
    assert {t.threat for t in one.threat_set} == {"iran-irbm"}
    assert len(one.threat_set) == len(one.threats[0].launch) * len(one.threats[0].aim)


def test_edits_survive_a_dump_and_a_reload(joint):
    faster = joint.catalog.interceptors["sm-3-iia"].model_copy(update={"burnout_speed_km_s": 5.0})
    edited = joint.without_asset("gabala").with_analysis(decision_delay_s=120.0).with_sharing("within-party")
    reloaded = parse_scenario(dump_scenario(edited))
    assert reloaded == dataclasses.replace(edited, path=None)
    assert [a.id for a in reloaded.assets] == [a.id for a in edited.assets]
    assert reloaded.analysis.decision_delay_s == 120.0 and reloaded.sharing.policy == "within-party"
    # a changed catalog class is written as the file's version of it: its name and the changed key
    text = dump_scenario(joint.with_entry(faster))
    assert tomllib.loads(text)["interceptor"] == [{"name": "sm-3-iia", "burnout_speed_km_s": 5.0}]
    assert parse_scenario(text) == dataclasses.replace(joint.with_entry(faster), path=None)
    # a city has no table in a scenario file: a changed one is refused, not dropped
    moved = joint.catalog.cities["warsaw"].model_copy(update={"lat_deg": 52.0})
    with pytest.raises(ScenarioError, match=r"catalog: changed from the package catalog: warsaw;"):
        dump_scenario(joint.with_entry(moved))


def test_an_analysis_edit_is_checked_as_the_file_is(joint):
    with pytest.raises(ScenarioError, match=r"analysis.decision_delay_s"):
        joint.with_analysis(decision_delay_s=-1.0)
