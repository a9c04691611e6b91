"""The fly-out table against the algorithm it replaced: the fan sampled in numpy over every sample,
and each altitude's crossings found by its own pass over the whole fan.

The table now finds every level's crossings in one pass per trajectory and samples the fan with the
compiled Kepler sampler; both must give the same table, to rounding. Near escape speed (10-11 km/s,
eccentricities within 1e-4 of 1) Kepler's equation needs Danby's start in both, which the fan's shape
checks: a divergent solution shows as a jump or a landing in mid-flight.
"""

import numpy as np
import pytest
from conftest import make_interceptor

from securityroof.analysis.deterrence import _faster
from securityroof.physics import kernels
from securityroof.physics.ballistic import free_flight
from securityroof.physics.boost import boost_profile, boost_shape
from securityroof.physics.earth import SPHERE
from securityroof.physics.flyout import _FAN_ANGLES_DEG, _LONGEST_FLYOUT_S, build_table, fan_samples

pytestmark = pytest.mark.skipif(not kernels.active(), reason="compiled kernels off (no numba, or SECURITYROOF_JIT=0)")

CLASSES = {
    "sm-3-like": make_interceptor(),
    "short-burn": make_interceptor(burnout_speed_km_s=3.0, burn_time_s=20.0),
    "low-burnout": make_interceptor(burnout_speed_km_s=1.2, burnout_altitude_km=10.0, burn_time_s=8.0),
    "lifted-0.7": _faster(make_interceptor(), 0.7),
    "lifted-6.0": _faster(make_interceptor(), 6.0),
    "lifted-9.9": _faster(make_interceptor(), 9.9),
    "near-escape-10.5": _faster(make_interceptor(), 10.5),
    "near-escape-11.0": _faster(make_interceptor(), 11.0),
    "escaping-12.0": _faster(make_interceptor(), 12.0),
}


@pytest.mark.parametrize("name", CLASSES)
def test_the_table_is_the_per_level_algorithms(name):
    interceptor = CLASSES[name]
    new, old = build_table(interceptor), _per_level_table(interceptor)
    np.testing.assert_allclose(new.ground_range_m, old[0], rtol=1e-12, atol=0.0)
    np.testing.assert_allclose(new.altitude_m, old[1], rtol=1e-12, atol=0.0)
    assert np.array_equal(np.isinf(new.time_s), np.isinf(old[2]))
    finite = np.isfinite(old[2])
    assert finite.sum() > 10_000
    np.testing.assert_allclose(new.time_s[finite], old[2][finite], rtol=1e-9, atol=0.0)


@pytest.mark.parametrize("speed_km_s", [10.0, 10.5, 11.0])
def test_near_escape_every_arc_climbs_to_one_apex_and_lands_only_at_the_surface(speed_km_s):
    times, _, altitude = fan_samples(_faster(make_interceptor(), speed_km_s))
    for row_times, row in zip(times, altitude, strict=True):
        flying = row[np.isfinite(row_times)]
        apex = np.argmax(flying)
        assert np.all(np.diff(flying[: apex + 1]) >= 0.0) and np.all(np.diff(flying[apex:]) <= 0.0)
        if flying.size < row.size:  # came down: its last sample is within half a second of the surface
            assert flying[-1] < 10e3


def _per_level_table(interceptor):
    times, ground, altitude = _numpy_fan(interceptor)
    reach = float(np.nanmax(ground))
    ranges = np.linspace(0.0, min(reach, interceptor.max_ground_range_km * 1e3), 241)
    top = min(float(np.nanmax(altitude)), interceptor.max_intercept_altitude_km * 1e3)
    altitudes = np.linspace(0.0, top, 161)
    table = np.full((ranges.size, altitudes.size), np.inf)
    for j, level in enumerate(altitudes):
        (g_up, t_up), (g_down, t_down) = _level_crossings(times, ground, altitude, level)
        crossing_range, crossing_time = np.concatenate([g_up, g_down]), np.concatenate([t_up, t_down])
        if crossing_range.size < 2:
            continue
        order = np.argsort(crossing_range)
        g, t = crossing_range[order], crossing_time[order]
        inside = (ranges >= g[0]) & (ranges <= g[-1])
        table[inside, j] = np.interp(ranges[inside], g, t)
    return ranges, altitudes, table


