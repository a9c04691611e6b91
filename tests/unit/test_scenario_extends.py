"""Scenario inheritance (``extends``, ``remove``, rows replaced by id) and class tables (a file's own
or changed radar, satellite, interceptor and missile classes): merged results, and problems that
still name the file and line where they are written."""

import dataclasses

import pytest

from securityroof.model.catalog import load_catalog
from securityroof.model.scenario import ScenarioError, dump_scenario, load_scenario, parse_scenario
from securityroof.model.scenario.extends import MAX_DEPTH

CATALOG = load_catalog()


def write(folder, name, text):
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, needle: str) -> int:
    return text.count("\n", 0, text.index(needle)) + 1


CHILD = """extends = "epaa-phase-3"
remove = ["north-sea-sm-3-iia", "north-sea-spy-1"]
name = "phase-3-variant"

[[asset]]
id = "kurecik"
owner = "nato"
kind = "an-tpy-2"
lat_deg = 38.3494
lon_deg = 37.7936
boresight_az_deg = 90

[[asset]]
id = "extra-spy-1"
owner = "nato"
kind = "spy-1"
lat_deg = 40.0
lon_deg = 20.0
"""


def test_a_child_replaces_rows_by_id_in_place_removes_and_appends(tmp_path):
    parent = load_scenario("epaa-phase-3")
    child = load_scenario(write(tmp_path, "child.toml", CHILD))
    expected = [a.id for a in parent.assets if not a.id.startswith("north-sea")] + ["extra-spy-1"]
    assert [a.id for a in child.assets] == expected
    assert next(a for a in child.assets if a.id == "kurecik").boresight_az_deg == 90
    # what the child does not give is inherited
    assert child.name == "phase-3-variant" and child.description == parent.description
    assert child.threat_set == parent.threat_set and child.sharing == parent.sharing


def test_the_library_architectures_extend_the_common_threat_file():
    common = {t.id: t for t in load_scenario("third-site-2007").threats}
    for name in ("epaa-phase-1", "joint-lisbon", "russia-only"):
        assert {t.id: t for t in load_scenario(name).threats} == common


def test_analysis_merges_key_by_key_and_sharing_is_replaced(tmp_path):
    text = 'extends = "joint-lisbon"\n[analysis]\ndecision_delay_s = 90\n[sharing]\npolicy = "none"\n'
    child = load_scenario(write(tmp_path, "c.toml", text))
    assert child.analysis.decision_delay_s == 90 and child.analysis.time_step_s == 5.0
    assert child.sharing.policy == "none"


def test_an_unknown_remove_names_remove_with_close_ids(tmp_path):
    text = 'extends = "epaa-phase-3"\nremove = ["kurecik", "kurecek"]\n'
    with pytest.raises(ScenarioError) as error:
        load_scenario(write(tmp_path, "c.toml", text))
    message = error.value.messages[0]
    assert message.startswith(f"{tmp_path / 'c.toml'}:2: remove[1]: unknown id")
    assert "did you mean kurecik" in message


def test_a_problem_in_an_inherited_row_points_at_its_own_file_and_line(tmp_path):
    parent_text = CHILD.replace("boresight_az_deg = 90", "boresight_az_deg = 400")
    write(tmp_path, "parent.toml", parent_text)
    child_text = 'extends = "parent.toml"\n\n[[asset]]\nid = "x"\nowner = "nato"\nkind = "spy-9"\nlat_deg = 1\n'
    with pytest.raises(ScenarioError) as error:
        load_scenario(write(tmp_path, "child.toml", child_text))
    child_file, parent_file = tmp_path / "child.toml", tmp_path / "parent.toml"
    assert error.value.messages == [
        f"{child_file}:{line_of(child_text, 'kind')}: asset[0].kind: unknown radar, satellite or interceptor "
        "'spy-9'; did you mean spy-1?",
        f"{parent_file}:{line_of(parent_text, 'boresight_az_deg = 400')}: asset[0].boresight_az_deg: "
        "Input should be less than 360, got 400",
    ]


