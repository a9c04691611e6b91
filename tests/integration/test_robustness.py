"""Robustness runs (`roof compare/deterrence --uncertainty N`): collapsed ranges give the point, a
monotone figure's band lies between its values at the range's ends, and a seed fixes the bands on
every executor."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from securityroof.analysis.compare import compare
from securityroof.analysis.robustness import (
    DELAY,
    FIGURE_WORDS,
    compare_outcome,
    deterrence_outcome,
    robustness,
    run_variants,
)
from securityroof.errors import RoofError
from securityroof.model.scenario import load_scenario
from securityroof.present.cli import app


def _ranged(scenario):
    classes = [s.entry for s in scenario.interceptor_sites] + [s.entry for s in scenario.sensors]
    return {e.name: e for e in classes + [t.missile_class for t in scenario.threat_set] if e.ranges}


def _with_ranges(scenario, ranges):
    """``scenario`` with each ranged class's ranges replaced by ``ranges(entry)`` (field -> [low, high])."""
    for entry in _ranged(scenario).values():
        row = {k: v for k, v in entry.row().items() if not k.endswith("_range")}
        rebuilt = type(entry).model_validate({**row, **{f"{k}_range": list(v) for k, v in ranges(entry).items()}})
        scenario = scenario.with_entry(rebuilt)
    return scenario


def _one_threat(name, threat="iran-irbm"):
    scenario = load_scenario(name)
    return scenario.with_threats(t for t in scenario.threats if t.id == threat)


@pytest.fixture(scope="module")
def pair():
    """Two library architectures on one ranged threat (Sejjil-2, 1,930-2,200 km; the radars' ranges too)."""
    return [_one_threat("epaa-phase-3"), _one_threat("joint-lisbon")]


def _collapsed(scenario):
    return _with_ranges(scenario, lambda e: {k: (getattr(e, k),) * 2 for k in e.ranges})


def test_every_variant_is_the_point_when_every_range_is_collapsed(pair):
    collapsed = [_collapsed(s) for s in pair]
    run = run_variants("compare", collapsed, 6, seed=4, delay_spread_s=0.0, workers=1)
    assert len(run.params) > 2  # the ranged fields are varied, each over a zero-width range
    assert all(outcome == run.point for outcome in run.outcomes)
    result = robustness("compare", collapsed, 6, seed=4, delay_spread_s=0.0, workers=1)
    assert all(f["holds_share"] == 1.0 and not f["flipped_by"] for f in result["findings"])
    assert all(row["p5"] == row["median"] == row["p95"] == row["point"] for row in result["figures"])


def test_the_point_outcome_is_the_comparison(pair):
    """The run flies each threat set once and shares tracks across architectures; the figures are still
    those of `roof compare`."""
    point = compare_outcome(pair)
    for entry in compare(pair).to_dict()["architectures"]:
        mine = point[entry["name"]]
        assert mine["threats_engageable"] == entry["threats_engageable"]
        assert mine["protected_population"] == entry["protected_population"]
        assert mine["protected"] == sorted(entry["cities_protected"])
        assert mine["added"] == {
            party: sorted(set(entry["cities_protected"]) - set(without["cities_protected"]))
            for party, without in entry["without_party_summary"].items()
        }


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), n=st.integers(2, 6), spread=st.sampled_from([30.0, 90.0, 240.0]))
def test_a_monotone_figure_s_band_lies_between_its_values_at_the_range_ends(pair, seed, n, spread):
    """Only the decision delay varies (every catalog range collapsed), and a delay never helps:
    engageable threats fall as it grows."""
    scenario = _collapsed(pair[0])
    result = robustness("compare", [scenario], n, seed=seed, delay_spread_s=spread, workers=1)
    assert [p["low"] == p["high"] for p in result["parameters"]] == [True] * (len(result["parameters"]) - 1) + [False]
    delay = scenario.analysis.decision_delay_s
    ends = [
        compare([scenario.with_analysis(decision_delay_s=d)]).architectures[0]["threats_engageable"]
        for d in (delay + spread, max(0.0, delay - spread))
    ]
    (row,) = [r for r in result["figures"] if r["figure"] == "threats_engageable"]
    assert ends[0] <= row["p5"] <= row["median"] <= row["p95"] <= ends[1]
    if ends[0] < ends[1]:
        assert row["spearman"][DELAY] is None or row["spearman"][DELAY] <= 0


def test_the_same_seed_gives_the_same_bands_in_process_and_on_a_pool(pair):
    in_process = robustness("compare", pair, 8, seed=11, workers=1)
    on_pool = robustness("compare", pair, 8, seed=11, workers=2, batch_size=3)
    assert json.dumps(in_process, sort_keys=True) == json.dumps(on_pool, sort_keys=True)
    other = robustness("compare", pair, 8, seed=12, workers=1)
    assert other["figures"] != in_process["figures"] or other["findings"] != in_process["findings"]


