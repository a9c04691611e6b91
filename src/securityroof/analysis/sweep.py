"""Sweeps: many variants of one architecture, run in parallel, stored so that nothing is lost.

The file format, checks and variants are :mod:`securityroof.analysis.sweep_file`; reading finished
results back (tables, DuckDB queries, the plot's profiles) is :mod:`securityroof.analysis.sweep_results`.

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

import hashlib
import json
import time
from collections.abc import Callable, Iterable
from concurrent.futures import CancelledError, Executor, Future
from concurrent.futures.process import BrokenProcessPool
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from securityroof.analysis.compare import summarize
from securityroof.analysis.defaults import WORKER_WAIT_S
from securityroof.analysis.deterrence import deterrence_threats, pairs
from securityroof.analysis.engage import engage
from securityroof.analysis.footprint import footprint, footprint_summary
from securityroof.analysis.sweep_file import Sweep, SweepError, SweepFile, apply, load_sweep, variant_id
from securityroof.analysis.sweep_results import outcome_profiles, query, read_record, read_results, summary
from securityroof.errors import OutputError, RoofError, WorkerError
from securityroof.io.atomic import atomic_path, clean_leftovers, exclusive, make_directory, write_text
from securityroof.model.scenario import Scenario, parse_scenario
from securityroof.physics import kernels

#: The sweep API as the `roof` command, the tests and the benchmarks import it: running is defined
#: here, the file and its results in the two modules beside this one.
__all__ = [
    "Cluster",
    "Sweep",
    "SweepError",
    "SweepFile",
    "batch_name",
    "batches",
    "connect",
    "load_sweep",
    "map_jobs",
    "outcome_profiles",
    "query",
    "read_results",
    "run_batch",
    "run_sweep",
    "run_variant",
]


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
    kernels.settle_allocator()  # on a Dask worker (see there)
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
        for batch, table in zip(todo, map_jobs(pool, run_batch, jobs), strict=True):
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


def map_jobs(pool: Executor, fn: Callable, jobs: list) -> Iterable:
    """``fn`` of each job on ``pool`` (a process pool or a Dask :class:`Cluster`), in order."""
    futures = [pool.submit(fn, job) for job in jobs]
    wait = pool.result if isinstance(pool, Cluster) else Future.result
    for future in futures:
        yield wait(future)


class Cluster(Executor):
    """The workers of a Dask scheduler as an executor (``roof sweep --scheduler``); see :func:`connect`.

    A Dask future waits for ever when its scheduler dies or the last worker leaves; :meth:`result`
    looks every second and ends such a wait with a :class:`~securityroof.errors.WorkerError`.

    While it is open, the statistical profiler of the workers present is paused: it samples the
    running task's stack every 10 ms on the worker's event loop, holding the interpreter lock, and
    cost a robustness run 10-25 % more CPU on Dask than on a process pool. Shutting it down resumes
    the profilers and closes its client."""

    POLL_S = 1.0

    def __init__(self, client, address: str, wait_s: float = WORKER_WAIT_S):
        self.client, self.address, self.wait_s = client, address, wait_s
        self._executor = client.get_executor()
        self._profilers(running=False)

    def submit(self, fn, /, *args, **kwargs) -> Future:
        return self._executor.submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Wait for (or cancel) the tasks submitted here, then close the client."""
        if self.client.status not in ("closing", "closed"):  # a lost scheduler takes no cancellations
            self._executor.shutdown(wait=wait and not cancel_futures)
            self._profilers(running=True)
        self.client.close()

    def _profilers(self, running: bool) -> None:
        try:
            self.client.run(_worker_profiler, running=running)
        except (OSError, TimeoutError):  # workers leaving, or a lost scheduler: their profilers are theirs
            pass

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


def _worker_profiler(running: bool, dask_worker=None) -> None:
    """On a Dask worker (``Client.run`` passes it): start or stop its statistical profiler."""
    for name in ("profile", "profile-cycle"):
        callback = dask_worker.periodic_callbacks.get(name)
        if callback is None:
            continue
        if running:
            callback.start()
        else:
            callback.stop()


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
