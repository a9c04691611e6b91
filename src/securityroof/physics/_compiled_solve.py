"""Targeting compiled whole, one trajectory at a time (behind :func:`securityroof.physics.kernels.target`):
each row takes its closed-form start (:meth:`securityroof.physics.rounds.Problem.initial_carry`), runs
:func:`securityroof.physics.targeting._iterate`'s Newton/Broyden passes on its own, every pass being
:meth:`securityroof.physics.rounds.Problem.fly` (the consistency rounds, ``settle_row``) and its
propagation to impact (``kepler_impact_row``), until it lands within the tolerance or fails, and
searches again beyond the boost's kinks (:func:`securityroof.physics.targeting._search_beyond_kinks`).

The numpy passes work on all still-active rows at once, so between two compiled rounds they spend
numpy calls on masks, copies, starts and 2×2 solves, serially, with one core idle, and a few slow
rows keep every pass's fixed costs running; here a row stops when it is done and the threads share
out the rows.

Module-level functions, so that numba's on-disk cache can key them by their code alone.
"""

import numba
import numpy as np

from securityroof.physics._compiled_targeting import (
    ANGLE,
    ARITHMETIC,
    FOUND,
    LANE_FIELDS,
    LANE_STATE,
    LAST_STEP,
    MOVED,
    OVERFLOWN,
    PARALLEL,
    SHAPE_ALT,
    SHAPE_BLEND,
    SHAPE_DOWNRANGE,
    SHOT_STATE,
    SPEED,
    TRUST,
    boost_shape_row,
    rotate_z,
    settle_row,
)
from securityroof.physics.formulas import (
    blend_limit_angle,
    conic_speed,
    conic_time_of_flight,
    geodetic_height,
    mean_anomaly,
    minimum_energy_angle,
)
from securityroof.physics.reasons import Unreachable

# Plain ints, which numba freezes into the compiled code as constants.
_NONE, _TOO_FAST, _INSIDE_BOOST, _NO_ARC, _NOT_CONVERGED, _NO_IMPACT = (
    int(Unreachable.NONE), int(Unreachable.TOO_FAST), int(Unreachable.INSIDE_BOOST), int(Unreachable.NO_ARC),
    int(Unreachable.NOT_CONVERGED), int(Unreachable.NO_IMPACT),
)  # fmt: skip

#: Columns of a row's problem (``target_rows``'s ``problem``): unit launch direction, launch radius,
#: unit aim direction, the east and north unit vectors at the aim point, burn time, nominal burnout
#: altitude, requested angle (NaN: minimum energy), the class's maximum speed, the aim point (ECEF).
#: The launch radius and the east and north vectors are derived here (``derive``), from the others.
U_LAUNCH, LAUNCH_RADIUS, U_AIM, EAST, NORTH = 0, 3, 4, 7, 10
BURN_TIME, NOMINAL_ALT, FIXED_ANGLE, MAX_SPEED, AIM = 13, 14, 15, 16, 17
PROBLEM_COLUMNS = 20
#: Columns of a row's answer (targeting._Fields, flattened).
POSITION, VELOCITY, OUT_SPEED, OUT_ANGLE, HEADING, MISS = 0, 3, 6, 7, 8, 11
BURNOUT_ALT, DOWNRANGE, PITCH_BLEND, LANDS, IMPACT_TIME = 12, 13, 14, 15, 16
IMPACT_POSITION, IMPACT_VELOCITY, APOGEE_ALT, INERTIAL_ANGLE = 17, 20, 23, 24
ANSWER_COLUMNS = 25
#: The answer's columns by targeting._Fields name, for unpacking: (first column, width).
ANSWER_LAYOUT = {
    "position": (POSITION, 3), "velocity": (VELOCITY, 3), "speed": (OUT_SPEED, 1), "angle": (OUT_ANGLE, 1),
    "heading": (HEADING, 3), "miss": (MISS, 1), "burnout_alt": (BURNOUT_ALT, 1), "downrange": (DOWNRANGE, 1),
    "pitch_blend": (PITCH_BLEND, 1), "lands": (LANDS, 1), "impact_time": (IMPACT_TIME, 1),
    "impact_position": (IMPACT_POSITION, 3), "impact_velocity": (IMPACT_VELOCITY, 3), "apogee_alt": (APOGEE_ALT, 1),
    "inertial_angle": (INERTIAL_ANGLE, 1),
}  # fmt: skip
#: Where a pass's impact sits in its buffer: lands (1.0 or 0.0), time, position, velocity, apogee.
IMPACT_STATE = 9


