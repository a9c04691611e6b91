"""A scenario file's tables as typed rows (degrees and metres, as written), and the cross-checks of
``[sharing]``."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainValidator

from securityroof.errors import RoofError
from securityroof.model.catalog import InterceptorClass, MissileClass, RadarClass, SatelliteClass
from securityroof.model.scenario.messages import KeyPath, show, unknown
from securityroof.physics.earth import LATITUDE_RANGE_DEG, LONGITUDE_RANGE_DEG, coordinate_problem

POLICIES = ("none", "within-party", "all", "pairs")
ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
#: Catalog kinds an asset may be.
ASSET_KINDS = ("radar", "satellite", "interceptor")


class ScenarioError(RoofError):
    """A scenario that cannot be used. ``messages`` holds one line per problem, each naming the
    file, the line, the key path and the reason; ``str()`` joins them with newlines."""

    def __init__(self, messages: Sequence[str]):
        self.messages = list(messages)
        super().__init__("\n".join(self.messages))


# --------------------------------------------------------------------------------------------
# The file's tables, as typed models. Strict: a quoted "5" for a number is a mistake in a data
# file, not something to coerce; integers are still accepted where numbers are expected.


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


Id = Annotated[str, Field(pattern=ID_PATTERN)]
Text = Annotated[str, AfterValidator(_not_blank)]


def _number(value: Any) -> float:
    # bool is an int in Python but never a coordinate in a file
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"expected a finite number, got {show(value)}")
    return float(value)


def _lat_lon(value: Any) -> tuple[float, float]:
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise ValueError(f"expected a point name or [lat_deg, lon_deg], got {show(value)}")
    lat, lon = (_number(v) for v in value)
    if problem := coordinate_problem(lat, lon):
        raise ValueError(problem)
    return lat, lon


def _point_ref(value: Any) -> str | tuple[float, float]:
    return value if isinstance(value, str) else _lat_lon(value)


def _pair(value: Any) -> tuple[str, str]:
    if not (isinstance(value, list | tuple) and len(value) == 2 and all(isinstance(v, str) for v in value)):
        raise ValueError(f"expected [sensor_owner, interceptor_owner] (two party ids), got {show(value)}")
    return value[0], value[1]


#: A launch or aim point: the id of a ``[[point]]`` or a ``[lat_deg, lon_deg]`` pair.
PointRef = Annotated[str | tuple[float, float], PlainValidator(_point_ref)]


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class Party(_Table):
    """A party: owns assets; the sharing policy is about what flows between parties."""

    id: Id
    label: Text


class Asset(_Table):
    """A sensor or interceptor site, as written in the file (degrees, metres)."""

    id: Id
    owner: str
    kind: str = Field(description="catalog radar, satellite or interceptor name")
    lat_deg: float | None = Field(None, ge=LATITUDE_RANGE_DEG[0], le=LATITUDE_RANGE_DEG[1])
    lon_deg: float | None = Field(None, ge=LONGITUDE_RANGE_DEG[0], le=LONGITUDE_RANGE_DEG[1])
    alt_m: float = Field(0.0, ge=-500, le=10_000)
    boresight_az_deg: float | None = Field(None, ge=0, lt=360)
    site: Id | None = Field(None, description="assets with the same site are co-located")

    @property
    def lat_rad(self) -> float:
        return math.radians(self.lat_deg) if self.lat_deg is not None else math.nan

    @property
    def lon_rad(self) -> float:
        return math.radians(self.lon_deg) if self.lon_deg is not None else math.nan

    @property
    def boresight_az_rad(self) -> float:
        # all-round radars may omit the boresight: any azimuth describes their coverage
        return math.radians(self.boresight_az_deg or 0.0)


class Point(_Table):
    """A named launch or aim point."""

    id: Id
    lat_deg: float = Field(ge=LATITUDE_RANGE_DEG[0], le=LATITUDE_RANGE_DEG[1])
    lon_deg: float = Field(ge=LONGITUDE_RANGE_DEG[0], le=LONGITUDE_RANGE_DEG[1])


class Threat(_Table):
    """One missile class flown from every launch point at every aim point."""

    id: Id
    missile: str
    launch: list[PointRef] = Field(min_length=1)
    aim: list[PointRef] = Field(min_length=1)
    burnout_angle_deg: float | None = Field(None, gt=0, lt=90, description="absent: minimum energy")


class Sharing(_Table):
    """Whose tracks may cue whose interceptors.

    - ``none``: only sensors at the interceptor's own site (its organic radar);
    - ``within-party``: any sensor of the interceptor's owner;
    - ``pairs``: the owner's sensors, and sensors of parties listed as ``[sensor_owner,
      interceptor_owner]`` (one direction per pair);
    - ``all``: any sensor.

    A sensor at the interceptor's own site cues it under every policy, so each policy allows at
    least what the one before it allows."""

    policy: Literal["none", "within-party", "all", "pairs"]
    pairs: list[Annotated[tuple[str, str], PlainValidator(_pair)]] = []

    def may_cue(self, sensor_owner: str, interceptor_owner: str, same_site: bool) -> bool:
        if same_site or self.policy == "all":
            return True
        if self.policy == "none":
            return False
        if sensor_owner == interceptor_owner:
            return True
        return self.policy == "pairs" and (sensor_owner, interceptor_owner) in self.pairs


class Analysis(_Table):
    """Options for the engagement analysis (seconds)."""

    # Finer than 0.1 s changes nothing at this fidelity (tracks form in 10-30 s) and multiplies memory.
    time_step_s: float = Field(5.0, ge=0.1, le=60, description="trajectory sampling step")
    decision_delay_s: float = Field(60.0, ge=0, description="cueing track to the launch decision")
    kill_assessment_s: float = Field(30.0, ge=0, description="intercept to knowing whether it killed")


class FileShape(_Table):
    # Only the shape of the file; each table's rows are validated one by one (below) so that one
    # bad row does not hide the others' problems.
    name: Id
    description: Text
    party: list[dict[str, Any]] = Field(min_length=1)
    asset: list[dict[str, Any]] = []
    point: list[dict[str, Any]] = []
    threat: list[dict[str, Any]] = Field(min_length=1)
    sharing: dict[str, Any]
    analysis: dict[str, Any] = {}
    # classes of the file's own (e.g. from `roof assess-test`), or the file's version of a catalog class
    missile: list[dict[str, Any]] = []
    radar: list[dict[str, Any]] = []
    satellite: list[dict[str, Any]] = []
    interceptor: list[dict[str, Any]] = []


ROWS = {"party": Party, "asset": Asset, "point": Point, "threat": Threat}
#: Tables of classes the file adds to the catalog or changes in it, by catalog kind.
CLASSES = {"missile": MissileClass, "radar": RadarClass, "satellite": SatelliteClass, "interceptor": InterceptorClass}
TABLES = {"sharing": Sharing, "analysis": Analysis}


def check_sharing(raw: dict[str, Any], parties: Iterable[str], has_pairs: bool) -> list[tuple[KeyPath, str]]:
    """Cross-checks of ``[sharing]`` (its types are the model's business): pairs go with
    ``policy = "pairs"`` only, and name declared parties, once each."""
    problems: list[tuple[KeyPath, str]] = []
    parties = set(parties)
    policy, pairs = raw.get("policy"), raw.get("pairs")
    if policy == "pairs" and (not has_pairs or pairs == []):
        problems.append((("sharing", "pairs"), 'missing (required with policy = "pairs": [[sensor_owner, '
                         'interceptor_owner], ...])'))  # fmt: skip
    if policy in POLICIES and policy != "pairs" and has_pairs:
        problems.append((("sharing", "pairs"), f'only used with policy = "pairs" (policy is {policy!r})'))
    seen: dict[tuple[str, str], int] = {}
    for k, pair in enumerate(pairs if isinstance(pairs, list) else []):
        if not (isinstance(pair, list | tuple) and len(pair) == 2 and all(isinstance(p, str) for p in pair)):
            continue
        for j, owner in enumerate(pair):
            if owner not in parties:
                problems.append((("sharing", "pairs", k, j), unknown("party", owner, parties)))
        key = (pair[0], pair[1])
        if key in seen:
            problems.append((("sharing", "pairs", k), f"{show(list(pair))} is listed twice (also pairs[{seen[key]}])"))
        seen.setdefault(key, k)
    return problems
