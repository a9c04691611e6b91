"""The compiled targeting rounds behind :mod:`securityroof.physics.kernels` (``settle`` and the
scalar steps it is built from: Lambert and fixed-angle arc searches, the boost's shape of one row,
the Illinois bracket), kept apart from the sampling, sensor and window kernels of
:mod:`securityroof.physics._compiled_kernels`, which re-exports ``settle``.

Module-level functions, so that numba's on-disk cache can key them by their code alone.
"""

import numba
import numpy as np

from securityroof.physics.formulas import (
    bilinear_nearest,
    conic_speed_from_trig,
    conic_time_of_flight,
    conic_time_of_flight_from_sine,
    minimum_energy_angle,
    parabola_vertex,
    stable_conic_speed,
)

#: The kernels proper (these and those of _compiled_solve and _compiled_kernels, which take these
#: flags from here): cached on disk, parallel over trajectories, releasing the GIL, and with numpy's
#: floating-point rules (a division by zero gives inf or NaN, as in the reference).
PARALLEL = {"cache": True, "parallel": True, "nogil": True, "error_model": "numpy"}


@numba.njit(cache=True)
def rotate_z(x, y, angle):
    c, s = np.cos(angle), np.sin(angle)
    return c * x - s * y, s * x + c * y


#: The fixed-angle arc's helpers divide where the reference does (a chord across an infinite end).
ARITHMETIC = {"cache": True, "error_model": "numpy"}


@numba.njit(**ARITHMETIC)
def lateness(burnout_radius, target_radius, psi, gamma, flight_time, mu, lowest_speed):
    # the function conics.lambert_angle searches
    speed = stable_conic_speed(burnout_radius, target_radius, psi, gamma, mu)
    late = np.log(conic_time_of_flight(burnout_radius, speed, gamma, target_radius, mu) / flight_time)
    if late != late:
        return -np.inf if gamma < lowest_speed else np.inf
    return late


@numba.njit(**ARITHMETIC)
def illinois_step(lo, hi, f_lo, f_hi):
    # one chord step of conics._rising_root: where to evaluate next
    chord = lo - f_lo * (hi - lo) / (f_hi - f_lo)
    return chord if np.isfinite(chord) and lo < chord < hi else 0.5 * (lo + hi)


@numba.njit(**ARITHMETIC)
def illinois_update(x, value, lo, hi, f_lo, f_hi, last):
    # conics._rising_root's bracket after evaluating ``value`` at ``x``: (lo, hi, f_lo, f_hi, last);
    # the end that stayed twice running has its value halved (Illinois), and NaN counts as above zero
    if not value < 0.0:
        if last > 0:
            f_lo *= 0.5
        return lo, x, f_lo, (np.inf if value != value else value), 1
    if last < 0:
        f_hi *= 0.5
    return x, hi, value, f_hi, -1


@numba.njit(**ARITHMETIC)
def lambert_angle(burnout_radius, target_radius, psi, flight_time, mu, steps):
    # conics.lambert_angle for one row
    lowest_speed = minimum_energy_angle(burnout_radius, target_radius, psi)
    lo, hi, f_lo, f_hi, last = 0.0, 0.5 * np.pi, -np.inf, np.inf, 0
    x = lo
    for _ in range(steps):
        x = illinois_step(lo, hi, f_lo, f_hi)
        value = lateness(burnout_radius, target_radius, psi, x, flight_time, mu, lowest_speed)
        lo, hi, f_lo, f_hi, last = illinois_update(x, value, lo, hi, f_lo, f_hi, last)
        if not (hi - lo > 1e-14 * abs(x)) or value == 0.0:
            break
    return x


