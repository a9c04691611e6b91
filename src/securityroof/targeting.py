"""Targeting: the burnout state that lands a missile on an aim point, vectorized over trajectories.

Method. Each pass aims at a virtual point P (first the real aim point A):

1. the boost flies along a great circle from the launch point L to the burnout point B;
2. in the inertial frame, P is where the Earth will have carried it at the impact time T, and the
   free flight is the conic from B to P over the central angle Ψ, between radii |B| and |P|:
   ``v² = μ(1 − cos Ψ) / (|B| cos γ (k cos γ − cos(Ψ + γ)))`` with k = |B| / |P| (for k = 1 the
   two-point form of Bate, Mueller & White 1971 §6.2). The inertial flight-path angle γ is chosen
   so that the burnout velocity *relative to the rotating Earth* has the requested angle, or, for a
   minimum-energy trajectory, the smallest Earth-relative speed. T comes from the conic's own
   time of flight (Kepler's equation), iterated to consistency;
3. the burnout state is propagated on the real Earth (ellipsoid, J2 if asked) to its impact
   point I, and P moves to cancel the miss I − A: Newton's method in the tangent plane at A, with a
   finite-difference Jacobian on the first pass and Broyden updates after.

The boost's heading, downrange distance and altitude are taken from the previous pass and converge
with the rest; the boost's great circle is turned until its heading at burnout matches the
free flight's, so the velocity is continuous at burnout. On a non-rotating sphere with an ideal
missile the first pass is exact; elsewhere a handful of passes reach a millimetre. Speeds below
the class's maximum are reached by energy management (see :mod:`securityroof.boost`). Anything that
cannot be flown comes back as ``reachable = False`` with a reason, never as NaN.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .ballistic import Impact, free_flight, free_flight_range_angle, mean_anomaly
from .boost import BoostShape, boost_shape
from .earth import (
    WGS84,
    Earth,
    advance_along_great_circle,
    central_angle,
    geodetic_to_ecef,
    great_circle_heading,
    surface_radius_m,
    unit,
)

#: A targeted trajectory counts as on target when it lands this close to the aim point.
HIT_TOLERANCE_M = 1.0
MAX_ITERATIONS = 40
#: Below this ground separation launch and aim are one point; near the antipode every azimuth is a
#: great circle to the aim point, so the problem has no unique solution.
_COINCIDENT_RAD = 1e-7
_ANTIPODAL_RAD = np.pi - 1e-4


class Reason:
    """Codes for why a trajectory is not reachable (the text shown to users is built in ``reasons``)."""

    NONE = 0
    COINCIDENT = 1
    ANTIPODAL = 2
    TOO_FAST = 3
    INSIDE_BOOST = 4
    NO_ARC = 5
    NOT_CONVERGED = 6
    NO_IMPACT = 7


@dataclass(frozen=True)
class MissileArrays:
    """Per-trajectory missile parameters (SI). An ideal missile has zero burn time and altitude and
    unlimited burnout speed."""

    name: np.ndarray  # (N,) object
    burn_time_s: np.ndarray
    burnout_alt_m: np.ndarray
    max_burnout_speed_mps: np.ndarray


@dataclass(frozen=True)
class TargetingSolution:
    """Targeted trajectories, one entry per launch/aim pair. Fields of unreachable entries are NaN
    internally; the public result types turn them into ``None``."""

    reachable: np.ndarray  # (N,) bool
    reason_code: np.ndarray  # (N,) int
    launch_ecef_m: np.ndarray
    aim_ecef_m: np.ndarray
    burnout_position_ecef_m: np.ndarray  # (N, 3)
    burnout_velocity_ecef_mps: np.ndarray  # (N, 3), relative to the rotating Earth
    burnout_time_s: np.ndarray
    burnout_speed_mps: np.ndarray  # required speed, also where it exceeds the class's maximum
    burnout_angle_rad: np.ndarray
    launch_heading_ecef: np.ndarray  # (N, 3) unit tangent at launch along the boost's great circle
    boost: BoostShape
    impact: Impact
    miss_m: np.ndarray
    iterations: int
    missile: MissileArrays


def _conic_speed(burnout_radius, target_radius, psi, gamma, mu):
    """Burnout speed for a conic through two radii ``psi`` apart at flight-path angle ``gamma``;
    NaN where no ballistic arc exists."""
    k = burnout_radius / target_radius
    denominator = burnout_radius * np.cos(gamma) * (k * np.cos(gamma) - np.cos(psi + gamma))
    with np.errstate(invalid="ignore", divide="ignore"):
        v2 = mu * (1.0 - np.cos(psi)) / denominator
        return np.where(denominator > 0.0, np.sqrt(v2), np.nan)


def _tangent_basis(u):
    """East and north unit vectors (n, 2, 3) of the sphere of directions at unit vectors ``u``."""
    east = np.cross([0.0, 0.0, 1.0], u)
    norm = np.linalg.norm(east, axis=-1, keepdims=True)
    east = np.where(norm > 1e-12, east / np.where(norm > 0, norm, 1.0), [0.0, 1.0, 0.0])
    return np.stack([east, np.cross(u, east)], axis=-2)


def _broyden_update(jacobian, step, change):
    """Broyden's rank-one update, in place, of per-trajectory 2×2 Jacobians from the last step."""
    step_sq = np.sum(step * step, axis=-1)
    predicted = np.einsum("nij,nj->ni", jacobian, step)
    ok = step_sq > 0.0
    jacobian[ok] += np.einsum("ni,nj->nij", (change - predicted)[ok], step[ok]) / step_sq[ok, None, None]


