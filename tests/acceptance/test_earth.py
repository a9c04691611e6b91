"""Earth figure, frames, gravity and look angles (``securityroof.physics.earth``).

Authorities used below:
- WGS84 defining and derived constants: NIMA TR8350.2, 3rd ed. (2000), Tables 3.1 and 3.3
  (a = 6378137 m, 1/f = 298.257223563, b = 6356752.3142 m, e^2 = 6.69437999014e-3).
- Independent oracle for geodetic <-> ECEF: PROJ through pyproj, EPSG:4979 (WGS84 3-D geographic)
  to EPSG:4978 (WGS84 geocentric). PROJ's inverse is non-iterative, so it is only good to ~0.1 mm
  below 100 km and a few cm at 2000 km; those are the tolerances used against it.
- Closed forms derived in the docstrings: the sphere, uniform rotation v = omega x r, the zonal
  potential U = -mu/r + mu J2 a^2 / r^3 (3 sin^2(phi) - 1) / 2, the radar horizon on a sphere.

Hypothesis examples use ``deadline=None`` because the first numpy call in a process can be slow.
"""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pyproj import Transformer

from securityroof.physics.earth import (
    J2_EARTH,
    MU_EARTH_M3_S2,
    OMEGA_EARTH_RAD_S,
    SPHERE,
    WGS84,
    advance_along_great_circle,
    central_angle,
    earth_model,
    ecef_to_geodetic,
    ecef_to_inertial,
    ellipsoid_height_along_radius_m,
    geodetic_to_ecef,
    gravity_acceleration,
    gravity_potential,
    great_circle_heading,
    inertial_to_ecef,
    look_angles,
    surface_radius_m,
)

A_WGS84 = 6378137.0  # TR8350.2 Table 3.1
B_WGS84 = 6356752.314245  # TR8350.2 Table 3.3 (6356752.3142), full precision from a and f
E2_WGS84 = 6.69437999014e-3  # TR8350.2 Table 3.3
R_SPHERE = 6371000.0

FAST = settings(deadline=None, max_examples=100)

latitudes = st.floats(-np.pi / 2, np.pi / 2)
longitudes = st.floats(-np.pi, np.pi, exclude_min=True)
heights = st.floats(-1e4, 5e6)
models = st.sampled_from([WGS84, SPHERE])


def direction(lat, lon):
    """Unit vector at geocentric latitude/longitude (textbook spherical coordinates)."""
    lat, lon = np.asarray(lat, dtype=float), np.asarray(lon, dtype=float)
    return np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], axis=-1)


def local_axes(lat, lon):
    """East, north, up at geodetic (lat, lon), written out here from the textbook formulas so the
    look-angle tests do not lean on ``enu_basis``."""
    east = np.array([-np.sin(lon), np.cos(lon), 0.0])
    north = np.array([-np.sin(lat) * np.cos(lon), -np.sin(lat) * np.sin(lon), np.cos(lat)])
    up = np.array([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])
    return east, north, up


def wrapped(angle):
    """Angle difference folded into (-pi, pi]."""
    return np.arctan2(np.sin(angle), np.cos(angle))


# --------------------------------------------------------------------------------------------
# Constants and the model factory
# --------------------------------------------------------------------------------------------


def test_wgs84_derived_constants_match_tr8350():
    """Polar radius and first eccentricity squared against NIMA TR8350.2 Table 3.3 (to the
    printed digits: 1e-4 m and 1e-14)."""
    assert WGS84.equatorial_radius_m == A_WGS84
    assert WGS84.polar_radius_m == pytest.approx(6356752.3142, abs=1e-4)
    assert WGS84.polar_radius_m == pytest.approx(B_WGS84, abs=1e-6)
    assert WGS84.eccentricity_squared == pytest.approx(E2_WGS84, abs=1e-14)
    assert WGS84.mu_m3_s2 == 3.986004418e14
    assert WGS84.rotation_rate_rad_s == 7.292115e-5


def test_earth_model_sphere_fields():
    """earth_model('sphere', rotating=False, j2=True): mean-radius sphere, no spin, EGM96 J2."""
    earth = earth_model("sphere", rotating=False, j2=True)
    assert earth.name == "sphere"
    assert earth.equatorial_radius_m == R_SPHERE
    assert earth.polar_radius_m == R_SPHERE
    assert earth.flattening == 0.0
    assert earth.eccentricity_squared == 0.0
    assert earth.rotation_rate_rad_s == 0.0
    assert not earth.rotating
    assert earth.j2 == J2_EARTH
    assert earth.mu_m3_s2 == MU_EARTH_M3_S2
    assert earth.describe() == "sphere (sphere, point mass + J2, non-rotating)"