def test_cycles_depth_and_unknown_parents_are_one_clear_line(tmp_path):
    write(tmp_path, "a.toml", 'extends = "b.toml"\n')
    write(tmp_path, "b.toml", 'extends = "a.toml"\n')
    with pytest.raises(ScenarioError, match=r"/b.toml:1: extends: a cycle: a.toml -> b.toml -> a.toml"):
        load_scenario(tmp_path / "a.toml")
    for k in range(MAX_DEPTH + 1):
        write(tmp_path, f"d{k}.toml", f'extends = "d{k + 1}.toml"\n' if k < MAX_DEPTH else CHILD)
    with pytest.raises(ScenarioError, match=rf"extends: more than {MAX_DEPTH} files extend one another"):
        load_scenario(tmp_path / "d0.toml")
    with pytest.raises(ScenarioError, match=r":1: extends: unknown library scenario 'epaa-phase-9'; did you mean"):
        load_scenario(write(tmp_path, "u.toml", 'extends = "epaa-phase-9"\n'))
    with pytest.raises(ScenarioError, match=r"extends: missing.toml: no such file"):
        load_scenario(write(tmp_path, "m.toml", 'extends = "missing.toml"\n'))
    with pytest.raises(ScenarioError, match=r":1: remove: only used with extends"):
        parse_scenario('remove = ["x"]\n', file="r.toml")


FASTER = """
[[interceptor]]
name = "sm-3-iia"
burnout_speed_km_s = 5.0

[[interceptor]]
name = "sm-3-iia-slow"
like = "sm-3-iia"
label = "a slower IIA"
burnout_speed_km_s = 3.0

[[radar]]
name = "an-tpy-2"
reference_range_km = 1500
"""


def test_class_tables_change_a_catalog_class_or_add_one_like_it(tmp_path):
    text = 'extends = "epaa-phase-3"\n' + FASTER
    scenario = load_scenario(write(tmp_path, "c.toml", text))
    iia = scenario.catalog.interceptors["sm-3-iia"]
    assert iia.burnout_speed_km_s == 5.0 and iia.burn_time_s == CATALOG.interceptors["sm-3-iia"].burn_time_s
    assert scenario.catalog.interceptors["sm-3-iia-slow"].burnout_speed_km_s == 3.0
    assert scenario.catalog.radars["an-tpy-2"].reference_range_km == 1500
    assert {s.entry.burnout_speed_km_s for s in scenario.interceptor_sites if s.asset.kind == "sm-3-iia"} == {5.0}
    # written back: the changed class as its changed keys, the new one whole; loads to the same scenario
    assert parse_scenario(dump_scenario(scenario)) == dataclasses.replace(scenario, path=None)


def test_class_table_problems_are_checked_as_the_catalogs_are(tmp_path):
    text = FASTER.replace("burnout_speed_km_s = 5.0", "burnout_speed_km_s = 12.0").replace(
        'like = "sm-3-iia"', 'like = "sm-3-iiz"'
    )
    text = 'extends = "epaa-phase-3"\n' + text + '\n[[radar]]\nname = "sm-3-ib"\n'
    with pytest.raises(ScenarioError) as error:
        load_scenario(write(tmp_path, "c.toml", text))
    found = "\n".join(error.value.messages)
    assert f":{line_of(text, '= 12.0')}: interceptor[0].burnout_speed_km_s: Input should be less" in found
    assert f":{line_of(text, 'like = ')}: interceptor[1].like: unknown interceptor 'sm-3-iiz'; did you mean" in found
    assert "radar[1].name: 'sm-3-ib' is a catalog interceptor, not a radar" in found
    # the asset of the broken class is not also reported as of an unknown class
    assert "unknown radar, satellite or interceptor" not in found