@numba.njit(**ARITHMETIC)
def transfer_geometry(bix, biy, biz, uvx, uvy, uvz, turn):
    # the cosine and sine of the transfer angle from the burnout direction b to the aim direction u
    # turned ``turn`` about the spin axis (where the aim point is at impact), as earth.central_cos_sin,
    # and the unit horizontal towards it at burnout
    tx, ty = rotate_z(uvx, uvy, turn)
    tz = uvz
    cx, cy, cz = biy * tz - biz * ty, biz * tx - bix * tz, bix * ty - biy * tx
    dot = bix * tx + biy * ty + biz * tz
    cross = np.sqrt(cx * cx + cy * cy + cz * cz)
    length = np.sqrt(dot * dot + cross * cross)
    gx, gy, gz = tx - dot * bix, ty - dot * biy, tz - dot * biz
    norm = np.sqrt(gx * gx + gy * gy + gz * gz)
    return dot / length, cross / length, gx / norm, gy / norm, gz / norm


@numba.njit(**ARITHMETIC)
def arc_error(bix, biy, biz, burnout_radius, fvx, fvy, uvx, uvy, uvz, target_radius, burn_time, angle, time, omega,
              mu, steps):  # fmt: skip
    """E(T) of conics.fixed_angle_arc for one row, with the conic's speed, angle and horizontal."""
    cos_psi, sin_psi, nx, ny, nz = transfer_geometry(bix, biy, biz, uvx, uvy, uvz, omega * time)
    psi = np.arctan2(sin_psi, cos_psi)
    gamma = lambert_angle(burnout_radius, target_radius, psi, time - burn_time, mu, steps)
    speed = stable_conic_speed(burnout_radius, target_radius, psi, gamma, mu)
    along = speed * np.cos(gamma) - (fvx * nx + fvy * ny)
    kx, ky = biy * nz - biz * ny, biz * nx - bix * nz
    across = fvx * kx + fvy * ky
    relative = np.arctan2(speed * np.sin(gamma), np.sqrt(along * along + across * across))
    return relative - angle, speed, gamma, nx, ny, nz


@numba.njit(**ARITHMETIC)
def scan_for_rising_root(bix, biy, biz, burnout_radius, fvx, fvy, uvx, uvy, uvz, target_radius, burn_time, angle,
                         omega, mu, longest_flight_s, search_steps, scan_ratio, golden_steps):  # fmt: skip
    """conics._scan_for_rising_root for one row: (lo, E(lo), hi, E(hi)), NaN where no bracket."""
    count = int(np.ceil(np.log(longest_flight_s / 1e-3) / np.log(scan_ratio)))
    best, best_error = np.nan, -np.inf
    previous, previous_error = np.nan, np.nan
    for k in range(count + 1):
        flight = 1e-3 * scan_ratio**k if k < count else longest_flight_s
        value = arc_error(bix, biy, biz, burnout_radius, fvx, fvy, uvx, uvy, uvz, target_radius, burn_time, angle,
                          burn_time + flight, omega, mu, search_steps)[0]  # fmt: skip
        if previous_error < 0.0 and value >= 0.0:
            return previous, previous_error, flight, value
        if value > best_error:
            best, best_error = flight, value
        previous, previous_error = flight, value
    if best != best:
        return np.nan, np.nan, np.nan, np.nan
    golden = 0.5 * (np.sqrt(5.0) - 1.0)
    left = best / scan_ratio
    left_error = arc_error(bix, biy, biz, burnout_radius, fvx, fvy, uvx, uvy, uvz, target_radius, burn_time, angle,
                           burn_time + left, omega, mu, search_steps)[0]  # fmt: skip
    a, b = np.log(left), np.log(min(best * scan_ratio, longest_flight_s))
    for _ in range(golden_steps):
        c, d = b - golden * (b - a), a + golden * (b - a)
        at_c = arc_error(bix, biy, biz, burnout_radius, fvx, fvy, uvx, uvy, uvz, target_radius, burn_time, angle,
                         burn_time + np.exp(c), omega, mu, search_steps)[0]  # fmt: skip
        at_d = arc_error(bix, biy, biz, burnout_radius, fvx, fvy, uvx, uvy, uvz, target_radius, burn_time, angle,
                         burn_time + np.exp(d), omega, mu, search_steps)[0]  # fmt: skip
        if at_c < at_d:
            a = c
        else:
            b = d
    peak = np.exp(0.5 * (a + b))
    peak_error = arc_error(bix, biy, biz, burnout_radius, fvx, fvy, uvx, uvy, uvz, target_radius, burn_time, angle,
                           burn_time + peak, omega, mu, search_steps)[0]  # fmt: skip
    if left_error < 0.0 and peak_error >= 0.0:
        return left, left_error, peak, peak_error
    return np.nan, np.nan, np.nan, np.nan


