"""The numba-compiled kernels behind :mod:`securityroof.physics.kernels` (imported only when they are used).

Module-level functions, so that numba's on-disk cache can key them by their code alone: the first
run on a machine compiles them (some seconds), later runs load them.
"""

import numba
import numpy as np

from securityroof.physics.formulas import (
    bilinear_nearest,
    conic_speed,
    conic_time_of_flight,
    flyout_time,
    geodetic_height,
    mean_anomaly,
    minimum_energy_angle,
    parabola_vertex,
    stable_conic_speed,
)
from securityroof.physics.reasons import Infeasible, NotSeen

# Plain ints, which numba freezes into the compiled code as constants.
_SEEN, _BELOW_HORIZON, _OUT_OF_SECTOR, _OUT_OF_RANGE, _TRACK_TOO_LATE = (
    int(NotSeen.SEEN), int(NotSeen.BELOW_HORIZON), int(NotSeen.OUT_OF_SECTOR), int(NotSeen.OUT_OF_RANGE),
    int(NotSeen.TOO_LATE),
)  # fmt: skip
_FEASIBLE, _OUT_OF_REACH, _BELOW_MIN, _TOO_LATE = (
    int(Infeasible.FEASIBLE), int(Infeasible.OUT_OF_REACH), int(Infeasible.BELOW_MIN), int(Infeasible.TOO_LATE),
)  # fmt: skip

#: The kernels proper: cached on disk, parallel over trajectories, releasing the GIL, and with
#: numpy's floating-point rules (a division by zero gives inf or NaN, as in the reference).
PARALLEL = {"cache": True, "parallel": True, "nogil": True, "error_model": "numpy"}


@numba.njit(cache=True)
def nan_min(a, b):
    # np.minimum's rule: NaN wins, so a NaN margin is never "visible"
    if a != a or b != b:
        return np.nan
    return a if a < b else b


@numba.njit(**PARALLEL)
def kepler_samples(arcs, frame, out):
    """ballistic.KeplerArcs.states then earth.inertial_to_ecef at each flying sample; ``arcs``,
    ``frame`` and ``out`` are the named tuples of kernels.kepler_samples."""
    t0, a, e, m0, mean_motion = arcs.t0_s, arcs.semi_major_m, arcs.eccentricity, arcs.mean_anomaly_0, arcs.mean_motion
    p_vec, q_vec = arcs.p_vec, arcs.q_vec
    times, flying, grid, grid_cos, grid_sin = frame.time_s, frame.flying, frame.grid_s, frame.grid_cos, frame.grid_sin
    omega = frame.omega_rad_s
    position, speed = out.position_ecef_m, out.speed_mps
    n, t_count = times.shape
    for i in numba.prange(n):
        ei = e[i]
        root = np.sqrt(1.0 - ei * ei)
        anomaly = np.nan
        previous_mean = np.nan
        cos_e = sin_e = np.nan
        for k in range(t_count):
            if not flying[i, k]:
                position[i, k, 0] = position[i, k, 1] = position[i, k, 2] = np.nan
                speed[i, k] = np.nan
                continue
            t = times[i, k]
            mean = m0[i] + mean_motion[i] * (t - t0[i])
            # Samples are in time order: a Taylor step from the previous sample's anomaly, to
            # second order in ΔM (dE/dM = 1/(1 − e cos E), d²E/dM² = −e sin E/(1 − e cos E)³),
            # lands within ~1e-8 of the root for 5-s samples, a Newton step or two from it.
            if anomaly != anomaly:
                anomaly = mean + 0.85 * ei * np.sign(np.sin(mean))  # Danby's start, as KeplerArcs'
            else:
                change = mean - previous_mean
                slope = 1.0 / (1.0 - ei * cos_e)
                anomaly += change * slope - 0.5 * change * change * ei * sin_e * slope * slope * slope
            sin_e, cos_e = np.sin(anomaly), np.cos(anomaly)
            for _ in range(50):
                step = (anomaly - ei * sin_e - mean) / (1.0 - ei * cos_e)
                anomaly -= step
                # the sine and cosine at the corrected anomaly, to first order in the step,
                # which is exact to rounding once the step is below 1e-8
                if abs(step) < 1e-8:
                    sin_e, cos_e = sin_e - step * cos_e, cos_e + step * sin_e
                    if abs(step) < 1e-13:
                        break
                else:
                    sin_e, cos_e = np.sin(anomaly), np.cos(anomaly)
            previous_mean = mean
            rate = mean_motion[i] * a[i] / (1.0 - ei * cos_e)
            px, py = a[i] * (cos_e - ei), a[i] * root * sin_e
            vx, vy = -rate * sin_e, rate * root * cos_e
            if t == grid[k]:  # on the common time grid (all but the impact sample)
                c, s = grid_cos[k], grid_sin[k]
            else:
                c, s = np.cos(-omega * t), np.sin(-omega * t)
            rx = px * p_vec[i, 0] + py * q_vec[i, 0]
            ry = px * p_vec[i, 1] + py * q_vec[i, 1]
            rz = px * p_vec[i, 2] + py * q_vec[i, 2]
            ux = vx * p_vec[i, 0] + vy * q_vec[i, 0]
            uy = vx * p_vec[i, 1] + vy * q_vec[i, 1]
            uz = vx * p_vec[i, 2] + vy * q_vec[i, 2]
            x, y = c * rx - s * ry, s * rx + c * ry
            position[i, k, 0], position[i, k, 1], position[i, k, 2] = x, y, rz
            # Earth-relative velocity: the rotated inertial one minus ω × r
            wx = c * ux - s * uy + omega * y
            wy = s * ux + c * uy - omega * x
            speed[i, k] = np.sqrt(wx * wx + wy * wy + uz * uz)


