"""Compiled kernels for the hot loops, one per numpy reference function.

The physics is written, documented and validated once, in numpy, in its own module:
targeting's consistency rounds (:meth:`securityroof.physics.rounds.Problem.fly` and its
:func:`securityroof.physics.rounds._shoot`), its propagation to impact
(:meth:`securityroof.physics.ballistic.KeplerArcs.impact`) and its Newton passes on the aim point
(:func:`securityroof.physics.targeting._iterate`; on point-mass gravity the whole of targeting, start to
kink searches, is one kernel: :func:`target`),
:func:`securityroof.physics.sampling.sample_trajectories` (:meth:`securityroof.physics.ballistic.KeplerArcs.states`
and :func:`securityroof.physics.boost.boost_profile`), :func:`securityroof.physics.sensors.radar_detections` and
:func:`securityroof.physics.engagement.engagement_windows` (with :func:`securityroof.physics.earth.ecef_to_geodetic`).
The numpy versions work on whole (trajectories × samples) arrays, so they compute every sample
even where the answer was settled long before (a radar that saw the missile at the third sample,
a site thousands of kilometres away) and hold a dozen temporaries of that size. The kernels here
do the same arithmetic one trajectory at a time, in parallel over trajectories, stopping as soon
as the answer is known; ``tests/reference/test_kernels.py`` holds each to its reference.

They are used unless ``SECURITYROOF_JIT`` is ``0``; :func:`disabled` turns
them off for a block (the benchmarks' plain-way baselines and the agreement tests use it).
Compiled code is cached on disk by numba, so only the first run on a machine pays the compilation.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import platform
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from typing import NamedTuple

import numpy as np

from securityroof import lifeline

#: Set inside :func:`disabled`; a context variable, so that one thread's reference run leaves the
#: others on the kernels.
_switched_off: ContextVar[bool] = ContextVar("securityroof_kernels_switched_off", default=False)


@cache
def _numba():
    # a required dependency, imported only when a kernel or its threading is first needed
    import numba

    return numba


def active() -> bool:
    """Whether the compiled kernels are in use."""
    return not _switched_off.get() and _available()


@cache
def _available() -> bool:
    return os.environ.get("SECURITYROOF_JIT", "1") != "0"


@contextmanager
def disabled():
    """Run a block on the numpy reference path."""
    token = _switched_off.set(True)
    try:
        yield
    finally:
        _switched_off.reset(token)


def process_pool(max_workers: int) -> ProcessPoolExecutor:
    """A process pool whose workers are safe to start after kernels ran here and run their own
    kernels on one thread each.

    GNU OpenMP, one of the threading layers numba's parallel kernels can run on, does not survive a
    fork: where workers are forked and kernels have run here on OpenMP, they are forked from a
    fresh server process instead (which costs a second or so of start-up). Each worker is one of
    as many as there are cores, so its kernels keep to one thread instead of competing for them.
    """
    context = multiprocessing.get_context()
    if context.get_start_method() == "fork" and not _fork_safe():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["securityroof.physics.targeting", "securityroof.physics.engagement"])
    return ProcessPoolExecutor(
        max_workers=max_workers,
        mp_context=context,
        initializer=_worker_started,
        initargs=(lifeline.parent_signal_is_safe(context.get_start_method()),),
    )


def _worker_started(parent_signal: bool) -> None:
    # a driver killed outright must not leave its workers running (see securityroof.lifeline)
    lifeline.die_with_parent(parent_signal)
    _single_threaded()
    settle_allocator()


def _fork_safe() -> bool:
    """Whether this process can fork: no kernels ran yet, or they run on a fork-safe threading
    layer (TBB, or numba's own workqueue; not GNU OpenMP)."""
    if not _compiled.cache_info().currsize:
        return True
    try:
        return _numba().threading_layer() != "omp"
    except ValueError:  # compiled but no parallel region has run
        return True


def parallel_calls_safe() -> bool:
    """Whether kernels may run from several threads of this process at once: the TBB and OpenMP
    threading layers allow it; numba's own workqueue, used where neither is installed, does not."""
    numba = _numba()
    numba.get_num_threads()  # starts the threading layer, which is only then known
    return numba.threading_layer() in ("tbb", "omp")


def _single_threaded() -> None:
    _numba().set_num_threads(1)


#: glibc's own ceiling for the mmap threshold it raises as big blocks are freed (64-bit), bytes.
MMAP_THRESHOLD_B = 32 * 2**20
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters (malloc.h)


@cache
def settle_allocator() -> bool:
    """Let this process reuse the memory of freed arrays, as glibc does by default, where
    ``MALLOC_TRIM_THRESHOLD_`` has stopped it; returns whether it had to.

    Dask's nannies start every worker with ``MALLOC_TRIM_THRESHOLD_=65536``, to hand freed memory
    back to the system at once. Any such setting also freezes glibc's mmap threshold at 128 KiB,
    so every array above that (a variant allocates many trajectory-sized temporaries) is
    mapped afresh and faulted in page by page: a robustness variant cost about 15 % more CPU on
    a Dask worker than in a pool's. Here the thresholds are set to where glibc's own adjustment
    takes them (an mmap threshold up to 32 MiB, a trim threshold of twice that): a worker keeps up
    to 64 MiB of freed memory for its next arrays. Elsewhere nothing is changed."""
    if "MALLOC_TRIM_THRESHOLD_" not in os.environ or platform.libc_ver()[0] != "glibc":
        return False
    try:
        # the process's own symbols, libc's among them: find_library would run ldconfig in a subprocess
        libc = ctypes.CDLL(None)
        return bool(
            libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_B) and libc.mallopt(_M_TRIM_THRESHOLD, 2 * MMAP_THRESHOLD_B)
        )
    except (OSError, AttributeError):  # no usable libc: the batches run as they are, only slower
        return False


