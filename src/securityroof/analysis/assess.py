"""Assessing a missile from a lofted flight test: what range would it reach on a standard trajectory?

Since 2017 analysts have turned each long-range test's published ground range, apogee and flight
time into a standard-trajectory range (e.g. D. Wright, Union of Concerned Scientists). Two models:

- **free flight only**: the test is a Kepler arc from the surface to the surface through the
  published apogee (closed form: ψ = D/R, r_a = R + H, e = (r_a − R)/(r_a − R cos(ψ/2)),
  p = r_a(1 − e), a = p/(1 − e²), v² = μ(2/R − 1/a)); the same burnout speed flown at the
  minimum-energy angle gives the maximum range, sin(Ψmax/2) = Q/(2 − Q), Q = v²R/μ (Bate,
  Mueller & White 1971 §6.2). It ignores the boost: the burnout point is at the launch point, on
  the ground, so it understates long-range missiles, whose burnout is hundreds of kilometres up;
- **boost model**: the test is flown with :mod:`securityroof.physics.boost` (burn time and nominal burnout
  altitude as assumed; defaults are the APS 2003 solid ICBM's 170 s and a 200 km burnout), the
  burnout speed and angle being those that reproduce the test's range and apogee. The rocket's
  ideal Δv is that burnout speed plus what the nearly vertical test boost lost to gravity,
  ∫ g sin γ dt; on a standard trajectory the same Δv, less that trajectory's smaller gravity loss,
  is the burnout speed, and the best angle gives the maximum range. This is why lofted tests
  understate range by more than their geometry alone says (no drag; no thrust or mass history).

The boost is not public, so it is assumed by the test's class (``test-classes.toml``: single-stage
liquid, two-stage liquid, two- and three-stage solid), each with a burn time and burnout altitude
and their ranges; the boost model's maximum range is also given as a band over a 3 × 3 grid of
those ranges (each range's ends and the class's value), so that the assumption shows.

Both are computed over a non-rotating sphere (R = 6,371 km), as published assessments usually are,
and then on the rotating WGS84 Earth fired due east and due west from a given latitude: the
Earth's rotation lends an eastward shot up to 465 m/s.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from pyproj import Geod

from securityroof.analysis.defaults import DEFAULT_LATITUDE_DEG, DEFAULT_TEST_CLASS
from securityroof.errors import RoofError
from securityroof.model.catalog import CatalogError, FlightTestClass, load_test_classes, parse_entries
from securityroof.physics.ballistic import free_flight, free_flight_range_angle
from securityroof.physics.boost import boost_shape, gravity_loss_mps
from securityroof.physics.earth import (
    SPHERE,
    WGS84,
    Earth,
    advance_along_great_circle,
    ecef_to_geodetic,
    geodetic_to_ecef,
    unit,
)
from securityroof.physics.targeting import MissileArrays, solve

#: Half the circumference of the R = 6,371 km sphere the maximum ranges are computed over.
HALF_GLOBE_KM = np.pi * SPHERE.equatorial_radius_m / 1e3


class AssessmentError(RoofError):
    """Test figures that describe no ballistic flight; the message names the field and the reason."""


@dataclass(frozen=True)
class Assessment:
    """What a lofted test implies (units in the names; the keys of ``roof assess-test --json``)."""

    test_range_km: float
    test_apogee_km: float
    test_flight_time_s: float | None
    burnout_speed_km_s: float  # free flight from the surface
    burnout_angle_deg: float
    free_flight_time_s: float
    free_flight_max_range_km: float
    boost_model_burnout_speed_km_s: float
    boost_model_burnout_angle_deg: float
    boost_model_flight_time_s: float
    boost_model_delta_v_km_s: float  # ideal Δv: test burnout speed plus its gravity loss
    boost_model_max_range_km: float
    boost_model_standard_burnout_speed_km_s: float  # the same Δv on the maximum-range trajectory
    free_flight_max_range_east_km: float
    free_flight_max_range_west_km: float
    boost_model_max_range_east_km: float
    boost_model_max_range_west_km: float
    burn_time_s: float
    burnout_altitude_km: float
    latitude_deg: float
    test_class: str
    range_band_km: dict[str, float]  # low, point, high: the boost model's maximum range over the class's ranges
    assumptions: dict

    def missile_toml(self, name: str, rcs_m2: float = 0.01) -> str:
        """A ``[[missile]]`` table for a scenario file: the class this test implies under the boost
        model (its maximum range and standard-trajectory burnout speed), citing the test."""
        test = f"range {self.test_range_km:g} km, apogee {self.test_apogee_km:g} km"
        if self.test_flight_time_s is not None:
            test += f", flight time {self.test_flight_time_s / 60:g} min"
        table = "\n".join(
            [
                "[[missile]]",
                f'name = "{name}"',
                f'label = "Class assessed from a lofted test ({test})"',
                'category = "ICBM"' if self.boost_model_max_range_km >= 5500 else 'category = "IRBM"',
                'country = "assessed"',
                "stages = 2",
                'propellant = "liquid"',
                f"range_km = {self.boost_model_max_range_km:.0f}",
                f"burn_time_s = {self.burn_time_s:g}",
                f"burnout_altitude_km = {self.burnout_altitude_km:g}",
                f"rcs_m2 = {rcs_m2:g}",
                f"burnout_speed_km_s = {self.boost_model_standard_burnout_speed_km_s:.3f}",
                f'source = "securityroof assess-test from the published test figures: {test}"',
                'note = "Boost model with assumed burn time and burnout altitude, Δv conserved from the lofted '
                'test; stages, propellant and RCS are placeholders to edit."',
            ]
        )
        # Only a table a scenario file accepts is printed: a near-orbital test implies no missile class.
        try:
            parse_entries("missile", table, file="the table")
        except CatalogError as error:
            problems = "; ".join(line.removeprefix("the table: ") for line in str(error).splitlines())
            raise AssessmentError(
                f"missile_toml: the class this test implies is not a valid [[missile]]: {problems}"
            ) from None
        return table

    def to_dict(self) -> dict:
        out = asdict(self)
        # a "maximum range" beyond half the globe is the length of a path that could stop anywhere
        out["free_flight_reaches_anywhere"] = self.free_flight_max_range_km >= HALF_GLOBE_KM
        out["boost_model_reaches_anywhere"] = self.boost_model_max_range_km >= HALF_GLOBE_KM
        out["model"] = {
            "earth": "non-rotating sphere R = 6371 km; rotating variants: WGS84 fired due east / west",
            "free_flight": "burnout on the ground at the launch point; no drag",
            "boost_model": (
                f"kinematic boost (securityroof.physics.boost), burn {self.burn_time_s:g} s, nominal burnout altitude "
                f"{self.burnout_altitude_km:g} km (assumed); no drag"
            ),
        }
        return out


def flight_test_class(name: str) -> FlightTestClass:
    """The boost assumptions of a class of lofted test, by name."""
    classes = load_test_classes()
    if name not in classes:
        raise AssessmentError(f"test_class: {name!r} is not a test class; choose {', '.join(classes)}")
    return classes[name]


def assess_test(
    range_km: float,
    apogee_km: float,
    flight_time_min: float | None = None,
    *,
    burn_time_s: float | None = None,
    burnout_altitude_km: float | None = None,
    latitude_deg: float = DEFAULT_LATITUDE_DEG,
    test_class_name: str = DEFAULT_TEST_CLASS,
) -> Assessment:
    """The standard-trajectory range implied by a test's ground range and apogee (see module doc).
    The boost is the test class's unless ``burn_time_s`` or ``burnout_altitude_km`` is given; the
    band is over the class's ranges (and takes in a given value outside them)."""
    assumed = flight_test_class(test_class_name)
    burn_time_s = assumed.burn_time_s if burn_time_s is None else burn_time_s
    burnout_altitude_km = assumed.burnout_altitude_km if burnout_altitude_km is None else burnout_altitude_km
    _check(range_km, apogee_km, flight_time_min, burn_time_s, burnout_altitude_km, latitude_deg)
    earth = SPHERE.with_rotation(False)
    mu, radius = earth.mu_m3_s2, earth.equatorial_radius_m
    psi = range_km * 1e3 / radius
    apoapsis = radius + apogee_km * 1e3
    e = (apoapsis - radius) / (apoapsis - radius * np.cos(psi / 2.0))
    p = apoapsis * (1.0 - e)
    a = p / (1.0 - e**2)
    speed = float(np.sqrt(mu * (2.0 / radius - 1.0 / a)))
    gamma = float(np.arccos(np.clip(np.sqrt(mu * p) / (radius * speed), -1.0, 1.0)))
    cos_E = (e - np.cos(psi / 2.0)) / (1.0 - e * np.cos(psi / 2.0))
    E = np.arccos(np.clip(cos_E, -1.0, 1.0))
    flight_time = float(2.0 * np.sqrt(a**3 / mu) * (np.pi - E + e * np.sin(E)))
    angles = np.radians(np.arange(2.0, 70.0, 0.25))
    free_speeds = np.full(angles.size, speed)
    free_max = _best(lambda a, v: _ranges_still(0.0, v, 0.0, a), angles, free_speeds)

    burnout_alt = burnout_altitude_km * 1e3
    boost_max, standard_speed, delta_v, boost_speeds, (boost_speed, boost_angle, boost_time) = _boost_model_max(
        range_km * 1e3, apogee_km * 1e3, burn_time_s, burnout_alt, angles
    )
    east_west = [
        _best(lambda a, v, t=t, h=h, az=az: _ranges_rotating(t, v, h, latitude_deg, az, a), angles, v)
        for t, v, h in ((0.0, free_speeds, 0.0), (burn_time_s, boost_speeds, burnout_alt))
        for az in (90.0, 270.0)
    ]
    return Assessment(
        test_range_km=range_km,
        test_apogee_km=apogee_km,
        test_flight_time_s=None if flight_time_min is None else flight_time_min * 60.0,
        burnout_speed_km_s=speed / 1e3,
        burnout_angle_deg=float(np.degrees(gamma)),
        free_flight_time_s=flight_time,
        free_flight_max_range_km=free_max / 1e3,
        boost_model_burnout_speed_km_s=boost_speed / 1e3,
        boost_model_burnout_angle_deg=float(np.degrees(boost_angle)),
        boost_model_flight_time_s=boost_time,
        boost_model_delta_v_km_s=delta_v / 1e3,
        boost_model_max_range_km=boost_max / 1e3,
        boost_model_standard_burnout_speed_km_s=standard_speed / 1e3,
        free_flight_max_range_east_km=east_west[0] / 1e3,
        free_flight_max_range_west_km=east_west[1] / 1e3,
        boost_model_max_range_east_km=east_west[2] / 1e3,
        boost_model_max_range_west_km=east_west[3] / 1e3,
        burn_time_s=burn_time_s,
        burnout_altitude_km=burnout_altitude_km,
        latitude_deg=latitude_deg,
        test_class=assumed.name,
        **_band(range_km * 1e3, apogee_km * 1e3, assumed, boost_max, angles),
    )


