"""Targeting: the burnout state that lands a missile on an aim point, vectorized over trajectories.

Method. Each pass aims at a virtual point P (first the real aim point A):

1. the boost flies along a great circle from the launch point L to the burnout point B;
2. in the inertial frame, P is where the Earth will have carried it at the impact time T, and the
   free flight is the conic from B to P over the central angle Ψ, between radii |B| and |P|:
   ``v² = μ(1 − cos Ψ) / (|B| cos γ (k cos γ − cos(Ψ + γ)))`` with k = |B| / |P| (for k = 1 the
   two-point form of Bate, Mueller & White 1971 §6.2). T is the conic's own time of flight
   (Kepler's equation), settled by secant steps. The inertial flight-path angle γ is the one whose
   burnout velocity *relative to the rotating Earth* has the requested angle, or, for minimum
   energy, the one with the least Earth-relative speed: three lanes at γ and γ ± ½° and the vertex
   of the parabola through their speeds (and, where that ends near a kink of the boost, a second
   search beyond the kink: see ``_search_beyond_kinks``);
3. the boost depends on the burnout speed and angle (downrange distance, altitude, and its great
   circle, turned until its heading at burnout is the free flight's): steps 1–3 repeat in closed
   form until nothing moves by more than a centimetre;
4. the burnout state is propagated on the real Earth (ellipsoid, J2 if asked) to its impact
   point I, and P moves to cancel the miss I − A: Newton's method in the tangent plane at A, with a
   finite-difference Jacobian on the first pass and Broyden updates after.

On a non-rotating sphere with an ideal missile the first pass is exact; elsewhere one or two
passes reach a millimetre. Speeds below the class's maximum are reached by energy management (see
:mod:`securityroof.physics.boost`). Anything that cannot be flown comes back as ``reachable = False`` with
a reason, never as NaN.

Steps 1–3 (one pass) are :mod:`securityroof.physics.rounds`, the conics they fly and the search for a
fixed-angle arc :mod:`securityroof.physics.conics`; step 4 and the public API are here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from securityroof.physics import kernels
from securityroof.physics.ballistic import Impact, free_flight_range_angle
from securityroof.physics.boost import BoostShape, blend_limit_angle, boost_shape
from securityroof.physics.earth import WGS84, Earth, central_angle, geodetic_to_ecef, unit
from securityroof.physics.reasons import Unreachable
from securityroof.physics.rounds import (
    ANGLE_TOLERANCE_RAD,
    BOOST_TOLERANCE_M,
    ROUND_SETTINGS,
    START_FLIGHT_TO_ALTITUDE,
    START_TRUST,
    Carry,
    Pass,
    Problem,
)

#: A targeted trajectory counts as on target when it lands this close to the aim point.
HIT_TOLERANCE_M = 1.0
MAX_ITERATIONS = 40
#: Near the antipode every azimuth is a great circle to the aim point, so the problem has no
#: unique solution.
_ANTIPODAL_RAD = np.pi - 1e-4


#: Surface points whose geodetic latitudes differ by this much are over a kilometre apart, far
#: beyond the hit tolerance: the meridian's radius of curvature is never below a(1 - e²) ≈ 6,335 km
#: (0.01° ≥ 1.1 km along it), and turning one point about the axis onto the other's meridian only
#: brings the two closer.
_DISTINCT_LATITUDE_DEG = 0.01


def coincident(launch_lat_deg, launch_lon_deg, aim_lat_deg, aim_lon_deg) -> np.ndarray:
    """Whether launch and aim points are one point: closer than the hit tolerance on the WGS84
    surface, whatever the Earth model. A missile there is already on target, so there is no shot to
    fly; a sub-metre 'trajectory' would be within the tolerance of not flying at all. Measured
    between Earth-fixed positions, so a meridian named twice (−180° and 180°, 10° and 370°) and
    every longitude at a pole are one place. The one rule for the library, the CLI, batch files and
    scenarios."""
    lat_l, lon_l, lat_a, lon_a = np.broadcast_arrays(
        *(np.asarray(v, dtype=float) for v in (launch_lat_deg, launch_lon_deg, aim_lat_deg, aim_lon_deg))
    )
    # Only pairs whose latitudes nearly agree are converted: a batch's worth of conversions took
    # 16 ms of 100,000 pairs, before any targeting could start.
    on_globe = (np.abs(lat_l) <= 90.0) & (np.abs(lat_a) <= 90.0)
    maybe = ~(on_globe & (np.abs(lat_l - lat_a) >= _DISTINCT_LATITUDE_DEG))
    out = np.zeros(lat_l.shape, dtype=bool)
    if np.any(maybe):
        launch, aim = (
            geodetic_to_ecef(np.radians(lat[maybe]), np.radians(lon[maybe]), 0.0, WGS84)
            for lat, lon in ((lat_l, lon_l), (lat_a, lon_a))
        )
        out[maybe] = _coincident_ecef(launch, aim)
    return out[()] if out.ndim == 0 else out


def _coincident_ecef(launch_ecef_m, aim_ecef_m) -> np.ndarray:
    # coincident() for points already on the WGS84 surface
    return np.linalg.norm(launch_ecef_m - aim_ecef_m, axis=-1) < HIT_TOLERANCE_M


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


#: Required speed, as a multiple of the class's maximum, beyond which a shot is out of range
#: whatever the remaining miss.
_HOPELESS_MARGIN = 1.02
#: Finite-difference step (radians, about 6 km) for the first pass's Jacobian, and the largest step
#: one pass may move the virtual aim point (about 1,300 km), which keeps early passes on the
#: well-behaved side of long-range, high-rotation shots.
_JACOBIAN_STEP_RAD = 1e-3
_MAX_STEP_RAD = 0.2


def _broyden_update(jacobian, step, change):
    """Broyden's rank-one update, in place, of per-trajectory 2×2 Jacobians from the last step."""
    step_sq = np.sum(step * step, axis=-1)
    predicted = np.einsum("nij,nj->ni", jacobian, step)
    ok = step_sq > 0.0
    jacobian[ok] += np.einsum("ni,nj->nij", (change - predicted)[ok], step[ok]) / step_sq[ok, None, None]


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

    ``burnout_angle_rad`` NaN means minimum energy (least Earth-relative burnout speed); otherwise
    the Earth-relative flight-path angle at burnout, above the local horizontal (the plane normal
    to the geocentric radius).
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
    on_wgs84 = (earth.equatorial_radius_m, earth.flattening) == (WGS84.equatorial_radius_m, WGS84.flattening)
    coincide = (
        _coincident_ecef(launch, aim)  # the same points: not converted again
        if on_wgs84
        else coincident(*(np.degrees(a) for a in (lat_l, lon_l, lat_a, lon_a)))
    )
    reason[coincide] = Unreachable.COINCIDENT
    reason[total_angle > _ANTIPODAL_RAD] = Unreachable.ANTIPODAL
    rows = np.flatnonzero(reason == Unreachable.NONE)
    out = _Fields.empty(n)
    arrays = (fixed_angle, missile.burn_time_s, missile.burnout_alt_m, missile.max_burnout_speed_mps)
    if kernels.active() and not earth.j2:  # the compiled propagation is point-mass gravity's
        iterations = _compiled_solve(u_launch[rows], u_aim[rows], aim[rows], *(a[rows] for a in arrays), earth,
                                     tolerance_m, max_iterations, out, rows, reason)  # fmt: skip
    else:
        problem = Problem(u_launch[rows], u_aim[rows], *(a[rows] for a in arrays), earth)
        carry = problem.initial_carry()
        iterations = _iterate(problem, aim[rows], tolerance_m, max_iterations, out, rows, reason, carry)
        beyond = _search_beyond_kinks(problem, aim[rows], tolerance_m, max_iterations, out, rows, reason)
        iterations = max(iterations, beyond)
    too_fast = (reason == Unreachable.NONE) & (out.speed > missile.max_burnout_speed_mps * (1.0 + 1e-12))
    reason[too_fast] = Unreachable.TOO_FAST
    burn_time = missile.burn_time_s.astype(float)
    return TargetingSolution(
        reachable=reason == Unreachable.NONE,
        reason_code=reason,
        launch_ecef_m=launch,
        aim_ecef_m=aim,
        burnout_position_ecef_m=out.position,
        burnout_velocity_ecef_mps=out.velocity,
        burnout_time_s=burn_time,
        burnout_speed_mps=out.speed,
        burnout_angle_rad=out.angle,
        launch_heading_ecef=out.heading,
        boost=BoostShape(
            burn_time_s=burn_time,
            burnout_speed_mps=out.speed,
            burnout_angle_rad=out.angle,
            burnout_alt_m=out.burnout_alt,
            downrange_m=out.downrange,
            pitch_blend=out.pitch_blend,
        ),
        impact=Impact(
            lands=out.lands,
            time_s=out.impact_time,
            position_ecef_m=out.impact_position,
            velocity_ecef_mps=out.impact_velocity,
            apogee_alt_m=out.apogee_alt,
        ),
        miss_m=out.miss,
        iterations=iterations,
        missile=missile,
    )


