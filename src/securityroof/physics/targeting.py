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
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from securityroof.physics import kernels
from securityroof.physics.ballistic import Impact, free_flight, free_flight_range_angle
from securityroof.physics.boost import BoostShape, blend_limit_angle, boost_shape
from securityroof.physics.earth import (
    WGS84,
    Earth,
    advance_along_great_circle,
    central_angle,
    geodetic_to_ecef,
    great_circle_heading,
    rotate_about_z,
    surface_radius_m,
    unit,
)
from securityroof.physics.reasons import Unreachable

#: A targeted trajectory counts as on target when it lands this close to the aim point.
HIT_TOLERANCE_M = 1.0
MAX_ITERATIONS = 40
#: Near the antipode every azimuth is a great circle to the aim point, so the problem has no
#: unique solution.
_ANTIPODAL_RAD = np.pi - 1e-4


def coincident(launch_lat_deg, launch_lon_deg, aim_lat_deg, aim_lon_deg) -> np.ndarray:
    """Whether launch and aim points are one point: closer than the hit tolerance on the WGS84
    surface, whatever the Earth model. A missile there is already on target, so there is no shot to
    fly; a sub-metre 'trajectory' would be within the tolerance of not flying at all. Measured
    between Earth-fixed positions, so a meridian named twice (−180° and 180°, 10° and 370°) and
    every longitude at a pole are one place. The one rule for the library, the CLI, batch files and
    scenarios."""
    launch, aim = (
        geodetic_to_ecef(np.radians(np.asarray(lat, dtype=float)), np.radians(np.asarray(lon, dtype=float)), 0.0, WGS84)
        for lat, lon in ((launch_lat_deg, launch_lon_deg), (aim_lat_deg, aim_lon_deg))
    )
    return np.linalg.norm(launch - aim, axis=-1) < HIT_TOLERANCE_M


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


def _formulas():
    # numba, which compiles them, takes most of a second to import: paid when a shot is first
    # computed, not when a scenario check imports ``coincident``
    from securityroof.physics import formulas

    return formulas


def _conic_speed(burnout_radius, target_radius, psi, gamma, mu):
    """:func:`securityroof.physics.formulas.conic_speed` over arrays (NaN: no ballistic arc)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return _formulas().conic_speeds(burnout_radius, target_radius, psi, gamma, mu)


#: Cap on the chord steps of each search in :func:`_fixed_angle_arc`; a dozen or two settle it.
_ARC_SEARCH_STEPS = 100
#: Doublings or halvings of the flight time that bracket the fixed-angle arc's impact time.
_ARC_BRACKET_STEPS = 60
#: Where they find no bracket, flight times from 1 ms up by this ratio are tried
#: (:func:`_scan_for_rising_root`), and the peak between them is found to within 1e-8 of the
#: flight time by this many golden-section steps.
_ARC_SCAN_RATIO = 1.25
_ARC_GOLDEN_STEPS = 40
_GOLDEN = 0.5 * (np.sqrt(5.0) - 1.0)


def _stable_conic_speed(burnout_radius, target_radius, psi, gamma, mu):
    """:func:`securityroof.physics.formulas.stable_conic_speed` over arrays (NaN: no ballistic arc)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return _formulas().stable_conic_speeds(burnout_radius, target_radius, psi, gamma, mu)


def _rising_root(function, lo, hi, f_lo, f_hi, tolerance):
    """Root of increasing functions, row by row, in brackets with f_lo < 0 < f_hi (an infinite
    f_hi bisects): chord steps with the Illinois rule (the value kept at an end that stays is
    halved), until the bracket is ``tolerance`` of the root wide."""
    lo, hi, f_lo, f_hi = np.broadcast_arrays(lo, hi, f_lo, f_hi)
    x = lo
    last = np.zeros(lo.shape, dtype=np.int8)  # which end the previous step moved: -1 low, +1 high
    for _ in range(_ARC_SEARCH_STEPS):
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            chord = lo - f_lo * (hi - lo) / (f_hi - f_lo)
        x = np.where(np.isfinite(chord) & (chord > lo) & (chord < hi), chord, 0.5 * (lo + hi))
        value = function(x)
        above = ~(value < 0.0)  # NaN: beyond the arcs that exist, which lie above
        f_lo = np.where(above & (last > 0), 0.5 * f_lo, f_lo)
        f_hi = np.where(~above & (last < 0), 0.5 * f_hi, f_hi)
        hi, f_hi = np.where(above, x, hi), np.where(above, np.nan_to_num(value, nan=np.inf), f_hi)
        lo, f_lo = np.where(above, lo, x), np.where(above, f_lo, value)
        last = np.where(above, 1, -1).astype(np.int8)
        if np.all(~(hi - lo > tolerance * np.abs(x)) | (value == 0.0)):
            break
    return x


def _lambert_angle(burnout_radius, target_radius, psi, flight_time, mu):
    """Inertial flight-path angle of the conic from burnout to a target ``psi`` away that comes down
    on it after ``flight_time``; about 0 where even a horizontal burnout takes longer (the arc would
    start downwards). Along the conics through the target the flight time grows with the angle, from
    the straight line to infinity at the escape speed; both ends are open (hyperbolic), the early
    one below the minimum-energy angle and the late one above it."""
    lowest_speed = minimum_energy_angle(burnout_radius, target_radius, psi)

    def lateness(gamma):
        speed = _stable_conic_speed(burnout_radius, target_radius, psi, gamma, mu)
        with np.errstate(invalid="ignore", divide="ignore"):
            late = np.log(_conic_time_of_flight(burnout_radius, speed, gamma, target_radius, mu) / flight_time)
        return np.where(np.isnan(late), np.where(gamma < lowest_speed, -np.inf, np.inf), late)

    # Never evaluated at 0: a horizontal burnout towards a target at its own radius is a circular
    # orbit, whose descending crossing is undefined. Where every arc is too slow, the search closes
    # on 0 from above.
    return _rising_root(lateness, np.zeros_like(psi), np.full_like(psi, 0.5 * np.pi), -np.inf, np.inf, 1e-14)


