"""Robustness runs: how a comparison's or a deterrence check's figures and findings move when the
uncertain parameters move within their stated ranges (``roof compare/deterrence --uncertainty N``).

**What varies.** Every ranged field (``<field>_range`` in the catalog, :attr:`_Entry.ranges`) of a
class the architectures use: their interceptors, their sensors and the missiles of their threat set
(for the deterrence check, the ICBM classes of its strategic pairs instead); a class used by several
architectures takes the same value in each. And the decision delay: each architecture's own, shifted
by the same offset in ``[-delay_spread_s, +delay_spread_s]`` (default :data:`DELAY_SPREAD_S`, never
below zero). The N variants are a Latin hypercube over these axes
(:func:`securityroof.analysis.sweep_file.latin_hypercube`, seeded: the same seed draws the same
variants), run in batches on the sweep machinery's executors (a process pool, or a Dask cluster).
With every range collapsed to its value and no delay spread, every variant is the point result.

**Figures.** Per architecture: ``threats_engageable``, ``protected_share``, ``protected_population``
and ``cities_protected`` (their count); per deterrence direction: ``engageable_pairs`` (the pairs
the other side's interceptors engage, as in the verdict) and ``perfect_cueing_engageable_pairs``.
Each is reported as its point value, the median and the 5-95 % band over the variants, and its
Spearman rank correlation with each parameter (None where either is constant).

**Findings.** A finding *holds* in a variant when the variant's figures say what the point's do:

- ``threats``: the same number of threat trajectories reach their aim point;
- ``defends``: the architecture protects the same cities;
- ``same-cities`` / ``cities-differ``: the architectures protect the same cities as one another
  (``same-cities``), or not (``cities-differ``), as at the point;
- ``party``: that party's assets add the same protected cities;
- ``undefended``: no architecture defends that city and some threat reaches it;
- ``out-of-range``: the same cities are beyond the reach of every missile aimed at them;
- ``deterrence``: the other side's interceptors engage some pairs in that direction, or none, as at
  the point (the threatening-speed search of the verdict is not repeated per variant: it is slow).

**Failed variants.** A variant that raises is recorded with its error, as a sweep's is, and the run
goes on: the bands, shares and correlations are over the variants that ran, and the result counts
the failures (``failed``, the first :data:`MAX_FAILURES_SHOWN` in ``failures``). A run in which every
variant fails is refused with the first error.

**What would change it.** For each finding, the Spearman rank correlation of its holds (1) / fails
(0) indicator with each parameter over the variants (a point-biserial correlation on ranks): the
parameters with the largest magnitude are those whose values best separate the variants where it
fails from those where it holds (listed when at least :data:`FLIP_MIN_CORRELATION`). A finding that
holds in every variant has none.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

import numpy as np

from securityroof.analysis.compare import LABELS as COMPARE_LABELS
from securityroof.analysis.compare import compare
from securityroof.analysis.deterrence import DIRECTIONS, deterrence_threats, pairs, threatened_by
from securityroof.analysis.findings import DEFENDED, OUT_OF_RANGE, UNDEFENDED
from securityroof.analysis.sweep import _base_scenario, batches, map_jobs
from securityroof.analysis.sweep_file import latin_hypercube
from securityroof.errors import RoofError, WorkerError
from securityroof.model.catalog import load_catalog
from securityroof.model.scenario import Scenario, dump_scenario
from securityroof.physics import kernels

#: The decision delay's spread each way, s: a minute either side of each architecture's own.
DELAY_SPREAD_S = 60.0
#: The least |rank correlation| for a parameter to be named as one that changes a finding.
FLIP_MIN_CORRELATION = 0.1
#: Failed variants listed in the JSON (all are counted).
MAX_FAILURES_SHOWN = 10
#: The most variants of one run (each is a whole comparison).
MAX_VARIANTS = 100_000
DELAY = "decision_delay_offset_s"
COMPARE_FIGURES = ("threats_engageable", "protected_share", "protected_population", "cities_protected")
DETERRENCE_FIGURES = ("engageable_pairs", "perfect_cueing_engageable_pairs")


@dataclass(frozen=True)
class Parameter:
    """A ranged catalog field, or (``class_`` None) the decision delay's offset."""

    class_: str | None
    field: str
    low: float
    high: float

    @property
    def name(self) -> str:
        return DELAY if self.class_ is None else f"{self.class_}.{self.field}"

    def to_dict(self) -> dict:
        return {"class": self.class_, "field": self.field, "low": self.low, "high": self.high}


