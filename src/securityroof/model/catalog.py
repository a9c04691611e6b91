"""The catalog: public parameter estimates, each with its source, parsed and validated at the edge.

Catalog files are TOML data in the package (``securityroof/data/catalog/``); units are named in the
keys (``burn_time_s``, ``burnout_speed_km_s``) and converted to SI by the typed models here, so the
physics never sees a raw file.
"""

from __future__ import annotations

import difflib
import math
import tomllib
from functools import cache, lru_cache
from importlib import resources
from typing import Annotated, Any, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    TypeAdapter,
    ValidationError,
    create_model,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from securityroof.errors import RoofError
from securityroof.io import tomlfile


class CatalogError(RoofError):
    """A catalog file or lookup that cannot be used; the message names the entry and the reason."""


#: The name the trajectory API gives the textbook missile; no class may take it.
IDEAL_MISSILE = "ideal"


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", description="identifier used on the command line")
    label: str
    source: str = Field(min_length=1, description="citation for the figures: author, title, year, page or table")
    note: str = Field(default="", description="uncertainty, and where sources disagree")
    # (low, high) by field name, from the `<field>_range` keys: kept out of the fields, so that a
    # what-if built from model_dump() (a sweep variant, a fly-out cache key) never carries a range
    # its new value has left
    _ranges: dict[str, tuple[float, float]] = PrivateAttr(default_factory=dict)

    @property
    def ranges(self) -> dict[str, tuple[float, float]]:
        """The plausible (low, high) of each field the sources disagree on, by field name."""
        return dict(self._ranges)

    def row(self) -> dict[str, Any]:
        """The entry as a catalog or scenario file writes it: its fields, each ranged one followed by
        its ``<field>_range``."""
        row = {}
        for key, value in self.model_dump().items():
            row[key] = value
            if key in self._ranges:
                row[f"{key}{RANGE_SUFFIX}"] = list(self._ranges[key])
        return row

    def without_left_ranges(self) -> Self:
        """This entry without the ranges its values have left: a what-if value (a sweep variant, a
        faster interceptor) is the what-if's own, not the estimate the range was stated for."""
        kept = {key: (low, high) for key, (low, high) in self._ranges.items() if low <= getattr(self, key) <= high}
        if kept == self._ranges:
            return self
        entry = self.model_copy()
        entry._ranges = kept
        return entry

    @model_validator(mode="wrap")
    @classmethod
    def _split_ranges(cls, data: Any, handler) -> _Entry:
        """``<field>_range = [low, high]`` keys, checked against the field: it exists and is numeric,
        both ends are finite and within the field's own bounds, and low <= value <= high;
        ``<field>_range = []`` states no range (:data:`HELD`)."""
        if not isinstance(data, dict):
            return handler(data)
        given = {key: value for key, value in data.items() if isinstance(key, str) and key.endswith(RANGE_SUFFIX)}
        problems: list[InitErrorDetails] = []
        ranges = {}
        for key, value in given.items():
            try:
                checked = _checked_range(cls, key, value)
            except ValueError as error:
                problems.append(_problem(key, value, str(error)))
                continue
            if checked is not None:
                ranges[key.removesuffix(RANGE_SUFFIX)] = checked
        try:
            entry = handler({key: value for key, value in data.items() if key not in given})
        except ValidationError as error:
            raise ValidationError.from_exception_data(cls.__name__, [*_details(error), *problems]) from None
        for field, (low, high) in ranges.items():
            value = getattr(entry, field)
            if not low <= value <= high:
                key = f"{field}{RANGE_SUFFIX}"
                problems.append(
                    _problem(key, given[key], f"{field} = {value:g} is outside its range [{low:g}, {high:g}]")
                )
        if problems:
            raise ValidationError.from_exception_data(cls.__name__, problems)
        entry._ranges = ranges
        return entry

    @field_validator("source")
    @classmethod
    def _source_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("every catalog entry needs a source")
        return value


#: How a file names the plausible range of a numeric field: ``burnout_speed_km_s_range = [4.0, 5.0]``.
RANGE_SUFFIX = "_range"
#: A range written empty (``burnout_speed_km_s_range = []``): the field is held at its value, and the
#: range the catalog states for it is not the scenario's (a robustness run does not vary it).
HELD: tuple = ()


def numeric_fields(model: type[BaseModel]) -> list[str]:
    """The fields of a catalog model that hold a number (and so may take a range or a what-if)."""
    return [name for name, info in model.model_fields.items() if info.annotation in (float, int)]


