"""A sweep directory's finished results, read back: the table, its summary, read-only DuckDB queries,
and the outcome profiles ``roof sweep-plot`` draws (see :mod:`securityroof.analysis.sweep`)."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import ValidationError

from securityroof.analysis.sweep_file import SweepError, SweepFile


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
