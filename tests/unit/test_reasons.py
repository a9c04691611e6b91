"""Reason codes: one definition, read alike by the numpy reference and the compiled kernels."""

import numpy as np

from securityroof.physics.reasons import ENGAGEMENT_TEXT, ENGAGEMENT_TEXT_BY_CODE, Infeasible, NotSeen, Unreachable


def test_codes_fit_the_int8_arrays_they_are_stored_in():
    for enum in (Unreachable, NotSeen, Infeasible):
        assert [int(code) for code in enum] == list(range(len(enum)))
        assert np.array(list(enum), dtype=np.int8).tolist() == list(range(len(enum)))


def test_engagement_words_are_the_published_ones_in_precedence_order():
    # the words are a contract (JSON and Parquet columns); their order is deterrence's progress
    assert [ENGAGEMENT_TEXT[code] for code in Infeasible] == [
        None, "threat-out-of-range", "not-detected", "not-shared", "out-of-reach", "below-min-altitude", "too-late",
    ]  # fmt: skip
    assert ENGAGEMENT_TEXT_BY_CODE[np.array([0, 6], dtype=np.int8)].tolist() == [None, "too-late"]