def minimum_energy_angle(burnout_radius, target_radius, psi):
    """Flight-path angle of the minimum-speed conic between two radii over central angle ``psi``."""
    return 0.5 * np.arctan2(np.sin(psi), burnout_radius / target_radius - np.cos(psi))


@dataclass
class _Pass:
    """One targeting pass over the active trajectories: the state flown and where it landed."""

    position: np.ndarray
    velocity: np.ndarray  # Earth-relative, ECEF
    speed: np.ndarray  # Earth-relative
    gamma: np.ndarray  # Earth-relative flight-path angle
    carry: _Carry  # boost and impact time this pass settled on, to start the next from
    consistent: np.ndarray  # the boost flown is the boost this state implies, to the tolerance
    shape: BoostShape
    impact: Impact
    failure: np.ndarray
    residual: np.ndarray  # (n, 2) impact minus aim direction, in the tangent plane at the aim point


@dataclass
class _Carry:
    """What one pass hands the next: boost geometry and the conic's flight time."""

    downrange: np.ndarray
    burnout_alt: np.ndarray
    pole: np.ndarray
    impact_time: np.ndarray

    def subset(self, keep) -> _Carry:
        return _Carry(self.downrange[keep], self.burnout_alt[keep], self.pole[keep], self.impact_time[keep])


#: Rounds of the boost / impact-time / flight-path-angle fixed point inside one targeting pass (a
#: cap: they stop once nothing moves by more than a millimetre).
_CONSISTENCY_ROUNDS = 30


def _rotate_z(vectors, angle):
    c, s = np.cos(angle), np.sin(angle)
    return np.stack([c * vectors[..., 0] - s * vectors[..., 1], s * vectors[..., 0] + c * vectors[..., 1], vectors[..., 2]], -1)


def _conic_time_of_flight(burnout_radius, speed, gamma, psi, mu):
    """Time along the conic from burnout (radius, speed, flight-path angle) through central angle ``psi``."""
    p = (burnout_radius * speed * np.cos(gamma)) ** 2 / mu
    e_cos = p / burnout_radius - 1.0
    e_sin = (p / burnout_radius) * np.tan(gamma)
    e = np.hypot(e_cos, e_sin)
    nu_b = np.arctan2(e_sin, e_cos)
    with np.errstate(invalid="ignore"):
        semi_major = p / (1.0 - e**2)
        return (mean_anomaly(nu_b + psi, e) - mean_anomaly(nu_b, e)) * np.sqrt(semi_major**3 / mu)


