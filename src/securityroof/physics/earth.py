"""Earth figure, Earth-fixed and inertial frames, gravity, and look angles.

Every function takes and returns SI units (metres, seconds, radians) and broadcasts over leading
array dimensions, so one call serves one point or a million.

Frames:
- ECEF: Earth-centred, Earth-fixed; z to the north pole, x to (0° N, 0° E).
- ECI here is the inertial frame that coincides with ECEF at t = 0 (the launch instant of the
  trajectory being computed). Because both the ellipsoid and the J2 field are symmetric about the
  z axis, altitudes and gravity can be evaluated directly in this frame.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

#: The coordinates a point may have, in degrees: latitudes north-positive, longitudes east-positive
#: from -180 (west) up to 360 (a longitude counted eastward round the globe). Every input checks these.
LATITUDE_RANGE_DEG = (-90.0, 90.0)
LONGITUDE_RANGE_DEG = (-180.0, 360.0)


def coordinate_problem(lat_deg: float, lon_deg: float) -> str | None:
    """Why ``(lat_deg, lon_deg)`` is not a point (``latitude 95 is outside [-90, 90]``), or None."""
    for what, value, (low, high) in (
        ("latitude", lat_deg, LATITUDE_RANGE_DEG),
        ("longitude", lon_deg, LONGITUDE_RANGE_DEG),
    ):
        if not (np.isfinite(value) and low <= value <= high):
            return f"{what} {value:g} is outside [{low:g}, {high:g}]"
    return None


#: WGS84 / EGM96 geocentric gravitational constant (NIMA TR8350.2, 3rd ed., Table 3.1).
MU_EARTH_M3_S2 = 3.986004418e14
#: WGS84 nominal mean angular velocity of the Earth (NIMA TR8350.2, Table 3.1).
OMEGA_EARTH_RAD_S = 7.292115e-5
#: EGM96 second zonal harmonic, unnormalised J2 = -sqrt(5) * C20 (NIMA TR8350.2, Table 3.3 / §5),
#: defined with the WGS84 equatorial radius as reference radius, whatever figure the surface has.
J2_EARTH = 1.08262668355e-3
J2_REFERENCE_RADIUS_M = 6378137.0


@dataclass(frozen=True)
class Earth:
    """A rotationally symmetric Earth: figure, gravity field and spin.

    The same object gives the surface (for launch, aim and impact points), the gravity field used
    in free flight and the rotation rate that links the Earth-fixed and inertial frames.
    """

    name: str
    equatorial_radius_m: float
    flattening: float
    mu_m3_s2: float = MU_EARTH_M3_S2
    rotation_rate_rad_s: float = OMEGA_EARTH_RAD_S
    j2: float = 0.0

    @property
    def polar_radius_m(self) -> float:
        return self.equatorial_radius_m * (1.0 - self.flattening)

    @property
    def mean_radius_m(self) -> float:
        """The arithmetic mean radius (2a + b) / 3: the sphere fly-out tables and range limits use."""
        return (2.0 * self.equatorial_radius_m + self.polar_radius_m) / 3.0

    @property
    def eccentricity_squared(self) -> float:
        return self.flattening * (2.0 - self.flattening)

    @property
    def rotating(self) -> bool:
        return self.rotation_rate_rad_s != 0.0

    def with_rotation(self, rotating: bool) -> Earth:
        return replace(self, rotation_rate_rad_s=OMEGA_EARTH_RAD_S if rotating else 0.0)

    def with_j2(self, j2: bool) -> Earth:
        return replace(self, j2=J2_EARTH if j2 else 0.0)

    def describe(self) -> str:
        figure = "sphere" if self.flattening == 0.0 else "ellipsoid"
        gravity = "point mass + J2" if self.j2 else "point mass"
        spin = "rotating" if self.rotating else "non-rotating"
        return f"{self.name} ({figure}, {gravity}, {spin})"


#: WGS84 ellipsoid (NIMA TR8350.2): a = 6378137 m, 1/f = 298.257223563.
WGS84 = Earth("wgs84", 6378137.0, 1.0 / 298.257223563)
#: Sphere of the mean radius used by the textbook closed forms (Bate, Mueller & White 1971 use
#: 6378 km; arms-control studies mostly use 6371 km, the IUGG mean radius R1 to 1 km).
SPHERE = Earth("sphere", 6371000.0, 0.0)

EARTH_MODELS = {"wgs84": WGS84, "sphere": SPHERE}


def earth_model(name: str, *, rotating: bool = True, j2: bool = False) -> Earth:
    """The named figure (``wgs84`` or ``sphere``) with rotation and J2 switched as asked."""
    try:
        base = EARTH_MODELS[name]
    except KeyError:
        raise ValueError(f"earth: unknown model {name!r}; choose one of {sorted(EARTH_MODELS)}") from None
    return base.with_rotation(rotating).with_j2(j2)


def geodetic_to_ecef(lat_rad, lon_rad, alt_m, earth: Earth = WGS84) -> np.ndarray:
    """Geodetic latitude, longitude and height above the ellipsoid to ECEF metres, shape (..., 3)."""
    lat, lon, alt = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (lat_rad, lon_rad, alt_m)))
    a, e2 = earth.equatorial_radius_m, earth.eccentricity_squared
    sin_lat, cos_lat = np.sin(lat), np.cos(lat)
    prime_vertical = a / np.sqrt(1.0 - e2 * sin_lat**2)
    horizontal = (prime_vertical + alt) * cos_lat
    return np.stack(
        [horizontal * np.cos(lon), horizontal * np.sin(lon), (prime_vertical * (1.0 - e2) + alt) * sin_lat],
        axis=-1,
    )


def ecef_to_geodetic(position_m, earth: Earth = WGS84) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ECEF metres (..., 3) to geodetic latitude, longitude (radians) and height (metres).

    The latitude and height are :func:`securityroof.physics.formulas.geodetic_cos_sin_height`, the
    formula the compiled kernels use (Bowring's iteration; deep inside the Earth, within ~40 km of
    the axis, it is not valid)."""
    from securityroof.physics import formulas  # numba, loaded when a position is first converted

    r = np.asarray(position_m, dtype=float)
    shape = r.shape[:-1]
    x, y, z = (np.ascontiguousarray(r[..., k], dtype=float).reshape(-1) for k in range(3))
    lat, alt = np.empty_like(x), np.empty_like(x)
    formulas.geodetic_latitude_height(x, y, z, earth.equatorial_radius_m, earth.flattening, lat, alt)
    lon = np.arctan2(r[..., 1], r[..., 0])
    if not shape:  # one point: scalars, as numpy's own functions give
        return lat[0], lon, alt[0]
    return lat.reshape(shape), lon, alt.reshape(shape)


