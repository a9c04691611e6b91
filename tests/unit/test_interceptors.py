"""Interceptor fly-out tables against direct propagation, monotonicity, and the disk cache."""

import os

import numpy as np
import pytest
from conftest import make_interceptor

import securityroof.io.flyout_cache
from securityroof.errors import RoofError
from securityroof.io.flyout_cache import flyout_table, table_key
from securityroof.model.catalog import InterceptorClass
from securityroof.physics.flyout import FlyoutTable, build_table, fan_samples


def interceptor(**changes) -> InterceptorClass:
    return make_interceptor(**changes)


@pytest.fixture(scope="module")
def table():
    return build_table(interceptor())


@pytest.mark.parametrize("angle_deg", [20.3, 33.3, 51.7, 70.2])
def test_table_agrees_with_direct_propagation(table, angle_deg):
    """The issue's criterion: τ(ground range, altitude) from the table agrees within 1 % with the
    time a single interceptor, propagated directly at a burnout angle between the fan's, reaches
    points of its own path (on the way up; on the way down too for shallow shots, which are the
    faster way to long range)."""
    times, ground, altitude = fan_samples(interceptor(), angles_deg=[angle_deg], step_s=5.0)
    t, g, h = times[0], ground[0], altitude[0]
    ok = np.isfinite(t) & (h > 80e3) & (h < 1000e3) & (g < 2500e3) & (t > 70.0)  # inside the class envelope
    apex = np.nanargmax(h)
    if angle_deg > 40.0:
        ok &= np.arange(t.size) <= apex
    assert ok.sum() > 10
    looked_up = table(g[ok], h[ok])
    assert np.all(np.isfinite(looked_up))
    assert np.max(np.abs(looked_up / t[ok] - 1.0)) < 0.01


def test_beyond_the_envelope_is_unreachable(table):
    assert np.isinf(table(3000e3, 100e3))  # beyond max ground range
    assert np.isinf(table(2400e3, 900e3))  # above the envelope at that range
    assert np.isinf(table(-1.0, 100e3))


def test_faster_interceptor_never_arrives_later():
    """A faster interceptor (same burn) is at every reachable point no later (monotone in speed)."""
    slow, fast = build_table(interceptor(burnout_speed_km_s=3.0)), build_table(interceptor(burnout_speed_km_s=4.0))
    g, h = np.meshgrid(np.linspace(0, 900e3, 40), np.linspace(0, 400e3, 40))
    t_slow, t_fast = slow(g, h), fast(g, h)
    reachable = np.isfinite(t_slow)
    assert np.all(np.isfinite(t_fast[reachable]))
    assert np.all(t_fast[reachable] <= t_slow[reachable] * (1 + 1e-3))


def test_a_fan_above_escape_speed_at_every_angle_still_makes_a_table():
    """The deterrence check's threatening speed searches up to 12 km/s, where no arc of the fan comes
    down: the fan is sampled as long as a fly-out may last, and the table reaches far and high."""
    # above the catalog's 11 km/s bound, as the check's speed-varied classes may be
    escaping = interceptor(max_ground_range_km=20_000.0).model_copy(update={"burnout_speed_km_s": 12.0})
    times, _, _ = fan_samples(escaping)
    assert np.isfinite(times).all()
    table = build_table(escaping)
    assert table.ground_range_m[-1] > 5_000e3 and np.isfinite(table(3_000e3, 500e3))


def test_tables_are_cached_on_disk_by_parameters(tmp_path, monkeypatch):
    monkeypatch.setenv("SECURITYROOF_CACHE", str(tmp_path))
    flyout_table.cache_clear()
    first = flyout_table(interceptor(burnout_speed_km_s=3.3))
    files = list(tmp_path.glob("flyout-*.npz"))
    assert len(files) == 1 and table_key(interceptor(burnout_speed_km_s=3.3)) in files[0].name
    flyout_table.cache_clear()
    again = flyout_table(interceptor(burnout_speed_km_s=3.3))
    assert np.array_equal(first.time_s, again.time_s)
    assert table_key(interceptor(burnout_speed_km_s=3.3)) != table_key(interceptor(burnout_speed_km_s=3.4))
    assert table_key(interceptor(note="other words")) == table_key(interceptor())


def test_the_disk_cache_is_bounded_and_evicts_the_least_recently_used(tmp_path, monkeypatch):
    """A sweep over interceptor speed makes one table per speed; past SECURITYROOF_CACHE_MB the
    tables used longest ago go, the one just built and the ones just read stay."""
    built = []

    def small_table(entry):  # the cache's bookkeeping is under test, not the fan: 80 KB tables
        built.append(entry.burnout_speed_km_s)
        return FlyoutTable(np.arange(100.0), np.arange(100.0), np.full((100, 100), entry.burnout_speed_km_s))

    monkeypatch.setattr(securityroof.io.flyout_cache, "build_table", small_table)
    monkeypatch.setenv("SECURITYROOF_CACHE", str(tmp_path))
    monkeypatch.setenv("SECURITYROOF_CACHE_MB", "0.25")  # three tables of about 80 KB
    clock = iter(range(10**18, 2 * 10**18, 10**9))

    def use(speed):
        """Build or read the table, then give its file a time of the test's clock (the disk's may tie)."""
        flyout_table.cache_clear()
        flyout_table(interceptor(burnout_speed_km_s=speed))
        (path,) = tmp_path.glob(f"*{table_key(interceptor(burnout_speed_km_s=speed))}*")
        os.utime(path, ns=(next(clock),) * 2)

    for speed in (3.0, 3.1, 3.2):
        use(speed)
    use(3.0)  # read again: now more recently used than 3.1
    use(3.3)
    use(3.4)
    kept = {float(np.load(p)["time_s"][0, 0]) for p in tmp_path.glob("flyout-*.npz")}
    assert sum(p.stat().st_size for p in tmp_path.glob("flyout-*.npz")) <= 250_000
    assert kept == {3.0, 3.3, 3.4} and built == [3.0, 3.1, 3.2, 3.3, 3.4]


@pytest.mark.parametrize("value", ["lots", "-1", "nan"])
def test_a_cache_limit_that_is_not_a_size_is_one_line_naming_the_variable(monkeypatch, value):
    monkeypatch.setenv("SECURITYROOF_CACHE_MB", value)
    with pytest.raises(RoofError, match=rf"^SECURITYROOF_CACHE_MB: '{value}' is not a size in megabytes"):
        securityroof.io.flyout_cache.cache_limit_bytes()