def _band(range_m, apogee_m, assumed: FlightTestClass, point_m, angles) -> dict:
    """The boost model's maximum range over the class's ranges of burn time and burnout altitude
    (the range is not monotonic in the burnout altitude, so the grid takes in each range's value).
    Grid points at which the boost model cannot fly the test (a burnout above its apogee) are left
    out, and counted."""
    ranges = assumed.ranges
    burn_times = sorted({*ranges["burn_time_s"], assumed.burn_time_s})
    altitudes = sorted({*ranges["burnout_altitude_km"], assumed.burnout_altitude_km})
    flown = [point_m]
    for burn in burn_times:
        for altitude in altitudes:
            if altitude * 1e3 >= apogee_m:
                continue
            try:
                flown.append(_boost_model_max(range_m, apogee_m, burn, altitude * 1e3, angles)[0])
            except AssessmentError:
                continue
    return {
        "range_band_km": {"low": min(flown) / 1e3, "point": point_m / 1e3, "high": max(flown) / 1e3},
        "assumptions": {
            "label": assumed.label,
            "examples": assumed.examples,
            "burn_time_s_range": list(ranges["burn_time_s"]),
            "burnout_altitude_km_range": list(ranges["burnout_altitude_km"]),
            "grid_points_flown": len(flown) - 1,
            "grid_points": len(burn_times) * len(altitudes),
            "source": assumed.source,
            "note": assumed.note,
        },
    }