@dataclass
class _Fields:
    """Per-trajectory outputs of targeting, as parallel arrays."""

    position: np.ndarray
    velocity: np.ndarray
    speed: np.ndarray
    angle: np.ndarray
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
    inertial_angle: np.ndarray  # the lane's: where a search beyond a kink starts from

    @classmethod
    def empty(cls, n: int) -> _Fields:
        vectors = ("position", "velocity", "heading", "impact_position", "impact_velocity")
        fields = {}
        for name in cls.__dataclass_fields__:
            if name == "lands":
                fields[name] = np.zeros(n, dtype=bool)
            else:
                fields[name] = np.full((n, 3) if name in vectors else n, np.nan)
        return cls(**fields)

    def put(self, index, other: _Fields, mask) -> None:
        """Take the entries ``mask`` of ``other`` as the answers for trajectories ``index``."""
        for name in self.__dataclass_fields__:
            getattr(self, name)[index] = getattr(other, name)[mask]

    def record(self, index, flown: Pass, u_launch, miss, mask) -> None:
        """Store the pass ``flown`` (entries ``mask``) as the answer for trajectories ``index``."""
        shot, impact = flown.shot, flown.impact
        values = {
            "position": shot.position,
            "velocity": shot.velocity,
            "speed": shot.speed,
            "angle": shot.angle,
            "heading": np.cross(flown.carry.centre.pole, u_launch),
            "miss": miss,
            "burnout_alt": shot.shape.burnout_alt_m,
            "downrange": shot.shape.downrange_m,
            "pitch_blend": shot.shape.pitch_blend,
            "lands": impact.lands,
            "impact_time": impact.time_s,
            "impact_position": impact.position_ecef_m,
            "impact_velocity": impact.velocity_ecef_mps,
            "apogee_alt": impact.apogee_alt_m,
            "inertial_angle": flown.carry.centre.inertial_angle,
        }
        for name, value in values.items():
            getattr(self, name)[index] = value[mask]


