"""Radar and early-warning satellite detection: horizon geometry, range scaling, sector limits."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from securityroof.physics.earth import SPHERE, geodetic_to_ecef
from securityroof.physics.sensors import NotSeen, Radar, horizon_ground_range_m, radar_detections, satellite_reports

R = SPHERE.equatorial_radius_m
STILL = SPHERE.with_rotation(False)


def radar(**changes):
    values = dict(
        lat_rad=0.0,
        lon_rad=0.0,
        alt_m=0.0,
        boresight_az_rad=np.radians(90.0),
        azimuth_half_width_rad=np.pi,
        min_elevation_rad=0.0,
        max_elevation_rad=np.radians(90.0),
        reference_range_m=1e8,
        reference_rcs_m2=1.0,
        track_formation_s=10.0,
    )
    values.update(changes)
    return Radar(**values)


def approaching(altitude_m, start_deg=60.0, steps=60001, lat_deg=0.0, bearing="east", end_deg=0.0):
    """A target at constant altitude coming toward the radar along the equator (or a meridian),
    one sample a second: angle from the radar falls linearly from ``start_deg`` to ``end_deg``."""
    angles = np.radians(np.linspace(start_deg, end_deg, steps))
    if bearing == "east":
        position = geodetic_to_ecef(np.radians(lat_deg), angles, altitude_m, STILL)
    else:
        position = geodetic_to_ecef(angles, 0.0, altitude_m, STILL)
    times = np.arange(steps, dtype=float)
    return times[None, :], position[None, :, :], angles


@pytest.mark.parametrize("altitude_km", [34, 123, 146, 500, 1000])
def test_first_detection_at_the_horizon_closed_form(altitude_km):
    """A sea-level radar with unlimited range first sees a target at altitude h at the central
    angle arccos(R/(R+h)) (the geometric horizon of a sphere: a line from the radar tangent to the
    surface; e.g. 34 km is first seen 656 km away). Tolerance: 0.01 % of the distance, the sampling
    here being 1 m of ground."""
    times, positions, angles = approaching(altitude_km * 1e3)
    seen = radar_detections(radar(), times, positions, 1.0, np.array([1e9]), STILL)
    assert seen.reason[0] == NotSeen.SEEN
    angle_at_detection = np.interp(seen.detect_time_s[0], times[0], angles)
    expected = horizon_ground_range_m(altitude_km * 1e3, R) / R
    assert angle_at_detection == pytest.approx(expected, rel=1e-4)
    assert seen.track_time_s[0] == pytest.approx(seen.detect_time_s[0] + 10.0)


def test_radar_altitude_extends_the_horizon():
    """From 2,085 m (Kürecik) the horizon lies arccos(R/(R+2085)) further: 163 km on a 6,371 km Earth."""
    extra = horizon_ground_range_m(0.0, R, 2085.0)
    assert extra == pytest.approx(R * np.arccos(R / (R + 2085.0)))
    assert 162e3 < extra < 164e3


@settings(max_examples=40, deadline=None)
@given(st.floats(0.01, 10.0), st.floats(0.5, 64.0))
def test_detection_range_scales_as_fourth_root_of_rcs(rcs, factor):
    """Radar range equation at fixed power and dwell: R ∝ σ^¼ (σ ×16 doubles the range)."""
    r = radar(reference_range_m=1000e3, reference_rcs_m2=0.1)
    assert r.detection_range_m(rcs * factor) / r.detection_range_m(rcs) == pytest.approx(factor**0.25, rel=1e-12)
    assert r.detection_range_m(1.6) == pytest.approx(2000e3)


def test_range_limited_detection_happens_at_the_detection_range():
    """With the horizon far away (target at 2,000 km altitude) the limit is the detection range."""
    r = radar(reference_range_m=2500e3, reference_rcs_m2=1.0)
    times, positions, _ = approaching(2000e3)
    for rcs in (1.0, 16.0):
        seen = radar_detections(r, times, positions, np.array([rcs]), np.array([1e9]), STILL)
        at = np.array([np.interp(seen.detect_time_s[0], times[0], positions[0, :, k]) for k in range(3)])
        slant = np.linalg.norm(at - geodetic_to_ecef(0.0, 0.0, 0.0, STILL))
        assert slant == pytest.approx(r.detection_range_m(rcs), rel=1e-3)


def test_reasons_for_never_seeing():
    times, positions, _ = approaching(300e3, start_deg=30.0, steps=3001, end_deg=1.0)  # never overhead
    impact = np.array([1e9])
    # Boresight north with a ±30° sector: a target coming from the east is out of sector.
    narrow = radar(boresight_az_rad=0.0, azimuth_half_width_rad=np.radians(30.0))
    assert radar_detections(narrow, times, positions, 1.0, impact, STILL).reason[0] == NotSeen.OUT_OF_SECTOR
    short = radar(reference_range_m=100e3)
    assert radar_detections(short, times, positions, 1.0, impact, STILL).reason[0] == NotSeen.OUT_OF_RANGE
    low = approaching(300e3, start_deg=60.0, steps=3001)
    far = (low[0][:, :500], low[1][:, :500])  # stays beyond the horizon (60° .. 50°)
    assert radar_detections(radar(), *far, 1.0, impact, STILL).reason[0] == NotSeen.BELOW_HORIZON
    late = radar_detections(radar(track_formation_s=1e6), times, positions, 1.0, np.array([2000.0]), STILL)
    assert late.reason[0] == NotSeen.TOO_LATE and np.isnan(late.track_time_s[0])


def test_minimum_elevation_delays_detection():
    """A 5° minimum elevation sees the same target later than the 0° horizon."""
    times, positions, _ = approaching(500e3)
    impact = np.array([1e9])
    horizon = radar_detections(radar(), times, positions, 1.0, impact, STILL).detect_time_s[0]
    masked = radar_detections(radar(min_elevation_rad=np.radians(5.0)), times, positions, 1.0, impact, STILL)
    assert masked.detect_time_s[0] > horizon


def test_padding_after_impact_is_ignored():
    times, positions, _ = approaching(500e3, steps=2001)
    times = times.copy()
    times[0, 1000:] = np.nan
    seen = radar_detections(radar(), times, positions, 1.0, np.array([999.0]), STILL)
    assert seen.reason[0] in (NotSeen.SEEN, NotSeen.BELOW_HORIZON, NotSeen.TOO_LATE)
    assert np.isnan(seen.detect_time_s[0]) or seen.detect_time_s[0] <= 999.0


def test_satellites_report_after_their_delay():
    reports = satellite_reports(60.0, np.array([500.0, 40.0]))
    assert reports.track_time_s[0] == 60.0 and reports.reason[0] == NotSeen.SEEN
    assert np.isnan(reports.track_time_s[1]) and reports.reason[1] == NotSeen.TOO_LATE
