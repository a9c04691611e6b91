"""A scenario's engagements: its threat set targeted and sampled, seen by its sensors and engaged by its
interceptor sites as its sharing policy allows (the physics of each step is in
:mod:`securityroof.physics.engagement`, :mod:`securityroof.physics.sensors` and
:mod:`securityroof.physics.flyout`).
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np

from securityroof.analysis import arrow
from securityroof.analysis.cache import LRU
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


@dataclass(frozen=True)
class Flown:
    """Targeted threat trajectories and their flying ones sampled: what tracking needs of them."""

    trajectories: TrajectorySet
    flying: np.ndarray  # indices of the threats that reach their aim points
    samples: Samples
    impact_time_s: np.ndarray  # per flying threat


def fly(trajectories: TrajectorySet, step_s: float) -> Flown:
    """The reachable ones of ``trajectories`` sampled every ``step_s``."""
    solution = trajectories.solution
    flying = np.flatnonzero(solution.reachable)
    sampled = sample_trajectories(solution, flying, step_s, trajectories.earth)
    samples = Samples(
        sampled["time_s"], sampled["position_ecef_m"], sampled["boosting"], trajectories.earth, sampled["speed_mps"]
    )
    return Flown(trajectories, flying, samples, solution.impact.time_s[flying])


def sensor_track(sensor: SensorAsset, flown: Flown, rcs_m2: np.ndarray) -> np.ndarray:
    """When ``sensor`` tracks (a radar) or reports (satellites) each flying threat of ``flown``
    (``rcs_m2`` per flying threat)."""
    if sensor.radar is None:
        return satellite_reports(sensor.report_delay_s, flown.impact_time_s).track_time_s
    samples = flown.samples
    return radar_detections(
        sensor.radar, samples.time_s, samples.position_ecef_m, rcs_m2, flown.impact_time_s, samples.earth
    ).track_time_s


def tracked_from(threat_ids, flown: Flown, sensors: Sequence[SensorAsset], tracks: dict[str, np.ndarray]) -> Tracked:
    """The :class:`Tracked` of ``flown`` seen by ``sensors`` (``tracks``: each one's :func:`sensor_track`)."""
    radars = [s for s in sensors if s.radar is not None]
    size = flown.flying.size
    seen_by_any = np.any([np.isfinite(tracks[s.id]) for s in radars], axis=0) if radars else np.zeros(size, bool)
    solution = flown.trajectories.solution
    return Tracked(
        tuple(threat_ids), flown.trajectories, flown.flying, flown.samples, tuple(sensors), tracks, seen_by_any,
        solution.burnout_time_s[flown.flying],
    )  # fmt: skip


def track_threats(
    threat_ids, trajectories: TrajectorySet, rcs_m2, sensors: list[SensorAsset], step_s: float
) -> Tracked:
    """The targeted threat ``trajectories`` sampled every ``step_s`` and tracked by ``sensors``."""
    flown = fly(trajectories, step_s)
    rcs = np.broadcast_to(np.asarray(rcs_m2, dtype=float), (len(trajectories),))[flown.flying]
    return tracked_from(threat_ids, flown, sensors, {sensor.id: sensor_track(sensor, flown, rcs) for sensor in sensors})


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
) -> Engagements:
    """Every engagement of a scenario: its threat set targeted, sampled at its analysis step, seen by
    its sensors and engaged by its interceptor sites as its sharing policy (or ``sharing``) allows.
    ``threats`` engages the architecture against other threat trajectories than the scenario's (the
    footprint's probes of each grid cell, the deterrence check's strategic pairs); ``perfect_cueing``
    is the counterfactual of :func:`engage_tracked`."""
    if sharing is not None:
        scenario = scenario.with_sharing(sharing)
    analysis = scenario.analysis
    return engage_tracked(
        scenario_tracked(scenario, threats),
        site_assets(scenario),
        scenario.sharing.may_cue,
        analysis.decision_delay_s,
        analysis.kill_assessment_s,
        perfect_cueing,
    )


#: Threat sets flown and sampled, by what fixes them (see :func:`scenario_tracked`): a scenario's, a
#: footprint's probes, the deterrence check's pairs; a few of each kind at once.
FLOWN = LRU(maxsize=8)
#: One sensor's track times of one flown threat set: moving a radar recomputes that radar's only.
TRACKS = LRU(maxsize=512)


def threat_set_key(threat_set: Sequence[ThreatTrajectory], step_s: float) -> bytes:
    """What fixes a threat set's flown and sampled trajectories: each one's missile class (its every
    parameter), launch and aim points and burnout angle, and the sampling step; a digest."""
    classes: dict[int, int] = {}  # by identity: the rows of one threat share their class object
    digest = hashlib.blake2b(digest_size=20)
    rows = []
    for t in threat_set:
        index = classes.get(id(t.missile_class))
        if index is None:
            index = classes[id(t.missile_class)] = len(classes)
            digest.update(t.missile_class.model_dump_json().encode())
        angle = math.nan if t.burnout_angle_deg is None else t.burnout_angle_deg
        rows.append((index, t.launch_lat_deg, t.launch_lon_deg, t.aim_lat_deg, t.aim_lon_deg, angle))
    digest.update(np.array(rows, dtype=float).tobytes())
    digest.update(np.float64(step_s).tobytes())
    return digest.digest()


def _flown(threat_set: Sequence[ThreatTrajectory], step_s: float) -> tuple[bytes, Flown]:
    key = threat_set_key(threat_set, step_s)

    def compute() -> Flown:
        columns = threat_columns(threat_set)
        flown = trajectories(
            columns["launch_lat_deg"],
            columns["launch_lon_deg"],
            columns["aim_lat_deg"],
            columns["aim_lon_deg"],
            missile=columns["missile"],
            burnout_angle_deg=columns["burnout_angle_deg"],
            # the scenario's own [[missile]] classes are not in the package catalog
            catalog=Catalog({"missile": list({t.missile: t.missile_class for t in threat_set}.values())}),
        )
        try:
            return fly(flown, step_s)
        except InputError as error:
            if error.field != "step_s":
                raise
            # the sampling step is the scenario's
            raise InputError(f"analysis.time_step_s: {error.reason}") from None

    return key, FLOWN.get_or_compute(key, compute)


def flown_threats(threat_set: Sequence[ThreatTrajectory], step_s: float) -> Flown:
    """``threat_set`` targeted, and its reachable trajectories sampled every ``step_s`` (kept in :data:`FLOWN`)."""
    return _flown(threat_set, step_s)[1]


def scenario_tracked(scenario: Scenario, threats: Sequence[ThreatTrajectory] | None = None) -> Tracked:
    """The scenario's threat set (or ``threats``) flown, sampled at its analysis step and tracked by its
    sensors. The flown threat set and each sensor's tracks are kept (:data:`FLOWN`, :data:`TRACKS`) for
    the next question that changes neither: another interceptor, delay or sharing policy."""
    threat_set = scenario.threat_set if threats is None else tuple(threats)
    key, flown = _flown(threat_set, scenario.analysis.time_step_s)
    rcs = np.array([t.missile_class.rcs_m2 for t in threat_set], dtype=float)[flown.flying]
    sensors = [_sensor(sensor) for sensor in scenario.sensors]
    tracks = {
        # a sensor's id, owner and site do not change what it sees
        sensor.id: TRACKS.get_or_compute(
            (key, sensor.radar, sensor.report_delay_s), partial(sensor_track, sensor, flown, rcs)
        )
        for sensor in sensors
    }
    return tracked_from([t.id for t in threat_set], flown, sensors, tracks)


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