def _compiled_solve(
    u_launch, u_aim, aim, fixed_angle, burn_time, nominal_alt, max_speed, earth, tolerance_m, max_iterations, out,
    rows, reason,
) -> int:  # fmt: skip
    """:func:`_iterate` and :func:`_search_beyond_kinks` from :meth:`Problem.initial_carry`, by the
    compiled kernel, each row running its own start, passes and searches to the end: the same
    arithmetic, with none of the numpy work between them (see :func:`securityroof.physics.kernels.target`)."""
    if rows.size == 0:
        return 0
    limits = kernels.TargetLimits(
        float(tolerance_m), int(max_iterations), _HOPELESS_MARGIN, _JACOBIAN_STEP_RAD, _MAX_STEP_RAD,
        BOOST_TOLERANCE_M, ANGLE_TOLERANCE_RAD, START_FLIGHT_TO_ALTITUDE, START_TRUST, float(_KINK_WINDOW_RAD),
        float(_PAST_KINK_RAD), _AT_KINK_RAD, _KINK_TRUST, _SAME_SPEED_MPS,
    )  # fmt: skip
    fields, codes, passes = kernels.target(
        u_launch, u_aim, aim, fixed_angle, burn_time, nominal_alt, max_speed, earth, ROUND_SETTINGS, limits
    )
    for name, value in fields.items():
        getattr(out, name)[rows] = value
    reason[rows] = codes
    return int(passes.max())


