"""Shared test helpers."""

import importlib.util
from pathlib import Path

import pytest

from securityroof.model.catalog import InterceptorClass


def make_interceptor(**changes) -> InterceptorClass:
    """A test interceptor class (an SM-3 IIA-like kinematic envelope); keyword arguments change fields."""
    values = dict(
        name="test-interceptor",
        label="test",
        source="test",
        note="test",
        country="nowhere",
        stages=3,
        burn_time_s=60.0,
        burnout_speed_km_s=4.5,
        burnout_altitude_km=50.0,
        min_intercept_altitude_km=70.0,
        max_intercept_altitude_km=1000.0,
        max_ground_range_km=2500.0,
        launch_delay_s=10.0,
    )
    values.update(changes)
    return InterceptorClass(**values)


@pytest.fixture
def interceptor_factory():
    return make_interceptor


@pytest.fixture
def fresh_threat_cache(monkeypatch):
    """Empty caches of flown threats, sensor tracks and the deterrence check's rows for one test: a
    threat set flown by an earlier test is kept (securityroof.analysis.engage.FLOWN), and a test that
    changes how threats are flown or sampled must see them flown again."""
    from securityroof.analysis import deterrence, engage
    from securityroof.analysis.cache import LRU

    monkeypatch.setattr(engage, "FLOWN", LRU(maxsize=engage.FLOWN.maxsize))
    monkeypatch.setattr(engage, "TRACKS", LRU(maxsize=engage.TRACKS.maxsize))
    monkeypatch.setattr(deterrence, "FEASIBLE_ROWS", LRU(maxsize=deterrence.FEASIBLE_ROWS.maxsize))


@pytest.fixture(scope="module")
def docs_build():
    """docs/build.py, the script that regenerates the docs' figures, as a module."""
    path = Path(__file__).resolve().parents[1] / "docs" / "build.py"
    spec = importlib.util.spec_from_file_location("docs_build", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