@contextmanager
def one_thread():
    """Kernels launched from this thread in the block run on one thread: for work that is itself
    one of many running side by side (a sweep batch in any executor's worker)."""
    numba = _numba()
    threads = numba.get_num_threads()
    numba.set_num_threads(1)  # numba's setting is per thread
    try:
        yield
    finally:
        numba.set_num_threads(threads)


@cache
def _compiled():
    """The compiled kernels (compiled on first use, or loaded from numba's cache)."""
    from securityroof.physics import _compiled_kernels

    return _compiled_kernels


def kepler_samples(arcs, times, grid, flying, omega, rows=slice(None)):
    """Earth-fixed positions (N, T, 3) and Earth-relative speeds (N, T) of the Kepler ``arcs`` (the
    ``rows`` of a :class:`~securityroof.physics.ballistic.KeplerArcs`) at the ``flying`` samples
    (elsewhere NaN): its ``states`` followed by :func:`~securityroof.physics.earth.inertial_to_ecef`.
    ``times`` (N, T) are ``grid`` (T,) but for each row's last sample (its impact), and NaN after it;
    ``omega`` is the Earth's rotation rate."""
    out = ArcSamples(np.empty(times.shape + (3,)), np.empty(times.shape))
    turn = -float(omega) * grid
    elements = EllipticArcs(
        arcs.t0[rows], arcs.a[rows], arcs.e[rows], arcs.M0[rows], arcs.mean_motion[rows],
        np.ascontiguousarray(arcs.P[rows]), np.ascontiguousarray(arcs.Q[rows]),
    )  # fmt: skip
    _compiled().kepler_samples(
        elements, SampleFrame(times, flying, grid, np.cos(turn), np.sin(turn), float(omega)), out
    )
    return out.position_ecef_m, out.speed_mps


def kepler_impacts(position, velocity, burn_time, earth):
    """Where Earth-fixed burnout states land on point-mass gravity: ``lands``, impact time,
    Earth-fixed impact position and velocity, apogee height (NaN where a row does not land), as
    :class:`~securityroof.physics.ballistic.KeplerArcs`'s ``impact`` from
    :func:`~securityroof.physics.ballistic.free_flight` gives them."""
    n = position.shape[0]
    lands, time, apogee = np.empty(n, dtype=np.bool_), np.empty(n), np.empty(n)
    impact_position, impact_velocity = np.empty((n, 3)), np.empty((n, 3))
    _compiled().kepler_impacts(
        np.ascontiguousarray(position, dtype=float), np.ascontiguousarray(velocity, dtype=float),
        np.ascontiguousarray(burn_time, dtype=float), EarthFigure.of(earth),
        lands, time, impact_position, impact_velocity, apogee,
    )  # fmt: skip
    return lands, time, impact_position, impact_velocity, apogee


