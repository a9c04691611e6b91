"""Engagement windows: geometry, timing and their monotonicity."""

import numpy as np
from conftest import make_interceptor
from hypothesis import given, settings
from hypothesis import strategies as st

import securityroof as sr
from securityroof.physics.earth import WGS84
from securityroof.physics.engagement import Samples, Site, earliest_launch, engagement_windows
from securityroof.physics.flyout import build_table
from securityroof.physics.reasons import ENGAGEMENT_TEXT
from securityroof.physics.sampling import sample_trajectories

SHOT = sr.trajectories(38.08, 46.29, 44.43, 26.10, missile="sejjil-2")  # Tabriz -> Bucharest


def interceptor(speed_km_s=4.5):
    return make_interceptor(burnout_speed_km_s=speed_km_s)


TABLES = {speed: build_table(interceptor(speed)) for speed in (2.5, 3.5, 4.5)}


def site(lat=42.0, lon=30.0, speed=4.5, min_alt_m=70e3, max_range_m=2500e3):
    return Site(np.radians(lat), np.radians(lon), 0.0, min_alt_m, 1000e3, max_range_m, 10.0, TABLES[speed])


def samples(step_s=5.0):
    sampled = sample_trajectories(SHOT.solution, [0], step_s, WGS84)
    return Samples(sampled["time_s"], sampled["position_ecef_m"], sampled["boosting"], WGS84)


def test_site_under_the_path_has_a_window():
    windows = engagement_windows(site(), samples(), np.array([200.0]), 30.0, WGS84)
    assert windows.feasible[0]
    assert 200.0 < windows.window_start_s[0] <= windows.window_end_s[0] <= SHOT.solution.impact.time_s[0]
    assert 70e3 <= windows.intercept_alt_m[0] <= 1000e3
    assert windows.shots[0] >= 2


def test_reasons_when_not_feasible():
    s = samples()
    far = engagement_windows(site(lat=10.0, lon=-60.0), s, np.array([100.0]), 30.0, WGS84)
    assert ENGAGEMENT_TEXT[int(far.reason[0])] == "out-of-reach"
    late = engagement_windows(site(), s, np.array([10_000.0]), 30.0, WGS84)
    assert ENGAGEMENT_TEXT[int(late.reason[0])] == "too-late"
    high_floor = engagement_windows(site(min_alt_m=900e3), s, np.array([100.0]), 30.0, WGS84)
    assert ENGAGEMENT_TEXT[int(high_floor.reason[0])] == "below-min-altitude"


def test_decision_and_launch_delays_add_up():
    assert earliest_launch(100.0, 40.0, 30.0, 10.0) == 110.0 + 0.0  # the track is the limit
    assert earliest_launch(100.0, 90.0, 30.0, 10.0) == 130.0  # the decision is


@settings(max_examples=40, deadline=None)
@given(st.floats(0.0, 600.0), st.floats(0.0, 600.0))
def test_more_delay_never_widens_the_window(launch, extra):
    """Monotone in delay: a later launch starts no earlier, ends no later, and has no more shots."""
    s = samples(step_s=10.0)
    early = engagement_windows(site(), s, np.array([launch]), 30.0, WGS84)
    late = engagement_windows(site(), s, np.array([launch + extra]), 30.0, WGS84)
    if late.feasible[0]:
        assert early.feasible[0]
        assert late.window_start_s[0] >= early.window_start_s[0]
        assert late.window_end_s[0] <= early.window_end_s[0]
        assert late.shots[0] <= early.shots[0]


@settings(max_examples=20, deadline=None)
@given(st.floats(0.0, 800.0))
def test_faster_interceptor_never_loses_a_window(launch):
    s = samples(step_s=10.0)
    slow = engagement_windows(site(speed=2.5), s, np.array([launch]), 30.0, WGS84)
    fast = engagement_windows(site(speed=3.5), s, np.array([launch]), 30.0, WGS84)
    if slow.feasible[0]:
        assert fast.feasible[0]
        assert fast.window_start_s[0] <= slow.window_start_s[0]


def test_boost_phase_is_not_an_intercept_point():
    """Midcourse interceptors engage from burnout on: a site at the launch point, launching at once,
    can first intercept at burnout, not during the boost."""
    s = samples(step_s=5.0)
    windows = engagement_windows(site(lat=38.1, lon=46.3), s, np.array([0.0]), 30.0, WGS84)
    assert windows.feasible[0]
    assert windows.window_start_s[0] >= SHOT.solution.burnout_time_s[0]