class _Problem:
    """The fixed inputs of one targeting call, restricted to its still-active trajectories."""

    def __init__(self, u_launch, u_aim, fixed_angle, burn_time, nominal_alt, earth):
        self.u_launch, self.u_aim = u_launch, u_aim
        self.fixed_angle, self.burn_time, self.nominal_alt = fixed_angle, burn_time, nominal_alt
        self.earth = earth
        self.tangent = _tangent_basis(u_aim)
        self.launch_radius = surface_radius_m(u_launch, earth)

    def subset(self, keep) -> _Problem:
        return _Problem(
            self.u_launch[keep], self.u_aim[keep], self.fixed_angle[keep], self.burn_time[keep], self.nominal_alt[keep], self.earth
        )

    def initial_carry(self) -> _Carry:
        pole = unit(np.cross(self.u_launch, self.u_aim))
        return _Carry(np.zeros(len(pole)), self.nominal_alt.astype(float), pole, self.burn_time.astype(float))

    def fly(self, offset, carry: _Carry) -> _Pass:
        """Aim at the virtual point ``offset`` from the aim point and propagate once.

        Before propagating, one fixed point makes the closed-form pieces agree with each other:
        the boost (downrange distance, altitude and heading, which depend on the burnout speed and
        angle), the impact time T (where the Earth will have carried the target), and, for a fixed
        Earth-relative angle, the inertial flight-path angle (which differs from it by the
        rotation's share of the burnout velocity). Each piece responds to the others by a few per
        cent of their change, so a few rounds from the previous pass's values settle them.
        """
        earth, mu, omega = self.earth, self.earth.mu_m3_s2, self.earth.rotation_rate_rad_s
        u_virtual = unit(self.u_aim + np.einsum("ni,nij->nj", offset, self.tangent))
        target_radius = surface_radius_m(u_virtual, earth)
        fixed = ~np.isnan(self.fixed_angle)
        gamma_i = np.where(fixed, self.fixed_angle, 0.0)
        downrange, burnout_alt, pole, impact_time = carry.downrange, carry.burnout_alt, carry.pole, carry.impact_time
        for _ in range(_CONSISTENCY_ROUNDS):
            angle_b = downrange / self.launch_radius
            u_burnout = advance_along_great_circle(self.u_launch, np.cross(pole, self.u_launch), angle_b)
            burnout_radius = surface_radius_m(u_burnout, earth) + burnout_alt
            # Inertial frame aligned with ECEF at launch: burnout happens at t_bo, impact at T.
            burnout_i = _rotate_z(u_burnout, omega * self.burn_time)
            frame_velocity = np.cross([0.0, 0.0, omega], burnout_i * burnout_radius[:, None])
            target_i = _rotate_z(u_virtual, omega * impact_time)
            psi = central_angle(burnout_i, target_i)
            horizontal = great_circle_heading(burnout_i, target_i)
            if omega and fixed.any():
                speed_i = _conic_speed(burnout_radius, target_radius, psi, gamma_i, mu)
                along = speed_i * np.cos(gamma_i) - np.sum(frame_velocity * horizontal, -1)
                across = np.sum(frame_velocity * np.cross(burnout_i, horizontal), -1)
                relative_angle = np.arctan2(speed_i * np.sin(gamma_i), np.hypot(along, across))
                gamma_i = np.where(fixed, gamma_i - np.nan_to_num(relative_angle - self.fixed_angle), gamma_i)
            gamma_i = np.where(fixed, gamma_i, minimum_energy_angle(burnout_radius, target_radius, psi))
            speed_i = _conic_speed(burnout_radius, target_radius, psi, gamma_i, mu)
            new_time = self.burn_time + _conic_time_of_flight(burnout_radius, speed_i, gamma_i, psi, mu)
            new_time = np.where(np.isfinite(new_time), new_time, impact_time)

            velocity_i = (speed_i * np.cos(gamma_i))[:, None] * horizontal + (speed_i * np.sin(gamma_i))[:, None] * burnout_i
            velocity = _rotate_z(velocity_i - frame_velocity, -omega * self.burn_time)
            speed = np.linalg.norm(velocity, axis=-1)
            with np.errstate(invalid="ignore"):
                gamma = np.arcsin(np.clip(np.sum(velocity * u_burnout, -1) / speed, -1.0, 1.0))
            shape = boost_shape(self.burn_time, np.nan_to_num(speed), np.nan_to_num(gamma), self.nominal_alt)
            # Turn the boost's great circle so that its heading at burnout is the free flight's.
            ground_velocity = velocity - np.sum(velocity * u_burnout, -1, keepdims=True) * u_burnout
            new_pole = np.cross(u_burnout, np.nan_to_num(ground_velocity))
            new_pole = new_pole - np.sum(new_pole * self.u_launch, -1, keepdims=True) * self.u_launch
            pole_norm = np.linalg.norm(new_pole, axis=-1, keepdims=True)
            new_pole = np.where(pole_norm > 0.0, new_pole / np.where(pole_norm > 0.0, pole_norm, 1.0), pole)

            moved = np.maximum.reduce(
                [
                    np.abs(shape.downrange_m - downrange),
                    np.abs(shape.burnout_alt_m - burnout_alt),
                    np.linalg.norm(new_pole - pole, axis=-1) * self.launch_radius,
                    np.abs(new_time - impact_time) * 1e4,  # 1 mm of position is about 1e-7 s of time
                ]
            )
            downrange, burnout_alt, pole, impact_time = shape.downrange_m, shape.burnout_alt_m, new_pole, new_time
            if np.max(np.nan_to_num(moved), initial=0.0) < _SETTLED_M:
                break
        # The state flown is the last round's, built from the boost it started from; the boost
        # it implies (``shape``) differs from that by ``moved``.
        position = burnout_radius[:, None] * u_burnout
        carry_out = _Carry(downrange, burnout_alt, pole, impact_time)

        impact = free_flight(position, np.nan_to_num(velocity), self.burn_time, earth).impact()
        overflown = central_angle(self.u_launch, u_virtual) <= angle_b
        failure = np.where(overflown, Reason.INSIDE_BOOST, np.where(np.isnan(speed), Reason.NO_ARC, Reason.NONE))
        failure = np.where((failure == Reason.NONE) & ~impact.lands, Reason.NO_IMPACT, failure)
        residual = np.einsum("nij,nj->ni", self.tangent, unit(np.nan_to_num(impact.position_ecef_m)) - self.u_aim)
        consistent = ~(moved >= _BOOST_TOLERANCE_M)  # NaN rows fail elsewhere
        return _Pass(position, velocity, speed, gamma, carry_out, consistent, shape, impact, failure, residual)


