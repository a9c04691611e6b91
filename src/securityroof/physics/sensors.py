"""Sensors: when does a radar first see a missile, and when can its track cue an interceptor.

A ground or sea-based radar sees a target sample when all of these hold:

- the target is above the radar's minimum elevation (0° is the geometric horizon: the Earth's
  curvature is in the geometry, since elevation is measured from the radar's local horizontal
  plane) and below its maximum elevation;
- its azimuth lies within the half-width of the site's boresight (all round at 180°);
- its slant range is within the detection range against the target's radar cross-section σ,
  ``R = R_ref (σ / σ_ref)^¼`` (the radar range equation at fixed power, aperture and dwell).

The first detection time is interpolated linearly between the first visible sample and the one
before it; a track that can cue an interceptor forms ``track_formation_s`` later. Early-warning
satellites report a launch after a fixed delay: a cue for the decision to engage, not a
fire-control track.

Everything is vectorized over trajectories × samples for one sensor at a time, so memory is
bounded by one (N, T) set of arrays whatever the number of sensors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from securityroof.physics import kernels
from securityroof.physics.earth import WGS84, Earth, enu_basis, geodetic_to_ecef
from securityroof.physics.parameters import RadarParameters
from securityroof.physics.reasons import NOT_SEEN_TEXT, NotSeen


@dataclass(frozen=True)
class Radar:
    """One radar at a site, in SI units."""

    lat_rad: float
    lon_rad: float
    alt_m: float
    boresight_az_rad: float
    azimuth_half_width_rad: float
    min_elevation_rad: float
    max_elevation_rad: float
    reference_range_m: float
    reference_rcs_m2: float
    track_formation_s: float

    @classmethod
    def from_catalog(
        cls, entry: RadarParameters, lat_rad: float, lon_rad: float, alt_m: float, boresight_az_rad: float
    ) -> Radar:
        """A catalog radar class placed at a site facing ``boresight_az_rad``."""
        return cls(
            lat_rad=lat_rad,
            lon_rad=lon_rad,
            alt_m=alt_m,
            boresight_az_rad=boresight_az_rad,
            azimuth_half_width_rad=np.radians(entry.azimuth_half_width_deg),
            min_elevation_rad=np.radians(entry.min_elevation_deg),
            max_elevation_rad=np.radians(entry.max_elevation_deg),
            reference_range_m=entry.reference_range_km * 1e3,
            reference_rcs_m2=entry.reference_rcs_m2,
            track_formation_s=entry.track_formation_s,
        )

    def detection_range_m(self, rcs_m2) -> np.ndarray:
        """Detection range against radar cross-section ``rcs_m2``: R_ref (σ / σ_ref)^¼."""
        return self.reference_range_m * (np.asarray(rcs_m2, dtype=float) / self.reference_rcs_m2) ** 0.25


@dataclass(frozen=True)
class Detections:
    """One sensor against N trajectories: times in seconds since each trajectory's launch, NaN
    where never (then ``reason`` says why)."""

    detect_time_s: np.ndarray
    track_time_s: np.ndarray
    reason: np.ndarray  # NotSeen codes

    def reason_text(self, index: int) -> str | None:
        code = int(self.reason[index])
        return None if code == NotSeen.SEEN else NOT_SEEN_TEXT[code]


def radar_detections(
    radar: Radar, times_s: np.ndarray, positions_ecef_m: np.ndarray, rcs_m2, impact_time_s, earth: Earth = WGS84
) -> Detections:
    """When ``radar`` first sees and then tracks each of N sampled trajectories.

    ``times_s`` (N, T) with NaN padding after each trajectory's end, ``positions_ecef_m`` (N, T, 3),
    ``rcs_m2`` per trajectory (N,) or per sample (N, T), ``impact_time_s`` (N,).
    """
    times = np.asarray(times_s, dtype=float)
    rcs = np.asarray(rcs_m2, dtype=float)
    if rcs.ndim <= 1 and kernels.active():
        detect, track, reason = kernels.radar_first_detection(
            times,
            np.asarray(positions_ecef_m, dtype=float),
            np.broadcast_to(radar.detection_range_m(rcs), times.shape[:1]).astype(float),
            geodetic_to_ecef(radar.lat_rad, radar.lon_rad, radar.alt_m, earth),
            enu_basis(radar.lat_rad, radar.lon_rad),
            radar,
            np.broadcast_to(np.asarray(impact_time_s, dtype=float), times.shape[:1]).astype(float),
        )
        return Detections(detect_time_s=detect, track_time_s=track, reason=reason)
    # East, north and up of the line of sight in the radar's frame; the margins below are written
    # with sines and cosines of the angles (no arctangents), which is what makes this fast.
    site = geodetic_to_ecef(radar.lat_rad, radar.lon_rad, radar.alt_m, earth)
    east, north, up = np.moveaxis(
        (np.asarray(positions_ecef_m, dtype=float) - site) @ enu_basis(radar.lat_rad, radar.lon_rad).T, -1, 0
    )
    horizontal = np.hypot(east, north)
    slant = np.hypot(horizontal, up)
    reach = radar.detection_range_m(rcs[:, None] if rcs.ndim == 1 else rcs)
    # Margins, positive where the constraint holds, in comparable (dimensionless) units so that the
    # smallest one can be interpolated to where it crosses zero.
    with np.errstate(invalid="ignore", divide="ignore"):
        sin_elevation = up / slant
        cos_off_boresight = (
            east * np.sin(radar.boresight_az_rad) + north * np.cos(radar.boresight_az_rad)
        ) / horizontal
    elevation_margin = np.minimum(
        sin_elevation - np.sin(radar.min_elevation_rad), np.sin(radar.max_elevation_rad) - sin_elevation
    )
    if radar.azimuth_half_width_rad >= np.pi:
        sector_margin = np.ones_like(slant)
    else:  # straight overhead every azimuth is the boresight's
        sector_margin = np.where(horizontal > 0.0, cos_off_boresight - np.cos(radar.azimuth_half_width_rad), 1.0)
    range_margin = 1.0 - slant / reach
    valid = np.isfinite(times)
    margin = np.where(valid, np.minimum(np.minimum(elevation_margin, sector_margin), range_margin), -np.inf)
    visible = margin >= 0.0

    n, t = times.shape
    seen = visible.any(axis=1)
    first = np.argmax(visible, axis=1)
    rows = np.arange(n)
    previous = np.maximum(first - 1, 0)
    m0, m1 = margin[rows, previous], margin[rows, first]
    t0, t1 = times[rows, previous], times[rows, first]
    with np.errstate(invalid="ignore", divide="ignore"):
        fraction = np.where((first > 0) & np.isfinite(m0) & (m1 > m0), -m0 / (m1 - m0), 1.0)
    detect = np.where(seen, np.where(first > 0, t0 + np.clip(fraction, 0.0, 1.0) * (t1 - t0), t1), np.nan)
    track = detect + radar.track_formation_s
    late = seen & (track > np.asarray(impact_time_s, dtype=float))

    above = valid & (elevation_margin >= 0.0)
    in_sector = above & (sector_margin >= 0.0)
    reason = np.select(
        [late, seen, in_sector.any(axis=1), above.any(axis=1)],
        [NotSeen.TOO_LATE, NotSeen.SEEN, NotSeen.OUT_OF_RANGE, NotSeen.OUT_OF_SECTOR],
        default=NotSeen.BELOW_HORIZON,
    ).astype(np.int8)
    return Detections(
        detect_time_s=detect,
        track_time_s=np.where(late, np.nan, track),
        reason=reason,
    )


def satellite_reports(report_delay_s: float, impact_time_s) -> Detections:
    """Early-warning satellites see every launch's plume and report it ``report_delay_s`` after
    launch: a cue (its 'track' time is the report), reported too late if after impact."""
    impact = np.asarray(impact_time_s, dtype=float)
    report = np.full(impact.shape, float(report_delay_s))
    late = report > impact
    return Detections(
        detect_time_s=report,
        track_time_s=np.where(late, np.nan, report),
        reason=np.where(late, NotSeen.TOO_LATE, NotSeen.SEEN).astype(np.int8),
    )


def horizon_ground_range_m(target_alt_m, radius_m: float, radar_alt_m: float = 0.0) -> np.ndarray:
    """Great-circle distance at which a target at ``target_alt_m`` rises above the horizon of a radar
    at ``radar_alt_m`` on a sphere of ``radius_m``: the line of sight grazes the surface, so the
    central angle is arccos(R/(R + h_radar)) + arccos(R/(R + h_target))."""
    h = np.asarray(target_alt_m, dtype=float)
    return radius_m * (np.arccos(radius_m / (radius_m + radar_alt_m)) + np.arccos(radius_m / (radius_m + h)))