def test_run_engagements_sharing_changes_cues():
    """A NATO site under the threat's path with only a Russian radar seeing the launch: no
    engagement within party ("not-shared"), one with sharing "all", cued by that radar."""
    from securityroof.analysis.engage import SensorAsset, SiteAsset, run_engagements
    from securityroof.physics.sensors import Radar

    gabala = Radar(
        lat_rad=np.radians(40.87),
        lon_rad=np.radians(47.80),
        alt_m=0.0,
        boresight_az_rad=np.radians(200.0),
        azimuth_half_width_rad=np.radians(90.0),
        min_elevation_rad=0.0,
        max_elevation_rad=np.radians(80.0),
        reference_range_m=4000e3,
        reference_rcs_m2=1.0,
        track_formation_s=20.0,
    )
    sensors = [SensorAsset("gabala", "russia", None, radar=gabala)]
    sites = [SiteAsset("nato-site", "nato", None, interceptor(4.5), 42.0, 30.0)]
    threats = sr.trajectories([38.08, 38.08], [46.29, 46.29], [44.43, 70.0], [26.10, 26.10], missile="sejjil-2")

    def within(sensor_owner, site_owner, same_site):
        return sensor_owner == site_owner

    def shared(sensor_owner, site_owner, same_site):
        return True

    alone = run_engagements(
        ["to-bucharest", "too-far"], threats, 0.1, sensors, sites, within, 60.0, 30.0, 5.0
    ).records()
    joint = run_engagements(
        ["to-bucharest", "too-far"], threats, 0.1, sensors, sites, shared, 60.0, 30.0, 5.0
    ).records()
    assert alone[0]["reason"] == "not-shared" and alone[0]["feasible"] is False
    assert joint[0]["feasible"] is True and joint[0]["cue_sensor_id"] == "gabala"
    assert joint[0]["launch_time_s"] == joint[0]["cue_time_s"] + 60.0 + 10.0
    assert joint[1]["reason"] == "threat-out-of-range"
    assert {"threat_id", "site_id", "feasible", "reason", "cue_sensor_id", "cue_time_s", "launch_time_s",
            "window_start_s", "window_end_s", "intercept_alt_km", "shots"} <= set(joint[0])  # fmt: skip


def test_perfect_cueing_cues_every_site_from_burnout_and_never_engages_less():
    """The counterfactual of a sensor that sees everything: a NATO site no NATO sensor cues is cued
    at the threat's burnout (the same physics then decides), and an earlier real cue still counts."""
    from securityroof.analysis.engage import PERFECT_CUE, SensorAsset, SiteAsset, run_engagements
    from securityroof.physics.sensors import Radar

    nearby = Radar(
        lat_rad=np.radians(38.5), lon_rad=np.radians(45.0), alt_m=0.0, boresight_az_rad=0.0,
        azimuth_half_width_rad=np.pi, min_elevation_rad=0.0, max_elevation_rad=np.radians(80.0),
        reference_range_m=4000e3, reference_rcs_m2=1.0, track_formation_s=0.0,
    )  # fmt: skip
    sites = [SiteAsset("blind", "nato", None, interceptor(4.5), 42.0, 30.0),
             SiteAsset("cued", "russia", None, interceptor(4.5), 42.0, 30.0)]  # fmt: skip
    threats = sr.trajectories([38.08, 38.08], [46.29, 46.29], [44.43, 70.0], [26.10, 26.10], missile="sejjil-2")
    sensors = [SensorAsset("radar", "russia", None, radar=nearby)]

    def within(sensor_owner, site_owner, same_site):
        return sensor_owner == site_owner

    ids = ["to-bucharest", "too-far"]
    real = run_engagements(ids, threats, 0.1, sensors, sites, within, 60.0, 30.0, 5.0).records()
    ideal = run_engagements(ids, threats, 0.1, sensors, sites, within, 60.0, 30.0, 5.0, perfect_cueing=True).records()
    burnout = threats.solution.burnout_time_s[0]
    blind_real, too_far, cued_real = real[0], real[1], real[2]
    blind, cued = ideal[0], ideal[2]
    assert blind_real["reason"] == "not-shared" and blind["feasible"]
    assert blind["cue_sensor_id"] == PERFECT_CUE and blind["cue_time_s"] == burnout
    assert blind["launch_time_s"] == burnout + 60.0 + 10.0
    assert cued_real["cue_time_s"] < burnout  # a radar next to the launch tracks it in boost
    assert cued["cue_sensor_id"] == "radar" and cued["cue_time_s"] == cued_real["cue_time_s"]
    assert too_far["reason"] == ideal[1]["reason"] == "threat-out-of-range"
    assert all(b["feasible"] for a, b in zip(real, ideal, strict=True) if a["feasible"])