@dataclass
class _Arc:
    """The inertial conic of a fixed-angle shot: impact time, speed, flight-path angle, horizontal."""

    time: np.ndarray
    speed: np.ndarray
    angle: np.ndarray
    horizontal: np.ndarray


def _fixed_angle_arc(burnout_i, burnout_radius, frame_velocity, u_virtual, target_radius, burn_time, angle, guess,
                     omega, mu) -> _Arc:  # fmt: skip
    """The conic from burnout that comes down on the (turning) target with the Earth-relative
    flight-path angle ``angle``, from the impact time ``guess``; NaN where the search finds none.

    For a trial impact time T the target's inertial position is known and the conic reaching it
    after T − t_bo is Lambert's (:func:`_lambert_angle`); the angle of its velocity relative to the
    Earth (the inertial one less the frame's, ω × B), less the angle asked, is E(T), which grows
    with T (a longer flight is a steeper one) up to a peak and, for steep shots, falls beyond it.
    T is bracketed by doubling or halving the flight time from ``guess`` (up to
    _LONGEST_FLIGHT_S), or else by :func:`_scan_for_rising_root`, and the root where E rises is
    found by :func:`_rising_root`.

    Solving for the conic at a fixed T and the angle first, then for T, fails for short shots across
    the frame's motion: the Earth-relative speed is a small difference of inertial ones (465 m/s at
    the equator), the two conics with the angle merge into one at the consistent T, and the time
    equation is tangent there (D1a of issue 11: 45° asked, 81.6° flown).
    """

    def evaluate(time, rows):
        target_i = rotate_about_z(u_virtual[rows], omega * time)
        psi = central_angle(burnout_i[rows], target_i)
        horizontal = great_circle_heading(burnout_i[rows], target_i)
        gamma = _lambert_angle(burnout_radius[rows], target_radius[rows], psi, time - burn_time[rows], mu)
        speed = _stable_conic_speed(burnout_radius[rows], target_radius[rows], psi, gamma, mu)
        along = speed * np.cos(gamma) - _dot(frame_velocity[rows], horizontal)
        across = _dot(frame_velocity[rows], np.cross(burnout_i[rows], horizontal))
        relative = np.arctan2(speed * np.sin(gamma), np.hypot(along, across))
        return relative - angle[rows], speed, gamma, horizontal

    n = guess.shape[0]
    every = np.arange(n)
    flight = np.clip(guess - burn_time, 1e-3, _LONGEST_FLIGHT_S)
    error = evaluate(burn_time + flight, every)[0]
    # an exact hit (E = 0, as a settled lane gives) is a bracket of its own
    lo, e_lo = np.where(error <= 0.0, flight, np.nan), np.where(error <= 0.0, error, np.nan)
    hi, e_hi = np.where(error >= 0.0, flight, np.nan), np.where(error >= 0.0, error, np.nan)
    for _ in range(_ARC_BRACKET_STEPS):
        open_up, open_down = np.isnan(hi) & np.isfinite(lo), np.isnan(lo) & np.isfinite(hi)
        rows = np.flatnonzero((open_up & (lo < _LONGEST_FLIGHT_S)) | open_down)
        if rows.size == 0:
            break
        trial = np.where(open_up[rows], np.minimum(2.0 * lo[rows], _LONGEST_FLIGHT_S), 0.5 * hi[rows])
        value = evaluate(burn_time[rows] + trial, rows)[0]
        lost = np.isnan(value)  # no conic at all: give the row up
        lo[rows[lost]] = hi[rows[lost]] = np.nan
        below = value < 0.0
        lo[rows] = np.where(below, trial, lo[rows])
        e_lo[rows] = np.where(below, value, e_lo[rows])
        hi[rows] = np.where(value > 0.0, trial, hi[rows])
        e_hi[rows] = np.where(value > 0.0, value, e_hi[rows])
    missed = np.flatnonzero(~(np.isfinite(lo) & np.isfinite(hi)))
    if missed.size:
        lo[missed], e_lo[missed], hi[missed], e_hi[missed] = _scan_for_rising_root(
            lambda trial, among: evaluate(burn_time[missed[among]] + trial, missed[among])[0], missed.size
        )
    bracketed = np.isfinite(lo) & np.isfinite(hi)
    flight = np.full(n, np.nan)
    rows = np.flatnonzero(bracketed)
    if rows.size:
        flight[rows] = _rising_root(
            lambda trial: evaluate(burn_time[rows] + trial, rows)[0], lo[rows], hi[rows], e_lo[rows], e_hi[rows], 1e-13
        )
    time = burn_time + flight
    _, speed, gamma, horizontal = evaluate(np.where(bracketed, time, burn_time + 1.0), every)
    keep = bracketed[:, None]
    return _Arc(time, np.where(bracketed, speed, np.nan), gamma, np.where(keep, horizontal, np.nan))