@numba.njit(**ARITHMETIC)
def fixed_angle_arc(bix, biy, biz, burnout_radius, fvx, fvy, uvx, uvy, uvz, target_radius, burn_time, angle, guess,
                    omega, mu, longest_flight_s, search_steps, bracket_steps, scan_ratio, golden_steps):  # fmt: skip
    """conics.fixed_angle_arc for one row: impact time, speed, angle and horizontal (NaN: none)."""
    flight = min(max(guess - burn_time, 1e-3), longest_flight_s)
    error = arc_error(bix, biy, biz, burnout_radius, fvx, fvy, uvx, uvy, uvz, target_radius, burn_time, angle,
                      burn_time + flight, omega, mu, search_steps)[0]  # fmt: skip
    lo = e_lo = hi = e_hi = np.nan
    if error <= 0.0:
        lo, e_lo = flight, error
    if error >= 0.0:
        hi, e_hi = flight, error
    for _ in range(bracket_steps):
        if hi != hi and lo == lo and lo < longest_flight_s:
            trial = min(2.0 * lo, longest_flight_s)
        elif lo != lo and hi == hi:
            trial = 0.5 * hi
        else:
            break
        value = arc_error(bix, biy, biz, burnout_radius, fvx, fvy, uvx, uvy, uvz, target_radius, burn_time, angle,
                          burn_time + trial, omega, mu, search_steps)[0]  # fmt: skip
        if value != value:
            lo = hi = np.nan
        elif value < 0.0:
            lo, e_lo = trial, value
        elif value > 0.0:
            hi, e_hi = trial, value
        else:
            lo = hi = trial
            e_lo = e_hi = value
    if not (np.isfinite(lo) and np.isfinite(hi)):
        lo, e_lo, hi, e_hi = scan_for_rising_root(bix, biy, biz, burnout_radius, fvx, fvy, uvx, uvy, uvz,
                                                  target_radius, burn_time, angle, omega, mu, longest_flight_s,
                                                  search_steps, scan_ratio, golden_steps)  # fmt: skip
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return np.nan, np.nan, np.nan, np.nan, np.nan, np.nan
    last = 0
    x = lo
    for _ in range(search_steps):
        x = illinois_step(lo, hi, e_lo, e_hi)
        value = arc_error(bix, biy, biz, burnout_radius, fvx, fvy, uvx, uvy, uvz, target_radius, burn_time, angle,
                          burn_time + x, omega, mu, search_steps)[0]  # fmt: skip
        lo, hi, e_lo, e_hi, last = illinois_update(x, value, lo, hi, e_lo, e_hi, last)
        if not (hi - lo > 1e-13 * abs(x)) or value == 0.0:
            break
    _, speed, gamma, nx, ny, nz = arc_error(bix, biy, biz, burnout_radius, fvx, fvy, uvx, uvy, uvz, target_radius,
                                            burn_time, angle, burn_time + x, omega, mu, search_steps)  # fmt: skip
    return burn_time + x, speed, gamma, nx, ny, nz


@numba.njit(cache=True)
def boost_shape_row(burn_time, speed, angle, nominal_alt, integrals):
    """boost.boost_shape for one row (a NaN speed or angle is taken as 0), with ``integrals`` boost's
    BoostIntegrals: burnout altitude, downrange distance and blend."""
    return boost_shape_row_from_sine(burn_time, speed, angle, np.sin(angle), nominal_alt, integrals)


