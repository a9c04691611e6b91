"""The numba-compiled kernels behind :mod:`securityroof.physics.kernels` (imported only when they are used):
sampling, radar first detection, site windows and the propagation to impact; targeting's rounds
(``settle``) are in :mod:`securityroof.physics._compiled_targeting` and its whole passes (``target_rows``) in
:mod:`securityroof.physics._compiled_solve`, re-exported here.

Module-level functions, so that numba's on-disk cache can key them by their code alone: the first
run on a machine compiles them (some seconds), later runs load them.
"""

import numba
import numpy as np

from securityroof.physics._compiled_solve import IMPACT_STATE, kepler_impact_row, target_rows
from securityroof.physics._compiled_targeting import PARALLEL, settle
from securityroof.physics.formulas import flyout_time, geodetic_height
from securityroof.physics.reasons import Infeasible, NotSeen

__all__ = ["settle", "target_rows"]  # targeting's kernels, re-exported for kernels._compiled()

# Plain ints, which numba freezes into the compiled code as constants.
_SEEN, _BELOW_HORIZON, _OUT_OF_SECTOR, _OUT_OF_RANGE, _TRACK_TOO_LATE = (
    int(NotSeen.SEEN), int(NotSeen.BELOW_HORIZON), int(NotSeen.OUT_OF_SECTOR), int(NotSeen.OUT_OF_RANGE),
    int(NotSeen.TOO_LATE),
)  # fmt: skip
_FEASIBLE, _OUT_OF_REACH, _BELOW_MIN, _TOO_LATE = (
    int(Infeasible.FEASIBLE), int(Infeasible.OUT_OF_REACH), int(Infeasible.BELOW_MIN), int(Infeasible.TOO_LATE),
)  # fmt: skip


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


@numba.njit(**PARALLEL)
def kepler_impacts(position, velocity, burn_time, earth, lands, time, impact_position, impact_velocity, apogee_alt):
    """rounds._propagated on point-mass gravity (``kepler_impact_row``) for every row, into the output
    arrays; rows that do not land keep NaN."""
    for i in numba.prange(position.shape[0]):
        impact_row(i, position, velocity, burn_time, earth, lands, time, impact_position, impact_velocity, apogee_alt)


@numba.njit(cache=True)
def impact_row(i, position, velocity, burn_time, earth, lands, time, impact_position, impact_velocity, apogee_alt):
    impact = np.empty(IMPACT_STATE)
    kepler_impact_row(
        position[i, 0], position[i, 1], position[i, 2], velocity[i, 0], velocity[i, 1], velocity[i, 2],
        burn_time[i], earth, impact,
    )  # fmt: skip
    lands[i], time[i], apogee_alt[i] = impact[0] != 0.0, impact[1], impact[8]
    for k in range(3):
        impact_position[i, k], impact_velocity[i, k] = impact[2 + k], impact[5 + k]
