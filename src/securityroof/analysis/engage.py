"""A scenario's engagements: its threat set targeted and sampled, seen by its sensors and engaged by its
interceptor sites as its sharing policy allows (the physics of each step is in
:mod:`securityroof.physics.engagement`, :mod:`securityroof.physics.sensors` and
:mod:`securityroof.physics.flyout`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

import numpy as np

from securityroof.analysis import arrow
from securityroof.analysis.trajectories import InputError, TrajectorySet, trajectories
from securityroof.io.flyout_cache import flyout_table
from securityroof.model.catalog import Catalog, InterceptorClass
from securityroof.model.scenario import Scenario, ThreatTrajectory, threat_columns
from securityroof.model.scenario import Sensor as ScenarioSensor
from securityroof.model.scenario.messages import unknown
from securityroof.physics.earth import Earth, ecef_to_geodetic
from securityroof.physics.engagement import Samples, Site, earliest_launch, sites_engagement_windows
from securityroof.physics.reasons import ENGAGEMENT_TEXT, ENGAGEMENT_TEXT_BY_CODE, Infeasible
from securityroof.physics.sampling import sample_trajectories
from securityroof.physics.sensors import Radar, radar_detections, satellite_reports

#: Why no site engages a threat when the architecture has no interceptor site at all.
NO_SITE = "no-interceptor-site"
#: Engagement reasons from the first hurdle to the last, so the furthest a threat got is the maximum.
PROGRESS = {ENGAGEMENT_TEXT[code]: rank for rank, code in enumerate(list(Infeasible)[1:])}


def furthest_hurdle(reasons) -> str:
    """Why no site engages a threat, from each site's reason: the reason of the site that got furthest
    (detected, then shared, then within reach, then in time), so that a sensor gap is told from a
    kinematic one; :data:`NO_SITE` when there is no site."""
    return max(reasons, key=PROGRESS.__getitem__) if len(reasons) else NO_SITE


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

    def to_arrow(self):
        """The columns as an Arrow table (nulls where a value does not exist)."""
        return arrow.table(self.columns)

    def to_pandas(self):
        """:meth:`to_arrow` as a pandas DataFrame (needs pandas)."""
        return arrow.frame(self.to_arrow())

    def why_not(self, sites_of: set[str] | None = None) -> dict[str, str | None]:
        """Each threat trajectory that reaches its aim point: None when a site (of ``sites_of``, default
        every site) can engage it, else why not (:func:`furthest_hurdle` over those sites)."""
        columns = self.columns
        failures: dict[str, list[str]] = {threat: [] for threat, flies in self.threat_reachable.items() if flies}
        engageable = set()
        rows = zip(columns["threat_id"], columns["site_id"], columns["feasible"], columns["reason"], strict=True)
        for threat, site, feasible, reason in rows:
            if threat not in failures or (sites_of is not None and site not in sites_of):
                continue
            if feasible:
                engageable.add(threat)
            else:
                failures[threat].append(reason)
        return {threat: None if threat in engageable else furthest_hurdle(r) for threat, r in failures.items()}

    def records(self) -> list[dict]:
        keys = list(self.columns)
        return [{key: _plain(self.columns[key][i]) for key in keys} for i in range(len(self.columns["threat_id"]))]

    def of_threats(self, threat_ids: Collection[str]) -> Engagements:
        """The engagements of ``threat_ids`` only."""
        keep = np.isin(self.columns["threat_id"].astype(str), list(threat_ids))
        reachable = {threat: flies for threat, flies in self.threat_reachable.items() if threat in threat_ids}
        return Engagements({key: column[keep] for key, column in self.columns.items()}, reachable)

    def reasons_infeasible(self) -> dict[str, int]:
        """How many (threat, site) pairs cannot engage, by reason, most first."""
        return dict(Counter(self.columns["reason"][~self.columns["feasible"]].tolist()).most_common())


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


#: ``cue_sensor_id`` / ``warning_sensor_id`` where the perfect-cueing counterfactual's ideal sensor gave the cue.
PERFECT_CUE = "perfect-cueing"


@dataclass(frozen=True)
class Tracked:
    """Threat trajectories flown, sampled and seen by the sensors: what every engagement of them
    shares, so that other sites, decision delays or cueing engage them without flying them again."""

    threat_ids: tuple[str, ...]
    trajectories: TrajectorySet
    flying: np.ndarray  # indices of the threats that reach their aim points
    samples: Samples
    sensors: tuple[SensorAsset, ...]
    tracks: dict[str, np.ndarray]  # sensor id -> track (radars) or report (satellites) time per flying threat
    seen_by_any: np.ndarray  # per flying threat: some radar tracks it
    burnout_time_s: np.ndarray  # per flying threat


def track_threats(
    threat_ids, trajectories: TrajectorySet, rcs_m2, sensors: list[SensorAsset], step_s: float, memo: dict | None = None
) -> Tracked:
    """The targeted threat ``trajectories`` sampled every ``step_s`` and tracked by ``sensors``.
    ``memo``: samples and tracks kept for other calls on the same ``trajectories`` (and so the same
    cross-sections), e.g. a comparison's architectures and their party-less variants sharing sensors."""
    earth = trajectories.earth
    solution = trajectories.solution
    n = len(trajectories)
    flying = np.flatnonzero(solution.reachable)
    memo = {} if memo is None else memo
    key = id(trajectories), step_s
    if (key, "samples") not in memo:
        memo[key, "samples"] = sample_trajectories(solution, flying, step_s, earth)
    sampled = memo[key, "samples"]
    impact = solution.impact.time_s[flying]
    rcs = np.broadcast_to(np.asarray(rcs_m2, dtype=float), (n,))[flying]

    # When each sensor tracks (radars) or reports (satellites) each flying threat.
    tracks = {}
    for sensor in sensors:
        if (key, sensor) in memo:
            tracks[sensor.id] = memo[key, sensor]
        elif sensor.radar is not None:
            tracks[sensor.id] = radar_detections(
                sensor.radar, sampled["time_s"], sampled["position_ecef_m"], rcs, impact, earth
            ).track_time_s
        else:
            tracks[sensor.id] = satellite_reports(sensor.report_delay_s, impact).track_time_s
        memo[key, sensor] = tracks[sensor.id]
    samples = Samples(sampled["time_s"], sampled["position_ecef_m"], sampled["boosting"], earth, sampled["speed_mps"])
    radars = [s for s in sensors if s.radar is not None]
    seen_by_any = np.any([np.isfinite(tracks[s.id]) for s in radars], axis=0) if radars else np.zeros(flying.size, bool)
    return Tracked(
        tuple(threat_ids), trajectories, flying, samples, tuple(sensors), tracks, seen_by_any,
        solution.burnout_time_s[flying],
    )  # fmt: skip