# The record types below are named in numba's on-disk cache index: one moved or renamed makes the
# cached kernels that took it fail to load (numba issue 6018), so they live here, with the kernels,
# and the modules they serve import them (boost.BoostIntegrals, the numpy boost's own, stays put).


class EllipticArcs(NamedTuple):
    """Kepler ellipses per trajectory: epoch, semi-major axis, eccentricity, mean anomaly at the
    epoch, mean motion, and the perifocal unit vectors P and Q (N, 3), inertial frame."""

    t0_s: np.ndarray
    semi_major_m: np.ndarray
    eccentricity: np.ndarray
    mean_anomaly_0: np.ndarray
    mean_motion: np.ndarray
    p_vec: np.ndarray
    q_vec: np.ndarray


class SampleFrame(NamedTuple):
    """Where and how arcs are sampled: times (N, T) and which of them fly, the grid (T,) with the
    cosine and sine of the Earth's turn at each grid time, and the Earth's rotation rate."""

    time_s: np.ndarray
    flying: np.ndarray
    grid_s: np.ndarray
    grid_cos: np.ndarray
    grid_sin: np.ndarray
    omega_rad_s: float


class ArcSamples(NamedTuple):
    """Earth-fixed positions (N, T, 3) and Earth-relative speeds (N, T), written by the kernel."""

    position_ecef_m: np.ndarray
    speed_mps: np.ndarray


class Geometry(NamedTuple):
    """What one targeting pass (:meth:`securityroof.physics.rounds.Problem.fly`) holds fixed for each
    trajectory: launch point, virtual aim point, missile."""

    u_launch: np.ndarray
    launch_radius: np.ndarray
    u_virtual: np.ndarray
    target_radius: np.ndarray
    burn_time: np.ndarray
    nominal_alt: np.ndarray
    fixed_angle: np.ndarray  # requested Earth-relative burnout angle; NaN: minimum energy

    def take(self, index) -> Geometry:
        return Geometry(*(field[index] for field in self))


class RoundSettings(NamedTuple):
    """The settings of targeting's rounds (:mod:`securityroof.physics.rounds`), as the compiled rounds
    take them."""

    time_steps: int
    time_met: float
    slope_step_s: float
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


class EarthFigure(NamedTuple):
    """What the kernels need of an :class:`~securityroof.physics.earth.Earth`."""

    mu_m3_s2: float
    rotation_rate_rad_s: float
    equatorial_radius_m: float
    polar_radius_m: float
    mean_radius_m: float
    flattening: float

    @classmethod
    def of(cls, earth) -> EarthFigure:
        return cls(
            float(earth.mu_m3_s2), float(earth.rotation_rate_rad_s), float(earth.equatorial_radius_m),
            float(earth.polar_radius_m), float(earth.mean_radius_m), float(earth.flattening),
        )  # fmt: skip


class BoostProfileGrid(NamedTuple):
    """:func:`securityroof.physics.boost.boost_profile`'s fixed ingredients on its ``PROFILE_GRID``:
    speed fraction, early and late pitch weights, and the rocket equation's constants."""

    grid: np.ndarray
    speed: np.ndarray
    early: np.ndarray
    late: np.ndarray
    propellant_fraction: float
    log_mass_ratio: float


@cache
def _boost_profile_grid() -> BoostProfileGrid:
    from securityroof.physics.boost import PROFILE_GRID, PROPELLANT_FRACTION, pitch_weight, speed_fraction

    return BoostProfileGrid(
        PROFILE_GRID, speed_fraction(PROFILE_GRID), pitch_weight(PROFILE_GRID, 0.0), pitch_weight(PROFILE_GRID, 1.0),
        PROPELLANT_FRACTION, float(np.log1p(-PROPELLANT_FRACTION)),
    )  # fmt: skip


class BoostRows(NamedTuple):
    """Each row's boost (a :class:`~securityroof.physics.boost.BoostShape`'s arrays) and its launch
    great circle: unit launch direction and heading (N, 3)."""

    burn_time_s: np.ndarray
    pitch_blend: np.ndarray
    sin_burnout_angle: np.ndarray
    burnout_alt_m: np.ndarray
    downrange_m: np.ndarray
    burnout_speed_mps: np.ndarray
    u_launch: np.ndarray
    heading: np.ndarray


