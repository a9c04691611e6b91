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

from securityroof.physics import kernels
from securityroof.physics.ballistic import free_flight
from securityroof.physics.boost import boost_profile, boost_shape
from securityroof.physics.earth import SPHERE
from securityroof.physics.kernels import NEVER_S
from securityroof.physics.parameters import InterceptorParameters

#: Bump when the table's construction changes, so cached tables are rebuilt.
TABLE_VERSION = (
    3  # 2: arcs above escape speed sampled, not NaN; 3: near-parabolic arcs (10-11 km/s) solved, not false landings
)
_FAN_ANGLES_DEG = np.arange(2.0, 88.01, 0.5)
_SAMPLE_STEP_S = 0.5
#: Fly-outs longer than this (steep shots of the fastest interceptors, climbing for an hour) are cut:
#: no engagement in a ballistic missile's flight waits that long.
_LONGEST_FLYOUT_S = 1800.0
_RANGE_CELLS = 241
_ALTITUDE_CELLS = 161


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
    lands = np.isfinite(landing)
    # above escape speed no arc comes down: all are sampled as long as a fly-out may last
    end = min(float(landing[lands].max()), _LONGEST_FLYOUT_S) if lands.any() else _LONGEST_FLYOUT_S
    grid = np.arange(0.0, end + step_s, step_s)
    times = grid[None, :].repeat(k, 0)
    boosting = times < interceptor.burn_time_s
    # an arc that comes down ends at its first sample below the surface, the first after its landing
    after = times > np.where(lands, landing, np.inf)[:, None]
    flying = ~boosting & ~after
    r = _free_flight_positions(arcs, position, velocity, shape.burn_time_s, earth, times, grid, flying)
    ground = np.arctan2(r[..., 2], r[..., 0]) * radius
    altitude = np.linalg.norm(r, axis=-1) - radius
    boost = int(np.count_nonzero(grid < interceptor.burn_time_s))  # the boost's samples: the first of each row
    profile = boost_profile(shape, times[:, :boost])
    ground[:, :boost] = profile["downrange_m"]
    altitude[:, :boost] = profile["alt_m"]
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
    (g_up, t_up, up_ok), (g_down, t_down, down_ok) = _crossings(times, ground, altitude, altitudes)
    for j in range(altitudes.size):
        g_rising, t_rising = g_up[up_ok[:, j], j], t_up[up_ok[:, j], j]
        g_falling, t_falling = g_down[down_ok[:, j], j], t_down[down_ok[:, j], j]
        if g_falling.size:
            # only the angles below the fan's farthest one at this altitude
            farthest = np.argmax(g_falling)
            g_falling, t_falling = g_falling[: farthest + 1], t_falling[: farthest + 1]
        # The way-up crossings cover short ranges, the way-down ones long ranges; between them lies
        # the apex of the lowest trajectory that still reaches this altitude, where neighbouring
        # fan angles cross far apart, so the two sets are joined into one curve across it.
        crossing_range, crossing_time = np.concatenate([g_rising, g_falling]), np.concatenate([t_rising, t_falling])
        if crossing_range.size < 2:
            continue
        order = np.argsort(crossing_range)
        g, t = crossing_range[order], crossing_time[order]
        inside = (ranges >= g[0]) & (ranges <= g[-1])
        table[inside, j] = np.interp(ranges[inside], g, t)
    return FlyoutTable(ranges, altitudes, table)


def _crossings(times, ground, altitude, levels):
    """Where and when (K, H) each fan trajectory crosses each of ``levels`` going up, and coming
    down, with whether it does (the faster of the two trajectories through a point is picked by
    :func:`build_table`).

    A trajectory's first sample at or above a level before its apex is the first where the running
    maximum of its altitude is, and its last one at or above it from the apex on is the last where
    the running maximum from its end is; both running maxima are sorted, so one binary search per
    trajectory finds the samples bracketing every level, whatever plateaus or dips the climb has."""
    k, t_count = times.shape
    rows = np.arange(k)
    landed = np.isnan(altitude)  # after landing only, so never before the apex
    apex = np.argmax(np.where(landed, -np.inf, altitude), axis=1)
    rising = np.maximum.accumulate(altitude, axis=1)
    falling = np.maximum.accumulate(np.where(landed, -np.inf, altitude)[:, ::-1], axis=1)  # from the end
    first_up = np.empty((k, levels.size), dtype=int)
    last_down = np.empty((k, levels.size), dtype=int)
    for i in rows:
        first_up[i] = np.searchsorted(rising[i, : apex[i] + 1], levels, side="left")
        from_apex = falling[i, : t_count - apex[i]]  # the samples from the apex on, last first
        last_down[i] = apex[i] + from_apex.size - 1 - np.searchsorted(from_apex, levels, side="left")
    reaches = altitude[rows, apex][:, None] >= levels
    # levels a trajectory never reaches get its apex, read but not used
    first_up = np.minimum(first_up, apex[:, None])
    last_down = np.maximum(last_down, apex[:, None])
    up = _interpolate_crossing(times, ground, altitude, levels, first_up - 1, first_up)
    following = np.minimum(last_down + 1, t_count - 1)
    down = _interpolate_crossing(times, ground, altitude, levels, last_down, following)
    return (*up, reaches), (*down, reaches & np.isfinite(down[0]))


def _interpolate_crossing(times, ground, altitude, level, before, after):
    rows = np.arange(times.shape[0])[:, None]
    before = np.clip(before, 0, None)
    h0, h1 = altitude[rows, before], altitude[rows, after]
    with np.errstate(invalid="ignore", divide="ignore"):
        fraction = np.clip(np.where(h1 != h0, (level - h0) / (h1 - h0), 0.0), 0.0, 1.0)
    t = times[rows, before] + fraction * (times[rows, after] - times[rows, before])
    g = ground[rows, before] + fraction * (ground[rows, after] - ground[rows, before])
    return g, t


def _free_flight_positions(arcs, position, velocity, burn_time_s, earth, times, grid, flying):
    """Positions (K, T, 3) of the fan's free flights at ``times`` where ``flying``, NaN elsewhere:
    the compiled Kepler sampler for the arcs that come down or orbit, Kepler's equation in numpy
    for the escaping ones (and for all, when the kernels are off)."""
    r = np.full(times.shape + (3,), np.nan)
    compiled = arcs.bound & kernels.active()
    if compiled.any():
        r[compiled], _ = kernels.kepler_samples(
            arcs, times[compiled], grid, flying[compiled], earth.rotation_rate_rad_s, rows=compiled
        )
    if not compiled.all():
        rest = ~compiled
        flight_times = np.where(flying[rest], times[rest], burn_time_s[rest, None])
        states, _ = free_flight(position[rest], velocity[rest], burn_time_s[rest], earth).states(flight_times)
        r[rest] = np.where(flying[rest, :, None], states, np.nan)
    return r