def test_earth_model_defaults_are_rotating_point_mass():
    earth = earth_model("wgs84")
    assert earth.rotation_rate_rad_s == OMEGA_EARTH_RAD_S
    assert earth.j2 == 0.0
    assert earth.flattening == WGS84.flattening
    assert earth.describe() == "wgs84 (ellipsoid, point mass, rotating)"


def test_earth_model_unknown_name_lists_choices():
    with pytest.raises(ValueError, match=r"'mars'.*\['sphere', 'wgs84'\]"):
        earth_model("mars")


# --------------------------------------------------------------------------------------------
# Geodetic <-> ECEF
# --------------------------------------------------------------------------------------------


def _pyproj_cases(max_height_m, n=5000, seed=0):
    rng = np.random.default_rng(seed)
    lat = np.arcsin(rng.uniform(-1.0, 1.0, n))  # uniform over the sphere
    lon = rng.uniform(-np.pi, np.pi, n)
    h = rng.uniform(-1e4, max_height_m, n)
    # Always include the poles, the equator and the antimeridian.
    lat = np.concatenate([lat, [np.pi / 2, -np.pi / 2, 0.0, 0.0]])
    lon = np.concatenate([lon, [0.3, -2.0, 0.0, np.pi]])
    h = np.concatenate([h, [max_height_m, 0.0, -1e4, max_height_m]])
    return lat, lon, h


@pytest.fixture(scope="module")
def proj():
    return Transformer.from_crs("EPSG:4979", "EPSG:4978", always_xy=True)


@pytest.mark.parametrize("max_height_m", [1e5, 2e6])
def test_geodetic_to_ecef_matches_pyproj(proj, max_height_m):
    """Forward transform against PROJ (EPSG:4979 -> 4978), a closed form in both: < 1 um."""
    lat, lon, h = _pyproj_cases(max_height_m)
    x, y, z = proj.transform(np.degrees(lon), np.degrees(lat), h)
    ours = geodetic_to_ecef(lat, lon, h)
    np.testing.assert_allclose(ours, np.stack([x, y, z], axis=-1), rtol=0, atol=1e-6)


@pytest.mark.parametrize(("max_height_m", "tol_m"), [(1e5, 1e-3), (2e6, 5e-2)])
def test_ecef_to_geodetic_matches_pyproj(proj, max_height_m, tol_m):
    """Inverse transform against PROJ's (non-iterative) inverse: height and latitude (as arc length
    on the equatorial radius) to 1 mm below 100 km and 5 cm up to 2000 km; longitude is exact in
    both (atan2), so 1e-12 rad."""
    lat, lon, h = _pyproj_cases(max_height_m, seed=1)
    position = geodetic_to_ecef(lat, lon, h)
    lon_p, lat_p, h_p = proj.transform(position[:, 0], position[:, 1], position[:, 2], direction="INVERSE")
    lat_o, lon_o, h_o = ecef_to_geodetic(position)
    np.testing.assert_allclose(h_o, h_p, rtol=0, atol=tol_m)
    np.testing.assert_allclose(A_WGS84 * (lat_o - np.radians(lat_p)), 0.0, atol=tol_m)
    off_pole = np.abs(lat) < np.pi / 2
    np.testing.assert_allclose(wrapped(lon_o - np.radians(lon_p))[off_pole], 0.0, atol=1e-12)