@numba.njit(**PARALLEL)
def boost_samples(times, columns, rows, profile, earth, position, speed):
    """The boost part of sampling.sample_trajectories for the first ``columns`` samples, written into
    ``position`` and ``speed``; ``rows``, ``profile`` and ``earth`` are the named tuples of
    kernels.boost_samples."""
    burn, blend, sin_bo = rows.burn_time_s, rows.pitch_blend, rows.sin_burnout_angle
    burnout_alt, downrange, burnout_speed = rows.burnout_alt_m, rows.downrange_m, rows.burnout_speed_mps
    u_launch, heading = rows.u_launch, rows.heading
    grid, speed_grid, early_grid, late_grid = profile.grid, profile.speed, profile.early, profile.late
    propellant_fraction, log_mass_ratio = profile.propellant_fraction, profile.log_mass_ratio
    a, b = earth.equatorial_radius_m, earth.polar_radius_m
    n = times.shape[0]
    g = grid.size
    for i in numba.prange(n):
        # boost_profile's cumulative integrals of climb and along-track speed on the grid
        climb = np.empty(g)
        along = np.empty(g)
        climb[0] = along[0] = 0.0
        previous_climb = previous_along = 0.0
        for j in range(g):
            sin_gamma = sin_bo[i] + (1.0 - sin_bo[i]) * ((1.0 - blend[i]) * early_grid[j] + blend[i] * late_grid[j])
            climb_rate = speed_grid[j] * sin_gamma
            along_rate = speed_grid[j] * np.sqrt(max(1.0 - sin_gamma * sin_gamma, 0.0))
            if j > 0:
                width = grid[j] - grid[j - 1]
                climb[j] = climb[j - 1] + width * (climb_rate + previous_climb) / 2.0
                along[j] = along[j - 1] + width * (along_rate + previous_along) / 2.0
            previous_climb, previous_along = climb_rate, along_rate
        climb_scale = burnout_alt[i] / climb[g - 1] if climb[g - 1] > 0.0 else 0.0
        along_scale = downrange[i] / along[g - 1] if along[g - 1] > 0.0 else 0.0
        ux, uy, uz = u_launch[i, 0], u_launch[i, 1], u_launch[i, 2]
        launch_radius = 1.0 / np.sqrt((ux * ux + uy * uy) / (a * a) + uz * uz / (b * b))
        for k in range(columns):
            t = times[i, k]
            if not t < burn[i]:
                continue
            x = min(max(t / burn[i], 0.0), 1.0) if burn[i] > 0.0 else 1.0
            where = x * (g - 1)
            index = min(int(where), g - 2)
            weight = where - index
            alt = climb[index] * climb_scale * (1.0 - weight) + climb[index + 1] * climb_scale * weight
            arc = (
                along[index] * along_scale * (1.0 - weight) + along[index + 1] * along_scale * weight
            ) / launch_radius
            c, s = np.cos(arc), np.sin(arc)
            dx, dy, dz = c * ux + s * heading[i, 0], c * uy + s * heading[i, 1], c * uz + s * heading[i, 2]
            radius = 1.0 / np.sqrt((dx * dx + dy * dy) / (a * a) + dz * dz / (b * b)) + alt
            position[i, k, 0], position[i, k, 1], position[i, k, 2] = radius * dx, radius * dy, radius * dz
            speed[i, k] = burnout_speed[i] * (np.log1p(-propellant_fraction * x) / log_mass_ratio)


