"""Targeting's closed-form consistency rounds (steps 1–3 of :mod:`securityroof.physics.targeting`).

One pass (:meth:`Problem.fly`) aims at a virtual point, settles the boost, impact time and
flight-path angle against each other in closed form (:func:`_shoot`, round after round, or the
compiled :func:`securityroof.physics.kernels.settle`), and propagates the settled burnout state once
to see where it lands; :func:`securityroof.physics.targeting.solve` moves the virtual point.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from securityroof.physics import kernels
from securityroof.physics.ballistic import Impact, free_flight
from securityroof.physics.boost import BoostShape, boost_shape
from securityroof.physics.conics import (
    ARC_BRACKET_STEPS,
    ARC_GOLDEN_STEPS,
    ARC_SCAN_RATIO,
    ARC_SEARCH_STEPS,
    LONGEST_FLIGHT_S,
    conic_speed,
    conic_speed_from_trig,
    conic_time_of_flight,
    dot,
    fixed_angle_arc,
    minimum_energy_angle,
    parabola_vertex,
)
from securityroof.physics.earth import (
    Earth,
    advance_along_great_circle,
    central_angle,
    central_cos_sin,
    great_circle_heading,
    rotate_about_z,
    surface_radius_m,
    unit,
)
from securityroof.physics.reasons import Unreachable

#: A requested burnout angle is honoured to this (about 6e-5°); the rounds meet it to rounding.
ANGLE_TOLERANCE_RAD = 1e-6
#: How far the burnout point may still move between rounds for a hit to count (metres).
BOOST_TOLERANCE_M = 0.1


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
    time_slope: np.ndarray  # d(impact-time miss)/d(impact time) at the last shot; NaN: not yet known

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


def _shoot(geometry: kernels.Geometry, lane: _Lane, earth: Earth) -> _Shot:
    """The closed-form chain for one round: place the burnout point with the lane's boost, fly the
    conic to where the target will be at impact, and return the burnout state with the boost,
    impact time and heading that state implies (the lane's next state).

    With the burnout point fixed, the impact time T is moved here by Newton steps on
    f(T) = t_bo + time of flight(T) − T: plain substitution oscillates for short shots, where the
    Earth's turning is comparable to the shot, and runs away for steep eastward ones. The slope of f
    is the secant through this shot's two evaluations, carried to the next round's first step (f
    changes little from round to round): two evaluations a shot, where secant steps from a fresh
    start took three for the same settling, and the conics are most of a shot's cost. For a
    requested Earth-relative angle on the rotating Earth, the conic and its impact time are
    :func:`~securityroof.physics.conics.fixed_angle_arc`'s instead.
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
    slope = lane.time_slope.copy()
    cos_gamma, sin_gamma = np.cos(gamma_i), np.sin(gamma_i)
    for settle in range(_TIME_STEPS + 1):
        target_i = rotate_about_z(geometry.u_virtual, omega * impact_time)
        cos_psi, sin_psi = central_cos_sin(burnout_i, target_i)
        horizontal = great_circle_heading(burnout_i, target_i)
        speed_i = conic_speed_from_trig(
            burnout_radius, geometry.target_radius, cos_psi, sin_psi, cos_gamma, sin_gamma, mu
        )
        time_miss = (
            geometry.burn_time
            + conic_time_of_flight(burnout_radius, speed_i, gamma_i, geometry.target_radius, mu)
            - impact_time
        )
        next_time = impact_time + time_miss
        with np.errstate(invalid="ignore", divide="ignore"):
            if previous_time is not None:
                secant_slope = (time_miss - previous_miss) / (impact_time - previous_time)
                # a secant over a step of rounding errors is noise: the slope carried is better
                usable = np.isfinite(secant_slope) & (np.abs(impact_time - previous_time) > _SLOPE_STEP_S)
                slope = np.where(usable, secant_slope, slope)
            newton = impact_time - time_miss / slope
        # f falls as T grows where a solution lies ahead; elsewhere substitution is as good.
        next_time = np.where(np.isfinite(newton) & (slope < -1e-3), newton, next_time)
        next_time = np.clip(
            np.where(np.isfinite(next_time), next_time, impact_time), geometry.burn_time, LONGEST_FLIGHT_S
        )
        if settle == _TIME_STEPS:
            break  # the state is built for ``impact_time``; ``next_time`` is what it implies
        # a time met already stays: shot again, it gives the same state, and the same slope (the
        # secant needs a step), as the kernel's row that stops there
        met = np.abs(time_miss) < _TIME_MET * (impact_time - geometry.burn_time)
        previous_time, previous_miss, impact_time = impact_time, time_miss, np.where(met, impact_time, next_time)
    solved = np.flatnonzero(fixed) if omega else np.zeros(0, dtype=int)
    if solved.size:
        # these rows' state is built for the impact time found here; how far it moved is next_time's
        arc = fixed_angle_arc(
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
        slope[solved] = lane.time_slope[solved]
        next_time[solved] = np.where(np.isfinite(arc.time), arc.time, lane.impact_time[solved])
        speed_i[solved], gamma_i[solved], horizontal[solved] = arc.speed, arc.angle, arc.horizontal

    velocity_i = (speed_i * np.cos(gamma_i))[:, None] * horizontal + (speed_i * np.sin(gamma_i))[:, None] * burnout_i
    velocity = rotate_about_z(velocity_i - frame_velocity, -omega * geometry.burn_time)
    speed = np.sqrt(dot(velocity, velocity))
    with np.errstate(invalid="ignore", divide="ignore"):
        angle = np.arcsin(np.clip(dot(velocity, u_burnout) / speed, -1.0, 1.0))
    shape = boost_shape(geometry.burn_time, np.nan_to_num(speed), np.nan_to_num(angle), geometry.nominal_alt)
    # Turn the boost's great circle so that its heading at burnout is the free flight's.
    pole = np.cross(u_burnout, velocity)
    pole -= dot(pole, geometry.u_launch)[:, None] * geometry.u_launch
    with np.errstate(invalid="ignore", divide="ignore"):
        pole /= np.sqrt(dot(pole, pole))[:, None]
    pole = np.where(np.isfinite(pole), pole, lane.pole)
    moved = np.maximum.reduce(
        [
            np.abs(shape.downrange_m - lane.downrange),
            np.abs(shape.burnout_alt_m - lane.burnout_alt),
            np.sqrt(dot(pole - lane.pole, pole - lane.pole)) * lane.downrange,  # how far B swings
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
        next=_Lane(shape.downrange_m, shape.burnout_alt_m, pole, next_time, gamma_i.copy(), slope),
        moved=moved,
        overflown=central_angle(geometry.u_launch, geometry.u_virtual) <= burnout_arc,
    )


def _compiled_rounds(
    geometry: kernels.Geometry, centre: _Lane, sides: _Lane, trust, last_step, found, minimum_energy, earth
):
    """The rounds of :meth:`Problem.fly` by the compiled kernel, row by row: the lanes, trust
    regions and flags are updated in place; returns the last centre shot."""
    shot = kernels.settle(
        geometry, centre, sides, kernels.Search(trust, last_step, found, minimum_energy), earth, ROUND_SETTINGS
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


#: Steps on the impact time inside one shot (each one more evaluation of the conic).
_TIME_STEPS = 1
#: A shot whose conic lands within this fraction of its flight of the impact time it was built for
#: takes no further step: on a 1,000 s flight another conic would move the target by under 5 m at
#: most, which the next round corrects anyway, and most rounds after the first few start that close
#: (the lanes carry their impact times). A fraction, not a time: on a hop of seconds the Earth's
#: turn is the shot's size. A row settles only once its impact time moves by under 2e-5 s, so the
#: answer is built for a met time all the same; two conics a shot became one in most rounds.
_TIME_MET = 1e-5
#: The impact-time miss's slope is measured only over a step longer than this (seconds): the miss
#: is known to about 1e-10 s, so a shorter step gives a slope of noise (seen: −17 for −1.1), and a
#: Newton step on it crawls when the state moves again.
_SLOPE_STEP_S = 1e-6
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
#: The minimum-energy search starts from the closed-form arc from the burnout altitude where the
#: free flight is at least this many times longer than that altitude (the benchmark's shots: 6–60).
START_FLIGHT_TO_ALTITUDE = 4.0
#: The lanes' first trust region, in lane steps: the angle may move up to this far in a round.
START_TRUST = 4.0
#: Half-width of the three-lane bracket on the inertial flight-path angle used for minimum energy.
_LANE_STEP_RAD = np.radians(0.5)


ROUND_SETTINGS = kernels.RoundSettings(
    time_steps=_TIME_STEPS,
    time_met=_TIME_MET,
    slope_step_s=_SLOPE_STEP_S,
    longest_flight_s=float(LONGEST_FLIGHT_S),
    ground_speed_mps=float(_GROUND_SPEED_MPS),
    rounds=_CONSISTENCY_ROUNDS,
    settled_m=float(_SETTLED_M),
    settled_angle_rad=float(_SETTLED_ANGLE_RAD),
    found_angle_rad=float(_FOUND_ANGLE_RAD),
    lowest_angle_rad=float(_LOWEST_ANGLE_RAD),
    lane_step_rad=float(_LANE_STEP_RAD),
    arc_search_steps=ARC_SEARCH_STEPS,
    arc_bracket_steps=ARC_BRACKET_STEPS,
    arc_scan_ratio=float(ARC_SCAN_RATIO),
    arc_golden_steps=ARC_GOLDEN_STEPS,
)


@dataclass
class Carry:
    """What one pass hands the next: the centre lane of every row and, for minimum-energy rows, the
    two side lanes (γ ∓ one lane step), so the next pass starts where this one ended."""

    centre: _Lane
    sides: _Lane  # rows stacked as [low lanes; high lanes], length 2n
    trust: np.ndarray  # largest angle step allowed, in lane steps; halved when the step reverses
    last_step: np.ndarray
    found: np.ndarray  # minimum-energy angle found: it no longer moves

    def take(self, index) -> Carry:
        n = self.centre.downrange.size
        index = np.arange(n)[index]
        sides = self.sides.take(np.concatenate([index, index + n]))
        return Carry(self.centre.take(index), sides, self.trust[index], self.last_step[index], self.found[index])


@dataclass
class Pass:
    """One targeting pass over the active trajectories: the state flown and where it landed."""

    shot: _Shot
    carry: Carry
    consistent: np.ndarray  # the boost flown is the boost this state implies, to the tolerance
    impact: Impact
    failure: np.ndarray
    residual: np.ndarray  # (n, 2) impact minus aim direction, in the tangent plane at the aim point


class Problem:
    """The fixed inputs of one targeting call, restricted to its still-active trajectories."""

    def __init__(self, u_launch, u_aim, fixed_angle, burn_time, nominal_alt, max_speed, earth, derived=None):
        self.u_launch, self.u_aim = u_launch, u_aim
        self.fixed_angle, self.burn_time, self.nominal_alt = fixed_angle, burn_time, nominal_alt
        self.max_speed = max_speed
        self.minimum_energy = np.isnan(fixed_angle)
        self.earth = earth
        # a subset takes these from its parent: every pass has a subset of the one before
        self.tangent, self.launch_radius = derived or (_tangent_basis(u_aim), surface_radius_m(u_launch, earth))

    def subset(self, keep) -> Problem:
        return Problem(
            self.u_launch[keep],
            self.u_aim[keep],
            self.fixed_angle[keep],
            self.burn_time[keep],
            self.nominal_alt[keep],
            self.max_speed[keep],
            self.earth,
            (self.tangent[keep], self.launch_radius[keep]),
        )

    def initial_carry(self, inertial_angle=None, trust: float = START_TRUST) -> Carry:
        """The lanes' starting state: at ``inertial_angle`` where given, with angle steps of up to
        ``trust`` lane steps."""
        n = self.u_launch.shape[0]
        pole = unit(np.cross(self.u_launch, self.u_aim))
        # Start from the ideal missile's closed-form answer on a non-rotating sphere (its boost and
        # flight time included; a minimum-energy angle then moved nearer, in closed form); the rounds
        # correct it.
        mu = self.earth.mu_m3_s2
        psi = central_angle(self.u_launch, self.u_aim)
        angle = np.where(self.minimum_energy, minimum_energy_angle(1.0, 1.0, psi), self.fixed_angle)
        if inertial_angle is not None:
            angle = np.asarray(inertial_angle, dtype=float)
        radius = self.launch_radius
        speed = np.nan_to_num(conic_speed(radius, radius, psi, angle, mu))
        boost = boost_shape(self.burn_time, speed, angle, self.nominal_alt)
        flight_time = np.nan_to_num(conic_time_of_flight(radius, speed, angle, radius, mu))
        if inertial_angle is None:
            angle = np.where(self.minimum_energy, self._minimum_energy_start(boost, angle), angle)
        centre = _Lane(
            boost.downrange_m, boost.burnout_alt_m, pole, self.burn_time + flight_time, angle, np.full(n, np.nan)
        )
        sides = _Lane(*(np.concatenate([getattr(centre, f)] * 2) for f in centre.__dataclass_fields__))
        sides.inertial_angle += np.repeat([-_LANE_STEP_RAD, _LANE_STEP_RAD], n)
        return Carry(centre, sides, np.full(n, trust), np.zeros(n), ~self.minimum_energy)

    def _minimum_energy_start(self, boost: BoostShape, angle):
        """The inertial angle the minimum-energy search starts from, near the answer in closed form:
        the minimum-energy angle from the burnout altitude over what the boost leaves of the range,
        turned by the ground's speed at launch (the lanes search the inertial angle, and on short
        eastward or westward shots the two differ by degrees). ``angle`` where there is no such arc,
        or where the free flight is short next to the burnout altitude: short shots are flown by
        energy management, burning out early and slowly, not on the arc from that altitude."""
        earth = self.earth
        radius = self.launch_radius
        remaining = np.maximum(central_angle(self.u_launch, self.u_aim) - boost.downrange_m / radius, 0.0)
        burnout_radius = radius + boost.burnout_alt_m
        relative = minimum_energy_angle(burnout_radius, radius, remaining)
        ground = (
            earth.rotation_rate_rad_s
            * radius[:, None]
            * np.stack([-self.u_launch[:, 1], self.u_launch[:, 0], np.zeros_like(radius)], -1)
        )
        with np.errstate(invalid="ignore", divide="ignore"):
            speed = conic_speed(burnout_radius, radius, remaining, relative, earth.mu_m3_s2)
            along = (speed * np.cos(relative))[:, None] * great_circle_heading(self.u_launch, self.u_aim) + ground
            start = np.arctan2(speed * np.sin(relative), np.sqrt(dot(along, along)))
        usable = (speed > 0.0) & (remaining * radius > START_FLIGHT_TO_ALTITUDE * boost.burnout_alt_m)
        return np.where(usable, start, angle)

    def fly(self, offset, carry: Carry) -> Pass:
        """Aim at the virtual point ``offset`` from the aim point, settle the closed-form pieces, and
        propagate once.

        The boost (downrange distance, altitude and heading depend on the burnout speed and angle),
        the impact time (where the Earth will have carried the target) and the flight-path angle
        depend on each other; each responds to the others by a few per cent of their change, so a
        few rounds from the previous pass's values settle them, each row stopping on its own. A
        requested angle is settled inside each shot; a minimum-energy angle moves to the vertex of
        the parabola through the Earth-relative speeds of three lanes at γ_i and γ_i ± ½°, each
        lane's state carried along to its new angle (:func:`_carry_lanes`).
        """
        earth = self.earth
        n = offset.shape[0]
        u_virtual = unit(self.u_aim + np.einsum("ni,nij->nj", offset, self.tangent))
        geometry = kernels.Geometry(
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
            return self._landed(result, Carry(centre, sides, trust, last_step, found))
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
                vertex = parabola_vertex(low, shot.speed[lowest], high)
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
                _carry_lanes(lane, lowest, side_next, step[lowest] / _LANE_STEP_RAD)
                sides.put(both, side_next)
            lane.inertial_angle = np.where(
                self.minimum_energy[rows], lane.inertial_angle + np.nan_to_num(step), lane.inertial_angle
            )
            centre.put(rows, lane)
            settled = (shot.moved < _SETTLED_M) & (np.abs(step) < _SETTLED_ANGLE_RAD)
            rows = rows[~settled & np.isfinite(shot.moved)]
            if rows.size == 0:
                break
        return self._landed(result, Carry(centre, sides, trust, last_step, found))

    def _landed(self, result: _Shot, carry: Carry) -> Pass:
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
        consistent = result.moved < BOOST_TOLERANCE_M
        # A requested angle is met by construction wherever an arc is found; this guards the claim
        # that a reachable result has the angle asked.
        off_angle = ~self.minimum_energy & ~(np.abs(result.angle - self.fixed_angle) <= ANGLE_TOLERANCE_RAD)
        failure = np.where((failure == Unreachable.NONE) & off_angle & consistent, Unreachable.NO_ARC, failure)
        return Pass(result, carry, consistent, impact, failure, residual)


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
    if kernels.active() and not earth.j2:
        return Impact(*kernels.kepler_impacts(position, velocity, burn_time, earth))
    n = position.shape[0]
    flying = np.flatnonzero(np.linalg.norm(np.cross(position, velocity), axis=-1) > 0.0)
    lands, time, apogee = np.zeros(n, dtype=bool), np.full(n, np.nan), np.full(n, np.nan)
    impact_position, impact_velocity = np.full((n, 3), np.nan), np.full((n, 3), np.nan)
    flown = free_flight(position[flying], velocity[flying], burn_time[flying], earth).impact()
    lands[flying], time[flying], apogee[flying] = flown.lands, flown.time_s, flown.apogee_alt_m
    impact_position[flying], impact_velocity[flying] = flown.position_ecef_m, flown.velocity_ecef_mps
    return Impact(lands, time, impact_position, impact_velocity, apogee)


def _carry_lanes(centre: _Lane, searching, sides: _Lane, ratio) -> None:
    """Move the next states of the lanes still searching (the centre's entries ``searching``, and
    ``sides``, their low lanes then their high ones) to their next angles, ``ratio`` lane steps on, in
    place: the low lane by the slope between it and the centre, the high lane by the slope between
    the centre and it, the centre by the slope across both. A lane's boost and impact time move with
    its angle; carried over unchanged, each lane's speed in the next round is that of a state one
    step behind its angle, and the vertex of their parabola overshot the minimum by a quarter to a
    half of each step (the angle's steps alternating in sign, shrinking by 0.3-0.4 a round). The
    pole turns little with the angle and stays a unit vector as shot. (Kernel:
    ``_compiled_targeting.carry_lanes``.)"""
    k = searching.size
    for name in _CARRIED:
        # copies: a shot's next lane shares its arrays with the boost shape the shot reports
        values, side_values = getattr(centre, name).copy(), getattr(sides, name).copy()
        low, high, middle = side_values[:k], side_values[k:], values[searching]
        with np.errstate(invalid="ignore"):
            low_move, centre_move, high_move = (middle - low) * ratio, 0.5 * (high - low) * ratio, (high - middle) * ratio
        ok = np.isfinite(low_move) & np.isfinite(centre_move) & np.isfinite(high_move)
        low[ok] += low_move[ok]
        high[ok] += high_move[ok]
        values[searching[ok]] = middle[ok] + centre_move[ok]
        setattr(centre, name, values)
        setattr(sides, name, side_values)


#: The lane fields carried to a lane's next angle by :func:`_carry_lanes`.
_CARRIED = ("downrange", "burnout_alt", "impact_time")


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


def _tangent_basis(u):
    """East and north unit vectors (n, 2, 3) of the sphere of directions at unit vectors ``u``."""
    east = np.cross([0.0, 0.0, 1.0], u)
    norm = np.linalg.norm(east, axis=-1, keepdims=True)
    east = np.where(norm > 1e-12, east / np.where(norm > 0, norm, 1.0), [0.0, 1.0, 0.0])
    return np.stack([east, np.cross(u, east)], axis=-2)