def test_the_same_seed_gives_the_same_bands_on_dask(pair):
    distributed = pytest.importorskip("distributed")
    in_process = robustness("compare", pair, 6, seed=5, workers=1)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None
    ) as cluster, distributed.Client(cluster) as client:  # fmt: skip
        on_dask = robustness("compare", pair, 6, seed=5, executor=client.get_executor(), batch_size=2)
    assert json.dumps(in_process, sort_keys=True) == json.dumps(on_dask, sort_keys=True)


@pytest.mark.parametrize("rcs_m2", [None, 0.01])
def test_the_deterrence_point_outcome_is_the_verdicts_count(rcs_m2):
    from securityroof.analysis.deterrence import deterrence

    scenario = load_scenario("third-site-2007")  # NATO's GBI engages some Russian ICBMs bound for North America
    point = deterrence_outcome(scenario, rcs_m2)
    verdicts = {v["direction"]: v for v in deterrence(scenario, rcs_m2=rcs_m2).verdicts}
    assert point["russia->north-america"]["perfect_cueing_engageable_pairs"] > 0
    for direction, figures in point.items():
        assert figures["engageable_pairs"] == verdicts[direction]["engageable_pairs"]
        assert figures["perfect_cueing_engageable_pairs"] == verdicts[direction]["perfect_cueing_engageable_pairs"]


def test_deterrence_robustness_counts_the_other_side_s_pairs():
    scenario = load_scenario("epaa-phase-3")
    result = robustness("deterrence", [scenario], 3, seed=1, workers=1)
    directions = {row["direction"] for row in result["figures"]}
    assert directions == {"russia->north-america", "north-america->russia"}
    assert {f["kind"] for f in result["findings"]} == {"deterrence"}
    assert all(0.0 <= f["holds_share"] <= 1.0 for f in result["findings"])


def test_roof_compare_uncertainty_prints_bands_and_what_would_change_each_finding(tmp_path):
    runner = CliRunner()
    args = ["compare", "epaa-phase-3", "joint-lisbon", "--uncertainty", "3", "--workers", "1", "--seed", "2"]
    text = runner.invoke(app, args)
    assert text.exit_code == 0, text.output
    assert "Robustness: 3 variants (seed 2)" in text.output and "Add --uncertainty" not in text.output
    plain_text = runner.invoke(app, ["compare", "epaa-phase-3", "joint-lisbon"]).output
    assert "How sure is each finding? Add --uncertainty 100" in " ".join(plain_text.split())
    as_json = runner.invoke(app, [*args, "--json"])
    assert as_json.exit_code == 0, as_json.output
    data = json.loads(as_json.stdout)
    plain = json.loads(runner.invoke(app, ["compare", "epaa-phase-3", "joint-lisbon", "--json"]).stdout)
    assert {k: v for k, v in data.items() if k != "uncertainty"} == plain  # the point result is unchanged
    robust = data["uncertainty"]
    assert (robust["n"], robust["seed"]) == (3, 2)
    assert {"class", "field", "low", "high"} == set(robust["parameters"][0])
    assert {"architecture", "figure", "point", "median", "p5", "p95", "spearman"} == set(robust["figures"][0])
    assert len(robust["findings"]) == len(plain["findings"]) == text.output.count("  Holds in ")
    assert {"kind", "text", "holds_share", "flipped_by"} == set(robust["findings"][0])


def test_a_field_set_by_a_what_if_is_held_and_said(pair):
    """`--set` inside the catalog's range (AN/TPY-2 at 1,500 km, range 1,200-2,000): the run does not
    vary it (before, every variant drew it from the range and the set value counted only at the point),
    and the result, the terminal and the report say it is held."""
    from securityroof.analysis.robustness import held_line
    from securityroof.model.scenario.whatif import apply_whatifs

    held = [apply_whatifs(s, set=["an-tpy-2.reference_range_km=1500"]) for s in pair]
    run = run_variants("compare", pair, 2, seed=3, workers=1)
    assert "an-tpy-2.reference_range_km" in {p.name for p in run.params} and run.held == []
    run = run_variants("compare", held, 2, seed=3, workers=1)
    assert "an-tpy-2.reference_range_km" not in {p.name for p in run.params}
    assert run.held == [
        {"class": "an-tpy-2", "field": "reference_range_km", "value": 1500.0, "low": 1200.0, "high": 2000.0}
    ]
    assert held_line({"held": run.held}) == (
        "Held, not varied (set by the scenario or a what-if): an-tpy-2 reference range 1,500 km "
        "(catalog range 1,200–2,000)."
    )
    args = ["compare", "epaa-phase-3", "--set", "an-tpy-2.reference_range_km=1500", "--uncertainty", "2"]
    result = CliRunner().invoke(app, [*args, "--workers", "1", "--json"])
    assert result.exit_code == 0, result.output
    robust = json.loads(result.stdout)["uncertainty"]
    assert robust["held"] == run.held
    assert "an-tpy-2" not in {p["class"] for p in robust["parameters"]}
    from securityroof.present.report import _findings

    findings = json.loads(result.stdout)["findings"]
    assert "Held, not varied" in _findings(findings, robust)
    assert "Held, not varied" in CliRunner().invoke(app, [*args, "--workers", "1"]).output


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--uncertainty", "0"], "--uncertainty"),
        (["--seed", "3"], "--uncertainty"),
        (["--uncertainty", "2", "--seed", "-1"], "--seed"),
        (["--uncertainty", "2", "--workers", "0"], "--workers"),
        (["--uncertainty", "2", "--csv"], "--uncertainty"),
    ],
)
def test_bad_uncertainty_options_are_one_line_naming_the_option(args, option):
    result = CliRunner().invoke(app, ["compare", "epaa-phase-3", *args])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {option}:") and result.stderr.count("\n") == 1, result.stderr