#: How far the burnout point may still move between passes for a hit to count (metres), and the
#: movement at which the consistency rounds inside a pass stop.
_BOOST_TOLERANCE_M = 0.1
_SETTLED_M = 1e-3
#: Finite-difference step (radians, about 6 km) for the first pass's Jacobian, and the largest step
#: one pass may move the virtual aim point (about 1,300 km), which keeps early passes on the
#: well-behaved side of long-range, high-rotation shots.
_JACOBIAN_STEP_RAD = 1e-3
_MAX_STEP_RAD = 0.2


def solve(
    launch_lat_rad,
    launch_lon_rad,
    aim_lat_rad,
    aim_lon_rad,
    missile: MissileArrays,
    burnout_angle_rad=np.nan,
    earth: Earth = WGS84,
    *,
    tolerance_m: float = HIT_TOLERANCE_M,
    max_iterations: int = MAX_ITERATIONS,
) -> TargetingSolution:
    """Find the burnout states that hit the aim points (N pairs; inputs broadcast to N).

    ``burnout_angle_rad`` NaN means minimum energy; otherwise the flight-path angle at burnout,
    above the local horizontal (the plane normal to the geocentric radius).
    """
    lat_l, lon_l, lat_a, lon_a, fixed_angle = np.broadcast_arrays(
        *(
            np.atleast_1d(np.asarray(a, dtype=float))
            for a in (launch_lat_rad, launch_lon_rad, aim_lat_rad, aim_lon_rad, burnout_angle_rad)
        )
    )
    n = lat_l.shape[0]
    launch = geodetic_to_ecef(lat_l, lon_l, 0.0, earth)
    aim = geodetic_to_ecef(lat_a, lon_a, 0.0, earth)
    u_launch, u_aim = unit(launch), unit(aim)
    total_angle = central_angle(u_launch, u_aim)

    reason = np.zeros(n, dtype=np.int8)
    reason[total_angle < _COINCIDENT_RAD] = Reason.COINCIDENT
    reason[total_angle > _ANTIPODAL_RAD] = Reason.ANTIPODAL
    rows = np.flatnonzero(reason == Reason.NONE)
    problem = _Problem(
        u_launch[rows], u_aim[rows], fixed_angle[rows], missile.burn_time_s[rows], missile.burnout_alt_m[rows], earth
    )
    result = _iterate(problem, aim[rows], tolerance_m, max_iterations)
    _refine_minimum_energy(problem, aim[rows], result, tolerance_m, max_iterations)

    out = _Fields.empty(n)
    out.assign(rows, result.fields)
    reason[rows] = result.reason
    too_fast = (reason == Reason.NONE) & (out.speed > missile.max_burnout_speed_mps * (1.0 + 1e-12))
    reason[too_fast] = Reason.TOO_FAST
    burn_time = missile.burn_time_s.astype(float)
    boost = BoostShape(
        burn_time_s=burn_time,
        burnout_speed_mps=out.speed,
        burnout_angle_rad=out.gamma,
        burnout_alt_m=out.burnout_alt,
        downrange_m=out.downrange,
        pitch_blend=out.pitch_blend,
    )
    impact = Impact(
        lands=out.lands,
        time_s=out.impact_time,
        position_ecef_m=out.impact_position,
        velocity_ecef_mps=out.impact_velocity,
        apogee_alt_m=out.apogee_alt,
    )
    return TargetingSolution(
        reachable=reason == Reason.NONE,
        reason_code=reason,
        launch_ecef_m=launch,
        aim_ecef_m=aim,
        burnout_position_ecef_m=out.position,
        burnout_velocity_ecef_mps=out.velocity,
        burnout_time_s=burn_time,
        burnout_speed_mps=out.speed,
        burnout_angle_rad=out.gamma,
        launch_heading_ecef=out.heading,
        boost=boost,
        impact=impact,
        miss_m=out.miss,
        iterations=result.iterations,
        missile=missile,
    )