def parameters(classes: list, delay_spread_s: float) -> list[Parameter]:
    """One parameter per ranged field of ``classes`` (catalog entries; by name, the first of each), and
    the decision delay's offset."""
    unique = {}
    for entry in classes:
        unique.setdefault(entry.name, entry)
    found = [
        Parameter(name, field, float(low), float(high))
        for name, entry in sorted(unique.items())
        for field, (low, high) in sorted(entry.ranges.items())
    ]
    return [*found, Parameter(None, "decision_delay_s", -delay_spread_s, delay_spread_s)]


def held_fields(classes: list) -> list[dict]:
    """The fields of ``classes`` that the package catalog states a range for and these classes do not
    (a ``--set``, or a scenario's ``<field>_range = []``, holds them; a what-if value outside the range
    leaves it): a run does not vary them, and says so. Each: class, field, the value held, and the
    catalog's range (low, high)."""
    package = load_catalog()
    found = {}
    for entry in classes:
        kind = package.kind_of(entry.name)
        catalog_entry = package.entries[kind].get(entry.name) if kind is not None else None
        if catalog_entry is None or entry.name in found:
            continue
        found[entry.name] = [
            {"class": entry.name, "field": field, "value": float(getattr(entry, field)), "low": low, "high": high}
            for field, (low, high) in sorted(catalog_entry.ranges.items())
            if field not in entry.ranges
        ]
    return [row for name in sorted(found) for row in found[name]]


def variants(params: list[Parameter], n: int, seed: int) -> list[dict[str, float]]:
    """``n`` variants: a Latin hypercube over the parameters' ranges, the same for the same seed."""
    unit = latin_hypercube(n, len(params), seed)
    return [{p.name: p.low + u * (p.high - p.low) for p, u in zip(params, row, strict=True)} for row in unit.tolist()]


def apply(scenario: Scenario, params: list[Parameter], values: dict[str, float]) -> Scenario:
    """``scenario`` with one variant's values (classes it does not use are left alone)."""
    for p in params:
        if p.class_ is None:
            delay = max(0.0, scenario.analysis.decision_delay_s + values[p.name])
            scenario = scenario.with_analysis(decision_delay_s=delay)
        elif (kind := scenario.catalog.kind_of(p.class_)) is not None:
            entry = scenario.catalog.lookup(kind, p.class_)
            scenario = scenario.with_entry(entry.model_copy(update={p.field: values[p.name]}))
    return scenario


# --- one variant's figures -------------------------------------------------------------------


def compare_outcome(scenarios: list[Scenario], sharing: str | None = None) -> dict:
    """What a robustness run keeps of one variant's comparison: each architecture's figures and the
    figures its findings are judged by (see the module docstring). Each threat set is flown once: the
    engagements keep flown threat sets and sensor tracks (:data:`securityroof.analysis.engage.FLOWN`,
    ``TRACKS``), so the architectures, their party-less variants and the next variants with the same
    missiles share them."""
    comparison = compare(scenarios, sharing=sharing).to_dict()
    architectures = {}
    for entry in comparison["architectures"]:
        architectures[entry["name"]] = {
            "threats_total": entry["threats_total"],
            "threats_engageable": entry["threats_engageable"],
            "protected_share": entry["protected_share"],
            "protected_population": entry["protected_population"],
            "cities_protected": len(entry["cities_protected"]),
            "protected": sorted(entry["cities_protected"]),
            "status": {row["city"]: row["status"] for row in entry["cities"]},
            "added": {
                party: sorted(set(entry["cities_protected"]) - set(without["cities_protected"]))
                for party, without in entry["without_party_summary"].items()
            },
        }
    return architectures


def deterrence_outcome(scenario: Scenario, rcs_m2: float | None = None) -> dict:
    """One variant's deterrence figures per direction (see the module docstring); ``rcs_m2`` as in
    :func:`securityroof.analysis.deterrence.deterrence`."""
    strategic = deterrence_threats(scenario.catalog, rcs_m2)
    found = {perfect: pairs(scenario, strategic, perfect) for perfect in (False, True)}
    out = {}
    for direction in DIRECTIONS:
        owners = {s.owner for s in scenario.interceptor_sites if direction in threatened_by(s.owner)}
        counts = [
            sum(p["direction"] == direction.name and bool(set(p["engaged_by_owner"]) & owners) for p in found[perfect])
            for perfect in (False, True)
        ]
        out[direction.name] = dict(zip(DETERRENCE_FIGURES, counts, strict=True))
    return out


