"""Scenario files: parsing, the threat set, sharing rules, and errors that name file, line, key and reason."""

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import securityroof.model.catalog
from securityroof.errors import RoofError
from securityroof.model.catalog import Catalog, InterceptorClass, RadarClass, SatelliteClass, load_catalog
from securityroof.model.scenario import (
    Scenario,
    ScenarioError,
    Sharing,
    library,
    load_scenario,
    parse_scenario,
)
from securityroof.present.cli import app

FILE = "test.toml"


def _radar(name: str, half_width_deg: float) -> RadarClass:
    return RadarClass(
        name=name,
        label=name,
        source="test",
        band="X",
        country="test",
        reference_range_km=1000,
        reference_rcs_m2=1,
        azimuth_half_width_deg=half_width_deg,
        min_elevation_deg=0,
        max_elevation_deg=90,
        track_formation_s=10,
    )


def _interceptor(name: str) -> InterceptorClass:
    return InterceptorClass(
        name=name,
        label=name,
        source="test",
        country="test",
        stages=3,
        burn_time_s=50,
        burnout_speed_km_s=3,
        burnout_altitude_km=100,
        min_intercept_altitude_km=70,
        max_intercept_altitude_km=500,
        max_ground_range_km=1000,
        launch_delay_s=5,
    )


# A catalog of our own, so these tests do not depend on the shipped sensor and interceptor data.
# Missiles are the foundation release's classes.
CATALOG = Catalog(
    {
        "missile": list(load_catalog().missiles.values()),
        "radar": [_radar("an-tpy-2", 60), _radar("spy-1", 180), _radar("voronezh-dm", 60)],
        "satellite": [SatelliteClass(name="sbirs", label="SBIRS", source="test", country="us", report_delay_s=60)],
        "interceptor": [_interceptor("sm-3-ib"), _interceptor("s-400-48n6")],
    }
)

VALID = """\
# A test scenario: two parties, every kind of asset, named and unnamed points.
name = "test"
description = "test scenario"

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
lat_deg = 38.35
lon_deg = 37.79
alt_m = 2085
boresight_az_deg = 100

[[asset]]
id = "deveselu"
owner = "nato"
kind = "sm-3-ib"
lat_deg = 44.08
lon_deg = 24.35
site = "deveselu"

[[asset]]
id = "deveselu-radar"
owner = "nato"
kind = "spy-1"
lat_deg = 44.08
lon_deg = 24.35
site = "deveselu"

[[asset]]
id = "sbirs"
owner = "nato"
kind = "sbirs"

[[asset]]
id = "armavir"
owner = "russia"
kind = "voronezh-dm"
lat_deg = 44.9
lon_deg = 41.0
boresight_az_deg = 180

[[asset]]
id = "moscow"
owner = "russia"
kind = "s-400-48n6"
lat_deg = 55.75
lon_deg = 37.6

[[point]]
id = "tabriz"
lat_deg = 38.08
lon_deg = 46.29

[[point]]
id = "warsaw"
lat_deg = 52.23
lon_deg = 21.01

[[point]]
id = "bucharest"
lat_deg = 44.43
lon_deg = 26.10

[[threat]]
id = "iran-mrbm"
missile = "shahab-3"
launch = ["tabriz", [35.7, 51.4]]
aim = ["warsaw", "bucharest"]

[[threat]]
id = "iran-lofted"
missile = "sejjil-2"
launch = ["tabriz"]
aim = [[44.43, 26.1]]
burnout_angle_deg = 30

[sharing]
policy = "within-party"

[analysis]
time_step_s = 10
"""


def parse(text: str = VALID) -> Scenario:
    return parse_scenario(text, file=FILE, catalog=CATALOG)