def _boost_model_max(range_m, apogee_m, burn_time_s, burnout_alt_m, angles):
    """(maximum range, standard burnout speed, ideal Δv, burnout speeds over ``angles``, the fitted
    test burnout (speed, angle, flight time)) of the boost model."""
    fitted = _fit_boost_model(range_m, apogee_m, burn_time_s, burnout_alt_m)
    mu, radius = SPHERE.mu_m3_s2, SPHERE.equatorial_radius_m
    test_shape = boost_shape(
        np.array([burn_time_s]), np.array([fitted[0]]), np.array([fitted[1]]), np.array([burnout_alt_m])
    )
    delta_v = fitted[0] + float(gravity_loss_mps(test_shape, mu, radius)[0])
    speeds = _speeds_from_delta_v(delta_v, burn_time_s, burnout_alt_m, angles)
    best, _, standard_speed = _best_shot(lambda a, v: _ranges_still(burn_time_s, v, burnout_alt_m, a), angles, speeds)
    return best, standard_speed, delta_v, speeds, fitted


def _check(range_km, apogee_km, flight_time_min, burn_time_s, burnout_altitude_km, latitude_deg) -> None:
    checks = [
        ("range_km", range_km, 0.0, 19_000.0),
        ("apogee_km", apogee_km, 0.0, 20_000.0),
        ("burn_time_s", burn_time_s, 0.0, 600.0),
        ("burnout_altitude_km", burnout_altitude_km, 0.0, 1000.0),
        ("latitude_deg", latitude_deg, -89.0, 89.0),
    ]
    if flight_time_min is not None:
        checks.append(("flight_time_min", flight_time_min, 0.0, 240.0))
    for name, value, low, high in checks:
        if not (np.isfinite(value) and low < value <= high):
            raise AssessmentError(f"{name}: {value!r} must be a number in ({low:g}, {high:g}]")
    if burnout_altitude_km >= apogee_km:
        raise AssessmentError(
            f"burnout_altitude_km: {burnout_altitude_km:g} must lie below the apogee ({apogee_km:g} km)"
        )


