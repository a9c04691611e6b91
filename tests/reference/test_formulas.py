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


def test_the_kernels_call_the_same_formulas():
    for scalar, _, _ in CASES:
        # the targeting rounds and the other kernels each import the formulas they call
        found = [getattr(m, scalar.__name__, None) for m in (_compiled_kernels, _compiled_targeting)]
        assert scalar in found and all(f in (None, scalar) for f in found), scalar.__name__


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