def messages(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as error:
        parse(text)
    assert str(error.value) == "\n".join(error.value.messages)
    return error.value.messages


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """The 1-based line of the ``occurrence``-th ``needle`` in ``text``."""
    at = -1
    for _ in range(occurrence):
        at = text.index(needle, at + 1)
    return text.count("\n", 0, at) + 1


def change(old: str, new: str) -> str:
    assert VALID.count(old) == 1, old
    return VALID.replace(old, new)


# --- a valid file ---------------------------------------------------------------------------


def test_a_valid_file_parses_into_typed_parts():
    s = parse()
    assert s.name == "test" and s.description == "test scenario" and s.path is None
    assert list(s.parties) == ["nato", "russia"] and s.parties["nato"].label == "NATO"
    assert [a.id for a in s.assets] == ["kurecik", "deveselu", "deveselu-radar", "sbirs", "armavir", "moscow"]
    kurecik = s.assets[0]
    assert kurecik.alt_m == 2085.0 and kurecik.boresight_az_rad == pytest.approx(np.radians(100))
    assert s.assets[1].alt_m == 0.0 and s.assets[1].boresight_az_deg is None  # defaults
    assert [(x.id, x.kind, x.entry.name) for x in s.sensors] == [
        ("kurecik", "radar", "an-tpy-2"),
        ("deveselu-radar", "radar", "spy-1"),
        ("sbirs", "satellite", "sbirs"),
        ("armavir", "radar", "voronezh-dm"),
    ]
    assert [(x.id, x.owner, x.entry.name) for x in s.interceptor_sites] == [
        ("deveselu", "nato", "sm-3-ib"),
        ("moscow", "russia", "s-400-48n6"),
    ]
    assert s.sensors[2].asset.lat_deg is None  # satellites have no ground site
    assert set(s.points) == {"tabriz", "warsaw", "bucharest"}
    assert s.sharing.policy == "within-party" and s.sharing.pairs == []
    assert (s.analysis.time_step_s, s.analysis.decision_delay_s, s.analysis.kill_assessment_s) == (10.0, 60.0, 30.0)
    assert s.summary() == "test (2 parties, 6 assets, 5 threat trajectories)"


def test_threat_set_is_the_product_of_launch_and_aim_points_with_stable_ids():
    s = parse()
    assert [t.id for t in s.threat_set] == [
        "iran-mrbm/tabriz->warsaw",
        "iran-mrbm/tabriz->bucharest",
        "iran-mrbm/35.7,51.4->warsaw",
        "iran-mrbm/35.7,51.4->bucharest",
        "iran-lofted/tabriz->44.43,26.1",
    ]
    first, unnamed, lofted = s.threat_set[0], s.threat_set[2], s.threat_set[4]
    assert (first.launch, first.launch_lat_deg, first.launch_lon_deg) == ("tabriz", 38.08, 46.29)
    assert (first.aim, first.aim_lat_deg, first.aim_lon_deg) == ("warsaw", 52.23, 21.01)
    assert first.missile == "shahab-3" and first.missile_class.name == "shahab-3" and first.burnout_angle_deg is None
    assert unnamed.launch is None and (unnamed.launch_lat_deg, unnamed.launch_lon_deg) == (35.7, 51.4)
    assert lofted.aim is None and lofted.burnout_angle_deg == 30.0
    assert parse().threat_set == s.threat_set  # deterministic


def test_threat_columns_feed_the_trajectory_api():
    columns = parse().threat_columns()
    assert set(columns) == {"launch_lat_deg", "launch_lon_deg", "aim_lat_deg", "aim_lon_deg", "missile",
                            "burnout_angle_deg"}  # fmt: skip
    assert all(len(v) == 5 for v in columns.values())
    assert np.isnan(columns["burnout_angle_deg"][:4]).all() and columns["burnout_angle_deg"][4] == 30.0
    assert list(columns["missile"]) == ["shahab-3"] * 4 + ["sejjil-2"]


def test_multiline_values_and_comments_do_not_confuse_line_numbers():
    text = change('description = "test scenario"', 'description = """test\n[[asset]]\nscenario"""  # [x]').replace(
        'aim = ["warsaw", "bucharest"]', 'aim = [\n  "warsaw",  # [[threat]]\n  "bucharst",\n]'
    )
    (message,) = messages(text)
    line = line_of(text, "bucharst")
    assert message.startswith(f"{FILE}:{line}: threat[0].aim[1]: unknown point 'bucharst'")


# --- sharing --------------------------------------------------------------------------------

# (policy, pairs, sensor owner, interceptor owner, same site) -> may cue
SHARING = [
    ("none", [], "a", "a", False, False),
    ("none", [], "a", "a", True, True),
    ("none", [], "a", "b", True, True),
    ("none", [], "a", "b", False, False),
    ("within-party", [], "a", "a", False, True),
    ("within-party", [], "a", "b", False, False),
    ("within-party", [], "a", "b", True, True),
    ("all", [], "a", "b", False, True),
    ("all", [], "a", "a", False, True),
    ("pairs", [("a", "b")], "a", "b", False, True),
    ("pairs", [("a", "b")], "b", "a", False, False),  # one direction per pair
    ("pairs", [("a", "b")], "c", "b", False, False),
    ("pairs", [("a", "b")], "c", "c", False, True),
    ("pairs", [("a", "b")], "c", "b", True, True),
]


@pytest.mark.parametrize("policy,pairs,sensor_owner,interceptor_owner,same_site,expected", SHARING)
def test_sharing_semantics(policy, pairs, sensor_owner, interceptor_owner, same_site, expected):
    sharing = Sharing(policy=policy, pairs=pairs)
    assert sharing.may_cue(sensor_owner, interceptor_owner, same_site) is expected


def test_each_policy_allows_at_least_what_the_narrower_one_allows():
    cases = [(s, i, same) for s in "abc" for i in "abc" for same in (False, True)]
    order = [Sharing(policy="none"), Sharing(policy="within-party"), Sharing(policy="pairs", pairs=[("a", "b")])]
    order.append(Sharing(policy="all"))
    for narrow, wide in zip(order, order[1:], strict=False):
        assert all(wide.may_cue(*case) for case in cases if narrow.may_cue(*case))


def test_scenario_may_cue_uses_owners_and_sites():
    s = parse()
    sensors = {x.id: x for x in s.sensors}
    sites = {x.id: x for x in s.interceptor_sites}
    none = s.with_sharing("none")
    assert none.may_cue(sensors["deveselu-radar"], sites["deveselu"])  # organic radar, same site
    assert not none.may_cue(sensors["kurecik"], sites["deveselu"])
    assert not none.may_cue(sensors["sbirs"], sites["deveselu"])  # satellites stand at no site
    assert s.may_cue(sensors["kurecik"], sites["deveselu"]) and not s.may_cue(sensors["armavir"], sites["deveselu"])
    assert s.with_sharing("all").may_cue(sensors["armavir"], sites["deveselu"])


def test_with_sharing_returns_a_copy_under_another_policy():
    s = parse()
    shared = s.with_sharing("all")
    assert shared.sharing.policy == "all" and s.sharing.policy == "within-party"
    assert shared.assets == s.assets and shared.threat_set == s.threat_set
    paired = s.with_sharing("pairs", [("russia", "nato")])
    assert paired.sharing.pairs == [("russia", "nato")]
    assert paired.with_sharing("pairs").sharing.pairs == [("russia", "nato")]  # kept when not given
    assert paired.with_sharing("none").sharing.pairs == []
    with pytest.raises(ScenarioError, match="sharing.policy: 'everyone' is not a policy; choose none, within-party"):
        s.with_sharing("everyone")
    with pytest.raises(ScenarioError, match=r"sharing.pairs: missing \(required with policy = \"pairs\""):
        s.with_sharing("pairs")
    with pytest.raises(ScenarioError, match=r"sharing.pairs\[0\]\[1\]: unknown party 'china'"):
        s.with_sharing("pairs", [("nato", "china")])


# --- errors ---------------------------------------------------------------------------------

# (old text, new text, key path, reason (a prefix of it), where the line is: (needle, occurrence) or None)
ERRORS = [
    # unknown keys, with a suggestion when one is close
    ("alt_m = 2085", "alt_m = 2085\nheight_m = 3", "asset[0].height_m", "unknown key; known keys: id, owner",
     "height_m"),
    ('name = "test"', 'name = "test"\nnmae = "x"', "nmae", "unknown key; did you mean name?", "nmae"),
    ("time_step_s = 10", "time_step_s = 10\ndelay_s = 1", "analysis.delay_s", "unknown key", "delay_s"),
    # missing keys: the line of their table, or none at the top level
    ('id = "kurecik"\nowner = "nato"\n', 'id = "kurecik"\n', "asset[0].owner", "missing (required)", "[[asset]]"),
    ('description = "test scenario"\n', "", "description", "missing (required)", None),
    ('policy = "within-party"\n', "", "sharing.policy", "missing (required)", "[sharing]"),
    ("lat_deg = 55.75\n", "", "asset[5].lat_deg", "missing (required: s-400-48n6 stands on the ground)",
     ("[[asset]]", 6)),
    ("boresight_az_deg = 100\n", "", "asset[0].boresight_az_deg",
     "missing (required: an-tpy-2 covers only ±60° about its boresight)", "[[asset]]"),
    # catalog names
    ('kind = "an-tpy-2"', 'kind = "an-tpy2"', "asset[0].kind",
     "unknown radar, satellite or interceptor 'an-tpy2'; did you mean an-tpy-2?", "an-tpy2"),
    ('kind = "an-tpy-2"', 'kind = "shahab-3"', "asset[0].kind",
     "'shahab-3' is a missile, not a radar, satellite or interceptor", 'kind = "shahab-3"'),
    ('missile = "shahab-3"', 'missile = "shahab3"', "threat[0].missile",
     "unknown missile 'shahab3'; did you mean shahab-3?", "shahab3"),
    ('missile = "shahab-3"', 'missile = "spy-1"', "threat[0].missile", "'spy-1' is a radar, not a missile",
     'e = "spy-1"'),
    # references to parties and points
    ('owner = "russia"\nkind = "voronezh-dm"', 'owner = "rusia"\nkind = "voronezh-dm"', "asset[4].owner",
     "unknown party 'rusia'; did you mean russia?", "rusia"),
    ('launch = ["tabriz", [35.7', 'launch = ["tabris", [35.7', "threat[0].launch[0]",
     "unknown point 'tabris'; did you mean tabriz", "tabris"),
    ('aim = ["warsaw", "bucharest"]', 'aim = ["warsaw", "warsaw"]', "threat[0].aim[1]",
     '"warsaw" is listed twice (also aim[0])', 'aim = ["warsaw", "warsaw"]'),
    # duplicate ids
    ('id = "moscow"', 'id = "kurecik"', "asset[5].id", "duplicate id 'kurecik' (also asset[0])", ('id = "kurecik"', 2)),
    ('id = "warsaw"', 'id = "tabriz"', "point[1].id", "duplicate id 'tabriz' (also point[0])", ('id = "tabriz"', 2)),
    ('id = "iran-lofted"', 'id = "iran-mrbm"', "threat[1].id", "duplicate id 'iran-mrbm'", ('id = "iran-mrbm"', 2)),
    ('id = "russia"', 'id = "nato"', "party[1].id", "duplicate id 'nato' (also party[0])", ('id = "nato"', 2)),
    # impossible values and wrong types
    ("lat_deg = 38.35", "lat_deg = 95", "asset[0].lat_deg", "Input should be less than or equal to 90, got 95",
     "= 95"),
    ("lon_deg = 46.29", "lon_deg = 400", "point[0].lon_deg", "Input should be less than or equal to 360", "= 400"),
    ("alt_m = 2085", "alt_m = -1000", "asset[0].alt_m", "Input should be greater than or equal to -500", "-1000"),
    ("boresight_az_deg = 100", "boresight_az_deg = 360", "asset[0].boresight_az_deg", "Input should be less than 360",
     "= 360"),
    ("lat_deg = 38.35", 'lat_deg = "38.35"', "asset[0].lat_deg", 'Input should be a valid number, got "38.35"',
     '"38.35"'),
    ("lat_deg = 38.35", "lat_deg = nan", "asset[0].lat_deg", "Input should be a finite number", "nan"),
    ('id = "kurecik"', 'id = "Kurecik"', "asset[0].id", '"Kurecik" is not an id', "Kurecik"),
    ('label = "NATO"', 'label = " "', "party[0].label", "must not be blank", 'label = " "'),
    ("[35.7, 51.4]", "[35.7]", "threat[0].launch[1]", "expected a point name or [lat_deg, lon_deg], got [35.7]",
     "[35.7]"),
    ("[35.7, 51.4]", "[35.7, 451.4]", "threat[0].launch[1]", "longitude 451.4 is outside [-180, 360]", "451.4"),
    ("[35.7, 51.4]", "[35.7, true]", "threat[0].launch[1]", "expected a finite number, got true", "true"),
    ('launch = ["tabriz"]', "launch = []", "threat[1].launch", "List should have at least 1 item", "launch = []"),
    ("aim = [[44.43, 26.1]]", 'aim = ["tabriz"]', "threat[1].aim[0]",
     '"tabriz" is also launch[0]: launch and aim must differ', 'aim = ["tabriz"]'),
    # issue 11: one coincidence rule (under the 1 m hit tolerance) for every way of naming a place
    ("aim = [[44.43, 26.1]]", "aim = [[38.080004, 46.29]]", "threat[1].aim[0]",
     "[38.080004, 46.29] is also launch[0]: launch and aim must differ", "38.080004"),
    ("burnout_angle_deg = 30", "burnout_angle_deg = 90", "threat[1].burnout_angle_deg", "Input should be less than 90",
     "= 90"),
    ("time_step_s = 10", "time_step_s = 61", "analysis.time_step_s", "Input should be less than or equal to 60", "61"),
    ("time_step_s = 10", "time_step_s = 0.01", "analysis.time_step_s", "Input should be greater than or equal to 0.1",
     "0.01"),
    ("time_step_s = 10", "time_step_s = 10\ndecision_delay_s = -1", "analysis.decision_delay_s",
     "Input should be greater than or equal to 0", "= -1"),
    ('kind = "sbirs"', 'kind = "sbirs"\nlat_deg = 10', "asset[3].lat_deg", "a satellite (sbirs) has no ground site",
     "lat_deg = 10"),
    ('site = "deveselu"\n\n[[asset]]\nid = "deveselu-radar"',
     'site = "deveselu"\nboresight_az_deg = 90\n\n[[asset]]\nid = "deveselu-radar"', "asset[1].boresight_az_deg",
     "only radars have a boresight", "= 90"),
    ('kind = "spy-1"\nlat_deg = 44.08\nlon_deg = 24.35', 'kind = "spy-1"\nlat_deg = 44.08\nlon_deg = 26.35',
     "asset[2].site", "asset 'deveselu' of the same site stands 160 km away", ('site = "deveselu"', 2)),
    # sharing
    ('policy = "within-party"', 'policy = "everyone"', "sharing.policy",
     "Input should be 'none', 'within-party', 'all' or 'pairs'", "everyone"),
    ('policy = "within-party"', 'policy = "within-party"\npairs = [["nato", "russia"]]', "sharing.pairs",
     "only used with policy = \"pairs\" (policy is 'within-party')", "pairs ="),
    ('policy = "within-party"', 'policy = "pairs"', "sharing.pairs", 'missing (required with policy = "pairs"',
     "[sharing]"),
    ('policy = "within-party"', 'policy = "pairs"\npairs = [["nato", "china"]]', "sharing.pairs[0][1]",
     "unknown party 'china'", "pairs ="),
    ('policy = "within-party"', 'policy = "pairs"\npairs = [["nato"]]', "sharing.pairs[0]",
     "expected [sensor_owner, interceptor_owner]", "pairs ="),
]  # fmt: skip


@pytest.mark.parametrize("old,new,path,reason,where", ERRORS, ids=[f"{e[2]}:{e[3][:30]}" for e in ERRORS])
def test_errors_name_the_file_line_key_and_reason(old, new, path, reason, where):
    text = change(old, new)
    if where is None:
        expected = f"{FILE}: {path}: {reason}"
    else:
        needle, occurrence = where if isinstance(where, tuple) else (where, 1)
        expected = f"{FILE}:{line_of(text, needle, occurrence)}: {path}: {reason}"
    found = messages(text)
    assert any(m.startswith(expected) for m in found), "\n".join(found)
    assert all("\n" not in m and m.startswith(f"{FILE}") for m in found)


def test_a_file_without_parties_or_threats():
    text = VALID.split("[[party]]")[0] + "[sharing]\npolicy = 'all'\n"
    assert messages(text) == [f"{FILE}: party: missing (required)", f"{FILE}: threat: missing (required)"]


def test_toml_syntax_errors_give_tomllibs_line_and_column():
    text = change('id = "moscow"', 'id = "moscow\n')
    (message,) = messages(text)
    assert message.startswith(f"{FILE}:{line_of(text, 'moscow')}:") and "not valid TOML: " in message
    (message,) = messages(change("[sharing]", "[sharing"))
    assert message.startswith(f"{FILE}:{line_of(VALID, '[sharing]')}:") and "not valid TOML" in message
    (message,) = messages(VALID + "x = [1,\n")
    assert "not valid TOML" in message and "end of file" in message


def test_all_errors_are_reported_at_once_in_file_order():
    text = VALID.replace("lat_deg = 38.35", "lat_deg = 95").replace('owner = "russia"', 'owner = "rusia"', 1)
    text = text.replace("time_step_s = 10", "time_step_s = 0")
    found = messages(text)
    assert [m.split(": ")[1] for m in found] == ["asset[0].lat_deg", "asset[4].owner", "analysis.time_step_s"]
    lines = [int(m.split(":")[1]) for m in found]
    assert lines == sorted(lines) and lines[0] == line_of(text, "= 95")


def test_a_bad_row_still_declares_its_id():
    """A party with a bad label is still a party: its assets are not reported as orphans."""
    line = line_of(VALID, "Russia")
    assert messages(change('label = "Russia"', "label = 5")) == [
        f"{FILE}:{line}: party[1].label: Input should be a valid string, got 5"
    ]


# --- fuzz: any mutation of a valid file is either valid or a ScenarioError --------------------

VALUES = ['"text"', "42", "-1e9", "true", "[1, 2]", "{ a = 1 }", "nan", "inf", "1979-05-27", "[]", '"tabriz"',
          '[[1, 2], "x"]', '["nato", "nato"]', '"pairs"', '"an-tpy-2"', "0", "360",
          "[[44.43, 26.1], [44.43, 386.1]]"]  # fmt: skip
GARBAGE = ["[[asset]]", "[sharing]", "[analysis]", "x = 1", "]]", 'id = "dup"', "[[threat.launch]]", '"quoted" = 1',
           "a.b.c = 2", 'lat_deg = """multi\nline"""', "[[point]]\nid = 'p'", "[party]", "= 3", "# [[asset]]",
           "[[asset.site]]", 'kind = "sbirs"', "pairs = [['nato', 'russia']]"]  # fmt: skip


@st.composite
def mutated(draw):
    lines = VALID.splitlines()
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(["delete", "retype", "insert", "duplicate"]))
        i = draw(st.integers(0, len(lines) - 1))
        if op == "delete" and len(lines) > 1:
            del lines[i]
        elif op == "retype":
            keyed = [k for k, line in enumerate(lines) if " = " in line]
            k = draw(st.sampled_from(keyed)) if keyed else i
            key = lines[k].split(" = ")[0]
            lines[k] = f"{key} = {draw(st.sampled_from(VALUES))}"
        elif op == "insert":
            garbage = draw(st.one_of(st.sampled_from(GARBAGE), st.text(max_size=20)))
            lines.insert(i, garbage)
        else:
            headers = [k for k, line in enumerate(lines) if line.startswith("[")]
            start = draw(st.sampled_from(headers)) if headers else 0
            end = next((k for k in range(start + 1, len(lines)) if lines[k].startswith("[")), len(lines))
            lines += [""] + lines[start:end]
    return "\n".join(lines) + "\n"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_files_are_valid_or_a_scenario_error(text):
    try:
        scenario = parse(text)
    except ScenarioError as error:
        assert error.messages
        for message in error.messages:
            assert message.startswith(FILE) and "\n" not in message
    else:
        assert isinstance(scenario, Scenario) and scenario.threat_set