def _fit_boost_model(range_m, apogee_m, burn_time_s, burnout_alt_m):
    """Burnout speed, angle and flight time with which the boost model flies the test: targeted to
    the test's range on the non-rotating sphere, at the burnout angle whose apogee is the test's."""
    earth = SPHERE.with_rotation(False)
    angle_deg = range_m / earth.equatorial_radius_m  # aim due north from the equator
    lat_aim = np.degrees(angle_deg)

    def fly(angles):
        n = angles.size
        missile = MissileArrays(
            np.full(n, "test", dtype=object), np.full(n, burn_time_s), np.full(n, burnout_alt_m), np.full(n, np.inf)
        )
        return solve(np.zeros(n), np.zeros(n), np.full(n, np.radians(lat_aim)), np.zeros(n), missile, angles, earth)

    angles = np.radians(np.linspace(20.0, 89.0, 70))
    grid = fly(angles)
    apogee = np.where(grid.reachable, grid.impact.apogee_alt_m, np.nan)
    above = np.flatnonzero(apogee >= apogee_m)
    if above.size == 0 or above[0] == 0:
        raise AssessmentError(
            f"apogee_km: with a {burn_time_s:g} s boost to {burnout_alt_m / 1e3:g} km, no trajectory to "
            f"{range_m / 1e3:g} km peaks at {apogee_m / 1e3:g} km; change the boost assumptions"
        )
    low, high = angles[above[0] - 1], angles[above[0]]
    for _ in range(30):  # bisection on the angle: apogee grows with it
        middle = np.array([0.5 * (low + high)])
        result = fly(middle)
        if result.impact.apogee_alt_m[0] >= apogee_m:
            high = middle[0]
        else:
            low = middle[0]
    result = fly(np.array([0.5 * (low + high)]))
    return float(result.burnout_speed_mps[0]), float(result.burnout_angle_rad[0]), float(result.impact.time_s[0])