def boost_samples(times, columns: int, shape, u_launch, heading, earth, position, speed) -> None:
    """Boost-phase positions and speeds written into the first ``columns`` of ``position`` (N, T, 3)
    and ``speed`` (N, T) where ``times`` is before burnout: the boost part of
    :func:`securityroof.physics.sampling.sample_trajectories` (:func:`securityroof.physics.boost.boost_profile`
    along the launch great circle)."""
    rows = BoostRows(
        shape.burn_time_s, shape.pitch_blend, np.sin(shape.burnout_angle_rad), shape.burnout_alt_m,
        shape.downrange_m, shape.burnout_speed_mps, np.ascontiguousarray(u_launch), np.ascontiguousarray(heading),
    )  # fmt: skip
    _compiled().boost_samples(times, int(columns), rows, _boost_profile_grid(), EarthFigure.of(earth), position, speed)


class RadarView(NamedTuple):
    """A :class:`~securityroof.physics.sensors.Radar` as its detection test uses it: its site (ECEF)
    and east-north-up basis (rows), and its limits as sines and cosines."""

    site_ecef_m: np.ndarray  # (3,)
    basis: np.ndarray  # (3, 3)
    sin_min_elevation: float
    sin_max_elevation: float
    sin_boresight_az: float
    cos_boresight_az: float
    cos_half_width: float
    all_round: bool
    track_formation_s: float


class RadarTargets(NamedTuple):
    """The sampled trajectories one radar looks at: times (N, T), positions (N, T, 3), and per
    trajectory its detection range and impact time."""

    time_s: np.ndarray
    position_ecef_m: np.ndarray
    reach_m: np.ndarray
    impact_time_s: np.ndarray


class FirstDetections(NamedTuple):
    """First detection, track time and reason code per trajectory, written by the kernel."""

    detect_time_s: np.ndarray
    track_time_s: np.ndarray
    reason: np.ndarray

    @classmethod
    def empty(cls, n: int) -> FirstDetections:
        return cls(np.empty(n), np.empty(n), np.empty(n, dtype=np.int8))


def radar_first_detection(times, position, reach_m, site, basis, radar, impact_time):
    """First detection, track time and reason code per trajectory for one radar (see
    :func:`securityroof.physics.sensors.radar_detections`)."""
    view = RadarView(
        np.asarray(site, dtype=float), np.ascontiguousarray(basis, dtype=float),
        float(np.sin(radar.min_elevation_rad)), float(np.sin(radar.max_elevation_rad)),
        float(np.sin(radar.boresight_az_rad)), float(np.cos(radar.boresight_az_rad)),
        float(np.cos(radar.azimuth_half_width_rad)), bool(radar.azimuth_half_width_rad >= np.pi),
        float(radar.track_formation_s),
    )  # fmt: skip
    found = FirstDetections.empty(times.shape[0])
    _compiled().radar_first_detection(RadarTargets(times, position, reach_m, impact_time), view, found)
    return found


#: Stand-in for "never" inside a fly-out table (:class:`securityroof.physics.flyout.FlyoutTable`), so
#: bilinear lookups next to the envelope's edge come out huge (unreachable) instead of NaN; here, with
#: the compiled lookups that read the tables, so that the fly-out module builds on this one alone.
NEVER_S = 1e9


class SiteTable(NamedTuple):
    """S interceptor sites, one entry per site: unit up direction (S, 3), the angular cut beyond
    which a sample is out of range and its half-chord sine, the envelope, the fly-out tables padded
    to one shape (S, G, H) with each one's own cell counts and far corner, and the launch delay."""

    up: np.ndarray
    cut_angle_rad: np.ndarray
    half_chord_cut: np.ndarray
    max_range_m: np.ndarray
    min_alt_m: np.ndarray
    max_alt_m: np.ndarray
    flyout_s: np.ndarray
    ground_cells: np.ndarray
    alt_cells: np.ndarray
    ground_top_m: np.ndarray
    alt_top_m: np.ndarray
    launch_delay_s: np.ndarray
    never_s: float  # the tables' "cannot reach"

    @classmethod
    def of(cls, sites, site_up, mean_radius_m: float) -> SiteTable:
        count = len(sites)
        max_range = np.array([site.max_ground_range_m for site in sites], dtype=float)
        cut_angle = np.minimum(max_range / mean_radius_m * (1.0 + 1e-9) + 1e-12, np.pi)
        shapes = np.array([site.flyout.time_s.shape for site in sites], dtype=np.int64).reshape(count, 2)
        tables = np.full((count, *shapes.max(axis=0, initial=1)), NEVER_S)
        for j, site in enumerate(sites):
            tables[j, : shapes[j, 0], : shapes[j, 1]] = site.flyout.time_or_never_s
        return cls(
            np.ascontiguousarray(site_up, dtype=float).reshape(count, 3), cut_angle, np.sin(0.5 * cut_angle),
            max_range, np.array([site.min_intercept_alt_m for site in sites], dtype=float),
            np.array([site.max_intercept_alt_m for site in sites], dtype=float),
            tables, shapes[:, 0].copy(), shapes[:, 1].copy(),
            np.array([site.flyout.ground_range_m[-1] for site in sites], dtype=float),
            np.array([site.flyout.altitude_m[-1] for site in sites], dtype=float),
            np.array([site.launch_delay_s for site in sites], dtype=float), float(NEVER_S),
        )  # fmt: skip


