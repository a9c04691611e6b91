"""The deterrence check: strategic ICBM pairs, the sensitivity map's monotonicity, the JSON contract."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from securityroof import load_catalog
from securityroof.analysis.deterrence import deterrence, deterrence_threats
from securityroof.model.scenario import load_scenario
from securityroof.present.cli import app

CATALOG = load_catalog()


@pytest.fixture(scope="module")
def third_site():
    return deterrence(load_scenario("third-site-2007"), speeds_km_s=[1.5, 5.0, 7.0, 9.0], delays_s=[0.0, 300.0, 600.0])


def test_pairs_cover_both_directions():
    threats = deterrence_threats()
    russian = [b for b in CATALOG.bases.values() if b.country == "Russia"]
    us = [b for b in CATALOG.bases.values() if b.country == "United States"]
    north_american = [c for c in CATALOG.cities.values() if c.country in ("United States", "Canada")]
    russian_cities = [c for c in CATALOG.cities.values() if c.country == "Russia"]
    assert len(threats) == len(russian) * len(north_american) + len(us) * len(russian_cities)
    assert {t.missile for t in threats} == {"ss-27", "minuteman-3"}


def test_the_2007_third_site_could_engage_russian_icbms_toward_the_us_east_coast(third_site):
    """The Russian objection in numbers: GBIs at Redzikowo, cued by the Czech radar, reach some
    SS-27 trajectories from western Russia to the US East Coast."""
    engaged = {(p["base"], p["target"]) for p in third_site.pairs if p["engageable"]}
    assert ("kozelsk", "new-york") in engaged
    assert all(p["best_margin_s"] > 0 and p["intercept_alt_km"] > 0 for p in third_site.pairs if p["engageable"])
    assert not any(p["base"] in ("malmstrom", "minot", "fe-warren") for p in third_site.pairs if p["engageable"])


def test_every_pair_that_cannot_be_engaged_says_why(third_site):
    """Engageable pairs carry no reason; the others carry the furthest hurdle any site got past, and a
    pair that was tracked (too late, say) has a cue time while an undetected one has none."""
    for pair in third_site.pairs:
        assert (pair["why_not"] is None) == pair["engageable"]
        if pair["engageable"] or pair["why_not"] == "too-late":
            assert pair["cue_time_s"] is not None and pair["cue_time_s"] > 0
        if pair["why_not"] in ("not-detected", "threat-out-of-range"):
            assert pair["cue_time_s"] is None
    assert {p["why_not"] for p in third_site.pairs} >= {None, "not-detected", "too-late"}


def test_the_lisbon_architecture_engages_only_us_shots_at_moscow():
    """What the joint roof does to the deterrents: the A-135, cued by its Don-2N, engages the US
    fields' shots at Moscow (the defence the ABM Treaty allowed); no Russian ICBM toward North
    America is engageable, and the Don-2N's tracks of them reach the NATO sites only too late."""
    checked = deterrence(load_scenario("joint-lisbon")).pairs
    engaged = [p for p in checked if p["engageable"]]
    assert engaged and {p["target"] for p in engaged} == {"moscow"}
    assert all("moscow-a-135" in p["sites"] for p in engaged)
    russian = {b.name for b in CATALOG.bases.values() if b.country == "Russia"}
    outbound = [p for p in checked if p["base"] in russian and p["why_not"] != "threat-out-of-range"]
    assert not any(p["engageable"] for p in outbound)
    assert sum(p["why_not"] == "too-late" for p in outbound) > len(outbound) / 2


def test_the_epaa_phases_see_no_strategic_pair():
    """Without a UEWR, no EPAA sensor sees the polar routes: a sensor gap, not a kinematic one."""
    checked = deterrence(load_scenario("epaa-phase-3")).pairs
    in_range = [p for p in checked if p["why_not"] != "threat-out-of-range"]
    assert in_range and all(p["why_not"] == "not-detected" for p in in_range)


