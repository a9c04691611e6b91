"""The deterrence check: strategic ICBM pairs, the sensitivity map's monotonicity, the JSON contract."""

import json
import re

import numpy as np
import pytest
from findings_check import figure_numbers, numbers_in
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from securityroof import load_catalog
from securityroof.analysis.deterrence import (
    DIRECTIONS,
    SPEED_LIMIT_KM_S,
    SPEED_RESOLUTION_KM_S,
    deterrence,
    deterrence_threats,
    threatened_by,
    with_decision_delay,
    with_interceptor_speed,
)
from securityroof.analysis.engage import engage
from securityroof.model.scenario import load_scenario
from securityroof.model.scenario.whatif import what_if
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


def test_roof_deterrence_json_adds_direction_owner_threatening_speed_and_perfect_cueing():
    result = CliRunner().invoke(app, ["deterrence", "joint-lisbon", "--speeds", "5", "--delays", "0", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert {"direction", "engaged_by_owner"} <= set(payload["pairs"][0])
    sites = {s["id"] for s in payload["sites"]}
    assert set(payload["threatening_speed_km_s"]) == sites
    assert all(set(v) == {"at_delay", "at_zero_delay"} for v in payload["threatening_speed_km_s"].values())
    perfect = payload["perfect_cueing"]
    assert {"pairs", "sensitivity", "sensitivity_by_direction", "threatening_speed_km_s"} <= set(perfect)
    assert len(perfect["pairs"]) == len(payload["pairs"]) and len(perfect["sensitivity"]) == 1
    assert set(payload["sensitivity_by_direction"]) == {"russia->north-america", "north-america->russia"}
    assert payload["threatening_speed_search"]["resolution_km_s"] == SPEED_RESOLUTION_KM_S
    assert [v["direction"] for v in payload["verdicts"]] == [d.name for d in DIRECTIONS]


def test_roof_deterrence_text_leads_with_one_verdict_per_direction():
    result = CliRunner().invoke(app, ["deterrence", "epaa-phase-4", "--speeds", "5", "--delays", "0"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    assert text.startswith("No NATO interceptor can engage a Russian ICBM bound for North America")
    assert "none threatens a US ICBM bound for Russia" in text
    assert "Threatening speed" in text


@pytest.fixture(scope="module")
def lisbon():
    return deterrence(load_scenario("joint-lisbon"), speeds_km_s=[4.5, 5.0], delays_s=[0.0, 60.0])


def test_whose_icbms_are_whose_is_said_once():
    """A site threatens the other side's deterrent; a party owning neither threatens both."""
    by_name = {d.name: d for d in DIRECTIONS}
    assert threatened_by("nato") == (by_name["russia->north-america"],)
    assert threatened_by("russia") == (by_name["north-america->russia"],)
    assert threatened_by("china") == DIRECTIONS


def test_every_pair_says_its_direction_and_whose_sites_engage_it(lisbon):
    russian = {b.name for b in CATALOG.bases.values() if b.country == "Russia"}
    owner = {s["id"]: s["owner"] for s in lisbon.sites}
    for found in (lisbon.pairs, lisbon.perfect_cueing.pairs):
        for pair in found:
            expected = "russia->north-america" if pair["base"] in russian else "north-america->russia"
            assert pair["direction"] == expected
            assert pair["engaged_by_owner"] == sorted({owner[site] for site in pair["sites"]})
            assert bool(pair["engaged_by_owner"]) == pair["engageable"]
    # the three pairs engaged at catalog speeds are US shots stopped by Russia's own defence
    engaged = [p for p in lisbon.pairs if p["engageable"]]
    assert engaged and all(p["engaged_by_owner"] == ["russia"] for p in engaged)
    assert {p["direction"] for p in engaged} == {"north-america->russia"}


def test_the_grid_per_direction_adds_up_to_the_grid(lisbon):
    for cueing in (lisbon, lisbon.perfect_cueing):
        by_direction = cueing.sensitivity_by_direction
        assert set(by_direction) == {d.name for d in DIRECTIONS}
        for k, cell in enumerate(cueing.sensitivity):
            rows = [rows[k] for rows in by_direction.values()]
            assert sum(r["engageable_pairs"] for r in rows) == cell["engageable_pairs"]
            assert sum(r["total_pairs"] for r in rows) == cell["total_pairs"]
            for row in rows:
                assert row["engageable_by_other_side"] <= row["engageable_pairs"]
                assert max(row["engageable_by_owner"].values()) <= row["engageable_pairs"]


@pytest.mark.parametrize("name", ["joint-lisbon", "epaa-phase-4", "third-site-2007"])
def test_perfect_cueing_never_engages_fewer_pairs_than_the_real_run(name, lisbon):
    found = lisbon if name == "joint-lisbon" else deterrence(load_scenario(name), [4.5, 6.0], [0.0, 300.0])
    real = {(p["base"], p["target"]) for p in found.pairs if p["engageable"]}
    ideal = {(p["base"], p["target"]) for p in found.perfect_cueing.pairs if p["engageable"]}
    assert real <= ideal
    for mine, perfect in zip(found.sensitivity, found.perfect_cueing.sensitivity, strict=True):
        assert mine["engageable_pairs"] <= perfect["engageable_pairs"]
    for site, speeds in found.threatening_speed_km_s.items():
        ideal_speeds = found.perfect_cueing.threatening_speed_km_s[site]
        for key in ("at_delay", "at_zero_delay"):
            if speeds[key] is not None:
                assert ideal_speeds[key] is not None and ideal_speeds[key] <= speeds[key]
        if speeds["at_delay"] is not None:
            assert speeds["at_zero_delay"] <= speeds["at_delay"]


def test_epaa_phase_4_zeros_are_a_sensor_gap_not_a_kinematic_verdict():
    """No EPAA sensor looks north: at the real cueing no site threatens at any speed up to the limit,
    while with perfect cueing the SM-3s would, so the verdict names a sensor gap."""
    found = deterrence(load_scenario("epaa-phase-4"))
    assert all(s["at_delay"] is None and s["at_zero_delay"] is None for s in found.threatening_speed_km_s.values())
    assert all(s["at_delay"] is not None for s in found.perfect_cueing.threatening_speed_km_s.values())
    outbound = next(v for v in found.verdicts if v["direction"] == "russia->north-america")
    assert outbound["engageable_pairs"] == 0 and outbound["defending_owners"] == ["nato"]
    assert "sensor gap" in outbound["text"] or "with perfect cueing" in outbound["text"]
    inbound = next(v for v in found.verdicts if v["direction"] == "north-america->russia")
    assert inbound["defending_owners"] == [] and "none threatens" in inbound["text"]


def test_the_lisbon_verdicts_say_whose_interceptors(lisbon):
    """The joint roof's only catalog-speed engagements are Russia's own A-135 against US shots at
    Moscow, said as Russia's; no NATO site engages a Russian ICBM, and the verdict gives the least
    speed at which one would, which the per-site threatening speeds agree with."""
    verdicts = {v["direction"]: v for v in lisbon.verdicts}
    inbound, outbound = verdicts["north-america->russia"], verdicts["russia->north-america"]
    assert inbound["text"].startswith("Russia's interceptors can engage") and "A-135" in inbound["text"]
    assert outbound["text"].startswith("No NATO interceptor can engage a Russian ICBM bound for North America")
    nato = [s["id"] for s in lisbon.sites if s["owner"] == "nato"]
    least = min(v for s in nato if (v := lisbon.threatening_speed_km_s[s]["at_delay"]) is not None)
    assert outbound["least_threatening_speed_km_s"] == least and f"{least:.1f} km/s" in outbound["text"]
    assert all(lisbon.threatening_speed_km_s[s]["at_delay"] == least for s in outbound["least_threatening_sites"])


def test_the_issue_s_figure_nato_sm_3_iia_engage_from_between_4_5_and_5_km_s():
    """Issue 13: with Russian tracks shared, NATO's SM-3 IIA sites, flown faster with their limits
    lifted, engage Russian ICBMs at 5.0 km/s and none at 4.5 (at the scenario's decision delay)."""
    scenario = load_scenario("joint-lisbon")
    found = deterrence(scenario, [4.5, 5.0], [scenario.analysis.decision_delay_s], interceptor="sm-3-iia")
    rows = found.sensitivity_by_direction["russia->north-america"]
    assert [r["engageable_by_owner"]["nato"] for r in rows][0] == 0 and rows[1]["engageable_by_owner"]["nato"] > 0
    iia = [s["id"] for s in found.sites if s["interceptor"] == "sm-3-iia"]
    speeds = {s: found.threatening_speed_km_s[s]["at_delay"] for s in iia}
    assert {s for s, v in speeds.items() if v <= 5.0} == {"redzikowo-sm-3-iia", "north-sea-sm-3-iia"}
    assert all(v > 4.5 for v in speeds.values())


def _site_engages(scenario, strategic, site, speed, delay_s) -> bool:
    """Whether ``site`` engages an ICBM of the other side at ``speed`` (its class alone sped up), by
    the scenario-level path: flown again, none of the check's search."""
    owner = next(s.owner for s in scenario.interceptor_sites if s.id == site)
    kind = next(s.entry.name for s in scenario.interceptor_sites if s.id == site)
    faster = with_decision_delay(with_interceptor_speed(scenario, speed, {kind}), delay_s)
    columns = engage(faster, threats=strategic).columns
    theirs = {t.id for t in strategic if any(d.threat_name == t.threat for d in threatened_by(owner))}
    rows = (columns["site_id"] == site) & columns["feasible"].astype(bool)
    return any(threat in theirs for threat in columns["threat_id"][rows])


@pytest.fixture(scope="module")
def lisbon_scan():
    scenario = load_scenario("joint-lisbon")
    return scenario, deterrence_threats(), deterrence(scenario)


@pytest.mark.parametrize("site", ["redzikowo-sm-3-iia", "north-sea-sm-3-iia"])
@pytest.mark.parametrize("key", ["at_delay", "at_zero_delay"])
def test_the_threatening_speed_is_where_the_site_first_engages(lisbon_scan, site, key):
    scenario, strategic, found = lisbon_scan
    delay = scenario.analysis.decision_delay_s if key == "at_delay" else 0.0
    speed = found.threatening_speed_km_s[site][key]
    assert speed is not None and SPEED_RESOLUTION_KM_S < speed < SPEED_LIMIT_KM_S
    assert _site_engages(scenario, strategic, site, speed, delay)
    assert not _site_engages(scenario, strategic, site, round(speed - SPEED_RESOLUTION_KM_S, 6), delay)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.integers(1, round(SPEED_LIMIT_KM_S / SPEED_RESOLUTION_KM_S)))
def test_a_site_engages_at_a_grid_speed_exactly_when_it_is_no_less_than_its_threatening_speed(lisbon_scan, steps):
    scenario, strategic, found = lisbon_scan
    speed = round(steps * SPEED_RESOLUTION_KM_S, 6)
    threshold = found.threatening_speed_km_s["redzikowo-sm-3-iia"]["at_delay"]
    engages = _site_engages(scenario, strategic, "redzikowo-sm-3-iia", speed, scenario.analysis.decision_delay_s)
    assert engages == (speed >= threshold)


@pytest.mark.slow
def test_the_threatening_speed_is_where_a_fine_scan_first_engages(lisbon_scan):
    """The whole grid, every step: the count is zero below the threatening speed and positive from it."""
    scenario, strategic, found = lisbon_scan
    delay = scenario.analysis.decision_delay_s
    for site in ("redzikowo-sm-3-iia", "north-sea-sm-3-iia", "moscow-a-135"):
        threshold = found.threatening_speed_km_s[site]["at_delay"]
        steps = range(1, round(SPEED_LIMIT_KM_S / SPEED_RESOLUTION_KM_S) + 1)
        scan = [_site_engages(scenario, strategic, site, round(k * SPEED_RESOLUTION_KM_S, 6), delay) for k in steps]
        first = round((scan.index(True) + 1) * SPEED_RESOLUTION_KM_S, 6)
        assert first == threshold and all(scan[scan.index(True) :])


def test_the_pairs_as_a_table(lisbon):
    table = lisbon.to_arrow()
    assert table.num_rows == len(lisbon.pairs)
    assert {"direction", "engaged_by_owner", "sites", "engageable", "best_margin_s"} <= set(table.column_names)
    assert table.column("best_margin_s").null_count == sum(not p["engageable"] for p in lisbon.pairs)
    assert lisbon.perfect_cueing.to_arrow().num_rows == len(lisbon.pairs)


def test_deterrence_findings_are_the_verdicts_and_rest_on_the_pairs_and_speeds(lisbon):
    """Each finding of `roof deterrence --json` is a direction's verdict; its counts are the pairs'."""
    payload = lisbon.to_dict()
    assert [f["text"] for f in payload["findings"]] == [v["text"] for v in payload["verdicts"]]
    speeds = payload["threatening_speed_km_s"]
    for finding in payload["findings"]:
        figures, direction = finding["figures"], finding["figures"]["direction"]
        others = set(figures["defending_owners"])
        mine = [p for p in payload["pairs"] if p["direction"] == direction]
        assert figures["total_pairs"] == len(mine)
        assert figures["engageable_pairs"] == sum(bool(others & set(p["engaged_by_owner"])) for p in mine)
        ideal = [p for p in payload["perfect_cueing"]["pairs"] if p["direction"] == direction]
        assert figures["perfect_cueing_engageable_pairs"] == sum(
            bool(others & set(p["engaged_by_owner"])) for p in ideal
        )
        defenders = [s["id"] for s in payload["sites"] if direction in s["threatens"]]
        found = [speeds[site]["at_delay"] for site in defenders if speeds[site]["at_delay"] is not None]
        assert figures["least_threatening_speed_km_s"] == (min(found) if found else None)
        quoted_speeds = {float(v) for v in re.findall(r"(\d+\.\d) km/s", finding["text"])}
        assert quoted_speeds <= {v for v in figures.values() if isinstance(v, float)}, finding["text"]
        counts = numbers_in(re.sub(r"\d+\.\d km/s", "", finding["text"]))
        assert set(counts) <= figure_numbers(figures) | {12}, finding["text"]  # 12: the search's limit
    named = lisbon.findings("joint-lisbon")
    assert all(f["text"].startswith("joint-lisbon, deterrence: ") for f in named)


def test_a_verdict_never_calls_a_what_if_speed_the_catalog_s():
    faster = what_if(load_scenario("joint-lisbon"), set={"sm-3-iia.burnout_speed_km_s": 5.0})
    nato, russia = deterrence(faster, speeds_km_s=[5.0], delays_s=[60.0]).verdicts
    assert "at this architecture's speeds (SM-3 Block IIA 5 km/s)" in nato["text"]
    assert "catalog" not in nato["text"] and nato["changed_speeds_km_s"] == {"SM-3 Block IIA": 5.0}
    assert "at catalog speeds" in russia["text"] and russia["changed_speeds_km_s"] == {}


def test_rows_kept_between_checks_give_the_check_computed_afresh(monkeypatch):
    """A site's feasible pairs are kept between checks (FEASIBLE_ROWS): a check after a speed or
    delay changed, with the rows of the one before, is the check computed from nothing."""
    from securityroof.analysis import deterrence as module
    from securityroof.analysis.cache import LRU

    base = load_scenario("joint-lisbon")
    changed = [what_if(base, set={"sm-3-iia.burnout_speed_km_s": 5.0}), what_if(base, decision_delay_s=120.0)]
    grid = {"speeds_km_s": [4.5, 6.0], "delays_s": [0.0, 120.0]}
    deterrence(base, **grid)
    kept = [deterrence(scenario, **grid).to_dict() for scenario in changed]
    assert module.FEASIBLE_ROWS.hits > 0
    fresh = []
    for scenario in changed:
        monkeypatch.setattr(module, "FEASIBLE_ROWS", LRU(maxsize=20_000))
        fresh.append(deterrence(scenario, **grid).to_dict())
    assert kept == fresh