def _scan_for_rising_root(error, n):
    """A bracket (lo, E(lo) < 0, hi, E(hi) ≥ 0) on the flight time around the first root of E where
    it rises, for ``n`` rows whose doubling and halving found none (NaN where there is none), with
    ``error(flights, rows)`` the E of :func:`_fixed_angle_arc`.

    E need not rise all the way: for steep shots it peaks and falls again (the target, carried by
    the Earth, moves away from the later arcs faster than they steepen), so a guess past the second
    root, or a doubling from below the peak that jumps past it, sees E < 0 at both ends (an ideal
    shot at 87.8° over 331 km had no arc, with arcs at 288 and 381 km). The flight times of a
    geometric grid are tried in turn; where every one has E < 0, the peak around the best of them
    is found by golden-section search on the log of the flight time, in case it pokes above 0
    between grid points (shots at the edge of their reach)."""
    every = np.arange(n)
    lo, e_lo, hi, e_hi = (np.full(n, np.nan) for _ in range(4))
    best, best_error = np.full(n, np.nan), np.full(n, -np.inf)
    previous, previous_error = np.full(n, np.nan), np.full(n, np.nan)
    for flight in _ARC_SCAN_FLIGHTS_S:
        value = error(np.full(n, flight), every)
        rising = np.isnan(hi) & (previous_error < 0.0) & (value >= 0.0)
        lo, e_lo = np.where(rising, previous, lo), np.where(rising, previous_error, e_lo)
        hi, e_hi = np.where(rising, flight, hi), np.where(rising, value, e_hi)
        better = value > best_error
        best, best_error = np.where(better, flight, best), np.where(better, value, best_error)
        previous, previous_error = np.full(n, flight), value
    rows = np.flatnonzero(np.isnan(hi) & np.isfinite(best))
    if rows.size:
        left = best[rows] / _ARC_SCAN_RATIO
        left_error = error(left, rows)
        a, b = np.log(left), np.log(np.minimum(best[rows] * _ARC_SCAN_RATIO, _LONGEST_FLIGHT_S))
        for _ in range(_ARC_GOLDEN_STEPS):
            c, d = b - _GOLDEN * (b - a), a + _GOLDEN * (b - a)
            rises = error(np.exp(c), rows) < error(np.exp(d), rows)
            a, b = np.where(rises, c, a), np.where(rises, b, d)
        peak = np.exp(0.5 * (a + b))
        peak_error = error(peak, rows)
        found = (left_error < 0.0) & (peak_error >= 0.0)
        lo[rows], e_lo[rows] = np.where(found, left, np.nan), np.where(found, left_error, np.nan)
        hi[rows], e_hi[rows] = np.where(found, peak, np.nan), np.where(found, peak_error, np.nan)
    return lo, e_lo, hi, e_hi


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
    """Flight-path angle of the minimum-speed conic between two radii over central angle ``psi``
    (:func:`securityroof.physics.formulas.minimum_energy_angle` over arrays)."""
    return _formulas().minimum_energy_angles(burnout_radius, target_radius, psi)


def _dot(a, b):
    return np.einsum("...i,...i->...", a, b)


def _conic_time_of_flight(burnout_radius, speed, gamma, target_radius, mu):
    """:func:`securityroof.physics.formulas.conic_time_of_flight` over arrays: the time down to
    ``target_radius`` on the descending branch."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return _formulas().conic_times_of_flight(burnout_radius, speed, gamma, target_radius, mu)


class _Geometry(NamedTuple):
    """What one pass holds fixed for each trajectory: launch point, virtual aim point, missile (a
    named tuple, which the compiled kernel takes as it is)."""

    u_launch: np.ndarray
    launch_radius: np.ndarray
    u_virtual: np.ndarray
    target_radius: np.ndarray
    burn_time: np.ndarray
    nominal_alt: np.ndarray
    fixed_angle: np.ndarray  # requested Earth-relative burnout angle; NaN: minimum energy

    def take(self, index) -> _Geometry:
        return _Geometry(*(field[index] for field in self))


@dataclass
class _Lane:
    """The state of one trajectory's closed-form fixed point: the boost it flies (downrange
    distance, burnout altitude, the pole of its great circle), when it lands (which fixes where the
    target will be), and the inertial flight-path angle of its conic."""

    downrange: np.ndarray
    burnout_alt: np.ndarray
    pole: np.ndarray
    impact_time: np.ndarray
    inertial_angle: np.ndarray

    def take(self, index) -> _Lane:
        return _Lane(*(getattr(self, f)[index] for f in self.__dataclass_fields__))

    def put(self, index, other: _Lane) -> None:
        for f in self.__dataclass_fields__:
            getattr(self, f)[index] = getattr(other, f)

    def copy(self) -> _Lane:
        return _Lane(*(getattr(self, f).copy() for f in self.__dataclass_fields__))


@dataclass
class _Shot:
    """One evaluation of the closed-form chain: the burnout state it implies and the lane's next state."""

    position: np.ndarray
    velocity: np.ndarray  # Earth-relative, ECEF
    speed: np.ndarray  # Earth-relative
    angle: np.ndarray  # Earth-relative flight-path angle
    shape: BoostShape
    next: _Lane
    moved: np.ndarray  # how far the lane's state moved in this round, metres (NaN: no conic)
    overflown: np.ndarray


