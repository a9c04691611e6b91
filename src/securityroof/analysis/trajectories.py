"""The public trajectory API: validated inputs in degrees, typed results, numpy arrays.

``trajectory(...)`` answers one launch/aim pair; ``trajectories(...)`` answers many at once (the fast
path: one vectorized solve). Both return results whose ``records()`` / ``to_dict()`` carry the
stable keys of ``roof trajectory --json``, units in the key names.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from pyproj import Geod

from securityroof.analysis import arrow
from securityroof.errors import InputError
from securityroof.model.catalog import IDEAL_MISSILE, Catalog, CatalogError, MissileClass, load_catalog
from securityroof.physics.earth import (
    LATITUDE_RANGE_DEG,
    LONGITUDE_RANGE_DEG,
    Earth,
    earth_model,
    ecef_to_geodetic,
)
from securityroof.physics.reasons import Unreachable
from securityroof.physics.sampling import sample_trajectory
from securityroof.physics.targeting import MissileArrays, TargetingSolution, reasons, solve

#: The ideal missile of the textbook minimum-energy problem: burnout at the launch point, at
#: whatever speed the trajectory needs.
IDEAL = IDEAL_MISSILE


def _check_range(name: str, values: np.ndarray, low: float, high: float, lines: np.ndarray | None = None) -> None:
    bad = ~np.isfinite(values) | (values < low) | (values > high)
    if np.any(bad):
        index = int(np.flatnonzero(bad)[0])
        where = f"line {int(lines[index])}: " if lines is not None else ""
        raise InputError(f"{where}{name}: {float(values[index]):g} is not a number in [{low:g}, {high:g}]")


def _numbers(name: str, values) -> np.ndarray:
    """``values`` as a one-dimensional float array, or an InputError naming ``name``."""
    try:
        array = np.atleast_1d(np.asarray(values, dtype=float))
    except (TypeError, ValueError):
        raise InputError(f"{name}: expected numbers, got {values!r}") from None
    if array.ndim != 1:
        raise InputError(f"{name}: expected a number or a one-dimensional array, got shape {array.shape}")
    return array


def validate_points(launch_lat_deg, launch_lon_deg, aim_lat_deg, aim_lon_deg, lines=None):
    """Degrees as float arrays, checked: latitudes in [-90, 90], longitudes in [-180, 360].

    ``lines``: the file line of each entry, for messages about a batch file."""
    names = ("launch_lat_deg", "launch_lon_deg", "aim_lat_deg", "aim_lon_deg")
    given = (launch_lat_deg, launch_lon_deg, aim_lat_deg, aim_lon_deg)
    arrays = [_numbers(name, values) for name, values in zip(names, given, strict=True)]
    bounds = (LATITUDE_RANGE_DEG, LONGITUDE_RANGE_DEG) * 2
    for name, values, (low, high) in zip(names, arrays, bounds, strict=True):
        _check_range(name, values, low, high, lines)
    try:
        return np.broadcast_arrays(*arrays)
    except ValueError:
        sizes = ", ".join(str(a.size) for a in arrays)
        raise InputError(
            f"launch_lat_deg, launch_lon_deg, aim_lat_deg, aim_lon_deg: {sizes} values; they must match or be one value"
        ) from None


def missile_arrays(names, n: int, catalog: Catalog | None = None) -> MissileArrays:
    """Per-trajectory missile parameters from class names (``ideal`` or a name in ``catalog``,
    by default the package's)."""
    names = np.broadcast_to(np.asarray(names, dtype=object), (n,))
    burn = np.zeros(n)
    alt = np.zeros(n)
    speed = np.full(n, np.inf)
    catalog = catalog or load_catalog()
    # the classes numbered in order of appearance: a dict does it in a sixth of np.unique's sort of strings
    index: dict = {}
    codes = np.fromiter((index.setdefault(name, len(index)) for name in names.tolist()), dtype=np.int64, count=n)
    for given, k in index.items():
        name = str(given)
        if name == IDEAL:
            continue
        missile: MissileClass = catalog.missile(name)
        rows = codes == k
        burn[rows] = missile.burn_time_s
        alt[rows] = missile.burnout_altitude_m
        speed[rows] = missile.burnout_speed_mps
    return MissileArrays(
        name=np.asarray(names, dtype=object), burn_time_s=burn, burnout_alt_m=alt, max_burnout_speed_mps=speed
    )


def _geod(earth: Earth) -> Geod:
    return Geod(a=earth.equatorial_radius_m, f=earth.flattening)


#: Pairs per thread below which the geodesic distances are computed in one call.
_GEODESIC_CHUNK = 5_000


def geodesic_km(earth: Earth, lon0, lat0, lon1, lat1) -> np.ndarray:
    """Geodesic distances (km) on ``earth``'s ellipsoid, in slices on as many threads as there are
    cores when there are many: pyproj releases the interpreter lock, and one call on 100,000 pairs
    (0.1 s) was a tenth of their targeting's time, with the other core idle."""
    geod = _geod(earth)
    n = np.size(lon0)
    threads = min(os.cpu_count() or 1, n // _GEODESIC_CHUNK)
    if threads < 2:
        return np.asarray(geod.inv(lon0, lat0, lon1, lat1)[2]) / 1e3
    cuts = np.linspace(0, n, threads + 1).astype(int)
    with ThreadPoolExecutor(threads, thread_name_prefix="geodesic") as pool:
        parts = pool.map(lambda a, b: geod.inv(lon0[a:b], lat0[a:b], lon1[a:b], lat1[a:b])[2], cuts[:-1], cuts[1:])
        return np.concatenate(list(parts)) / 1e3


@dataclass(frozen=True)
class TrajectorySet:
    """Targeted trajectories for N launch/aim pairs, with the inputs that made them."""

    launch_lat_deg: np.ndarray
    launch_lon_deg: np.ndarray
    aim_lat_deg: np.ndarray
    aim_lon_deg: np.ndarray
    burnout_angle_deg: np.ndarray  # NaN: minimum energy
    earth: Earth
    solution: TargetingSolution

    def __len__(self) -> int:
        return self.solution.reachable.size

    @cached_property
    def reasons(self) -> list[str | None]:
        return reasons(self.solution, np.radians(self.burnout_angle_deg))

    @cached_property
    def ground_range_km(self) -> np.ndarray:
        """Geodesic distance on the model Earth from launch to aim point."""
        return geodesic_km(self.earth, self.launch_lon_deg, self.launch_lat_deg, self.aim_lon_deg, self.aim_lat_deg)

    def columns(self) -> dict[str, np.ndarray]:
        """The summary as columns: the keys of ``roof trajectory --json``, the burnout state split into
        six columns. Entries of unreachable trajectories are NaN here and ``None`` in ``records()``."""
        sol = self.solution
        ok = sol.reachable
        impact_lat, impact_lon, _ = ecef_to_geodetic(sol.impact.position_ecef_m, self.earth)
        burnout_alt = ecef_to_geodetic(sol.burnout_position_ecef_m, self.earth)[2]

        def when_ok(values):
            return np.where(ok, values, np.nan)

        columns = {
            "reachable": ok,
            "reason": np.array(self.reasons, dtype=object),
            "missile": sol.missile.name.astype(str),
            "launch_lat_deg": self.launch_lat_deg,
            "launch_lon_deg": self.launch_lon_deg,
            "aim_lat_deg": self.aim_lat_deg,
            "aim_lon_deg": self.aim_lon_deg,
            "ground_range_km": self.ground_range_km,
            "flight_time_s": when_ok(sol.impact.time_s),
            "apogee_km": when_ok(sol.impact.apogee_alt_m / 1e3),
            "burnout_speed_km_s": when_ok(sol.burnout_speed_mps / 1e3),
            "burnout_angle_deg": when_ok(np.degrees(sol.burnout_angle_rad)),
            "burnout_time_s": when_ok(sol.burnout_time_s),
            "burnout_altitude_km": when_ok(burnout_alt / 1e3),
        }
        for axis, name in enumerate(("burnout_x_m", "burnout_y_m", "burnout_z_m")):
            columns[name] = when_ok(sol.burnout_position_ecef_m[:, axis])
        for axis, name in enumerate(("burnout_vx_m_s", "burnout_vy_m_s", "burnout_vz_m_s")):
            columns[name] = when_ok(sol.burnout_velocity_ecef_mps[:, axis])
        columns["impact_lat_deg"] = when_ok(np.degrees(impact_lat))
        columns["impact_lon_deg"] = when_ok(np.degrees(impact_lon))
        columns["miss_distance_m"] = when_ok(sol.miss_m)
        needed = np.where(
            np.isin(sol.reason_code, (Unreachable.NONE, Unreachable.TOO_FAST)), sol.burnout_speed_mps / 1e3, np.nan
        )
        columns["required_burnout_speed_km_s"] = needed
        return columns

    def to_arrow(self):
        """:meth:`columns` as an Arrow table (the batch file's columns; nulls where a value does not exist)."""
        return arrow.table(self.columns())

    def to_pandas(self):
        """:meth:`to_arrow` as a pandas DataFrame (needs pandas)."""
        return arrow.frame(self.to_arrow())

    def records(self) -> list[dict]:
        """One JSON-ready dict per trajectory (NaN becomes ``None``; the burnout state one list)."""
        columns = self.columns()
        state_keys = ("burnout_x_m", "burnout_y_m", "burnout_z_m", "burnout_vx_m_s", "burnout_vy_m_s", "burnout_vz_m_s")
        model = {
            "earth": self.earth.name,
            "rotating": self.earth.rotating,
            "gravity": "point-mass+J2" if self.earth.j2 else "point-mass",
        }
        out = []
        for i in range(len(self)):
            record = {}
            for key, values in columns.items():
                if key in state_keys:
                    continue
                record[key] = _json_value(values[i])
                if key == "burnout_altitude_km":
                    state = [_json_value(columns[k][i]) for k in state_keys]
                    record["burnout_state_ecef_m"] = None if state[0] is None else state
            record.update(model)
            out.append(record)
        return out

    def samples(self, index: int, step_s: float) -> dict[str, np.ndarray]:
        """Trajectory ``index`` sampled every ``step_s`` seconds from launch to impact (impact last):
        time, ECEF position, geodetic latitude/longitude/altitude, Earth-relative speed, and phase."""
        if not self.solution.reachable[index]:
            raise InputError(f"trajectory {index}: not reachable, nothing to sample ({self.reasons[index]})")
        return sample_trajectory(self.solution, index, step_s, self.earth)


def _json_value(value):
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if value is None:
        return None
    if isinstance(value, (float, np.floating)):
        return None if not np.isfinite(value) else float(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    return value


def trajectories(
    launch_lat_deg,
    launch_lon_deg,
    aim_lat_deg,
    aim_lon_deg,
    *,
    missile=IDEAL,
    burnout_angle_deg=None,
    earth: str | Earth = "wgs84",
    rotating: bool = True,
    j2: bool = False,
    catalog: Catalog | None = None,
) -> TrajectorySet:
    """Targeted trajectories for many launch/aim pairs at once (degrees; arrays broadcast).

    ``missile``: a catalog class name, ``"ideal"`` (burns out instantly at the launch point with
    whatever speed is needed), or an array of names. ``burnout_angle_deg``: the flight-path angle at
    burnout above the local horizontal, per pair or for all; None or NaN for minimum energy.
    ``earth``: ``"wgs84"`` or ``"sphere"`` (or an :class:`Earth`, which then overrides ``rotating`` and ``j2``).
    ``catalog``: where missile names are looked up (default: the package's catalog).
    """
    model = earth if isinstance(earth, Earth) else _earth(earth, rotating, j2)
    points = validate_points(launch_lat_deg, launch_lon_deg, aim_lat_deg, aim_lon_deg)
    angle = _numbers("burnout_angle_deg", np.nan if burnout_angle_deg is None else burnout_angle_deg)
    names = np.atleast_1d(np.asarray(missile, dtype=object))
    # an empty list beside points would silently broadcast them away; no points at all is no trajectories
    if names.ndim != 1 or (points[0].size and not (names.size and angle.size)):
        raise InputError("burnout_angle_deg and missile: each must be one value or a one-dimensional array of them")
    try:
        shape = np.broadcast_shapes(points[0].shape, angle.shape, names.shape)
    except ValueError:
        raise InputError(
            f"burnout_angle_deg ({angle.size} values) and missile ({names.size}) must match the launch/aim "
            f"points ({points[0].size}) or be one value"
        ) from None
    lat_l, lon_l, lat_a, lon_a = (np.broadcast_to(a, shape) for a in points)
    angle, missile = np.broadcast_to(angle, shape).copy(), np.broadcast_to(names, shape)
    given = ~np.isnan(angle)
    if np.any(given & ((angle <= 0.0) | (angle >= 90.0) | ~np.isfinite(angle))):
        bad = angle[given & ((angle <= 0.0) | (angle >= 90.0) | ~np.isfinite(angle))][0]
        raise InputError(f"burnout_angle_deg: {float(bad):g} must lie strictly between 0 and 90 degrees")
    try:
        missiles = missile_arrays(missile, lat_l.size, catalog)
    except CatalogError as error:
        raise InputError(str(error)) from None
    solution = solve(
        np.radians(lat_l), np.radians(lon_l), np.radians(lat_a), np.radians(lon_a), missiles, np.radians(angle), model
    )
    return TrajectorySet(lat_l, lon_l, lat_a, lon_a, angle, model, solution)


def _earth(name: str, rotating: bool, j2: bool) -> Earth:
    try:
        return earth_model(name, rotating=rotating, j2=j2)
    except ValueError as error:
        raise InputError(str(error)) from None


@dataclass(frozen=True)
class Trajectory:
    """One targeted trajectory: ``summary`` holds the ``--json`` keys, ``samples`` the sampled path
    (None unless a step was asked for)."""

    summary: dict
    samples: dict[str, np.ndarray] | None

    @property
    def reachable(self) -> bool:
        return self.summary["reachable"]

    def to_dict(self) -> dict:
        out = dict(self.summary)
        if self.samples is not None:
            out["samples"] = [
                {
                    "time_s": float(t),
                    "lat_deg": float(lat),
                    "lon_deg": float(lon),
                    "alt_km": float(alt / 1e3),
                    "speed_km_s": float(v / 1e3),
                    "phase": str(phase),
                }
                for t, lat, lon, alt, v, phase in zip(
                    self.samples["time_s"],
                    self.samples["lat_deg"],
                    self.samples["lon_deg"],
                    self.samples["alt_m"],
                    self.samples["speed_mps"],
                    self.samples["phase"],
                    strict=True,
                )
            ]
        return out


def _is_number(value) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def _point(name: str, value) -> tuple[float, float]:
    """``(lat_deg, lon_deg)``: exactly two numbers, or an InputError naming ``name``."""
    parts = list(value) if isinstance(value, (tuple, list, np.ndarray)) else None
    if parts is None or len(parts) != 2 or not all(_is_number(p) for p in parts):
        raise InputError(f"{name}: expected (lat_deg, lon_deg), two numbers; got {value!r}")
    return float(parts[0]), float(parts[1])


def trajectory(
    launch: tuple[float, float],
    aim: tuple[float, float],
    *,
    missile: str = IDEAL,
    burnout_angle_deg: float | None = None,
    earth: str | Earth = "wgs84",
    rotating: bool = True,
    j2: bool = False,
    step_s: float | None = None,
) -> Trajectory:
    """One targeted trajectory from ``launch`` to ``aim`` (each ``(lat_deg, lon_deg)``).

    Unreachable aim points are a result (``reachable`` false with a ``reason``), not an error.
    With ``step_s``, the result also holds samples from launch to impact.
    """
    if step_s is not None and not (_is_number(step_s) and np.isfinite(step_s) and step_s > 0):
        raise InputError(f"step_s: {step_s!r} must be a positive number of seconds")
    (launch_lat, launch_lon), (aim_lat, aim_lon) = _point("launch", launch), _point("aim", aim)
    batch = trajectories(
        launch_lat,
        launch_lon,
        aim_lat,
        aim_lon,
        missile=missile,
        burnout_angle_deg=burnout_angle_deg,
        earth=earth,
        rotating=rotating,
        j2=j2,
    )
    summary = batch.records()[0]
    samples = batch.samples(0, step_s) if step_s is not None and summary["reachable"] else None
    return Trajectory(summary, samples)