@numba.njit(**PARALLEL)
def radar_first_detection(targets, radar, found):
    """sensors.radar_detections for one radar, stopping at each trajectory's first detection;
    ``targets``, ``radar`` and ``found`` are the named tuples of kernels.radar_first_detection."""
    times, position = targets.time_s, targets.position_ecef_m
    reach, impact_time = targets.reach_m, targets.impact_time_s
    site, basis, all_round = radar.site_ecef_m, radar.basis, radar.all_round
    sin_min_el, sin_max_el = radar.sin_min_elevation, radar.sin_max_elevation
    sin_bore, cos_bore, cos_half = radar.sin_boresight_az, radar.cos_boresight_az, radar.cos_half_width
    track_formation_s = radar.track_formation_s
    detect, track, reason = found.detect_time_s, found.track_time_s, found.reason
    n, t_count = times.shape
    for i in numba.prange(n):
        above_any = False
        in_sector_any = False
        previous_margin = -np.inf
        previous_time = np.nan
        detect[i] = np.nan
        for k in range(t_count):
            t = times[i, k]
            if t != t:
                previous_margin, previous_time = -np.inf, t
                continue
            dx = position[i, k, 0] - site[0]
            dy = position[i, k, 1] - site[1]
            dz = position[i, k, 2] - site[2]
            east = dx * basis[0, 0] + dy * basis[0, 1] + dz * basis[0, 2]
            north = dx * basis[1, 0] + dy * basis[1, 1] + dz * basis[1, 2]
            up = dx * basis[2, 0] + dy * basis[2, 1] + dz * basis[2, 2]
            horizontal = np.sqrt(east * east + north * north)
            slant = np.sqrt(horizontal * horizontal + up * up)
            sin_elevation = up / slant
            elevation_margin = nan_min(sin_elevation - sin_min_el, sin_max_el - sin_elevation)
            if all_round or not horizontal > 0.0:
                sector_margin = 1.0
            else:
                sector_margin = (east * sin_bore + north * cos_bore) / horizontal - cos_half
            margin = nan_min(nan_min(elevation_margin, sector_margin), 1.0 - slant / reach[i])
            if elevation_margin >= 0.0:
                above_any = True
                if sector_margin >= 0.0:
                    in_sector_any = True
            if margin >= 0.0:
                if k > 0 and np.isfinite(previous_margin) and margin > previous_margin:
                    fraction = min(max(-previous_margin / (margin - previous_margin), 0.0), 1.0)
                    detect[i] = previous_time + fraction * (t - previous_time)
                elif k > 0:
                    detect[i] = previous_time + 1.0 * (t - previous_time)
                else:
                    detect[i] = t
                break
            previous_margin, previous_time = margin, t
        if detect[i] == detect[i]:
            track[i] = detect[i] + track_formation_s
            if track[i] > impact_time[i]:
                reason[i] = _TRACK_TOO_LATE
                track[i] = np.nan
            else:
                reason[i] = _SEEN
        else:
            track[i] = np.nan
            reason[i] = _OUT_OF_RANGE if in_sector_any else (_OUT_OF_SECTOR if above_any else _BELOW_HORIZON)


