"""Each scalar formula is written once: the kernels call it, the numpy reference calls its array form."""

import numpy as np
import pytest

from securityroof.physics import _compiled_kernels, _compiled_targeting, conics, formulas

RNG = np.random.default_rng(12)
N = 200
RADIUS = 6.371e6 + RNG.uniform(0.0, 3e5, N)
TARGET = 6.371e6 + RNG.uniform(-1e4, 1e4, N)
PSI = RNG.uniform(1e-9, 3.0, N)
GAMMA = RNG.uniform(-0.2, 1.6, N)
SPEED = RNG.uniform(0.0, 9e3, N)
MU = 3.986004418e14

CASES = [
    (formulas.conic_speed, conics.conic_speed, (RADIUS, TARGET, PSI, GAMMA, MU)),
    (
        formulas.conic_speed_from_trig,
        conics.conic_speed_from_trig,
        (RADIUS, TARGET, np.cos(PSI), np.sin(PSI), np.cos(GAMMA), np.sin(GAMMA), MU),
    ),
    (formulas.stable_conic_speed, conics.stable_conic_speed, (RADIUS, TARGET, PSI, GAMMA, MU)),
    (formulas.conic_time_of_flight, conics.conic_time_of_flight, (RADIUS, SPEED, GAMMA, TARGET, MU)),
    (formulas.minimum_energy_angle, conics.minimum_energy_angle, (RADIUS, TARGET, PSI)),
    (formulas.parabola_vertex, conics.parabola_vertex, tuple(RNG.normal(size=(3, N)))),
]


@pytest.mark.parametrize(("scalar", "array_form", "arguments"), CASES, ids=lambda c: getattr(c, "__name__", ""))
def test_the_numpy_reference_evaluates_the_scalar_formula(scalar, array_form, arguments):
    rows = np.broadcast_arrays(*arguments)
    expected = np.array([scalar(*(float(a[i]) for a in rows)) for i in range(N)])
    np.testing.assert_array_equal(array_form(*arguments), expected)  # NaN where no arc, alike


#: What the kernels call: the shots' conic speed from the cosines and sines they have, the rest as listed.
KERNEL_FORMULAS = [
    formulas.conic_speed_from_trig,
    formulas.conic_time_of_flight_from_sine,
    *(scalar for scalar, _, _ in CASES if scalar not in (formulas.conic_speed, formulas.conic_speed_from_trig)),
]


def test_the_kernels_call_the_same_formulas():
    for scalar in KERNEL_FORMULAS:
        # the targeting rounds and the other kernels each import the formulas they call
        found = [getattr(m, scalar.__name__, None) for m in (_compiled_kernels, _compiled_targeting)]
        assert scalar in found and all(f in (None, scalar) for f in found), scalar.__name__


def _two_anomalies_time_of_flight(burnout_radius, speed, gamma, target_radius, mu):
    # the textbook form, each end's eccentric anomaly by its own arctangent (BMW §4.2)
    a = 1.0 / (2.0 / burnout_radius - speed**2 / mu)
    e_cos_b, e_sin_b = 1.0 - burnout_radius / a, burnout_radius * speed * np.sin(gamma) / np.sqrt(mu * a)
    e_cos_t = 1.0 - target_radius / a
    e_sin_t = -np.sqrt(max(e_cos_b**2 + e_sin_b**2 - e_cos_t**2, 0.0))
    anomaly_b, anomaly_t = np.arctan2(e_sin_b, e_cos_b), np.arctan2(e_sin_t, e_cos_t) % (2.0 * np.pi)
    return ((anomaly_t - e_sin_t) - (anomaly_b - e_sin_b)) * a * np.sqrt(a / mu)