def _shoot(geometry: _Geometry, lane: _Lane, earth: Earth) -> _Shot:
    """The closed-form chain for one round: place the burnout point with the lane's boost, fly the
    conic to where the target will be at impact, and return the burnout state with the boost,
    impact time and heading that state implies (the lane's next state).

    With the burnout point fixed, the impact time T is settled here by a few secant steps on
    f(T) = t_bo + time of flight(T) − T: plain substitution oscillates for short shots, where the
    Earth's turning is comparable to the shot, and runs away for steep eastward ones. For a
    requested Earth-relative angle on the rotating Earth, the conic and its impact time are
    :func:`_fixed_angle_arc`'s instead.
    """
    mu, omega = earth.mu_m3_s2, earth.rotation_rate_rad_s
    burnout_arc = lane.downrange / geometry.launch_radius
    heading = np.cross(lane.pole, geometry.u_launch)
    u_burnout = advance_along_great_circle(geometry.u_launch, heading, burnout_arc)
    burnout_radius = surface_radius_m(u_burnout, earth) + lane.burnout_alt
    # Inertial frame aligned with ECEF at launch: burnout happens at t_bo, impact at T.
    burnout_i = rotate_about_z(u_burnout, omega * geometry.burn_time)
    frame_velocity = (
        omega
        * burnout_radius[:, None]
        * np.stack([-burnout_i[:, 1], burnout_i[:, 0], np.zeros_like(burnout_radius)], -1)
    )
    fixed = np.isfinite(geometry.fixed_angle)
    gamma_i = np.where(fixed & (omega == 0.0), geometry.fixed_angle, lane.inertial_angle)
    impact_time = lane.impact_time
    previous_time = previous_miss = None
    for settle in range(_TIME_STEPS + 1):
        target_i = rotate_about_z(geometry.u_virtual, omega * impact_time)
        psi = central_angle(burnout_i, target_i)
        horizontal = great_circle_heading(burnout_i, target_i)
        speed_i = _conic_speed(burnout_radius, geometry.target_radius, psi, gamma_i, mu)
        time_miss = (
            geometry.burn_time
            + _conic_time_of_flight(burnout_radius, speed_i, gamma_i, geometry.target_radius, mu)
            - impact_time
        )
        next_time = impact_time + time_miss
        if previous_time is not None:
            with np.errstate(invalid="ignore", divide="ignore"):
                slope = (time_miss - previous_miss) / (impact_time - previous_time)
                secant = impact_time - time_miss / slope
            # f falls as T grows where a solution lies ahead; elsewhere substitution is as good.
            next_time = np.where(np.isfinite(secant) & (slope < -1e-3), secant, next_time)
        next_time = np.clip(
            np.where(np.isfinite(next_time), next_time, impact_time), geometry.burn_time, _LONGEST_FLIGHT_S
        )
        if settle == _TIME_STEPS:
            break  # the state is built for ``impact_time``; ``next_time`` is what it implies
        previous_time, previous_miss, impact_time = impact_time, time_miss, next_time
    solved = np.flatnonzero(fixed) if omega else np.zeros(0, dtype=int)
    if solved.size:
        # these rows' state is built for the impact time found here; how far it moved is next_time's
        arc = _fixed_angle_arc(
            burnout_i[solved],
            burnout_radius[solved],
            frame_velocity[solved],
            geometry.u_virtual[solved],
            geometry.target_radius[solved],
            geometry.burn_time[solved],
            geometry.fixed_angle[solved],
            lane.impact_time[solved],
            omega,
            mu,
        )
        impact_time, next_time = impact_time.copy(), next_time.copy()
        impact_time[solved] = lane.impact_time[solved]
        next_time[solved] = np.where(np.isfinite(arc.time), arc.time, lane.impact_time[solved])
        speed_i[solved], gamma_i[solved], horizontal[solved] = arc.speed, arc.angle, arc.horizontal

    velocity_i = (speed_i * np.cos(gamma_i))[:, None] * horizontal + (speed_i * np.sin(gamma_i))[:, None] * burnout_i
    velocity = rotate_about_z(velocity_i - frame_velocity, -omega * geometry.burn_time)
    speed = np.sqrt(_dot(velocity, velocity))
    with np.errstate(invalid="ignore", divide="ignore"):
        angle = np.arcsin(np.clip(_dot(velocity, u_burnout) / speed, -1.0, 1.0))
    shape = boost_shape(geometry.burn_time, np.nan_to_num(speed), np.nan_to_num(angle), geometry.nominal_alt)
    # Turn the boost's great circle so that its heading at burnout is the free flight's.
    pole = np.cross(u_burnout, velocity)
    pole -= _dot(pole, geometry.u_launch)[:, None] * geometry.u_launch
    with np.errstate(invalid="ignore", divide="ignore"):
        pole /= np.sqrt(_dot(pole, pole))[:, None]
    pole = np.where(np.isfinite(pole), pole, lane.pole)
    moved = np.maximum.reduce(
        [
            np.abs(shape.downrange_m - lane.downrange),
            np.abs(shape.burnout_alt_m - lane.burnout_alt),
            np.sqrt(_dot(pole - lane.pole, pole - lane.pole)) * lane.downrange,  # how far B swings
            np.abs(next_time - impact_time) * _GROUND_SPEED_MPS,
        ]
    )
    moved = np.where(np.isnan(speed), np.nan, moved)
    return _Shot(
        position=burnout_radius[:, None] * u_burnout,
        velocity=velocity,
        speed=speed,
        angle=angle,
        shape=shape,
        next=_Lane(shape.downrange_m, shape.burnout_alt_m, pole, next_time, gamma_i.copy()),
        moved=moved,
        overflown=central_angle(geometry.u_launch, geometry.u_virtual) <= burnout_arc,
    )


