"""Scalar formulas written once, for the compiled kernels and the numpy reference alike.

Each formula is a scalar ``@numba.njit`` function, which the kernels of
:mod:`securityroof.physics._compiled_kernels` call row by row; its array form, for the numpy
reference algorithms, is a compiled loop calling it over arrays. The reference keeps its
own iteration structure (the test oracle for the kernels' loops); only the arithmetic of one
evaluation lives here, so the two cannot drift apart formula by formula.

The array forms leave numpy's floating-point error state to their callers: where a formula has no
answer it returns NaN, as the reference always did, under ``np.errstate`` that ignores it.
"""

import numba
import numpy as np

#: Cached on disk; a division by zero gives inf or NaN, as in numpy.
SCALAR = {"cache": True, "error_model": "numpy"}


@numba.njit(**SCALAR)
def conic_speed(burnout_radius, target_radius, psi, gamma, mu):
    """Burnout speed for a conic through two radii ``psi`` apart at flight-path angle ``gamma``;
    NaN where no ballistic arc exists."""
    return conic_speed_from_trig(
        burnout_radius, target_radius, np.cos(psi), np.sin(psi), np.cos(gamma), np.sin(gamma), mu
    )


@numba.njit(**SCALAR)
def conic_speed_from_trig(burnout_radius, target_radius, cos_psi, sin_psi, cos_gamma, sin_gamma, mu):
    """:func:`conic_speed` from the cosines and sines of ψ and γ, cos(ψ + γ) expanded: a shot has
    cos ψ and sin ψ from the dot and cross products of two directions, and one γ for several
    formulas, so it calls no cosine here (cosines and arctangents were half of the targeting
    kernel's time).
    1 − cos ψ is taken as sin²ψ / (1 + cos ψ) short of a quarter turn: a cosine from a dot product
    carries a few units of its last digit, which for a hop of metres (1 − cos ψ ~ 1e-13) is a per
    cent of the speed."""
    k = burnout_radius / target_radius
    denominator = burnout_radius * cos_gamma * (k * cos_gamma - (cos_psi * cos_gamma - sin_psi * sin_gamma))
    versine = sin_psi * sin_psi / (1.0 + cos_psi) if cos_psi > 0.0 else 1.0 - cos_psi
    if denominator > 0.0:
        return np.sqrt(mu * versine / denominator)
    return np.nan


@numba.njit(**SCALAR)
def stable_conic_speed(burnout_radius, target_radius, psi, gamma, mu):
    """:func:`conic_speed` with 1 − cos ψ and k cos γ − cos(ψ + γ) written as products of sines,
    which keep their digits for arcs of metres (1 − cos ψ itself loses them all at ψ ~ 1e-8)."""
    half = np.sin(0.5 * psi)
    lift = (burnout_radius - target_radius) / target_radius * np.cos(gamma) + 2.0 * np.sin(0.5 * psi + gamma) * half
    denominator = burnout_radius * np.cos(gamma) * lift
    if denominator > 0.0:
        return np.sqrt(2.0 * mu * half * half / denominator)
    return np.nan


@numba.njit(**SCALAR)
def conic_time_of_flight(burnout_radius, speed, gamma, target_radius, mu):
    """Time along the conic from burnout (radius, speed, flight-path angle) down to ``target_radius``
    on its descending branch, from the eccentric anomalies (Kepler's equation, BMW §4.2): e cos E =
    1 − r/a at both ends, e sin E = r·v_r/√(μa) at burnout and −√(e² − (e cos E)²) at the target."""
    return conic_time_of_flight_from_sine(burnout_radius, speed, np.sin(gamma), target_radius, mu)


