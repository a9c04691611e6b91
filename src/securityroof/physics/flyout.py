"""Interceptor fly-out: how soon after lift-off an interceptor can be at a given ground range and
altitude from its site.

The table τ(ground range, altitude) is built by propagating a fan of interceptor trajectories
with the ballistic engine (the same kinematic boost as missiles, full burnout speed, burnout angles
from 2° to 88°), over a non-rotating sphere: an interceptor flies for minutes, over which the
Earth's rotation moves its intercept point by a few kilometres, well inside the uncertainty of
public interceptor parameters. For each altitude, the fan's crossings of that altitude, on the way
up (short ranges) and on the way down (long ranges, from the trajectories below the farthest-flying
one, which are the faster of the two through each point), are interpolated across the fan. Points
the fan never reaches are unreachable (``inf``).

Tables depend only on the class's parameters; :mod:`securityroof.io.flyout_cache` keeps them on disk.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from securityroof.physics.ballistic import free_flight
from securityroof.physics.boost import boost_profile, boost_shape
from securityroof.physics.earth import SPHERE
from securityroof.physics.parameters import InterceptorParameters

#: Bump when the table's construction changes, so cached tables are rebuilt.
TABLE_VERSION = 2  # 2: arcs above escape speed sampled, not NaN
_FAN_ANGLES_DEG = np.arange(2.0, 88.01, 0.5)
_SAMPLE_STEP_S = 0.5
#: Fly-outs longer than this (steep shots of the fastest interceptors, climbing for an hour) are cut:
#: no engagement in a ballistic missile's flight waits that long.
_LONGEST_FLYOUT_S = 1800.0
_RANGE_CELLS = 241
_ALTITUDE_CELLS = 161
#: Stand-in for "never" inside the table, so bilinear lookups next to the envelope's edge come out
#: huge (unreachable) instead of NaN.
NEVER_S = 1e9


@dataclass(frozen=True)
class FlyoutTable:
    """τ(ground range, altitude) in seconds after lift-off on a regular grid; ``inf`` where the
    interceptor cannot be."""

    ground_range_m: np.ndarray  # (G,)
    altitude_m: np.ndarray  # (H,)
    time_s: np.ndarray  # (G, H)

    @cached_property
    def time_or_never_s(self) -> np.ndarray:
        """``time_s`` with :data:`NEVER_S` for ``inf``: what the bilinear lookups interpolate."""
        return np.where(np.isfinite(self.time_s), self.time_s, NEVER_S)

    def __call__(self, ground_range_m, altitude_m) -> np.ndarray:
        """Bilinear interpolation; outside the grid, or next to unreachable cells, ``inf``
        (:func:`securityroof.physics.formulas.flyout_time`, as the compiled windows use it)."""
        from securityroof.physics import formulas  # numba, loaded when a table is first read

        g, h = np.broadcast_arrays(np.asarray(ground_range_m, dtype=float), np.asarray(altitude_m, dtype=float))
        out = np.empty(g.size)
        formulas.flyout_times(
            self.time_or_never_s, np.ascontiguousarray(g).reshape(-1), np.ascontiguousarray(h).reshape(-1),
            self.ground_range_m[-1], self.altitude_m[-1], NEVER_S, out,
        )  # fmt: skip
        return out.reshape(g.shape) if g.shape else out[0]


def fan_samples(interceptor: InterceptorParameters, angles_deg=_FAN_ANGLES_DEG, step_s: float = _SAMPLE_STEP_S):
    """Time, ground range and altitude (K, T) of full-speed interceptor trajectories fired at the
    burnout angles ``angles_deg`` over the non-rotating sphere, NaN after each lands."""
    earth = SPHERE.with_rotation(False)
    radius = earth.equatorial_radius_m
    angles = np.radians(np.asarray(angles_deg, dtype=float))
    k = angles.size
    shape = boost_shape(
        np.full(k, interceptor.burn_time_s),
        np.full(k, interceptor.burnout_speed_mps),
        angles,
        np.full(k, interceptor.burnout_altitude_m),
    )
    # Burnout state in a plane through the pole: launch at (0, 0), fired north.
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
    # above escape speed no arc comes down: all are sampled as long as a fly-out may last
    end = min(float(landing.max()), _LONGEST_FLYOUT_S) if landing.size else _LONGEST_FLYOUT_S
    times = np.arange(0.0, end + step_s, step_s)[None, :].repeat(k, 0)
    boosting = times < interceptor.burn_time_s
    r, _ = arcs.states(np.where(boosting, interceptor.burn_time_s, times))
    ground = np.arctan2(r[..., 2], r[..., 0]) * radius
    altitude = np.linalg.norm(r, axis=-1) - radius
    profile = boost_profile(shape, times)
    ground = np.where(boosting, profile["downrange_m"], ground)
    altitude = np.where(boosting, profile["alt_m"], altitude)
    landed = (altitude < 0.0) & ~boosting
    after = np.cumsum(landed, axis=1) > 0
    return (
        np.where(after, np.nan, times),
        np.where(after, np.nan, ground),
        np.where(after, np.nan, np.maximum(altitude, 0.0)),
    )


def build_table(interceptor: InterceptorParameters) -> FlyoutTable:
    """Fly-out table for one interceptor class (see the module docstring)."""
    times, ground, altitude = fan_samples(interceptor)
    reach = float(np.nanmax(ground))
    ranges = np.linspace(0.0, min(reach, interceptor.max_ground_range_km * 1e3), _RANGE_CELLS)
    top = min(float(np.nanmax(altitude)), interceptor.max_intercept_altitude_km * 1e3)
    altitudes = np.linspace(0.0, top, _ALTITUDE_CELLS)
    table = np.full((ranges.size, altitudes.size), np.inf)
    for j, level in enumerate(altitudes):
        (g_up, t_up), (g_down, t_down) = _crossings(times, ground, altitude, level)
        # The way-up crossings cover short ranges, the way-down ones long ranges; between them lies
        # the apex of the lowest trajectory that still reaches this altitude, where neighbouring
        # fan angles cross far apart, so the two sets are joined into one curve across it.
        crossing_range, crossing_time = np.concatenate([g_up, g_down]), np.concatenate([t_up, t_down])
        if crossing_range.size < 2:
            continue
        order = np.argsort(crossing_range)
        g, t = crossing_range[order], crossing_time[order]
        inside = (ranges >= g[0]) & (ranges <= g[-1])
        table[inside, j] = np.interp(ranges[inside], g, t)
    return FlyoutTable(ranges, altitudes, table)


def _crossings(times, ground, altitude, level):
    """Where and when the fan trajectories cross ``level`` going up, and coming down for the angles
    below the fan's farthest one (the faster of the two trajectories through each point)."""
    apex = np.nanargmax(np.where(np.isnan(altitude), -np.inf, altitude), axis=1)
    rows = np.arange(times.shape[0])
    reaches = altitude[rows, apex] >= level
    columns = np.arange(times.shape[1])[None, :]
    up_mask = (altitude >= level) & (columns <= apex[:, None])
    down_mask = (altitude >= level) & (columns >= apex[:, None])
    first_up = np.argmax(up_mask, axis=1)
    last_down = times.shape[1] - 1 - np.argmax(down_mask[:, ::-1], axis=1)
    up = _interpolate_crossing(times, ground, altitude, level, first_up - 1, first_up)
    following = np.minimum(last_down + 1, times.shape[1] - 1)
    down = _interpolate_crossing(times, ground, altitude, level, last_down, following)
    up = tuple(v[reaches] for v in up)
    down_ok = reaches & np.isfinite(down[0])
    down = tuple(v[down_ok] for v in down)
    if down[0].size:
        farthest = np.argmax(down[0])
        down = tuple(v[: farthest + 1] for v in down)
    return [up, down]


def _interpolate_crossing(times, ground, altitude, level, before, after):
    rows = np.arange(times.shape[0])
    before = np.clip(before, 0, None)
    h0, h1 = altitude[rows, before], altitude[rows, after]
    with np.errstate(invalid="ignore", divide="ignore"):
        fraction = np.clip(np.where(h1 != h0, (level - h0) / (h1 - h0), 0.0), 0.0, 1.0)
    t = times[rows, before] + fraction * (times[rows, after] - times[rows, before])
    g = ground[rows, before] + fraction * (ground[rows, after] - ground[rows, before])
    return g, t