@numba.njit(cache=True)
def surface_radius(x, y, z, a, b):
    """earth.surface_radius_m of one geocentric unit vector."""
    return 1.0 / np.sqrt((x * x + y * y) / (a * a) + z * z / (b * b))


@numba.njit(cache=True)
def kepler_impact_row(x, y, z, vx, vy, vz, t0, earth, impact):
    """rounds._propagated on point-mass gravity for one Earth-fixed burnout state at time ``t0``
    (ballistic.KeplerArcs.impact): ``impact`` (IMPACT_STATE) gets lands, time, Earth-fixed
    position and velocity and apogee height; a row that does not land keeps NaN."""
    mu, omega = earth.mu_m3_s2, earth.rotation_rate_rad_s
    a, b, f = earth.equatorial_radius_m, earth.polar_radius_m, earth.flattening
    two_pi = 2.0 * np.pi
    impact[0] = 0.0
    impact[1:] = np.nan
    hx, hy, hz = y * vz - z * vy, z * vx - x * vz, x * vy - y * vx
    if not np.sqrt(hx * hx + hy * hy + hz * hz) > 0.0:
        return  # no state, or a radial one: no orbital plane
    # ecef_to_inertial
    rx, ry = rotate_z(x, y, omega * t0)
    rz = z
    wx, wy = rotate_z(vx - omega * y, vy + omega * x, omega * t0)
    wz = vz
    # KeplerArcs
    r0n = np.sqrt(rx * rx + ry * ry + rz * rz)
    hx, hy, hz = ry * wz - rz * wy, rz * wx - rx * wz, rx * wy - ry * wx
    hn = np.sqrt(hx * hx + hy * hy + hz * hz)
    p = hn * hn / mu
    energy = 0.5 * (wx * wx + wy * wy + wz * wz) - mu / r0n
    ex = (wy * hz - wz * hy) / mu - rx / r0n
    ey = (wz * hx - wx * hz) / mu - ry / r0n
    ez = (wx * hy - wy * hx) / mu - rz / r0n
    e = np.sqrt(ex * ex + ey * ey + ez * ez)
    if not (energy < 0.0 and e > 1e-12):
        return
    semi_major = -mu / (2.0 * energy)
    mean_motion = np.sqrt(mu / semi_major**3)
    px, py, pz = ex / e, ey / e, ez / e
    hx, hy, hz = hx / hn, hy / hn, hz / hn
    qx, qy, qz = hy * pz - hz * py, hz * px - hx * pz, hx * py - hy * px
    nu0 = np.arctan2(rx * qx + ry * qy + rz * qz, rx * px + ry * py + rz * pz) % two_pi
    c, s = np.cos(nu0), np.sin(nu0)
    radius = surface_radius(px * c + qx * s, py * c + qy * s, pz * c + qz * s, a, b)
    for _ in range(6):
        cos_nu = min(max((p / radius - 1.0) / e, -1.0), 1.0)
        nu = two_pi - np.arccos(cos_nu)
        c, s = np.cos(nu), np.sin(nu)
        radius = surface_radius(px * c + qx * s, py * c + qy * s, pz * c + qz * s, a, b)
    cos_nu = (p / radius - 1.0) / e
    if not abs(cos_nu) <= 1.0:
        return
    nu = two_pi - np.arccos(cos_nu)
    if not nu > nu0 - 1e-12:
        return  # a burnout state at or under the surface on the descending branch
    t = t0 + (mean_anomaly(nu, e) - mean_anomaly(nu0, e)) / mean_motion
    c, s = np.cos(nu), np.sin(nu)
    r = p / (1.0 + e * c)
    scale = np.sqrt(mu / p)
    # inertial_to_ecef at the impact time
    ix, iy = rotate_z(r * (c * px + s * qx), r * (c * py + s * qy), -omega * t)
    iz = r * (c * pz + s * qz)
    jx, jy = rotate_z(scale * (-s * px + (e + c) * qx), scale * (-s * py + (e + c) * qy), -omega * t)
    jz = scale * (-s * pz + (e + c) * qz)
    impact[0], impact[1] = 1.0, t
    impact[2], impact[3], impact[4] = ix, iy, iz
    impact[5], impact[6], impact[7] = jx + omega * iy, jy - omega * ix, jz
    apogee_nu = nu0 if nu0 >= np.pi else np.pi
    c, s = np.cos(apogee_nu), np.sin(apogee_nu)
    r = p / (1.0 + e * c)
    impact[8] = geodetic_height(r * (c * px + s * qx), r * (c * py + s * qy), r * (c * pz + s * qz), a, f)