def surface_radius_m(direction, earth: Earth = WGS84) -> np.ndarray:
    """Distance from the centre to the ellipsoid along geocentric unit vectors (..., 3)."""
    u = np.asarray(direction, dtype=float)
    a, b = earth.equatorial_radius_m, earth.polar_radius_m
    return 1.0 / np.sqrt((u[..., 0] ** 2 + u[..., 1] ** 2) / a**2 + u[..., 2] ** 2 / b**2)


def ellipsoid_height_along_radius_m(position_m, earth: Earth = WGS84) -> np.ndarray:
    """Radial height above the ellipsoid: |r| minus the surface radius in the same direction.

    Zero exactly where geodetic height is zero, and within metres of it at missile altitudes; used
    where only the surface crossing matters, because it is far cheaper than the geodetic height.
    """
    r = np.asarray(position_m, dtype=float)
    norm = np.linalg.norm(r, axis=-1)
    return norm - surface_radius_m(r / norm[..., None], earth)


def rotate_about_z(vectors: np.ndarray, angle_rad) -> np.ndarray:
    """Vectors (..., 3) turned by ``angle_rad`` about the z axis (counter-clockwise seen from the north)."""
    c, s = np.cos(angle_rad), np.sin(angle_rad)
    x, y = vectors[..., 0], vectors[..., 1]
    return np.stack([c * x - s * y, s * x + c * y, vectors[..., 2]], axis=-1)


def ecef_to_inertial(position_m, velocity_mps, time_s, earth: Earth = WGS84) -> tuple[np.ndarray, np.ndarray]:
    """Earth-fixed state (velocity relative to the Earth) to the inertial frame aligned at t = 0."""
    r = np.asarray(position_m, dtype=float)
    v = np.asarray(velocity_mps, dtype=float)
    omega = np.array([0.0, 0.0, earth.rotation_rate_rad_s])
    angle = earth.rotation_rate_rad_s * np.asarray(time_s, dtype=float)
    return rotate_about_z(r, angle), rotate_about_z(v + np.cross(omega, r), angle)


def inertial_to_ecef(position_m, velocity_mps, time_s, earth: Earth = WGS84) -> tuple[np.ndarray, np.ndarray]:
    """Inverse of :func:`ecef_to_inertial`: velocity comes back relative to the rotating Earth."""
    angle = -earth.rotation_rate_rad_s * np.asarray(time_s, dtype=float)
    r = rotate_about_z(np.asarray(position_m, dtype=float), angle)
    omega = np.array([0.0, 0.0, earth.rotation_rate_rad_s])
    v = rotate_about_z(np.asarray(velocity_mps, dtype=float), angle) - np.cross(omega, r)
    return r, v