class SampledThreats(NamedTuple):
    """N sampled threat trajectories as the windows kernel reads them: times (N, T), positions
    (N, T, 3), whether each sample is in the boost, and a bound on the geocentric angle moved
    between consecutive samples (N,; NaN: unknown)."""

    time_s: np.ndarray
    position_ecef_m: np.ndarray
    boosting: np.ndarray
    angle_per_sample: np.ndarray


class Doctrine(NamedTuple):
    """Shoot-look-shoot: the kill assessment after each intercept, and the shots counted at most."""

    kill_assessment_s: float
    max_shots: int


class SiteWindows(NamedTuple):
    """Reason code, first feasible time, index and height, last feasible time, launch margin and
    shot count, each (S, N), written by the kernel."""

    reason: np.ndarray
    first_time: np.ndarray
    first_index: np.ndarray
    last_time: np.ndarray
    first_alt: np.ndarray
    margin: np.ndarray
    shots: np.ndarray

    @classmethod
    def empty(cls, count: int, n: int) -> SiteWindows:
        def floats():
            return np.empty((count, n))

        return cls(
            np.empty((count, n), dtype=np.int8), floats(), np.empty((count, n), dtype=np.int64), floats(), floats(),
            floats(), np.empty((count, n), dtype=np.int64),
        )  # fmt: skip


def sites_windows(samples, launch, sites, site_up, earth, kill_s, shots_max) -> SiteWindows:
    """:func:`securityroof.physics.engagement.engagement_windows` for every one of S ``sites`` against
    N sampled trajectories (a :class:`~securityroof.physics.engagement.Samples`), given the launch
    times (S, N) and each site's unit up direction (S, 3).

    With the samples' ``angle_per_sample`` (N,), a bound on the geocentric angle a trajectory moves
    between consecutive samples (NaN: unknown), samples far outside a site's range are skipped."""
    threats = SampledThreats(
        samples.time_s, samples.position_ecef_m, samples.boosting,
        np.asarray(samples.angle_per_sample, dtype=float),
    )  # fmt: skip
    figure = EarthFigure.of(earth)
    table = SiteTable.of(sites, site_up, figure.mean_radius_m)
    windows = SiteWindows.empty(len(sites), samples.time_s.shape[0])
    _compiled().sites_windows(
        threats, np.ascontiguousarray(launch), table, figure, Doctrine(float(kill_s), int(shots_max)), windows
    )
    return windows


class Lane(NamedTuple):
    """A :class:`securityroof.physics.rounds._Lane`'s arrays, updated in place by the kernel."""

    downrange: np.ndarray
    burnout_alt: np.ndarray
    pole: np.ndarray
    impact_time: np.ndarray
    inertial_angle: np.ndarray
    time_slope: np.ndarray


class Search(NamedTuple):
    """The minimum-energy search of each row: trust region, last step, whether the angle is found,
    and whether the row searches at all (a fixed angle does not)."""

    trust: np.ndarray
    last_step: np.ndarray
    found: np.ndarray
    minimum_energy: np.ndarray