@dataclass
class _Fields:
    """Per-trajectory outputs of targeting, as parallel arrays."""

    position: np.ndarray
    velocity: np.ndarray
    speed: np.ndarray
    gamma: np.ndarray
    heading: np.ndarray
    miss: np.ndarray
    burnout_alt: np.ndarray
    downrange: np.ndarray
    pitch_blend: np.ndarray
    lands: np.ndarray
    impact_time: np.ndarray
    impact_position: np.ndarray
    impact_velocity: np.ndarray
    apogee_alt: np.ndarray
    offset: np.ndarray  # final virtual aim point, for warm starts
    carry_pole: np.ndarray
    carry_time: np.ndarray

    @classmethod
    def empty(cls, n: int) -> _Fields:
        vectors = ("position", "velocity", "heading", "impact_position", "impact_velocity", "carry_pole")
        fields = {}
        for name in cls.__dataclass_fields__:
            if name == "lands":
                fields[name] = np.zeros(n, dtype=bool)
            elif name == "offset":
                fields[name] = np.zeros((n, 2))
            else:
                fields[name] = np.full((n, 3) if name in vectors else n, np.nan)
        return cls(**fields)

    def assign(self, index, other: _Fields, mask=slice(None)) -> None:
        """Copy ``other[mask]`` into the entries ``index`` of this one."""
        for name in self.__dataclass_fields__:
            getattr(self, name)[index] = getattr(other, name)[mask]

    def subset(self, mask) -> _Fields:
        return _Fields(**{name: getattr(self, name)[mask] for name in self.__dataclass_fields__})

    def carry(self) -> _Carry:
        return _Carry(self.downrange, self.burnout_alt, self.carry_pole, self.carry_time)


@dataclass
class _Result:
    fields: _Fields
    reason: np.ndarray
    iterations: int