def test_known_points_equator_and_poles():
    """Equator on the prime meridian at h=0 is (a, 0, 0); the poles are (0, 0, +-b)
    (TR8350.2 Table 3.3), to 1e-6 m; and back again."""
    np.testing.assert_allclose(geodetic_to_ecef(0.0, 0.0, 0.0), [A_WGS84, 0.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(geodetic_to_ecef(0.0, np.pi / 2, 0.0), [0.0, A_WGS84, 0.0], atol=1e-6)
    np.testing.assert_allclose(geodetic_to_ecef(np.pi / 2, 0.0, 0.0), [0.0, 0.0, B_WGS84], atol=1e-6)
    np.testing.assert_allclose(geodetic_to_ecef(-np.pi / 2, 1.0, 0.0), [0.0, 0.0, -B_WGS84], atol=1e-6)
    np.testing.assert_allclose(geodetic_to_ecef(np.pi / 2, 0.0, 1000.0), [0.0, 0.0, B_WGS84 + 1000.0], atol=1e-6)
    lat, lon, h = ecef_to_geodetic(np.array([0.0, 0.0, B_WGS84 + 500.0]))
    assert lat == pytest.approx(np.pi / 2, abs=1e-15)
    assert h == pytest.approx(500.0, abs=1e-6)
    lat, lon, h = ecef_to_geodetic(np.array([A_WGS84 - 20.0, 0.0, 0.0]))
    assert (lat, lon) == (0.0, 0.0)
    assert h == pytest.approx(-20.0, abs=1e-9)


def test_geodetic_transforms_broadcast():
    """Module contract: leading dimensions broadcast; a (2, 3) grid gives (2, 3, 3) positions."""
    lat = np.array([[0.1], [0.2]])
    lon = np.array([0.0, 1.0, 2.0])
    position = geodetic_to_ecef(lat, lon, 100.0)
    assert position.shape == (2, 3, 3)
    lat_b, lon_b, h_b = ecef_to_geodetic(position)
    assert lat_b.shape == lon_b.shape == h_b.shape == (2, 3)
    np.testing.assert_allclose(lat_b, np.broadcast_to(lat, (2, 3)), atol=1e-13)


@FAST
@given(lat=latitudes, lon=longitudes, h=heights, earth=models)
def test_geodetic_round_trip(lat, lon, h, earth):
    """geodetic -> ECEF -> geodetic is the identity. Measured worst case over 2e5 random points is
    3e-16 rad and 6e-9 m (float rounding of |r| ~ 1e7 m); asserted to 1e-13 rad and 1e-7 m, which a
    single Bowring pass (6e-9 rad at 5000 km) would fail. Longitude is checked wherever the point
    is off the axis (x, y carry full relative precision, so even cos(lat) ~ 6e-17 is fine)."""
    position = geodetic_to_ecef(lat, lon, h, earth)
    lat_b, lon_b, h_b = ecef_to_geodetic(position, earth)
    assert abs(lat_b - lat) <= 1e-13
    assert abs(h_b - h) <= 1e-7
    if np.hypot(position[0], position[1]) > 0.0:
        assert abs(wrapped(lon_b - lon)) <= 1e-13


@FAST
@given(lat=latitudes, lon=longitudes, h=heights)
def test_sphere_geodetic_is_geocentric(lat, lon, h):
    """On a sphere the normal is radial: height = |r| - R and geodetic latitude = geocentric
    latitude atan2(z, hypot(x, y)) (1e-7 m, 1e-14 rad)."""
    position = geodetic_to_ecef(lat, lon, h, SPHERE)
    r = np.linalg.norm(position)
    assert r == pytest.approx(R_SPHERE + h, abs=1e-7)
    lat_b, _, h_b = ecef_to_geodetic(position, SPHERE)
    assert h_b == pytest.approx(r - R_SPHERE, abs=1e-7)
    assert lat_b == pytest.approx(np.arctan2(position[2], np.hypot(position[0], position[1])), abs=1e-14)


def test_geodetic_differs_from_geocentric_on_wgs84():
    """Sanity of the figure: at 45 deg geodetic on the ellipsoid the geocentric latitude is smaller
    by about f sin(2 phi) = 0.1924 deg (first-order closed form, to 1e-3 deg)."""
    position = geodetic_to_ecef(np.radians(45.0), 0.0, 0.0)
    geocentric = np.degrees(np.arctan2(position[2], position[0]))
    assert 45.0 - geocentric == pytest.approx(np.degrees(WGS84.flattening), abs=1e-3)


# --------------------------------------------------------------------------------------------
# Surface radius and radial height
# --------------------------------------------------------------------------------------------


def test_surface_radius_equator_and_poles():
    """The ellipse x^2/a^2 + z^2/b^2 = 1 has radius a on the equator and b on the axis (TR8350.2)."""
    dirs = np.array([[1.0, 0.0, 0.0], [0.0, -1.0, 0.0], [np.sqrt(0.5), np.sqrt(0.5), 0.0], [0, 0, 1.0], [0, 0, -1.0]])
    np.testing.assert_allclose(surface_radius_m(dirs), [A_WGS84] * 3 + [B_WGS84] * 2, rtol=0, atol=1e-6)
    np.testing.assert_allclose(surface_radius_m(dirs, SPHERE), R_SPHERE, rtol=0, atol=1e-6)


@FAST
@given(lat=latitudes, lon=longitudes)
def test_surface_points_have_zero_radial_height(lat, lon):
    """A point geodetic_to_ecef(lat, lon, 0) lies on the ellipsoid, so its radial height is 0
    (1e-6 m; float rounding is ~1e-9 m)."""
    position = geodetic_to_ecef(lat, lon, 0.0)
    assert abs(ellipsoid_height_along_radius_m(position)) <= 1e-6
    assert np.linalg.norm(position) == pytest.approx(surface_radius_m(position / np.linalg.norm(position)), abs=1e-6)


@FAST
@given(lat=latitudes, lon=longitudes, h=st.floats(0.0, 1.5e6))
def test_radial_height_close_to_geodetic_height(lat, lon, h):
    """Radial and geodetic heights share their sign and differ by less than h * (2 f)^2 / 2, the
    small-angle bound for the angle between the normal and the radius (< 2f) - a few metres at
    1500 km, the docstring's 'within metres at missile altitudes'."""
    radial = ellipsoid_height_along_radius_m(geodetic_to_ecef(lat, lon, h))
    bound = h * (2.0 * WGS84.flattening) ** 2 / 2.0 + 1e-6
    assert abs(radial - h) <= bound


# --------------------------------------------------------------------------------------------
# Earth-fixed <-> inertial
# --------------------------------------------------------------------------------------------

coords = st.floats(-5e7, 5e7)
speeds = st.floats(-1e4, 1e4)


@FAST
@given(
    r=st.tuples(coords, coords, coords),
    v=st.tuples(speeds, speeds, speeds),
    t=st.floats(-1e6, 1e6),
)
def test_inertial_transforms_are_inverses(r, v, t):
    """inertial_to_ecef(ecef_to_inertial(x)) = x, both ways; tolerance a few ulp of the magnitudes
    involved (|r| and |v| + omega |r|), 1e-13 relative."""
    r, v = np.array(r), np.array(v)
    scale_r = np.linalg.norm(r) + 1.0
    scale_v = np.linalg.norm(v) + OMEGA_EARTH_RAD_S * scale_r + 1.0
    r_i, v_i = ecef_to_inertial(r, v, t)
    r_b, v_b = inertial_to_ecef(r_i, v_i, t)
    np.testing.assert_allclose(r_b, r, rtol=0, atol=1e-13 * scale_r)
    np.testing.assert_allclose(v_b, v, rtol=0, atol=1e-13 * scale_v)
    r_f, v_f = inertial_to_ecef(r, v, t)
    r_c, v_c = ecef_to_inertial(r_f, v_f, t)
    np.testing.assert_allclose(r_c, r, rtol=0, atol=1e-13 * scale_r)
    np.testing.assert_allclose(v_c, v, rtol=0, atol=1e-13 * scale_v)


@FAST
@given(lat=latitudes, lon=longitudes, h=heights, t=st.floats(0.0, 86400.0))
def test_point_fixed_on_earth_moves_east_at_omega_times_axis_distance(lat, lon, h, t):
    """Uniform rotation about z: a point at rest on the Earth has inertial velocity omega x r, of
    speed omega * hypot(x, y), perpendicular to r and to z, and its inertial position is the ECEF
    one rotated by omega t about z (rel 1e-12)."""
    r = geodetic_to_ecef(lat, lon, h)
    r_i, v_i = ecef_to_inertial(r, np.zeros(3), t)
    axis_distance = np.hypot(r[0], r[1])
    assert np.linalg.norm(v_i) == pytest.approx(OMEGA_EARTH_RAD_S * axis_distance, rel=1e-12, abs=1e-12)
    assert abs(v_i[2]) <= 1e-12
    assert abs(np.dot(v_i, r_i)) <= 1e-12 * np.linalg.norm(v_i) * np.linalg.norm(r_i) + 1e-9
    angle = OMEGA_EARTH_RAD_S * t
    expected = [
        np.cos(angle) * r[0] - np.sin(angle) * r[1],
        np.sin(angle) * r[0] + np.cos(angle) * r[1],
        r[2],
    ]
    np.testing.assert_allclose(r_i, expected, rtol=0, atol=1e-12 * np.linalg.norm(r))
    if axis_distance > 1.0:  # eastward: along z x r_i (counter-clockwise seen from the north)
        assert np.dot(v_i, np.cross([0.0, 0.0, 1.0], r_i)) > 0.0


def test_equator_surface_speed():
    """Rotation speed of the equator: omega * a = 465.10 m/s (TR8350.2 omega, a), to 1 mm/s."""
    _, v_i = ecef_to_inertial(np.array([A_WGS84, 0.0, 0.0]), np.zeros(3), 0.0)
    np.testing.assert_allclose(v_i, [0.0, 465.1011, 0.0], atol=1e-3)


@FAST
@given(
    r=st.tuples(coords, coords, coords),
    v=st.tuples(speeds, speeds, speeds),
    t=st.floats(-1e6, 1e6),
)
def test_non_rotating_earth_frames_coincide(r, v, t):
    """With with_rotation(False) omega = 0, so both transforms are the identity (exactly)."""
    still = WGS84.with_rotation(False)
    assert not still.rotating
    r, v = np.array(r), np.array(v)
    for transform in (ecef_to_inertial, inertial_to_ecef):
        r_out, v_out = transform(r, v, t, still)
        np.testing.assert_array_equal(r_out, r)
        np.testing.assert_array_equal(v_out, v)


def test_with_rotation_round_trip():
    assert WGS84.with_rotation(False).with_rotation(True).rotation_rate_rad_s == OMEGA_EARTH_RAD_S


# --------------------------------------------------------------------------------------------
# Gravity
# --------------------------------------------------------------------------------------------

J2_WGS84 = WGS84.with_j2(True)


def numerical_gradient(potential, position, step):
    """Central differences, O(step^2)."""
    grad = np.zeros(3)
    for k in range(3):
        dr = np.zeros(3)
        dr[k] = step
        grad[k] = (potential(position + dr) - potential(position - dr)) / (2.0 * step)
    return grad


def test_point_mass_surface_gravity():
    """Newton: |g| = mu / r^2 = 9.7983 m/s^2 at a = 6378137 m with mu = 3.986004418e14 (TR8350.2),
    pointing to the centre; exact to 1e-12 relative."""
    g = gravity_acceleration(np.array([A_WGS84, 0.0, 0.0]))
    assert -g[0] == pytest.approx(MU_EARTH_M3_S2 / A_WGS84**2, rel=1e-12)
    assert -g[0] == pytest.approx(9.798, abs=5e-4)
    assert g[1] == g[2] == 0.0
    g_pole = gravity_acceleration(np.array([0.0, 0.0, -B_WGS84]))
    np.testing.assert_allclose(g_pole, [0.0, 0.0, MU_EARTH_M3_S2 / B_WGS84**2], rtol=1e-12)


radii = st.floats(6.3e6, 4.3e7)


@FAST
@given(lat=latitudes, lon=longitudes, radius=radii, earth=st.sampled_from([WGS84, J2_WGS84, SPHERE.with_j2(True)]))
def test_gravity_is_minus_gradient_of_potential(lat, lon, radius, earth):
    """a = -grad U, checked by central differences (step 1e-5 r: truncation ~1e-10, rounding
    ~1e-11 relative) to 1e-7 of |a|, for point mass and point mass + J2."""
    position = radius * direction(lat, lon)
    expected = -numerical_gradient(lambda p: gravity_potential(p, earth), position, 1e-5 * radius)
    accel = gravity_acceleration(position, earth)
    np.testing.assert_allclose(accel, expected, rtol=0, atol=1e-7 * np.linalg.norm(accel))


@FAST
@given(lat=latitudes, lon=longitudes, radius=radii)
def test_j2_perturbation_is_minus_gradient_of_j2_potential(lat, lon, radius):
    """The J2 parts alone (J2 field minus point mass), so an error in the J2 term is not hidden
    under the 1e3 times larger central term: central differences with step 1e-4 r to 1e-5 of the
    J2 acceleration."""
    position = radius * direction(lat, lon)

    def j2_potential(p):
        return gravity_potential(p, J2_WGS84) - gravity_potential(p, WGS84)

    expected = -numerical_gradient(j2_potential, position, 1e-4 * radius)
    perturbation = gravity_acceleration(position, J2_WGS84) - gravity_acceleration(position, WGS84)
    np.testing.assert_allclose(perturbation, expected, rtol=0, atol=1e-5 * np.linalg.norm(perturbation))


@pytest.mark.parametrize("radius", [A_WGS84, 7.0e6, 4.2164e7])
def test_j2_strengthens_equatorial_and_weakens_polar_gravity(radius):
    """From U = -mu/r + mu J2 a^2/r^3 (3 sin^2 phi - 1)/2 (the zonal geopotential, TR8350.2 §5
    truncated at n = 2, J2 = -sqrt(5) C20):
    - equator (phi = 0): U = -mu/r - mu J2 a^2 / (2 r^3), so g_r = -dU/dr = -mu/r^2 (1 + 3/2 J2 (a/r)^2):
      inward, STRONGER than the point mass (the bulge mass is near the equatorial plane);
    - pole (phi = 90): U = -mu/r + mu J2 a^2 / r^3, so g_r = -mu/r^2 (1 - 3 J2 (a/r)^2): WEAKER.
    Both purely radial by symmetry. Closed forms to 1e-12 relative."""
    a, mu = A_WGS84, MU_EARTH_M3_S2
    g_eq = gravity_acceleration(np.array([0.0, radius, 0.0]), J2_WGS84)
    g_pole = gravity_acceleration(np.array([0.0, 0.0, radius]), J2_WGS84)
    point = mu / radius**2
    np.testing.assert_allclose(g_eq, [0.0, -point * (1.0 + 1.5 * J2_EARTH * (a / radius) ** 2), 0.0], rtol=1e-12)
    np.testing.assert_allclose(g_pole, [0.0, 0.0, -point * (1.0 - 3.0 * J2_EARTH * (a / radius) ** 2)], rtol=1e-12)
    assert np.linalg.norm(g_eq) > point > np.linalg.norm(g_pole)


def test_j2_off_axis_pull_toward_equatorial_plane():
    """At 45 deg geocentric latitude the J2 field has a component toward the equatorial plane
    beyond the radial pull: the polar-angle derivative of U, (1/r) dU/dphi = 3 mu J2 a^2 sin(phi)
    cos(phi) / r^4, gives a_phi = -3/2 mu J2 a^2 / r^4 at phi = 45 deg (rel 1e-10)."""
    r = 7.0e6
    position = r * direction(np.pi / 4, 0.3)
    accel = gravity_acceleration(position, J2_WGS84)
    north = np.array([-np.sin(np.pi / 4) * np.cos(0.3), -np.sin(np.pi / 4) * np.sin(0.3), np.cos(np.pi / 4)])
    expected = -1.5 * MU_EARTH_M3_S2 * J2_EARTH * A_WGS84**2 / r**4
    assert np.dot(accel, north) == pytest.approx(expected, rel=1e-10)


def test_gravity_broadcasts():
    positions = geodetic_to_ecef(np.zeros((4, 2)), np.linspace(0, 1, 2), 1e5)
    assert gravity_acceleration(positions, J2_WGS84).shape == (4, 2, 3)
    assert gravity_potential(positions, J2_WGS84).shape == (4, 2)


# --------------------------------------------------------------------------------------------
# Look angles
# --------------------------------------------------------------------------------------------

observer_lats = st.floats(-1.55, 1.55)  # keep off the poles, where north/east are undefined
observer_alts = st.floats(-100.0, 5e3)


@FAST
@given(lat=observer_lats, lon=longitudes, alt=observer_alts, distance=st.floats(1.0, 1e7))
def test_target_along_normal_is_at_zenith(lat, lon, alt, distance):
    """A target along the geodetic normal (TR8350.2 normal (cos phi cos lam, cos phi sin lam,
    sin phi)) is at elevation 90 deg and at the straight-line distance. Tolerances: 1e-12 relative
    plus the 1e-8 m rounding of ECEF coordinates ~6e6 m (so 1e-8 m / distance in angle)."""
    observer = geodetic_to_ecef(lat, lon, alt)
    _, _, up = local_axes(lat, lon)
    elevation, _, slant = look_angles(lat, lon, alt, observer + distance * up)
    assert elevation == pytest.approx(np.pi / 2, abs=1e-12 + 1e-8 / distance)
    assert slant == pytest.approx(distance, rel=1e-12, abs=1e-8)


@pytest.mark.parametrize(("axis", "azimuth"), [("north", 0.0), ("east", np.pi / 2)])
@pytest.mark.parametrize(("lat", "lon", "alt"), [(0.0, 0.0, 0.0), (0.9, -2.1, 300.0), (-0.6, 2.9, 0.0)])
def test_horizontal_targets_due_north_and_east(axis, azimuth, lat, lon, alt):
    """Targets in the observer's horizon plane: elevation 0 (1e-12 rad); azimuth 0 due north and
    90 deg due east, clockwise from north (1e-12 rad, compared modulo 2 pi)."""
    east, north, _ = local_axes(lat, lon)
    offset = {"north": north, "east": east}[axis] * 2.5e5
    elevation, az, slant = look_angles(lat, lon, alt, geodetic_to_ecef(lat, lon, alt) + offset)
    assert abs(elevation) <= 1e-12
    assert abs(wrapped(az - azimuth)) <= 1e-12
    assert slant == pytest.approx(2.5e5, rel=1e-12)


@FAST
@given(
    lat=observer_lats,
    lon=longitudes,
    alt=observer_alts,
    elevation=st.floats(-1.5, 1.5),
    azimuth=st.floats(0.0, 2 * np.pi, exclude_max=True),
    distance=st.floats(10.0, 1e7),
)
def test_look_angles_recover_constructed_direction(lat, lon, alt, elevation, azimuth, distance):
    """Build the line of sight from azimuth (clockwise from north) and elevation in the textbook
    east-north-up frame; look_angles returns them (1e-12 rad + 1e-8 m / distance, the rounding of
    ECEF coordinates ~6e6 m) and the range (rel 1e-12 + 1e-8 m). Azimuth is compared modulo 2 pi
    (see test_azimuth_is_below_two_pi) and only where the line of sight is not vertical."""
    east, north, up = local_axes(lat, lon)
    los = distance * (
        np.cos(elevation) * np.sin(azimuth) * east
        + np.cos(elevation) * np.cos(azimuth) * north
        + np.sin(elevation) * up
    )
    target = geodetic_to_ecef(lat, lon, alt) + los
    el, az, slant = look_angles(lat, lon, alt, target)
    tol = 1e-12 + 1e-8 / distance
    assert el == pytest.approx(elevation, abs=tol)
    assert abs(wrapped(az - azimuth)) <= tol / np.cos(elevation)
    assert 0.0 <= az <= 2 * np.pi
    assert slant == pytest.approx(distance, rel=1e-12, abs=1e-8)


@FAST
@given(
    lat=observer_lats,
    lon=longitudes,
    alt=observer_alts,
    target=st.tuples(st.floats(-5e7, 5e7), st.floats(-5e7, 5e7), st.floats(-5e7, 5e7)),
)
def test_range_is_straight_line_distance(lat, lon, alt, target):
    """Slant range is |target - observer| (Euclid; rel 1e-12 + 1e-8 m)."""
    target = np.array(target)
    distance = np.linalg.norm(target - geodetic_to_ecef(lat, lon, alt))
    assume(distance > 1.0)
    _, _, slant = look_angles(lat, lon, alt, target)
    assert slant == pytest.approx(distance, rel=1e-12, abs=1e-8)


def test_azimuth_is_below_two_pi():
    """Docstring contract: azimuth lies in [0, 2 pi). A target due north (up to rounding) gives
    atan2(-1e-17, 1), and np.mod of that is exactly 2 pi unless handled."""
    rng = np.random.default_rng(0)
    lat, lon = rng.uniform(-1.5, 1.5, 1000), rng.uniform(-3.0, 3.0, 1000)
    north = np.stack([-np.sin(lat) * np.cos(lon), -np.sin(lat) * np.sin(lon), np.cos(lat)], axis=-1)
    _, az, _ = look_angles(lat, lon, 0.0, geodetic_to_ecef(lat, lon, 0.0) + 1e5 * north)
    assert np.all(az < 2 * np.pi)


@FAST
@given(
    lat=observer_lats,
    lon=longitudes,
    bearing=st.floats(0.0, 2 * np.pi),
    h=st.floats(1e3, 3e6),
    offset=st.floats(1e-7, 0.5),
    beyond=st.booleans(),
)
def test_radar_horizon_on_sphere(lat, lon, bearing, h, offset, beyond):
    """Radar horizon on a sphere of radius R: a target at altitude h and central angle theta from
    a sea-level observer is at elevation >= 0 iff (R + h) cos(theta) >= R, since the height of the
    target above the observer's tangent plane is (R + h) cos(theta) - R. The boundary angle is
    theta0 = arccos(R / (R + h)); targets at theta0 -+ offset (offset >= 1e-7 rad, i.e. tens of
    centimetres above/below the plane) must fall on the matching side."""
    theta0 = np.arccos(R_SPHERE / (R_SPHERE + h))
    theta = theta0 + offset if beyond else theta0 - offset
    assume(0.0 < theta < np.pi)
    east, north, up = local_axes(lat, lon)
    heading = np.cos(bearing) * north + np.sin(bearing) * east
    target = (R_SPHERE + h) * (np.cos(theta) * up + np.sin(theta) * heading)
    elevation, _, _ = look_angles(lat, lon, 0.0, target, SPHERE)
    above_horizon = (R_SPHERE + h) * np.cos(theta) >= R_SPHERE
    assert above_horizon == (not beyond)
    assert (elevation >= 0.0) == above_horizon


# --------------------------------------------------------------------------------------------
# Great circles
# --------------------------------------------------------------------------------------------

unit_vectors = st.tuples(latitudes, longitudes).map(lambda ll: direction(*ll))
any_vectors = st.tuples(st.floats(-1e7, 1e7), st.floats(-1e7, 1e7), st.floats(-1e7, 1e7)).map(np.array)


@FAST
@given(u=unit_vectors, w=unit_vectors)
def test_advance_along_heading_by_central_angle_lands_on_target(u, w):
    """Rotating u toward w in their common plane by the angle between them gives w (spherical
    geometry; 1e-12, measured 6e-16). Coincident and antipodal pairs, where the heading is
    undefined, are excluded (angle within 1e-6 rad of 0 or pi). The heading is a unit tangent at u;
    its direction is only known to ~eps / angle (w - u is a difference of rounded unit vectors;
    hypothesis found 3.6e-11 at 3e-6 rad), and near the antipode likewise to ~eps / (pi - angle)
    (1.6e-12 at pi - 7e-5), so orthogonality is asserted to 1e-12 + 2e-15 / min(angle, pi - angle)."""
    angle = central_angle(u, w)
    assume(1e-6 < angle < np.pi - 1e-6)
    heading = great_circle_heading(u, w)
    assert np.linalg.norm(heading) == pytest.approx(1.0, abs=1e-12)
    assert abs(np.dot(heading, u)) <= 1e-12 + 2e-15 / min(angle, np.pi - angle)
    np.testing.assert_allclose(advance_along_great_circle(u, heading, angle), w, rtol=0, atol=1e-12)


@FAST
@given(u=any_vectors, w=any_vectors)
def test_central_angle_symmetric_and_in_range(u, w):
    """central_angle(u, w) = central_angle(w, u) (exactly) and lies in [0, pi]; it ignores length."""
    assume(np.linalg.norm(u) > 1e-3 and np.linalg.norm(w) > 1e-3)
    angle = central_angle(u, w)
    assert angle == central_angle(w, u)
    assert 0.0 <= angle <= np.pi
    assert central_angle(3.0 * u, w) == pytest.approx(angle, abs=1e-12)


@FAST
@given(lat1=latitudes, lon1=longitudes, lat2=latitudes, lon2=longitudes)
def test_central_angle_matches_haversine(lat1, lon1, lat2, lon2):
    """Haversine formula (Sinnott 1984) as oracle, where it is well conditioned (angle < 3 rad);
    1e-12 rad (measured 5e-15)."""
    hav = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    expected = 2.0 * np.arcsin(np.sqrt(min(hav, 1.0)))
    assume(expected < 3.0)
    assert central_angle(direction(lat1, lon1), direction(lat2, lon2)) == pytest.approx(expected, abs=1e-12)


def test_central_angle_special_values():
    """Right angle, antipode (pi exactly) and a tiny angle (1e-9 rad, where arccos of the dot
    product would return 0 or 2e-8): relative 1e-6."""
    x, y = np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0])
    assert central_angle(x, y) == pytest.approx(np.pi / 2, abs=1e-15)
    assert central_angle(x, -x) == np.pi
    assert central_angle(x, x) == 0.0
    tiny = np.array([np.cos(1e-9), np.sin(1e-9), 0.0])
    assert central_angle(x, tiny) == pytest.approx(1e-9, rel=1e-6)
    near_antipode = np.array([-np.cos(1e-9), np.sin(1e-9), 0.0])
    assert central_angle(x, near_antipode) == pytest.approx(np.pi - 1e-9, abs=1e-15)


def test_great_circle_functions_broadcast():
    u = direction(np.zeros(5), np.zeros(5))
    w = direction(np.linspace(0.1, 1.0, 5), np.linspace(0.2, 2.0, 5))
    angle = central_angle(u, w)
    assert angle.shape == (5,)
    np.testing.assert_allclose(advance_along_great_circle(u, great_circle_heading(u, w), angle), w, atol=1e-12)


def test_j2_uses_its_own_reference_radius_on_the_sphere():
    """J2 is defined for the WGS84 reference radius (EGM96); the sphere's surface radius must not
    rescale it: the J2 part of gravity is the same on both figures."""
    from securityroof.physics.earth import SPHERE, WGS84, gravity_acceleration

    point = np.array([7.0e6, 1.0e6, 2.0e6])
    j2_part = {
        e.name: gravity_acceleration(point, e.with_j2(True)) - gravity_acceleration(point, e.with_j2(False))
        for e in (WGS84, SPHERE)
    }
    assert np.allclose(j2_part["wgs84"], j2_part["sphere"], rtol=1e-14, atol=0.0)