class Shot(NamedTuple):
    """The last centre shot of every row, written by the kernel."""

    position: np.ndarray  # (N, 3)
    velocity: np.ndarray  # (N, 3)
    speed: np.ndarray
    angle: np.ndarray
    shape_alt: np.ndarray
    shape_downrange: np.ndarray
    shape_blend: np.ndarray
    moved: np.ndarray
    overflown: np.ndarray

    @classmethod
    def empty(cls, n: int) -> Shot:
        return cls(np.empty((n, 3)), np.empty((n, 3)), *(np.empty(n) for _ in range(6)), np.empty(n, dtype=np.bool_))


def settle(geometry, centre, sides, search: Search, earth, settings) -> Shot:
    """Targeting's consistency rounds for every row (see :meth:`securityroof.physics.rounds.Problem.fly`):
    lanes and the ``search`` updated in place; returns the last centre shot. ``geometry`` and
    ``settings`` are the rounds' named tuples (:mod:`securityroof.physics.rounds`), taken by the kernel as they are."""
    from securityroof.physics.boost import boost_integrals

    lanes = [
        Lane(
            lane.downrange,
            lane.burnout_alt,
            np.ascontiguousarray(lane.pole),
            lane.impact_time,
            lane.inertial_angle,
            lane.time_slope,
        )
        for lane in (centre, sides)
    ]
    centre.pole, sides.pole = (lane.pole for lane in lanes)
    geometry = geometry._replace(
        u_launch=np.ascontiguousarray(geometry.u_launch), u_virtual=np.ascontiguousarray(geometry.u_virtual)
    )
    shot = Shot.empty(geometry.u_launch.shape[0])
    _compiled().settle(geometry, *lanes, search, EarthFigure.of(earth), boost_integrals(), settings, shot)
    return shot


class TargetLimits(NamedTuple):
    """Targeting's constants as the compiled solve takes them (:mod:`securityroof.physics.targeting` and
    :mod:`securityroof.physics.rounds` hold their values and say what each is)."""

    tolerance_m: float
    max_iterations: int
    hopeless_margin: float
    jacobian_step_rad: float
    max_step_rad: float
    boost_tolerance_m: float
    angle_tolerance_rad: float
    start_flight_to_altitude: float
    start_trust: float
    kink_window_rad: float
    past_kink_rad: float
    at_kink_rad: float
    kink_trust: float
    same_speed_mps: float


#: Rows a thread of :func:`target` takes at a time.
TARGET_ROW_BLOCK = 256


def target(u_launch, u_aim, aim, fixed_angle, burn_time, nominal_alt, max_speed, earth, settings, limits: TargetLimits):
    """Targeting for every row (see :func:`securityroof.physics.targeting.solve`, whose start, passes and
    searches beyond the boost's kinks this replaces on point-mass gravity) from the unit launch and
    aim directions and the aim point (ECEF): the answers by
    :class:`~securityroof.physics.targeting._Fields` name, the reason codes and each row's passes."""
    from securityroof.physics import _compiled_solve as layout
    from securityroof.physics.boost import boost_integrals

    n = u_launch.shape[0]
    problem = np.empty((n, layout.PROBLEM_COLUMNS))
    problem[:, layout.U_LAUNCH : layout.U_LAUNCH + 3] = u_launch
    problem[:, layout.U_AIM : layout.U_AIM + 3] = u_aim
    problem[:, layout.AIM : layout.AIM + 3] = aim
    problem[:, layout.BURN_TIME], problem[:, layout.NOMINAL_ALT] = burn_time, nominal_alt
    problem[:, layout.FIXED_ANGLE], problem[:, layout.MAX_SPEED] = fixed_angle, max_speed
    answers = np.empty((n, layout.ANSWER_COLUMNS))
    reasons, passes = np.empty(n, dtype=np.int8), np.empty(n, dtype=np.int64)
    # Rows differ in cost up to tenfold (a search beyond a kink doubles one), so the threads take
    # them in blocks as each frees up, not in one fixed share each, which left a thread idle at
    # the end of every call, and longer when another call's thread took part of a core.
    with _numba().parallel_chunksize(TARGET_ROW_BLOCK):
        _compiled().target_rows(
            problem, EarthFigure.of(earth), boost_integrals(), settings, limits, answers, reasons, passes,
        )  # fmt: skip
    fields = {
        name: answers[:, start] if width == 1 else answers[:, start : start + width]
        for name, (start, width) in layout.ANSWER_LAYOUT.items()
    }
    fields["lands"] = fields["lands"] != 0.0
    return fields, reasons, passes
