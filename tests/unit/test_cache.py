"""The bounded caches: at most their size, least recently used dropped first, and what the analyses
keep in them reused only when nothing that fixes it changed."""

import importlib

import numpy as np

from securityroof.analysis.cache import LRU
from securityroof.model.scenario import load_scenario
from securityroof.model.scenario.whatif import apply_whatifs


def test_an_lru_keeps_at_most_its_size_and_drops_the_least_recently_used():
    cache = LRU(maxsize=2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "b" is now the least recently used
    cache.put("c", 3)
    assert len(cache) == 2 and cache.get("b") is None and cache.get("a") == 1 and cache.get("c") == 3
    assert cache.get_or_compute("d", lambda: 4) == 4 and len(cache) == 2


def test_a_faster_interceptor_reuses_the_flown_threats_and_a_moved_radar_does_not_reuse_its_tracks(monkeypatch):
    engage = importlib.import_module("securityroof.analysis.engage")
    monkeypatch.setattr(engage, "FLOWN", LRU(maxsize=4))
    monkeypatch.setattr(engage, "TRACKS", LRU(maxsize=64))
    scenario = load_scenario("epaa-phase-3")
    first = engage.scenario_tracked(scenario)
    faster = engage.scenario_tracked(apply_whatifs(scenario, set=["sm-3-iia.burnout_speed_km_s=5.0"]))
    assert faster.samples is first.samples and len(engage.FLOWN) == 1
    assert all(faster.tracks[k] is first.tracks[k] for k in first.tracks)
    radar = next(s for s in scenario.sensors if s.kind == "radar")
    moved = scenario.with_assets(
        a.model_copy(update={"lat_deg": a.lat_deg + 1.0}) if a.id == radar.id else a for a in scenario.assets
    )
    again = engage.scenario_tracked(moved)
    assert again.tracks[radar.id] is not first.tracks[radar.id]
    others = [k for k in first.tracks if k != radar.id]
    assert all(again.tracks[k] is first.tracks[k] for k in others)
    # another threat set (a heavier missile) is flown anew
    heavier = apply_whatifs(scenario, set=[f"{scenario.threat_set[0].missile}.rcs_m2=5.0"])
    assert not np.shares_memory(engage.scenario_tracked(heavier).samples.time_s, first.samples.time_s)