def _iterate(problem: Problem, aim, tolerance_m, max_iterations, out: _Fields, rows, reason, carry: Carry) -> int:
    """Newton/Broyden passes on the virtual aim points, from the lanes ``carry``, until every
    trajectory lands within the tolerance with a consistent boost, or fails; results go into
    ``out`` and ``reason`` at ``rows``."""
    active = np.asarray(rows)
    offset = np.zeros((active.size, 2))
    jacobian = last_offset = last_residual = None
    iterations = 0
    for iterations in range(1, max_iterations + 1):
        if active.size == 0:
            break
        flown = problem.fly(offset, carry)
        if jacobian is not None:
            _broyden_update(jacobian, offset - last_offset, flown.residual - last_residual)
        miss = np.linalg.norm(aim - flown.impact.position_ecef_m, axis=-1)
        failure = flown.failure
        # Well beyond the class's reach after the first correction: the speed it would need is
        # known well enough to say so, without chasing the last metre of a shot it cannot fly.
        hopeless = (
            (failure == Unreachable.NONE) & (flown.shot.speed > _HOPELESS_MARGIN * problem.max_speed) & (iterations > 1)
        )
        failure = np.where(hopeless, Unreachable.TOO_FAST, failure)
        done = ((miss < tolerance_m) & flown.consistent) | (failure != Unreachable.NONE)
        if iterations == max_iterations:
            out_of_reach = flown.shot.speed > problem.max_speed
            failure = np.where(done, failure, np.where(out_of_reach, Unreachable.TOO_FAST, Unreachable.NOT_CONVERGED))
            done[:] = True
        reason[active[done]] = failure[done]
        out.record(active[done], flown, problem.u_launch, miss, done)

        keep = ~done
        if jacobian is None:  # first pass: most trajectories are done; differentiate the rest
            jacobian = _finite_difference_jacobian(
                problem.subset(keep), offset[keep], flown.carry.take(keep), flown.residual[keep]
            )
        else:
            jacobian = _well_conditioned(jacobian[keep])
        active, problem, aim = active[keep], problem.subset(keep), aim[keep]
        last_offset, last_residual = offset[keep], flown.residual[keep]
        step = np.linalg.solve(jacobian, last_residual[..., None])[..., 0]
        step_size = np.linalg.norm(step, axis=-1, keepdims=True)
        offset = last_offset - step * np.minimum(1.0, _MAX_STEP_RAD / np.maximum(step_size, 1e-300))
        carry = flown.carry.take(keep)
    return iterations


#: A minimum-energy angle found within this angle of a kink of the boost is searched for again
#: beyond the kink, starting this far past it (the second minima seen lie up to 1.6° past their
#: kinks, from angles up to 1.1° short of them); a kink closer than _AT_KINK_RAD is the minimum itself.
_KINK_WINDOW_RAD = np.radians(2.5)
_PAST_KINK_RAD = np.radians(2.0)
_AT_KINK_RAD = 1e-4
#: A second minimum lower by less than this (m/s, ~3e-6 of the speed) is the same one, found to
#: the precision of the lanes (the tabulated boost puts wiggles of that size in the speed).
_SAME_SPEED_MPS = 1e-2
#: The kink search's lanes start with short steps (one lane step), where the first search's may take four.
_KINK_TRUST = 1.0


