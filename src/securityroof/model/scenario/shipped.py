"""The scenarios shipped with the package: where they are and what each is (architectures, the
threat assessments they extend, sweeps). Read without checking them, so that the list works even
while a file would not validate, and below the loading (:mod:`securityroof.model.scenario.library`)
and the merging of files (:mod:`securityroof.model.scenario.extends`), which both name them."""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from securityroof.io import tomlfile


@dataclass(frozen=True)
class LibraryEntry:
    name: str
    path: str
    kind: str
    description: str

    def to_dict(self) -> dict[str, str]:
        return dataclasses.asdict(self)


def library_folder() -> Path:
    """Where the shipped scenarios live (a real folder: the package is installed unzipped)."""
    return Path(str(resources.files("securityroof") / "data" / "scenarios"))


def library() -> list[LibraryEntry]:
    """The scenarios shipped with the package, by name: architectures (kind ``scenario``), the threat
    assessments they extend (``threats``: not whole scenarios) and sweeps. Descriptions are read
    without checking the scenario against the catalog, so the list works even while a file would not
    validate."""
    entries = []
    sweeps = Path(str(resources.files("securityroof") / "data" / "sweeps"))
    for kind, folder in (("scenario", library_folder()), ("threats", library_folder() / "threats"), ("sweep", sweeps)):
        for path in sorted(folder.glob("*.toml")) if folder.is_dir() else []:
            try:
                description = tomlfile.loads(path.read_text(encoding="utf-8"), str(path)).get("description", "")
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, tomlfile.TomlLimitError):
                description = ""
            entries.append(LibraryEntry(path.stem, str(path), kind, str(description).strip()))
    return entries