def gravity_acceleration(position_m, earth: Earth = WGS84) -> np.ndarray:
    """Gravitational acceleration (..., 3): point mass, plus the J2 term when ``earth.j2`` is set.

    Gravitation only: the centrifugal term of a rotating frame is not included because propagation
    happens in the inertial frame.
    """
    r = np.asarray(position_m, dtype=float)
    r2 = np.sum(r * r, axis=-1)
    rn = np.sqrt(r2)
    accel = -earth.mu_m3_s2 * r / (r2 * rn)[..., None]
    if earth.j2:
        z2_r2 = r[..., 2] ** 2 / r2
        k = 1.5 * earth.j2 * earth.mu_m3_s2 * J2_REFERENCE_RADIUS_M**2 / (r2 * r2 * rn)
        factor_xy = k * (5.0 * z2_r2 - 1.0)
        factor_z = k * (5.0 * z2_r2 - 3.0)
        accel = accel + np.stack([factor_xy * r[..., 0], factor_xy * r[..., 1], factor_z * r[..., 2]], axis=-1)
    return accel


def gravity_potential(position_m, earth: Earth = WGS84) -> np.ndarray:
    """Gravitational potential energy per unit mass (J/kg), negative; consistent with
    :func:`gravity_acceleration` (its negative gradient)."""
    r = np.asarray(position_m, dtype=float)
    rn = np.linalg.norm(r, axis=-1)
    potential = -earth.mu_m3_s2 / rn
    if earth.j2:
        sin2 = (r[..., 2] / rn) ** 2
        potential = potential + earth.mu_m3_s2 * earth.j2 * J2_REFERENCE_RADIUS_M**2 / rn**3 * 0.5 * (3.0 * sin2 - 1.0)
    return potential


def enu_basis(lat_rad, lon_rad) -> np.ndarray:
    """East, north and (geodetic) up unit vectors in ECEF at geodetic coordinates, shape (..., 3, 3)."""
    lat, lon = np.broadcast_arrays(np.asarray(lat_rad, dtype=float), np.asarray(lon_rad, dtype=float))
    sl, cl, so, co = np.sin(lat), np.cos(lat), np.sin(lon), np.cos(lon)
    east = np.stack([-so, co, np.zeros_like(so)], -1)
    north = np.stack([-sl * co, -sl * so, cl], -1)
    up = np.stack([cl * co, cl * so, sl], -1)
    return np.stack([east, north, up], -2)


def look_angles(observer_lat_rad, observer_lon_rad, observer_alt_m, target_ecef_m, earth: Earth = WGS84):
    """Elevation above the observer's geodetic horizon, azimuth clockwise from north, and slant range.

    Returns ``(elevation_rad, azimuth_rad, range_m)``; azimuth lies in [0, 2π).
    """
    observer = geodetic_to_ecef(observer_lat_rad, observer_lon_rad, observer_alt_m, earth)
    line_of_sight = np.asarray(target_ecef_m, dtype=float) - observer
    basis = enu_basis(observer_lat_rad, observer_lon_rad)
    east, north, up = (np.sum(line_of_sight * basis[..., i, :], axis=-1) for i in range(3))
    slant = np.sqrt(east**2 + north**2 + up**2)
    elevation = np.arctan2(up, np.hypot(east, north))
    azimuth = np.mod(np.arctan2(east, north), 2.0 * np.pi)
    # np.mod of a tiny negative angle rounds to exactly 2π; that direction is north.
    azimuth = np.where(azimuth >= 2.0 * np.pi, 0.0, azimuth)
    return elevation, azimuth, slant


def unit(vectors) -> np.ndarray:
    v = np.asarray(vectors, dtype=float)
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def central_angle(u, w) -> np.ndarray:
    """Angle between directions (..., 3), accurate for tiny and near-antipodal angles."""
    u, w = np.asarray(u, dtype=float), np.asarray(w, dtype=float)
    return np.arctan2(np.linalg.norm(np.cross(u, w), axis=-1), np.sum(u * w, axis=-1))


def central_cos_sin(u, w) -> tuple[np.ndarray, np.ndarray]:
    """Cosine and sine of :func:`central_angle`, from the dot and cross products divided by their
    common length (no transcendental call)."""
    u, w = np.asarray(u, dtype=float), np.asarray(w, dtype=float)
    cosine, sine = np.sum(u * w, axis=-1), np.linalg.norm(np.cross(u, w), axis=-1)
    length = np.sqrt(cosine * cosine + sine * sine)
    return cosine / length, sine / length


def great_circle_heading(u_from, u_to) -> np.ndarray:
    """Unit vector tangent at ``u_from`` along the great circle toward ``u_to`` (unit inputs)."""
    u_from, u_to = np.asarray(u_from, dtype=float), np.asarray(u_to, dtype=float)
    tangent = u_to - np.sum(u_to * u_from, axis=-1, keepdims=True) * u_from
    return tangent / np.linalg.norm(tangent, axis=-1, keepdims=True)


def advance_along_great_circle(u_from, heading, angle_rad) -> np.ndarray:
    """The direction reached from ``u_from`` after ``angle_rad`` along the unit tangent ``heading``."""
    angle = np.asarray(angle_rad, dtype=float)[..., None]
    return np.cos(angle) * u_from + np.sin(angle) * heading
