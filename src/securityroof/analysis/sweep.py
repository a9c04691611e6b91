"""Sweeps: many variants of one architecture, run in parallel, stored so that nothing is lost.

A sweep file (TOML, data only) names a base scenario, the outcomes to compute and the axes to vary:

```toml
name = "joint-speed-delay"
description = "..."
scenario = "joint-lisbon"              # library name, or a path relative to the sweep file
outcomes = ["engagements"]             # engagements | footprint | deterrence
footprint_threat = "iran-irbm"         # with "footprint"
[sampling]
mode = "grid"                          # every combination; or "random" with samples and seed
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

Results are a Parquet dataset in ``DIR/results/``, one long table: a row per variant × outcome ×
subject (``all``, a city, a cell count...), with every swept parameter as a column, ``variant_id``
and ``error`` (the message where a variant failed; the sweep goes on). Variants run in batches; each
batch's file is written whole and then renamed, and a batch whose file exists is not run again, so
a sweep interrupted anyhow resumes with the same command and never reads a half-written file.

One run at a time writes a results directory (``DIR/.lock``). ``DIR/sweep.json`` records the sweep
and a fingerprint of everything a variant's rows depend on (the base scenario, written whole, the
catalog's, the sweep spec, the package version): batches are found by their variants' ids alone, so
a resume under any other fingerprint would mix rows of two different models, and is refused.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import math
import time
import tomllib
from collections.abc import Callable, Iterable
from concurrent.futures import CancelledError, Executor, Future
from concurrent.futures.process import BrokenProcessPool
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel, ConfigDict, Field, StrictFloat, ValidationError, model_validator

from securityroof._version import __version__
from securityroof.analysis.compare import summarize
from securityroof.analysis.defaults import WORKER_WAIT_S
from securityroof.analysis.deterrence import deterrence_threats, pairs
from securityroof.analysis.engage import engage
from securityroof.analysis.footprint import footprint, footprint_summary
from securityroof.analysis.provenance import catalog_digest
from securityroof.errors import OutputError, RoofError, WorkerError
from securityroof.io import tomlfile
from securityroof.io.atomic import atomic_path, clean_leftovers, exclusive, make_directory, write_text
from securityroof.model.scenario import Scenario, ScenarioError, dump_scenario, load_scenario, parse_scenario
from securityroof.physics import kernels

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

    mode: Literal["grid", "random"] = "grid"
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
                    [f"{self._file()}: sampling.mode: grid needs values on every axis (range is for random)"]
                )
            size = math.prod(len(a.values) for a in axes)
            if size > MAX_VARIANTS:  # counted before the product is built, which would not fit in memory
                raise SweepError(
                    [f"{self._file()}: axis: the grid has {size:,} variants (the product of the axes' value counts), "
                     f"more than {MAX_VARIANTS:,}; use fewer values, or sampling.mode = \"random\""]
                )  # fmt: skip
            combos = itertools.product(*(a.values for a in axes))
            drawn = [dict(zip((a.name for a in axes), combo, strict=True)) for combo in combos]
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


def run_variant(base: Scenario, spec: SweepFile, values: dict[str, Any]) -> list[tuple[str, str, float | None]]:
    """(outcome, subject, value) rows of one variant; None where the value is undefined (a share of no threats)."""
    scenario = apply(base, spec, values)
    rows: list[tuple[str, str, float | None]] = []
    if "engagements" in spec.outcomes:
        summary = summarize(scenario, engage(scenario))
        for key in ("threats_total", "threats_engageable", "shot_opportunities", "protected_population"):
            rows.append((key, "all", float(summary[key])))
        rows.append(("protected_share", "all", summary["protected_share"]))
        cities = {t.aim for t in scenario.threat_set if t.aim_population is not None}
        for city in sorted(cities):
            rows.append(("city_protected", city, float(city in summary["cities_protected"])))
    if "footprint" in spec.outcomes:
        counted = footprint_summary(footprint(scenario, spec.footprint_threat))
        rows.append(("footprint_cells_defended", spec.footprint_threat, float(counted["cells_defended"])))
        rows.append(("footprint_defended_share", spec.footprint_threat, counted["defended_share"]))
    if "deterrence" in spec.outcomes:
        strategic = pairs(scenario, deterrence_threats())
        rows.append(("deterrence_engageable_pairs", "all", float(sum(p["engageable"] for p in strategic))))
    return rows


def run_batch(job) -> pa.Table:
    """One batch of variants to its results table (in a worker). A failing variant is a row with its error."""
    base_source, base_file, spec_json, batch = job
    spec = SweepFile.model_validate_json(spec_json)
    base = _base_scenario(base_source, base_file)
    records = []
    for values in batch:
        vid = variant_id(values)
        try:
            with kernels.one_thread():  # batches run side by side, one per core
                rows = run_variant(base, spec, values)
            error = None
        except Exception as exc:  # noqa: BLE001 - a failed variant is recorded, and the sweep goes on
            rows, error = [("error", "all", None)], f"{type(exc).__name__}: {exc}"
        for outcome, subject, value in rows:
            records.append({"variant_id": vid, **{k: _column_value(v) for k, v in values.items()},
                            "outcome": outcome, "subject": subject, "value": value, "error": error})  # fmt: skip
    return pa.Table.from_pylist(records)


@lru_cache(maxsize=8)
def _base_scenario(base_source: bytes, base_file: str) -> Scenario:
    """The sweep's base scenario, parsed once per worker process: parsing it for every batch cost as
    much as a tenth of a small sweep. Parsed from the driver's bytes, never from the file, which an
    edit during the run would change under the later batches."""
    return parse_scenario(base_source.decode("utf-8-sig"), file=base_file, path=Path(base_file))


def _column_value(value):
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


def batches(variants: list[dict], size: int) -> list[list[dict]]:
    return [variants[i : i + size] for i in range(0, len(variants), size)]


def batch_name(batch: list[dict]) -> str:
    return "part-" + hashlib.sha256("|".join(variant_id(v) for v in batch).encode()).hexdigest()[:20] + ".parquet"


def run_sweep(
    sweep: Sweep,
    out_dir: Path,
    executor: Executor | None = None,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict:
    """Run (or resume) a sweep into ``out_dir``; returns a summary with the failures."""
    out_dir = Path(out_dir)
    make_directory(out_dir, field="out")
    # held from before the sweep.json check to the last part, so two runs can neither both pass the
    # check nor write the same batch
    with exclusive(out_dir / ".lock", str(out_dir), field="out"):
        return _run_locked(sweep, out_dir, executor, workers, progress)


def _run_locked(sweep, out_dir: Path, executor, workers, progress) -> dict:
    record = out_dir / "sweep.json"
    results = out_dir / "results"
    clean_leftovers(record)
    fingerprint = sweep.fingerprint()
    if record.exists() or record.is_symlink():
        _check_record(out_dir, sweep, fingerprint)
    elif results.is_dir() and any(results.glob("part-*.parquet")):
        raise SweepError(
            [f"out: {results} holds results but {out_dir} has no sweep.json, so what they were computed from "
             "is unknown; choose a new directory"]
        )  # fmt: skip
    variants = sweep.variants()
    if not record.is_file():
        # before any part: a directory with parts always says what they were computed from
        write_text(
            record,
            json.dumps(
                {
                    "name": sweep.spec.name,
                    "spec": json.loads(sweep.spec.model_dump_json(by_alias=True)),
                    "variants": len(variants),
                    "fingerprint": fingerprint,
                },
                indent=2,
            ),
        )
    make_directory(results, field="out")
    _clean_part_leftovers(results)
    todo = [b for b in batches(variants, sweep.spec.batch_size) if not (results / batch_name(b)).exists()]
    done_before = len(variants) - sum(len(b) for b in todo)
    base_file = str(sweep.base.path) if sweep.base.path else sweep.spec.scenario
    jobs = [(sweep.base_source, base_file, sweep.spec.model_dump_json(by_alias=True), b) for b in todo]
    own = executor is None
    pool = executor or kernels.process_pool(workers)
    finished = done_before
    try:
        for batch, table in zip(todo, _map(pool, jobs), strict=True):
            # a fresh temporary (never a name someone could plant a link at), renamed: readers only
            # ever see whole files
            with atomic_path(results / batch_name(batch)) as partial:
                pq.write_table(table, partial)
            finished += len(batch)
            if progress:
                progress(finished, len(variants))
    except BrokenProcessPool:
        died = WorkerError("workers: a worker process died (killed, perhaps for want of memory)", field="workers")
        raise _stopped(died, finished, len(variants), out_dir) from None
    except WorkerError as error:
        raise _stopped(error, finished, len(variants), out_dir) from None
    except OutputError as error:  # a full disk, say, while writing a part
        written = OutputError(f"out: {error}", field="out")
        raise _stopped(written, finished, len(variants), out_dir) from None
    finally:
        if own:
            pool.shutdown(cancel_futures=True)
    return summary(out_dir)


def _check_record(out_dir: Path, sweep: Sweep, fingerprint: dict[str, str]) -> None:
    """Refuse to resume into ``out_dir`` unless its rows were computed from what this sweep computes from."""
    record = out_dir / "sweep.json"
    held_spec = read_record(out_dir)
    held = json.loads(record.read_text(encoding="utf-8")).get("fingerprint")
    if held_spec != sweep.spec:
        raise SweepError(
            [f"out: {out_dir} holds the results of another sweep ({held_spec.name!r}, see its sweep.json); "
             "choose a new directory, or run that same sweep to resume it"]
        )  # fmt: skip
    if not isinstance(held, dict) or not isinstance(held.get("sha256"), str):
        raise SweepError(
            [f"out: {record} has no fingerprint (written by an older securityroof), so its results cannot be "
             "checked against this sweep's base scenario and catalog; run the sweep into a new --out directory"]
        )  # fmt: skip
    if held["sha256"] == fingerprint["sha256"]:
        return
    changed = []
    if held.get("base_scenario") != fingerprint["base_scenario"]:
        changed.append(f"the base scenario ({sweep.base.path or sweep.spec.scenario}) has changed")
    if held.get("catalog") != fingerprint["catalog"]:
        changed.append("the catalog has changed")
    if held.get("version") != fingerprint["version"]:
        changed.append(f"securityroof is version {fingerprint['version']}, not {held.get('version')}")
    raise SweepError(
        [f"out: {out_dir} holds results computed before {'; '.join(changed or ['an unknown change'])}, and "
         "new rows would be mixed with them; run the sweep into a new --out directory (or restore what "
         "changed to resume)"]
    )  # fmt: skip


def _clean_part_leftovers(results: Path) -> None:
    """Remove the temporary part files of runs that died while writing them."""
    targets = {p.name[1:].split(".parquet.", 1)[0] for p in results.glob(".part-*.parquet.*.partial")}
    for name in sorted(targets):
        clean_leftovers(results / f"{name}.parquet")
    # the fixed names older versions wrote to; under the lock nobody writes them now
    for path in results.glob("part-*.parquet.partial"):
        path.unlink(missing_ok=True)  # a planted link is removed itself, never followed


def _stopped(cause: RoofError, finished: int, total: int, out_dir: Path) -> RoofError:
    """``cause``, saying what is kept: every finished batch is a whole file, so a re-run does the rest."""
    return type(cause)(
        f"{cause}; {finished} of {total} variants are saved in {out_dir}, and the same command resumes the rest",
        field=cause.field,
        reason=cause.reason,
    )


def _map(pool: Executor, jobs: list) -> Iterable[pa.Table]:
    futures = [pool.submit(run_batch, job) for job in jobs]
    wait = pool.result if isinstance(pool, Cluster) else Future.result
    for future in futures:
        yield wait(future)


class Cluster(Executor):
    """The workers of a Dask scheduler as an executor (``roof sweep --scheduler``); see :func:`connect`.

    A Dask future waits for ever when its scheduler dies or the last worker leaves; :meth:`result`
    looks every second and ends such a wait with a :class:`~securityroof.errors.WorkerError`.
    Shutting it down closes its client."""

    POLL_S = 1.0

    def __init__(self, client, address: str, wait_s: float = WORKER_WAIT_S):
        self.client, self.address, self.wait_s = client, address, wait_s
        self._executor = client.get_executor()

    def submit(self, fn, /, *args, **kwargs) -> Future:
        return self._executor.submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Wait for (or cancel) the tasks submitted here, then close the client."""
        if self.client.status not in ("closing", "closed"):  # a lost scheduler takes no cancellations
            self._executor.shutdown(wait=wait and not cancel_futures)
        self.client.close()

    def result(self, future: Future):
        from distributed import KilledWorker

        alone_since = None
        while True:
            try:
                return future.result(timeout=self.POLL_S)
            except TimeoutError:
                pass
            except CancelledError:  # what the client does to its tasks when it loses the scheduler
                raise self._lost() from None
            except KilledWorker:  # the scheduler gave up on a task that took workers down with it
                raise WorkerError(
                    f"scheduler: Dask workers at {self.address} died running one batch of variants, "
                    "several times over (out of memory?)",
                    field="scheduler",
                ) from None
            if self.client.status in ("closing", "closed"):
                raise self._lost()
            if self._workers():
                alone_since = None
            elif alone_since is None:
                alone_since = time.monotonic()
            elif time.monotonic() - alone_since > self.wait_s:
                raise WorkerError(
                    f"scheduler: no workers left at the scheduler at {self.address} for {self.wait_s:g} s",
                    field="scheduler",
                )

    def _workers(self) -> int:
        info = self.client.scheduler_info(n_workers=1)
        return int(info.get("n_workers", len(info.get("workers", ()))))

    def _lost(self) -> WorkerError:
        return WorkerError(
            f"scheduler: lost the Dask scheduler at {self.address} (it stopped, or cannot be reached)",
            field="scheduler",
        )