def _search_beyond_kinks(problem: Problem, aim, tolerance_m, max_iterations, out: _Fields, rows, reason) -> int:
    """Search for minimum energy again beyond the boost's kinks, keeping the lower speed.

    The lanes follow the required speed downhill from one angle. Where the boost enters or leaves
    its clamped regime (:func:`securityroof.physics.boost.blend_limit_angle`) the speed against the burnout
    angle has a kink, and the kink can stand between two minima (a Shahab-3 shot whose lanes settle
    at 40.7° needs 1.3 m/s more than at 42.3°, beyond the kink at 41.2°). A row whose angle lies
    within _KINK_WINDOW_RAD of a kink searches again from _PAST_KINK_RAD beyond it, with short
    first steps, and keeps whichever arc needs less speed. The start is well past the kink (and may
    be past the second minimum, which the search then comes back to): the lanes' first rounds are
    noisy, and from 0.75° past a kink they could step straight back across it.
    """
    iterations = 0
    rows = np.asarray(rows)
    for blend in (0.0, 1.0):
        settled = problem.minimum_energy & (reason[rows] == Unreachable.NONE) & np.isfinite(out.speed[rows])
        kink = blend_limit_angle(problem.burn_time, out.speed[rows], problem.nominal_alt, blend)
        offset = kink - out.angle[rows]
        with np.errstate(invalid="ignore"):
            near = np.flatnonzero(settled & (np.abs(offset) < _KINK_WINDOW_RAD) & (np.abs(offset) > _AT_KINK_RAD))
        if near.size == 0:
            continue
        beyond = problem.subset(near)
        start = out.inertial_angle[rows[near]] + offset[near] + np.sign(offset[near]) * _PAST_KINK_RAD
        other, other_reason = _Fields.empty(near.size), np.zeros(near.size, dtype=np.int8)
        flown = _iterate(
            beyond,
            aim[near],
            tolerance_m,
            max_iterations,
            other,
            np.arange(near.size),
            other_reason,
            beyond.initial_carry(start, trust=_KINK_TRUST),
        )
        iterations = max(iterations, flown)
        lower = (other_reason == Unreachable.NONE) & (other.speed < out.speed[rows[near]] - _SAME_SPEED_MPS)
        out.put(rows[near[lower]], other, lower)
    return iterations


def _finite_difference_jacobian(problem: Problem, offset, carry: Carry, residual):
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
    radius = earth.mean_radius_m
    t, v, h = (
        np.atleast_1d(np.asarray(a, dtype=float))[:, None] for a in (burn_time_s, burnout_speed_mps, burnout_alt_m)
    )
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
    rows = np.flatnonzero(~solution.reachable)
    # plain Python values, taken once: per row, numpy scalars and the enum's class lookups cost a
    # batch chunk of 20,000 rows 3-4 ms, on the thread that prepares the next chunk
    coincident_, antipodal, too_fast, inside_boost, no_arc, no_impact = (
        int(code)
        for code in (
            Unreachable.COINCIDENT,
            Unreachable.ANTIPODAL,
            Unreachable.TOO_FAST,
            Unreachable.INSIDE_BOOST,
            Unreachable.NO_ARC,
            Unreachable.NO_IMPACT,
        )
    )
    columns = (
        rows.tolist(),
        solution.reason_code[rows].tolist(),
        solution.missile.name[rows].tolist(),
        (solution.burnout_speed_mps[rows] / 1e3).tolist(),
        (solution.missile.max_burnout_speed_mps[rows] / 1e3).tolist(),
        np.degrees(fixed[rows]).tolist(),
    )
    for i, code, name, speed_km_s, limit_km_s, angle_deg in zip(*columns, strict=True):
        if code == coincident_:
            texts[i] = f"launch and aim points coincide (closer than {HIT_TOLERANCE_M:g} m)"
        elif code == antipodal:
            texts[i] = "aim point is antipodal to the launch point: every launch azimuth reaches it"
        elif code == too_fast:
            angle = "a minimum-energy trajectory" if math.isnan(angle_deg) else f"a {angle_deg:.1f}° burnout angle"
            texts[i] = (
                f"out of range: {name} would need a burnout speed of {speed_km_s:.2f} km/s "
                f"on {angle}, above its {limit_km_s:.2f} km/s"
            )
        elif code == inside_boost:
            texts[i] = f"too close: {name}'s boost phase alone carries it past the aim point"
        elif code == no_arc:
            texts[i] = f"no ballistic arc reaches the aim point at a {angle_deg:.1f}° burnout angle"
        elif code == no_impact:
            texts[i] = "the required trajectory does not come back down (orbital or escape speed)"
        else:
            texts[i] = "targeting did not converge to within 1 m of the aim point"
    return texts