@numba.njit(cache=True)
def central_angle(half_chord):
    # 2 asin(half chord): the series to x^13 is exact to rounding below 0.1 (angles under
    # 11°, ranges under 1,270 km), and, unlike the arccos of a dot product, well conditioned
    # for small angles
    if half_chord > 0.1:
        return 2.0 * np.arcsin(min(half_chord, 1.0))
    x2 = half_chord * half_chord
    series = 231.0 / 13312.0
    for coefficient in (63.0 / 2816.0, 35.0 / 1152.0, 5.0 / 112.0, 3.0 / 40.0, 1.0 / 6.0, 1.0):
        series = coefficient + x2 * series
    return 2.0 * half_chord * series


@numba.njit(**PARALLEL)
def sites_windows(threats, launch, sites, earth, doctrine, windows):
    """engagement.engagement_windows of every site against every threat, launched at ``launch``
    (S, N); ``threats``, ``sites``, ``earth``, ``doctrine`` and ``windows`` (written) are the named
    tuples of kernels.sites_windows."""
    times, position, boosting = threats.time_s, threats.position_ecef_m, threats.boosting
    angle_per_sample = threats.angle_per_sample
    site_up, cut_angle, half_chord_cut = sites.up, sites.cut_angle_rad, sites.half_chord_cut
    max_range, min_alt, max_alt = sites.max_range_m, sites.min_alt_m, sites.max_alt_m
    tables, g_cells, h_cells, never = sites.flyout_s, sites.ground_cells, sites.alt_cells, sites.never_s
    ground_top, alt_top, launch_delay_s = sites.ground_top_m, sites.alt_top_m, sites.launch_delay_s
    mean_radius, equatorial_radius, flattening = earth.mean_radius_m, earth.equatorial_radius_m, earth.flattening
    kill_assessment_s, max_shots = doctrine.kill_assessment_s, doctrine.max_shots
    reason, first_index, shots = windows.reason, windows.first_index, windows.shots
    first_time, last_time, first_alt, margin = windows.first_time, windows.last_time, windows.first_alt, windows.margin
    n, t_count = times.shape
    inv_a2 = 1.0 / equatorial_radius**2
    inv_b2 = 1.0 / (equatorial_radius * (1.0 - flattening)) ** 2
    for i in numba.prange(n):
        # One threat against every site while its samples are in cache; heights are computed once,
        # when the first site needs them.
        heights = np.full(t_count, np.nan)
        reach_index = np.empty(t_count, dtype=np.int64)
        reach_tau = np.empty(t_count)
        step_angle = angle_per_sample[i]
        for j in range(site_up.shape[0]):
            table = tables[j]
            reachable_count = 0
            in_range_any = False
            reaches_min_alt = False
            latest_launch = -np.inf
            start = launch[j, i]
            first_time[j, i], first_index[j, i], last_time[j, i], first_alt[j, i] = np.nan, -1, np.nan, np.nan
            k = -1
            while k < t_count - 1:
                k += 1
                t = times[i, k]
                if t != t or boosting[i, k]:
                    continue
                x, y, z = position[i, k, 0], position[i, k, 1], position[i, k, 2]
                norm = np.sqrt(x * x + y * y + z * z)
                dx, dy, dz = x / norm - site_up[j, 0], y / norm - site_up[j, 1], z / norm - site_up[j, 2]
                half_chord = 0.5 * np.sqrt(dx * dx + dy * dy + dz * dz)  # sin of half the central angle
                if half_chord > half_chord_cut[j]:
                    # Far outside: the next samples cannot be back inside before they have
                    # covered the distance at the trajectory's top speed.
                    if step_angle > 0.0:
                        skip = (central_angle(half_chord) - cut_angle[j]) / step_angle
                        if skip >= 2.0:
                            k += int(min(skip, t_count)) - 1
                    continue
                ground = central_angle(half_chord) * mean_radius
                if not ground <= max_range[j]:
                    continue
                in_range_any = True
                # The height along the radius is within metres of the geodetic one at these
                # heights: outside a kilometre's band around the envelope's limits it decides.
                radial = norm - 1.0 / np.sqrt(((x * x + y * y) * inv_a2 + z * z * inv_b2) / (norm * norm))
                band = 1e3 + 1e-3 * abs(radial)
                if radial < min_alt[j] - band:
                    continue
                if radial > min_alt[j] + band:
                    reaches_min_alt = True
                    if radial > max_alt[j] + band:
                        continue
                h = heights[k]
                if h != h:
                    h = geodetic_height(x, y, z, equatorial_radius, flattening)
                    heights[k] = h
                if h >= min_alt[j]:
                    reaches_min_alt = True
                if not (h >= min_alt[j] and h <= max_alt[j]):
                    continue
                tau = flyout_time(table, g_cells[j], h_cells[j], ground, h, ground_top[j], alt_top[j], never)
                if not np.isfinite(tau):
                    continue
                reach_index[reachable_count] = k
                reach_tau[reachable_count] = tau
                reachable_count += 1
                latest_launch = max(latest_launch, t - tau)
                if t >= start + tau:
                    if first_index[j, i] < 0:
                        first_index[j, i], first_time[j, i], first_alt[j, i] = k, t, h
                    last_time[j, i] = t
            if first_index[j, i] >= 0:
                reason[j, i] = _FEASIBLE
                margin[j, i] = latest_launch - start
                # Shoot-look-shoot: each next shot lifts off after the previous intercept's kill
                # assessment, and its intercept point lies later along the reachable samples.
                count = 1
                after = first_index[j, i]
                entry = 0
                while reach_index[entry] != after:
                    entry += 1
                for _ in range(max_shots - 1):
                    following = times[i, after] + kill_assessment_s + launch_delay_s[j]
                    entry += 1
                    while entry < reachable_count and times[i, reach_index[entry]] < following + reach_tau[entry]:
                        entry += 1
                    if entry >= reachable_count:
                        break
                    count += 1
                    after = reach_index[entry]
                shots[j, i] = count
            else:
                margin[j, i] = np.nan
                shots[j, i] = 0
                if reachable_count:
                    reason[j, i] = _TOO_LATE
                elif in_range_any and not reaches_min_alt:
                    reason[j, i] = _BELOW_MIN
                else:
                    reason[j, i] = _OUT_OF_REACH


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
    # the transfer angle from the burnout direction b to the aim direction u turned ``turn`` about the
    # spin axis (where the aim point is at impact), and the unit horizontal towards it at burnout
    tx, ty = rotate_z(uvx, uvy, turn)
    tz = uvz
    cx, cy, cz = biy * tz - biz * ty, biz * tx - bix * tz, bix * ty - biy * tx
    dot = bix * tx + biy * ty + biz * tz
    psi = np.arctan2(np.sqrt(cx * cx + cy * cy + cz * cz), dot)
    gx, gy, gz = tx - dot * bix, ty - dot * biy, tz - dot * biz
    norm = np.sqrt(gx * gx + gy * gy + gz * gz)
    return psi, gx / norm, gy / norm, gz / norm