def _checked_range(model: type[_Entry], key: str, value: Any) -> tuple[float, float] | None:
    """The (low, high) of a ``<field>_range`` key; None for an empty one (:data:`HELD`)."""
    field = key.removesuffix(RANGE_SUFFIX)
    numeric = numeric_fields(model)
    if field in model.model_fields and field not in numeric:
        raise ValueError(f"{field} is not a numeric field, so it takes no range")
    if field not in numeric:
        close = difflib.get_close_matches(field, numeric, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]}{RANGE_SUFFIX}?" if close else f"numeric fields: {', '.join(numeric)}"
        raise ValueError(f"no field {field!r} to range; {hint}")
    numbers = isinstance(value, list | tuple) and all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in value
    )
    if numbers and len(value) == 0:
        return None
    if not numbers or len(value) != 2:
        raise ValueError(f"expected [low, high], two numbers (or [] for none), got {value!r}")
    low, high = (float(v) for v in value)
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ValueError(f"expected two finite numbers, got {value!r}")
    if low > high:
        raise ValueError(f"low {low:g} exceeds high {high:g}")
    bounds = _bounds(model, field)
    for end, number in (("low", low), ("high", high)):
        try:
            bounds.validate_python(number)
        except ValidationError as error:
            raise ValueError(f"{end} end {number:g}: {error.errors()[0]['msg']}, as {field} itself") from None
    return low, high


@cache
def _bounds(model: type[_Entry], field: str) -> TypeAdapter:
    info = model.model_fields[field]
    return TypeAdapter(Annotated[float, *info.metadata])


def _problem(key: str, value: Any, reason: str) -> InitErrorDetails:
    # a value_error with a plain message, at the range's own key, as pydantic reports a field's
    return InitErrorDetails(
        type=PydanticCustomError("value_error", "{error}", {"error": reason}), loc=(key,), input=value
    )


def _details(error: ValidationError) -> list[InitErrorDetails]:
    return [
        InitErrorDetails(type=e["type"], loc=e["loc"], input=e["input"], **({"ctx": e["ctx"]} if "ctx" in e else {}))
        for e in error.errors()
    ]


def changed_row(entry: _Entry, changes: dict[str, Any]) -> dict[str, Any]:
    """``entry``'s file row with ``changes`` (a scenario file's class table, a ``--set``) in place. A
    range the entry states for a field the changes set without a range of their own is kept only
    while it still brackets the new value: a what-if may leave the estimate's range. (Changes that
    hold a field at a value inside its range say so with an empty range, :data:`HELD`.)"""
    row = {**entry.row(), **changes}
    for field, (low, high) in entry.ranges.items():
        key = f"{field}{RANGE_SUFFIX}"
        value = changes.get(field)
        if key not in changes and isinstance(value, int | float) and not low <= value <= high:
            del row[key]
    return row


def _ordered(entry, low: str, high: str):
    if getattr(entry, high) <= getattr(entry, low):
        raise ValueError(f"{high} must exceed {low}")
    return entry


class _Boosted(_Entry):
    """Classes flown with the kinematic boost model: SI views of their burnout figures."""

    @property
    def burnout_speed_mps(self) -> float:
        return self.burnout_speed_km_s * 1e3

    @property
    def burnout_altitude_m(self) -> float:
        return self.burnout_altitude_km * 1e3


class MissileClass(_Boosted):
    """A ballistic-missile class: what its boost phase can do, by public estimate."""

    category: Literal["SRBM", "MRBM", "IRBM", "ICBM", "generic"]
    country: str
    stages: int = Field(ge=1, le=4)
    propellant: Literal["liquid", "solid"]
    range_km: float = Field(gt=0, le=20_000, description="published maximum range")
    burn_time_s: float = Field(gt=0, le=600)
    burnout_speed_km_s: float = Field(gt=0, lt=7.9, description="maximum burnout speed, Earth-relative")
    burnout_altitude_km: float = Field(gt=0, le=1000, description="nominal burnout altitude")
    rcs_m2: float = Field(gt=0, le=100, description="midcourse radar cross-section of the re-entry vehicle")

    @field_validator("name")
    @classmethod
    def _not_the_ideal_missile(cls, name: str) -> str:
        if name == IDEAL_MISSILE:
            raise ValueError(f"{IDEAL_MISSILE!r} is reserved for the ideal missile (burnout at launch, any speed)")
        return name