@numba.njit(cache=True)
def boost_shape_row_from_sine(burn_time, speed, angle, sin_angle, nominal_alt, integrals):
    """:func:`boost_shape_row` given the angle's sine too: a shot has it, as the arcsine's argument."""
    integral_speed, integral_early, integral_late, table = (
        integrals.speed,
        integrals.early,
        integrals.late,
        integrals.downrange,
    )
    speed = speed if speed == speed else 0.0
    angle = angle if angle == angle else 0.0
    sin_bo = min(max(sin_angle, 0.0), 1.0) if sin_angle == sin_angle else 0.0
    scale = burn_time * speed
    base = sin_bo * integral_speed + (1.0 - sin_bo) * integral_early
    span = (1.0 - sin_bo) * (integral_late - integral_early)
    blend = 0.0
    if scale > 0.0 and span > 0.0:
        blend = min(max((nominal_alt / scale - base) / span, 0.0), 1.0)
    rows, columns = table.shape
    row = min(max(angle, 0.0), 0.5 * np.pi) * ((rows - 1) / (0.5 * np.pi))
    column = min(max(blend, 0.0), 1.0) * (columns - 1)
    return scale * (base + blend * span), scale * bilinear_nearest(table, rows, columns, row, column), blend


@numba.njit(cache=True)
def boost_speed_step(tried, implied, bracket):
    """rounds._BoostSpeed.step for one row: the speed to build the next round's boost for, from
    the speed ``tried`` (NaN: unknown) that implied ``implied``; ``bracket`` (low, its residual,
    high, its residual, which end moved last) is updated in place."""
    gap = implied - tried
    if gap > 0.0:
        if bracket[4] < 0.0:
            bracket[3] *= 0.5
        bracket[0], bracket[1], bracket[4] = tried, gap, -1.0
    elif gap < 0.0:
        if bracket[4] > 0.0:
            bracket[1] *= 0.5
        bracket[2], bracket[3], bracket[4] = tried, gap, 1.0
    else:
        bracket[4] = 0.0
    lo, g_lo, hi, g_hi = bracket[0], bracket[1], bracket[2], bracket[3]
    if not (np.isfinite(lo) and np.isfinite(hi) and np.isfinite(gap) and gap != 0.0):
        return implied
    chord = lo - g_lo * (hi - lo) / (g_hi - g_lo)
    if np.isfinite(chord) and min(lo, hi) < chord < max(lo, hi):
        return chord
    return 0.5 * (lo + hi)


