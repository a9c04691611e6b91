"""Targeted trajectories sampled in time, boost and free flight, for sensors, engagements and maps."""

from __future__ import annotations

import numpy as np

from securityroof.errors import InputError
from securityroof.physics import kernels
from securityroof.physics.ballistic import KeplerArcs, free_flight
from securityroof.physics.boost import boost_profile
from securityroof.physics.earth import (
    Earth,
    advance_along_great_circle,
    ecef_to_geodetic,
    inertial_to_ecef,
    surface_radius_m,
    unit,
)
from securityroof.physics.targeting import TargetingSolution

#: Samples one call may hold (about 2 GB of times, positions, speeds and flags).
MAX_SAMPLES = 50_000_000
#: Samples of one trajectory sampled on its own, which is read or printed sample by sample (0.03 s
#: over an ICBM's half hour).
MAX_SAMPLES_ONE_TRAJECTORY = 100_000


def sample_trajectories(
    solution: TargetingSolution, indices, step_s: float, earth: Earth, max_samples: int | None = None
) -> dict[str, np.ndarray]:
    """Targeted trajectories ``indices`` (M of them, all reachable) sampled every ``step_s`` seconds
    from launch, the last sample of each at its impact: arrays (M, T), NaN after a trajectory's
    impact, positions in ECEF, speed relative to the Earth, and ``boosting`` (M, T). A step that
    would need more than ``max_samples`` samples in all (default MAX_SAMPLES) is an InputError."""
    if not (np.isfinite(step_s) and step_s > 0):
        raise InputError(f"step_s: {step_s!r} must be a positive number of seconds")
    rows = np.atleast_1d(np.asarray(indices, dtype=int))
    if rows.size == 0:
        empty = np.empty((0, 1))
        return {
            "time_s": empty,
            "position_ecef_m": np.empty((0, 1, 3)),
            "speed_mps": empty,
            "boosting": empty.astype(bool),
        }
    impact = solution.impact.time_s[rows]
    burn = solution.burnout_time_s[rows]
    steps = np.ceil(np.max(impact, initial=0.0) / step_s) + 1.0
    limit = MAX_SAMPLES if max_samples is None else max_samples
    if rows.size * steps > limit:
        raise InputError(
            f"step_s: {step_s:g} s would need about {rows.size * steps:.2g} samples, more than {limit:,}: "
            "take a longer step"
        )
    steps = int(steps)
    grid = np.arange(steps) * step_s
    times = np.where(grid[None, :] < impact[:, None], grid[None, :], np.nan)
    # The impact itself ends each row, in the first slot at or after it.
    last = np.minimum(np.ceil(impact / step_s).astype(int), steps - 1)
    times[np.arange(rows.size), last] = impact
    boosting = times < burn[:, None]

    flying = np.isfinite(times) & ~boosting
    arcs = free_flight(solution.burnout_position_ecef_m[rows], solution.burnout_velocity_ecef_mps[rows], burn, earth)
    if isinstance(arcs, KeplerArcs) and kernels.active():
        position, speed = kernels.kepler_samples(arcs, times, grid, flying, earth.rotation_rate_rad_s)
    else:
        flight_times = np.where(flying, times, burn[:, None])
        r_eci, v_eci = arcs.states(flight_times)
        r_ecef, v_ecef = inertial_to_ecef(r_eci, v_eci, flight_times, earth)
        position = np.where(flying[..., None], r_ecef, np.nan)
        speed = np.where(flying, np.linalg.norm(v_ecef, axis=-1), np.nan)

    # The boost fills the first few columns only (burn times are minutes, flights up to an hour).
    boost_columns = int(np.count_nonzero(boosting.any(axis=0)))
    if boost_columns:
        lead = boosting[:, :boost_columns]
        shape = solution.boost
        one = type(shape)(**{f: getattr(shape, f)[rows] for f in shape.__dataclass_fields__})
        u_launch, heading = unit(solution.launch_ecef_m[rows]), solution.launch_heading_ecef[rows]
        if kernels.active():
            kernels.boost_samples(times, boost_columns, one, u_launch, heading, earth, position, speed)
        else:
            profile = boost_profile(one, np.where(lead, times[:, :boost_columns], 0.0))
            u_launch, heading = u_launch[:, None, :], heading[:, None, :]
            launch_radius = surface_radius_m(u_launch, earth)
            directions = advance_along_great_circle(u_launch, heading, profile["downrange_m"] / launch_radius)
            boost_position = (surface_radius_m(directions, earth) + profile["alt_m"])[..., None] * directions
            position[:, :boost_columns] = np.where(lead[..., None], boost_position, position[:, :boost_columns])
            speed[:, :boost_columns] = np.where(lead, profile["speed_mps"], speed[:, :boost_columns])
    return {"time_s": times, "position_ecef_m": position, "speed_mps": speed, "boosting": boosting}


def sample_trajectory(solution: TargetingSolution, index: int, step_s: float, earth: Earth) -> dict[str, np.ndarray]:
    """Samples of one targeted trajectory; see :meth:`TrajectorySet.samples`."""
    sampled = sample_trajectories(solution, [index], step_s, earth, MAX_SAMPLES_ONE_TRAJECTORY)
    keep = np.isfinite(sampled["time_s"][0])
    position = sampled["position_ecef_m"][0][keep]
    lat, lon, alt = ecef_to_geodetic(position, earth)
    return {
        "time_s": sampled["time_s"][0][keep],
        "position_ecef_m": position,
        "lat_deg": np.degrees(lat),
        "lon_deg": np.degrees(lon),
        "alt_m": alt,
        "speed_mps": sampled["speed_mps"][0][keep],
        "phase": np.where(sampled["boosting"][0][keep], "boost", "free-flight"),
    }