class RadarClass(_Entry):
    """A ground- or sea-based radar: where it can look and how far it sees a given target.

    Detection range scales with the target's radar cross-section σ as R = R_ref (σ / σ_ref)^¼ (the
    radar range equation at fixed power, aperture, noise and dwell). Sensors see a target only above
    ``min_elevation_deg`` (and the horizon), below ``max_elevation_deg``, and within
    ``azimuth_half_width_deg`` of the site's boresight (180 for all-round coverage)."""

    band: str = Field(min_length=1)
    country: str
    reference_range_km: float = Field(gt=0, le=10_000, description="detection range against reference_rcs_m2")
    reference_rcs_m2: float = Field(gt=0, le=100)
    azimuth_half_width_deg: float = Field(gt=0, le=180)
    min_elevation_deg: float = Field(ge=-2, lt=90)
    max_elevation_deg: float = Field(gt=0, le=90)
    track_formation_s: float = Field(ge=0, le=600, description="first detection to a track that can cue")

    @model_validator(mode="after")
    def _elevations_ordered(self) -> RadarClass:
        return _ordered(self, "min_elevation_deg", "max_elevation_deg")


class SatelliteClass(_Entry):
    """Early-warning satellites: they report a launch (a cue, not a fire-control track)."""

    country: str
    report_delay_s: float = Field(ge=0, le=600, description="launch to the report reaching users")


class InterceptorClass(_Boosted):
    """An interceptor: its boost (as for missiles) and the envelope where it may intercept."""

    country: str
    stages: int = Field(ge=1, le=4)
    burn_time_s: float = Field(gt=0, le=600)
    # below 0.1 km/s the fly-out arithmetic underflows, and no interceptor is that slow
    burnout_speed_km_s: float = Field(ge=0.1, lt=11.0)
    burnout_altitude_km: float = Field(gt=0, le=1000)
    min_intercept_altitude_km: float = Field(ge=0)
    max_intercept_altitude_km: float = Field(gt=0, le=10_000)
    max_ground_range_km: float = Field(gt=0, le=20_000)
    launch_delay_s: float = Field(ge=0, le=600, description="launch decision to lift-off")

    @model_validator(mode="after")
    def _altitudes_ordered(self) -> InterceptorClass:
        return _ordered(self, "min_intercept_altitude_km", "max_intercept_altitude_km")


class CityClass(_Entry):
    """A city that threats may aim at: where it is and how many live there."""

    country: str
    lat_deg: float = Field(ge=-90, le=90)
    lon_deg: float = Field(ge=-180, le=360)
    population: int = Field(ge=0, description="city proper or metropolitan area, as the source gives it")


class BaseClass(_Entry):
    """A strategic missile base or field: where the missiles of the deterrence check start from."""

    country: str
    lat_deg: float = Field(ge=-90, le=90)
    lon_deg: float = Field(ge=-180, le=360)
    missile: str = Field(description="the catalog missile class based there")


class FlightTestClass(_Entry):
    """The boost assumed for a lofted flight test of a class of missile (``roof assess-test --class``):
    a burn time and a nominal burnout altitude, each with the range its sources (or, where there
    are none, the assumption) allow; the standard-trajectory range is reported over both ranges."""

    stages: int = Field(ge=1, le=4)
    propellant: Literal["liquid", "solid"]
    examples: str = Field(min_length=1, description="missiles of the class whose tests are assessed")
    burn_time_s: float = Field(gt=0, le=600)
    burnout_altitude_km: float = Field(gt=0, le=1000, description="nominal burnout altitude")

    @model_validator(mode="after")
    def _both_ranged(self) -> FlightTestClass:
        missing = [field for field in ("burn_time_s", "burnout_altitude_km") if field not in self._ranges]
        if missing:
            raise ValueError(f"a test class gives the range of {' and '.join(missing)} ({missing[0]}{RANGE_SUFFIX})")
        return self


#: The boost assumptions of lofted flight tests, by class of missile: not a catalog kind (no scenario
#: names them), but validated like one.
TEST_CLASSES = ("test_class", "test-classes.toml", FlightTestClass)

#: Catalog files: file name, table name in the file, model.
KINDS = {
    "missile": ("missiles.toml", MissileClass),
    "radar": ("radars.toml", RadarClass),
    "satellite": ("satellites.toml", SatelliteClass),
    "interceptor": ("interceptors.toml", InterceptorClass),
    "city": ("cities.toml", CityClass),
    "base": ("bases.toml", BaseClass),
}


