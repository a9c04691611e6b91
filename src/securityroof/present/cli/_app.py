"""The ``roof`` command: typer for the interface, rich for what people read.

Every user error ends in one line on stderr naming the field and the reason, and exit code 2;
a run stopped by what it ran on (a dead worker process, a lost Dask scheduler) ends the same way
with exit code 1. An aim point out of a missile's reach is a result, printed like any other.

The commands live in the modules beside this one, one per group; each imports what it computes with
when it runs, so that ``roof --help`` and ``roof --version`` load no physics.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from securityroof._version import __version__
from securityroof.errors import OutputError, RoofError, WorkerError
from securityroof.present.terminal import shown


class _Roof(typer.Typer):
    """The ``roof`` app. Commands check their options and name them in their errors; an input error
    found deeper (a sampling step too fine for a scenario's threats, say) ends the same way, as one
    line and exit code 2, not as a traceback."""

    def __call__(self, *args, **kwargs):
        try:
            return super().__call__(*args, **kwargs)
        except RoofError as error:
            _error_lines(error)
            raise SystemExit(_exit_code(error)) from None


app = _Roof(
    help="securityroof: kinematic analysis of joint missile-defense architectures ('one security roof').",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
errors = Console(stderr=True)


def _error_line(message: str) -> None:
    # messages quote user input (paths, names, keys of a file): shown, so it prints as typed
    errors.print(f"[bold red]error:[/] {shown(message)}", highlight=False, soft_wrap=True)


#: The library's field names as this command's options: an error about a field is shown as one about
#: the option the user typed (``step_s: ...`` as ``--step-s: ...``). The one place the two vocabularies meet.
OPTIONS = {
    "step_s": "--step-s",
    "missile": "--missile",
    "threat": "--threat",
    "extent": "--extent",
    "step_deg": "--step-deg",
    "rcs_m2": "--rcs-m2",
    "interceptor": "--interceptor",
    "missile_toml": "--missile-toml",
    "range_km": "--range-km",
    "apogee_km": "--apogee-km",
    "flight_time_min": "--flight-time-min",
    "burn_time_s": "--burn-time-s",
    "burnout_altitude_km": "--burnout-altitude-km",
    "latitude_deg": "--lat-deg",
    "test_class": "--class",
    "out": "--out",
    "batch": "--batch",
    "workers": "--workers",
    "uncertainty": "--uncertainty",
    "seed": "--seed",
    "scheduler": "--scheduler",
    "outcome": "--outcome",
    "add": "--add",
    "without": "--without",
    "set": "--set",
    "decision_delay_s": "--decision-delay",
    "save_scenario": "--save-scenario",
    "city": "--city",
}


def _error_lines(problem: str | RoofError) -> None:
    # a scenario's or a sweep's problems are one line each; a newline inside one is user text, shown
    messages = getattr(problem, "messages", None)
    for message in messages or [str(problem)]:
        field = RoofError(message).field if messages else getattr(problem, "field", None)
        if field in OPTIONS and message.startswith(f"{field}: "):
            message = f"{OPTIONS[field]}: {message.removeprefix(f'{field}: ')}"
        _error_line(message)


def _fail(problem: str | RoofError, code: int = 2) -> None:
    _error_lines(problem)
    raise typer.Exit(code=code)


def _exit_code(error: RoofError) -> int:
    # 2: the input or output needs changing; 1: what the run ran on failed, and running it again may do
    return 1 if isinstance(error, WorkerError) else 2


#: The optional dependencies a command needs, and the extra of pyproject.toml that installs each.
EXTRAS = {"duckdb": "sweep", "distributed": "cluster", "pandas": "notebook", "fastapi": "web", "uvicorn": "web"}


def _require(field: str, module: str) -> None:
    """Stop before any work, in one line naming the extra to install, when ``module`` is missing:
    a ModuleNotFoundError names a module the user never asked for and not how to get it."""
    if importlib.util.find_spec(module) is None:
        _fail(f"{field}: needs {module}, which is not installed: pip install 'securityroof[{EXTRAS[module]}]'")


def _output_file(option: str, path: Path) -> None:
    """Stop before any work if ``path`` cannot be written as a file."""
    if path.is_dir():
        _fail(f"{option}: {path} is a directory; give a file name")
    if not path.parent.is_dir():
        _fail(f"{option}: {path.parent} is not an existing directory")


def _output_directory(option: str, path: Path) -> None:
    """Stop before any work if ``path`` cannot be used as an output directory (made if missing)."""
    if path.exists() and not path.is_dir():
        _fail(f"{option}: {path} is a file, not a directory")


def _parse_point(option: str, text: str) -> tuple[float, float]:
    """LAT,LON in degrees, or a named place (a catalog city or base, a library launch point)."""
    parts = text.split(",")
    if len(parts) == 1 and text.strip() and not text.strip()[0].isdigit():
        from securityroof.model.scenario import place

        try:
            return place(text, option)
        except RoofError as error:
            _fail(error)
    if len(parts) != 2:
        _fail(f"{option}: expected LAT,LON in decimal degrees (e.g. 35.7,51.4) or a place name, got {text!r}")
    try:
        lat, lon = (float(p) for p in parts)
    except ValueError:
        _fail(f"{option}: expected LAT,LON in decimal degrees (e.g. 35.7,51.4) or a place name, got {text!r}")
    from securityroof.physics.earth import coordinate_problem

    if problem := coordinate_problem(lat, lon):
        _fail(f"{option}: {problem}")
    return lat, lon


def _version(value: bool) -> None:
    if value:
        console.print(f"securityroof {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """securityroof: kinematic analysis of joint missile-defense architectures."""


def _one_format(as_json: bool, as_csv: bool) -> None:
    if as_json and as_csv:
        _fail("--csv: prints CSV, --json prints JSON; give one of them")


def _csv(keys: list[str], rows: list[dict]) -> None:
    """``rows`` (one dict per row, with ``keys``) as CSV on stdout, under a header of ``keys``: a list
    as its items joined by "; ", a missing value as an empty field, true and false as in the JSON."""
    import csv

    def cell(value):
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, list):
            return "; ".join(map(str, value))
        return "" if value is None else value

    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(keys)
    writer.writerows([cell(row[key]) for key in keys] for row in rows)


def _fmt(value, digits: int = 1) -> str:
    # + 0.0 turns a negative zero (an ideal missile's burnout altitude) into 0.0
    return "—" if value is None else f"{value + 0.0:,.{digits}f}"


#: Where `roof CMD --help` lists the what-if options.
WHATIFS = "What-ifs"
Add = Annotated[
    list[str] | None,
    typer.Option(
        "--add",
        help="A TOML file, or TOML text, of rows to add to the scenario (an id it has: replace that row), "
        "and remove = \\[ids]. Repeatable.",
        rich_help_panel=WHATIFS,
    ),
]
Without = Annotated[
    list[str] | None,
    typer.Option(
        "--without",
        help="Switch off this asset (an id of the scenario). Repeatable.",
        rich_help_panel=WHATIFS,
    ),
]
DecisionDelay = Annotated[
    float | None,
    typer.Option(
        "--decision-delay",
        help="Decision delay, s (cueing track to launch decision).",
        rich_help_panel=WHATIFS,
    ),
]
Set = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        help="CLASS.FIELD=VALUE: a numeric field of a catalog class (sm-3-iia.burnout_speed_km_s=5.0), held "
        "there in --uncertainty runs. Repeatable.",
        rich_help_panel=WHATIFS,
    ),
]
SaveScenario = Annotated[
    Path | None,
    typer.Option(
        "--save-scenario",
        help="Write the scenario, what-ifs applied, as a TOML file.",
        rich_help_panel=WHATIFS,
    ),
]


def _load(
    scenario: str,
    add: list[str] | None = None,
    without: list[str] | None = None,
    decision_delay: float | None = None,
    set_: list[str] | None = None,
    save_scenario: Path | None = None,
):
    """A scenario by path or library name with the command's what-ifs applied (and written to
    ``save_scenario``), or exit with every problem printed."""
    from securityroof.io.atomic import write_text
    from securityroof.model.catalog import CatalogError
    from securityroof.model.scenario import ScenarioError, dump_scenario, load_scenario
    from securityroof.model.scenario.whatif import apply_whatifs

    if save_scenario is not None:
        _output_file("--save-scenario", save_scenario)
    try:
        loaded = load_scenario(scenario)
        loaded = apply_whatifs(
            loaded, add=add or (), without=without or (), set=set_ or (), decision_delay_s=decision_delay
        )
        if save_scenario is not None:
            write_text(save_scenario, dump_scenario(loaded))
    except ScenarioError as error:
        _fail(error)  # every problem at once, so a file is fixed in one pass
    except CatalogError as error:
        _fail(str(error))
    except OutputError as error:
        _fail(f"--save-scenario: {error}")
    except RoofError as error:
        _fail(error)
    return loaded
