"""The conic pieces of targeting (:mod:`securityroof.physics.targeting`), over arrays of trajectories.

The closed-form conic between two radii (speed, time of flight, minimum-energy angle: the numba
formulas of :mod:`securityroof.physics.formulas`, imported when a shot is first computed), Lambert's
flight-path angle for a given flight time, and the search for the conic that comes down on a
turning target at a requested Earth-relative burnout angle (:func:`fixed_angle_arc`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from securityroof.physics.earth import central_angle, great_circle_heading, rotate_about_z


def _formulas():
    # numba, which compiles them, takes most of a second to import: paid when a shot is first
    # computed, not when a scenario check imports ``coincident``
    from securityroof.physics import formulas

    return formulas


def conic_speed(burnout_radius, target_radius, psi, gamma, mu):
    """:func:`securityroof.physics.formulas.conic_speed` over arrays (NaN: no ballistic arc)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return _formulas().conic_speeds(burnout_radius, target_radius, psi, gamma, mu)


def conic_speed_from_trig(burnout_radius, target_radius, cos_psi, sin_psi, cos_gamma, sin_gamma, mu):
    """:func:`securityroof.physics.formulas.conic_speed_from_trig` over arrays (NaN: no ballistic arc)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return _formulas().conic_speeds_from_trig(
            burnout_radius, target_radius, cos_psi, sin_psi, cos_gamma, sin_gamma, mu
        )


def stable_conic_speed(burnout_radius, target_radius, psi, gamma, mu):
    """:func:`securityroof.physics.formulas.stable_conic_speed` over arrays (NaN: no ballistic arc)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return _formulas().stable_conic_speeds(burnout_radius, target_radius, psi, gamma, mu)


def conic_time_of_flight(burnout_radius, speed, gamma, target_radius, mu):
    """:func:`securityroof.physics.formulas.conic_time_of_flight` over arrays: the time down to
    ``target_radius`` on the descending branch."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return _formulas().conic_times_of_flight(burnout_radius, speed, gamma, target_radius, mu)


def minimum_energy_angle(burnout_radius, target_radius, psi):
    """Flight-path angle of the minimum-speed conic between two radii over central angle ``psi``
    (:func:`securityroof.physics.formulas.minimum_energy_angle` over arrays)."""
    return _formulas().minimum_energy_angles(burnout_radius, target_radius, psi)


def parabola_vertex(low, middle, high):
    """:func:`securityroof.physics.formulas.parabola_vertex` over arrays."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return _formulas().parabola_vertices(low, middle, high)


def dot(a, b):
    return np.einsum("...i,...i->...", a, b)


#: Cap on the chord steps of each search in :func:`fixed_angle_arc`; a dozen or two settle it.
ARC_SEARCH_STEPS = 100
#: Doublings or halvings of the flight time that bracket the fixed-angle arc's impact time.
ARC_BRACKET_STEPS = 60
#: Where they find no bracket, flight times from 1 ms up by this ratio are tried
#: (:func:`_scan_for_rising_root`), and the peak between them is found to within 1e-8 of the
#: flight time by this many golden-section steps.
ARC_SCAN_RATIO = 1.25
ARC_GOLDEN_STEPS = 40
_GOLDEN = 0.5 * (np.sqrt(5.0) - 1.0)


#: No ballistic flight between two points on the Earth lasts longer (the escape limit is far below).
LONGEST_FLIGHT_S = 4.0 * 3600.0
_ARC_SCAN_FLIGHTS_S = np.append(
    1e-3 * ARC_SCAN_RATIO ** np.arange(np.ceil(np.log(LONGEST_FLIGHT_S / 1e-3) / np.log(ARC_SCAN_RATIO))),
    LONGEST_FLIGHT_S,
)


def _rising_root(function, lo, hi, f_lo, f_hi, tolerance):
    """Root of increasing functions, row by row, in brackets with f_lo < 0 < f_hi (an infinite
    f_hi bisects): chord steps with the Illinois rule (the value kept at an end that stays is
    halved), until the bracket is ``tolerance`` of the root wide."""
    lo, hi, f_lo, f_hi = np.broadcast_arrays(lo, hi, f_lo, f_hi)
    x = lo
    last = np.zeros(lo.shape, dtype=np.int8)  # which end the previous step moved: -1 low, +1 high
    for _ in range(ARC_SEARCH_STEPS):
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