@numba.njit(**SCALAR)
def conic_time_of_flight_from_sine(burnout_radius, speed, sin_gamma, target_radius, mu):
    """:func:`conic_time_of_flight` from the sine of the flight-path angle.

    Climbing at burnout and coming down at the target (the case of every ballistic shot), the
    eccentric anomaly swept, E_t − E_b = 2π − arg((e cos E_t − i e sin E_t)(e cos E_b + i e sin E_b)),
    both factors' arguments lying in (0, π): one arctangent instead of one per end. Elsewhere
    (a level or falling burnout, an arc that never comes down to the target radius) each end's
    anomaly is taken on its own, E_t in [0, 2π)."""
    semi_major = 1.0 / (2.0 / burnout_radius - speed**2 / mu)
    root = np.sqrt(mu * semi_major)
    e_cos_b = 1.0 - burnout_radius / semi_major
    e_sin_b = burnout_radius * speed * sin_gamma / root
    e_cos_t = 1.0 - target_radius / semi_major
    e_sin_t = -np.sqrt(max(e_cos_b**2 + e_sin_b**2 - e_cos_t**2, 0.0))
    if e_sin_b > 0.0 and e_sin_t < 0.0:
        turn = np.arctan2(e_cos_t * e_sin_b - e_sin_t * e_cos_b, e_cos_t * e_cos_b + e_sin_t * e_sin_b)
        swept = 2.0 * np.pi - (turn if turn > 0.0 else turn + 2.0 * np.pi)
    else:
        swept = np.arctan2(e_sin_t, e_cos_t) % (2.0 * np.pi) - np.arctan2(e_sin_b, e_cos_b)
    return (swept - e_sin_t + e_sin_b) * semi_major * np.sqrt(semi_major / mu)


@numba.njit(**SCALAR)
def minimum_energy_angle(burnout_radius, target_radius, psi):
    """Flight-path angle of the minimum-speed conic between two radii over central angle ``psi``."""
    return 0.5 * np.arctan2(np.sin(psi), burnout_radius / target_radius - np.cos(psi))


@numba.njit(**SCALAR)
def parabola_vertex(low, middle, high):
    """Offset of the minimum of the parabola through (−1, low), (0, middle), (1, high), in units of
    the spacing: clipped to ±4, and two steps toward the lower side where the points are not convex."""
    curvature = low - 2.0 * middle + high
    vertex = min(max(0.5 * (low - high) / curvature, -4.0), 4.0)
    if np.isfinite(vertex) and curvature > 0.0:
        return vertex
    if np.isfinite(low - high):
        return 2.0 if high < low else -2.0
    return 0.0


@numba.njit(**SCALAR)
def mean_anomaly(true_anomaly, eccentricity):
    """Mean anomaly of an ellipse, continuous in the true anomaly across turns, so that differences
    divided by the mean motion are flight times."""
    wrapped = np.arctan2(np.sin(true_anomaly), np.cos(true_anomaly))
    eccentric = np.arctan2(
        np.sqrt(1.0 - eccentricity * eccentricity) * np.sin(true_anomaly), eccentricity + np.cos(true_anomaly)
    ) + (true_anomaly - wrapped)
    return eccentric - eccentricity * np.sin(eccentric)


@numba.njit(**SCALAR)
def blend_limit_angle(burn_time, speed, nominal_alt, blend, integral_speed, integral_early, integral_late):
    """The burnout angle at which the boost's blend that meets the nominal altitude is ``blend``
    (boost.blend_limit_angle, with its BoostIntegrals' three integrals); NaN where none in [0, π/2]."""
    scale = burn_time * speed
    at_zero_sin = integral_early + blend * (integral_late - integral_early)
    sin_angle = (nominal_alt / scale - at_zero_sin) / (integral_speed - at_zero_sin)
    if scale > 0.0 and 0.0 <= sin_angle <= 1.0:
        return np.arcsin(sin_angle)
    return np.nan


# The array forms: one loop per formula over flat arrays, and `_over_arrays` broadcasting like
# numpy. Not `numba.vectorize`: numba caches a ufunc's kernel but rebuilds its wrapper at every
# start, about 0.1 s a formula, which the workbench's first page paid six times over.


@numba.njit(cache=True)
def _conic_speeds(burnout_radius, target_radius, psi, gamma, mu, out):
    for i in range(out.size):
        out[i] = conic_speed(burnout_radius[i], target_radius[i], psi[i], gamma[i], mu[i])


@numba.njit(cache=True)
def _conic_speeds_from_trig(burnout_radius, target_radius, cos_psi, sin_psi, cos_gamma, sin_gamma, mu, out):
    for i in range(out.size):
        out[i] = conic_speed_from_trig(
            burnout_radius[i], target_radius[i], cos_psi[i], sin_psi[i], cos_gamma[i], sin_gamma[i], mu[i]
        )


