"""Plausible ranges in the catalog: `<field>_range = [low, high]` checked against its field, carried
through scenario files and what-ifs, and each one's ends sourced in its entry's note."""

import dataclasses

import pytest

from securityroof.model.catalog import KINDS, CatalogError, InterceptorClass, load_catalog, parse_entries
from securityroof.model.scenario import dump_scenario, load_scenario, parse_scenario
from securityroof.model.scenario.whatif import set_field

CATALOG = load_catalog()
RANGED = [(kind, e) for kind in KINDS for e in CATALOG.entries[kind].values() if e.ranges]

ENTRY = """
[[interceptor]]
name = "test-kv"
label = "Test interceptor"
country = "nowhere"
stages = 2
burn_time_s = 60
burnout_speed_km_s = 4.5
burnout_speed_km_s_range = [4.0, 5.0]
burnout_altitude_km = 150
min_intercept_altitude_km = 70
max_intercept_altitude_km = 1000
max_ground_range_km = 2500
launch_delay_s = 5
source = "a book"
note = "made up"
"""


def test_a_range_parses_into_typed_access_and_back_into_the_row():
    (entry,) = parse_entries("interceptor", ENTRY)
    assert entry.ranges == {"burnout_speed_km_s": (4.0, 5.0)}
    row = entry.row()
    assert row["burnout_speed_km_s_range"] == [4.0, 5.0]
    assert list(row).index("burnout_speed_km_s_range") == list(row).index("burnout_speed_km_s") + 1
    assert InterceptorClass.model_validate(row) == entry
    # the range is part of the entry: the same figures without it are another entry
    assert InterceptorClass.model_validate(entry.model_dump()) != entry


@pytest.mark.parametrize(
    "range_,expected",
    [
        ("[4.6, 5.0]", "burnout_speed_km_s = 4.5 is outside its range [4.6, 5]"),
        ("[5.0, 4.0]", "low 5 exceeds high 4"),
        ("[0.01, 5.0]", "low end 0.01: Input should be greater than or equal to 0.1"),
        ("[4.0, 12.0]", "high end 12: Input should be less than 11"),
        ("[4.0, nan]", "expected two finite numbers"),
        ("[4.0]", "expected [low, high], two numbers (or [] for none)"),
        ('["4", 5]', "expected [low, high], two numbers"),
        ("[true, 5]", "expected [low, high], two numbers"),
    ],
)
def test_a_bad_range_names_its_key_and_the_reason(range_, expected):
    text = ENTRY.replace("burnout_speed_km_s_range = [4.0, 5.0]", f"burnout_speed_km_s_range = {range_}")
    with pytest.raises(CatalogError) as error:
        parse_entries("interceptor", text, file="bad.toml")
    assert f"bad.toml: interceptor.0.burnout_speed_km_s_range: {expected}" in str(error.value)


@pytest.mark.parametrize(
    "key,expected",
    [
        ("burnout_speed_kms_range", "no field 'burnout_speed_kms' to range; did you mean burnout_speed_km_s_range?"),
        ("colour_range", "no field 'colour' to range; numeric fields: stages, burn_time_s"),
        ("label_range", "label is not a numeric field, so it takes no range"),
    ],
)
def test_a_range_of_no_numeric_field_is_refused(key, expected):
    with pytest.raises(CatalogError) as error:
        parse_entries("interceptor", ENTRY.replace('note = "made up"', f'note = "x"\n{key} = [1, 2]'), "bad.toml")
    assert f"interceptor.0.{key}: {expected}" in str(error.value)


def test_range_problems_are_reported_with_the_entry_s_other_problems():
    text = ENTRY.replace("burnout_speed_km_s_range = [4.0, 5.0]", "burnout_speed_km_s_range = [5.0, 4.0]")
    with pytest.raises(CatalogError) as error:
        parse_entries("interceptor", text.replace("stages = 2", "stages = 9"), "bad.toml")
    assert "interceptor.0.stages" in str(error.value) and "low 5 exceeds high 4" in str(error.value)


@pytest.mark.parametrize(("kind", "entry"), RANGED, ids=[e.name for _, e in RANGED])
def test_every_catalog_range_brackets_its_value_and_names_its_sources(kind, entry):
    for field, (low, high) in entry.ranges.items():
        assert low <= getattr(entry, field) <= high
        # the note says where each end comes from: "<field> range: LOW (source) to HIGH (source)"
        said = entry.note[entry.note.index(f"{field} range: ") :]
        low_at, high_at = said.index(f"{low:,g}"), said.index(f"{high:,g}", said.index(" to "))
        assert said.index("(", low_at) < high_at < said.index("(", high_at), said


def test_the_catalog_ranges_the_disputes_the_literature_names():
    # 2007-2013: MDA's 5.4-6.3 km/s GBI against Postol's 7.7-9; Fylingdales at 4,800 or 5,500 km
    assert CATALOG.interceptor("gbi-2-stage").ranges["burnout_speed_km_s"] == (5.4, 9.0)
    assert CATALOG.radar("uewr").ranges["reference_range_km"][1] >= 5500
    assert not CATALOG.interceptor("sm-3-iia").ranges and "No range" in CATALOG.interceptor("sm-3-iia").note