@numba.njit(cache=True)
def shoot_row(
    ulx, uly, ulz, launch_radius, uvx, uvy, uvz, target_radius, burn_time, nominal_alt, fixed_angle,
    downrange, burnout_alt, px, py, pz, impact_time, inertial_angle, time_slope, earth, integrals, settings,
    turn_cos, turn_sin,
):  # fmt: skip
    """rounds._shoot for one row: the burnout state (position, velocity, speed, angle), the
    boost shape it implies (altitude, downrange, blend), the lane's next pole, impact time and
    inertial angle, how far the state moved, and the boost's own arc (central angle, radians).
    ``turn_cos``, ``turn_sin``: of the Earth's turn during the boost (ω t_bo), the same for every
    shot of a row, so taken once per row (four of a shot's some thirty transcendental calls)."""
    mu, omega = earth.mu_m3_s2, earth.rotation_rate_rad_s
    a, b = earth.equatorial_radius_m, earth.polar_radius_m
    inv_a2, inv_b2 = 1.0 / (a * a), 1.0 / (b * b)
    time_steps, longest_flight_s = settings.time_steps, settings.longest_flight_s
    burnout_arc = downrange / launch_radius
    hx, hy, hz = py * ulz - pz * uly, pz * ulx - px * ulz, px * uly - py * ulx
    c, s = np.cos(burnout_arc), np.sin(burnout_arc)
    ubx, uby, ubz = c * ulx + s * hx, c * uly + s * hy, c * ulz + s * hz
    burnout_radius = 1.0 / np.sqrt((ubx * ubx + uby * uby) * inv_a2 + ubz * ubz * inv_b2) + burnout_alt
    bix, biy = turn_cos * ubx - turn_sin * uby, turn_sin * ubx + turn_cos * uby
    biz = ubz
    fvx, fvy = omega * burnout_radius * -biy, omega * burnout_radius * bix
    fixed = fixed_angle == fixed_angle
    gamma = fixed_angle if fixed and omega == 0.0 else inertial_angle
    time = impact_time
    previous_time = previous_miss = np.nan
    speed_i = np.nan
    nx = ny = nz = np.nan
    next_time = time
    slope = time_slope
    cos_gamma, sin_gamma = np.cos(gamma), np.sin(gamma)
    for settle in range(0 if omega != 0.0 and fixed else time_steps + 1):
        cos_psi, sin_psi, nx, ny, nz = transfer_geometry(bix, biy, biz, uvx, uvy, uvz, omega * time)
        speed_i = conic_speed_from_trig(burnout_radius, target_radius, cos_psi, sin_psi, cos_gamma, sin_gamma, mu)
        flight = conic_time_of_flight_from_sine(burnout_radius, speed_i, sin_gamma, target_radius, mu)
        time_miss = burn_time + flight - time
        next_time = time + time_miss
        if settle > 0 and abs(time - previous_time) > settings.slope_step_s:
            secant_slope = (time_miss - previous_miss) / (time - previous_time)
            if np.isfinite(secant_slope):
                slope = secant_slope
        if slope < -1e-3:
            newton = time - time_miss / slope
            if np.isfinite(newton):
                next_time = newton
        if not np.isfinite(next_time):
            next_time = time
        next_time = min(max(next_time, burn_time), longest_flight_s)
        if settle == time_steps or abs(time_miss) < settings.time_met * (time - burn_time):
            break  # built for ``time``: met already, or no more steps
        previous_time, previous_miss, time = time, time_miss, next_time
    if omega != 0.0 and fixed:
        next_time, speed_i, gamma, nx, ny, nz = fixed_angle_arc(
            bix, biy, biz, burnout_radius, fvx, fvy, uvx, uvy, uvz, target_radius, burn_time, fixed_angle, time,
            omega, mu, longest_flight_s, settings.arc_search_steps, settings.arc_bracket_steps,
            settings.arc_scan_ratio, settings.arc_golden_steps,
        )  # fmt: skip
        if next_time != next_time:
            next_time = time
        cos_gamma, sin_gamma = np.cos(gamma), np.sin(gamma)
    along, up = speed_i * cos_gamma, speed_i * sin_gamma
    vix = along * nx + up * bix - fvx
    viy = along * ny + up * biy - fvy
    viz = along * nz + up * biz
    vx, vy = turn_cos * vix + turn_sin * viy, -turn_sin * vix + turn_cos * viy
    vz = viz
    v_norm = np.sqrt(vx * vx + vy * vy + vz * vz)
    sin_flight_angle = min(max((vx * ubx + vy * uby + vz * ubz) / v_norm, -1.0), 1.0)
    flight_angle = np.arcsin(sin_flight_angle)
    # boost_shape at the burnout speed and angle this state implies
    new_alt, new_downrange, blend = boost_shape_row_from_sine(
        burn_time, v_norm, flight_angle, sin_flight_angle, nominal_alt, integrals
    )
    # the boost's great circle turned so that its heading at burnout is the free flight's
    qx, qy, qz = uby * vz - ubz * vy, ubz * vx - ubx * vz, ubx * vy - uby * vx
    along_launch = qx * ulx + qy * uly + qz * ulz
    qx, qy, qz = qx - along_launch * ulx, qy - along_launch * uly, qz - along_launch * ulz
    q_norm = np.sqrt(qx * qx + qy * qy + qz * qz)
    qx, qy, qz = qx / q_norm, qy / q_norm, qz / q_norm
    if not np.isfinite(qx):
        qx = px
    if not np.isfinite(qy):
        qy = py
    if not np.isfinite(qz):
        qz = pz
    swing = np.sqrt((qx - px) ** 2 + (qy - py) ** 2 + (qz - pz) ** 2) * downrange
    candidates = (
        abs(new_downrange - downrange),
        abs(new_alt - burnout_alt),
        swing,
        abs(next_time - time) * settings.ground_speed_mps,
    )
    largest = candidates[0]
    for value in candidates[1:]:
        if value != value or largest != largest:
            largest = np.nan
        elif value > largest:
            largest = value
    r = burnout_radius
    return (
        r * ubx, r * uby, r * ubz, vx, vy, vz, v_norm, flight_angle, new_alt, new_downrange, blend,
        qx, qy, qz, next_time, gamma, np.nan if v_norm != v_norm else largest, burnout_arc, slope,
    )  # fmt: skip


