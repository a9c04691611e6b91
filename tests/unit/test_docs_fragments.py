"""The query language of docs/build.py's fragments, on engagements made up here: a filter selects
what it says, and a fragment or column that does not exist is refused in one line."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _row(threat, site, reason=None, cue="kurecik", shots=1):
    return {
        "threat_id": threat,
        "site_id": site,
        "feasible": reason is None,
        "reason": reason,
        "cue_sensor_id": cue,
        "shots": shots,
        "cue_time_s": 100.0,
    }


ROWS = [
    _row("iran-irbm/tabriz->ankara", "kurecik-site"),
    _row("iran-irbm/tabriz->rome", "kurecik-site", reason="too-late", shots=0),
    _row("iran-irbm/semnan->oslo", "deveselu", reason="threat-out-of-range", cue=None, shots=0),
    _row("future-icbm/semnan->paris", "deveselu", cue="gabala", shots=2),
]


def _chosen(docs_build, filters):
    return [(r["threat_id"], r["site_id"]) for r in ROWS if docs_build.fragments.queries._matches(r, filters)]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (["site=deveselu"], [("iran-irbm/semnan->oslo", "deveselu"), ("future-icbm/semnan->paris", "deveselu")]),
        (["in-range", "site=deveselu"], [("future-icbm/semnan->paris", "deveselu")]),
        (["feasible=no", "in-range"], [("iran-irbm/tabriz->rome", "kurecik-site")]),
        (["threat=iran-irbm/tabriz*", "cue!=kurecik"], []),
        (["cue=none"], [("iran-irbm/semnan->oslo", "deveselu")]),
        (["shots=2"], [("future-icbm/semnan->paris", "deveselu")]),
        (["site=kurecik*", "reason=too-late"], [("iran-irbm/tabriz->rome", "kurecik-site")]),
    ],
)
def test_a_filter_selects_what_it_says(docs_build, filters, expected):
    assert _chosen(docs_build, filters) == expected


def test_a_site_filter_matches_the_whole_id_not_a_part(docs_build):
    # globs match whole values: site=kurecik must not pick kurecik-site
    assert _chosen(docs_build, ["site=kurecik"]) == []


def test_a_query_splits_runs_options_and_filters(docs_build):
    runs, filters = docs_build.fragments.queries.query(
        "joint-lisbon delay=0 vs epaa-phase-3 sharing=none | site=x in-range".split()
    )
    assert runs == [("joint-lisbon", ("delay=0",)), ("epaa-phase-3", ("sharing=none",))]
    assert filters == ["site=x", "in-range"]


def test_a_filter_on_a_column_that_does_not_exist_names_the_known_ones(docs_build):
    with pytest.raises(SystemExit, match="no column 'colour' to filter on; known: threat_id, site_id"):
        docs_build.fragments.queries._matches(ROWS[0], ["colour=red"])


def test_an_unknown_fragment_kind_is_refused_with_the_known_kinds(docs_build):
    with pytest.raises(SystemExit, match=r"unknown fragment 'cout'; known: .*\bcount\b"):
        docs_build.render("cout epaa-phase-1", "")


def test_an_unknown_scenario_option_is_refused(docs_build):
    with pytest.raises(SystemExit, match="unknown option 'colour=red'"):
        docs_build.fragments.runs.scenario("epaa-phase-1", ("colour=red",))


def test_no_two_modules_define_the_same_fragment(docs_build):
    modules = [docs_build.fragments.tables, docs_build.fragments.queries, docs_build.fragments.cues]
    modules += [docs_build.fragments.deterrence, docs_build.fragments.places]
    kinds = [kind for module in modules for kind in module.FRAGMENTS]
    assert len(kinds) == len(set(kinds)) == len(docs_build.FRAGMENTS)