@numba.njit(**ARITHMETIC)
def arc_error(bix, biy, biz, burnout_radius, fvx, fvy, uvx, uvy, uvz, target_radius, burn_time, angle, time, omega,
              mu, steps):  # fmt: skip
    """E(T) of conics.fixed_angle_arc for one row, with the conic's speed, angle and horizontal."""
    psi, nx, ny, nz = transfer_geometry(bix, biy, biz, uvx, uvy, uvz, omega * time)
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
    integral_speed, integral_early, integral_late, table = (
        integrals.speed,
        integrals.early,
        integrals.late,
        integrals.downrange,
    )
    speed = speed if speed == speed else 0.0
    angle = angle if angle == angle else 0.0
    sin_bo = min(max(np.sin(angle), 0.0), 1.0)
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
    downrange, burnout_alt, px, py, pz, impact_time, inertial_angle, earth, integrals, settings,
):  # fmt: skip
    """rounds._shoot for one row: the burnout state (position, velocity, speed, angle), the
    boost shape it implies (altitude, downrange, blend), the lane's next pole, impact time and
    inertial angle, how far the state moved, and whether the boost overflies the aim point."""
    mu, omega = earth.mu_m3_s2, earth.rotation_rate_rad_s
    a, b = earth.equatorial_radius_m, earth.polar_radius_m
    inv_a2, inv_b2 = 1.0 / (a * a), 1.0 / (b * b)
    time_steps, longest_flight_s = settings.time_steps, settings.longest_flight_s
    burnout_arc = downrange / launch_radius
    hx, hy, hz = py * ulz - pz * uly, pz * ulx - px * ulz, px * uly - py * ulx
    c, s = np.cos(burnout_arc), np.sin(burnout_arc)
    ubx, uby, ubz = c * ulx + s * hx, c * uly + s * hy, c * ulz + s * hz
    burnout_radius = 1.0 / np.sqrt((ubx * ubx + uby * uby) * inv_a2 + ubz * ubz * inv_b2) + burnout_alt
    bix, biy = rotate_z(ubx, uby, omega * burn_time)
    biz = ubz
    fvx, fvy = omega * burnout_radius * -biy, omega * burnout_radius * bix
    fixed = fixed_angle == fixed_angle
    gamma = fixed_angle if fixed and omega == 0.0 else inertial_angle
    time = impact_time
    previous_time = previous_miss = np.nan
    speed_i = np.nan
    nx = ny = nz = np.nan
    next_time = time
    for settle in range(0 if omega != 0.0 and fixed else time_steps + 1):
        psi, nx, ny, nz = transfer_geometry(bix, biy, biz, uvx, uvy, uvz, omega * time)
        speed_i = conic_speed(burnout_radius, target_radius, psi, gamma, mu)
        time_miss = burn_time + conic_time_of_flight(burnout_radius, speed_i, gamma, target_radius, mu) - time
        next_time = time + time_miss
        if settle > 0:
            slope = (time_miss - previous_miss) / (time - previous_time)
            secant = time - time_miss / slope
            if np.isfinite(secant) and slope < -1e-3:
                next_time = secant
        if not np.isfinite(next_time):
            next_time = time
        next_time = min(max(next_time, burn_time), longest_flight_s)
        if settle == time_steps:
            break
        previous_time, previous_miss, time = time, time_miss, next_time
    if omega != 0.0 and fixed:
        next_time, speed_i, gamma, nx, ny, nz = fixed_angle_arc(
            bix, biy, biz, burnout_radius, fvx, fvy, uvx, uvy, uvz, target_radius, burn_time, fixed_angle, time,
            omega, mu, longest_flight_s, settings.arc_search_steps, settings.arc_bracket_steps,
            settings.arc_scan_ratio, settings.arc_golden_steps,
        )  # fmt: skip
        if next_time != next_time:
            next_time = time
    along, up = speed_i * np.cos(gamma), speed_i * np.sin(gamma)
    vix = along * nx + up * bix - fvx
    viy = along * ny + up * biy - fvy
    viz = along * nz + up * biz
    vx, vy = rotate_z(vix, viy, -omega * burn_time)
    vz = viz
    v_norm = np.sqrt(vx * vx + vy * vy + vz * vz)
    flight_angle = np.arcsin(min(max((vx * ubx + vy * uby + vz * ubz) / v_norm, -1.0), 1.0))
    # boost_shape at the burnout speed and angle this state implies
    new_alt, new_downrange, blend = boost_shape_row(burn_time, v_norm, flight_angle, nominal_alt, integrals)
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
    lx, ly, lz = uly * uvz - ulz * uvy, ulz * uvx - ulx * uvz, ulx * uvy - uly * uvx
    overflown = np.arctan2(np.sqrt(lx * lx + ly * ly + lz * lz), ulx * uvx + uly * uvy + ulz * uvz) <= burnout_arc
    r = burnout_radius
    return (
        r * ubx, r * uby, r * ubz, vx, vy, vz, v_norm, flight_angle, new_alt, new_downrange, blend,
        qx, qy, qz, next_time, gamma, np.nan if v_norm != v_norm else largest, overflown,
    )  # fmt: skip