#: Where a row's lanes sit in its state buffer (``settle_row``): the centre lane, then the low and
#: high side lanes, each (downrange, burnout altitude, pole x, y, z, impact time, inertial angle, the
#: slope of the impact-time miss carried from the last shot),
#: then the search's trust region, last step and whether the angle is found (1.0) or not (0.0).
LANE_FIELDS = 8
LOW, HIGH = LANE_FIELDS, 2 * LANE_FIELDS
TRUST, LAST_STEP, FOUND = 3 * LANE_FIELDS, 3 * LANE_FIELDS + 1, 3 * LANE_FIELDS + 2
LANE_STATE = 3 * LANE_FIELDS + 3
#: Where the last centre shot sits in its buffer: position, velocity, speed, angle, the boost shape
#: it implies (altitude, downrange, blend), how far the state moved, whether the boost overflies.
SPEED, ANGLE, SHAPE_ALT, SHAPE_DOWNRANGE, SHAPE_BLEND, MOVED, OVERFLOWN = 6, 7, 8, 9, 10, 11, 12
SHOT_STATE = 13


@numba.njit(**ARITHMETIC)
def carry_lanes(lane, field, centre, ratio):
    """rounds._carry_lanes for one row and one of a lane's fields (downrange, burnout altitude or
    impact time: ``field`` its place in a lane): the side lanes' next values moved in place to their
    next angles, ``ratio`` lane steps on, and the centre's next value ``centre`` moved and returned."""
    low, high = lane[LOW + field], lane[HIGH + field]
    low_move, centre_move, high_move = (centre - low) * ratio, 0.5 * (high - low) * ratio, (high - centre) * ratio
    if not (np.isfinite(low_move) and np.isfinite(centre_move) and np.isfinite(high_move)):
        return centre
    lane[LOW + field], lane[HIGH + field] = low + low_move, high + high_move
    return centre + centre_move