def test_the_report_s_findings_box_gives_each_finding_its_line_and_the_bands(pair):
    from securityroof.present.report import _findings

    findings = compare(pair).findings
    robust = robustness("compare", pair, 3, seed=1, workers=1, findings=findings)
    box = _findings(findings, robust)
    assert box.count('class="robust"') == len(findings) and box.count("What would change this conclusion") == len(
        findings
    )
    assert "5 %" in box and all(FIGURE_WORDS[row["figure"]] in box for row in robust["figures"])
    assert 'class="robust"' not in _findings(findings)  # without a run, the box is as before


def test_a_failing_variant_is_counted_and_left_out_and_the_run_goes_on(pair, monkeypatch):
    """As a sweep's: a variant that raises has its error said, the bands and shares are over the
    others; a run in which every variant fails says so in one line."""
    import securityroof.analysis.robustness as module

    calls = {"n": 0}
    real = module.compare_outcome

    def every_third_fails(scenarios, sharing=None):
        calls["n"] += 1
        if calls["n"] > 1 and calls["n"] % 3 == 0:  # the first call is the point
            raise ValueError("a planted failure")
        return real(scenarios, sharing)

    monkeypatch.setattr(module, "compare_outcome", every_third_fails)
    result = robustness("compare", pair, 12, seed=5, workers=1)
    assert result["failed"] == 4 and len(result["failures"]) == 4
    assert all(f["error"] == "ValueError: a planted failure" for f in result["failures"])
    assert module.failures_line(result).startswith("4 of 12 variants failed and are left out")
    assert all(0.0 <= f["holds_share"] <= 1.0 for f in result["findings"])
    assert all(row["median"] is not None for row in result["figures"])

    calls["n"] = 0

    def only_the_point_runs(scenarios, sharing=None):
        calls["n"] += 1
        if calls["n"] > 1:
            raise ZeroDivisionError("a planted failure")
        return real(scenarios, sharing)

    monkeypatch.setattr(module, "compare_outcome", only_the_point_runs)
    with pytest.raises(RoofError, match=r"^uncertainty: every one of the 3 variants failed; the first: Zero"):
        run_variants("compare", pair, 3, seed=5, workers=1)


def test_what_would_change_names_the_parameters_in_words():
    from securityroof.analysis.robustness import parameter_words, varied_line, what_would_change

    assert parameter_words(DELAY) == "the decision delay"
    assert parameter_words("don-2n.reference_range_km") == "don-2n reference range"
    assert parameter_words("gbi-2-stage.burnout_speed_km_s") == "gbi-2-stage burnout speed"
    assert parameter_words("generic-icbm-solid.burn_time_s") == "generic-icbm-solid burn time"
    flips = [{"parameter": DELAY, "correlation": 0.87}, {"parameter": "sejjil-2.range_km", "correlation": -0.34}]
    assert what_would_change({"holds_share": 0.52, "flipped_by": flips}) == (
        "Holds in 52% of the variants. What would change this conclusion: the decision delay (fails toward its "
        "low end, rank correlation +0.87); sejjil-2 range (fails toward its high end, rank correlation -0.34)."
    )
    assert what_would_change({"holds_share": 1.0, "flipped_by": []}).endswith("nothing within the stated ranges.")
    parameters = [
        {"class": "gbi-2-stage", "field": "burnout_speed_km_s", "low": 5.4, "high": 9.0},
        {"class": "an-tpy-2", "field": "reference_range_km", "low": 1200.0, "high": 2000.0},
        {"class": None, "field": "decision_delay_s", "low": -60.0, "high": 60.0},
    ]
    assert varied_line({"parameters": parameters}) == (
        "Varied (Latin hypercube): gbi-2-stage burnout speed 5.4–9 km/s, an-tpy-2 reference range 1,200–2,000 km, "
        "the decision delay ±60 s."
    )
