"""The catalog: public parameter estimates, each with its source, parsed and validated at the edge.

Catalog files are TOML data in the package (``securityroof/data/catalog/``); units are named in the
keys (``burn_time_s``, ``burnout_speed_km_s``) and converted to SI by the typed models here, so the
physics never sees a raw file.
"""

from __future__ import annotations

import difflib
import tomllib
from functools import lru_cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator


class CatalogError(ValueError):
    """A catalog file or lookup that cannot be used; the message names the entry and the reason."""


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", description="identifier used on the command line")
    label: str
    source: str = Field(min_length=1, description="citation for the figures: author, title, year, page or table")
    note: str = Field(default="", description="uncertainty, and where sources disagree")

    @field_validator("source")
    @classmethod
    def _source_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("every catalog entry needs a source")
        return value


class MissileClass(_Entry):
    """A ballistic-missile class: what its boost phase can do, by public estimate."""

    category: Literal["SRBM", "MRBM", "IRBM", "ICBM", "generic"]
    country: str
    stages: int = Field(ge=1, le=4)
    propellant: Literal["liquid", "solid"]
    range_km: float = Field(gt=0, le=20_000, description="published maximum range")
    burn_time_s: float = Field(gt=0, le=600)
    burnout_speed_km_s: float = Field(gt=0, lt=7.9, description="maximum burnout speed, Earth-relative")
    burnout_altitude_km: float = Field(gt=0, le=1000, description="nominal burnout altitude")

    @property
    def burnout_speed_mps(self) -> float:
        return self.burnout_speed_km_s * 1e3

    @property
    def burnout_altitude_m(self) -> float:
        return self.burnout_altitude_km * 1e3


class _MissileFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    missile: list[MissileClass]


class Catalog:
    """All catalog entries, looked up by name."""

    def __init__(self, missiles: list[MissileClass]):
        self.missiles = {m.name: m for m in missiles}
        if len(self.missiles) != len(missiles):
            raise CatalogError("missile names in the catalog must be unique")

    def missile(self, name: str) -> MissileClass:
        try:
            return self.missiles[name]
        except KeyError:
            close = difflib.get_close_matches(name.lower(), list(self.missiles), n=3, cutoff=0.5)
            hint = f"; did you mean {', '.join(close)}?" if close else f"; known classes: {', '.join(self.missiles)}"
            raise CatalogError(f"missile: unknown class {name!r}{hint}") from None


def _format_validation_error(file: str, error: ValidationError) -> str:
    lines = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"])
        lines.append(f"{file}: {where}: {item['msg']}")
    return "\n".join(lines)


def parse_missiles(text: str, file: str = "missiles.toml") -> list[MissileClass]:
    """Parse a missile catalog file's text; errors name the file, the entry's key and the reason."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise CatalogError(f"{file}: not valid TOML: {error}") from None
    try:
        return _MissileFile.model_validate(data).missile
    except ValidationError as error:
        raise CatalogError(_format_validation_error(file, error)) from None


@lru_cache(maxsize=1)
def load_catalog() -> Catalog:
    """The catalog shipped with the package."""
    folder = resources.files("securityroof") / "data" / "catalog"
    return Catalog(parse_missiles((folder / "missiles.toml").read_text(encoding="utf-8")))
