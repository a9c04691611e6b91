"""Assessing lofted flight tests: closed forms, the fitted boost, and published assessments."""

import numpy as np
import pytest

from securityroof.analysis.assess import AssessmentError, assess_test
from securityroof.physics.ballistic import free_flight
from securityroof.physics.earth import SPHERE

HWASONG_15 = assess_test(960.0, 4500.0, 54.0)


def test_free_flight_arc_reproduces_the_test():
    """The closed-form burnout state (from the surface), propagated as a Kepler arc over the
    non-rotating sphere, lands at the test's range and peaks at its apogee (0.1 %)."""
    radius = SPHERE.equatorial_radius_m
    speed, gamma = HWASONG_15.burnout_speed_km_s * 1e3, np.radians(HWASONG_15.burnout_angle_deg)
    impact = free_flight(
        np.array([[radius, 0.0, 0.0]]),
        np.array([[speed * np.sin(gamma), 0.0, speed * np.cos(gamma)]]),
        np.zeros(1),
        SPHERE.with_rotation(False),
    ).impact()
    landed = np.arctan2(impact.position_ecef_m[0, 2], impact.position_ecef_m[0, 0]) * radius
    assert landed == pytest.approx(960e3, rel=1e-3)
    assert impact.apogee_alt_m[0] == pytest.approx(4500e3, rel=1e-3)
    assert impact.time_s[0] == pytest.approx(HWASONG_15.free_flight_time_s, rel=1e-3)


@pytest.mark.parametrize(
    "test_km,published_km,tolerance",
    [
        # D. Wright, "North Korea's Longest Missile Test Yet", UCS blog, 28 Nov 2017: 960 km, apogee
        # 4,500 km, about 54 minutes -> "a range of more than 13,000 kilometers" (Hwasong-15).
        ((960.0, 4500.0, 54.0), 13_000.0, (0.0, 0.12)),
        # CSIS Missile Threat, "North Korea Tests ICBM" (Hwasong-14, 4 Jul 2017): 930 km, 2,800 km
        # -> "could be as much as 7,000 kilometers".
        ((930.0, 2800.0, 37.0), 7_000.0, (-0.08, 0.08)),
        # Second Hwasong-14 test, 28 Jul 2017: ~1,000 km, ~3,800 km, ~45 min -> "between 10,400 and
        # 11,000 kilometers" (experts quoted in the press); we compare with the lower end.
        ((1000.0, 3800.0, 45.0), 10_400.0, (-0.08, 0.08)),
    ],
)
def test_boost_model_agrees_with_published_assessments(test_km, published_km, tolerance):
    """With gravity losses (Δv conserved from the lofted test's boost to a standard one) the boost
    model lands on the published standard-trajectory ranges; free flight alone, which puts burnout
    on the ground and ignores how much more the vertical test boost lost to gravity, falls short."""
    assessment = assess_test(*test_km)
    low, high = tolerance
    assert published_km * (1 + low) <= assessment.boost_model_max_range_km <= published_km * (1 + high)
    assert assessment.free_flight_max_range_km < assessment.boost_model_max_range_km


def test_rotation_helps_eastward_shots():
    a = HWASONG_15
    assert a.free_flight_max_range_west_km < a.free_flight_max_range_km < a.free_flight_max_range_east_km
    assert a.boost_model_max_range_west_km < a.boost_model_max_range_km < a.boost_model_max_range_east_km


def test_fitted_boost_flies_the_test():
    """The fitted burnout speed and angle, targeted at the test's range, peak at its apogee."""
    import securityroof as sr
    from securityroof.physics.targeting import MissileArrays, solve

    a = HWASONG_15
    missile = MissileArrays(
        np.array(["t"], dtype=object),
        np.array([a.burn_time_s]),
        np.array([a.burnout_altitude_km * 1e3]),
        np.array([np.inf]),
    )
    result = solve(
        0.0,
        0.0,
        960e3 / SPHERE.equatorial_radius_m,
        0.0,
        missile,
        np.radians(a.boost_model_burnout_angle_deg),
        SPHERE.with_rotation(False),
    )
    assert result.impact.apogee_alt_m[0] == pytest.approx(4500e3, rel=2e-3)
    assert result.burnout_speed_mps[0] / 1e3 == pytest.approx(a.boost_model_burnout_speed_km_s, rel=1e-6)
    assert sr  # the public package imports alongside


@pytest.mark.parametrize(
    "args,field",
    [
        ((-5.0, 1000.0), "range_km"),
        ((900.0, float("nan")), "apogee_km"),
        ((900.0, 150.0), "burnout_altitude_km"),
        ((900.0, 2000.0, -3.0), "flight_time_min"),
    ],
)
def test_bad_figures_name_the_field(args, field):
    with pytest.raises(AssessmentError, match=field):
        assess_test(*args)