def _compiled_rounds(geometry: _Geometry, centre: _Lane, sides: _Lane, trust, last_step, found, minimum_energy, earth):
    """The rounds of :meth:`_Problem.fly` by the compiled kernel, row by row: the lanes, trust
    regions and flags are updated in place; returns the last centre shot."""
    shot = kernels.settle(
        geometry, centre, sides, kernels.Search(trust, last_step, found, minimum_energy), earth, _ROUND_SETTINGS
    )
    shape = BoostShape(
        burn_time_s=np.asarray(geometry.burn_time, dtype=float),
        burnout_speed_mps=np.nan_to_num(shot.speed),
        burnout_angle_rad=np.nan_to_num(shot.angle),
        burnout_alt_m=shot.shape_alt,
        downrange_m=shot.shape_downrange,
        pitch_blend=shot.shape_blend,
    )
    return _Shot(shot.position, shot.velocity, shot.speed, shot.angle, shape, centre, shot.moved, shot.overflown)


#: Secant steps on the impact time inside one shot.
_TIME_STEPS = 2
#: No ballistic flight between two points on the Earth lasts longer (the escape limit is far below).
_LONGEST_FLIGHT_S = 4.0 * 3600.0
_ARC_SCAN_FLIGHTS_S = np.append(
    1e-3 * _ARC_SCAN_RATIO ** np.arange(np.ceil(np.log(_LONGEST_FLIGHT_S / 1e-3) / np.log(_ARC_SCAN_RATIO))),
    _LONGEST_FLIGHT_S,
)
#: The Earth's surface moves at up to 465 m/s: an impact-time error of dt seconds misplaces the
#: target by up to this × dt metres, which is how time differences are weighed against distances.
_GROUND_SPEED_MPS = 465.0
#: Rounds of the closed-form fixed point in one pass: a cap; rows stop when settled.
_CONSISTENCY_ROUNDS = 25
#: A row is settled when nothing in its state moved by more than this in a round (metres) and its
#: flight-path angle by less than _SETTLED_ANGLE_RAD.
_SETTLED_M = 1e-2
_SETTLED_ANGLE_RAD = 1e-7
_FOUND_ANGLE_RAD = 1e-5
_LOWEST_ANGLE_RAD = np.radians(1.0)
#: Half-width of the three-lane bracket on the inertial flight-path angle used for minimum energy.
_LANE_STEP_RAD = np.radians(0.5)


class RoundSettings(NamedTuple):
    """The settings above, as the compiled rounds take them (by name, not position)."""

    time_steps: int
    longest_flight_s: float
    ground_speed_mps: float
    rounds: int
    settled_m: float
    settled_angle_rad: float
    found_angle_rad: float
    lowest_angle_rad: float
    lane_step_rad: float
    arc_search_steps: int
    arc_bracket_steps: int
    arc_scan_ratio: float
    arc_golden_steps: int


_ROUND_SETTINGS = RoundSettings(
    time_steps=_TIME_STEPS,
    longest_flight_s=float(_LONGEST_FLIGHT_S),
    ground_speed_mps=float(_GROUND_SPEED_MPS),
    rounds=_CONSISTENCY_ROUNDS,
    settled_m=float(_SETTLED_M),
    settled_angle_rad=float(_SETTLED_ANGLE_RAD),
    found_angle_rad=float(_FOUND_ANGLE_RAD),
    lowest_angle_rad=float(_LOWEST_ANGLE_RAD),
    lane_step_rad=float(_LANE_STEP_RAD),
    arc_search_steps=_ARC_SEARCH_STEPS,
    arc_bracket_steps=_ARC_BRACKET_STEPS,
    arc_scan_ratio=float(_ARC_SCAN_RATIO),
    arc_golden_steps=_ARC_GOLDEN_STEPS,
)


@dataclass
class _Carry:
    """What one pass hands the next: the centre lane of every row and, for minimum-energy rows, the
    two side lanes (γ ∓ one lane step), so the next pass starts where this one ended."""

    centre: _Lane
    sides: _Lane  # rows stacked as [low lanes; high lanes], length 2n
    trust: np.ndarray  # largest angle step allowed, in lane steps; halved when the step reverses
    last_step: np.ndarray
    found: np.ndarray  # minimum-energy angle found: it no longer moves

    def take(self, index) -> _Carry:
        n = self.centre.downrange.size
        index = np.arange(n)[index]
        sides = self.sides.take(np.concatenate([index, index + n]))
        return _Carry(self.centre.take(index), sides, self.trust[index], self.last_step[index], self.found[index])


@dataclass
class _Pass:
    """One targeting pass over the active trajectories: the state flown and where it landed."""

    shot: _Shot
    carry: _Carry
    consistent: np.ndarray  # the boost flown is the boost this state implies, to the tolerance
    impact: Impact
    failure: np.ndarray
    residual: np.ndarray  # (n, 2) impact minus aim direction, in the tangent plane at the aim point