@numba.njit(**ARITHMETIC)
def settle_row(
    ulx, uly, ulz, launch_radius, uvx, uvy, uvz, target_radius, burn_time, nominal_alt, fixed_angle,
    minimum_energy, lane, shot, earth, integrals, settings,
):  # fmt: skip
    """rounds.Problem.fly's rounds for one row: the centre lane (and, for minimum energy, the side
    lanes γ ∓ one lane step) shot until nothing moves; ``lane`` (LANE_STATE) is updated in place
    and the last centre shot written to ``shot`` (SHOT_STATE)."""
    lane_step_rad = settings.lane_step_rad
    shot[MOVED] = np.inf
    tried = np.nan
    bracket = np.array([np.nan, np.nan, np.nan, np.nan, 0.0])
    side_speed = np.empty(2)
    lx, ly, lz = uly * uvz - ulz * uvy, ulz * uvx - ulx * uvz, ulx * uvy - uly * uvx
    aim_arc = np.arctan2(np.sqrt(lx * lx + ly * ly + lz * lz), ulx * uvx + uly * uvy + ulz * uvz)
    turn_cos, turn_sin = np.cos(earth.rotation_rate_rad_s * burn_time), np.sin(earth.rotation_rate_rad_s * burn_time)
    for _ in range(settings.rounds):
        (
            shot[0], shot[1], shot[2], shot[3], shot[4], shot[5], shot[SPEED], shot[ANGLE], shot[SHAPE_ALT],
            shot[SHAPE_DOWNRANGE], shot[SHAPE_BLEND], px, py, pz, next_time, gamma, shot_moved, burnout_arc,
            time_slope,
        ) = shoot_row(
            ulx, uly, ulz, launch_radius, uvx, uvy, uvz, target_radius, burn_time, nominal_alt, fixed_angle,
            lane[0], lane[1], lane[2], lane[3], lane[4], lane[5], lane[6], lane[7], earth, integrals, settings,
            turn_cos, turn_sin,
        )  # fmt: skip
        shot[OVERFLOWN] = 1.0 if aim_arc <= burnout_arc else 0.0  # the boost alone flies past the aim point
        step = gamma - lane[6]  # fixed angles: moved in the shot
        next_downrange, next_alt = shot[SHAPE_DOWNRANGE], shot[SHAPE_ALT]
        if lane[FOUND] == 0.0:
            for side in range(2):
                j = LOW + side * LANE_FIELDS  # the low lane, then the high one
                (
                    _, _, _, _, _, _, side_speed[side], _, side_alt_next, side_downrange_next, _,
                    sx, sy, sz, side_time_next, _, _, _, side_slope,
                ) = shoot_row(
                    ulx, uly, ulz, launch_radius, uvx, uvy, uvz, target_radius, burn_time, nominal_alt,
                    fixed_angle, lane[j], lane[j + 1], lane[j + 2], lane[j + 3], lane[j + 4], lane[j + 5],
                    lane[j + 6], lane[j + 7], earth, integrals, settings, turn_cos, turn_sin,
                )  # fmt: skip
                lane[j], lane[j + 1], lane[j + 5] = side_downrange_next, side_alt_next, side_time_next
                lane[j + 7] = side_slope
                lane[j + 2], lane[j + 3], lane[j + 4] = sx, sy, sz
            vertex = parabola_vertex(side_speed[0], shot[SPEED], side_speed[1])
            same_way = vertex * lane[LAST_STEP]
            if same_way < 0.0:
                lane[TRUST] = 0.5 * lane[TRUST]
            elif same_way > 0.0:
                lane[TRUST] = min(2.0 * lane[TRUST], 4.0)
            vertex = min(max(vertex, -lane[TRUST]), lane[TRUST])
            lane[LAST_STEP] = vertex
            step = max(vertex * lane_step_rad, settings.lowest_angle_rad - gamma)
            found = abs(step) < settings.found_angle_rad or lane[TRUST] * lane_step_rad < settings.found_angle_rad
            lane[FOUND] = 1.0 if found else 0.0
            lane[LOW + 6] = gamma + step - lane_step_rad
            lane[HIGH + 6] = gamma + step + lane_step_rad
            if minimum_energy and step == step:  # each lane's boost and impact time move with its angle
                ratio = step / lane_step_rad
                next_downrange = carry_lanes(lane, 0, next_downrange, ratio)
                next_alt = carry_lanes(lane, 1, next_alt, ratio)
                next_time = carry_lanes(lane, 5, next_time, ratio)
        if minimum_energy:
            gamma += step if step == step else 0.0
            lane[0], lane[1] = next_downrange, next_alt
        else:
            tried = boost_speed_step(tried, shot[SPEED], bracket)
            lane[1], lane[0], _ = boost_shape_row(burn_time, tried, shot[ANGLE], nominal_alt, integrals)
        lane[5], lane[6], lane[7] = next_time, gamma, time_slope
        lane[2], lane[3], lane[4] = px, py, pz
        shot[MOVED] = shot_moved
        if (shot_moved < settings.settled_m and abs(step) < settings.settled_angle_rad) or not np.isfinite(shot_moved):
            break