@numba.njit(**PARALLEL)
def settle(geometry, centre, sides, search, earth, integrals, settings, shot):
    """rounds.Problem.fly's rounds for every row: the centre lane (and, for minimum energy,
    the side lanes γ ∓ one lane step) shot until nothing moves; lanes and the search are updated in
    place, the last centre shot is written to ``shot`` (the named tuples of kernels.settle)."""
    u_launch, launch_radius, u_virtual = geometry.u_launch, geometry.launch_radius, geometry.u_virtual
    target_radius, burn_time = geometry.target_radius, geometry.burn_time
    nominal_alt, fixed_angle = geometry.nominal_alt, geometry.fixed_angle
    downrange, burnout_alt, pole = centre.downrange, centre.burnout_alt, centre.pole
    impact_time, inertial_angle = centre.impact_time, centre.inertial_angle
    side_downrange, side_alt, side_pole = sides.downrange, sides.burnout_alt, sides.pole
    side_time, side_angle = sides.impact_time, sides.inertial_angle
    trust, last_step, found, minimum_energy = search.trust, search.last_step, search.found, search.minimum_energy
    position, velocity, speed, angle = shot.position, shot.velocity, shot.speed, shot.angle
    shape_alt, shape_downrange, shape_blend = shot.shape_alt, shot.shape_downrange, shot.shape_blend
    moved, overflown = shot.moved, shot.overflown
    lane_step_rad = settings.lane_step_rad
    n = u_launch.shape[0]
    for i in numba.prange(n):
        ulx, uly, ulz = u_launch[i, 0], u_launch[i, 1], u_launch[i, 2]
        uvx, uvy, uvz = u_virtual[i, 0], u_virtual[i, 1], u_virtual[i, 2]
        moved[i] = np.inf
        tried = np.nan
        bracket = np.array([np.nan, np.nan, np.nan, np.nan, 0.0])
        for _ in range(settings.rounds):
            (
                position[i, 0], position[i, 1], position[i, 2], velocity[i, 0], velocity[i, 1], velocity[i, 2],
                speed[i], angle[i], shape_alt[i], shape_downrange[i], shape_blend[i],
                px, py, pz, next_time, gamma, shot_moved, overflown[i],
            ) = shoot_row(
                ulx, uly, ulz, launch_radius[i], uvx, uvy, uvz, target_radius[i], burn_time[i], nominal_alt[i],
                fixed_angle[i], downrange[i], burnout_alt[i], pole[i, 0], pole[i, 1], pole[i, 2], impact_time[i],
                inertial_angle[i], earth, integrals, settings,
            )  # fmt: skip
            step = gamma - inertial_angle[i]  # fixed angles: moved in the shot
            if not found[i]:
                side_speed = np.empty(2)
                for side in range(2):
                    j = i + side * n  # the low lane, then the high one
                    (
                        _, _, _, _, _, _, side_speed[side], _, side_alt_next, side_downrange_next, _,
                        sx, sy, sz, side_time_next, _, _, _,
                    ) = shoot_row(
                        ulx, uly, ulz, launch_radius[i], uvx, uvy, uvz, target_radius[i], burn_time[i],
                        nominal_alt[i], fixed_angle[i], side_downrange[j], side_alt[j],
                        side_pole[j, 0], side_pole[j, 1], side_pole[j, 2], side_time[j], side_angle[j],
                        earth, integrals, settings,
                    )  # fmt: skip
                    side_downrange[j], side_alt[j], side_time[j] = side_downrange_next, side_alt_next, side_time_next
                    side_pole[j, 0], side_pole[j, 1], side_pole[j, 2] = sx, sy, sz
                vertex = parabola_vertex(side_speed[0], speed[i], side_speed[1])
                same_way = vertex * last_step[i]
                if same_way < 0.0:
                    trust[i] = 0.5 * trust[i]
                elif same_way > 0.0:
                    trust[i] = min(2.0 * trust[i], 4.0)
                vertex = min(max(vertex, -trust[i]), trust[i])
                last_step[i] = vertex
                step = max(vertex * lane_step_rad, settings.lowest_angle_rad - gamma)
                found[i] = abs(step) < settings.found_angle_rad or trust[i] * lane_step_rad < settings.found_angle_rad
                side_angle[i] = gamma + step - lane_step_rad
                side_angle[i + n] = gamma + step + lane_step_rad
            if minimum_energy[i]:
                gamma += step if step == step else 0.0
                downrange[i], burnout_alt[i] = shape_downrange[i], shape_alt[i]
            else:
                tried = boost_speed_step(tried, speed[i], bracket)
                burnout_alt[i], downrange[i], _ = boost_shape_row(
                    burn_time[i], tried, angle[i], nominal_alt[i], integrals
                )  # fmt: skip
            impact_time[i], inertial_angle[i] = next_time, gamma
            pole[i, 0], pole[i, 1], pole[i, 2] = px, py, pz
            moved[i] = shot_moved
            if (shot_moved < settings.settled_m and abs(step) < settings.settled_angle_rad) or not np.isfinite(
                shot_moved
            ):
                break


