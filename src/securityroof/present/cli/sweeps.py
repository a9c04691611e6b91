"""`roof sweep`, `roof sweep-plot`, `roof query`: parameter sweeps and their results."""

from __future__ import annotations

import json
import logging
import math
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from securityroof.analysis.defaults import (
    WORKER_WAIT_S,
)
from securityroof.errors import OutputError, RoofError
from securityroof.present.cli._app import (
    _exit_code,
    _fail,
    _output_directory,
    _output_file,
    _require,
    app,
    console,
    errors,
)
from securityroof.present.terminal import shown

#: Where `roof --help` lists this group's commands.
PANEL = "Sweeps"


@app.command("sweep", rich_help_panel=PANEL)
def sweep_command(
    sweep: Annotated[str, typer.Argument(help="Sweep file, or a library sweep from `roof scenarios`.")],
    out: Annotated[Path, typer.Option("--out", help="Directory for the results (resumed if it holds some).")],
    workers: Annotated[
        int | None, typer.Option("--workers", help="Local worker processes (default: one per core).")
    ] = None,
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", help="A Dask scheduler address (tcp://HOST:8786) to run on instead.")
    ] = None,
    wait_workers: Annotated[
        float,
        typer.Option(
            "--wait-workers",
            help="Seconds to wait for the --scheduler to have a worker, at the start or once all have left.",
        ),
    ] = WORKER_WAIT_S,
) -> None:
    """Run every variant of a sweep (or resume it), in parallel, into a Parquet dataset."""
    from securityroof.analysis.sweep import SweepError, connect, load_sweep, run_sweep

    if workers is not None and workers < 1:
        _fail(f"--workers: {workers} must be at least 1")
    if not (math.isfinite(wait_workers) and wait_workers > 0):
        _fail(f"--wait-workers: {wait_workers:g} must be a positive number of seconds")
    _output_directory("--out", out)
    try:
        loaded = load_sweep(sweep)
    except SweepError as error:
        _fail(error)
    total = len(loaded.variants())
    progress = Progress(
        TextColumn("[bold]variants"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(), console=errors, transient=True,
        disable=not errors.is_terminal,  # off a terminal it only printed an empty line
    )  # fmt: skip
    executor = None
    try:
        if scheduler is not None:
            # a lost scheduler is one line, not the Dask client's reconnection tracebacks logged on
            # the way (securityroof itself logs nothing)
            logging.disable(logging.CRITICAL)
            executor = connect(scheduler, wait_workers)
        started = time.perf_counter()
        with progress:
            task = progress.add_task("variants", total=total, rate="")

            def advance(done: int, of: int) -> None:
                rate = done / max(time.perf_counter() - started, 1e-9)
                progress.update(task, completed=done, rate=f"{rate:.1f}/s")

            result = run_sweep(loaded, out, executor=executor, workers=workers, progress=advance)
    except RoofError as error:  # a bad --out as well: busy, unwritable, or another sweep's
        _fail(error, code=_exit_code(error))
    finally:
        if executor is not None:
            executor.shutdown(wait=False)
        logging.disable(logging.NOTSET)
    console.print(
        f"{shown(loaded.spec.name)}: {result['variants_done']} of {total} variants in {shown(out)}"
        f" ({len(result['failures'])} failed)",
        highlight=False,
    )
    for failure in result["failures"][:10]:
        console.print(f"  failed {shown(failure['variant_id'])}: {shown(failure['error'])}", highlight=False)


@app.command("sweep-plot", rich_help_panel=PANEL)
def sweep_plot_command(
    directory: Annotated[Path, typer.Argument(help="A sweep's results directory.")],
    out: Annotated[Path, typer.Option("--out", help="Image to write (.png or .svg).")],
    outcome: Annotated[str, typer.Option("--outcome", help="Which outcome to plot.")] = "protected_share",
    subject: Annotated[str, typer.Option("--subject", help="Its subject: all, a city, a threat.")] = "all",
) -> None:
    """Plot a sweep's outcome against each swept axis, with the spread over the other axes."""
    from securityroof.analysis.sweep import SweepError
    from securityroof.present.plots import plot_outcome

    if out.suffix.lower() not in (".png", ".svg"):
        _fail(f"--out: {out} must end in .png or .svg")
    _output_file("--out", out)
    if not (directory / "sweep.json").exists():
        _fail(f"{directory}: not a sweep results directory (no sweep.json)")
    try:
        plot_outcome(directory, outcome, subject, out)
    except SweepError as error:
        _fail(error)
    except OutputError as error:
        _fail(f"--out: {error}")
    console.print(f"plot written to {shown(out)}", highlight=False)


def _json_value(value, replaced: list[int]):
    """``value`` with every NaN and infinity in it, however deep in lists and structs, as None (counted):
    JSON has no NaN, and a value SQL leaves undefined is null, like a missing one."""
    if isinstance(value, float) and not math.isfinite(value):
        replaced[0] += 1
        return None
    if isinstance(value, dict):  # a STRUCT, or a MAP, whose keys may be any value
        return {_json_key(k, replaced): _json_value(v, replaced) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_value(v, replaced) for v in value]
    return value


def _json_key(key, replaced: list[int]):
    if isinstance(key, float) and not math.isfinite(key):
        replaced[0] += 1
        return None  # written as "null"
    return key if key is None or isinstance(key, str | int | float) else str(key)


@app.command("query", rich_help_panel=PANEL)
def query_command(
    directory: Annotated[Path, typer.Argument(help="A sweep's results directory.")],
    sql: Annotated[str, typer.Argument(help="SQL over the view `results` (DuckDB).")],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON rows (NaN and infinite numbers as null).")
    ] = False,
) -> None:
    """Ask a sweep's results a question in SQL, e.g. below which speed a city stops being protected.
    The SQL sees the results only: it cannot read or write files, attach databases or install extensions."""
    from securityroof.analysis.sweep import SweepError, query

    _require("query", "duckdb")
    if not sql.strip():
        _fail('query: empty; e.g. "select outcome, avg(value) from results group by outcome"')
    try:
        relation = query(directory, sql)
        columns = relation.columns
        rows = relation.fetchall()
    except SweepError as error:
        _fail(error)
    except Exception as error:  # noqa: BLE001 - DuckDB's parser and binder errors, shown on one line
        _fail(f"query: {str(error).splitlines()[0]}")
    if as_json:
        replaced = [0]
        records = [{c: _json_value(v, replaced) for c, v in zip(columns, row, strict=True)} for row in rows]
        sys.stdout.write(json.dumps(records, default=str, allow_nan=False) + "\n")
        if replaced[0]:
            errors.print(f"note: {replaced[0]} NaN or infinite value(s) printed as null (JSON has no NaN)",
                         highlight=False)  # fmt: skip
        return
    table = Table(box=box.SIMPLE_HEAD)
    for column in columns:
        table.add_column(shown(column))
    for row in rows:
        table.add_row(*(shown(v) for v in row))
    console.print(table)
