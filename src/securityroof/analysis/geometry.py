"""The geometry an architecture is drawn with, in longitude/latitude degrees: each radar's coverage fan,
each interceptor site's reach ring, the ground tracks of the threat trajectories in range, and the
world's country outlines. One home for the maps of the report (:mod:`securityroof.present.maps`)
and the workbench (``roof serve``), which only draw it.

- a radar's coverage fan: its azimuth sector out to its detection range against a radar
  cross-section, or the horizon range of a 1,000 km-high target if nearer (all round: a circle);
- an interceptor site's reach ring: its class's maximum ground range;
- ground tracks: the reachable threat trajectories' sub-satellite points;
- the world: Natural Earth 1:50m country outlines (public domain) as TopoJSON from the npm package
  world-atlas 2.0.2, shipped in ``securityroof/data/world/`` (see the NOTICE there), decoded here:
  arcs are delta-encoded integers, each shared by one country (coastline) or two (land border).
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

import numpy as np
from pyproj import Geod

from securityroof.model.scenario import Scenario
from securityroof.model.scenario.model import InterceptorSite, Sensor
from securityroof.physics.earth import WGS84, ecef_to_geodetic
from securityroof.physics.sensors import horizon_ground_range_m

_GEOD = Geod(ellps="WGS84")
#: The height of the target whose horizon bounds a radar's drawn coverage.
HORIZON_TARGET_ALT_M = 1_000e3


def circle(lat_deg: float, lon_deg: float, radius_m: float, azimuths_deg=None) -> tuple[np.ndarray, np.ndarray]:
    """Longitudes and latitudes ``radius_m`` from a point along ``azimuths_deg`` (default: all round)."""
    azimuths = np.linspace(0.0, 360.0, 181) if azimuths_deg is None else np.asarray(azimuths_deg, dtype=float)
    n = azimuths.size
    lon2, lat2, _ = _GEOD.fwd(np.full(n, lon_deg), np.full(n, lat_deg), azimuths, np.full(n, radius_m))
    return np.asarray(lon2), np.asarray(lat2)


def coverage_rcs_m2(scenario: Scenario, threat: str | None = None) -> float:
    """The radar cross-section coverage is drawn against: the smallest of ``threat``'s missiles (or of
    every threat's), 0.1 m² without threats."""
    rows = [t for t in scenario.threat_set if threat is None or t.threat == threat]
    return min((t.missile_class.rcs_m2 for t in rows), default=0.1)


def radar_reach_m(sensor: Sensor, rcs_m2: float) -> float:
    """How far a radar's coverage is drawn against ``rcs_m2``: R_ref (σ/σ_ref)^¼, at most the horizon
    range of a 1,000 km-high target."""
    entry = sensor.entry
    horizon = float(horizon_ground_range_m(HORIZON_TARGET_ALT_M, WGS84.equatorial_radius_m))
    return min(entry.reference_range_km * 1e3 * (rcs_m2 / entry.reference_rcs_m2) ** 0.25, horizon)


def coverage_fan(sensor: Sensor, rcs_m2: float) -> np.ndarray:
    """A radar's coverage as a closed ring of (lon, lat): from the site out along its sector and back."""
    asset, half = sensor.asset, sensor.entry.azimuth_half_width_deg
    boresight = asset.boresight_az_deg or 0.0
    lon2, lat2 = circle(asset.lat_deg, asset.lon_deg, radar_reach_m(sensor, rcs_m2),
                        np.linspace(boresight - half, boresight + half, 61))  # fmt: skip
    if half >= 180.0:
        ring = np.column_stack([lon2, lat2])
    else:
        ring = np.column_stack([np.concatenate([[asset.lon_deg], lon2]), np.concatenate([[asset.lat_deg], lat2])])
    return np.vstack([ring, ring[:1]])


#: How near its pole a ring round a pole is closed on a map in longitude and latitude (Web Mercator
#: cannot place the pole itself).
POLE_LAT_DEG = 89.9


def continuous_lon(lon_deg) -> np.ndarray:
    """Longitudes without the 360° jumps at the antimeridian: each within 180° of the one before."""
    lon = np.asarray(lon_deg, dtype=float)
    # whole turns only, so that a line that crosses nothing keeps its longitudes to the bit
    turns = np.concatenate([[0.0], np.cumsum(-360.0 * np.round(np.diff(lon) / 360.0))])
    return lon + turns


def map_line(points: np.ndarray) -> np.ndarray:
    """(lon, lat) rows for a map in longitude and latitude: longitudes made continuous, so that a line
    across the antimeridian does not run the whole width of the map the other way."""
    return np.column_stack([continuous_lon(points[:, 0]), points[:, 1]])