class Catalog:
    """All catalog entries, looked up by kind and name; names are unique across kinds."""

    def __init__(self, entries: dict[str, list[_Entry]]):
        self.entries = {kind: {e.name: e for e in entries.get(kind, [])} for kind in KINDS}
        names = [e.name for kind_entries in entries.values() for e in kind_entries]
        duplicated = sorted({n for n in names if names.count(n) > 1})
        if duplicated:
            raise CatalogError(f"catalog names must be unique across kinds: {', '.join(duplicated)}")
        unknown = sorted({b.missile for b in self.entries["base"].values()} - set(self.entries["missile"]))
        if unknown:
            raise CatalogError(f"bases.toml: missile: unknown class(es) {', '.join(unknown)}")

    @property
    def missiles(self) -> dict[str, MissileClass]:
        return self.entries["missile"]

    @property
    def radars(self) -> dict[str, RadarClass]:
        return self.entries["radar"]

    @property
    def satellites(self) -> dict[str, SatelliteClass]:
        return self.entries["satellite"]

    @property
    def interceptors(self) -> dict[str, InterceptorClass]:
        return self.entries["interceptor"]

    @property
    def cities(self) -> dict[str, CityClass]:
        return self.entries["city"]

    @property
    def bases(self) -> dict[str, BaseClass]:
        return self.entries["base"]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Catalog) and self.entries == other.entries

    __hash__ = None  # a catalog is compared by its entries, which change

    def replaced(self, entry: _Entry) -> Catalog:
        """This catalog with ``entry`` in place of the entry of the same name (a what-if, a sweep variant)."""
        kind = self.kind_of(entry.name)
        if kind is None:
            raise CatalogError(f"{entry.name}: no such catalog entry to replace")
        entry = entry.without_left_ranges()
        return Catalog({k: [entry if (k == kind and e.name == entry.name) else e for e in v.values()]
                        for k, v in self.entries.items()})  # fmt: skip

    def kind_of(self, name: str) -> str | None:
        """Which kind of entry ``name`` is, or None if the catalog has no such entry."""
        return next((kind for kind, entries in self.entries.items() if name in entries), None)

    def lookup(self, kind: str, name: str):
        entries = self.entries[kind]
        try:
            return entries[name]
        except KeyError:
            close = difflib.get_close_matches(name.lower(), list(entries), n=3, cutoff=0.5)
            hint = f"; did you mean {', '.join(close)}?" if close else f"; known classes: {', '.join(entries)}"
            raise CatalogError(f"{kind}: unknown class {name!r}{hint}") from None

    def missile(self, name: str) -> MissileClass:
        return self.lookup("missile", name)

    def radar(self, name: str) -> RadarClass:
        return self.lookup("radar", name)

    def satellite(self, name: str) -> SatelliteClass:
        return self.lookup("satellite", name)

    def interceptor(self, name: str) -> InterceptorClass:
        return self.lookup("interceptor", name)

    def city(self, name: str) -> CityClass:
        return self.lookup("city", name)


def _format_validation_error(file: str, error: ValidationError) -> str:
    lines = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"])
        lines.append(f"{file}: {where}: {item['msg']}")
    return "\n".join(lines)


def parse_entries(kind: str, text: str, file: str | None = None) -> list[_Entry]:
    """Parse one catalog file's text (``[[kind]]`` tables); errors name the file, the entry's key
    and the reason, e.g. ``radars.toml: radar.2.reference_range_km: Input should be greater than 0``."""
    file = file or KINDS[kind][0]
    return _parse(kind, KINDS[kind][1], text, file)


def _parse(table: str, model: type[_Entry], text: str, file: str) -> list[_Entry]:
    try:
        data = tomlfile.loads(text, file)
    except tomllib.TOMLDecodeError as error:
        raise CatalogError(f"{file}: not valid TOML: {error}") from None
    except tomlfile.TomlLimitError as error:
        raise CatalogError(str(error)) from None
    try:
        return getattr(_file_model(table, model).model_validate(data), table)
    except ValidationError as error:
        raise CatalogError(_format_validation_error(file, error)) from None


@cache
def _file_model(table: str, model: type[_Entry]) -> type[BaseModel]:
    return create_model(
        f"_{table.title().replace('_', '')}File", __config__=ConfigDict(extra="forbid"), **{table: (list[model], ...)}
    )


def parse_test_classes(text: str, file: str = TEST_CLASSES[1]) -> dict[str, FlightTestClass]:
    """The ``[[test_class]]`` tables of a test-classes file, by name (errors as :func:`parse_entries`)."""
    table, _, model = TEST_CLASSES
    entries = _parse(table, model, text, file)
    names = [entry.name for entry in entries]
    if repeated := sorted({name for name in names if names.count(name) > 1}):
        raise CatalogError(f"{file}: {table} names repeated: {', '.join(repeated)}")
    return {entry.name: entry for entry in entries}


@lru_cache(maxsize=1)
def load_test_classes() -> dict[str, FlightTestClass]:
    """The lofted-test classes shipped with the package, by name."""
    path = resources.files("securityroof") / "data" / "catalog" / TEST_CLASSES[1]
    return parse_test_classes(path.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def load_catalog() -> Catalog:
    """The catalog shipped with the package."""
    folder = resources.files("securityroof") / "data" / "catalog"
    entries = {}
    for kind, (file, _) in KINDS.items():
        path = folder / file
        if path.is_file():
            entries[kind] = parse_entries(kind, path.read_text(encoding="utf-8"), file)
    return Catalog(entries)
