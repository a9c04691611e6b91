"""Results as Arrow tables for notebooks: the same columns and values as the records, NaN as null."""

import importlib.util

import numpy as np
import pytest

import securityroof as sr


def test_trajectories_to_arrow_holds_the_records():
    many = sr.trajectories([38.08, 38.08], [46.29, 46.29], [39.93, 10.0], [32.86, -100.0], missile="shahab-3")
    table = many.to_arrow()
    assert table.num_rows == 2 and table.column_names == list(many.columns())
    records = many.records()
    assert table["reachable"].to_pylist() == [r["reachable"] for r in records] == [True, False]
    assert table["flight_time_s"].to_pylist() == [records[0]["flight_time_s"], None]  # unreachable: null, not NaN
    assert table["reason"].to_pylist() == [None, records[1]["reason"]]


def test_engagements_to_arrow_holds_the_records():
    result = sr.engage(sr.load_scenario("epaa-phase-1"))
    table = result.to_arrow()
    records = result.records()
    assert table.num_rows == len(records)
    for key in ("threat_id", "site_id", "feasible", "reason", "window_start_s", "shots"):
        assert table[key].to_pylist() == [r[key] for r in records], key
    assert not any(isinstance(v, float) and np.isnan(v) for v in table["cue_time_s"].to_pylist())


@pytest.mark.skipif(importlib.util.find_spec("pandas") is not None, reason="pandas is installed here")
def test_to_pandas_without_pandas_says_so_in_one_line():
    with pytest.raises(sr.RoofError, match=r"^to_pandas: pandas is not installed"):
        sr.engage(sr.load_scenario("epaa-phase-1")).to_pandas()


@pytest.mark.skipif(importlib.util.find_spec("pandas") is None, reason="pandas is not installed here")
def test_to_pandas_with_pandas():
    frame = sr.engage(sr.load_scenario("epaa-phase-1")).to_pandas()
    assert len(frame) == len(sr.engage(sr.load_scenario("epaa-phase-1")).records())


def test_text_columns_are_strings_with_null_for_none_whatever_the_entries():
    from securityroof.analysis.arrow import table

    mixed = table(
        {
            "text": np.array(["a", None, np.str_("b")], dtype=object),
            "fixed": np.array(["x", "yy", "z"]),
            "odd": np.array([1, None, "c"], dtype=object),  # not all text: each entry as str
        }
    )
    assert mixed["text"].to_pylist() == ["a", None, "b"]
    assert mixed["fixed"].to_pylist() == ["x", "yy", "z"]
    assert mixed["odd"].to_pylist() == ["1", None, "c"]
    assert {str(mixed.schema.field(name).type) for name in mixed.column_names} == {"string"}
