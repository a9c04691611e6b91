"""Sanity checks from the geometry of the 2007-2012 debate, on the catalog's own radars."""

import numpy as np

import securityroof as sr
from securityroof.model.catalog import load_catalog
from securityroof.physics.sampling import sample_trajectories
from securityroof.physics.sensors import Radar, radar_detections

CATALOG = load_catalog()


def catalog_radar(name, lat, lon, alt_m, boresight_deg):
    return Radar.from_catalog(CATALOG.radar(name), np.radians(lat), np.radians(lon), alt_m, np.radians(boresight_deg))


def test_caucasus_radar_sees_a_northern_iran_launch_before_a_radar_in_turkey():
    """Gabala (Daryal, 40.87 N 47.80 E) is ~400 km from a Tabriz launch, Kürecik (AN/TPY-2, 38.35 N
    37.79 E, 2,085 m) ~750 km: the horizon hides the boost from Kürecik longer (a target must climb
    to about 30 km to be seen at 750 km, 13 km at 400 km), so Gabala detects first, for the same
    Shahab-3 trajectory toward Ankara."""
    shot = sr.trajectories(38.08, 46.29, 39.93, 32.86, missile="shahab-3")
    assert shot.solution.reachable[0]
    sampled = sample_trajectories(shot.solution, [0], 1.0, shot.earth)
    rcs = CATALOG.missile("shahab-3").rcs_m2
    impact = shot.solution.impact.time_s
    gabala = catalog_radar("daryal", 40.87, 47.80, 0.0, 190.0)
    kurecik = catalog_radar("an-tpy-2", 38.3494, 37.7936, 2085.0, 80.0)
    seen_gabala = radar_detections(gabala, sampled["time_s"], sampled["position_ecef_m"], rcs, impact, shot.earth)
    seen_kurecik = radar_detections(kurecik, sampled["time_s"], sampled["position_ecef_m"], rcs, impact, shot.earth)
    assert np.isfinite(seen_gabala.detect_time_s[0]) and np.isfinite(seen_kurecik.detect_time_s[0])
    assert seen_gabala.detect_time_s[0] < seen_kurecik.detect_time_s[0]
    # Both while the missile still burns: the early-warning argument of the Lisbon debate.
    assert seen_gabala.detect_time_s[0] < shot.solution.burnout_time_s[0]
