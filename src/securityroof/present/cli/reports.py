"""`roof demo`, `roof report`, `roof map`: the report and the maps."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from securityroof.analysis.defaults import REPORT_UNCERTAINTY_VARIANTS
from securityroof.errors import OutputError, RoofError
from securityroof.present.cli import uncertainty
from securityroof.present.cli._app import (
    Add,
    DecisionDelay,
    SaveScenario,
    Set,
    Without,
    _fail,
    _load,
    _output_directory,
    _output_file,
    app,
    console,
    errors,
)
from securityroof.present.terminal import shown

#: Where `roof --help` lists this group's commands.
PANEL = "Reports and maps"


@app.command("demo", rich_help_panel=PANEL)
def demo_command(
    out: Annotated[Path, typer.Option("--out", help="Where to write the report.")] = Path("roof-report"),
    uncertainty_n: uncertainty.ReportUncertainty = REPORT_UNCERTAINTY_VARIANTS,
) -> None:
    """The built-in demo: compare EPAA phase 3 with the joint NATO-Russia architecture and write the report."""
    from securityroof.present.cli.analyses import print_findings

    names = ["epaa-phase-3", "joint-lisbon"]
    _output_directory("--out", out)
    n = uncertainty.report_variants(uncertainty_n, 0, None, None)
    page: dict = {}

    def keep(findings, robust):
        page.update(findings=findings, robust=robust)

    path = _report([_load(name) for name in names], out, None, n, on_findings=keep)
    print_findings(page["findings"], page["robust"])
    console.print(f"Open {shown(path.resolve())} in a browser (it needs no network).", highlight=False)


@app.command("report", rich_help_panel=PANEL)
def report_command(
    scenarios: Annotated[list[str], typer.Argument(help="Architectures: scenario files or library names.")],
    out: Annotated[Path, typer.Option("--out", help="Directory for index.html and its images and grids.")],
    threat: Annotated[
        str | None, typer.Option("--threat", help="Threat for the defended footprint (default: the Iranian IRBM).")
    ] = None,
    add: Add = None,
    without: Without = None,
    decision_delay: DecisionDelay = None,
    set_: Set = None,
    save_scenario: SaveScenario = None,
    uncertainty_n: uncertainty.ReportUncertainty = REPORT_UNCERTAINTY_VARIANTS,
    seed: uncertainty.Seed = 0,
    workers: uncertainty.Workers = None,
    scheduler: uncertainty.Scheduler = None,
) -> None:
    """Write a self-contained HTML report: comparison, maps, engagements, footprint, deterrence, sources."""
    _output_directory("--out", out)
    n = uncertainty.report_variants(uncertainty_n, seed, workers, scheduler)
    if save_scenario is not None and len(scenarios) > 1:
        _fail("--save-scenario: writes one scenario; give one architecture, or save each with roof engage")
    loaded = [_load(name, add, without, decision_delay, set_, save_scenario) for name in scenarios]
    path = _report(loaded, out, threat, n, seed, workers, scheduler)
    console.print(f"report written to {shown(path)}", highlight=False)


def _report(
    loaded, out: Path, threat: str | None, n: int | None, seed=0, workers=None, scheduler=None, on_findings=None
) -> Path:
    """The report of ``loaded`` in ``out``, with a robustness run of ``n`` variants (None: none), its
    comparison's and each deterrence check's sharing one pool of workers."""
    from securityroof.present.report import write_report

    names = [scenario.name for scenario in loaded]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:  # each scenario's section and files are named after it
        _fail(f"scenarios: {', '.join(repeated)} given more than once (by name)")
    if threat is not None and not threat.strip():
        _fail("--threat: empty; leave it out for the default threat")
    steps = 2 + 3 * len(loaded) + 1  # engagements, comparison; footprint, map, deterrence each; the page
    steps += 0 if n is None else 1 + len(loaded)  # the comparison's robustness run, each deterrence's
    progress = Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), console=errors, transient=True
    )
    with uncertainty.executor(1 if n is None else workers, scheduler if n else None) as pool:

        def robust(kind, architectures, findings):
            return uncertainty.run(kind, architectures, n, seed, pool, findings)

        try:
            with progress:
                task = progress.add_task("report", total=steps)

                def step(message: str) -> None:
                    progress.update(task, description=shown(message), advance=1)

                return write_report(
                    loaded, out, threat=threat, progress=step, on_findings=on_findings,
                    uncertainty=None if n is None else robust,
                )  # fmt: skip
        except OutputError as error:
            _fail(f"--out: {error}")
        except RoofError as error:
            _fail(error)


@app.command("map", rich_help_panel=PANEL)
def map_command(
    scenario: Annotated[str, typer.Argument(help="Architecture: scenario file or library name.")],
    out: Annotated[Path, typer.Option("--out", help="Image to write: .png or .svg.")],
    threat: Annotated[
        str | None, typer.Option("--threat", help="Shade the defended footprint against this threat of the scenario.")
    ] = None,
    add: Add = None,
    without: Without = None,
    decision_delay: DecisionDelay = None,
    set_: Set = None,
    save_scenario: SaveScenario = None,
) -> None:
    """Draw an architecture (assets, radar coverage, interceptor reach, threat tracks, footprint) offline."""
    from securityroof.analysis.footprint import footprint
    from securityroof.present.maps import draw_map

    if out.suffix.lower() not in (".png", ".svg"):
        _fail(f"--out: {out} must end in .png or .svg")
    _output_file("--out", out)
    loaded = _load(scenario, add, without, decision_delay, set_, save_scenario)
    grid = None
    if threat is not None:
        try:
            grid = footprint(loaded, threat)
        except RoofError as error:
            _fail(error)
    try:
        draw_map(loaded, out, footprint=grid)
    except OutputError as error:
        _fail(f"--out: {error}")
    console.print(f"map of {shown(loaded.name)} written to {shown(out)}", highlight=False)
