"""The findings' templates over synthetic comparisons: every sentence's numbers and names come from
its figures, and its figures from the comparison."""

import numpy as np
import pytest
from findings_check import figure_errors, numbers_in, unquoted_numbers

from securityroof.analysis.engage import NO_SITE, Engagements, furthest_hurdle
from securityroof.analysis.findings import REASON_WORDS, comparison_findings

LABELS = {"oslo": "Oslo", "rome": "Rome", "samara": "Samara", "sofia": "Sofia", "warsaw": "Warsaw"}
POPULATION = {"oslo": 700_000, "rome": 2_800_000, "samara": 1_150_000, "sofia": 1_300_000, "warsaw": 1_800_000}


def city(name, status, classes=(), why_not=None):
    why_not = why_not or {}
    return {
        "city": name,
        "label": LABELS[name],
        "population": POPULATION[name],
        "status": status,
        "threat_classes": sorted(classes),
        "undefended_classes": sorted(classes) if why_not else [],
        "why_not": why_not,
    }


def summary(rows, engaged, total=10, short=5):
    threatened = [r for r in rows if r["status"] != "out-of-range"]
    protected = [r for r in rows if r["status"] == "defended"]
    return {
        "threats_total": total,
        "threats_out_of_range": short,
        "threats_engageable": engaged,
        "protected_share": engaged / total if total else None,
        "cities_threatened": len(threatened),
        "cities_protected": [r["city"] for r in protected],
        "protected_population": sum(r["population"] for r in protected),
        "threatened_population": sum(r["population"] for r in threatened),
    }


def architecture(name, rows, engaged, parties=None):
    """An entry of the comparison; ``parties`` maps a party to (rows without its assets, threats
    engageable without them, threats its own sites engage)."""
    parties = parties or {"nato": (None, 0, engaged)}
    reduced = {party: summary(less or [], without) for party, (less, without, _) in parties.items()}
    return {
        "name": name,
        **summary(rows, engaged),
        "cities": rows,
        "parties": {party: party.upper() for party in parties},
        "by_party": {party: {"threats_engageable": alone} for party, (_, _, alone) in parties.items()},
        "without_party_summary": reduced,
        "without_party": {party: figures["protected_share"] for party, figures in reduced.items()},
    }


# by city name, as the comparison lists them
ALONE = [
    city("oslo", "out-of-range"),
    city("rome", "defended", ["sejjil-2"]),
    city("samara", "threatened-undefended", ["shahab-3"], {"not-detected": 1}),
    city("sofia", "out-of-range"),
    city("warsaw", "threatened-undefended", ["sejjil-2"], {"too-late": 2}),
]
JOINT = [
    city("oslo", "out-of-range"),
    city("rome", "defended", ["sejjil-2"]),
    city("samara", "threatened-undefended", ["shahab-3"], {"too-late": 1}),
    city("sofia", "out-of-range"),
    city("warsaw", "defended", ["sejjil-2"]),
]


@pytest.fixture
def comparison():
    """Two architectures on one threat set; in the joint one Russia's assets add Warsaw."""
    joint = architecture("joint", JOINT, 8, {"nato": ([], 0, 7), "russia": (ALONE, 6, 1)})
    architectures = [architecture("alone", ALONE, 6), joint]
    return {"same_threats": True, "architectures": architectures,
            "findings": comparison_findings(architectures, True)}  # fmt: skip


def by_kind(comparison, kind):
    return [f for f in comparison["findings"] if f["kind"] == kind]


def test_every_finding_quotes_only_its_figures_and_its_figures_are_the_comparisons(comparison):
    assert {f["kind"] for f in comparison["findings"]} == {
        "threats", "defends", "cities-differ", "party", "undefended", "out-of-range"
    }  # fmt: skip
    for finding in comparison["findings"]:
        assert not figure_errors(finding, comparison), finding["text"]
        assert not unquoted_numbers(finding), finding["text"]


def test_the_checks_catch_a_figure_or_a_number_that_moved(comparison):
    finding = by_kind(comparison, "defends")[0]
    moved = {**finding, "figures": {**finding["figures"], "threats_engageable": 5}}
    assert figure_errors(moved, comparison)
    assert unquoted_numbers({**finding, "text": finding["text"] + " 12345 more."}) == [12345]
    assert numbers_in("sejjil-2 and epaa-phase-3 at 54,024,716 (84%), 3 cities") == [54024716, 84, 3]


def test_threat_counts_are_explained_once_for_a_common_threat_set(comparison):
    (threats,) = by_kind(comparison, "threats")
    assert threats["figures"] == {"threat_trajectories": 15, "threats_total": 10, "threats_out_of_range": 5}
    assert numbers_in(threats["text"]) == [15, 10, 5]
    apart = comparison_findings(comparison["architectures"], False)
    assert [f["figures"]["architecture"] for f in apart if f["kind"] == "threats"] == ["alone", "joint"]


