"""Loading scenarios: from TOML text, a file, or the library shipped with the package (listed by
:mod:`securityroof.model.scenario.shipped`); the places a command line may name."""

from __future__ import annotations

import dataclasses
import difflib
from pathlib import Path

from securityroof.errors import RoofError
from securityroof.io import tomlfile
from securityroof.model import catalog as _catalog
from securityroof.model.catalog import Catalog
from securityroof.model.scenario.checks import Checker
from securityroof.model.scenario.extends import read_layers
from securityroof.model.scenario.messages import unknown
from securityroof.model.scenario.model import Scenario
from securityroof.model.scenario.schema import Point, ScenarioError
from securityroof.model.scenario.shipped import library


def parse_scenario(
    text: str, file: str = "<scenario>", catalog: Catalog | None = None, path: Path | None = None
) -> Scenario:
    """Parse and check one scenario's TOML text; ``file`` names it in messages, ``path`` (where it
    was read from) places the files it ``extends``. Raises :class:`ScenarioError` with every problem found."""
    layers = read_layers(text, file, path)
    # looked up at call time so that tests can substitute a catalog
    catalog = catalog if catalog is not None else _catalog.load_catalog()
    checker = Checker(layers.data, catalog)
    scenario = checker.run()
    if checker.problems:
        raise ScenarioError(layers.messages(checker.problems))
    assert scenario is not None
    return dataclasses.replace(scenario, path=path)


def load_scenario(name_or_path: str | Path, catalog: Catalog | None = None) -> Scenario:
    """A scenario from a file path or a library name (``roof scenarios`` lists them)."""
    path = _resolve(name_or_path)
    try:
        # utf-8-sig: editors on Windows start UTF-8 files with a byte-order mark, which TOML rejects
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ScenarioError([f"{path}: not UTF-8 text"]) from None
    except OSError as error:
        raise ScenarioError([f"{path}: cannot read: {error.strerror or error}"]) from None
    return parse_scenario(text, file=str(path), catalog=catalog, path=path)


def _resolve(name_or_path: str | Path) -> Path:
    path = Path(name_or_path)
    if path.is_file():
        return path
    text = str(name_or_path)
    names = {entry.name: entry for entry in library() if entry.kind == "scenario"}
    if text in names:
        return Path(names[text].path)
    if any(entry.name == text for entry in library() if entry.kind == "threats"):
        raise ScenarioError(
            [f'{text}: a threat assessment (points and threats) that scenarios extend (extends = "{text}"), '
             "not an architecture: it has no parties or assets to check or engage"]
        )  # fmt: skip
    if path.is_dir():
        raise ScenarioError([f"{text}: is a directory, not a scenario file"])
    if path.suffix or "/" in text or "\\" in text:
        raise ScenarioError([f"{text}: no such file"])
    close = difflib.get_close_matches(text.lower(), list(names), n=3, cutoff=0.5)
    hint = f"did you mean {', '.join(close)}?" if close else f"library scenarios: {', '.join(names) or 'none'}"
    raise ScenarioError([f"{text}: not a file and not a library scenario; {hint}"])


def named_places(catalog: Catalog | None = None) -> dict[str, tuple[float, float]]:
    """Places a command line may name instead of giving coordinates, lowercase: the catalog's cities
    and bases, and the points of the library's threat assessments (``tabriz``); (lat_deg, lon_deg)."""
    catalog = catalog if catalog is not None else _catalog.load_catalog()
    places = {name: (p.lat_deg, p.lon_deg) for name, p in {**catalog.cities, **catalog.bases}.items()}
    for entry in library():
        if entry.kind != "threats":
            continue
        data = tomlfile.loads(Path(entry.path).read_text(encoding="utf-8"), entry.path)
        for row in data.get("point", []):
            point = Point.model_validate(row)
            places.setdefault(point.id, (point.lat_deg, point.lon_deg))
    return places


def place(name: str, field: str, catalog: Catalog | None = None) -> tuple[float, float]:
    """The (lat_deg, lon_deg) of a named place (:func:`named_places`), case-insensitive; an unknown
    name is a :class:`RoofError` of ``field`` with the close names."""
    places = named_places(catalog)
    found = places.get(name.strip().lower())
    if found is None:
        raise RoofError(
            f"{field}: {unknown('place (a catalog city or base, or a library launch point)', name, places)}"
        )
    return found