@numba.njit(**ARITHMETIC)
def fly_row(east_offset, north_offset, problem, lane, shot, impact, earth, integrals, settings, limits):
    """rounds.Problem.fly (and its _landed) for one row: aim at the virtual point ``(east_offset,
    north_offset)`` from the aim point, settle ``lane`` in place, propagate the last centre shot
    (into ``shot`` and ``impact``); returns (failure code, residual east, residual north, consistent).
    ``limits``: targeting's constants (kernels.TargetLimits)."""
    g = problem
    vx = g[U_AIM] + east_offset * g[EAST] + north_offset * g[NORTH]
    vy = g[U_AIM + 1] + east_offset * g[EAST + 1] + north_offset * g[NORTH + 1]
    vz = g[U_AIM + 2] + east_offset * g[EAST + 2] + north_offset * g[NORTH + 2]
    norm = np.sqrt(vx * vx + vy * vy + vz * vz)
    vx, vy, vz = vx / norm, vy / norm, vz / norm
    minimum_energy = g[FIXED_ANGLE] != g[FIXED_ANGLE]
    settle_row(
        g[U_LAUNCH], g[U_LAUNCH + 1], g[U_LAUNCH + 2], g[LAUNCH_RADIUS], vx, vy, vz,
        surface_radius(vx, vy, vz, earth.equatorial_radius_m, earth.polar_radius_m), g[BURN_TIME], g[NOMINAL_ALT],
        g[FIXED_ANGLE], minimum_energy, lane, shot, earth, integrals, settings,
    )  # fmt: skip
    kepler_impact_row(shot[0], shot[1], shot[2], shot[3], shot[4], shot[5], g[BURN_TIME], earth, impact)
    lands = impact[0] != 0.0
    failure = _NONE
    if shot[OVERFLOWN] != 0.0:
        failure = _INSIDE_BOOST
    elif shot[SPEED] != shot[SPEED]:
        failure = _NO_ARC
    # A requested angle whose arcs never come down on the aim point has no arc at all.
    if failure == _NONE and not lands:
        failure = _NO_IMPACT if minimum_energy else _NO_ARC
    lx, ly, lz = g[U_AIM], g[U_AIM + 1], g[U_AIM + 2]
    if lands:
        length = np.sqrt(impact[2] ** 2 + impact[3] ** 2 + impact[4] ** 2)
        lx, ly, lz = impact[2] / length, impact[3] / length, impact[4] / length
    dx, dy, dz = lx - g[U_AIM], ly - g[U_AIM + 1], lz - g[U_AIM + 2]
    residual_east = g[EAST] * dx + g[EAST + 1] * dy + g[EAST + 2] * dz
    residual_north = g[NORTH] * dx + g[NORTH + 1] * dy + g[NORTH + 2] * dz
    consistent = shot[MOVED] < limits.boost_tolerance_m
    off_angle = not minimum_energy and not (abs(shot[ANGLE] - g[FIXED_ANGLE]) <= limits.angle_tolerance_rad)
    if failure == _NONE and off_angle and consistent:
        failure = _NO_ARC
    return failure, residual_east, residual_north, consistent


@numba.njit(**ARITHMETIC)
def well_conditioned(jacobian):
    """targeting._well_conditioned for one 2×2 Jacobian, in place."""
    det = jacobian[0, 0] * jacobian[1, 1] - jacobian[0, 1] * jacobian[1, 0]
    if not (np.isfinite(det) and abs(det) >= 1e-3):
        jacobian[0, 0], jacobian[0, 1], jacobian[1, 0], jacobian[1, 1] = 1.0, 0.0, 0.0, 1.0