@numba.njit(cache=True)
def _stable_conic_speeds(burnout_radius, target_radius, psi, gamma, mu, out):
    for i in range(out.size):
        out[i] = stable_conic_speed(burnout_radius[i], target_radius[i], psi[i], gamma[i], mu[i])


@numba.njit(cache=True)
def _conic_times_of_flight(burnout_radius, speed, gamma, target_radius, mu, out):
    for i in range(out.size):
        out[i] = conic_time_of_flight(burnout_radius[i], speed[i], gamma[i], target_radius[i], mu[i])


@numba.njit(cache=True)
def _minimum_energy_angles(burnout_radius, target_radius, psi, out):
    for i in range(out.size):
        out[i] = minimum_energy_angle(burnout_radius[i], target_radius[i], psi[i])


@numba.njit(cache=True)
def _mean_anomalies(true_anomaly, eccentricity, out):
    for i in range(out.size):
        out[i] = mean_anomaly(true_anomaly[i], eccentricity[i])


@numba.njit(cache=True)
def _parabola_vertices(low, middle, high, out):
    for i in range(out.size):
        out[i] = parabola_vertex(low[i], middle[i], high[i])


@numba.njit(cache=True)
def _blend_limit_angles(burn_time, speed, nominal_alt, blend, integral_speed, integral_early, integral_late, out):
    for i in range(out.size):
        out[i] = blend_limit_angle(
            burn_time[i], speed[i], nominal_alt[i], blend[i], integral_speed[i], integral_early[i], integral_late[i]
        )


def _over_arrays(loop, *arguments):
    """``loop`` over ``arguments`` broadcast against each other, as float64: an array of their
    common shape, or a float when they are all scalars."""
    arrays = [np.asarray(a, dtype=np.float64) for a in arguments]
    shape = np.broadcast_shapes(*(a.shape for a in arrays))
    # whole, contiguous and writeable, copied where they are not: numba takes a broadcast view or a
    # read-only array for another type (compiled again) and warns of broadcast views
    flat = [
        np.require(a if a.shape == shape else np.broadcast_to(a, shape), requirements=("C", "W")).reshape(-1)
        for a in arrays
    ]
    out = np.empty(shape)
    loop(*flat, out.reshape(-1))
    return out if out.ndim else float(out)


def conic_speeds(burnout_radius, target_radius, psi, gamma, mu):
    return _over_arrays(_conic_speeds, burnout_radius, target_radius, psi, gamma, mu)


def conic_speeds_from_trig(burnout_radius, target_radius, cos_psi, sin_psi, cos_gamma, sin_gamma, mu):
    return _over_arrays(
        _conic_speeds_from_trig, burnout_radius, target_radius, cos_psi, sin_psi, cos_gamma, sin_gamma, mu
    )


def stable_conic_speeds(burnout_radius, target_radius, psi, gamma, mu):
    return _over_arrays(_stable_conic_speeds, burnout_radius, target_radius, psi, gamma, mu)


def conic_times_of_flight(burnout_radius, speed, gamma, target_radius, mu):
    return _over_arrays(_conic_times_of_flight, burnout_radius, speed, gamma, target_radius, mu)


def minimum_energy_angles(burnout_radius, target_radius, psi):
    return _over_arrays(_minimum_energy_angles, burnout_radius, target_radius, psi)


def mean_anomalies(true_anomaly, eccentricity):
    return _over_arrays(_mean_anomalies, true_anomaly, eccentricity)


def parabola_vertices(low, middle, high):
    return _over_arrays(_parabola_vertices, low, middle, high)


def blend_limit_angles(burn_time, speed, nominal_alt, blend, integral_speed, integral_early, integral_late):
    return _over_arrays(
        _blend_limit_angles, burn_time, speed, nominal_alt, blend, integral_speed, integral_early, integral_late
    )


