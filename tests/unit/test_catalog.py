"""The catalog: every entry sourced, consistent with the engine, and strict about bad files."""

import numpy as np
import pytest

from securityroof.model.catalog import CatalogError, load_catalog, parse_entries
from securityroof.physics.earth import SPHERE
from securityroof.physics.targeting import maximum_range

CATALOG = load_catalog()


def test_catalog_has_the_classes_the_issue_names():
    assert {"shahab-3", "sejjil-2", "generic-icbm-solid", "ss-27", "minuteman-3"} <= set(CATALOG.missiles)


ALL_ENTRIES = [entry for entries in CATALOG.entries.values() for entry in entries.values()]


@pytest.mark.parametrize("entry", ALL_ENTRIES, ids=[entry.name for entry in ALL_ENTRIES])
def test_every_entry_has_a_source_and_a_note(entry):
    """Every catalog entry, of every kind, is sourced and says how uncertain it is."""
    assert entry.source.strip(), f"{entry.name} has no source"
    assert entry.note.strip(), f"{entry.name} has no note on uncertainty"


def test_catalog_has_radars_interceptors_and_satellites():
    assert {"an-tpy-2", "voronezh-dm", "daryal", "uewr"} <= set(CATALOG.radars)
    assert {"sm-3-ib", "sm-3-iia", "gbi-2-stage", "s-400-48n6"} <= set(CATALOG.interceptors)
    assert {"sbirs", "tundra"} <= set(CATALOG.satellites)
    assert CATALOG.kind_of("daryal") == "radar" and CATALOG.kind_of("nothing") is None


@pytest.mark.parametrize("missile", CATALOG.missiles.values(), ids=list(CATALOG.missiles))
def test_derived_burnout_speed_reproduces_the_published_range(missile):
    """The catalog's burnout speed is derived so that boost + minimum-energy free flight over a
    non-rotating sphere reaches ``range_km``; rounding to 0.01 km/s keeps it within 1 %."""
    range_m, gamma = maximum_range(missile.burn_time_s, missile.burnout_speed_mps, missile.burnout_altitude_m, SPHERE)
    assert range_m[0] / 1e3 == pytest.approx(missile.range_km, rel=0.01)
    assert 10.0 < np.degrees(gamma[0]) < 45.0


def test_unknown_missile_suggests_close_names():
    with pytest.raises(CatalogError, match="did you mean ss-27"):
        CATALOG.missile("ss27")
    with pytest.raises(CatalogError, match="known classes"):
        CATALOG.missile("zzzzzz")


ENTRY = """
[[missile]]
name = "test-mrbm"
label = "Test"
category = "MRBM"
country = "nowhere"
stages = 1
propellant = "liquid"
range_km = 1000
burn_time_s = 100
burnout_altitude_km = 80
burnout_speed_km_s = 3.0
rcs_m2 = 0.1
source = "a book"
note = "made up"
"""


def test_a_valid_entry_parses():
    (missile,) = parse_entries("missile", ENTRY)
    assert missile.burnout_speed_mps == 3000.0 and missile.burnout_altitude_m == 80e3


@pytest.mark.parametrize(
    "change,expected",
    [
        (('source = "a book"', 'source = "  "'), "missile.0.source"),
        (('source = "a book"', ""), "missile.0.source: Field required"),
        (("burn_time_s = 100", "burn_time_s = -1"), "missile.0.burn_time_s"),
        (("burnout_speed_km_s = 3.0", "burnout_speed_km_s = 9.0"), "missile.0.burnout_speed_km_s"),
        (('propellant = "liquid"', 'propellant = "hybrid"'), "missile.0.propellant"),
        (('note = "made up"', 'note = "made up"\ncolour = "red"'), "missile.0.colour: Extra inputs are not permitted"),
        (("range_km = 1000", "range_km = 'far'"), "missile.0.range_km"),
        (("[[missile]]", "[[missile]"), "not valid TOML"),
        (('name = "test-mrbm"', 'name = "ideal"'), "missile.0.name: Value error, 'ideal' is reserved"),
    ],
)
def test_bad_entries_name_the_file_key_and_reason(change, expected):
    with pytest.raises(CatalogError) as error:
        parse_entries("missile", ENTRY.replace(*change), file="bad.toml")
    assert str(error.value).startswith("bad.toml")
    assert expected in str(error.value)


def test_bases_name_catalog_missiles_and_serve_as_launch_points():
    from securityroof.model.scenario import parse_scenario

    assert {"kozelsk", "tatishchevo", "malmstrom", "minot", "fe-warren"} <= set(CATALOG.bases)
    assert all(base.missile in CATALOG.missiles for base in CATALOG.bases.values())
    scenario = parse_scenario(
        """
name = "deterrence-probe"
description = "an SS-27 from Kozelsk at Washington"
[[party]]
id = "nato"
label = "NATO"
[[threat]]
id = "ss-27"
missile = "ss-27"
launch = ["kozelsk"]
aim = ["washington"]
[sharing]
policy = "within-party"
""",
        file="probe.toml",
    )
    threat = scenario.threat_set[0]
    assert (threat.launch_lat_deg, threat.launch_lon_deg) == (53.96, 35.79)