@numba.njit(cache=True)
def surface_radius(x, y, z, a, b):
    """earth.surface_radius_m of one geocentric unit vector."""
    return 1.0 / np.sqrt((x * x + y * y) / (a * a) + z * z / (b * b))


@numba.njit(**PARALLEL)
def kepler_impacts(position, velocity, burn_time, earth, lands, time, impact_position, impact_velocity, apogee_alt):
    """rounds._propagated on point-mass gravity (ballistic.KeplerArcs.impact from Earth-fixed
    burnout states) for every row, into the output arrays; rows that do not land keep NaN."""
    mu, omega = earth.mu_m3_s2, earth.rotation_rate_rad_s
    a, b, f = earth.equatorial_radius_m, earth.polar_radius_m, earth.flattening
    two_pi = 2.0 * np.pi
    for i in numba.prange(position.shape[0]):
        lands[i] = False
        time[i] = apogee_alt[i] = np.nan
        for k in range(3):
            impact_position[i, k] = impact_velocity[i, k] = np.nan
        x, y, z = position[i, 0], position[i, 1], position[i, 2]
        vx, vy, vz = velocity[i, 0], velocity[i, 1], velocity[i, 2]
        hx, hy, hz = y * vz - z * vy, z * vx - x * vz, x * vy - y * vx
        if not np.sqrt(hx * hx + hy * hy + hz * hz) > 0.0:
            continue  # no state, or a radial one: no orbital plane
        # ecef_to_inertial
        t0 = burn_time[i]
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
            continue
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
            continue
        nu = two_pi - np.arccos(cos_nu)
        if not nu > nu0 - 1e-12:
            continue  # a burnout state at or under the surface on the descending branch
        t = t0 + (mean_anomaly(nu, e) - mean_anomaly(nu0, e)) / mean_motion
        c, s = np.cos(nu), np.sin(nu)
        r = p / (1.0 + e * c)
        scale = np.sqrt(mu / p)
        # inertial_to_ecef at the impact time
        ix, iy = rotate_z(r * (c * px + s * qx), r * (c * py + s * qy), -omega * t)
        iz = r * (c * pz + s * qz)
        jx, jy = rotate_z(scale * (-s * px + (e + c) * qx), scale * (-s * py + (e + c) * qy), -omega * t)
        jz = scale * (-s * pz + (e + c) * qz)
        lands[i], time[i] = True, t
        impact_position[i, 0], impact_position[i, 1], impact_position[i, 2] = ix, iy, iz
        impact_velocity[i, 0], impact_velocity[i, 1], impact_velocity[i, 2] = jx + omega * iy, jy - omega * ix, jz
        apogee_nu = nu0 if nu0 >= np.pi else np.pi
        c, s = np.cos(apogee_nu), np.sin(apogee_nu)
        r = p / (1.0 + e * c)
        apogee_alt[i] = geodetic_height(r * (c * px + s * qx), r * (c * py + s * qy), r * (c * pz + s * qz), a, f)