def test_what_each_architecture_defends_names_the_cities(comparison):
    alone, joint = by_kind(comparison, "defends")
    assert alone["figures"]["cities_protected"] == ["rome"]
    assert alone["figures"]["cities_undefended"] == ["samara", "warsaw"]
    protects, undefended = alone["text"].split("Threatened but not protected")
    assert "Rome" in protects and "Warsaw" not in protects and "Samara and Warsaw" in undefended
    assert "60%" in alone["text"] and "2,800,000 of 5,750,000 people" in alone["text"]
    assert "Threatened but not protected: Samara." in joint["text"]


def test_what_a_party_adds_is_the_architecture_against_itself_without_that_partys_assets(comparison):
    nato, russia = by_kind(comparison, "party")
    assert russia["figures"]["cities_added"] == ["warsaw"] and russia["figures"]["threats_added"] == 2
    assert "add 2 of the 8 engageable threat trajectories and 1 (Warsaw) of the 2 protected cities" in russia["text"]
    assert "can engage 1 of the 10 on their own" in russia["text"]
    assert nato["figures"]["cities_added"] == ["rome", "warsaw"]
    assert "add all 8 engageable threat trajectories and all 2 protected cities" in nato["text"]
    assert "none of the 2 protected cities stay protected" in nato["text"]


def test_a_party_that_adds_no_city_is_said_to(comparison):
    joint = comparison["architectures"][1]
    joint["without_party_summary"]["russia"] = summary(JOINT, 6)
    russia = next(f for f in comparison_findings([joint], True) if f["figures"].get("party") == "russia")
    assert russia["figures"]["cities_added"] == [] and "none of the 2 protected cities" in russia["text"]


def test_a_single_party_architecture_has_no_party_finding(comparison):
    assert {f["figures"]["architecture"] for f in by_kind(comparison, "party")} == {"joint"}


def test_cities_no_architecture_defends_say_why_in_each(comparison):
    (samara,) = by_kind(comparison, "undefended")  # Warsaw is defended by the joint architecture
    assert samara["figures"]["why_not"] == {"alone": {"not-detected": 1}, "joint": {"too-late": 1}}
    assert "No architecture defends Samara, which shahab-3 can reach" in samara["text"]
    assert f"{REASON_WORDS['not-detected']}, 1 in alone; or {REASON_WORDS['too-late']}, 1 in joint" in samara["text"]
    alone = [f["text"] for f in comparison_findings(comparison["architectures"][:1], True) if f["kind"] == "undefended"]
    assert [text.split(",")[0] for text in alone] == ["alone does not defend Samara", "alone does not defend Warsaw"]


def test_out_of_range_cities_are_those_no_threat_reaches_anywhere(comparison):
    (far,) = by_kind(comparison, "out-of-range")
    assert far["figures"] == {"cities_out_of_range": ["oslo", "sofia"], "cities_aimed": 5}
    assert far["text"].startswith("2 of the 5 catalog cities") and "Oslo and Sofia" in far["text"]
    near = [architecture("near", [c for c in JOINT if c["status"] != "out-of-range"], 8)]
    assert not [f for f in comparison_findings(near, True) if f["kind"] == "out-of-range"]


def test_the_same_cities_are_said_to_be_the_same(comparison):
    twins = [architecture("a", JOINT, 7), architecture("b", JOINT, 8)]
    (same,) = [f for f in comparison_findings(twins, True) if f["kind"] == "same-cities"]
    assert same["text"].startswith("a and b protect the same 2 cities")
    assert same["figures"]["threats_engageable"] == [7, 8]
    (differ,) = by_kind(comparison, "cities-differ")
    assert differ["figures"]["protected_by"] == {"warsaw": ["joint"]} and "Warsaw by joint" in differ["text"]


def test_why_not_is_the_furthest_hurdle_any_site_got_past():
    assert furthest_hurdle(["not-detected", "too-late", "out-of-reach"]) == "too-late"
    assert furthest_hurdle(["not-shared", "not-detected"]) == "not-shared"
    assert furthest_hurdle([]) == NO_SITE
    columns = {
        "threat_id": np.array(["a", "b", "a", "b"], dtype=object),
        "site_id": np.array(["s1", "s1", "s2", "s2"], dtype=object),
        "feasible": np.array([False, False, True, False]),
        "reason": np.array(["not-detected", "out-of-reach", None, "too-late"], dtype=object),
    }
    engaged = Engagements(columns, {"a": True, "b": True, "c": False})
    assert engaged.why_not() == {"a": None, "b": "too-late"}
    assert engaged.why_not({"s1"}) == {"a": "not-detected", "b": "out-of-reach"}
    assert engaged.why_not(set()) == {"a": NO_SITE, "b": NO_SITE}