def connect(address: str, wait_s: float = WORKER_WAIT_S) -> Cluster:
    """The Dask scheduler at ``address`` as an executor, once at least one worker has joined it:
    submitted to a scheduler without workers, a sweep would wait for ever without a word.
    Shut it down when done."""
    try:
        from distributed import Client
    except ImportError:
        raise RoofError(
            "scheduler: needs the cluster extra: pip install 'securityroof[cluster]'", field="scheduler"
        ) from None
    try:
        client = Client(address, timeout=5)
    except (OSError, TimeoutError) as error:
        raise RoofError(f"scheduler: cannot reach {address}: {error}", field="scheduler") from None
    except ValueError as error:  # not an address at all, e.g. no port
        raise RoofError(
            f"scheduler: {address!r} is not a scheduler address (tcp://HOST:PORT): {error}", field="scheduler"
        ) from None
    try:
        client.wait_for_workers(1, timeout=wait_s)
    except TimeoutError:
        client.close()
        raise WorkerError(
            f"scheduler: no workers joined the scheduler at {address} in {wait_s:g} s; start some "
            f"(dask worker {address}) or wait longer (--wait-workers)",
            field="scheduler",
        ) from None
    return Cluster(client, address, wait_s)


def read_results(out_dir: Path) -> pa.Table:
    """The finished results of a sweep directory (partial files are never read)."""
    files = sorted((Path(out_dir) / "results").glob("part-*.parquet"))
    if not files:
        return pa.table({})
    return pa.concat_tables([_read_part(f) for f in files], promote_options="default")


