"""The map geometry of analysis.geometry: rings and lines for a map drawn in longitude and latitude."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from securityroof.analysis.geometry import POLE_LAT_DEG, circle, map_line, map_ring, world_geojson


def ring_round(lat_deg: float, lon_deg: float, radius_km: float) -> np.ndarray:
    lon, lat = circle(lat_deg, lon_deg, radius_km * 1e3)
    return np.column_stack([lon, lat])


def lon_jumps(points: np.ndarray) -> np.ndarray:
    return np.abs(np.diff(points[:, 0]))


def test_a_ring_that_crosses_nothing_is_drawn_as_it_is():
    ring = ring_round(52.0, 19.0, 1_500)  # round Warsaw
    assert np.array_equal(map_ring(ring), ring)


def test_a_ring_across_the_antimeridian_stays_in_one_piece():
    ring = ring_round(64.0, 178.0, 1_000)  # Chukotka: its circle runs from 160° E to 164° W
    assert lon_jumps(ring).max() > 300.0  # as pyproj gives it, the ring jumps across the whole map
    drawn = map_ring(ring)
    assert lon_jumps(drawn).max() < 5.0
    assert np.allclose((drawn[:, 0] + 180.0) % 360.0 - 180.0, (ring[:, 0] + 180.0) % 360.0 - 180.0)
    assert np.array_equal(drawn[0], drawn[-1])


def test_a_ring_round_the_pole_is_closed_through_it():
    ring = ring_round(76.5, -68.7, 4_800)  # Thule's reach holds the North Pole
    drawn = map_ring(ring)
    lon, lat = drawn[:, 0], drawn[:, 1]
    assert lon_jumps(drawn[:-3]).max() < 20.0  # round the world once, without a jump
    assert abs(lon[-4] - lon[0]) == 360.0 or np.isclose(abs(lon[-4] - lon[0]), 360.0)
    assert lat[-3] == lat[-2] == POLE_LAT_DEG and np.array_equal(drawn[-1], drawn[0])
    south = map_ring(ring_round(-77.8, 166.7, 3_000))  # McMurdo's holds the South Pole
    assert south[-2, 1] == -POLE_LAT_DEG


@given(
    st.lists(st.floats(-180.0, 180.0), min_size=2, max_size=30),
    st.lists(st.floats(-80.0, 80.0), min_size=2, max_size=30),
)
def test_a_line_keeps_its_places_and_loses_its_jumps(lons, lats):
    n = min(len(lons), len(lats))
    points = np.column_stack([lons[:n], lats[:n]])
    drawn = map_line(points)
    assert lon_jumps(drawn).max() <= 180.0 + 1e-9
    assert np.allclose(np.cos(np.radians(drawn[:, 0])), np.cos(np.radians(points[:, 0])), atol=1e-9)
    assert np.allclose(np.sin(np.radians(drawn[:, 0])), np.sin(np.radians(points[:, 0])), atol=1e-9)
    assert np.array_equal(drawn[:, 1], points[:, 1])


def test_the_worlds_countries_are_drawn_whole_and_on_the_map():
    """Russia's outline crosses the antimeridian (it filled a band round the Arctic on the workbench's
    map); Antarctica's runs along the South Pole itself."""
    rings = [
        (feature["properties"]["name"], np.array(ring))
        for feature in world_geojson()["features"]
        for polygon in feature["geometry"]["coordinates"]
        for ring in polygon
    ]
    for name, ring in rings:
        assert -180.0 <= (ring[:, 0].min() + ring[:, 0].max()) / 2.0 <= 180.0, name
        jumps = np.flatnonzero(lon_jumps(ring) > 180.0)
        assert np.all(np.abs(ring[jumps, 1]) >= POLE_LAT_DEG - 1e-9), name  # only along a pole
    assert max(ring[:, 0].max() for name, ring in rings if name == "Russia") > 180.0