@numba.njit(**ARITHMETIC)
def record(answer, problem, shot, impact, lane, miss):
    """targeting._Fields.record for one row."""
    for k in range(3):
        answer[POSITION + k], answer[VELOCITY + k] = shot[k], shot[3 + k]
        answer[IMPACT_POSITION + k], answer[IMPACT_VELOCITY + k] = impact[2 + k], impact[5 + k]
    px, py, pz = lane[2], lane[3], lane[4]
    ux, uy, uz = problem[U_LAUNCH], problem[U_LAUNCH + 1], problem[U_LAUNCH + 2]
    answer[HEADING], answer[HEADING + 1], answer[HEADING + 2] = py * uz - pz * uy, pz * ux - px * uz, px * uy - py * ux
    answer[OUT_SPEED], answer[OUT_ANGLE], answer[MISS] = shot[SPEED], shot[ANGLE], miss
    answer[BURNOUT_ALT], answer[DOWNRANGE] = shot[SHAPE_ALT], shot[SHAPE_DOWNRANGE]
    answer[PITCH_BLEND] = shot[SHAPE_BLEND]
    answer[LANDS], answer[IMPACT_TIME], answer[APOGEE_ALT] = impact[0], impact[1], impact[8]
    answer[INERTIAL_ANGLE] = lane[6]


@numba.njit(**ARITHMETIC)
def iterate_row(problem, lane, answer, earth, integrals, settings, limits):
    """targeting._iterate for one row from the lanes ``lane``: Newton's method on the virtual aim
    point, a finite-difference Jacobian after the first pass and Broyden updates after that, until
    the row lands within the tolerance with a consistent boost, or fails. Writes ``answer`` and
    returns (failure code, passes flown). ``limits``: targeting's constants (kernels.TargetLimits)."""
    tolerance, max_iterations, hopeless_margin = limits.tolerance_m, limits.max_iterations, limits.hopeless_margin
    jacobian_step, max_step = limits.jacobian_step_rad, limits.max_step_rad
    shot, trial_shot = np.empty(SHOT_STATE), np.empty(SHOT_STATE)
    impact, trial_impact = np.empty(IMPACT_STATE), np.empty(IMPACT_STATE)
    flown, trial = np.empty(LANE_STATE), np.empty(LANE_STATE)
    jacobian = np.eye(2)
    east = north = last_east = last_north = last_r_east = last_r_north = 0.0
    for iteration in range(1, max_iterations + 1):
        flown[:] = lane
        failure, r_east, r_north, consistent = fly_row(
            east, north, problem, flown, shot, impact, earth, integrals, settings, limits
        )
        if iteration > 1:  # Broyden's rank-one update from the last step
            s_east, s_north = east - last_east, north - last_north
            step_sq = s_east * s_east + s_north * s_north
            if step_sq > 0.0:
                y_east = r_east - last_r_east - (jacobian[0, 0] * s_east + jacobian[0, 1] * s_north)
                y_north = r_north - last_r_north - (jacobian[1, 0] * s_east + jacobian[1, 1] * s_north)
                jacobian[0, 0] += y_east * s_east / step_sq
                jacobian[0, 1] += y_east * s_north / step_sq
                jacobian[1, 0] += y_north * s_east / step_sq
                jacobian[1, 1] += y_north * s_north / step_sq
        aim = problem[AIM : AIM + 3]
        miss = np.sqrt((aim[0] - impact[2]) ** 2 + (aim[1] - impact[3]) ** 2 + (aim[2] - impact[4]) ** 2)
        # Well beyond the class's reach after the first correction: said so without chasing the last metre.
        if failure == _NONE and shot[SPEED] > hopeless_margin * problem[MAX_SPEED] and iteration > 1:
            failure = _TOO_FAST
        done = (miss < tolerance and consistent) or failure != _NONE
        if iteration == max_iterations and not done:
            failure = _TOO_FAST if shot[SPEED] > problem[MAX_SPEED] else _NOT_CONVERGED
            done = True
        if done:
            record(answer, problem, shot, impact, flown, miss)
            return failure, iteration
        if iteration == 1:  # d(residual)/d(offset) by forward differences
            for axis in range(2):
                trial[:] = flown
                _, t_east, t_north, _ = fly_row(
                    east + (jacobian_step if axis == 0 else 0.0), north + (jacobian_step if axis == 1 else 0.0),
                    problem, trial, trial_shot, trial_impact, earth, integrals, settings, limits,
                )  # fmt: skip
                jacobian[0, axis] = (t_east - r_east) / jacobian_step
                jacobian[1, axis] = (t_north - r_north) / jacobian_step
        well_conditioned(jacobian)
        last_east, last_north, last_r_east, last_r_north = east, north, r_east, r_north
        # the 2×2 Newton step by Gaussian elimination with partial pivoting, as LAPACK's
        a, b, c, d, e, f = jacobian[0, 0], jacobian[0, 1], jacobian[1, 0], jacobian[1, 1], r_east, r_north
        if abs(c) > abs(a):
            a, b, c, d, e, f = c, d, a, b, f, e
        factor = c / a
        step_north = (f - factor * e) / (d - factor * b)
        step_east = (e - b * step_north) / a
        size = np.sqrt(step_east * step_east + step_north * step_north)
        scale = min(1.0, max_step / max(size, 1e-300))
        east, north = last_east - step_east * scale, last_north - step_north * scale
        lane[:] = flown
    return _NOT_CONVERGED, max_iterations  # not reached: the last pass is always done


