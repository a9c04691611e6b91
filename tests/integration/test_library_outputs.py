"""The library's figures do not move unless a change means them to (see tests/library_outputs.py)."""

import pytest
from library_outputs import COMMANDS, differences, load_record, run_all


@pytest.fixture(scope="module")
def outputs():
    return run_all()


@pytest.mark.parametrize("name", [name for name, _ in COMMANDS])
def test_library_output_matches_the_record(outputs, name):
    found = differences(load_record()[name], outputs[name], name)
    assert not found, f"{len(found)} differences, first: " + "; ".join(found[:5])


def test_differences_catches_a_moved_figure_and_a_changed_verdict():
    recorded = {"a": [{"feasible": True, "alt_km": 100.0, "reason": None}]}
    assert differences(recorded, recorded) == []
    assert differences(recorded, {"a": [{"feasible": True, "alt_km": 100.0 * (1 + 1e-10), "reason": None}]}) == []
    assert differences(recorded, {"a": [{"feasible": True, "alt_km": 100.0 * (1 + 1e-8), "reason": None}]})
    assert differences(recorded, {"a": [{"feasible": False, "alt_km": 100.0, "reason": None}]})
    assert differences(recorded, {"a": [{"feasible": True, "alt_km": 100.0, "reason": "late"}]})
    assert differences(recorded, {"a": []})
    assert differences(recorded, {"b": recorded["a"]})
    assert differences(recorded, {**recorded, "added": 1}) == []