def engage_tracked(
    tracked: Tracked,
    sites: list[SiteAsset],
    may_cue: Callable[[str, str, bool], bool],
    decision_delay_s: float,
    kill_assessment_s: float,
    perfect_cueing: bool = False,
) -> Engagements:
    """All engagements of ``sites`` against the ``tracked`` threats, cued by the sensors as
    ``may_cue(sensor_owner, site_owner, same_site)`` allows. ``perfect_cueing``: the counterfactual
    where an ideal sensor, shared with every site, tracks and reports every threat from its burnout
    (a real cue that comes earlier still counts), so that what stays infeasible is kinematic."""
    flying = tracked.flying
    cues = {}  # sites allowed the same sensors share their earliest track and warning
    rows = []
    for site in sites:
        allowed = tuple(
            s for s in tracked.sensors if may_cue(s.owner, site.owner, s.site is not None and s.site == site.site)
        )
        if allowed not in cues:
            track = _earliest([s for s in allowed if s.radar is not None], tracked.tracks, flying.size)
            warning = _earliest(list(allowed), tracked.tracks, flying.size)
            if perfect_cueing:
                track, warning = _ideal(*track, tracked.burnout_time_s), _ideal(*warning, tracked.burnout_time_s)
            cues[allowed] = track, warning
        (track, track_sensor), (warning, warning_sensor) = cues[allowed]
        launch = earliest_launch(track, warning, decision_delay_s, site.interceptor.launch_delay_s)
        rows.append((site, track, track_sensor, warning, warning_sensor, launch))
    earth = tracked.trajectories.earth
    launches = np.reshape([row[-1] for row in rows], (len(sites), flying.size))
    all_windows = sites_engagement_windows(
        [_site(site, earth) for site in sites], tracked.samples, launches, kill_assessment_s, earth
    )
    rows = [
        (
            *row,
            windows,
            np.where(
                np.isfinite(row[1]),
                windows.reason,
                np.where(tracked.seen_by_any, Infeasible.NOT_SHARED, Infeasible.NOT_DETECTED),
            ),
        )
        for row, windows in zip(rows, all_windows, strict=True)
    ]
    return _table(tracked.threat_ids, tracked.trajectories, flying, rows, len(tracked.trajectories))


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
    perfect_cueing: bool = False,
) -> Engagements:
    """All engagements of ``sites`` against the targeted threat ``trajectories``, cued by
    ``sensors`` as ``may_cue(sensor_owner, site_owner, same_site)`` allows (see :func:`engage_tracked`)."""
    tracked = track_threats(threat_ids, trajectories, rcs_m2, sensors, step_s)
    return engage_tracked(tracked, sites, may_cue, decision_delay_s, kill_assessment_s, perfect_cueing)


def _ideal(times: np.ndarray, sensor_ids: np.ndarray, burnout_time_s: np.ndarray):
    """``times`` and ``sensor_ids`` with the ideal sensor's burnout cue wherever it is the earlier (or the only) one."""
    earlier = ~(times <= burnout_time_s)  # NaN: no real cue
    return np.where(earlier, burnout_time_s, times), np.where(earlier, PERFECT_CUE, sensor_ids)


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
    code = np.full((sites, n), Infeasible.THREAT_OUT_OF_RANGE, dtype=np.int8)
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
        ok = reason == Infeasible.FEASIBLE
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
        "feasible": (code == Infeasible.FEASIBLE).ravel(),
        "reason": ENGAGEMENT_TEXT_BY_CODE[code.ravel()],
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


