"""The numba-compiled kernels behind :mod:`securityroof.kernels` (imported only when they are used).

Module-level functions, so that numba's on-disk cache can key them by their code alone: the first
run on a machine compiles them (some seconds), later runs load them.
"""

import numba
import numpy as np


@numba.njit(inline="always", cache=True)
def nan_min(a, b):
    # np.minimum's rule: NaN wins, so a NaN margin is never "visible"
    if a != a or b != b:
        return np.nan
    return a if a < b else b


@numba.njit(cache=True, parallel=True, nogil=True, error_model="numpy")
def kepler_samples(
    times, flying, t0, a, e, m0, mean_motion, p_vec, q_vec, omega, grid, grid_cos, grid_sin, position, speed
):
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
                anomaly = mean + ei * np.sin(mean)
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


@numba.njit(cache=True, parallel=True, nogil=True, error_model="numpy")
def boost_samples(
    times, columns, burn, blend, sin_bo, burnout_alt, downrange, burnout_speed, u_launch, heading, grid,
    speed_grid, early_grid, late_grid, propellant_fraction, log_mass_ratio, a, b, position, speed,
):  # fmt: skip
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


@numba.njit(inline="always", cache=True)
def geodetic_height(x, y, z, a, f):
    # ecef_to_geodetic's three Bowring passes, with the angles carried as (cos, sin) pairs:
    # the same iterates, from square roots instead of arctangents and sines
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
    return p * cos_lat + z * sin_lat - a * np.sqrt(1.0 - e2 * sin_lat * sin_lat)


@numba.njit(cache=True, parallel=True, nogil=True, error_model="numpy")
def radar_first_detection(
    times, position, reach, site, basis, sin_min_el, sin_max_el, sin_bore, cos_bore, cos_half, all_round,
    track_formation_s, impact_time, detect, track, reason,
):  # fmt: skip
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
                reason[i] = 4  # NotSeen.TOO_LATE
                track[i] = np.nan
            else:
                reason[i] = 0
        else:
            track[i] = np.nan
            reason[i] = 3 if in_sector_any else (2 if above_any else 1)


@numba.njit(inline="always", cache=True)
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


@numba.njit(inline="always", cache=True)
def flyout_time(table, g_cells, h_cells, ground, alt, ground_top, alt_top, never):
    # FlyoutTable.__call__: bilinear, "nearest" at the edges, inf outside or next to never
    gi = ground / ground_top * (g_cells - 1)
    hi = alt / alt_top * (h_cells - 1)
    if not (gi >= 0.0 and gi <= g_cells - 1 and hi >= 0.0 and hi <= h_cells - 1):
        return np.inf
    g0 = min(int(np.floor(gi)), g_cells - 1)
    h0 = min(int(np.floor(hi)), h_cells - 1)
    g1, h1 = min(g0 + 1, g_cells - 1), min(h0 + 1, h_cells - 1)
    wg, wh = gi - g0, hi - h0
    value = (
        table[g0, h0] * (1.0 - wg) * (1.0 - wh)
        + table[g0, h1] * (1.0 - wg) * wh
        + table[g1, h0] * wg * (1.0 - wh)
        + table[g1, h1] * wg * wh
    )
    return value if value < 0.5 * never else np.inf


@numba.njit(cache=True, parallel=True, nogil=True, error_model="numpy")
def sites_windows(
    times, position, boosting, angle_per_sample, launch, site_up, cut_angle, half_chord_cut, max_range, min_alt,
    max_alt, tables, g_cells, h_cells, ground_top, alt_top, launch_delay_s, mean_radius, equatorial_radius,
    flattening, never, kill_assessment_s, max_shots,
    reason, first_time, first_index, last_time, first_alt, margin, shots,
):  # fmt: skip
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
                reason[j, i] = 0
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
                    reason[j, i] = 6  # too-late
                elif in_range_any and not reaches_min_alt:
                    reason[j, i] = 5  # below-min-altitude
                else:
                    reason[j, i] = 4  # out-of-reach