def _read_part(path: Path) -> pa.Table:
    try:
        return pq.read_table(path)
    except (pa.ArrowException, OSError) as error:
        raise SweepError(
            [f"{path}: not a readable Parquet file ({error}); delete it and run the sweep again to recompute it"]
        ) from None


def read_record(out_dir: Path) -> SweepFile:
    """The spec of the sweep whose results ``out_dir`` holds, from its ``sweep.json``."""
    path = Path(out_dir) / "sweep.json"
    try:
        return SweepFile.model_validate(json.loads(path.read_text(encoding="utf-8"))["spec"])
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SweepError([f"{path}: not a readable sweep record: {error}"]) from None
    except (KeyError, TypeError, ValidationError):
        raise SweepError([f"{path}: not a sweep record (no valid spec)"]) from None


def summary(out_dir: Path) -> dict:
    table = read_results(out_dir)
    if table.num_rows == 0:
        return {"variants_done": 0, "failures": []}
    rows = table.select(["variant_id", "error"]).to_pylist()
    failed = {r["variant_id"]: r["error"] for r in rows if r["error"]}
    return {
        "variants_done": len({r["variant_id"] for r in rows}),
        "failures": [{"variant_id": k, "error": v} for k, v in sorted(failed.items())],
    }


def query(out_dir: Path, sql: str):
    """Run ``sql`` with DuckDB over the sweep's results, available as the view ``results``, read-only.

    The results are read (whole part files only, a broken one named) before the connection is
    locked down, so the locked connection may touch no file at all: allowing the results directory
    instead would still let ``COPY ... TO 'DIR/results/part-x.parquet'`` plant rows that every later
    query and plot reads as results."""
    import duckdb

    table = read_results(out_dir)
    if table.num_rows == 0:
        raise SweepError([f"{out_dir}: no results yet (run the sweep first)"])
    con = duckdb.connect()
    con.register("results", table)
    for setting in (
        "temp_directory = ''",  # DuckDB allows its spill directory even without external access
        "allowed_directories = []",
        "enable_external_access = false",  # no files, URLs, ATTACH, COPY or extension installs
        "autoinstall_known_extensions = false",
        "autoload_known_extensions = false",
        "lock_configuration = true",  # the query cannot SET any of this back
    ):
        con.execute(f"SET {setting}")
    return con.sql(sql)