def aimed_at(scenario: Scenario, result: Engagements, city: str) -> Engagements:
    """The engagements of ``result`` (the scenario's) against the threats aimed at a catalog ``city``,
    given by name or label in any case; a city unknown to the catalog or that no threat aims at is
    an :class:`InputError` of ``city``."""
    cities = scenario.catalog.cities
    names = {name: name for name in cities} | {entry.label.lower(): name for name, entry in cities.items()}
    name = names.get(city.strip().lower())
    if name is None:
        raise InputError(f"city: {unknown('catalog city', city, cities)}")
    aimed = {t.id for t in scenario.threat_set if t.aim == name and t.aim_population is not None}
    if not aimed:
        targets = sorted({t.aim for t in scenario.threat_set if t.aim_population is not None})
        raise InputError(
            f"city: no threat of {scenario.name} aims at {name}; it aims at {', '.join(targets) or 'no catalog city'}"
        )
    return result.of_threats(aimed)


def engage(
    scenario: Scenario,
    sharing: str | None = None,
    threats: Sequence[ThreatTrajectory] | None = None,
    perfect_cueing: bool = False,
    flown: TrajectorySet | None = None,
    memo: dict | None = None,
) -> Engagements:
    """Every engagement of a scenario: its threat set targeted, sampled at its analysis step, seen by
    its sensors and engaged by its interceptor sites as its sharing policy (or ``sharing``) allows.
    ``threats`` engages the architecture against other threat trajectories than the scenario's (the
    footprint's probes of each grid cell, the deterrence check's strategic pairs); ``perfect_cueing``
    is the counterfactual of :func:`engage_tracked`; ``flown`` the threats already flown
    (:func:`fly_threats`), and ``memo`` their samples and tracks (see :func:`track_threats`)."""
    if sharing is not None:
        scenario = scenario.with_sharing(sharing)
    analysis = scenario.analysis
    return engage_tracked(
        scenario_tracked(scenario, threats, flown, memo),
        site_assets(scenario),
        scenario.sharing.may_cue,
        analysis.decision_delay_s,
        analysis.kill_assessment_s,
        perfect_cueing,
    )


def fly_threats(threat_set: Sequence[ThreatTrajectory]) -> TrajectorySet:
    """The threat trajectories targeted and flown (what :func:`scenario_tracked` tracks)."""
    columns = threat_columns(threat_set)
    return trajectories(
        columns["launch_lat_deg"],
        columns["launch_lon_deg"],
        columns["aim_lat_deg"],
        columns["aim_lon_deg"],
        missile=columns["missile"],
        burnout_angle_deg=columns["burnout_angle_deg"],
        # the scenario's own [[missile]] classes are not in the package catalog
        catalog=Catalog({"missile": list({t.missile: t.missile_class for t in threat_set}.values())}),
    )


def scenario_tracked(
    scenario: Scenario,
    threats: Sequence[ThreatTrajectory] | None = None,
    flown: TrajectorySet | None = None,
    memo: dict | None = None,
) -> Tracked:
    """The scenario's threat set (or ``threats``) flown, sampled at its analysis step and tracked by its
    sensors; ``flown``: those threats' :func:`fly_threats`, where the caller has them already (``memo``:
    see :func:`track_threats`)."""
    threat_set = scenario.threat_set if threats is None else tuple(threats)
    flown = fly_threats(threat_set) if flown is None else flown
    rcs = np.array([t.missile_class.rcs_m2 for t in threat_set])
    sensors = [_sensor(sensor) for sensor in scenario.sensors]
    try:
        return track_threats([t.id for t in threat_set], flown, rcs, sensors, scenario.analysis.time_step_s, memo)
    except InputError as error:
        if error.field != "step_s":
            raise
        # the sampling step is the scenario's
        raise InputError(f"analysis.time_step_s: {error.reason}") from None


def site_assets(scenario: Scenario) -> list[SiteAsset]:
    """The scenario's interceptor sites."""
    return [
        SiteAsset(site.id, site.owner, site.asset.site, site.entry, site.asset.lat_deg, site.asset.lon_deg,
                  site.asset.alt_m)
        for site in scenario.interceptor_sites
    ]  # fmt: skip


def _sensor(sensor: ScenarioSensor) -> SensorAsset:
    asset, entry = sensor.asset, sensor.entry
    if sensor.kind == "satellite":
        return SensorAsset(asset.id, asset.owner, asset.site, report_delay_s=entry.report_delay_s)
    radar = Radar.from_catalog(entry, asset.lat_rad, asset.lon_rad, asset.alt_m, asset.boresight_az_rad)
    return SensorAsset(asset.id, asset.owner, asset.site, radar=radar)
