"""Engagement windows: which interceptor site can reach which threat trajectory, when, and how often.

For each (threat trajectory, interceptor site):

1. **cue**: the earliest fire-control track (a radar) that the sharing policy lets cue this site,
   and the earliest warning (a radar track or an early-warning satellite report) that starts the
   decision: earliest launch = max(track, warning + decision delay) + the interceptor's launch delay;
2. **feasible intercept points**: threat samples inside the interceptor's envelope (altitude between
   its minimum and maximum, ground range within its maximum) that its fly-out reaches no later than
   the threat: launch + τ(ground range, altitude) ≤ t;
3. **window**: the first and last feasible intercept times, the altitude at the first, and the
   number of shot opportunities with shoot-look-shoot: after each intercept the kill assessment
   takes ``kill_assessment_s``, and the next interceptor lifts off ``launch_delay_s`` after that.

Infeasible engagements say why, in this order of precedence: ``threat-out-of-range`` (the missile
cannot reach its aim point), ``not-detected`` (no sensor tracks it), ``not-shared`` (a sensor
tracks it but the sharing policy keeps the track from this site), ``out-of-reach`` (it never passes
through the interceptor's envelope), ``below-min-altitude`` (it passes within range only below
the interceptor's minimum altitude), ``too-late`` (inside the envelope, but the interceptor cannot
get there in time).

Vectorized over threats × samples for one site at a time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .earth import Earth, central_angle, ecef_to_geodetic, geodetic_to_ecef, unit
from .interceptors import FlyoutTable

REASONS = {
    0: None,
    1: "threat-out-of-range",
    2: "not-detected",
    3: "not-shared",
    4: "out-of-reach",
    5: "below-min-altitude",
    6: "too-late",
}
_FEASIBLE, _THREAT_OUT_OF_RANGE, _NOT_DETECTED, _NOT_SHARED, _OUT_OF_REACH, _BELOW_MIN, _TOO_LATE = range(7)
#: Shot opportunities counted at most (shoot-look-shoot rarely allows more than a few).
MAX_SHOTS = 8


@dataclass(frozen=True)
class Site:
    """An interceptor site and what its class can do, in SI units."""

    lat_rad: float
    lon_rad: float
    alt_m: float
    min_intercept_alt_m: float
    max_intercept_alt_m: float
    max_ground_range_m: float
    launch_delay_s: float
    flyout: FlyoutTable


@dataclass(frozen=True)
class Samples:
    """N threat trajectories sampled in time (NaN after impact), with what the engagement needs."""

    time_s: np.ndarray  # (N, T)
    position_ecef_m: np.ndarray  # (N, T, 3)
    alt_m: np.ndarray  # (N, T) geodetic
    boosting: np.ndarray  # (N, T)

    @classmethod
    def from_positions(cls, time_s, position_ecef_m, boosting, earth: Earth) -> Samples:
        _, _, alt = ecef_to_geodetic(position_ecef_m, earth)
        return cls(time_s, position_ecef_m, np.where(np.isfinite(time_s), alt, np.nan), boosting)


@dataclass(frozen=True)
class Windows:
    """Engagements of one site against N threats."""

    reason: np.ndarray  # (N,) codes of REASONS
    launch_time_s: np.ndarray
    window_start_s: np.ndarray
    window_end_s: np.ndarray
    intercept_alt_m: np.ndarray  # at the window's start
    intercept_position_ecef_m: np.ndarray  # (N, 3)
    shots: np.ndarray  # (N,) int

    @property
    def feasible(self) -> np.ndarray:
        return self.reason == _FEASIBLE


def earliest_launch(track_time_s, warning_time_s, decision_delay_s: float, launch_delay_s: float) -> np.ndarray:
    """Lift-off needs a fire-control track; the decision to fire starts with the first warning."""
    return np.maximum(track_time_s, warning_time_s + decision_delay_s) + launch_delay_s


def engagement_windows(
    site: Site,
    samples: Samples,
    launch_time_s: np.ndarray,
    kill_assessment_s: float,
    earth: Earth,
) -> Windows:
    """Windows of one site against N sampled threats, given each threat's earliest launch time
    (NaN where no allowed track exists; the caller sets the reason then)."""
    times = samples.time_s
    site_up = unit(geodetic_to_ecef(site.lat_rad, site.lon_rad, site.alt_m, earth))
    mean_radius = (2.0 * earth.equatorial_radius_m + earth.polar_radius_m) / 3.0
    ground = central_angle(site_up, unit(np.nan_to_num(samples.position_ecef_m))) * mean_radius
    altitude = samples.alt_m
    valid = np.isfinite(times) & ~samples.boosting
    in_range = valid & (ground <= site.max_ground_range_m)
    in_envelope = in_range & (altitude >= site.min_intercept_alt_m) & (altitude <= site.max_intercept_alt_m)
    # The fly-out table was built over a sphere of the mean radius; its altitudes are heights.
    flyout = np.where(
        in_envelope, site.flyout(np.where(in_envelope, ground, 0.0), np.where(in_envelope, altitude, 0.0)), np.inf
    )
    reachable = in_envelope & np.isfinite(flyout)

    launch = np.asarray(launch_time_s, dtype=float)
    first_time, first_index = _first_feasible(times, flyout, reachable, launch)
    feasible_any = np.isfinite(first_time)
    feasible_mask = reachable & (times >= launch[:, None] + flyout)
    last_time = np.where(feasible_any, np.nanmax(np.where(feasible_mask, times, -np.inf), axis=1), np.nan)

    shots = feasible_any.astype(np.int64)
    next_time = first_time
    for _ in range(MAX_SHOTS - 1):
        following_launch = next_time + kill_assessment_s + site.launch_delay_s
        next_time, _ = _first_feasible(times, flyout, reachable, following_launch)
        shots += np.isfinite(next_time)
        if not np.isfinite(next_time).any():
            break

    rows = np.arange(times.shape[0])
    index = np.where(feasible_any, first_index, 0)
    reason = np.select(
        [
            feasible_any,
            reachable.any(axis=1),
            in_range.any(axis=1)
            & (np.nanmax(np.where(in_range, altitude, -np.inf), axis=1) < site.min_intercept_alt_m),
        ],
        [_FEASIBLE, _TOO_LATE, _BELOW_MIN],
        default=_OUT_OF_REACH,
    )
    return Windows(
        reason=reason.astype(np.int8),
        launch_time_s=launch,
        window_start_s=first_time,
        window_end_s=last_time,
        intercept_alt_m=np.where(feasible_any, altitude[rows, index], np.nan),
        intercept_position_ecef_m=np.where(feasible_any[:, None], samples.position_ecef_m[rows, index], np.nan),
        shots=shots,
    )


def _first_feasible(times, flyout, reachable, launch):
    """Earliest sample time where an interceptor launched at ``launch`` (N,) arrives in time."""
    ok = reachable & (times >= launch[:, None] + flyout)
    any_ok = ok.any(axis=1)
    index = np.argmax(ok, axis=1)
    first = np.where(any_ok, times[np.arange(times.shape[0]), index], np.nan)
    return first, index