@dataclasses.dataclass(frozen=True)
class AxisProfile:
    """An outcome along one swept axis: at each value (a bin's centre for a random sweep's numeric
    axis), the mean over the other axes and the spread (min to max)."""

    name: str
    labels: list
    numeric: bool
    mean: np.ndarray
    low: np.ndarray
    high: np.ndarray


def outcome_profiles(out_dir: Path, outcome: str, subject: str) -> tuple[str, list[AxisProfile]]:
    """The sweep's name and the outcome's profile along each swept axis (``roof sweep-plot``)."""
    spec = read_record(out_dir)
    axes = [a.name for a in spec.axis]
    table = read_results(out_dir)
    if table.num_rows == 0:
        raise SweepError([f"{out_dir}: no results yet (run the sweep first)"])
    rows = [r for r in table.to_pylist() if r["outcome"] == outcome and r["subject"] == subject and r["error"] is None]
    if not rows:
        known = sorted({(r["outcome"], r["subject"]) for r in table.select(["outcome", "subject"]).to_pylist()})
        found = f"there are e.g. {known[:8]}"
        raise SweepError([f"outcome: no rows for outcome {outcome!r} and subject {subject!r}; {found}"])
    # missing values (a share of no threats) are left out; results written before they were null hold NaN
    rows = [r for r in rows if r["value"] is not None and math.isfinite(r["value"])]
    if not rows:
        raise SweepError(
            [f"outcome: {outcome!r} for subject {subject!r} has no values in any variant (e.g. no threat in range)"]
        )
    profiles = []
    for name in axes:
        keys = [r[name] for r in rows]
        values = np.array([r["value"] for r in rows], dtype=float)
        numeric = all(isinstance(k, float) for k in keys)
        if numeric and len(set(keys)) > 12:  # a random sweep: bin the axis
            edges = np.linspace(min(keys), max(keys), 11)
            index = np.clip(np.digitize(keys, edges) - 1, 0, 9)
            groups = {0.5 * (edges[i] + edges[i + 1]): values[index == i] for i in range(10) if np.any(index == i)}
        else:
            order = sorted(set(keys)) if numeric else sorted(set(keys), key=str)
            groups = {k: values[[i for i, key in enumerate(keys) if key == k]] for k in order}
        profiles.append(
            AxisProfile(
                name,
                list(groups),
                numeric,
                np.array([np.mean(v) for v in groups.values()]),
                np.array([np.min(v) for v in groups.values()]),
                np.array([np.max(v) for v in groups.values()]),
            )
        )
    return spec.name, profiles