def map_ring(ring: np.ndarray) -> np.ndarray:
    """A closed (lon, lat) ring for a map in longitude and latitude: longitudes made continuous, and a
    ring round a pole (Thule's fan, say) closed along a meridian near that pole; drawn as it comes,
    either would fill the map in bands the other way round the world."""
    line = map_line(ring)
    lon, lat = line[:, 0], line[:, 1]
    if abs(lon[-1] - lon[0]) >= 180.0:
        pole = np.copysign(POLE_LAT_DEG, lat[np.argmax(np.abs(lat))])
        line = np.vstack([line, [[lon[-1], pole], [lon[0], pole], line[0]]])
    # centred on the map's own world: a ring drawn a whole turn off (Antarctica's, which runs along
    # the pole itself) would fall outside the longitudes a map tiles
    centre = (line[:, 0].min() + line[:, 0].max()) / 2.0
    line[:, 0] -= 360.0 * np.round(centre / 360.0)
    return line


def reach_ring(site: InterceptorSite) -> np.ndarray:
    """An interceptor site's maximum ground range as a closed ring of (lon, lat)."""
    lon2, lat2 = circle(site.asset.lat_deg, site.asset.lon_deg, site.entry.max_ground_range_km * 1e3)
    ring = np.column_stack([lon2, lat2])
    return np.vstack([ring, ring[:1]])


def ground_tracks(scenario: Scenario, step_s: float = 20.0) -> dict[str, np.ndarray]:
    """Each reachable threat trajectory's ground track as (lon, lat) rows about ``step_s`` apart (its
    impact point last), by threat trajectory id. The trajectories are the engagements' own, flown once
    (see :func:`securityroof.analysis.engage.scenario_tracked`)."""
    from securityroof.analysis.engage import flown_threats

    threat_set = scenario.threat_set
    if not threat_set:
        return {}
    flown = flown_threats(threat_set, scenario.analysis.time_step_s)
    if flown.flying.size == 0:
        return {}
    samples = flown.samples
    every = max(1, round(step_s / scenario.analysis.time_step_s))
    position = samples.position_ecef_m
    lat, lon, _ = ecef_to_geodetic(np.nan_to_num(position) + np.isnan(position) * [0.0, 0.0, 1.0], samples.earth)
    tracks = {}
    for row, index in enumerate(flown.flying):
        valid = np.flatnonzero(np.isfinite(samples.time_s[row]))
        keep = np.union1d(valid[::every], valid[-1:])
        tracks[threat_set[index].id] = np.column_stack([np.degrees(lon[row, keep]), np.degrees(lat[row, keep])])
    return tracks


@lru_cache(maxsize=1)
def _topology() -> tuple[dict, list[np.ndarray]]:
    text = (resources.files("securityroof") / "data" / "world" / "countries-50m.json").read_text(encoding="utf-8")
    topology = json.loads(text)
    scale = np.array(topology["transform"]["scale"])
    translate = np.array(topology["transform"]["translate"])
    arcs = [np.cumsum(np.array(arc, dtype=float), axis=0) * scale + translate for arc in topology["arcs"]]
    return topology, arcs


def _polygons(geometry: dict) -> list:
    if geometry["type"] == "Polygon":
        return [geometry["arcs"]]
    if geometry["type"] == "MultiPolygon":
        return geometry["arcs"]
    return []


@lru_cache(maxsize=1)
def world_arcs() -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Coastline and land-border polylines (lon, lat) of the shipped Natural Earth 1:50m countries."""
    topology, arcs = _topology()
    uses = np.zeros(len(arcs), dtype=int)
    for geometry in topology["objects"]["countries"]["geometries"]:
        for polygon in _polygons(geometry):
            for ring in polygon:
                for index in ring:
                    uses[index if index >= 0 else ~index] += 1
    coasts = [arc for arc, n in zip(arcs, uses, strict=True) if n == 1]
    borders = [arc for arc, n in zip(arcs, uses, strict=True) if n >= 2]
    return coasts, borders


@lru_cache(maxsize=1)
def world_geojson() -> dict:
    """The shipped countries as a GeoJSON FeatureCollection of (Multi)Polygons, ``name`` in each's
    properties; coordinates to 1e-4 degrees (about 10 m, finer than the 1:50m data), each ring drawn
    as :func:`map_ring` draws it."""
    topology, arcs = _topology()

    def ring(indices) -> list:
        points: list[np.ndarray] = []
        for index in indices:
            arc = arcs[index] if index >= 0 else arcs[~index][::-1]
            points.append(arc if not points else arc[1:])  # each arc starts where the last ended
        return np.round(map_ring(np.vstack(points)), 4).tolist()  # Russia's ring crosses the antimeridian

    features = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        polygons = [[ring(r) for r in polygon] for polygon in _polygons(geometry)]
        if not polygons:
            continue
        shape = {"type": "MultiPolygon", "coordinates": polygons}
        features.append(
            {"type": "Feature", "properties": {"name": geometry.get("properties", {}).get("name")}, "geometry": shape}
        )
    return {"type": "FeatureCollection", "features": features}