def _iterate(problem: _Problem, aim, tolerance_m, max_iterations, warm: _Fields | None = None) -> _Result:
    """Newton/Broyden passes until every trajectory lands within the tolerance or fails."""
    n = aim.shape[0]
    fields = _Fields.empty(n)
    reason = np.zeros(n, dtype=np.int8)
    active = np.arange(n)
    offset = np.zeros((n, 2)) if warm is None else warm.offset.copy()
    carry = problem.initial_carry() if warm is None else warm.carry()
    jacobian = None
    iterations = 0
    for iterations in range(1, max_iterations + 1):
        if active.size == 0:
            break
        flown = problem.fly(offset, carry)
        if jacobian is not None:
            _broyden_update(jacobian, offset - last_offset, flown.residual - last_residual)
        miss = np.linalg.norm(aim[active] - flown.impact.position_ecef_m, axis=-1)
        failure = flown.failure
        done = ((miss < tolerance_m) & flown.consistent) | (failure != Reason.NONE)
        if iterations == max_iterations:
            failure = np.where(done, failure, Reason.NOT_CONVERGED)
            done[:] = True

        finished = active[done]
        reason[finished] = failure[done]
        fields.assign(
            finished,
            _Fields(
                position=flown.position,
                velocity=flown.velocity,
                speed=flown.speed,
                gamma=flown.gamma,
                heading=np.cross(flown.carry.pole, problem.u_launch),
                miss=miss,
                burnout_alt=flown.shape.burnout_alt_m,
                downrange=flown.shape.downrange_m,
                pitch_blend=flown.shape.pitch_blend,
                lands=flown.impact.lands,
                impact_time=flown.impact.time_s,
                impact_position=flown.impact.position_ecef_m,
                impact_velocity=flown.impact.velocity_ecef_mps,
                apogee_alt=flown.impact.apogee_alt_m,
                offset=offset,
                carry_pole=flown.carry.pole,
                carry_time=flown.carry.impact_time,
            ),
            done,
        )

        keep = ~done
        if jacobian is None:  # first pass: most trajectories are done; differentiate the rest
            jacobian = _finite_difference_jacobian(problem.subset(keep), offset[keep], carry.subset(keep), flown.residual[keep])
        else:
            jacobian = _well_conditioned(jacobian[keep])
        active, problem = active[keep], problem.subset(keep)
        last_offset, last_residual = offset[keep], flown.residual[keep]
        step = np.linalg.solve(jacobian, last_residual[..., None])[..., 0]
        step_size = np.linalg.norm(step, axis=-1, keepdims=True)
        offset = last_offset - step * np.minimum(1.0, _MAX_STEP_RAD / np.maximum(step_size, 1e-300))
        carry = flown.carry.subset(keep)
    return _Result(fields, reason, iterations)


#: Half-width of the three-point bracket that refines the minimum-energy burnout angle.
_REFINE_STEP_RAD = np.radians(1.0)


def _refine_minimum_energy(problem: _Problem, aim, result: _Result, tolerance_m, max_iterations) -> None:
    """Turn the first pass's minimum-energy guess into the true minimum of Earth-relative speed.

    The guess is the minimum-energy conic from the burnout point it found, but the burnout point
    itself moves with the angle (the boost flies further downrange at lower angles), and on a
    rotating Earth so does the aim point's inertial position at impact. So the required speed is
    sampled at the guess ± 1° by fixed-angle targeting and the parabola's vertex is flown; the
    speed is stationary there, so what error remains in the angle costs next to nothing in speed.
    """
    rows = np.flatnonzero(np.isnan(problem.fixed_angle) & (result.reason == Reason.NONE))
    if rows.size == 0:
        return
    sub = problem.subset(rows)
    warm = result.fields.subset(rows)
    centre = warm.gamma
    speeds = []
    for angle in (centre - _REFINE_STEP_RAD, centre + _REFINE_STEP_RAD):
        sub.fixed_angle = np.clip(angle, np.radians(0.5), np.radians(89.5))
        side = _iterate(sub, aim[rows], tolerance_m, max_iterations, warm)
        speeds.append(np.where(side.reason == Reason.NONE, side.fields.speed, np.nan))
    low, high = speeds
    curvature = low - 2.0 * warm.speed + high
    usable = np.isfinite(curvature) & (curvature > 0.0)
    if not usable.any():
        return
    shift = np.clip(0.5 * (low - high)[usable] / curvature[usable], -2.0, 2.0) * _REFINE_STEP_RAD
    keep = rows[usable]
    best = problem.subset(keep)
    best.fixed_angle = np.clip(centre[usable] + shift, np.radians(0.5), np.radians(89.5))
    final = _iterate(best, aim[keep], tolerance_m, max_iterations, warm.subset(usable))
    better = (final.reason == Reason.NONE) & (final.fields.speed <= warm.speed[usable])
    result.fields.assign(keep[better], final.fields, better)


