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

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from securityroof.analysis.trajectories import InputError, TrajectorySet, sample_trajectories, trajectories
from securityroof.model.catalog import Catalog, InterceptorClass
from securityroof.model.scenario import Scenario
from securityroof.model.scenario import Sensor as ScenarioSensor
from securityroof.physics import kernels
from securityroof.physics.earth import Earth, ecef_to_geodetic, geodetic_to_ecef, unit
from securityroof.physics.flyout import FlyoutTable, flyout_table
from securityroof.physics.sensors import Radar, radar_detections, satellite_reports

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
_REASON_TEXT = np.array([REASONS[code] for code in range(len(REASONS))], dtype=object)
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

    reason: np.ndarray  # (N,) codes of REASONS
    launch_time_s: np.ndarray
    window_start_s: np.ndarray
    window_end_s: np.ndarray
    intercept_alt_m: np.ndarray  # at the window's start
    intercept_position_ecef_m: np.ndarray  # (N, 3)
    shots: np.ndarray  # (N,) int
    launch_margin_s: np.ndarray  # how much later than launch_time_s a launch could still intercept

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
    reason, first_time, first_index, last_time, first_alt, margin, shots = kernels.sites_windows(
        samples.time_s, samples.position_ecef_m, samples.boosting, samples.angle_per_sample, launch, sites,
        np.reshape(site_up, (len(sites), 3)), earth, kill_assessment_s, MAX_SHOTS,
    )  # fmt: skip
    rows = np.arange(samples.time_s.shape[0])
    windows = []
    for j in range(len(sites)):
        feasible = first_index[j] >= 0
        index = np.where(feasible, first_index[j], 0)
        windows.append(
            Windows(
                reason=reason[j],
                launch_time_s=launch[j],
                window_start_s=first_time[j],
                window_end_s=last_time[j],
                intercept_alt_m=first_alt[j],
                intercept_position_ecef_m=np.where(feasible[:, None], samples.position_ecef_m[rows, index], np.nan),
                shots=shots[j],
                launch_margin_s=margin[j],
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


@dataclass(frozen=True)
class SensorAsset:
    """A sensor of a scenario: a radar (fire-control tracks) or early-warning satellites (warnings)."""

    id: str
    owner: str
    site: str | None
    radar: Radar | None = None
    report_delay_s: float | None = None  # satellites


@dataclass(frozen=True)
class SiteAsset:
    """An interceptor site of a scenario."""

    id: str
    owner: str
    site: str | None
    interceptor: InterceptorClass
    lat_deg: float
    lon_deg: float
    alt_m: float = 0.0


@dataclass(frozen=True)
class Engagements:
    """Every (threat, site) engagement as columns (the keys of ``roof engage --json``)."""

    columns: dict[str, np.ndarray]
    #: Each threat trajectory, and whether its missile reaches its aim point (also with no sites).
    threat_reachable: dict[str, bool]

    def records(self) -> list[dict]:
        keys = list(self.columns)
        return [{key: _plain(self.columns[key][i]) for key in keys} for i in range(len(self.columns["threat_id"]))]


def _plain(value):
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if np.isfinite(value) else None
    if isinstance(value, np.str_):
        return str(value)
    return value


def run_engagements(
    threat_ids,
    trajectories: TrajectorySet,
    rcs_m2,
    sensors: list[SensorAsset],
    sites: list[SiteAsset],
    may_cue: Callable[[str, str, bool], bool],
    decision_delay_s: float,
    kill_assessment_s: float,
    step_s: float,
) -> Engagements:
    """All engagements of ``sites`` against the targeted threat ``trajectories``, cued by
    ``sensors`` as ``may_cue(sensor_owner, site_owner, same_site)`` allows."""
    earth = trajectories.earth
    solution = trajectories.solution
    n = len(trajectories)
    flying = np.flatnonzero(solution.reachable)
    sampled = sample_trajectories(solution, flying, step_s, earth)
    impact = solution.impact.time_s[flying]
    rcs = np.broadcast_to(np.asarray(rcs_m2, dtype=float), (n,))[flying]

    # When each sensor tracks (radars) or reports (satellites) each flying threat.
    tracks = {}
    for sensor in sensors:
        if sensor.radar is not None:
            tracks[sensor.id] = radar_detections(
                sensor.radar, sampled["time_s"], sampled["position_ecef_m"], rcs, impact, earth
            ).track_time_s
        else:
            tracks[sensor.id] = satellite_reports(sensor.report_delay_s, impact).track_time_s
    samples = Samples(sampled["time_s"], sampled["position_ecef_m"], sampled["boosting"], earth, sampled["speed_mps"])

    radars = [s for s in sensors if s.radar is not None]
    seen_by_any = np.any([np.isfinite(tracks[s.id]) for s in radars], axis=0) if radars else np.zeros(flying.size, bool)
    cues = {}  # sites allowed the same sensors share their earliest track and warning
    rows = []
    for site in sites:
        allowed = tuple(s for s in sensors if may_cue(s.owner, site.owner, s.site is not None and s.site == site.site))
        if allowed not in cues:
            cues[allowed] = (
                _earliest([s for s in allowed if s.radar is not None], tracks, flying.size),
                _earliest(list(allowed), tracks, flying.size),
            )
        (track, track_sensor), (warning, warning_sensor) = cues[allowed]
        launch = earliest_launch(track, warning, decision_delay_s, site.interceptor.launch_delay_s)
        rows.append((site, track, track_sensor, warning, warning_sensor, launch))
    launches = np.reshape([row[-1] for row in rows], (len(sites), flying.size))
    all_windows = sites_engagement_windows(
        [_site(site, earth) for site in sites], samples, launches, kill_assessment_s, earth
    )
    rows = [
        (
            *row,
            windows,
            np.where(np.isfinite(row[1]), windows.reason, np.where(seen_by_any, _NOT_SHARED, _NOT_DETECTED)),
        )
        for row, windows in zip(rows, all_windows, strict=True)
    ]
    return _table(threat_ids, trajectories, flying, rows, n)


def _earliest(sensors: list[SensorAsset], tracks: dict[str, np.ndarray], n: int):
    """Earliest time over ``sensors`` per threat, and which sensor gave it (None where none)."""
    if not sensors:
        return np.full(n, np.nan), np.full(n, None, dtype=object)
    times = np.stack([tracks[s.id] for s in sensors])
    filled = np.where(np.isfinite(times), times, np.inf)
    best = np.argmin(filled, axis=0)
    earliest = filled[best, np.arange(n)]
    ids = np.array([s.id for s in sensors], dtype=object)[best]
    return np.where(np.isfinite(earliest), earliest, np.nan), np.where(np.isfinite(earliest), ids, None)


def _site(site: SiteAsset, earth: Earth) -> Site:
    interceptor = site.interceptor
    return Site(
        lat_rad=np.radians(site.lat_deg),
        lon_rad=np.radians(site.lon_deg),
        alt_m=site.alt_m,
        min_intercept_alt_m=interceptor.min_intercept_altitude_km * 1e3,
        max_intercept_alt_m=interceptor.max_intercept_altitude_km * 1e3,
        max_ground_range_m=interceptor.max_ground_range_km * 1e3,
        launch_delay_s=interceptor.launch_delay_s,
        flyout=flyout_table(interceptor),
    )


def _table(threat_ids, trajectories: TrajectorySet, flying, rows, n: int) -> Engagements:
    """One row per (threat, site), threats varying fastest within each site."""
    earth = trajectories.earth
    threat_ids = np.asarray(threat_ids, dtype=object)
    sites = len(rows)
    code = np.full((sites, n), _THREAT_OUT_OF_RANGE, dtype=np.int8)
    cue_sensor, warning_sensor_id = (np.full((sites, n), None, dtype=object) for _ in range(2))
    cue_time, warning_time, launch_time, start, end, alt_km, lat_deg, lon_deg, margin = (
        np.full((sites, n), np.nan) for _ in range(9)
    )
    shots = np.zeros((sites, n), dtype=np.int64)
    for k, (_, track, track_sensor, warning, warning_sensor, launch, windows, reason) in enumerate(rows):
        code[k, flying] = reason
        cue_sensor[k, flying], cue_time[k, flying] = track_sensor, track
        warning_sensor_id[k, flying], warning_time[k, flying] = warning_sensor, warning
        launch_time[k, flying] = np.where(np.isfinite(track), launch, np.nan)
        ok = reason == _FEASIBLE
        hit = flying[ok]
        start[k, hit], end[k, hit] = windows.window_start_s[ok], windows.window_end_s[ok]
        alt_km[k, hit] = windows.intercept_alt_m[ok] / 1e3
        lat, lon, _ = ecef_to_geodetic(windows.intercept_position_ecef_m[ok], earth)
        lat_deg[k, hit], lon_deg[k, hit] = np.degrees(lat), np.degrees(lon)
        shots[k, hit], margin[k, hit] = windows.shots[ok], windows.launch_margin_s[ok]
    missiles = trajectories.solution.missile.name.astype(str)
    table = {
        "threat_id": np.tile(threat_ids, sites),
        "missile": np.tile(missiles, sites) if sites else np.array([], dtype=object),
        "site_id": np.repeat(np.array([row[0].id for row in rows], dtype=object), n),
        "site_owner": np.repeat(np.array([row[0].owner for row in rows], dtype=object), n),
        "feasible": (code == _FEASIBLE).ravel(),
        "reason": _REASON_TEXT[code.ravel()],
        "cue_sensor_id": cue_sensor.ravel(),
        "cue_time_s": cue_time.ravel(),
        "warning_sensor_id": warning_sensor_id.ravel(),
        "warning_time_s": warning_time.ravel(),
        "launch_time_s": launch_time.ravel(),
        "window_start_s": start.ravel(),
        "window_end_s": end.ravel(),
        "intercept_alt_km": alt_km.ravel(),
        "intercept_lat_deg": lat_deg.ravel(),
        "intercept_lon_deg": lon_deg.ravel(),
        "shots": shots.ravel(),
        "launch_margin_s": margin.ravel(),
    }
    reachable = trajectories.solution.reachable
    return Engagements(table, dict(zip(map(str, threat_ids), reachable.tolist(), strict=True)))


def engage(scenario: Scenario, sharing: str | None = None) -> Engagements:
    """Every engagement of a scenario: its threat set targeted, sampled at its analysis step, seen by
    its sensors and engaged by its interceptor sites as its sharing policy (or ``sharing``) allows."""
    if sharing is not None:
        scenario = scenario.with_sharing(sharing)
    columns = scenario.threat_columns()
    threats = trajectories(
        columns["launch_lat_deg"],
        columns["launch_lon_deg"],
        columns["aim_lat_deg"],
        columns["aim_lon_deg"],
        missile=columns["missile"],
        burnout_angle_deg=columns["burnout_angle_deg"],
        # the scenario's own [[missile]] classes are not in the package catalog
        catalog=Catalog({"missile": list({t.missile: t.missile_class for t in scenario.threat_set}.values())}),
    )
    rcs = np.array([t.missile_class.rcs_m2 for t in scenario.threat_set])
    sensors = [_sensor(sensor) for sensor in scenario.sensors]
    sites = [
        SiteAsset(
            site.id,
            site.owner,
            site.asset.site,
            site.entry,
            site.asset.lat_deg,
            site.asset.lon_deg,
            site.asset.alt_m,
        )
        for site in scenario.interceptor_sites
    ]
    analysis = scenario.analysis
    try:
        return run_engagements(
            [t.id for t in scenario.threat_set],
            threats,
            rcs,
            sensors,
            sites,
            scenario.sharing.may_cue,
            analysis.decision_delay_s,
            analysis.kill_assessment_s,
            analysis.time_step_s,
        )
    except InputError as error:  # the sampling step is the scenario's
        raise InputError(re.sub(r"^step_s:", "analysis.time_step_s:", str(error))) from None


def _sensor(sensor: ScenarioSensor) -> SensorAsset:
    asset, entry = sensor.asset, sensor.entry
    if sensor.kind == "satellite":
        return SensorAsset(asset.id, asset.owner, asset.site, report_delay_s=entry.report_delay_s)
    radar = Radar.from_catalog(entry, asset.lat_rad, asset.lon_rad, asset.alt_m, asset.boresight_az_rad)
    return SensorAsset(asset.id, asset.owner, asset.site, radar=radar)