@numba.njit(**ARITHMETIC)
def load_lane(lane, offset, lanes, row):
    # one lane of a kernels.Lane into the row's state buffer
    lane[offset], lane[offset + 1], lane[offset + 5] = (
        lanes.downrange[row],
        lanes.burnout_alt[row],
        lanes.impact_time[row],
    )
    lane[offset + 2], lane[offset + 3], lane[offset + 4] = lanes.pole[row, 0], lanes.pole[row, 1], lanes.pole[row, 2]
    lane[offset + 6], lane[offset + 7] = lanes.inertial_angle[row], lanes.time_slope[row]


@numba.njit(**ARITHMETIC)
def store_lane(lane, offset, lanes, row):
    lanes.downrange[row], lanes.burnout_alt[row], lanes.impact_time[row] = (
        lane[offset],
        lane[offset + 1],
        lane[offset + 5],
    )
    lanes.pole[row, 0], lanes.pole[row, 1], lanes.pole[row, 2] = lane[offset + 2], lane[offset + 3], lane[offset + 4]
    lanes.inertial_angle[row], lanes.time_slope[row] = lane[offset + 6], lane[offset + 7]


@numba.njit(**ARITHMETIC)
def settle_one(i, geometry, centre, sides, search, earth, integrals, settings, shot):
    # one row of ``settle``, out of its parallel loop: parfor's lowering mixed up the output arrays
    # of a body this long
    u_launch, u_virtual = geometry.u_launch, geometry.u_virtual
    n = u_launch.shape[0]
    lane = np.empty(LANE_STATE)
    load_lane(lane, 0, centre, i)
    load_lane(lane, LOW, sides, i)
    load_lane(lane, HIGH, sides, i + n)
    lane[TRUST], lane[LAST_STEP] = search.trust[i], search.last_step[i]
    lane[FOUND] = 1.0 if search.found[i] else 0.0
    row_shot = np.empty(SHOT_STATE)
    settle_row(
        u_launch[i, 0], u_launch[i, 1], u_launch[i, 2], geometry.launch_radius[i], u_virtual[i, 0],
        u_virtual[i, 1], u_virtual[i, 2], geometry.target_radius[i], geometry.burn_time[i],
        geometry.nominal_alt[i], geometry.fixed_angle[i], search.minimum_energy[i], lane, row_shot, earth,
        integrals, settings,
    )  # fmt: skip
    store_lane(lane, 0, centre, i)
    store_lane(lane, LOW, sides, i)
    store_lane(lane, HIGH, sides, i + n)
    search.trust[i], search.last_step[i], search.found[i] = lane[TRUST], lane[LAST_STEP], lane[FOUND] != 0.0
    for k in range(3):
        shot.position[i, k], shot.velocity[i, k] = row_shot[k], row_shot[3 + k]
    shot.speed[i], shot.angle[i] = row_shot[SPEED], row_shot[ANGLE]
    shot.shape_alt[i], shot.shape_downrange[i], shot.shape_blend[i] = (
        row_shot[SHAPE_ALT],
        row_shot[SHAPE_DOWNRANGE],
        row_shot[SHAPE_BLEND],
    )
    shot.moved[i], shot.overflown[i] = row_shot[MOVED], row_shot[OVERFLOWN] != 0.0


@numba.njit(**PARALLEL)
def settle(geometry, centre, sides, search, earth, integrals, settings, shot):
    """rounds.Problem.fly's rounds for every row (``settle_row``): lanes and the search are updated in
    place, the last centre shot is written to ``shot`` (the named tuples of kernels.settle)."""
    for i in numba.prange(geometry.u_launch.shape[0]):
        settle_one(i, geometry, centre, sides, search, earth, integrals, settings, shot)
