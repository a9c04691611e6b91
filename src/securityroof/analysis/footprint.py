"""Defended footprints: which aim points of a region an architecture defends against a threat class.

A threat of the scenario (a missile class and its launch regions) is fired at every cell of a
latitude/longitude grid. A cell is *threatened* when at least one launch region's shot at it is
within the missile's reach, and *defended* when every such shot has at least one feasible
engagement (the rule cities are protected by in :mod:`securityroof.analysis.compare`). Its
``shots`` are the fewest shot opportunities over those shots (summed over sites), and its
intercept altitude the lowest altitude at which any site's earliest intercept of them happens.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pyproj import Geod

from securityroof.analysis.defaults import DEFAULT_EXTENT, DEFAULT_STEP_DEG
from securityroof.analysis.engage import engage
from securityroof.errors import RoofError
from securityroof.model.scenario import Scenario, ThreatTrajectory, max_trajectories

#: Distance, as a multiple of a class's published range, beyond which a cell is not targeted.
_REACH_MARGIN = 1.25


#: The most cells one footprint takes (each is a targeted trajectory per launch region).
MAX_CELLS = 40_000


def grid(extent=DEFAULT_EXTENT, step_deg: float = DEFAULT_STEP_DEG) -> tuple[np.ndarray, np.ndarray]:
    """Cell centres (flattened latitudes, longitudes) of the grid over ``extent``."""
    lat_min, lat_max, lon_min, lon_max = extent
    if not (-90.0 <= lat_min < lat_max <= 90.0 and -180.0 <= lon_min < lon_max <= 360.0):
        raise RoofError(f"extent: {extent} must be lat_min < lat_max in [-90, 90], lon_min < lon_max in [-180, 360]")
    if lon_max - lon_min > 360.0:  # a longitude and the same plus 360° are one cell, counted twice
        raise RoofError(f"extent: {extent} spans {lon_max - lon_min:g}° of longitude; at most 360° (once round)")
    if not (0.0 < step_deg <= 10.0):
        raise RoofError(f"step_deg: {step_deg} must lie in (0, 10]")
    # np.arange's own counts, taken before any array is built: a tiny step would allocate gigabytes
    rows, columns = (
        max(np.ceil((high - low - step_deg / 2.0) / step_deg), 0.0)
        for low, high in ((lat_min, lat_max), (lon_min, lon_max))
    )
    if rows * columns > MAX_CELLS:
        raise RoofError(f"step_deg: {step_deg:g} gives about {rows * columns:.2g} cells; at most {MAX_CELLS:,}")
    if rows * columns == 0:
        raise RoofError(f"step_deg: {step_deg:g} is wider than the extent {extent}: no cell centre falls inside it")
    lats = np.arange(lat_min + step_deg / 2.0, lat_max, step_deg)
    lons = np.arange(lon_min + step_deg / 2.0, lon_max, step_deg)
    lat, lon = np.meshgrid(lats, lons, indexing="ij")
    return lat.ravel(), lon.ravel()


def footprint(scenario: Scenario, threat: str, extent=DEFAULT_EXTENT, step_deg: float = DEFAULT_STEP_DEG) -> pa.Table:
    """The defended footprint of ``scenario`` against its threat ``threat`` (see the module doc),
    one row per cell: ``lat_deg``, ``lon_deg``, ``threatened``, ``defended``, ``shots``,
    ``intercept_alt_km`` (null where not defended)."""
    cells = footprint_cells(scenario, threat, extent, step_deg)
    return pa.table({**cells, "intercept_alt_km": pa.array(cells["intercept_alt_km"], mask=~cells["defended"])})


def footprint_cells(
    scenario: Scenario, threat: str, extent=DEFAULT_EXTENT, step_deg: float = DEFAULT_STEP_DEG
) -> dict[str, np.ndarray]:
    """:func:`footprint`'s columns as numpy arrays (``intercept_alt_km`` NaN where not defended),
    for callers that need no Arrow table: pyarrow imports pandas, a quarter of a second, the first
    time it converts a numpy array."""
    shots_of = [t for t in scenario.threat_set if t.threat == threat]
    if not shots_of:
        known = sorted({t.threat for t in scenario.threat_set})
        raise RoofError(f"threat: {threat!r} is not a threat of {scenario.name}; it has {', '.join(known)}")
    launches = list({(t.launch_lat_deg, t.launch_lon_deg): t for t in shots_of}.values())
    lat, lon = grid(extent, step_deg)
    # Cells far beyond a class's published range cannot be reached from that region whatever the
    # Earth's rotation lends (a few per cent below ICBM ranges): they are left out of the targeting
    # rather than found unreachable one by one. Near orbital speeds rotation lends far more (a third,
    # eastward), so intercontinental classes are always targeted.
    geod = Geod(ellps="WGS84")
    limit, count, within = max_trajectories(), 0, {}
    for k, b in enumerate(launches):
        from_launch = (np.full(lat.size, b.launch_lon_deg), np.full(lat.size, b.launch_lat_deg))
        distance = np.asarray(geod.inv(*from_launch, lon, lat)[2])
        reach = _REACH_MARGIN * b.missile_class.range_km * 1e3 if b.missile_class.range_km < 5500 else np.inf
        within[k] = np.flatnonzero(distance <= reach)  # indices: memory grows with the shots, not the grid
        count += within[k].size
        if count > limit:  # every launch region fires at every cell: the threat set's limit holds here too
            raise RoofError(
                f"threat: {threat!r} from {len(launches):,} launch regions over {lat.size:,} cells needs more than "
                f"{limit:,} trajectories; use a coarser --step-deg or a smaller --extent, "
                "or set SECURITYROOF_MAX_TRAJECTORIES"
            )
    probes = tuple(
        ThreatTrajectory(
            id=f"{k}/{j}",
            threat=threat,
            missile=base.missile,
            missile_class=base.missile_class,
            launch=base.launch,
            launch_lat_deg=base.launch_lat_deg,
            launch_lon_deg=base.launch_lon_deg,
            aim=None,
            aim_lat_deg=float(lat[j]),
            aim_lon_deg=float(lon[j]),
            burnout_angle_deg=base.burnout_angle_deg,
        )
        for k, base in enumerate(launches)
        for j in within[k]
        if abs(lat[j] - base.launch_lat_deg) > 1e-9 or abs(lon[j] - base.launch_lon_deg) > 1e-9
    )
    result = engage(scenario, threats=probes)
    columns = result.columns
    cells = lat.size
    flies = np.zeros((len(launches), cells), dtype=bool)
    engaged = np.zeros_like(flies)
    shots = np.zeros((len(launches), cells), dtype=np.int64)
    altitude = np.full((len(launches), cells), np.inf)
    for probe_id, reachable in result.threat_reachable.items():
        k, j = (int(part) for part in probe_id.split("/"))
        flies[k, j] = reachable
    ids = columns["threat_id"]
    for i in np.flatnonzero(columns["feasible"].astype(bool)):
        k, j = (int(part) for part in ids[i].split("/"))
        engaged[k, j] = True
        shots[k, j] += int(columns["shots"][i])
        altitude[k, j] = min(altitude[k, j], float(columns["intercept_alt_km"][i]))
    threatened = flies.any(axis=0)
    defended = threatened & np.all(engaged | ~flies, axis=0)
    fewest = np.where(flies, shots, np.iinfo(np.int64).max).min(axis=0)
    lowest = np.where(flies, altitude, np.inf).min(axis=0)
    return {
        "lat_deg": lat,
        "lon_deg": lon,
        "threatened": threatened,
        "defended": defended,
        "shots": np.where(defended, fewest, 0),
        "intercept_alt_km": np.where(defended, lowest, np.nan),
    }


def footprint_summary(table: pa.Table) -> dict:
    """A footprint's cells counted: ``cells_total``, ``cells_threatened``, ``cells_defended`` and
    ``defended_share`` (None where no cell is threatened)."""
    threatened = int(pc.sum(table["threatened"]).as_py() or 0)
    defended = int(pc.sum(table["defended"]).as_py() or 0)
    return {
        "cells_total": table.num_rows,
        "cells_threatened": threatened,
        "cells_defended": defended,
        "defended_share": defended / threatened if threatened else None,
    }


def default_threat(scenario: Scenario) -> str:
    """The threat whose footprint a report shows: the Iranian IRBM of the common threat set where
    there is one, else the scenario's first threat."""
    threats = [t.threat for t in scenario.threat_set]
    return "iran-irbm" if "iran-irbm" in threats else threats[0]
