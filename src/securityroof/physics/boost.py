"""A kinematic boost phase built from a missile class's public parameters.

Public sources give a class's burn time, burnout speed and (sometimes) burnout altitude, not its
thrust and pitch programmes, so the boost is modelled kinematically in the launch plane, relative
to the rotating Earth:

- speed follows the rocket equation of one equivalent stage with constant mass flow and a burnt-out
  to lift-off mass ratio of 1/10: ``v(x) = v_bo · ln(1 − κx) / ln(1 − κ)`` with ``x = t / t_bo`` and
  κ = 0.9. Speed grows slowly at first and fastest at the end, as a real rocket's does;
- the flight path turns from vertical to the burnout angle γ_bo monotonically:
  ``sin γ(x) = sin γ_bo + (1 − sin γ_bo) · [(1 − λ)(1 − x)^8 + λ(1 − x^8)]``, a blend of an early
  pitch-over (λ = 0) and a late one (λ = 1);
- the blend λ is chosen so that the altitude reached at burnout equals the class's burnout altitude;
  altitude is linear in λ, so this is closed form. Where no λ in [0, 1] can (a steep lofted shot
  climbs higher than the nominal burnout altitude even when it pitches over early), the nearest
  attainable altitude is used and reported.

A trajectory that needs less than the class's maximum burnout speed is flown with the same burn
time and a proportionally scaled speed profile (energy management by thrust termination or
trajectory shaping). Altitude and downrange distance come from a flat-Earth integration: the
Earth's curvature over a few hundred kilometres of boost changes them by about 1 %.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import numpy as np

#: Fraction of lift-off mass that is propellant in the equivalent single stage (mass ratio 10).
PROPELLANT_FRACTION = 0.9
_PITCH_POWER = 8

# Burn-fraction nodes for the tabulated integrals: Gauss–Legendre on [0, 1], exact to ~1e-6 here
# (tests/unit/test_boost.py checks against a fine trapezoid); cheap enough to build on first use.
_LEGENDRE_NODES, _LEGENDRE_WEIGHTS = np.polynomial.legendre.leggauss(64)
_GAUSS_X, _GAUSS_W = 0.5 * (_LEGENDRE_NODES + 1.0), 0.5 * _LEGENDRE_WEIGHTS
# Uniform grid for sampled boost profiles (cumulative integrals, rescaled to the tabulated end
# point): positions along the boost to about 0.1 %, far inside what its sensors resolve.
PROFILE_GRID = np.linspace(0.0, 1.0, 121)
_ANGLE_GRID = np.linspace(0.0, 0.5 * np.pi, 181)
_BLEND_GRID = np.linspace(0.0, 1.0, 401)


def speed_fraction(x) -> np.ndarray:
    """Speed as a fraction of burnout speed at burn fraction ``x`` in [0, 1]."""
    return np.log1p(-PROPELLANT_FRACTION * np.asarray(x)) / np.log1p(-PROPELLANT_FRACTION)


def pitch_weight(x, blend):
    """Share of the way from the burnout angle back to vertical still left at burn fraction ``x``."""
    return (1.0 - blend) * (1.0 - x) ** _PITCH_POWER + blend * (1.0 - x**_PITCH_POWER)


def sin_flight_path_angle(x, blend, sin_burnout_angle) -> np.ndarray:
    return sin_burnout_angle + (1.0 - sin_burnout_angle) * pitch_weight(x, blend)


class BoostIntegrals(NamedTuple):
    """∫S dx, ∫S·w dx for the early and late pitch-over, and ∫S cos γ dx over (γ_bo, λ).

    A named tuple, so that the compiled targeting kernel takes it as it is."""

    speed: float
    early: float
    late: float
    downrange: np.ndarray  # on the uniform grid (_ANGLE_GRID, _BLEND_GRID)

    def downrange_at(self, angle_rad, blend) -> np.ndarray:
        """Bilinear lookup on the uniform grid; angles outside [0, π/2] are clamped to it."""
        from securityroof.physics import formulas  # numba, loaded when a boost is first shaped

        rows = np.clip(np.ravel(angle_rad), 0.0, 0.5 * np.pi) * ((_ANGLE_GRID.size - 1) / (0.5 * np.pi))
        columns = np.clip(np.ravel(blend), 0.0, 1.0) * (_BLEND_GRID.size - 1)
        values = np.empty(rows.size)
        # the compiled boost takes the same formula (formulas.bilinear_nearest)
        formulas.bilinear_nearest_at(
            np.ascontiguousarray(self.downrange), np.ascontiguousarray(rows), np.ascontiguousarray(columns), values
        )
        return values.reshape(np.shape(angle_rad))


@lru_cache(maxsize=1)
def boost_integrals() -> BoostIntegrals:
    x, weights = _GAUSS_X, _GAUSS_W
    speed = speed_fraction(x)
    sin_gamma = sin_flight_path_angle(x[None, None, :], _BLEND_GRID[None, :, None], np.sin(_ANGLE_GRID)[:, None, None])
    along = np.sqrt(np.clip(1.0 - sin_gamma**2, 0.0, None)) @ (speed * weights)
    return BoostIntegrals(
        speed=float(speed @ weights),
        early=float((speed * pitch_weight(x, 0.0)) @ weights),
        late=float((speed * pitch_weight(x, 1.0)) @ weights),
        downrange=along,
    )


@dataclass(frozen=True)
class BoostShape:
    """Boost phases of N trajectories: what the free flight starts from, and how to sample them."""

    burn_time_s: np.ndarray
    burnout_speed_mps: np.ndarray
    burnout_angle_rad: np.ndarray
    burnout_alt_m: np.ndarray  # attained (may differ from the class's nominal; see module doc)
    downrange_m: np.ndarray  # along the surface at launch radius
    pitch_blend: np.ndarray


def boost_shape(burn_time_s, burnout_speed_mps, burnout_angle_rad, nominal_burnout_alt_m) -> BoostShape:
    """Boost phases that end at the given speed and angle, as close to the nominal altitude as attainable.

    A zero burn time is the ideal missile: burnout at the launch point, nothing to sample.
    """
    t, v, gamma, h = np.broadcast_arrays(
        *(
            np.asarray(a, dtype=float)
            for a in (burn_time_s, burnout_speed_mps, burnout_angle_rad, nominal_burnout_alt_m)
        )
    )
    integrals = boost_integrals()
    sin_bo = np.clip(np.sin(gamma), 0.0, 1.0)
    scale = t * v
    base = sin_bo * integrals.speed + (1.0 - sin_bo) * integrals.early
    span = (1.0 - sin_bo) * (integrals.late - integrals.early)
    with np.errstate(divide="ignore", invalid="ignore"):
        blend = np.clip((h / scale - base) / span, 0.0, 1.0)
    blend = np.where((scale > 0.0) & (span > 0.0), blend, 0.0)
    return BoostShape(
        burn_time_s=t,
        burnout_speed_mps=v,
        burnout_angle_rad=gamma,
        burnout_alt_m=scale * (base + blend * span),
        downrange_m=scale * integrals.downrange_at(gamma, blend).reshape(sin_bo.shape),
        pitch_blend=blend,
    )


def blend_limit_angle(burn_time_s, burnout_speed_mps, nominal_burnout_alt_m, blend) -> np.ndarray:
    """The burnout angle (rad) at which the blend that meets the nominal altitude is ``blend`` (0
    or 1): where the boost leaves or enters the clamped regime of :func:`boost_shape`. NaN where
    no angle in [0, π/2] does.

    The burnout altitude is linear in sin γ_bo at a fixed blend, so this is closed form. At these
    angles a quantity flown against the burnout angle has a kink: on one side the altitude is held
    and the blend (hence the downrange distance) moves, on the other the blend is held and the
    altitude moves.
    """
    from securityroof.physics import formulas  # numba, loaded when a boost is first shaped

    integrals = boost_integrals()
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(
            formulas.blend_limit_angles(
                burn_time_s,
                burnout_speed_mps,
                nominal_burnout_alt_m,
                blend,
                integrals.speed,
                integrals.early,
                integrals.late,
            )  # fmt: skip
        )


def boost_profile(shape: BoostShape, times_s) -> dict[str, np.ndarray]:
    """Altitude, downrange distance, speed and flight-path angle at ``times_s`` (N, T) during boost.

    Times beyond burnout are clipped to burnout. The integrals are rescaled so the profile ends
    exactly on the tabulated burnout altitude and downrange distance used by targeting.
    """
    t = np.asarray(times_s, dtype=float)
    burn = shape.burn_time_s[:, None]
    x_samples = np.clip(np.divide(t, burn, out=np.ones_like(t), where=burn > 0), 0.0, 1.0)
    blend = shape.pitch_blend[:, None]
    sin_bo = np.sin(shape.burnout_angle_rad)[:, None]
    sin_gamma = sin_flight_path_angle(PROFILE_GRID[None, :], blend, sin_bo)
    speed = speed_fraction(PROFILE_GRID)[None, :]
    from scipy.integrate import cumulative_trapezoid  # scipy loads in ~0.3 s: not for `roof validate`

    climb = cumulative_trapezoid(speed * sin_gamma, PROFILE_GRID, axis=-1, initial=0.0)
    along = cumulative_trapezoid(
        speed * np.sqrt(np.clip(1.0 - sin_gamma**2, 0.0, None)), PROFILE_GRID, axis=-1, initial=0.0
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        climb_scale = np.where(climb[:, -1:] > 0, shape.burnout_alt_m[:, None] / climb[:, -1:], 0.0)
        along_scale = np.where(along[:, -1:] > 0, shape.downrange_m[:, None] / along[:, -1:], 0.0)
    return {
        "alt_m": _interp_rows(x_samples, climb * climb_scale),
        "downrange_m": _interp_rows(x_samples, along * along_scale),
        "speed_mps": shape.burnout_speed_mps[:, None] * speed_fraction(x_samples),
        "flight_path_angle_rad": np.arcsin(np.clip(sin_flight_path_angle(x_samples, blend, sin_bo), -1.0, 1.0)),
    }


def _interp_rows(x, rows):
    """Linear interpolation of each row of ``rows`` (on the uniform grid ``PROFILE_GRID``) at that row's ``x``."""
    position = x * (PROFILE_GRID.size - 1)
    index = np.minimum(position.astype(int), PROFILE_GRID.size - 2)
    weight = position - index
    return np.take_along_axis(rows, index, -1) * (1.0 - weight) + np.take_along_axis(rows, index + 1, -1) * weight


def gravity_loss_mps(shape: BoostShape, mu_m3_s2: float, radius_m: float) -> np.ndarray:
    """Speed the boost of ``shape`` loses to gravity: ∫ g(h) sin γ dt over the burn, g = μ/(R+h)².

    The kinematic model prescribes speed, not thrust, so this is what the same rocket (the same
    ideal Δv, no drag) would gain or lose on another pitch programme: a lofted test climbs nearly
    vertically and loses far more than a standard trajectory does."""
    blend = shape.pitch_blend[:, None]
    sin_bo = np.sin(shape.burnout_angle_rad)[:, None]
    sin_gamma = sin_flight_path_angle(PROFILE_GRID[None, :], blend, sin_bo)
    speed = speed_fraction(PROFILE_GRID)[None, :]
    from scipy.integrate import cumulative_trapezoid

    climb = cumulative_trapezoid(speed * sin_gamma, PROFILE_GRID, axis=-1, initial=0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.where(climb[:, -1:] > 0, shape.burnout_alt_m[:, None] / climb[:, -1:], 0.0)
    gravity = mu_m3_s2 / (radius_m + climb * scale) ** 2
    return shape.burn_time_s * np.trapezoid(gravity * sin_gamma, PROFILE_GRID, axis=-1)