def _run_batch(job) -> list[tuple[dict | None, str | None]]:
    """One batch of variants' (outcome, error) pairs (in a worker): ``job`` is (kind, scenario sources,
    parameters, the sharing policy (compare) or the re-entry vehicles' cross-section (deterrence),
    batch). A variant that fails has its error and no outcome, and the batch goes on, as a sweep's."""
    kind, sources, params, option, batch = job
    scenarios = [_base_scenario(source, file) for source, file in sources]
    kernels.settle_allocator()  # on a Dask worker (see there)
    out = []
    with kernels.one_thread():  # batches run side by side, one per core
        for values in batch:
            try:
                varied = [apply(s, params, values) for s in scenarios]
                outcome = (
                    compare_outcome(varied, option) if kind == "compare" else deterrence_outcome(varied[0], option)
                )
                out.append((outcome, None))
            except Exception as exc:  # noqa: BLE001 - a failed variant is said, and the run goes on
                out.append((None, f"{type(exc).__name__}: {exc}"))
    return out


# --- the run ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """A robustness run's raw material: the parameters, each variant's values and outcome, and the point's."""

    kind: str
    scenarios: list[Scenario]
    params: list[Parameter]
    values: list[dict[str, float]]
    point: dict
    outcomes: list[dict | None]  # None where the variant failed
    errors: list[str | None]  # the failure of each variant, None where it ran
    held: list[dict]  # the catalog's ranged fields these scenarios hold at a value (held_fields)

    def ran(self) -> list[int]:
        """The variants that gave an outcome."""
        return [i for i, error in enumerate(self.errors) if error is None]


def run_variants(
    kind: str,
    scenarios: list[Scenario],
    n: int,
    seed: int = 0,
    sharing: str | None = None,
    delay_spread_s: float = DELAY_SPREAD_S,
    workers: int | None = None,
    executor=None,
    batch_size: int = 10,
    rcs_m2: float | None = None,
) -> Run:
    """``n`` variants of ``roof compare`` (``kind`` "compare", under ``sharing`` if given) or ``roof
    deterrence`` ("deterrence", one scenario, ``rcs_m2`` if given), and the point: ``workers`` 1 runs
    them in this process, else on a process pool of that many (default: one per core) or on
    ``executor`` (e.g. a Dask :class:`~securityroof.analysis.sweep.Cluster`)."""
    if not 1 <= n <= MAX_VARIANTS:
        raise RoofError(f"uncertainty: {n} variants; give 1 to {MAX_VARIANTS:,}", field="uncertainty")
    if seed < 0:
        raise RoofError(f"seed: {seed} must be a non-negative integer", field="seed")
    if not (math.isfinite(delay_spread_s) and delay_spread_s >= 0):
        raise RoofError(f"delay_spread_s: {delay_spread_s!r} must be a non-negative number of seconds")
    # written whole and parsed again, as the sweeps do: the point and every worker compute from the same bytes
    sources = tuple((dump_scenario(s).encode("utf-8"), str(s.path or s.name)) for s in scenarios)
    scenarios = [_base_scenario(source, file) for source, file in sources]
    if kind == "compare":
        classes = [e for s in scenarios for e in _classes(s)]
        classes += [t.missile_class for s in scenarios for t in s.threat_set]
        point = compare_outcome(scenarios, sharing)
    else:
        classes = _classes(scenarios[0]) + [t.missile_class for t in deterrence_threats(scenarios[0].catalog)]
        point = deterrence_outcome(scenarios[0], rcs_m2)
    params = parameters(classes, delay_spread_s)
    held = held_fields(classes)
    drawn = variants(params, n, seed)
    option = sharing if kind == "compare" else rcs_m2
    jobs = [(kind, sources, params, option, batch) for batch in batches(drawn, batch_size)]
    results = [r for chunk in _run(jobs, workers, executor) for r in chunk]
    run = Run(kind, scenarios, params, drawn, point, [o for o, _ in results], [e for _, e in results], held)
    if not run.ran():
        raise RoofError(f"uncertainty: every one of the {n:,} variants failed; the first: {run.errors[0]}",
                        field="uncertainty")  # fmt: skip
    return run


