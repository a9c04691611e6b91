"""The workbench's map layers as GeoJSON (:func:`securityroof.analysis.workbench.evaluate` draws them):
the assets, the threats' ground tracks and launch points, the defended footprint's cells, and the
small builders the radar fans, reach rings and cities are made with. Coordinates are rounded to what
a map shows; rings and lines that cross the antimeridian are split as MapLibre draws them."""

from __future__ import annotations

import numpy as np

from securityroof.analysis.footprint import footprint_cells
from securityroof.analysis.geometry import ground_tracks, map_line, map_ring
from securityroof.model.scenario import Scenario


def point(lon: float, lat: float) -> dict:
    return {"type": "Point", "coordinates": [round(float(lon), 5), round(float(lat), 5)]}


def polygon(ring: np.ndarray) -> dict:
    return {"type": "Polygon", "coordinates": [np.round(map_ring(ring), 4).tolist()]}


def collection(features: list[dict]) -> dict:
    return {"type": "FeatureCollection", "features": features}


def feature(geometry: dict | None, **properties) -> dict:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def asset_layer(placed: Scenario, switched_off: set[str], added: set[str], moved: set[str]) -> dict:
    """The assets of ``placed`` (satellites without a point), each marked switched off, added or moved."""
    features = []
    for asset in placed.assets:
        kind = placed.catalog.kind_of(asset.kind)
        entry = placed.catalog.entries[kind][asset.kind]
        located = kind != "satellite"
        features.append(
            feature(
                point(asset.lon_deg, asset.lat_deg) if located else None,
                id=asset.id,
                owner=asset.owner,
                kind=asset.kind,
                class_kind=kind,
                label=entry.label,
                boresight_az_deg=asset.boresight_az_deg,
                switched_off=asset.id in switched_off,
                added=asset.id in added,
                moved=asset.id in moved,
            )
        )
    return collection(features)


def threat_layer(scenario: Scenario, why_not: dict[str, str | None], step_s: float) -> dict:
    """Each threat trajectory's ground track (``step_s`` apart), engageable or not and why, and the launch points."""
    by_id = {t.id: t for t in scenario.threat_set}
    features = [
        feature(
            {"type": "LineString", "coordinates": np.round(map_line(track), 3).tolist()},
            threat_id=threat_id,
            threat=by_id[threat_id].threat,
            missile=by_id[threat_id].missile,
            engageable=why_not.get(threat_id) is None,
            why_not=why_not.get(threat_id),
        )
        for threat_id, track in ground_tracks(scenario, step_s).items()
    ]
    launches = {(t.threat, t.launch_lat_deg, t.launch_lon_deg): t for t in scenario.threat_set}
    features += [
        feature(point(t.launch_lon_deg, t.launch_lat_deg), threat=t.threat, missile=t.missile, launch=t.launch)
        for t in launches.values()
    ]
    return collection(features)


def footprint_layer(scenario: Scenario, threat: str) -> tuple[dict, dict]:
    """The footprint's threatened cells, each defended or not, and their counts."""
    table = footprint_cells(scenario, threat)
    lats = np.unique(table["lat_deg"])
    half = float(np.min(np.diff(lats))) / 2.0 if lats.size > 1 else 0.5
    features = []
    for lat, lon, threatened, defended in zip(
        table["lat_deg"], table["lon_deg"], table["threatened"], table["defended"], strict=True
    ):
        if threatened:
            ring = np.array([[lon - half, lat - half], [lon + half, lat - half], [lon + half, lat + half],
                             [lon - half, lat + half], [lon - half, lat - half]])  # fmt: skip
            features.append(feature(polygon(ring), defended=bool(defended)))
    threatened = len(features)
    defended = sum(1 for f in features if f["properties"]["defended"])
    summary = {"threat": threat, "cells_threatened": threatened, "cells_defended": defended}
    return collection(features), summary