class _Problem:
    """The fixed inputs of one targeting call, restricted to its still-active trajectories."""

    def __init__(self, u_launch, u_aim, fixed_angle, burn_time, nominal_alt, max_speed, earth):
        self.u_launch, self.u_aim = u_launch, u_aim
        self.fixed_angle, self.burn_time, self.nominal_alt = fixed_angle, burn_time, nominal_alt
        self.max_speed = max_speed
        self.minimum_energy = np.isnan(fixed_angle)
        self.earth = earth
        self.tangent = _tangent_basis(u_aim)
        self.launch_radius = surface_radius_m(u_launch, earth)

    def subset(self, keep) -> _Problem:
        return _Problem(
            self.u_launch[keep],
            self.u_aim[keep],
            self.fixed_angle[keep],
            self.burn_time[keep],
            self.nominal_alt[keep],
            self.max_speed[keep],
            self.earth,
        )

    def initial_carry(self, inertial_angle=None, trust: float = 4.0) -> _Carry:
        """The lanes' starting state: at ``inertial_angle`` where given, with angle steps of up to
        ``trust`` lane steps."""
        n = self.u_launch.shape[0]
        pole = unit(np.cross(self.u_launch, self.u_aim))
        # Start from the ideal missile's closed-form answer on a non-rotating sphere (its boost and
        # flight time included); the rounds correct it.
        mu = self.earth.mu_m3_s2
        psi = central_angle(self.u_launch, self.u_aim)
        angle = np.where(self.minimum_energy, minimum_energy_angle(1.0, 1.0, psi), self.fixed_angle)
        if inertial_angle is not None:
            angle = np.asarray(inertial_angle, dtype=float)
        radius = self.launch_radius
        speed = np.nan_to_num(_conic_speed(radius, radius, psi, angle, mu))
        boost = boost_shape(self.burn_time, speed, angle, self.nominal_alt)
        flight_time = np.nan_to_num(_conic_time_of_flight(radius, speed, angle, radius, mu))
        centre = _Lane(boost.downrange_m, boost.burnout_alt_m, pole, self.burn_time + flight_time, angle)
        sides = _Lane(*(np.concatenate([getattr(centre, f)] * 2) for f in centre.__dataclass_fields__))
        sides.inertial_angle += np.repeat([-_LANE_STEP_RAD, _LANE_STEP_RAD], n)
        return _Carry(centre, sides, np.full(n, trust), np.zeros(n), ~self.minimum_energy)

    def fly(self, offset, carry: _Carry) -> _Pass:
        """Aim at the virtual point ``offset`` from the aim point, settle the closed-form pieces, and
        propagate once.

        The boost (downrange distance, altitude and heading depend on the burnout speed and angle),
        the impact time (where the Earth will have carried the target) and the flight-path angle
        depend on each other; each responds to the others by a few per cent of their change, so a
        few rounds from the previous pass's values settle them, each row stopping on its own. A
        requested angle is settled inside each shot; a minimum-energy angle moves to the vertex of
        the parabola through the Earth-relative speeds of three lanes at γ_i and γ_i ± ½°.
        """
        earth = self.earth
        n = offset.shape[0]
        u_virtual = unit(self.u_aim + np.einsum("ni,nij->nj", offset, self.tangent))
        geometry = _Geometry(
            self.u_launch,
            self.launch_radius,
            u_virtual,
            surface_radius_m(u_virtual, earth),
            self.burn_time,
            self.nominal_alt,
            self.fixed_angle,
        )
        centre, sides = carry.centre.copy(), carry.sides.copy()
        trust, last_step, found = carry.trust.copy(), carry.last_step.copy(), carry.found.copy()
        if kernels.active():
            result = _compiled_rounds(geometry, centre, sides, trust, last_step, found, self.minimum_energy, earth)
            return self._landed(result, _Carry(centre, sides, trust, last_step, found))
        result: _Shot | None = None
        rows = np.arange(n)
        boost_speed = _BoostSpeed(n)
        for _ in range(_CONSISTENCY_ROUNDS):
            shot = _shoot(geometry.take(rows), centre.take(rows), earth)
            result = shot if result is None else _merge_shots(result, rows, shot)
            lane = shot.next
            held = np.flatnonzero(~self.minimum_energy[rows])
            if held.size:
                at = rows[held]
                speed = boost_speed.step(at, shot.speed[held])
                shape = boost_shape(
                    self.burn_time[at], np.nan_to_num(speed), np.nan_to_num(shot.angle[held]), self.nominal_alt[at]
                )
                lane.downrange[held], lane.burnout_alt[held] = shape.downrange_m, shape.burnout_alt_m
            step = lane.inertial_angle - centre.inertial_angle[rows]  # fixed angles: moved in the shot
            lowest = np.flatnonzero(~found[rows])
            if lowest.size:
                both = np.concatenate([rows[lowest], rows[lowest] + n])
                side_shot = _shoot(geometry.take(np.concatenate([rows[lowest]] * 2)), sides.take(both), earth)
                low, high = np.split(side_shot.speed, 2)
                vertex = _parabola_vertex(low, shot.speed[lowest], high)
                # A trust region: where the step reverses direction the next may be half as long,
                # where it keeps its direction twice as long (up to four lane steps).
                at = rows[lowest]
                same_way = vertex * last_step[at]
                trust[at] = np.where(
                    same_way < 0.0,
                    0.5 * trust[at],
                    np.where(same_way > 0.0, np.minimum(2.0 * trust[at], 4.0), trust[at]),
                )
                vertex = np.clip(vertex, -trust[at], trust[at])
                last_step[at] = vertex
                # A minimum-energy arc near the antipode would graze the surface at a fraction of a
                # degree; burnout angles stay above one degree, as real trajectories do.
                step[lowest] = np.maximum(vertex * _LANE_STEP_RAD, _LOWEST_ANGLE_RAD - lane.inertial_angle[lowest])
                # Near the minimum the speed is flat: an angle that moves less than this is found
                # (what it could still gain is below 1e-9 of the speed), and it stops moving so
                # the boost can settle around it.
                found[at] = (np.abs(step[lowest]) < _FOUND_ANGLE_RAD) | (trust[at] * _LANE_STEP_RAD < _FOUND_ANGLE_RAD)
                side_next = side_shot.next
                side_next.inertial_angle = np.concatenate([lane.inertial_angle[lowest] + step[lowest]] * 2) + np.repeat(
                    [-_LANE_STEP_RAD, _LANE_STEP_RAD], lowest.size
                )
                sides.put(both, side_next)
            lane.inertial_angle = np.where(
                self.minimum_energy[rows], lane.inertial_angle + np.nan_to_num(step), lane.inertial_angle
            )
            centre.put(rows, lane)
            settled = (shot.moved < _SETTLED_M) & (np.abs(step) < _SETTLED_ANGLE_RAD)
            rows = rows[~settled & np.isfinite(shot.moved)]
            if rows.size == 0:
                break
        return self._landed(result, _Carry(centre, sides, trust, last_step, found))

    def _landed(self, result: _Shot, carry: _Carry) -> _Pass:
        """Propagate the settled burnout states and measure where they land."""
        earth = self.earth
        impact = _propagated(result.position, result.velocity, self.burn_time, earth)
        failure = np.where(
            result.overflown,
            Unreachable.INSIDE_BOOST,
            np.where(np.isnan(result.speed), Unreachable.NO_ARC, Unreachable.NONE),
        )
        # A requested angle whose arcs never come down on the aim point (steep shots chasing an
        # eastward target: the Coriolis drift grows faster than the range) has no arc at all.
        no_landing = np.where(self.minimum_energy, Unreachable.NO_IMPACT, Unreachable.NO_ARC)
        failure = np.where((failure == Unreachable.NONE) & ~impact.lands, no_landing, failure)
        landed = np.where(impact.lands[:, None], impact.position_ecef_m, self.u_aim)
        residual = np.einsum("nij,nj->ni", self.tangent, unit(landed) - self.u_aim)
        consistent = result.moved < _BOOST_TOLERANCE_M
        # A requested angle is met by construction wherever an arc is found; this guards the claim
        # that a reachable result has the angle asked.
        off_angle = ~self.minimum_energy & ~(np.abs(result.angle - self.fixed_angle) <= _ANGLE_TOLERANCE_RAD)
        failure = np.where((failure == Unreachable.NONE) & off_angle & consistent, Unreachable.NO_ARC, failure)
        return _Pass(result, carry, consistent, impact, failure, residual)