def test_one_arctangent_sweeps_the_same_anomaly_as_one_per_end():
    """conic_time_of_flight takes the anomaly swept from burnout to the target with one arctangent
    where the arc climbs at burnout and comes down at the target, and one per end elsewhere (falling
    or level burnouts, arcs that never come down to the target radius): the times are the textbook
    form's to rounding (1e-12 relative), for arcs of seconds to nearly a full ellipse."""
    rng = np.random.default_rng(5)
    radius, target = 6.371e6 + rng.uniform(0.0, 1e6, 5000), 6.371e6 + rng.uniform(-1e4, 1e4, 5000)
    speed, gamma = rng.uniform(0.0, 1.1e4, 5000), rng.uniform(-0.3, 1.57, 5000)
    speed[:10], gamma[:10] = 7.5e3, 1e-9  # grazing climbs, which sweep nearly a whole turn or none
    climbing = 0
    for r, v, g, t in zip(radius, speed, gamma, target, strict=True):
        got = formulas.conic_time_of_flight(r, v, g, t, MU)
        with np.errstate(invalid="ignore"):  # hyperbolic: no time, NaN alike
            expected = _two_anomalies_time_of_flight(r, v, g, t, MU)
        assert got == pytest.approx(formulas.conic_time_of_flight_from_sine(r, v, np.sin(g), t, MU), nan_ok=True)
        climbing += bool(g > 0.0 and np.isfinite(expected))
        assert got == pytest.approx(expected, rel=1e-12, abs=1e-9, nan_ok=True)
    assert climbing > 2000


def test_geodetic_conversion_is_one_formula_for_the_reference_and_the_kernels():
    from securityroof.physics.earth import WGS84, ecef_to_geodetic, geodetic_to_ecef

    assert _compiled_kernels.geodetic_height is formulas.geodetic_height
    rng = np.random.default_rng(3)
    lat, lon, alt = rng.uniform(-1.5, 1.5, N), rng.uniform(-3.1, 3.1, N), rng.uniform(-1e4, 4e7, N)
    points = geodetic_to_ecef(lat, lon, alt, WGS84)
    got_lat, got_lon, got_alt = ecef_to_geodetic(points, WGS84)
    a, f = WGS84.equatorial_radius_m, WGS84.flattening
    for i in range(N):
        cos_lat, sin_lat, height = formulas.geodetic_cos_sin_height(*points[i], a, f)
        assert got_alt[i] == height == formulas.geodetic_height(*points[i], a, f)
    np.testing.assert_allclose(got_lat, lat, atol=1e-12)  # and the round trip holds (TR8350.2 figure)
    np.testing.assert_allclose(got_alt, alt, atol=1e-6)


def test_table_lookups_are_one_formula_for_the_reference_and_the_kernels():
    from securityroof.physics.boost import boost_integrals
    from securityroof.physics.flyout import FlyoutTable
    from securityroof.physics.kernels import NEVER_S

    assert _compiled_kernels.flyout_time is formulas.flyout_time
    assert _compiled_targeting.bilinear_nearest is formulas.bilinear_nearest
    table = FlyoutTable(np.linspace(0, 1e6, 5), np.linspace(0, 5e5, 4), np.arange(20.0).reshape(5, 4))
    table.time_s[4, 3] = np.inf  # a cell never reached: inf next to it
    # cell (1, 0.6) of a table whose rows step by 4 and columns by 1: 4 + 0.6
    ground, alt = np.array([0.0, 2.5e5, 9.9e5, 1e6, -1.0, np.nan]), np.array([0.0, 1e5, 4.9e5, 5e5, 0.0, 0.0])
    got = table(ground, alt)
    expected = [
        formulas.flyout_time(table.time_or_never_s, 5, 4, g, h, 1e6, 5e5, NEVER_S)
        for g, h in zip(ground, alt, strict=True)
    ]
    np.testing.assert_array_equal(got, expected)
    assert got[0] == 0.0 and got[1] == pytest.approx(4.6) and np.isinf(got[3]) and np.isinf(got[4]) and np.isinf(got[5])
    integrals = boost_integrals()
    rows, columns = np.array([0.3, 1.2]), np.array([0.25, 0.9])
    values = integrals.downrange_at(rows, columns)
    r = rows * ((integrals.downrange.shape[0] - 1) / (0.5 * np.pi))
    c = columns * (integrals.downrange.shape[1] - 1)
    for i in range(2):
        assert values[i] == formulas.bilinear_nearest(integrals.downrange, *integrals.downrange.shape, r[i], c[i])