def _finite_difference_jacobian(problem: _Problem, offset, carry: _Carry, residual):
    """d(residual)/d(offset) by forward differences, for Newton's first step."""
    columns = []
    for axis in range(2):
        shifted = offset.copy()
        shifted[:, axis] += _JACOBIAN_STEP_RAD
        columns.append((problem.fly(shifted, carry).residual - residual) / _JACOBIAN_STEP_RAD)
    return _well_conditioned(np.stack(columns, axis=-1))


def _well_conditioned(jacobian):
    """Replace unusable Jacobians (from failed flights or a degenerate update) by the identity."""
    det = np.linalg.det(jacobian)
    bad = ~np.isfinite(det) | (np.abs(det) < 1e-3)
    jacobian[bad] = np.eye(2)
    return jacobian


def maximum_range(burn_time_s, burnout_speed_mps, burnout_alt_m, earth: Earth):
    """Longest ground range (m) and its burnout flight-path angle (rad), per missile, over a
    non-rotating spherical Earth of ``earth``'s mean radius: boost downrange plus the free flight.

    The free-flight part is closed form; the angle is found on a 0.05° grid and refined by a
    parabola through the best three points.
    """
    radius = (2.0 * earth.equatorial_radius_m + earth.polar_radius_m) / 3.0
    t, v, h = (np.atleast_1d(np.asarray(a, dtype=float))[:, None] for a in (burn_time_s, burnout_speed_mps, burnout_alt_m))
    step = np.radians(0.05)
    angles = np.arange(np.radians(1.0), np.radians(80.0), step)[None, :]

    def total_angle(gamma):
        shape = boost_shape(t, v, gamma, h)
        psi = free_flight_range_angle(radius + shape.burnout_alt_m, v, gamma, radius, earth.mu_m3_s2)
        return shape.downrange_m / radius + psi

    grid = np.nan_to_num(total_angle(angles), nan=-np.inf)
    best = np.clip(np.argmax(grid, axis=1), 1, angles.shape[1] - 2)
    rows = np.arange(best.size)
    left, mid, right = grid[rows, best - 1], grid[rows, best], grid[rows, best + 1]
    curvature = left - 2.0 * mid + right
    with np.errstate(invalid="ignore"):
        shift = np.where(curvature < 0.0, 0.5 * (left - right) / np.where(curvature < 0.0, curvature, 1.0), 0.0)
    gamma = angles[0, best] + np.clip(np.nan_to_num(shift), -1.0, 1.0) * step
    return total_angle(gamma[:, None])[:, 0] * radius, gamma


def reasons(solution: TargetingSolution, fixed_angle_rad=np.nan) -> list[str | None]:
    """One human-readable reason per trajectory (None where reachable)."""
    fixed = np.broadcast_to(np.asarray(fixed_angle_rad, dtype=float), solution.reachable.shape)
    texts: list[str | None] = [None] * solution.reachable.size
    for i in np.flatnonzero(~solution.reachable):
        code = solution.reason_code[i]
        name = solution.missile.name[i]
        if code == Reason.COINCIDENT:
            texts[i] = "launch and aim points coincide"
        elif code == Reason.ANTIPODAL:
            texts[i] = "aim point is antipodal to the launch point: every launch azimuth reaches it"
        elif code == Reason.TOO_FAST:
            angle = "a minimum-energy trajectory" if np.isnan(fixed[i]) else f"a {np.degrees(fixed[i]):.1f}° burnout angle"
            texts[i] = (
                f"out of range: {name} would need a burnout speed of {solution.burnout_speed_mps[i] / 1e3:.2f} km/s "
                f"on {angle}, above its {solution.missile.max_burnout_speed_mps[i] / 1e3:.2f} km/s"
            )
        elif code == Reason.INSIDE_BOOST:
            texts[i] = f"too close: {name}'s boost phase alone carries it past the aim point"
        elif code == Reason.NO_ARC:
            texts[i] = f"no ballistic arc reaches the aim point at a {np.degrees(fixed[i]):.1f}° burnout angle"
        elif code == Reason.NO_IMPACT:
            texts[i] = "the required trajectory does not come back down (orbital or escape speed)"
        else:
            texts[i] = "targeting did not converge to within 1 m of the aim point"
    return texts