def round_trip(scenario):
    return parse_scenario(dump_scenario(scenario))


SCENARIO = load_scenario("epaa-phase-3")
GBI = CATALOG.interceptor("gbi-2-stage")


@pytest.mark.parametrize(("speed", "ranged"), [(6.0, True), (10.0, False)])
def test_a_changed_value_keeps_a_range_only_while_it_brackets_the_value(speed, ranged):
    # a sweep variant or a robustness variant: the value moves, the estimate's range stays where it holds
    changed = SCENARIO.with_entry(GBI.model_copy(update={"burnout_speed_km_s": speed}))
    assert bool(changed.catalog.interceptor("gbi-2-stage").ranges) is ranged
    assert round_trip(changed) == dataclasses.replace(changed, path=None)


@pytest.mark.parametrize("speed", [5.4, 6.3, 10.0])
def test_a_set_value_is_held_even_inside_the_range(speed):
    """`--set CLASS.FIELD=VALUE` is the reader's assumption: the field loses its range, even where the
    value is the catalog's own (6.3) or inside the range, so a robustness run does not vary it; the
    scenario written with the what-if says so (`_range = []`) and reads back the same."""
    entry = set_field(SCENARIO, f"gbi-2-stage.burnout_speed_km_s={speed}")
    assert entry.burnout_speed_km_s == speed and entry.ranges == {}
    changed = SCENARIO.with_entry(entry)
    assert "burnout_speed_km_s_range = []" in dump_scenario(changed)
    assert round_trip(changed) == dataclasses.replace(changed, path=None)
    assert round_trip(changed).catalog.interceptor("gbi-2-stage").ranges == {}


def test_an_empty_range_holds_a_field_in_a_file():
    (entry,) = parse_entries("interceptor", ENTRY.replace("= [4.0, 5.0]", "= []"))
    assert entry.ranges == {} and entry.burnout_speed_km_s == 4.5
    text = dump_scenario(SCENARIO) + '\n[[interceptor]]\nname = "gbi-2-stage"\nburnout_speed_km_s_range = []\n'
    scenario = parse_scenario(text)
    held = scenario.catalog.interceptor("gbi-2-stage")
    assert held.ranges == {} and held.burnout_speed_km_s == GBI.burnout_speed_km_s
    assert round_trip(scenario) == scenario


def test_a_scenario_file_states_its_own_ranges_and_they_round_trip():
    text = dump_scenario(SCENARIO) + (
        '\n[[interceptor]]\nname = "gbi-2-stage"\nburnout_speed_km_s_range = [5.0, 9.5]\n'
        '\n[[interceptor]]\nname = "my-gbi"\nlike = "gbi-2-stage"\nburnout_speed_km_s = 7.0\n'
        '\n[[interceptor]]\nname = "my-gbi-2"\nlike = "gbi-2-stage"\nburnout_speed_km_s = 12.0\n'
    )
    scenario = parse_scenario(text.replace("12.0", "10.0"))
    assert scenario.catalog.interceptor("gbi-2-stage").ranges == {"burnout_speed_km_s": (5.0, 9.5)}
    assert scenario.catalog.interceptor("my-gbi").ranges == {"burnout_speed_km_s": (5.4, 9.0)}
    assert scenario.catalog.interceptor("my-gbi-2").ranges == {}  # 10 km/s left the range it was like
    assert round_trip(scenario) == scenario
    bad = text.replace("[5.0, 9.5]", "[7.0, 9.5]")
    with pytest.raises(Exception, match=r"interceptor\[\d\]\.burnout_speed_km_s_range: burnout_speed_km_s = 6.3"):
        parse_scenario(bad)


def test_test_classes_give_both_ranges_and_unique_names():
    """Every shipped lofted-test class brackets its burn time and burnout altitude; a class without a
    range, or a repeated name, is refused naming the file and the field."""
    from securityroof.model.catalog import load_test_classes, parse_test_classes

    classes = load_test_classes()
    assert {"liquid-1-stage", "liquid-2-stage", "solid-2-stage", "solid-3-stage"} <= set(classes)
    for entry in classes.values():
        assert set(entry.ranges) == {"burn_time_s", "burnout_altitude_km"}
    table = """[[test_class]]
name = "x"
label = "X"
stages = 2
propellant = "solid"
examples = "none"
burn_time_s = 100
burnout_altitude_km = 100
burnout_altitude_km_range = [90, 110]
source = "assumed"
"""
    with pytest.raises(CatalogError, match=r"test-classes.toml: test_class.0: .*burn_time_s_range"):
        parse_test_classes(table)
    ranged = table.replace("burn_time_s = 100", "burn_time_s = 100\nburn_time_s_range = [90, 120]")
    with pytest.raises(CatalogError, match="test_class names repeated: x"):
        parse_test_classes(ranged + ranged)