@numba.njit(**ARITHMETIC)
def derive(problem, earth):
    """rounds.Problem's derived quantities, in place: the launch radius (ellipsoid) and the east and
    north unit vectors at the aim point (rounds._tangent_basis)."""
    ux, uy, uz = problem[U_LAUNCH], problem[U_LAUNCH + 1], problem[U_LAUNCH + 2]
    problem[LAUNCH_RADIUS] = surface_radius(ux, uy, uz, earth.equatorial_radius_m, earth.polar_radius_m)
    ax, ay, az = problem[U_AIM], problem[U_AIM + 1], problem[U_AIM + 2]
    ex, ey, ez = -ay, ax, 0.0  # ẑ × u
    norm = np.sqrt(ex * ex + ey * ey)
    if norm > 1e-12:
        ex, ey = ex / norm, ey / norm
    else:
        ex, ey = 0.0, 1.0
    problem[EAST], problem[EAST + 1], problem[EAST + 2] = ex, ey, ez
    problem[NORTH], problem[NORTH + 1], problem[NORTH + 2] = ay * ez - az * ey, az * ex - ax * ez, ax * ey - ay * ex


@numba.njit(**ARITHMETIC)
def start_lane(problem, given_angle, trust, lane, earth, integrals, settings, limits):
    """rounds.Problem.initial_carry for one row, into ``lane``: at the inertial angle
    ``given_angle`` where it is a number, else at the closed-form start."""
    mu, omega = earth.mu_m3_s2, earth.rotation_rate_rad_s
    ulx, uly, ulz = problem[U_LAUNCH], problem[U_LAUNCH + 1], problem[U_LAUNCH + 2]
    uax, uay, uaz = problem[U_AIM], problem[U_AIM + 1], problem[U_AIM + 2]
    radius, burn_time, nominal_alt = problem[LAUNCH_RADIUS], problem[BURN_TIME], problem[NOMINAL_ALT]
    minimum_energy = problem[FIXED_ANGLE] != problem[FIXED_ANGLE]
    px, py, pz = uly * uaz - ulz * uay, ulz * uax - ulx * uaz, ulx * uay - uly * uax
    cross = np.sqrt(px * px + py * py + pz * pz)
    cosine = ulx * uax + uly * uay + ulz * uaz
    psi = np.arctan2(cross, cosine)
    angle = minimum_energy_angle(1.0, 1.0, psi) if minimum_energy else problem[FIXED_ANGLE]
    if given_angle == given_angle:
        angle = given_angle
    speed = conic_speed(radius, radius, psi, angle, mu)
    speed = speed if speed == speed else 0.0
    burnout_alt, downrange, _ = boost_shape_row(burn_time, speed, angle, nominal_alt, integrals)
    flight_time = conic_time_of_flight(radius, speed, angle, radius, mu)
    flight_time = flight_time if flight_time == flight_time else 0.0
    if minimum_energy and given_angle != given_angle:
        # rounds.Problem._minimum_energy_start
        remaining = max(psi - downrange / radius, 0.0)
        burnout_radius = radius + burnout_alt
        relative = minimum_energy_angle(burnout_radius, radius, remaining)
        arc_speed = conic_speed(burnout_radius, radius, remaining, relative, mu)
        hx, hy, hz = uax - cosine * ulx, uay - cosine * uly, uaz - cosine * ulz  # great_circle_heading
        h_norm = np.sqrt(hx * hx + hy * hy + hz * hz)
        along = arc_speed * np.cos(relative)
        ax = along * hx / h_norm - omega * radius * uly
        ay = along * hy / h_norm + omega * radius * ulx
        az = along * hz / h_norm
        start = np.arctan2(arc_speed * np.sin(relative), np.sqrt(ax * ax + ay * ay + az * az))
        if arc_speed > 0.0 and remaining * radius > limits.start_flight_to_altitude * burnout_alt:
            angle = start
    for k in range(3):  # the centre lane, then the low and high side lanes
        offset, side = k * LANE_FIELDS, (0.0, -1.0, 1.0)[k]
        lane[offset], lane[offset + 1] = downrange, burnout_alt
        lane[offset + 2], lane[offset + 3], lane[offset + 4] = px / cross, py / cross, pz / cross
        lane[offset + 5], lane[offset + 6] = burn_time + flight_time, angle + side * settings.lane_step_rad
        lane[offset + 7] = np.nan
    lane[TRUST], lane[LAST_STEP], lane[FOUND] = trust, 0.0, 0.0 if minimum_energy else 1.0