@numba.njit(**SCALAR)
def geodetic_cos_sin_height(x, y, z, a, f):
    """Geodetic latitude (as its cosine and sine) and height above the ellipsoid (a, f) of the ECEF
    point (x, y, z): Bowring's iteration on the reduced latitude, three passes (1e-13 rad from −10 km
    to beyond geostationary orbit), with the angles carried as (cos, sin) pairs, from square roots
    instead of arctangents and sines; the height formula stays well conditioned at the poles."""
    e2 = f * (2.0 - f)
    b = a * (1.0 - f)
    ep2 = e2 / (1.0 - e2)
    p = np.sqrt(x * x + y * y)
    cos_r, sin_r = (1.0 - f) * p, z
    norm = np.sqrt(cos_r * cos_r + sin_r * sin_r)
    cos_r, sin_r = cos_r / norm, sin_r / norm
    cos_lat, sin_lat = 1.0, 0.0
    for _ in range(3):
        cos_lat = p - e2 * a * cos_r * cos_r * cos_r
        sin_lat = z + ep2 * b * sin_r * sin_r * sin_r
        norm = np.sqrt(cos_lat * cos_lat + sin_lat * sin_lat)
        cos_lat, sin_lat = cos_lat / norm, sin_lat / norm
        cos_r, sin_r = cos_lat, (1.0 - f) * sin_lat
        norm = np.sqrt(cos_r * cos_r + sin_r * sin_r)
        cos_r, sin_r = cos_r / norm, sin_r / norm
    return cos_lat, sin_lat, p * cos_lat + z * sin_lat - a * np.sqrt(1.0 - e2 * sin_lat * sin_lat)


@numba.njit(**SCALAR)
def geodetic_height(x, y, z, a, f):
    """Height above the ellipsoid of an ECEF point (:func:`geodetic_cos_sin_height`)."""
    return geodetic_cos_sin_height(x, y, z, a, f)[2]


@numba.njit(**SCALAR)
def geodetic_latitude_height(x, y, z, a, f, latitude, height):
    """:func:`geodetic_cos_sin_height` over flat arrays, into ``latitude`` (radians) and ``height``."""
    for i in range(x.size):
        cos_lat, sin_lat, h = geodetic_cos_sin_height(x[i], y[i], z[i], a, f)
        latitude[i] = np.arctan2(sin_lat, cos_lat)
        height[i] = h


@numba.njit(**SCALAR)
def bilinear_nearest(table, rows, columns, row, column):
    """Bilinear interpolation of ``table`` at the fractional cell (row, column), "nearest" at the last
    row and column (as ``scipy.ndimage.map_coordinates(order=1, mode="nearest")`` inside the grid)."""
    r0 = min(int(np.floor(row)), rows - 1)
    c0 = min(int(np.floor(column)), columns - 1)
    r1, c1 = min(r0 + 1, rows - 1), min(c0 + 1, columns - 1)
    wr, wc = row - r0, column - c0
    return (
        table[r0, c0] * (1.0 - wr) * (1.0 - wc)
        + table[r0, c1] * (1.0 - wr) * wc
        + table[r1, c0] * wr * (1.0 - wc)
        + table[r1, c1] * wr * wc
    )


@numba.njit(**SCALAR)
def flyout_time(table, g_cells, h_cells, ground, alt, ground_top, alt_top, never):
    """A fly-out table's time to (ground range, altitude): bilinear, ``inf`` outside the grid or next
    to a cell the interceptor never reaches (``never``)."""
    gi = ground / ground_top * (g_cells - 1)
    hi = alt / alt_top * (h_cells - 1)
    if not (gi >= 0.0 and gi <= g_cells - 1 and hi >= 0.0 and hi <= h_cells - 1):
        return np.inf
    value = bilinear_nearest(table, g_cells, h_cells, gi, hi)
    return value if value < 0.5 * never else np.inf


@numba.njit(**SCALAR)
def flyout_times(table, ground, alt, ground_top, alt_top, never, out):
    """:func:`flyout_time` over flat arrays, into ``out``."""
    g_cells, h_cells = table.shape
    for i in range(ground.size):
        out[i] = flyout_time(table, g_cells, h_cells, ground[i], alt[i], ground_top, alt_top, never)


@numba.njit(**SCALAR)
def bilinear_nearest_at(table, rows, columns, out):
    """:func:`bilinear_nearest` of ``table`` at flat arrays of fractional cells, into ``out``."""
    for i in range(rows.size):
        out[i] = bilinear_nearest(table, table.shape[0], table.shape[1], rows[i], columns[i])