def _numpy_fan(interceptor, step_s=0.5):
    earth = SPHERE.with_rotation(False)
    radius = earth.equatorial_radius_m
    angles = np.radians(_FAN_ANGLES_DEG)
    k = angles.size
    shape = boost_shape(
        np.full(k, interceptor.burn_time_s),
        np.full(k, interceptor.burnout_speed_mps),
        angles,
        np.full(k, interceptor.burnout_altitude_m),
    )
    theta = shape.downrange_m / radius
    burnout_radius = radius + shape.burnout_alt_m
    position = burnout_radius[:, None] * np.stack([np.cos(theta), np.zeros(k), np.sin(theta)], -1)
    up = position / burnout_radius[:, None]
    north = np.stack([-np.sin(theta), np.zeros(k), np.cos(theta)], -1)
    speed = shape.burnout_speed_mps
    velocity = (speed * np.cos(angles))[:, None] * north + (speed * np.sin(angles))[:, None] * up
    arcs = free_flight(position, velocity, shape.burn_time_s, earth)
    landing = arcs.impact().time_s
    landing = landing[np.isfinite(landing)]
    end = min(float(landing.max()), _LONGEST_FLYOUT_S) if landing.size else _LONGEST_FLYOUT_S
    times = np.arange(0.0, end + step_s, step_s)[None, :].repeat(k, 0)
    boosting = times < interceptor.burn_time_s
    r, _ = arcs.states(np.where(boosting, interceptor.burn_time_s, times))
    ground = np.arctan2(r[..., 2], r[..., 0]) * radius
    altitude = np.linalg.norm(r, axis=-1) - radius
    profile = boost_profile(shape, times)
    ground = np.where(boosting, profile["downrange_m"], ground)
    altitude = np.where(boosting, profile["alt_m"], altitude)
    after = np.cumsum((altitude < 0.0) & ~boosting, axis=1) > 0
    return (
        np.where(after, np.nan, times),
        np.where(after, np.nan, ground),
        np.where(after, np.nan, np.maximum(altitude, 0.0)),
    )


def _level_crossings(times, ground, altitude, level):
    apex = np.nanargmax(np.where(np.isnan(altitude), -np.inf, altitude), axis=1)
    rows = np.arange(times.shape[0])
    reaches = altitude[rows, apex] >= level
    columns = np.arange(times.shape[1])[None, :]
    up_mask = (altitude >= level) & (columns <= apex[:, None])
    down_mask = (altitude >= level) & (columns >= apex[:, None])
    first_up = np.argmax(up_mask, axis=1)
    last_down = times.shape[1] - 1 - np.argmax(down_mask[:, ::-1], axis=1)
    up = _crossing(times, ground, altitude, level, first_up - 1, first_up)
    down = _crossing(times, ground, altitude, level, last_down, np.minimum(last_down + 1, times.shape[1] - 1))
    up = tuple(v[reaches] for v in up)
    down_ok = reaches & np.isfinite(down[0])
    down = tuple(v[down_ok] for v in down)
    if down[0].size:
        farthest = np.argmax(down[0])
        down = tuple(v[: farthest + 1] for v in down)
    return [up, down]


def _crossing(times, ground, altitude, level, before, after):
    rows = np.arange(times.shape[0])
    before = np.clip(before, 0, None)
    h0, h1 = altitude[rows, before], altitude[rows, after]
    with np.errstate(invalid="ignore", divide="ignore"):
        fraction = np.clip(np.where(h1 != h0, (level - h0) / (h1 - h0), 0.0), 0.0, 1.0)
    t = times[rows, before] + fraction * (times[rows, after] - times[rows, before])
    g = ground[rows, before] + fraction * (ground[rows, after] - ground[rows, before])
    return g, t