@numba.njit(**ARITHMETIC)
def solve_row(problem, answer, earth, integrals, settings, limits):
    """targeting.solve for one row with a shot to fly: the start, the passes (``iterate_row``) and, for
    minimum energy, the searches beyond the boost's kinks, keeping the lower speed. Writes
    ``answer``; returns (failure code, passes of the longest search)."""
    derive(problem, earth)
    lane = np.empty(LANE_STATE)
    start_lane(problem, np.nan, limits.start_trust, lane, earth, integrals, settings, limits)
    failure, passes = iterate_row(problem, lane, answer, earth, integrals, settings, limits)
    if problem[FIXED_ANGLE] == problem[FIXED_ANGLE]:
        return failure, passes
    other = np.empty(ANSWER_COLUMNS)
    for blend in (0.0, 1.0):
        speed = answer[OUT_SPEED]
        if not (failure == _NONE and np.isfinite(speed)):
            continue
        kink = blend_limit_angle(
            problem[BURN_TIME], speed, problem[NOMINAL_ALT], blend, integrals.speed, integrals.early, integrals.late
        )
        offset = kink - answer[OUT_ANGLE]
        if not (abs(offset) < limits.kink_window_rad and abs(offset) > limits.at_kink_rad):
            continue
        start = answer[INERTIAL_ANGLE] + offset + np.sign(offset) * limits.past_kink_rad
        start_lane(problem, start, limits.kink_trust, lane, earth, integrals, settings, limits)
        other_failure, other_passes = iterate_row(problem, lane, other, earth, integrals, settings, limits)
        passes = max(passes, other_passes)
        if other_failure == _NONE and other[OUT_SPEED] < speed - limits.same_speed_mps:
            answer[:] = other
    return failure, passes


@numba.njit(**PARALLEL)
def target_rows(problem, earth, integrals, settings, limits, answers, reasons, passes):
    """``solve_row`` for every row of ``problem`` (N, PROBLEM_COLUMNS; its derived columns are filled
    here), into ``answers`` (N, ANSWER_COLUMNS), ``reasons`` and ``passes`` (N,)."""
    for i in numba.prange(problem.shape[0]):
        reasons[i], passes[i] = solve_row(problem[i], answers[i], earth, integrals, settings, limits)