@pytest.fixture(scope="module")
def uewr_what_if():
    scenario = load_scenario("epaa-phase-4-uewr")
    return {rcs: deterrence(scenario, rcs_m2=rcs).pairs for rcs in (0.005, 0.1)}


def test_a_larger_re_entry_vehicle_is_never_harder_to_engage(uewr_what_if):
    """Detection range grows with cross-section, so nothing engageable at 0.005 m^2 is lost at 0.1 m^2."""
    small, large = ({(p["base"], p["target"]) for p in found if p["engageable"]} for found in uewr_what_if.values())
    assert small <= large


def test_the_uewrs_turn_the_epaa_sensor_gap_into_a_tail_chase(uewr_what_if):
    """With the UEWRs cueing, the pairs out of Russia stop being `not-detected` once the vehicle is
    large enough to see, and then fail as `too-late` (or out of reach), never engaged: the European
    sites cannot catch an ICBM flying away from them toward North America, as NATO's deputy
    secretary general said of phase 4 (Vershbow, Kommersant 2012, via survincity.com) and the MDA
    of the 2007 interceptors (Brookes, Heritage Foundation, 14 Mar 2008)."""
    russian = {b.name for b in CATALOG.bases.values() if b.country == "Russia"}
    large = [p for p in uewr_what_if[0.1] if p["base"] in russian and p["why_not"] != "threat-out-of-range"]
    assert not any(p["engageable"] for p in large)
    assert sum(p["why_not"] == "too-late" for p in large) > len(large) / 2
    assert all(p["why_not"] in ("not-detected", "too-late", "out-of-reach") for p in large)


def test_an_architecture_without_interceptors_says_so():
    scenario = load_scenario("epaa-phase-4-uewr")
    radar_only = scenario.with_assets(a for a in scenario.assets if a.kind not in scenario.catalog.interceptors)
    checked = deterrence(radar_only).pairs
    assert {p["why_not"] for p in checked} == {"no-interceptor-site"}
    assert not any(p["engageable"] for p in checked)


def test_too_slow_interceptors_engage_nothing_under_any_delay(third_site):
    slow = [s for s in third_site.sensitivity if s["burnout_speed_km_s"] == 1.5]
    assert slow and all(s["engageable_pairs"] == 0 for s in slow)


def test_sensitivity_is_monotone_in_speed_and_delay(third_site):
    grid = {(s["burnout_speed_km_s"], s["decision_delay_s"]): s["engageable_pairs"] for s in third_site.sensitivity}
    speeds = sorted({k[0] for k in grid})
    delays = sorted({k[1] for k in grid})
    table = np.array([[grid[(v, d)] for d in delays] for v in speeds])
    assert np.all(np.diff(table, axis=0) >= 0)  # faster never engages fewer
    assert np.all(np.diff(table, axis=1) <= 0)  # later never engages more
    assert table.max() > 0


def test_roof_deterrence_json_contract():
    runner = CliRunner()
    result = runner.invoke(app, ["deterrence", "third-site-2007", "--speeds", "6:7:1", "--delays", "0:60:60", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert {"base", "target", "engageable", "best_margin_s", "intercept_alt_km", "cue_time_s", "why_not"} <= set(
        payload["pairs"][0]
    )
    assert len(payload["sensitivity"]) == 4
    assert {"burnout_speed_km_s", "decision_delay_s", "engageable_pairs", "total_pairs"} <= set(
        payload["sensitivity"][0]
    )
    bad = runner.invoke(app, ["deterrence", "epaa-phase-4", "--interceptor", "thaad", "--speeds", "5", "--delays", "0"])
    assert bad.exit_code == 2 and "--interceptor" in bad.stderr
    assert runner.invoke(app, ["deterrence", "epaa-phase-4", "--speeds", "9:3:1"]).exit_code == 2
    small = runner.invoke(app, ["deterrence", "epaa-phase-4", "--rcs-m2", "0", "--speeds", "5", "--delays", "0"])
    assert small.exit_code == 2 and "--rcs-m2" in small.stderr and "Traceback" not in small.stderr