def _speeds_from_delta_v(delta_v, burn_time_s, burnout_alt_m, angles):
    """Burnout speed at each burnout angle for an ideal Δv: Δv less that boost's gravity loss
    (which depends a little on the speed itself, through the altitudes flown; a few rounds settle it)."""
    earth = SPHERE
    speeds = np.full(angles.size, 0.9 * delta_v)
    for _ in range(6):
        shape = boost_shape(np.full(angles.size, burn_time_s), speeds, angles, np.full(angles.size, burnout_alt_m))
        speeds = delta_v - gravity_loss_mps(shape, earth.mu_m3_s2, earth.equatorial_radius_m)
    return speeds


def _best(ranges, angles, speeds) -> float:
    """Longest of ``ranges(angles, speeds)`` over the angle grid, refined by a parabola through the
    best three points (the speed interpolated to the refined angle)."""
    return _best_shot(ranges, angles, speeds)[0]


def _best_shot(ranges, angles, speeds) -> tuple[float, float, float]:
    """(longest range, its burnout angle, its burnout speed); see :func:`_best`."""
    values = ranges(angles, speeds)
    best = int(np.clip(np.nanargmax(values), 1, angles.size - 2))
    left, middle, right = values[best - 1 : best + 2]
    curvature = left - 2.0 * middle + right
    shift = float(np.clip(0.5 * (left - right) / curvature, -1.0, 1.0)) if curvature < 0.0 else 0.0
    angle = angles[best] + shift * (angles[1] - angles[0])
    speed = float(np.interp(angle, angles, speeds))
    refined = float(ranges(np.array([angle]), np.array([speed]))[0])
    if refined >= middle:
        return refined, float(angle), speed
    return float(middle), float(angles[best]), float(speeds[best])


def _ranges_still(burn_time_s, speeds, burnout_alt_m, angles):
    """Ground ranges over the non-rotating sphere: boost downrange plus the closed-form free flight."""
    radius = SPHERE.equatorial_radius_m
    n = angles.size
    shape = boost_shape(np.full(n, burn_time_s), speeds, angles, np.full(n, burnout_alt_m))
    psi = free_flight_range_angle(radius + shape.burnout_alt_m, speeds, angles, radius, SPHERE.mu_m3_s2)
    return shape.downrange_m + psi * radius


def _ranges_rotating(burn_time_s, speeds, burnout_alt_m, latitude_deg, azimuth_deg, angles, earth: Earth = WGS84):
    """Ground ranges (geodesic, so meaningful below half the globe) on the rotating Earth, fired
    along ``azimuth_deg`` from ``latitude_deg``."""
    n = angles.size
    speed = speeds
    shape = boost_shape(np.full(n, burn_time_s), speeds, angles, np.full(n, burnout_alt_m))
    lat, lon = np.radians(latitude_deg), 0.0
    launch = geodetic_to_ecef(lat, lon, 0.0, earth)
    u_launch = unit(launch)
    azimuth = np.radians(azimuth_deg)
    east = np.array([-np.sin(lon), np.cos(lon), 0.0])
    north = np.array([-np.sin(lat) * np.cos(lon), -np.sin(lat) * np.sin(lon), np.cos(lat)])
    heading = np.sin(azimuth) * east + np.cos(azimuth) * north
    heading = unit(heading - np.dot(heading, u_launch) * u_launch)
    radius = float(np.linalg.norm(launch))
    u_burnout = advance_along_great_circle(u_launch[None, :], heading[None, :], shape.downrange_m / radius)
    # Heading at burnout: the same great circle, continued.
    pole = np.cross(u_launch, heading)
    burnout_heading = np.cross(pole[None, :], u_burnout)
    position = (radius + shape.burnout_alt_m)[:, None] * u_burnout
    velocity = (speed * np.cos(angles))[:, None] * burnout_heading + (speed * np.sin(angles))[:, None] * u_burnout
    impact = free_flight(position, velocity, np.full(n, burn_time_s), earth).impact()
    landed = np.where(impact.lands[:, None], impact.position_ecef_m, launch)
    impact_lat, impact_lon, _ = ecef_to_geodetic(landed, earth)
    _, _, distance = Geod(a=earth.equatorial_radius_m, f=earth.flattening).inv(
        np.zeros(n), np.full(n, latitude_deg), np.degrees(impact_lon), np.degrees(impact_lat)
    )
    return np.where(impact.lands, np.asarray(distance), np.nan)