def lambert_angle(burnout_radius, target_radius, psi, flight_time, mu):
    """Inertial flight-path angle of the conic from burnout to a target ``psi`` away that comes down
    on it after ``flight_time``; about 0 where even a horizontal burnout takes longer (the arc would
    start downwards). Along the conics through the target the flight time grows with the angle, from
    the straight line to infinity at the escape speed; both ends are open (hyperbolic), the early
    one below the minimum-energy angle and the late one above it."""
    lowest_speed = minimum_energy_angle(burnout_radius, target_radius, psi)

    def lateness(gamma):
        speed = stable_conic_speed(burnout_radius, target_radius, psi, gamma, mu)
        with np.errstate(invalid="ignore", divide="ignore"):
            late = np.log(conic_time_of_flight(burnout_radius, speed, gamma, target_radius, mu) / flight_time)
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


def fixed_angle_arc(burnout_i, burnout_radius, frame_velocity, u_virtual, target_radius, burn_time, angle, guess,
                     omega, mu) -> _Arc:  # fmt: skip
    """The conic from burnout that comes down on the (turning) target with the Earth-relative
    flight-path angle ``angle``, from the impact time ``guess``; NaN where the search finds none.

    For a trial impact time T the target's inertial position is known and the conic reaching it
    after T − t_bo is Lambert's (:func:`lambert_angle`); the angle of its velocity relative to the
    Earth (the inertial one less the frame's, ω × B), less the angle asked, is E(T), which grows
    with T (a longer flight is a steeper one) up to a peak and, for steep shots, falls beyond it.
    T is bracketed by doubling or halving the flight time from ``guess`` (up to
    LONGEST_FLIGHT_S), or else by :func:`_scan_for_rising_root`, and the root where E rises is
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
        gamma = lambert_angle(burnout_radius[rows], target_radius[rows], psi, time - burn_time[rows], mu)
        speed = stable_conic_speed(burnout_radius[rows], target_radius[rows], psi, gamma, mu)
        along = speed * np.cos(gamma) - dot(frame_velocity[rows], horizontal)
        across = dot(frame_velocity[rows], np.cross(burnout_i[rows], horizontal))
        relative = np.arctan2(speed * np.sin(gamma), np.hypot(along, across))
        return relative - angle[rows], speed, gamma, horizontal

    n = guess.shape[0]
    every = np.arange(n)
    flight = np.clip(guess - burn_time, 1e-3, LONGEST_FLIGHT_S)
    error = evaluate(burn_time + flight, every)[0]
    # an exact hit (E = 0, as a settled lane gives) is a bracket of its own
    lo, e_lo = np.where(error <= 0.0, flight, np.nan), np.where(error <= 0.0, error, np.nan)
    hi, e_hi = np.where(error >= 0.0, flight, np.nan), np.where(error >= 0.0, error, np.nan)
    for _ in range(ARC_BRACKET_STEPS):
        open_up, open_down = np.isnan(hi) & np.isfinite(lo), np.isnan(lo) & np.isfinite(hi)
        rows = np.flatnonzero((open_up & (lo < LONGEST_FLIGHT_S)) | open_down)
        if rows.size == 0:
            break
        trial = np.where(open_up[rows], np.minimum(2.0 * lo[rows], LONGEST_FLIGHT_S), 0.5 * hi[rows])
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
    ``error(flights, rows)`` the E of :func:`fixed_angle_arc`.

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
        left = best[rows] / ARC_SCAN_RATIO
        left_error = error(left, rows)
        a, b = np.log(left), np.log(np.minimum(best[rows] * ARC_SCAN_RATIO, LONGEST_FLIGHT_S))
        for _ in range(ARC_GOLDEN_STEPS):
            c, d = b - _GOLDEN * (b - a), a + _GOLDEN * (b - a)
            rises = error(np.exp(c), rows) < error(np.exp(d), rows)
            a, b = np.where(rises, c, a), np.where(rises, b, d)
        peak = np.exp(0.5 * (a + b))
        peak_error = error(peak, rows)
        found = (left_error < 0.0) & (peak_error >= 0.0)
        lo[rows], e_lo[rows] = np.where(found, left, np.nan), np.where(found, left_error, np.nan)
        hi[rows], e_hi[rows] = np.where(found, peak, np.nan), np.where(found, peak_error, np.nan)
    return lo, e_lo, hi, e_hi
