"""The kinematic boost model: monotone, consistent with targeting, and continuous at burnout."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import trapezoid

import securityroof as sr
from securityroof.physics.boost import (
    blend_limit_angle,
    boost_profile,
    boost_shape,
    sin_flight_path_angle,
    speed_fraction,
)


def test_speed_profile_follows_the_rocket_equation():
    """Constant mass flow, mass ratio 10: v(x)/v_bo = ln(1 − 0.9x)/ln(0.1); zero at lift-off,
    one at burnout, and accelerating (convex) throughout."""
    x = np.linspace(0.0, 1.0, 101)
    s = speed_fraction(x)
    assert s[0] == 0.0 and s[-1] == pytest.approx(1.0)
    assert np.all(np.diff(s) > 0) and np.all(np.diff(s, 2) > 0)
    assert speed_fraction(0.5) == pytest.approx(np.log(0.55) / np.log(0.1))


@settings(max_examples=50, deadline=None)
@given(st.floats(0.02, 1.55), st.floats(0.0, 1.0))
def test_tabulated_integrals_match_direct_quadrature(gamma, blend):
    """Altitude is closed form; downrange comes from a table: both within 0.5 % of a 200,001-point
    trapezoid (worst near vertical burnout, where the downrange is tiny)."""
    x = np.linspace(0.0, 1.0, 200_001)
    speed = speed_fraction(x)
    sin_gamma = sin_flight_path_angle(x, blend, np.sin(gamma))
    climb = trapezoid(speed * sin_gamma, x)
    along = trapezoid(speed * np.sqrt(np.clip(1 - sin_gamma**2, 0, None)), x)
    shape = boost_shape(1.0, 1.0, gamma, climb)
    assert shape.burnout_alt_m == pytest.approx(climb, rel=1e-9)
    assert shape.downrange_m == pytest.approx(along, rel=5e-3)
    assert shape.pitch_blend == pytest.approx(blend, abs=1e-6)


def test_nominal_altitude_is_met_where_attainable_and_clamped_where_not():
    shape = boost_shape([170.0] * 3, [7000.0] * 3, np.radians([22.0, 22.0, 70.0]), [200e3, 50e3, 200e3])
    assert shape.burnout_alt_m[0] == pytest.approx(200e3)
    assert shape.burnout_alt_m[1] > 50e3  # cannot climb that little at this speed and angle
    assert shape.burnout_alt_m[2] > 200e3  # a steep shot climbs higher than nominal
    assert shape.pitch_blend[1] == 0.0 and shape.pitch_blend[2] == 0.0


@pytest.mark.parametrize("blend", [0.0, 1.0])
@pytest.mark.parametrize(
    "burn_time_s,speed_mps,alt_m", [(110.0, 2777.0, 90e3), (60.0, 3000.0, 50e3), (170.0, 7000.0, 300e3)]
)
def test_blend_limit_angle_is_where_the_blend_reaches_its_bound(burn_time_s, speed_mps, alt_m, blend):
    """At the angle returned the altitude-matching blend is exactly the bound; a little to one side
    the nominal altitude is met with a blend inside (0, 1), to the other it is clamped."""
    angle = blend_limit_angle(burn_time_s, speed_mps, alt_m, blend)
    assert np.isfinite(angle)
    at = boost_shape(burn_time_s, speed_mps, angle, alt_m)
    assert at.pitch_blend == pytest.approx(blend, abs=1e-9)
    assert at.burnout_alt_m == pytest.approx(alt_m, rel=1e-9)
    inside = 1e-3 if blend == 1.0 else -1e-3  # steeper shots need an earlier pitch-over (smaller blend)
    within, clamped = boost_shape(burn_time_s, speed_mps, angle + np.array([inside, -inside]), alt_m).pitch_blend
    assert 0.0 < within < 1.0 and clamped == blend


def test_blend_limit_angle_is_nan_where_no_angle_reaches_the_bound():
    assert np.isnan(blend_limit_angle(0.0, 3000.0, 0.0, 1.0))  # the ideal missile has no boost
    # too slow to climb 300 km at any angle: the blend is clamped at 1 up to the vertical
    assert np.isnan(blend_limit_angle(60.0, 1000.0, 300e3, 1.0))
    # fast enough to climb 200 km even burning out horizontally: no blend of 1 is ever needed
    assert np.isnan(blend_limit_angle(180.0, 6270.0, 200e3, 1.0))


def test_ideal_missile_has_no_boost():
    shape = boost_shape(0.0, 5000.0, 0.5, 0.0)
    assert shape.burnout_alt_m == 0.0 and shape.downrange_m == 0.0


def test_profile_is_monotone_and_ends_on_the_burnout_point():
    shape = boost_shape(
        np.array([170.0, 110.0]), np.array([7000.0, 3100.0]), np.radians([22.0, 40.0]), np.array([200e3, 90e3])
    )
    times = np.linspace(0.0, 1.0, 200)[None, :] * shape.burn_time_s[:, None]
    profile = boost_profile(shape, times)
    for key in ("alt_m", "downrange_m", "speed_mps"):
        assert np.all(np.diff(profile[key], axis=1) >= 0), key
    assert np.all(np.diff(profile["flight_path_angle_rad"], axis=1) <= 1e-12)
    assert profile["flight_path_angle_rad"][:, 0] == pytest.approx(np.pi / 2)
    assert profile["alt_m"][:, -1] == pytest.approx(shape.burnout_alt_m)
    assert profile["downrange_m"][:, -1] == pytest.approx(shape.downrange_m)
    assert profile["speed_mps"][:, -1] == pytest.approx(shape.burnout_speed_mps)


@pytest.mark.parametrize("missile", ["shahab-3", "ss-27", "generic-icbm-liquid"])
def test_sampled_trajectory_is_continuous_through_burnout(missile):
    """Samples just before and after burnout agree with the burnout state (position within the
    distance flown in the gap, speed within the speed gained), so a sensor sees one smooth track."""
    launch, aim = (38.08, 46.29), (39.93, 32.86)
    if missile != "shahab-3":
        launch, aim = (51.67, 45.57), (38.91, -77.04) if missile == "ss-27" else (51.51, -0.13)
        launch = (51.67, 45.57) if missile == "ss-27" else (35.23, 53.92)
    result = sr.trajectories(launch[0], launch[1], aim[0], aim[1], missile=missile)
    assert result.solution.reachable[0]
    t_bo = result.solution.burnout_time_s[0]
    samples = result.samples(0, 0.05)
    near = np.argmin(np.abs(samples["time_s"] - t_bo))
    before, after = near - 1, near + 1
    burnout = result.solution.burnout_position_ecef_m[0]
    speed = result.solution.burnout_speed_mps[0]
    for i in (before, after):
        gap = abs(samples["time_s"][i] - t_bo)
        assert np.linalg.norm(samples["position_ecef_m"][i] - burnout) <= 1.05 * speed * gap + 1.0
        assert samples["speed_mps"][i] == pytest.approx(speed, rel=0.01)
    assert samples["phase"][before] == "boost" and samples["phase"][after] == "free-flight"
    assert samples["alt_m"][-1] == pytest.approx(0.0, abs=1.0)
