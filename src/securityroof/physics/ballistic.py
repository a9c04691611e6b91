"""Free flight after burnout, vectorized over many trajectories.

Two propagators give the same answers through one interface:

- point-mass gravity: the arc is a Kepler ellipse in the inertial frame, solved in closed form
  (impact, apogee, and the state at any time from Kepler's equation). Exact, and the fast path.
- point mass + J2: fixed-step classical Runge–Kutta (RK4) in the inertial frame, with the surface
  crossing and the apogee found by cubic Hermite interpolation inside the last step.

Earth rotation enters only through the frame conversions in :mod:`securityroof.physics.earth`: the ellipsoid
is symmetric about the spin axis, so the surface crossing can be found in the inertial frame and
rotated into the Earth-fixed frame afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from securityroof.physics.earth import (
    WGS84,
    Earth,
    ecef_to_geodetic,
    ecef_to_inertial,
    ellipsoid_height_along_radius_m,
    gravity_acceleration,
    inertial_to_ecef,
    surface_radius_m,
)

#: Default RK4 step for the J2 propagator. Position error stays below a metre for flights up to
#: an hour (error scales as (step / orbital period)^4 × radius); see tests/acceptance/test_ballistic.py.
DEFAULT_RK4_STEP_S = 5.0
#: A free flight that has not come down after this long is not a ballistic missile flight.
MAX_FLIGHT_TIME_S = 4.0 * 3600.0

_TWO_PI = 2.0 * np.pi


@dataclass(frozen=True)
class Impact:
    """Where and when free flights end, one entry per trajectory.

    ``lands`` is false for a flight that never returns to the surface (orbital or escaping); the
    other fields of such an entry are NaN and must be read through ``lands``.
    """

    lands: np.ndarray  # (N,) bool
    time_s: np.ndarray  # (N,) seconds since launch
    position_ecef_m: np.ndarray  # (N, 3)
    velocity_ecef_mps: np.ndarray  # (N, 3), relative to the rotating Earth
    apogee_alt_m: np.ndarray  # (N,) highest geodetic height of the free flight


def mean_anomaly(true_anomaly, eccentricity) -> np.ndarray:
    """Mean anomaly of an ellipse, continuous in the true anomaly across turns, so that differences
    divided by the mean motion are flight times (:func:`securityroof.physics.formulas.mean_anomaly`
    over arrays)."""
    from securityroof.physics import formulas  # numba, loaded when an arc is first flown

    with np.errstate(invalid="ignore"):
        return formulas.mean_anomalies(np.asarray(true_anomaly, dtype=float), np.asarray(eccentricity, dtype=float))


def free_flight_range_angle(burnout_radius_m, speed_mps, flight_path_angle_rad, impact_radius_m, mu_m3_s2):
    """Central angle flown from burnout to the descent through ``impact_radius_m`` (closed form,
    inertial frame); NaN where the arc never comes down to that radius."""
    r, v, gamma = (np.asarray(a, dtype=float) for a in (burnout_radius_m, speed_mps, flight_path_angle_rad))
    p = (r * v * np.cos(gamma)) ** 2 / mu_m3_s2
    e_cos = p / r - 1.0
    e_sin = (p / r) * np.tan(gamma)
    e = np.hypot(e_cos, e_sin)
    with np.errstate(invalid="ignore", divide="ignore"):
        cos_nu = (p / impact_radius_m - 1.0) / e
        nu_impact = np.where(np.abs(cos_nu) <= 1.0, 2.0 * np.pi - np.arccos(np.clip(cos_nu, -1.0, 1.0)), np.nan)
    return np.where(e < 1.0, nu_impact - np.arctan2(e_sin, e_cos), np.nan)


class KeplerArcs:
    """Point-mass free flights from inertial states ``(r0, v0)`` at times ``t0`` (N trajectories)."""

    def __init__(self, r0_eci: np.ndarray, v0_eci: np.ndarray, t0_s: np.ndarray, earth: Earth):
        self.earth = earth
        mu = earth.mu_m3_s2
        r0 = np.atleast_2d(np.asarray(r0_eci, dtype=float))
        v0 = np.atleast_2d(np.asarray(v0_eci, dtype=float))
        self.t0 = np.broadcast_to(np.asarray(t0_s, dtype=float), r0.shape[:1]).copy()
        r0_norm = np.linalg.norm(r0, axis=-1)
        h_vec = np.cross(r0, v0)
        h_norm = np.linalg.norm(h_vec, axis=-1)
        self.p = h_norm**2 / mu
        energy = 0.5 * np.sum(v0 * v0, axis=-1) - mu / r0_norm
        self.bound = energy < 0.0
        e_vec = np.cross(v0, h_vec) / mu - r0 / r0_norm[:, None]
        self.e = np.linalg.norm(e_vec, axis=-1)
        with np.errstate(divide="ignore", invalid="ignore"):
            self.a = np.where(self.bound, -mu / (2.0 * energy), np.nan)
            self.mean_motion = np.sqrt(mu / self.a**3)
        # A circular orbit has no perigee; any in-plane reference direction serves.
        circular = self.e < 1e-12
        perigee_dir = np.where(circular[:, None], r0, e_vec)
        self.P = perigee_dir / np.linalg.norm(perigee_dir, axis=-1, keepdims=True)
        self.W = h_vec / h_norm[:, None]
        self.Q = np.cross(self.W, self.P)
        self.nu0 = np.mod(np.arctan2(np.sum(r0 * self.Q, -1), np.sum(r0 * self.P, -1)), _TWO_PI)
        self.M0 = mean_anomaly(self.nu0, self.e)

    def _state(self, nu: np.ndarray, index=slice(None)) -> tuple[np.ndarray, np.ndarray]:
        p, e = self.p[index], self.e[index]
        P, Q = self.P[index], self.Q[index]
        if nu.ndim > p.ndim:  # samples: (N, T)
            p, e, P, Q = p[:, None], e[:, None], P[:, None, :], Q[:, None, :]
        cos_nu, sin_nu = np.cos(nu), np.sin(nu)
        radius = p / (1.0 + e * cos_nu)
        position = radius[..., None] * (cos_nu[..., None] * P + sin_nu[..., None] * Q)
        speed_scale = np.sqrt(self.earth.mu_m3_s2 / p)
        velocity = speed_scale[..., None] * (-sin_nu[..., None] * P + (e + cos_nu)[..., None] * Q)
        return position, velocity

    def impact(self) -> Impact:
        """First descent through the ellipsoid surface after ``t0``."""
        n = self.p.shape[0]
        p, e = self.p, self.e
        # Fixed point on the surface radius under the impact point: the ellipsoid's radius changes
        # by at most 21 km from equator to pole, far slower than the orbit's radius, so a few passes
        # converge to well under a millimetre.
        radius = surface_radius_m(self.P * np.cos(self.nu0)[:, None] + self.Q * np.sin(self.nu0)[:, None], self.earth)
        with np.errstate(invalid="ignore", divide="ignore"):
            for _ in range(6):
                cos_nu = (p / radius - 1.0) / e
                nu = _TWO_PI - np.arccos(np.clip(cos_nu, -1.0, 1.0))
                direction = self.P * np.cos(nu)[:, None] + self.Q * np.sin(nu)[:, None]
                radius = surface_radius_m(direction, self.earth)
            cos_nu = (p / radius - 1.0) / e
        lands = self.bound & (np.abs(cos_nu) <= 1.0) & (e > 1e-12)
        nu = np.where(lands, _TWO_PI - np.arccos(np.clip(cos_nu, -1.0, 1.0)), np.nan)
        # Burnout already past the crossing cannot happen for a burnout above the surface; guard
        # against a burnout state placed at or under the surface on the descending branch.
        lands &= nu > self.nu0 - 1e-12
        nu = np.where(lands, nu, np.nan)
        time = self.t0 + (mean_anomaly(nu, self.e) - self.M0) / self.mean_motion
        r_eci, v_eci = self._state(nu)
        r_ecef, v_ecef = inertial_to_ecef(r_eci, v_eci, time, self.earth)

        past_apogee = self.nu0 >= np.pi
        apogee_nu = np.where(past_apogee, self.nu0, np.pi)
        apogee_r, _ = self._state(apogee_nu)
        _, _, apogee_alt = ecef_to_geodetic(apogee_r, self.earth)
        return Impact(
            lands=lands,
            time_s=np.where(lands, time, np.nan),
            position_ecef_m=r_ecef.reshape(n, 3),
            velocity_ecef_mps=v_ecef.reshape(n, 3),
            apogee_alt_m=np.where(lands, apogee_alt, np.nan),
        )

    def states(self, times_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Inertial positions and velocities at ``times_s`` (N, T) by Kepler's equation; unbound arcs
        (an interceptor burning out above escape speed) by its hyperbolic form."""
        t = np.asarray(times_s, dtype=float)
        position = np.full(t.shape + (3,), np.nan)
        velocity = np.full(t.shape + (3,), np.nan)
        bound = self.bound
        if bound.any():
            position[bound], velocity[bound] = self._elliptic_states(t[bound], bound)
        if not bound.all():
            position[~bound], velocity[~bound] = self._hyperbolic_states(t[~bound], ~bound)
        return position, velocity

    def _elliptic_states(self, t: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        M = self.M0[rows, None] + self.mean_motion[rows, None] * (t - self.t0[rows, None])
        e = self.e[rows, None]
        # Danby's start, from which Newton's method converges for every eccentricity below 1: the
        # near-parabolic arcs of steep shots just below escape speed (e within 1e-4 of 1) leave
        # M + e sin M, near perigee, for a divergent first step.
        E = M + 0.85 * e * np.sign(np.sin(M))
        for _ in range(50):
            step = (E - e * np.sin(E) - M) / (1.0 - e * np.cos(E))
            E = E - step
            if np.all(np.abs(step) < 1e-13):
                break
        # Perifocal coordinates straight from the eccentric anomaly (BMW §4.2), no true anomaly.
        cos_E, sin_E = np.cos(E), np.sin(E)
        a = self.a[rows, None]
        root = np.sqrt(1.0 - e**2)
        rate = self.mean_motion[rows, None] * a / (1.0 - e * cos_E)
        P, Q = self.P[rows, None, :], self.Q[rows, None, :]
        position = (a * (cos_E - e))[..., None] * P + (a * root * sin_E)[..., None] * Q
        velocity = (-rate * sin_E)[..., None] * P + (rate * root * cos_E)[..., None] * Q
        return position, velocity

    def _hyperbolic_states(self, t: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # Vallado §2.2: hyperbolic anomaly F, M = e sinh F - F, semi-axis a = p / (e² - 1) > 0. The
        # parabola (e = 1 exactly, zero energy) is left out: a measure-zero case no fan angle hits.
        mu = self.earth.mu_m3_s2
        e, p = self.e[rows, None], self.p[rows, None]
        root = np.sqrt(e**2 - 1.0)
        a = p / root**2
        mean_motion = np.sqrt(mu / a**3)
        nu0 = np.arctan2(np.sin(self.nu0[rows]), np.cos(self.nu0[rows]))[:, None]
        F0 = 2.0 * np.arctanh(np.sqrt((e - 1.0) / (e + 1.0)) * np.tan(nu0 / 2.0))
        M = e * np.sinh(F0) - F0 + mean_motion * (t - self.t0[rows, None])
        F = np.arcsinh(M / e)
        for _ in range(50):
            step = (e * np.sinh(F) - F - M) / (e * np.cosh(F) - 1.0)
            F = F - step
            if np.all(np.abs(step) < 1e-13):
                break
        cosh_F, sinh_F = np.cosh(F), np.sinh(F)
        rate = mean_motion * a / (e * cosh_F - 1.0)
        P, Q = self.P[rows, None, :], self.Q[rows, None, :]
        position = (a * (e - cosh_F))[..., None] * P + (a * root * sinh_F)[..., None] * Q
        velocity = (-rate * sinh_F)[..., None] * P + (rate * root * cosh_F)[..., None] * Q
        return position, velocity


class RK4Arcs:
    """Free flights in point-mass + J2 gravity, integrated with fixed-step RK4 in the inertial frame."""

    def __init__(self, r0_eci, v0_eci, t0_s, earth: Earth, step_s: float = DEFAULT_RK4_STEP_S):
        self.earth = earth
        self.step = float(step_s)
        self.r0 = np.atleast_2d(np.asarray(r0_eci, dtype=float))
        self.v0 = np.atleast_2d(np.asarray(v0_eci, dtype=float))
        self.t0 = np.broadcast_to(np.asarray(t0_s, dtype=float), self.r0.shape[:1]).copy()

    def _rk4(self, r, v, h):
        accel = lambda x: gravity_acceleration(x, self.earth)  # noqa: E731 - local shorthand
        k1v, k1r = accel(r), v
        k2v, k2r = accel(r + 0.5 * h * k1r), v + 0.5 * h * k1v
        k3v, k3r = accel(r + 0.5 * h * k2r), v + 0.5 * h * k2v
        k4v, k4r = accel(r + h * k3r), v + h * k3v
        return (
            r + h / 6.0 * (k1r + 2.0 * k2r + 2.0 * k3r + k4r),
            v + h / 6.0 * (k1v + 2.0 * k2v + 2.0 * k3v + k4v),
        )

    def _height(self, r):
        return ellipsoid_height_along_radius_m(r, self.earth)

    def impact(self) -> Impact:
        n = self.r0.shape[0]
        h = self.step
        lands = np.zeros(n, dtype=bool)
        time = np.full(n, np.nan)
        r_imp = np.full((n, 3), np.nan)
        v_imp = np.full((n, 3), np.nan)
        apogee_alt = ecef_to_geodetic(self.r0, self.earth)[2]

        active = np.arange(n)
        r, v, t = self.r0.copy(), self.v0.copy(), self.t0.copy()
        height = self._height(r)
        while active.size:
            r1, v1 = self._rk4(r, v, h)
            t1 = t + h
            height1 = self._height(r1)
            radial_v0 = np.sum(r * v, -1)
            radial_v1 = np.sum(r1 * v1, -1)
            turned = (radial_v0 > 0.0) & (radial_v1 <= 0.0)
            top = np.zeros(active.size)
            if np.any(turned):
                top[turned] = _hermite_radial_max(r[turned], v[turned], r1[turned], v1[turned], h)
                r_top = _hermite_position(r[turned], v[turned], r1[turned], v1[turned], h, top[turned])
                apogee_alt[active[turned]] = ecef_to_geodetic(r_top, self.earth)[2]
            crossed = (height1 <= 0.0) & (radial_v1 < 0.0)
            if np.any(crossed):
                idx = active[crossed]
                # The descent is searched from the apex where the step holds it: a flight shorter than
                # a step starts at the surface, where the search would otherwise find the launch point.
                start = top[crossed]
                start_height = np.where(
                    start > 0.0,
                    self._height(_hermite_position(r[crossed], v[crossed], r1[crossed], v1[crossed], h, start)),
                    height[crossed],
                )
                s = _hermite_root(
                    r[crossed],
                    v[crossed],
                    r1[crossed],
                    v1[crossed],
                    h,
                    start,
                    start_height,
                    height1[crossed],
                    self._height,
                )
                r_imp[idx] = _hermite_position(r[crossed], v[crossed], r1[crossed], v1[crossed], h, s)
                v_imp[idx] = _hermite_velocity(r[crossed], v[crossed], r1[crossed], v1[crossed], h, s)
                time[idx] = t[crossed] + s * h
                lands[idx] = True
            keep = ~crossed & (t1 - self.t0[active] < MAX_FLIGHT_TIME_S)
            active, r, v, t, height = active[keep], r1[keep], v1[keep], t1[keep], height1[keep]

        r_ecef, v_ecef = inertial_to_ecef(r_imp, v_imp, np.where(lands, time, 0.0), self.earth)
        return Impact(lands, time, r_ecef, v_ecef, np.where(lands, apogee_alt, np.nan))

    def states(self, times_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Inertial states at ``times_s`` (N, T): integrate on the step grid, then Hermite-interpolate."""
        t = np.asarray(times_s, dtype=float)
        offsets = t - self.t0[:, None]
        steps_needed = int(np.ceil(np.nanmax(offsets, initial=0.0) / self.step)) + 1
        grid_r = np.empty((steps_needed + 1,) + self.r0.shape)
        grid_v = np.empty_like(grid_r)
        grid_r[0], grid_v[0] = self.r0, self.v0
        for k in range(steps_needed):
            grid_r[k + 1], grid_v[k + 1] = self._rk4(grid_r[k], grid_v[k], self.step)
        k = np.clip(np.floor(offsets / self.step).astype(int), 0, steps_needed - 1)
        s = offsets / self.step - k
        rows = np.arange(self.r0.shape[0])[:, None]
        ra, va = grid_r[k, rows], grid_v[k, rows]
        rb, vb = grid_r[k + 1, rows], grid_v[k + 1, rows]
        return (
            _hermite_position(ra, va, rb, vb, self.step, s),
            _hermite_velocity(ra, va, rb, vb, self.step, s),
        )


def _hermite_position(r0, v0, r1, v1, h, s):
    s = np.asarray(s)[..., None]
    h00 = 2 * s**3 - 3 * s**2 + 1
    h10 = s**3 - 2 * s**2 + s
    h01 = -2 * s**3 + 3 * s**2
    h11 = s**3 - s**2
    return h00 * r0 + h10 * h * v0 + h01 * r1 + h11 * h * v1


def _hermite_velocity(r0, v0, r1, v1, h, s):
    s = np.asarray(s)[..., None]
    d00 = 6 * s**2 - 6 * s
    d10 = 3 * s**2 - 4 * s + 1
    d01 = -6 * s**2 + 6 * s
    d11 = 3 * s**2 - 2 * s
    return (d00 * r0 + d01 * r1) / h + d10 * v0 + d11 * v1


def _hermite_root(r0, v0, r1, v1, h, start, f0, f1, height_fn):
    """Fraction of the step, after ``start``, where the interpolated height crosses zero (bracketed
    by f0 at ``start`` and f1 < 0 at the step's end)."""
    lo, hi = np.asarray(start, dtype=float), np.ones_like(f0)
    # a start at or under the surface (a burnout placed there to rounding) is the crossing itself
    flo, fhi = np.maximum(f0, 0.0), f1
    s = _secant(lo, hi, flo, fhi)
    for _ in range(40):  # regula falsi with bisection safeguard; converges to 1e-12 of a step
        f = height_fn(_hermite_position(r0, v0, r1, v1, h, s))
        below = f < 0.0
        hi, fhi = np.where(below, s, hi), np.where(below, f, fhi)
        lo, flo = np.where(below, lo, s), np.where(below, flo, np.maximum(f, 0.0))
        if np.all(hi - lo < 1e-12) or np.all(np.abs(f) < 1e-6):
            break
        secant = _secant(lo, hi, flo, fhi)
        s = np.where((secant > lo) & (secant < hi), 0.5 * (secant + 0.5 * (lo + hi)), 0.5 * (lo + hi))
    return s


def _secant(lo, hi, flo, fhi):
    """Where the chord from (lo, flo ≥ 0) to (hi, fhi ≤ 0) crosses zero; lo where both are zero."""
    gap = flo - fhi
    return lo + np.where(gap > 0.0, flo / np.where(gap > 0.0, gap, 1.0), 0.0) * (hi - lo)


def _hermite_radial_max(r0, v0, r1, v1, h, iterations: int = 40):
    """Fraction of the step where the radial velocity r·v of the Hermite arc vanishes."""
    lo, hi = np.zeros(r0.shape[0]), np.ones(r0.shape[0])
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        radial = np.sum(_hermite_position(r0, v0, r1, v1, h, mid) * _hermite_velocity(r0, v0, r1, v1, h, mid), -1)
        lo, hi = np.where(radial > 0.0, mid, lo), np.where(radial > 0.0, hi, mid)
    return 0.5 * (lo + hi)


def free_flight(
    position_ecef_m, velocity_ecef_mps, time_s, earth: Earth = WGS84, *, step_s: float = DEFAULT_RK4_STEP_S
):
    """Free-flight arcs from Earth-fixed burnout states (velocity relative to the Earth).

    Returns a :class:`KeplerArcs` for point-mass gravity, an :class:`RK4Arcs` when ``earth.j2`` is set;
    both offer ``impact()`` and ``states(times)`` (inertial, aligned with ECEF at t = 0).
    """
    r_eci, v_eci = ecef_to_inertial(position_ecef_m, velocity_ecef_mps, time_s, earth)
    if earth.j2:
        return RK4Arcs(r_eci, v_eci, time_s, earth, step_s)
    return KeplerArcs(r_eci, v_eci, time_s, earth)
