"""What the physics reads of a catalog class, as protocols: the catalog's validated classes
(:mod:`securityroof.model.catalog`) satisfy them, and the physics never imports the catalog."""

from __future__ import annotations

from typing import Protocol


class BoostedParameters(Protocol):
    """A missile or interceptor class's boost, in SI units."""

    @property
    def burn_time_s(self) -> float: ...
    @property
    def burnout_speed_mps(self) -> float: ...
    @property
    def burnout_altitude_m(self) -> float: ...


class InterceptorParameters(BoostedParameters, Protocol):
    """An interceptor class: its boost and the envelope its fly-out table covers."""

    @property
    def name(self) -> str: ...
    @property
    def max_ground_range_km(self) -> float: ...
    @property
    def max_intercept_altitude_km(self) -> float: ...


class RadarParameters(Protocol):
    """A radar class's coverage and sensitivity."""

    @property
    def azimuth_half_width_deg(self) -> float: ...
    @property
    def min_elevation_deg(self) -> float: ...
    @property
    def max_elevation_deg(self) -> float: ...
    @property
    def reference_range_km(self) -> float: ...
    @property
    def reference_rcs_m2(self) -> float: ...
    @property
    def track_formation_s(self) -> float: ...
