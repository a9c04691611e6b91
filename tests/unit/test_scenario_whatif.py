"""What-ifs on a checked scenario (``--add``, ``--without``, ``--set``, ``--decision-delay``): each
checked as a scenario file is, each problem one line naming its option's field."""

import dataclasses

import pytest

from securityroof.errors import RoofError
from securityroof.model.scenario import ScenarioError, dump_scenario, load_scenario, parse_scenario
from securityroof.model.scenario.whatif import apply_whatifs

GABALA = (
    '[[asset]] id = "gabala-tpy" owner = "nato" kind = "an-tpy-2" lat_deg = 40.87 lon_deg = 47.8 boresight_az_deg = 180'
)


@pytest.fixture(scope="module")
def phase3():
    return load_scenario("epaa-phase-3")


def test_each_whatif_changes_what_it_names_and_nothing_else(phase3):
    edited = apply_whatifs(
        phase3,
        add=[GABALA],
        without=["kurecik"],
        set=["sm-3-iia.burnout_speed_km_s=5.0"],
        decision_delay_s=30,
    )
    assert [a.id for a in edited.assets] == [a.id for a in phase3.assets if a.id != "kurecik"] + ["gabala-tpy"]
    assert edited.catalog.interceptors["sm-3-iia"].burnout_speed_km_s == 5.0
    assert edited.catalog.interceptors["sm-3-ib"] == phase3.catalog.interceptors["sm-3-ib"]
    assert edited.analysis.decision_delay_s == 30 and edited.analysis.time_step_s == phase3.analysis.time_step_s
    assert edited.threat_set == phase3.threat_set and edited.sharing == phase3.sharing
    # and is written as a file that loads back to the same scenario
    assert parse_scenario(dump_scenario(edited)) == dataclasses.replace(edited, path=None)


def test_add_takes_a_file_that_replaces_by_id_and_removes(phase3, tmp_path):
    path = tmp_path / "more.toml"
    path.write_text('remove = ["iran-mrbm"]\n\n[[asset]]\nid = "kurecik"\nowner = "nato"\nkind = "an-tpy-2"\n'
                    "lat_deg = 38.35\nlon_deg = 37.79\nboresight_az_deg = 90\n", encoding="utf-8")  # fmt: skip
    edited = apply_whatifs(phase3, add=[str(path)])
    assert [a.id for a in edited.assets] == [a.id for a in phase3.assets]
    assert next(a for a in edited.assets if a.id == "kurecik").boresight_az_deg == 90
    assert "iran-mrbm" not in {t.id for t in edited.threats}


@pytest.mark.parametrize(
    ("whatif", "message"),
    [
        ({"add": [GABALA.replace("an-tpy-2", "an-tpy-3")]},
         "add: asset[0].kind: unknown radar, satellite or interceptor 'an-tpy-3'; did you mean an-tpy-2?"),
        ({"add": ['[[asset]]\nid = 5\nowner = "nato"\nkind = "spy-1"\nlat_deg = 1\nlon_deg = 1']},
         "add: line 2: asset[0].id: Input should be a valid string, got 5"),
        ({"add": ["nothere.toml"]}, "add: nothere.toml: no such file, and not TOML text"),
        ({"add": ['extends = "x"']}, "add: extends: not used here"),
        ({"without": ["kurecek"]}, "without: unknown asset 'kurecek'; did you mean kurecik?"),
        ({"set": ["sm-3-iia.burnout_speed_km_s=15"]},
         "set: sm-3-iia.burnout_speed_km_s: Input should be less than 11, got 15.0"),
        ({"set": ["sm-3-iia.burnout_sped_km_s=5"]}, "set: sm-3-iia.burnout_sped_km_s: unknown numeric field"),
        ({"set": ["sm-3-iia.label=5"]}, "set: sm-3-iia.label: unknown numeric field"),
        ({"set": ["sm-3-iiz.burnout_speed_km_s=5"]}, "set: unknown missile, radar, satellite or interceptor class"),
        ({"set": ["warsaw.lat_deg=5"]}, "set: 'warsaw' is a catalog city"),
        ({"set": ["sm-3-iia.burnout_speed_km_s=fast"]}, "set: sm-3-iia.burnout_speed_km_s: expected a number"),
        ({"set": ["sm-3-iia.burnout_speed_km_s=nan"]}, "set: sm-3-iia.burnout_speed_km_s: expected a finite"),
        ({"set": ["sm-3-iia=5"]}, "set: expected CLASS.FIELD=VALUE"),
        ({"decision_delay_s": -4}, "decision_delay_s: Input should be greater than or equal to 0"),
    ],
)  # fmt: skip
def test_a_bad_whatif_is_one_line_naming_its_field(phase3, whatif, message):
    with pytest.raises(RoofError) as error:
        apply_whatifs(phase3, **whatif)
    lines = getattr(error.value, "messages", [str(error.value)])
    assert len(lines) == 1 and lines[0].startswith(message), lines
    # a file's problems may be many (ScenarioError); an option's, one
    assert isinstance(error.value, ScenarioError) == ("add" in whatif and "nothere" not in whatif["add"][0])


def test_the_python_api_takes_a_mapping_and_single_strings(phase3):
    import securityroof as sr

    given = sr.what_if(phase3, set={"sm-3-iia.burnout_speed_km_s": 5.0}, without="kurecik", decision_delay_s=30)
    typed = apply_whatifs(phase3, set=["sm-3-iia.burnout_speed_km_s=5.0"], without=["kurecik"], decision_delay_s=30)
    assert given == typed and given != phase3


def test_a_mapping_value_that_is_not_a_number_names_its_field(phase3):
    with pytest.raises(RoofError, match=r"^set: sm-3-iia\.burnout_speed_km_s: expected a number, got 'fast'$"):
        apply_whatifs(phase3, set={"sm-3-iia.burnout_speed_km_s": "fast"})


def test_a_changed_scenario_is_named_as_a_what_if_and_says_what_changed():
    base = load_scenario("epaa-phase-3")
    assert apply_whatifs(base) is base  # nothing asked, nothing renamed
    changed = apply_whatifs(base, without="kurecik", set={"sm-3-iia.burnout_speed_km_s": 5.0}, decision_delay_s=30)
    assert changed.name == "epaa-phase-3-what-if"
    assert changed.description.endswith(
        "; what-if: without kurecik; sm-3-iia.burnout_speed_km_s=5.0; decision delay 30 s"
    )
    assert apply_whatifs(changed, without="deveselu-sm-3-ib").name == "epaa-phase-3-what-if"  # not -what-if-what-if