def test_roof_assess_test_json_and_errors():
    import json

    from typer.testing import CliRunner

    from securityroof.present.cli import app

    runner = CliRunner()
    result = runner.invoke(app, ["assess-test", "--range-km", "960", "--apogee-km", "4500", "--json"])
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    for key in ("burnout_speed_km_s", "free_flight_max_range_km", "boost_model_max_range_km"):
        assert record[key] > 0
    assert record["boost_model_max_range_east_km"] > record["boost_model_max_range_km"]
    assert "model" in record
    table = runner.invoke(app, ["assess-test", "--range-km", "960", "--apogee-km", "4500", "--flight-time-min", "54"])
    assert table.exit_code == 0 and "published 54.0 min" in table.stdout
    bad = runner.invoke(app, ["assess-test", "--range-km", "960", "--apogee-km", "100"])
    assert bad.exit_code == 2 and "--burnout-altitude-km" in bad.stderr and "Traceback" not in bad.stderr


def test_a_near_orbital_test_implies_no_missile_table():
    """A 6,000 km apogee over 1,000 km implies a standard range beyond half the globe (said as
    reaching anywhere) and a burnout speed above orbital: no [[missile]] table a scenario would
    accept, so none is printed."""
    import json

    from typer.testing import CliRunner

    from securityroof.present.cli import app

    args = ["assess-test", "--range-km", "1000", "--apogee-km", "6000", "--missile-toml", "steep"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2 and result.stdout == ""
    record = json.loads(CliRunner().invoke(app, [*args[:5], "--json"]).stdout)
    assert record["boost_model_max_range_km"] > 20_015 and record["boost_model_reaches_anywhere"] is True
    assert record["free_flight_reaches_anywhere"] is (record["free_flight_max_range_km"] > 20_015)
    message = result.stderr.strip()
    assert message.startswith("error: --missile-toml: the class this test implies is not a valid [[missile]]")
    assert "range_km" in message and len(message.splitlines()) == 1


def test_an_assessed_class_can_join_a_scenario(tmp_path):
    """`roof assess-test --missile-toml NAME` prints a [[missile]] table that a scenario file can
    carry and its threats can name."""
    from typer.testing import CliRunner

    from securityroof.analysis.engage import engage
    from securityroof.model.scenario import load_scenario
    from securityroof.present.cli import app

    runner = CliRunner()
    block = runner.invoke(app, ["assess-test", "--range-km", "960", "--apogee-km", "4500", "--missile-toml", "hs15"])
    assert block.exit_code == 0 and block.stdout.startswith("[[missile]]")
    text = f"""
name = "assessed"
description = "an assessed class in a scenario"
[[party]]
id = "nato"
label = "NATO"
[[asset]]
id = "kurecik"
owner = "nato"
kind = "an-tpy-2"
lat_deg = 38.35
lon_deg = 37.79
boresight_az_deg = 60
[[asset]]
id = "deveselu"
owner = "nato"
kind = "sm-3-iia"
lat_deg = 44.08
lon_deg = 24.35
[[threat]]
id = "assessed"
missile = "hs15"
launch = [[39.0, 125.7]]
aim = ["bucharest"]
[sharing]
policy = "within-party"
{block.stdout}
"""
    path = tmp_path / "assessed.toml"
    path.write_text(text)
    scenario = load_scenario(str(path))
    assert scenario.threat_set[0].missile_class.name == "hs15"
    assert engage(scenario).columns["reason"][0] != "threat-out-of-range"  # ~7,800 km: within its 13,000
    # under a catalog missile's name the table is the scenario's version of that class, not a second one
    own = scenario.threat_set[0].missile_class
    path.write_text(text.replace('"hs15"', '"ss-27"'))
    assert load_scenario(str(path)).threat_set[0].missile_class == own.model_copy(update={"name": "ss-27"})
    # and under another kind's name it is refused
    path.write_text(text.replace('"hs15"', '"sm-3-iia"'))
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2 and "'sm-3-iia' is a catalog interceptor, not a missile" in result.stderr


@pytest.mark.parametrize("name,kind", [("shahab-3", "missile"), ("sm-3-iia", "interceptor"), ("warsaw", "city")])
def test_missile_toml_refuses_a_catalog_name(name, kind):
    """A [[missile]] named like a catalog entry would replace that class in a scenario (or be refused,
    for another kind), not add the assessed one, so the table is not printed under such a name."""
    from typer.testing import CliRunner

    from securityroof.present.cli import app

    args = ["assess-test", "--range-km", "960", "--apogee-km", "4500", "--missile-toml", name]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.strip() == f"error: --missile-toml: {name!r} is already a catalog {kind}; choose another name"


# Published conversions of lofted tests to a standard-trajectory range, each with the test's figures
# (range km, apogee km, flight time min), its class, and the published figure as (low, high): a
# span for a span, equal ends for a single figure, None for the open end of "more than".
PUBLISHED = {
    # D. Wright (UCS blog) via Yonhap, Korea News Digest, 15 May 2017: Hwasong-12, 787 km, 2,111.5 km,
    # half an hour -> "a maximum range of about 4,500 km" (also CSIS Missile Threat, "North Korea Tests
    # New IRBM": "up to 4,500 km"); "about": ±8 %.
    "hwasong-12-2017": ((787.0, 2111.5, 30.0), "liquid-1-stage", (4_500.0, 4_500.0), 0.08),
    # South Korea's Joint Chiefs of Staff via The Nation (Thailand), 30 Jan 2022: Hwasong-12, about
    # 800 km at a top altitude of 2,000 km -> "between 4,500-5,000 km" at 30 to 45 degrees; the span.
    "hwasong-12-2022": ((800.0, 2000.0, None), "liquid-1-stage", (4_500.0, 5_000.0), 0.0),
    # CSIS Missile Threat, "North Korea Tests ICBM": Hwasong-14, 4 Jul 2017, 930 km, 2,800 km, 39 min
    # -> "could be as much as 7,000 kilometers"; ±8 %.
    "hwasong-14-jul-4": ((930.0, 2800.0, 39.0), "liquid-2-stage", (7_000.0, 7_000.0), 0.08),
    # Expert observers quoted on the 28 Jul 2017 Hwasong-14 test (about 1,000 km, about 3,800 km,
    # about 45 min) -> "between 10,400 kilometers and 11,000 kilometers"; the span.
    "hwasong-14-jul-28": ((1000.0, 3800.0, 45.0), "liquid-2-stage", (10_400.0, 11_000.0), 0.0),
    # D. Wright via the US Embassy Tokyo press summary (TBS), 29 Nov 2017, and South Korea's Defence
    # Ministry (Straits Times, 1 Dec 2017: "capable of flying over 13,000km"): Hwasong-15, 960 km,
    # 4,500 km, 54 min -> more than 13,000 km; the open end is open.
    "hwasong-15": ((960.0, 4500.0, 54.0), "liquid-2-stage", (13_000.0, None), 0.0),
}


@pytest.mark.parametrize("name", PUBLISHED)
def test_published_conversions_lie_in_the_class_band(name):
    """Each published figure lies inside the band of the boost model's maximum range over the test
    class's burn time and burnout altitude, and the band's centre (midway between its ends) within
    the tolerance the source's figure allows."""
    figures, test_class, (low, high), tolerance = PUBLISHED[name]
    band = assess_test(*figures, test_class_name=test_class).range_band_km
    assert band["low"] <= low and (high is None or high <= band["high"])
    centre = 0.5 * (band["low"] + band["high"])
    assert low * (1 - tolerance) <= centre
    assert high is None or centre <= high * (1 + tolerance)


def test_the_band_holds_the_point_and_moves_with_the_class():
    """The point (the class's values) lies in its band; a two-stage liquid class, with its longer burn
    and higher burnout, widens the Hwasong-15's band beyond the three-stage solid default's."""
    liquid = assess_test(960.0, 4500.0, 54.0, test_class_name="liquid-2-stage")
    for a in (HWASONG_15, liquid):
        band = a.range_band_km
        assert band["low"] < band["point"] < band["high"]
        assert band["point"] == a.boost_model_max_range_km
    assert HWASONG_15.test_class == "solid-3-stage" and HWASONG_15.burn_time_s == 170.0
    assert (liquid.burn_time_s, liquid.burnout_altitude_km) == (250.0, 300.0)
    assert liquid.range_band_km["high"] - liquid.range_band_km["low"] > (
        HWASONG_15.range_band_km["high"] - HWASONG_15.range_band_km["low"]
    )
    with pytest.raises(AssessmentError, match="test_class: 'liquid' is not a test class"):
        assess_test(960.0, 4500.0, test_class_name="liquid")


def test_roof_assess_test_class_band_line():
    import json

    from typer.testing import CliRunner

    from securityroof.present.cli import app

    args = ["assess-test", "--range-km", "787", "--apogee-km", "2111.5", "--class", "liquid-1-stage"]
    record = json.loads(CliRunner().invoke(app, [*args, "--json"]).stdout)
    assert record["test_class"] == "liquid-1-stage" and record["burn_time_s"] == 110.0
    assert record["assumptions"]["burn_time_s_range"] == [100.0, 150.0]
    band = record["range_band_km"]
    text = CliRunner().invoke(app, args).stdout
    assert (
        f"{band['point']:,.0f} km (band {band['low']:,.0f}–{band['high']:,.0f} km over burn time 100–150 s and "
        "burnout altitude 75–150 km, class liquid-1-stage)" in " ".join(text.split())
    )
    bad = CliRunner().invoke(app, [*args[:5], "--class", "nope"])
    assert bad.exit_code == 2 and bad.stderr.startswith("error: --class: 'nope' is not a test class")