class _BoostSpeed:
    """The speed each fixed-angle row's boost is built for in the next round.

    At a fixed angle the boost depends on its burnout speed alone, and a round maps the speed a
    boost was built for, v, to the speed the state it places implies, S(v); consistency is
    S(v) = v. Steep shots whose boost holds the nominal burnout altitude have S falling faster than
    v rises (a little more speed means a later pitch-over, a burnout point hundreds of metres back
    and more speed needed), so substitution (v ← S(v)) swings between the two clamps of the blend
    (issue 11 D1a: an ss-27 at 83.2° over 331 km never settled). S is continuous across the clamps,
    so once two rounds have the residual S(v) − v of both signs the root is bracketed and chord
    steps with the Illinois rule close on it; until then, substitution, which is what converging
    rows do today (they never bracket: S rises, or falls and contracts from one side)."""

    def __init__(self, n: int):
        self.tried = np.full(n, np.nan)  # built for this speed; NaN: the lane came from elsewhere
        self.low, self.low_gap = np.full(n, np.nan), np.full(n, np.nan)  # S(v) − v > 0 here
        self.high, self.high_gap = np.full(n, np.nan), np.full(n, np.nan)  # S(v) − v < 0 here
        self.last = np.zeros(n, dtype=np.int8)  # which end the previous round moved: -1 low, +1 high

    def step(self, rows, implied):
        """The next speed for ``rows``, whose boosts were built for ``self.tried`` and imply ``implied``."""
        tried = self.tried[rows]
        gap = implied - tried
        low, high = gap > 0.0, gap < 0.0
        last = self.last[rows]
        # Illinois: the end that stays twice in a row has its residual halved
        self.high_gap[rows] = np.where(low & (last < 0), 0.5 * self.high_gap[rows], self.high_gap[rows])
        self.low_gap[rows] = np.where(high & (last > 0), 0.5 * self.low_gap[rows], self.low_gap[rows])
        self.low[rows] = np.where(low, tried, self.low[rows])
        self.low_gap[rows] = np.where(low, gap, self.low_gap[rows])
        self.high[rows] = np.where(high, tried, self.high[rows])
        self.high_gap[rows] = np.where(high, gap, self.high_gap[rows])
        self.last[rows] = np.where(low, -1, np.where(high, 1, 0))
        lo, hi, g_lo, g_hi = self.low[rows], self.high[rows], self.low_gap[rows], self.high_gap[rows]
        with np.errstate(invalid="ignore", divide="ignore"):
            chord = lo - g_lo * (hi - lo) / (g_hi - g_lo)
        inside = np.isfinite(chord) & (chord > np.minimum(lo, hi)) & (chord < np.maximum(lo, hi))
        bracketed = np.isfinite(lo) & np.isfinite(hi) & np.isfinite(gap) & (gap != 0.0)
        speed = np.where(bracketed, np.where(inside, chord, 0.5 * (lo + hi)), implied)
        self.tried[rows] = speed
        return speed