def robustness(
    kind: str, scenarios: list[Scenario], n: int, seed: int = 0, findings: list[dict] | None = None, **options
) -> dict:
    """The robustness run's ``uncertainty`` JSON (see the module docstring and :func:`run_variants`, which
    takes the ``options``). ``findings`` are the point result's (default: computed here)."""
    run = run_variants(kind, scenarios, n, seed, **options)
    if findings is None:
        findings = _point_findings(kind, run.scenarios, options)
    # the bands and shares are over the variants that ran; the failures are counted and shown
    ran = run.ran()
    params, point, outcomes = run.params, run.point, [run.outcomes[i] for i in ran]
    matrix = np.array([[run.values[i][p.name] for p in params] for i in ran], dtype=float).reshape(
        len(ran), len(params)
    )
    failed = [{"variant": i, "error": error} for i, error in enumerate(run.errors) if error is not None]
    return {
        "n": n,
        "seed": seed,
        "failed": len(failed),
        "failures": failed[:MAX_FAILURES_SHOWN],
        "delay_spread_s": params[-1].high,
        "parameters": [p.to_dict() for p in params],
        "held": run.held,
        "figures": _figures(kind, point, outcomes, params, matrix),
        "findings": [_finding(f, kind, point, outcomes, params, matrix) for f in findings],
    }


def _classes(scenario: Scenario) -> list:
    return [s.entry for s in scenario.interceptor_sites] + [s.entry for s in scenario.sensors]


def _point_findings(kind: str, scenarios: list[Scenario], options: dict) -> list[dict]:
    if kind == "compare":
        return compare(scenarios, sharing=options.get("sharing")).findings
    from securityroof.analysis.deterrence import deterrence

    return deterrence(scenarios[0], rcs_m2=options.get("rcs_m2")).findings()


def _run(jobs: list, workers: int | None, executor) -> list[list[dict]]:
    if executor is None and workers == 1:
        return [_run_batch(job) for job in jobs]
    pool = executor or kernels.process_pool(workers)
    try:
        return list(map_jobs(pool, _run_batch, jobs))
    except BrokenProcessPool:
        raise WorkerError(
            "workers: a worker process died (killed, perhaps for want of memory)", field="workers"
        ) from None
    finally:
        if executor is None:
            pool.shutdown(cancel_futures=True)


# --- summaries -------------------------------------------------------------------------------


def _figures(kind: str, point: dict, outcomes: list[dict], params: list[Parameter], matrix: np.ndarray) -> list[dict]:
    names = COMPARE_FIGURES if kind == "compare" else DETERRENCE_FIGURES
    key = "architecture" if kind == "compare" else "direction"
    rows = []
    for group in point:
        for figure in names:
            values = np.array([_number(o[group][figure]) for o in outcomes], dtype=float)
            known = values[np.isfinite(values)]
            band = np.percentile(known, [50, 5, 95]) if known.size else [None] * 3
            rows.append(
                {
                    key: group,
                    "figure": figure,
                    "point": point[group][figure],
                    "median": _plain(band[0]),
                    "p5": _plain(band[1]),
                    "p95": _plain(band[2]),
                    "spearman": {p.name: _spearman(values, matrix[:, j]) for j, p in enumerate(params)},
                }
            )
    return rows


def _finding(finding: dict, kind: str, point: dict, outcomes: list[dict], params, matrix) -> dict:
    holds = _predicate(finding, kind, point)
    indicator = np.array([holds(o) for o in outcomes], dtype=float)
    correlations = [(p.name, _spearman(indicator, matrix[:, j])) for j, p in enumerate(params)]
    flipped = sorted(
        ((name, r) for name, r in correlations if r is not None and abs(r) >= FLIP_MIN_CORRELATION),
        key=lambda item: -abs(item[1]),
    )
    return {
        "kind": finding["kind"],
        "text": finding["text"],
        "holds_share": float(indicator.mean()) if indicator.size else None,
        "flipped_by": [{"parameter": name, "correlation": r} for name, r in flipped[:3]],
    }


def failures_line(result: dict) -> str | None:
    """How many variants failed and were left out of the bands and shares, with the first error."""
    if not result.get("failed"):
        return None
    first = result["failures"][0]
    return (
        f"{result['failed']:,} of {result['n']:,} variants failed and are left out of the bands and shares "
        f"(the first, variant {first['variant']}: {first['error']})."
    )


def varied_line(result: dict) -> str:
    """What the run varied, each with its range in its unit: the catalog's fields and the decision delay."""
    varied = ", ".join(
        _field_value(p["class"], p["field"], f"{p['low']:,g}–{p['high']:,g}")
        if p["class"]
        else f"the decision delay ±{p['high']:g} s"
        for p in result["parameters"]
    )
    return f"Varied (Latin hypercube): {varied}."


def held_line(result: dict) -> str | None:
    """The catalog ranges the run does not vary because the scenario holds the field at a value."""
    held = result.get("held") or []
    if not held:
        return None
    fields = ", ".join(
        f"{_field_value(h['class'], h['field'], format(h['value'], ',g'))} (catalog range {h['low']:,g}–{h['high']:,g})"
        for h in held
    )
    return f"Held, not varied (set by the scenario or a what-if): {fields}."


