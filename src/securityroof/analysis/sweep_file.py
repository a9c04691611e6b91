"""Sweep files: the axes to vary over a base scenario, checked before anything runs, and the variants.

A sweep file (TOML, data only) names a base scenario, the outcomes to compute and the axes to vary:

```toml
name = "joint-speed-delay"
description = "..."
scenario = "joint-lisbon"              # library name, or a path relative to the sweep file
outcomes = ["engagements"]             # engagements | footprint | deterrence
footprint_threat = "iran-irbm"         # with "footprint"
[sampling]
mode = "grid"                          # every combination; or "random" / "lhs" with samples and seed
[[axis]]
name = "sm3_iia_speed"
kind = "parameter"                     # a numeric field of a catalog class in the scenario
class = "sm-3-iia"
field = "burnout_speed_km_s"
values = [3.5, 4.5, 5.5]               # grid; random sampling takes range = [low, high]
[[axis]]
name = "decision_delay_s"
kind = "decision-delay"
values = [0, 120, 300]
```

Other axis kinds: ``sharing`` (policies), ``asset`` (``asset = ID``, values true/false: present or
absent), ``threat`` (threat ids: the threat set restricted to one threat).
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import math
import tomllib
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, StrictFloat, ValidationError, model_validator

from securityroof._version import __version__
from securityroof.analysis.provenance import catalog_digest
from securityroof.errors import RoofError
from securityroof.io import tomlfile
from securityroof.model.scenario import Scenario, ScenarioError, dump_scenario, load_scenario, parse_scenario

MAX_VARIANTS = 100_000
# every axis is a column of the results table beside these, and would overwrite one of the same name
RESERVED_COLUMNS = frozenset({"variant_id", "outcome", "subject", "value", "error"})


class SweepError(RoofError):
    """A sweep file that cannot be run; ``messages`` names the file, the key and the reason."""

    def __init__(self, messages: list[str]):
        super().__init__("\n".join(messages))
        self.messages = messages


class Axis(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    kind: Literal["parameter", "decision-delay", "sharing", "asset", "threat"]
    values: list[Any] | None = None
    range: tuple[StrictFloat, StrictFloat] | None = None  # lax floats would take "2.0" and true
    class_: str | None = Field(None, alias="class")
    field: str | None = None
    asset: str | None = None

    @model_validator(mode="after")
    def _shape(self) -> Axis:
        if (self.values is None) == (self.range is None):
            raise ValueError("give exactly one of values (a list) or range ([low, high])")
        if self.values is not None and not self.values:
            raise ValueError("values must not be empty")
        if self.range is not None and (
            self.kind not in ("parameter", "decision-delay") or self.range[0] > self.range[1]
        ):
            raise ValueError("range = [low, high] is for numeric axes (parameter, decision-delay), low <= high")
        if self.kind == "parameter" and not (self.class_ and self.field):
            raise ValueError('a "parameter" axis needs class and field')
        if self.kind == "asset" and not self.asset:
            raise ValueError('an "asset" axis needs asset = ID')
        return self


class Sampling(BaseModel):
    model_config = ConfigDict(extra="forbid")

    #: "lhs": a Latin hypercube over the axes (each axis's range cut into ``samples`` equal strata,
    #: one draw in each), which covers every axis evenly with far fewer samples than "random"
    mode: Literal["grid", "random", "lhs"] = "grid"
    samples: int = Field(100, ge=1, le=MAX_VARIANTS)
    seed: int = Field(0, ge=0)  # numpy's generators take non-negative seeds only


class SweepFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    description: str = Field(min_length=1)
    scenario: str
    outcomes: list[Literal["engagements", "footprint", "deterrence"]] = Field(min_length=1)
    footprint_threat: str | None = None
    sampling: Sampling = Sampling()
    axis: list[Axis] = Field(min_length=1)
    batch_size: int = Field(20, ge=1, le=10_000)


@dataclasses.dataclass(frozen=True)
class Sweep:
    spec: SweepFile
    path: Path | None
    base: Scenario
    # the bytes ``base`` was parsed from: workers parse these, not the file, which may change mid-run
    base_source: bytes

    def variants(self) -> list[dict[str, Any]]:
        """Every distinct variant's axis values, in a fixed order (and so fixed batches).

        Numeric values are floats (``60`` and ``60.0`` are one delay), and a variant drawn or listed
        twice is run once: twice would duplicate its rows, and the count of distinct variants done
        would never reach the total."""
        axes = self.spec.axis
        if self.spec.sampling.mode == "grid":
            if any(a.values is None for a in axes):
                raise SweepError(
                    [f"{self._file()}: sampling.mode: grid needs values on every axis (range is for random and lhs)"]
                )
            size = math.prod(len(a.values) for a in axes)
            if size > MAX_VARIANTS:  # counted before the product is built, which would not fit in memory
                raise SweepError(
                    [f"{self._file()}: axis: the grid has {size:,} variants (the product of the axes' value counts), "
                     f"more than {MAX_VARIANTS:,}; use fewer values, or sampling.mode = \"random\""]
                )  # fmt: skip
            combos = itertools.product(*(a.values for a in axes))
            drawn = [dict(zip((a.name for a in axes), combo, strict=True)) for combo in combos]
        elif self.spec.sampling.mode == "lhs":
            unit = latin_hypercube(self.spec.sampling.samples, len(axes), self.spec.sampling.seed)
            drawn = [
                {
                    a.name: (
                        a.range[0] + u * (a.range[1] - a.range[0])
                        if a.range is not None
                        else a.values[min(int(u * len(a.values)), len(a.values) - 1)]
                    )
                    for a, u in zip(axes, row, strict=True)
                }
                for row in unit.tolist()
            ]
        else:
            rng = np.random.default_rng(self.spec.sampling.seed)
            drawn = []
            for _ in range(self.spec.sampling.samples):
                drawn.append(
                    {
                        a.name: (
                            float(rng.uniform(*a.range))
                            if a.range is not None
                            else a.values[int(rng.integers(len(a.values)))]
                        )
                        for a in axes
                    }
                )
        numeric = {a.name for a in axes if a.kind in ("parameter", "decision-delay")}
        distinct: dict[str, dict[str, Any]] = {}
        for values in drawn:
            values = {k: float(v) if k in numeric else v for k, v in values.items()}
            distinct.setdefault(variant_id(values), values)
        return list(distinct.values())

    def fingerprint(self) -> dict[str, str]:
        """What the rows depend on, each part hashed, and ``sha256`` over them all."""
        spec = json.dumps(json.loads(self.spec.model_dump_json(by_alias=True)), sort_keys=True, separators=(",", ":"))
        parts = {
            "base_scenario": hashlib.sha256(self.base_source).hexdigest(),
            "catalog": catalog_digest(),
            "spec": hashlib.sha256(spec.encode()).hexdigest(),
            "version": __version__,
        }
        return {"sha256": hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest(), **parts}

    def _file(self) -> str:
        return str(self.path) if self.path else self.spec.name


def latin_hypercube(samples: int, dimensions: int, seed: int) -> np.ndarray:
    """(samples, dimensions) points in [0, 1): a Latin hypercube, the same for the same seed."""
    from scipy.stats import qmc

    if dimensions == 0:
        return np.zeros((samples, 0))
    return qmc.LatinHypercube(d=dimensions, seed=np.random.default_rng(seed)).random(samples)


def variant_id(values: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()[:16]


def load_sweep(path_or_name: str) -> Sweep:
    """A sweep file by path or library name, checked before anything runs (every error at once)."""
    from securityroof.model.scenario import library

    path = Path(path_or_name)
    if not path.is_file():
        entry = next((e for e in library() if e.name == path_or_name and e.kind == "sweep"), None)
        if entry is None:
            raise SweepError([f"{path_or_name}: not a file and not a library sweep"])
        path = Path(entry.path)
    try:
        data = tomlfile.loads(path.read_text(encoding="utf-8"), str(path))
    except tomllib.TOMLDecodeError as error:
        raise SweepError([f"{path}: not valid TOML: {error}"]) from None
    except tomlfile.TomlLimitError as error:
        raise SweepError([str(error)]) from None
    except UnicodeDecodeError as error:
        raise SweepError([f"{path}: not UTF-8 text (byte {error.start})"]) from None
    try:
        spec = SweepFile.model_validate(data)
    except ValidationError as error:
        raise SweepError(
            [f"{path}: {'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()]
        ) from None
    base_ref = spec.scenario
    candidate = (path.parent / base_ref) if not Path(base_ref).is_absolute() else Path(base_ref)
    try:
        base = load_scenario(str(candidate) if candidate.is_file() else base_ref)
        # written whole, with the files it extends merged in: the bytes fingerprinted and shipped to the
        # workers, parsed again here so that driver and workers compute from the same scenario
        source = dump_scenario(base).encode("utf-8")
        base = parse_scenario(source.decode("utf-8"), file=str(base.path), path=base.path)
    except ScenarioError as error:
        raise SweepError([f"{path}: scenario: {m}" for m in error.messages]) from None
    problems = _check_axes(spec, base, path)
    if problems:
        raise SweepError(problems)
    sweep = Sweep(spec, path, base, source)
    sweep.variants()  # grid/range mismatches are errors before anything runs
    return sweep


def _check_axes(spec: SweepFile, base: Scenario, path: Path) -> list[str]:
    problems = []
    names = [a.name for a in spec.axis]
    for dup in sorted({n for n in names if names.count(n) > 1}):
        problems.append(f"{path}: axis: name {dup!r} is used twice")
    for name in sorted(set(names) & RESERVED_COLUMNS):
        problems.append(f"{path}: axis: name {name!r} is a results column; choose another")
    classes = {s.entry.name: s.entry for s in base.interceptor_sites} | {s.entry.name: s.entry for s in base.sensors}
    classes |= {t.missile: t.missile_class for t in base.threat_set}
    for i, axis in enumerate(spec.axis):
        where = f"{path}: axis.{i}"
        if axis.kind == "parameter":
            entry = classes.get(axis.class_)
            if entry is None:
                problems.append(f"{where}.class: {axis.class_!r} is not used in scenario {base.name}")
            elif not isinstance(getattr(entry, axis.field, None), int | float):
                problems.append(f"{where}.field: {axis.field!r} is not a numeric parameter of {axis.class_}")
            else:
                for key, v in _numbers(axis):
                    # the catalog models would take "2.0" and true, and the variants then fail one by one
                    if isinstance(v, bool) or not isinstance(v, int | float):
                        problems.append(f"{where}.{key}: {v!r} is not a number")
                        continue
                    if not math.isfinite(v):  # the models' bounds say "should be less than 11" of a nan
                        problems.append(f"{where}.{key}: {v!r} is not a finite number")
                        continue
                    try:
                        entry.model_validate({**entry.model_dump(by_alias=True), axis.field: v})
                    except ValidationError as error:
                        problems.append(f"{where}.{key}: {v!r} is not a valid {axis.field}: {error.errors()[0]['msg']}")
        elif axis.kind == "decision-delay":
            for key, v in _numbers(axis):
                if not isinstance(v, int | float) or isinstance(v, bool) or not math.isfinite(v) or v < 0:
                    problems.append(f"{where}.{key}: {v!r} is not a delay in seconds (>= 0)")
        elif axis.kind == "sharing":
            for v in axis.values:
                if v not in ("none", "within-party", "all"):
                    problems.append(f"{where}.values: {v!r} is not a policy (none, within-party, all)")
        elif axis.kind == "asset":
            if axis.asset not in {a.id for a in base.assets}:
                problems.append(f"{where}.asset: {axis.asset!r} is not an asset of {base.name}")
            if any(not isinstance(v, bool) for v in axis.values):
                problems.append(f"{where}.values: an asset axis takes true (present) and false (absent)")
        elif axis.kind == "threat":
            known = {t.threat for t in base.threat_set}
            for v in axis.values:
                if not isinstance(v, str) or v not in known:
                    problems.append(f"{where}.values: {v!r} is not a threat of {base.name}")
    threats = sorted({t.threat for t in base.threat_set})
    if "footprint" in spec.outcomes and spec.footprint_threat is None:
        problems.append(f"{path}: footprint_threat: missing (the footprint outcome needs one of {', '.join(threats)})")
    elif "footprint" in spec.outcomes and spec.footprint_threat not in threats:
        problems.append(f"{path}: footprint_threat: {spec.footprint_threat!r} is not a threat of {base.name}")
    return problems


def _numbers(axis: Axis) -> list[tuple[str, Any]]:
    """A numeric axis's values or range ends, each with the key it was given under."""
    if axis.values is not None:
        return [("values", v) for v in axis.values]
    return [("range", v) for v in axis.range or ()]


def apply(base: Scenario, spec: SweepFile, values: dict[str, Any]) -> Scenario:
    """The base scenario with one variant's axis values applied."""
    scenario = base
    for axis in spec.axis:
        value = values[axis.name]
        if axis.kind == "parameter":
            entry = scenario.catalog.lookup(scenario.catalog.kind_of(axis.class_), axis.class_)
            scenario = scenario.with_entry(entry.model_copy(update={axis.field: value}))
        elif axis.kind == "decision-delay":
            scenario = scenario.with_analysis(decision_delay_s=float(value))
        elif axis.kind == "sharing":
            scenario = scenario.with_sharing(value)
        elif axis.kind == "asset" and not value:
            scenario = scenario.without_asset(axis.asset)
        elif axis.kind == "threat":
            scenario = scenario.with_threats(t for t in scenario.threats if t.id == value)
    return scenario