# --- the library ----------------------------------------------------------------------------


def test_library_lists_the_shipped_scenarios():
    entries = {e.name: e for e in library()}
    assert {"example-within-party", "example-shared"} <= set(entries)
    for entry in entries.values():
        assert entry.kind in ("scenario", "threats", "sweep")
        assert entry.description and entry.path.endswith(f"{entry.name}.toml")
        assert set(entry.to_dict()) == {"name", "path", "kind", "description"}


def test_load_scenario_takes_a_path_or_a_library_name(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(VALID, encoding="utf-8")
    s = load_scenario(path, catalog=CATALOG)
    assert s.name == "test" and s.path == path
    assert load_scenario(str(path), catalog=CATALOG).threat_set == s.threat_set
    with pytest.raises(ScenarioError, match="did you mean example-shared"):
        load_scenario("example-sharde", catalog=CATALOG)
    with pytest.raises(ScenarioError, match="no such file"):
        load_scenario(tmp_path / "missing.toml", catalog=CATALOG)
    (tmp_path / "bad.toml").write_bytes(b"name = \xff")
    with pytest.raises(ScenarioError, match="not UTF-8"):
        load_scenario(tmp_path / "bad.toml", catalog=CATALOG)
    (tmp_path / "bom.toml").write_bytes(b"\xef\xbb\xbf" + path.read_bytes())  # a byte-order mark is fine
    assert load_scenario(tmp_path / "bom.toml", catalog=CATALOG).threat_set == s.threat_set


@pytest.mark.skipif(not load_catalog().radars, reason="the radar, satellite and interceptor catalog is not there yet")
def test_the_library_examples_load_with_the_real_catalog():
    within, shared = load_scenario("example-within-party"), load_scenario("example-shared")
    assert (within.name, shared.name) == ("example-within-party", "example-shared")
    assert (within.sharing.policy, shared.sharing.policy) == ("within-party", "all")
    # the same world under two policies
    assert within.assets == shared.assets and within.threat_set == shared.threat_set
    assert within.with_sharing("all").sharing == shared.sharing
    assert {s.entry.name for s in within.sensors} >= {"an-tpy-2", "voronezh-dm", "daryal"}
    assert {s.entry.name for s in within.interceptor_sites} >= {"sm-3-ib", "s-400-48n6"}
    cross = [(s.id, i.id) for s in within.sensors for i in within.interceptor_sites if s.owner != i.owner]
    assert cross and not any(within.may_cue(s, i) for s in within.sensors for i in within.interceptor_sites
                             if s.owner != i.owner)  # fmt: skip
    assert all(shared.may_cue(s, i) for s in shared.sensors for i in shared.interceptor_sites)


# --- the command line -----------------------------------------------------------------------

runner = CliRunner()


@pytest.fixture
def test_catalog(monkeypatch):
    """The CLI loads the package catalog; give it ours."""
    monkeypatch.setattr(securityroof.model.catalog, "load_catalog", lambda: CATALOG)


def test_roof_validate_ok(tmp_path, test_catalog):
    path = tmp_path / "mine.toml"
    path.write_text(VALID, encoding="utf-8")
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "ok: test (2 parties, 6 assets, 5 threat trajectories)"


def test_roof_validate_prints_every_error_one_per_line(tmp_path, test_catalog):
    path = tmp_path / "bad.toml"
    text = VALID.replace("lat_deg = 38.35", "lat_deg = 95").replace('owner = "russia"', 'owner = "rusia"', 1)
    path.write_text(text.replace("time_step_s = 10", "time_step_s = 0"), encoding="utf-8")
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2 and not result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 3 and "Traceback" not in result.stderr
    assert lines[0] == f"error: {path}:{line_of(text, '= 95')}: asset[0].lat_deg: Input should be less than or equal " \
                       "to 90, got 95"  # fmt: skip
    assert "asset[4].owner: unknown party 'rusia'" in lines[1] and "analysis.time_step_s" in lines[2]


def test_roof_validate_unknown_scenario(test_catalog):
    result = runner.invoke(app, ["validate", "example-sharde"])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "error: example-sharde: not a file and not a library scenario; did you mean example-shared, "
        "example-within-party?"
    ]