def what_would_change(finding: dict) -> str:
    """A robustness finding's line: how often it holds, and the parameters that flip it."""
    share = finding["holds_share"]
    held = "—" if share is None else f"{share:.0%}"
    flips = finding["flipped_by"]
    if share == 1.0:
        change = "nothing within the stated ranges"
    elif not flips:
        change = "no one parameter stands out"
    else:
        change = "; ".join(
            f"{parameter_words(f['parameter'])} (fails toward its {'low' if f['correlation'] > 0 else 'high'} end, "
            f"rank correlation {f['correlation']:+.2f})"
            for f in flips
        )
    return f"Holds in {held} of the variants. What would change this conclusion: {change}."


#: Unit suffixes of catalog field names, which the words leave out (the longer of two alike first).
_UNIT_SUFFIXES = {"_km_s": "km/s", "_km": "km", "_m2": "m²", "_deg": "°", "_s": "s", "_m": "m"}


def _field_value(class_: str, field: str, numbers: str) -> str:
    """A class's field and its value or range in words, with the field's unit: ``an-tpy-2 reference
    range 1,200–2,000 km``."""
    return f"{parameter_words(f'{class_}.{field}')} {numbers} {_split_unit(field)[1]}".rstrip()


def _split_unit(field: str) -> tuple[str, str]:
    """A catalog field's name without its unit suffix, and the unit (``reference_range_km``:
    ``reference_range``, km); the name whole and no unit where it has none."""
    for suffix, unit in _UNIT_SUFFIXES.items():
        if field.endswith(suffix):
            return field.removesuffix(suffix), unit
    return field, ""


#: Each figure of a robustness run in a reader's words (the comparison's as `roof compare` names them).
FIGURE_WORDS = {
    **COMPARE_LABELS,
    "engageable_pairs": "base-target pairs engageable",
    "perfect_cueing_engageable_pairs": "base-target pairs engageable with perfect cueing",
}


def parameter_words(name: str) -> str:
    """A parameter's name (``Parameter.name``) as a reader says it: ``the decision delay``,
    ``don-2n reference range`` (for ``don-2n.reference_range_km``)."""
    if name == DELAY:
        return "the decision delay"
    class_, _, field = name.partition(".")
    return f"{class_} {_split_unit(field)[0].replace('_', ' ')}"


def _predicate(finding: dict, kind: str, point: dict) -> Callable[[dict], bool]:
    """Whether ``finding`` holds in a variant's outcome (see the module docstring)."""
    figures, what = finding["figures"], finding["kind"]
    if what == "deterrence":
        name = figures["direction"]
        return lambda o: (o[name]["engageable_pairs"] > 0) == (point[name]["engageable_pairs"] > 0)
    if what == "threats":
        return lambda o: all(o[a]["threats_total"] == point[a]["threats_total"] for a in point)
    if what == "defends":
        name = figures["architecture"]
        return lambda o: o[name]["protected"] == point[name]["protected"]
    if what in ("same-cities", "cities-differ"):
        return lambda o: (len({tuple(o[a]["protected"]) for a in o}) == 1) == (what == "same-cities")
    if what == "party":
        name, party = figures["architecture"], figures["party"]
        return lambda o: o[name]["added"][party] == point[name]["added"][party]
    if what == "undefended":
        city = figures["city"]
        return lambda o: _undefended(o, city)
    if what == "out-of-range":
        far = sorted(figures["cities_out_of_range"])
        return lambda o: _out_of_range(o) == far
    raise ValueError(f"no robustness predicate for findings of kind {what!r}")


def _undefended(outcome: dict, city: str) -> bool:
    statuses = {a["status"].get(city) for a in outcome.values()}
    return DEFENDED not in statuses and UNDEFENDED in statuses


def _out_of_range(outcome: dict) -> list[str]:
    cities = {city for a in outcome.values() for city in a["status"]}
    return sorted(c for c in cities if all(a["status"].get(c, OUT_OF_RANGE) == OUT_OF_RANGE for a in outcome.values()))


def _spearman(values: np.ndarray, parameter: np.ndarray) -> float | None:
    from scipy.stats import spearmanr

    keep = np.isfinite(values)
    if keep.sum() < 3 or np.ptp(values[keep]) == 0 or np.ptp(parameter[keep]) == 0:
        return None
    return round(float(spearmanr(values[keep], parameter[keep]).statistic), 4)


def _number(value) -> float:
    return np.nan if value is None else float(value)


def _plain(value) -> float | None:
    return None if value is None else float(value)
