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
from functools import cached_property

import numpy as np

from securityroof.physics import kernels
from securityroof.physics.earth import Earth, ecef_to_geodetic, geodetic_to_ecef, unit
from securityroof.physics.flyout import FlyoutTable
from securityroof.physics.reasons import Infeasible

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
    """N threat trajectories sampled in time (NaN after impact), with what the engagement needs.

    Heights and directions are derived when first asked for: the compiled windows kernel derives
    them itself, and only near the sites."""

    time_s: np.ndarray  # (N, T)
    position_ecef_m: np.ndarray  # (N, T, 3)
    boosting: np.ndarray  # (N, T)
    earth: Earth
    speed_mps: np.ndarray | None = None  # (N, T) relative to the Earth, when known

    @cached_property
    def angle_per_sample(self) -> np.ndarray:
        """(N,) an upper bound on the geocentric angle each trajectory moves between consecutive
        samples: its top speed (sampled, with a wide margin for between samples) times the longest
        sample spacing, over the smallest radius it can be at (the polar one). NaN if unknown."""
        n, t = self.time_s.shape
        if self.speed_mps is None or t < 2:
            return np.full(n, np.nan)
        spacing = np.fmax.reduce(np.diff(self.time_s, axis=1), axis=1)
        top_speed = np.fmax.reduce(self.speed_mps, axis=1)
        return 1.01 * (1.1 * top_speed + 1e3) * spacing / self.earth.polar_radius_m

    @cached_property
    def _padded(self) -> np.ndarray:
        return np.where(np.isfinite(self.time_s)[..., None], self.position_ecef_m, [0.0, 0.0, 1.0])

    @cached_property
    def direction(self) -> np.ndarray:
        """(N, T, 3) geocentric unit vectors (padding: the +z axis)."""
        return unit(self._padded)

    @cached_property
    def alt_m(self) -> np.ndarray:
        """(N, T) geodetic heights (padding: NaN)."""
        _, _, alt = ecef_to_geodetic(self._padded, self.earth)
        return np.where(np.isfinite(self.time_s), alt, np.nan)


@dataclass(frozen=True)
class Windows:
    """Engagements of one site against N threats."""

    reason: np.ndarray  # (N,) Infeasible codes
    launch_time_s: np.ndarray
    window_start_s: np.ndarray
    window_end_s: np.ndarray
    intercept_alt_m: np.ndarray  # at the window's start
    intercept_position_ecef_m: np.ndarray  # (N, 3)
    shots: np.ndarray  # (N,) int
    launch_margin_s: np.ndarray  # how much later than launch_time_s a launch could still intercept

    @property
    def feasible(self) -> np.ndarray:
        return self.reason == Infeasible.FEASIBLE


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
    launch = np.asarray(launch_time_s, dtype=float)
    if kernels.active():
        return _compiled_windows([site], samples, launch[None, :], kill_assessment_s, earth)[0]
    times = samples.time_s
    site_up = unit(geodetic_to_ecef(site.lat_rad, site.lon_rad, site.alt_m, earth))
    ground = np.arccos(np.clip(samples.direction @ site_up, -1.0, 1.0)) * earth.mean_radius_m
    altitude = samples.alt_m
    valid = np.isfinite(times) & ~samples.boosting
    in_range = valid & (ground <= site.max_ground_range_m)
    in_envelope = in_range & (altitude >= site.min_intercept_alt_m) & (altitude <= site.max_intercept_alt_m)
    # The fly-out table was built over a sphere of the mean radius; its altitudes are heights.
    flyout = np.full(times.shape, np.inf)
    flyout[in_envelope] = site.flyout(ground[in_envelope], altitude[in_envelope])
    reachable = in_envelope & np.isfinite(flyout)

    first_time, first_index = _first_feasible(times, flyout, reachable, launch)
    feasible_any = np.isfinite(first_time)
    feasible_mask = reachable & (times >= launch[:, None] + flyout)
    last_time = np.where(feasible_any, np.nanmax(np.where(feasible_mask, times, -np.inf), axis=1), np.nan)
    # The latest lift-off that still meets the threat somewhere: the slack the decision has.
    latest_launch = np.max(np.where(reachable, times - flyout, -np.inf), axis=1)
    margin = np.where(feasible_any, latest_launch - launch, np.nan)

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
        [Infeasible.FEASIBLE, Infeasible.TOO_LATE, Infeasible.BELOW_MIN],
        default=Infeasible.OUT_OF_REACH,
    )
    return Windows(
        reason=reason.astype(np.int8),
        launch_time_s=launch,
        window_start_s=first_time,
        window_end_s=last_time,
        intercept_alt_m=np.where(feasible_any, altitude[rows, index], np.nan),
        intercept_position_ecef_m=np.where(feasible_any[:, None], samples.position_ecef_m[rows, index], np.nan),
        shots=shots,
        launch_margin_s=margin,
    )


def sites_engagement_windows(
    sites: list[Site], samples: Samples, launch_time_s, kill_assessment_s: float, earth: Earth
):
    """:func:`engagement_windows` of each of ``sites`` (launch times (S, N), a row per site)."""
    launch = np.asarray(launch_time_s, dtype=float).reshape(len(sites), samples.time_s.shape[0])
    if kernels.active() and sites:
        return _compiled_windows(sites, samples, launch, kill_assessment_s, earth)
    return [
        engagement_windows(site, samples, row, kill_assessment_s, earth)
        for site, row in zip(sites, launch, strict=True)
    ]


def _compiled_windows(sites: list[Site], samples: Samples, launch, kill_assessment_s, earth: Earth) -> list[Windows]:
    """:func:`engagement_windows` for every site by the compiled kernel: each threat against all
    sites while its samples are in cache, with the same arithmetic as the reference."""
    site_up = [unit(geodetic_to_ecef(site.lat_rad, site.lon_rad, site.alt_m, earth)) for site in sites]
    found = kernels.sites_windows(
        samples, launch, sites, np.reshape(site_up, (len(sites), 3)), earth, kill_assessment_s, MAX_SHOTS
    )
    rows = np.arange(samples.time_s.shape[0])
    windows = []
    for j in range(len(sites)):
        feasible = found.first_index[j] >= 0
        index = np.where(feasible, found.first_index[j], 0)
        windows.append(
            Windows(
                reason=found.reason[j],
                launch_time_s=launch[j],
                window_start_s=found.first_time[j],
                window_end_s=found.last_time[j],
                intercept_alt_m=found.first_alt[j],
                intercept_position_ecef_m=np.where(feasible[:, None], samples.position_ecef_m[rows, index], np.nan),
                shots=found.shots[j],
                launch_margin_s=found.margin[j],
            )
        )
    return windows


def _first_feasible(times, flyout, reachable, launch):
    """Earliest sample time where an interceptor launched at ``launch`` (N,) arrives in time."""
    ok = reachable & (times >= launch[:, None] + flyout)
    any_ok = ok.any(axis=1)
    index = np.argmax(ok, axis=1)
    first = np.where(any_ok, times[np.arange(times.shape[0]), index], np.nan)
    return first, index
