"""Figures of places and sensors the prose quotes: distances between named places and radar ranges,
from the package's places, catalog and radar equation (the docs derive neither)."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from .runs import ARCHITECTURES, scenario
from .text import number, span


@cache
def _places() -> dict[str, tuple[float, float]]:
    """The names a command line takes for places (catalog cities and bases, launch points), then the
    assets of the library architectures (``gabala``, ``kurecik``), as (lat_deg, lon_deg)."""
    from securityroof.model.scenario.library import named_places

    found = named_places()
    for name in ARCHITECTURES:
        for asset in scenario(name).assets:
            found.setdefault(asset.id, (asset.lat_deg, asset.lon_deg))
    return found


def distance(args, body) -> str:
    """``A B``: the great-circle (geodesic, WGS84) distance between two places, in whole km; ``A B,C``:
    the range of A's distances to each."""
    from pyproj import Geod

    if len(args) != 2:
        raise SystemExit(f"docs/build.py: distance {' '.join(args)}: name two places")
    names = [args[0], *args[1].split(",")]
    unknown = [name for name in names if name not in _places()]
    if unknown:
        raise SystemExit(f"docs/build.py: distance: no place or library asset {', '.join(unknown)}")
    (lat_a, lon_a), *others = (_places()[name] for name in names)
    return span(Geod(ellps="WGS84").inv(lon_a, lat_a, lon_b, lat_b)[2] / 1e3 for lat_b, lon_b in others)


def radar_range(args, body) -> str:
    """``RADAR RCS_M2 [REFERENCE_RANGE_KM]``: a catalog radar class's detection range against that
    cross-section (with another reference range if given), to 10 km, as the prose quotes it ("about")."""
    import securityroof as sr
    from securityroof.physics.sensors import Radar

    if len(args) not in (2, 3):
        raise SystemExit(f"docs/build.py: radar-range {' '.join(args)}: RADAR RCS_M2 [REFERENCE_RANGE_KM]")
    entry = sr.load_catalog().radar(args[0])
    if len(args) == 3:
        entry = entry.model_validate({**entry.model_dump(), "reference_range_km": float(args[2])})
    radar = Radar.from_catalog(entry, 0.0, 0.0, 0.0, 0.0)
    return number(round(float(radar.detection_range_m(float(args[1]))) / 1e3, -1))


FRAGMENTS: dict[str, Callable[[list[str], str], str]] = {
    "distance": distance,
    "radar-range": radar_range,
}
