"""``--uncertainty N`` of `roof compare` and `roof deterrence`: the options, the run on a process pool
or a Dask scheduler, and what it prints (the analysis is :mod:`securityroof.analysis.robustness`)."""

from __future__ import annotations

import logging
from contextlib import contextmanager
from typing import Annotated

import typer
from rich import box

from securityroof.analysis.defaults import WORKER_WAIT_S
from securityroof.errors import RoofError
from securityroof.present.cli._app import _exit_code, _fail, _require, console
from securityroof.present.terminal import fitted_table, shown

Uncertainty = Annotated[
    int | None,
    typer.Option(
        "--uncertainty",
        help="Also run N variants (a seeded Latin hypercube over the catalog's stated ranges and the decision "
        "delay +-60 s) and report each figure's median and 5-95 % band and how often each finding holds.",
    ),
]
ReportUncertainty = Annotated[
    int,
    typer.Option(
        "--uncertainty",
        help="Run N variants (a seeded Latin hypercube over the catalog's stated ranges and the decision delay "
        "+-60 s): each comparison figure's median and 5-95 % band, and under each finding how often it holds "
        "and what would change it. 0 for none.",
    ),
]
Seed = Annotated[int, typer.Option("--seed", help="The --uncertainty variants' seed: the same seed, the same bands.")]
Workers = Annotated[
    int | None, typer.Option("--workers", help="--uncertainty: local worker processes (default: one per core).")
]
Scheduler = Annotated[
    str | None, typer.Option("--scheduler", help="--uncertainty: a Dask scheduler address (tcp://HOST:8786).")
]


def report_variants(n: int, seed: int, workers: int | None, scheduler: str | None) -> int | None:
    """A report's ``--uncertainty`` (on by default; 0: none) checked as :func:`check` does: the number of
    variants, or None for no run."""
    if n < 0:
        _fail(f"--uncertainty: {n} variants; give 0 (none) or more")
    if n == 0 and (workers is not None or scheduler is not None or seed != 0):
        _fail("--uncertainty: 0 runs no variants; --seed, --workers and --scheduler are for a robustness run")
    check(n or None, seed, workers, scheduler, as_csv=False)
    return n or None


def check(n: int | None, seed: int, workers: int | None, scheduler: str | None, as_csv: bool) -> None:
    """Stop before any work on options that cannot run."""
    if n is None:
        if workers is not None or scheduler is not None or seed != 0:
            _fail("--uncertainty: --seed, --workers and --scheduler are for a robustness run; add --uncertainty N")
        return
    if n < 1:
        _fail(f"--uncertainty: {n} variants; give at least 1")
    if seed < 0:
        _fail(f"--seed: {seed} must be a non-negative integer")
    if workers is not None and workers < 1:
        _fail(f"--workers: {workers} must be at least 1")
    if as_csv:
        _fail("--uncertainty: prints a table or --json, not --csv")
    if scheduler is not None:
        _require("--scheduler", "distributed")


@contextmanager
def executor(workers: int | None, scheduler: str | None):
    """What a command's robustness runs share (a report makes several): the Dask cluster at
    ``scheduler``, or a process pool of ``workers`` (default: one per core), started once; None for
    one worker (the runs go in this process). A problem with either is one line."""
    from securityroof.analysis.sweep import connect
    from securityroof.physics import kernels

    pool = None
    try:
        if scheduler is not None:
            logging.disable(logging.CRITICAL)  # one line for a lost scheduler, not the client's tracebacks
            pool = connect(scheduler, WORKER_WAIT_S)
        elif workers != 1:
            pool = kernels.process_pool(workers)
    except RoofError as error:
        logging.disable(logging.NOTSET)
        _fail(error, code=_exit_code(error))
    try:
        yield pool
    finally:
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
        logging.disable(logging.NOTSET)


def run(kind: str, scenarios, n: int, seed: int, pool, findings, **options) -> dict:
    """The robustness run (see :func:`securityroof.analysis.robustness.robustness`) on ``pool`` (from
    :func:`executor`; None: in this process)."""
    from securityroof.analysis.robustness import robustness

    try:
        return robustness(kind, scenarios, n, seed, workers=1, executor=pool, findings=findings, **options)
    except RoofError as error:
        _fail(error, code=_exit_code(error))


def print_hint() -> None:
    """Under findings printed without a robustness run: how to ask how sure they are."""
    console.print(
        "[dim]How sure is each finding? Add --uncertainty 100: how often it holds over the catalog's "
        "stated ranges and the decision delay, and what would change it.[/]",
        highlight=False,
    )


def print_uncertainty(result: dict) -> None:
    """The bands table, then each finding with how often it holds and what would change it."""
    from securityroof.analysis.robustness import (
        FIGURE_WORDS,
        failures_line,
        held_line,
        varied_line,
        what_would_change,
    )

    key = "architecture" if result["figures"] and "architecture" in result["figures"][0] else "direction"
    rows = [
        [shown(row[key]), shown(FIGURE_WORDS[row["figure"]]), _value(row["point"]), _value(row["median"]),
         _value(row["p5"]), _value(row["p95"])]
        for row in result["figures"]
    ]  # fmt: skip
    table, _ = fitted_table(
        [key, "figure", "point", "median", "5 %", "95 %"],
        rows,
        console.width,
        text={key, "figure"},
        title=f"Robustness: {result['n']} variants (seed {result['seed']})",
        box=box.SIMPLE_HEAD,
        show_edge=False,
    )
    console.print()
    console.print(table)
    console.print(shown(varied_line(result)), highlight=False)
    if held := held_line(result):
        console.print(shown(held), highlight=False)
    if failed := failures_line(result):
        console.print(shown(failed), highlight=False)
    console.print()
    for finding in result["findings"]:
        console.print("- " + shown(finding["text"]), highlight=False)
        console.print("  " + shown(what_would_change(finding)), highlight=False)


def _value(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.3g}" if abs(value) < 1 else f"{value:,.1f}"
    return f"{int(value):,}"