def test_roof_scenarios_json_and_table():
    result = runner.invoke(app, ["scenarios", "--json"])
    assert result.exit_code == 0
    listed = json.loads(result.stdout)["scenarios"]
    assert {"example-within-party", "example-shared"} <= {s["name"] for s in listed}
    assert all(set(s) == {"name", "path", "kind", "description"} and s["kind"] in ("scenario", "threats", "sweep")
               for s in listed)  # fmt: skip
    assert {s["name"] for s in listed if s["kind"] == "sweep"} >= {"joint-speed-delay"}
    # the threat assessment the architectures extend is listed as what it is, not as an architecture
    assert {s["name"] for s in listed if s["kind"] == "threats"} == {"common-threats"}
    table = runner.invoke(app, ["scenarios"])
    assert table.exit_code == 0 and "example-shared" in table.stdout


def test_the_readme_example_is_a_valid_scenario():
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    example = readme.split("```toml\n")[1].split("```")[0]
    scenario = parse_scenario(example, file="README.md", catalog=CATALOG)
    assert [t.id for t in scenario.threat_set] == ["iran-irbm/38.08,46.29->warsaw"]


def test_rows_that_are_not_tables_keep_the_indices_of_the_others():
    parties = 'party = [1, { id = "nato", label = "" }, { id = "russia", label = "Russia" }]\n\n'
    text = VALID.split("[[party]]")[0] + parties + "[[asset]]" + VALID.split("[[asset]]", 1)[1]
    line = line_of(text, "party = ")
    assert messages(text) == [
        f"{FILE}:{line}: party[0]: Input should be a valid dictionary, got 1",
        f"{FILE}:{line}: party[1].label: must not be blank",
    ]