def _propagated(position, velocity, burn_time, earth: Earth) -> Impact:
    """Where the burnout states land. Rows with no state (no arc) or a radial one (no speed: a
    burnout point on the target, which a boost can reach) do not, and are not flown: with no orbital
    plane the elements divide by zero."""
    n = position.shape[0]
    flying = np.flatnonzero(np.linalg.norm(np.cross(position, velocity), axis=-1) > 0.0)
    lands, time, apogee = np.zeros(n, dtype=bool), np.full(n, np.nan), np.full(n, np.nan)
    impact_position, impact_velocity = np.full((n, 3), np.nan), np.full((n, 3), np.nan)
    flown = free_flight(position[flying], velocity[flying], burn_time[flying], earth).impact()
    lands[flying], time[flying], apogee[flying] = flown.lands, flown.time_s, flown.apogee_alt_m
    impact_position[flying], impact_velocity[flying] = flown.position_ecef_m, flown.velocity_ecef_mps
    return Impact(lands, time, impact_position, impact_velocity, apogee)


def _parabola_vertex(low, middle, high):
    """:func:`securityroof.physics.formulas.parabola_vertex` over arrays."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return _formulas().parabola_vertices(low, middle, high)


def _merge_shots(into: _Shot, rows, shot: _Shot) -> _Shot:
    """``into`` with the entries ``rows`` replaced by ``shot`` (the latest round of those rows)."""
    for name in ("position", "velocity", "speed", "angle", "moved", "overflown"):
        getattr(into, name)[rows] = getattr(shot, name)
    for name in (
        "burnout_alt_m",
        "downrange_m",
        "pitch_blend",
        "burnout_speed_mps",
        "burnout_angle_rad",
        "burn_time_s",
    ):
        getattr(into.shape, name)[rows] = getattr(shot.shape, name)
    return into


#: Required speed, as a multiple of the class's maximum, beyond which a shot is out of range
#: whatever the remaining miss.
_HOPELESS_MARGIN = 1.02
#: A requested burnout angle is honoured to this (about 6e-5°); the rounds meet it to rounding.
_ANGLE_TOLERANCE_RAD = 1e-6
#: How far the burnout point may still move between rounds for a hit to count (metres).
_BOOST_TOLERANCE_M = 0.1
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
    reason[coincident(*(np.degrees(a) for a in (lat_l, lon_l, lat_a, lon_a)))] = Unreachable.COINCIDENT
    reason[total_angle > _ANTIPODAL_RAD] = Unreachable.ANTIPODAL
    rows = np.flatnonzero(reason == Unreachable.NONE)
    problem = _Problem(
        u_launch[rows],
        u_aim[rows],
        fixed_angle[rows],
        missile.burn_time_s[rows],
        missile.burnout_alt_m[rows],
        missile.max_burnout_speed_mps[rows],
        earth,
    )
    out = _Fields.empty(n)
    iterations = _iterate(problem, aim[rows], tolerance_m, max_iterations, out, rows, reason, problem.initial_carry())
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

    def record(self, index, flown: _Pass, u_launch, miss, mask) -> None:
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


def _iterate(problem: _Problem, aim, tolerance_m, max_iterations, out: _Fields, rows, reason, carry: _Carry) -> int:
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


def _search_beyond_kinks(problem: _Problem, aim, tolerance_m, max_iterations, out: _Fields, rows, reason) -> int:
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
            beyond.initial_carry(start, trust=1.0),
        )
        iterations = max(iterations, flown)
        lower = (other_reason == Unreachable.NONE) & (other.speed < out.speed[rows[near]] - _SAME_SPEED_MPS)
        out.put(rows[near[lower]], other, lower)
    return iterations


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
    for i in np.flatnonzero(~solution.reachable):
        code = solution.reason_code[i]
        name = solution.missile.name[i]
        if code == Unreachable.COINCIDENT:
            texts[i] = f"launch and aim points coincide (closer than {HIT_TOLERANCE_M:g} m)"
        elif code == Unreachable.ANTIPODAL:
            texts[i] = "aim point is antipodal to the launch point: every launch azimuth reaches it"
        elif code == Unreachable.TOO_FAST:
            angle = (
                "a minimum-energy trajectory" if np.isnan(fixed[i]) else f"a {np.degrees(fixed[i]):.1f}° burnout angle"
            )
            texts[i] = (
                f"out of range: {name} would need a burnout speed of {solution.burnout_speed_mps[i] / 1e3:.2f} km/s "
                f"on {angle}, above its {solution.missile.max_burnout_speed_mps[i] / 1e3:.2f} km/s"
            )
        elif code == Unreachable.INSIDE_BOOST:
            texts[i] = f"too close: {name}'s boost phase alone carries it past the aim point"
        elif code == Unreachable.NO_ARC:
            texts[i] = f"no ballistic arc reaches the aim point at a {np.degrees(fixed[i]):.1f}° burnout angle"
        elif code == Unreachable.NO_IMPACT:
            texts[i] = "the required trajectory does not come back down (orbital or escape speed)"
        else:
            texts[i] = "targeting did not converge to within 1 m of the aim point"
    return texts