OWN_MISSILE = """
[[missile]]
name = "hs15"
label = "assessed"
category = "ICBM"
country = "assessed"
stages = 2
propellant = "liquid"
range_km = 13167
burn_time_s = 170
burnout_altitude_km = 200
rcs_m2 = 0.01
burnout_speed_km_s = 7.390
source = "test"
note = "test"
"""


def test_an_invalid_own_missile_is_one_error_not_also_unknown_on_its_threats():
    base = VALID.replace('missile = "shahab-3"', 'missile = "hs15"', 1)
    assert parse(base + OWN_MISSILE).threat_set[0].missile == "hs15"
    with pytest.raises(ScenarioError) as error:
        parse(base + OWN_MISSILE.replace("burnout_speed_km_s = 7.390", "burnout_speed_km_s = -7.390"))
    assert len(error.value.messages) == 1
    assert "missile[0].burnout_speed_km_s" in error.value.messages[0]
    # a threat naming a class that neither the catalog nor the file has is still an error
    with pytest.raises(ScenarioError, match=r"threat\[0\]\.missile: unknown missile 'hs16'"):
        parse(base.replace('missile = "hs15"', 'missile = "hs16"') + OWN_MISSILE)


def test_a_threat_set_beyond_the_trajectory_limit_is_refused_before_it_is_built(monkeypatch):
    """1,000 launch × 1,000 aim points (40 KB) asked for a million trajectories: gigabytes, or a
    MemoryError. The limit is counted from the lists' lengths; SECURITYROOF_MAX_TRAJECTORIES moves it."""
    points = ", ".join(f"[{40 + k / 100:.2f}, {20 + k / 100:.2f}]" for k in range(1000))
    aims = ", ".join(f"[{50 + k / 100:.2f}, {30 + k / 100:.2f}]" for k in range(1000))
    big = VALID.replace('launch = ["tabriz", [35.7, 51.4]]\naim = ["warsaw", "bucharest"]',
                        f"launch = [{points}]\naim = [{aims}]")  # fmt: skip
    line = VALID[: VALID.index('aim = ["warsaw"')].count("\n") + 1
    assert messages(big) == [
        f"{FILE}:{line}: threat[0].aim: the threats define 1,000,001 trajectories (launch × aim), more than 100,000; "
        "use fewer points, or set SECURITYROOF_MAX_TRAJECTORIES"
    ]
    assert len(parse().threat_set) == 5
    monkeypatch.setenv("SECURITYROOF_MAX_TRAJECTORIES", "4")
    line = VALID[: VALID.index("aim = [[44.43")].count("\n") + 1
    assert messages(VALID)[0].startswith(f"{FILE}:{line}: threat[1].aim: the threats define 5 trajectories")
    monkeypatch.setenv("SECURITYROOF_MAX_TRAJECTORIES", "5")
    assert len(parse().threat_set) == 5
    monkeypatch.setenv("SECURITYROOF_MAX_TRAJECTORIES", "many")
    with pytest.raises(RoofError, match="^SECURITYROOF_MAX_TRAJECTORIES: 'many' is not a positive whole number$"):
        parse()
