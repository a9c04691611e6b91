"""Scenario files: who owns which sensors and interceptors, which threats to fly, who shares tracks.

A scenario is TOML data (nothing in it is executed), checked here against the catalog before any
physics runs. Every problem in a file is reported at once, one line each, naming the file, the line
of the offending table or key, the key path (``asset[2].boresight_az_deg``; indices count from 0 in
the order of the file) and the reason, so a user fixes a file in one pass.

The format (degrees and metres at the edge, named in the keys; SI from the properties here)::

    name = "example-within-party"      # required, lowercase letters, digits and hyphens
    description = "..."                # required
    [[party]]                          # at least one: id, label
    [[asset]]                          # id, owner (a party), kind (catalog radar, satellite or
                                       # interceptor), lat_deg, lon_deg, alt_m (default 0),
                                       # boresight_az_deg (radars whose sector is not all round),
                                       # site (co-located assets share one)
    [[point]]                          # optional named points: id, lat_deg, lon_deg
    [[threat]]                         # id, missile, launch and aim (point names or [lat, lon]),
                                       # burnout_angle_deg (optional; absent = minimum energy)
    [sharing]                          # policy = none | within-party | all | pairs; pairs
    [analysis]                         # time_step_s, decision_delay_s, kill_assessment_s

Satellites are reports, not sites (the sensor model is a delay from launch), so a satellite asset
takes no ground location: ``lat_deg``, ``lon_deg``, ``alt_m``, ``boresight_az_deg`` and ``site``
are errors there rather than silently ignored numbers.

A file may start with ``extends = "NAME_OR_PATH"`` and ``remove = [ids]`` (see ``extends``), and may
carry ``[[missile]]``, ``[[radar]]``, ``[[satellite]]`` and ``[[interceptor]]`` tables: a class of its
own (whole, or ``like`` a catalog class), or, under a catalog class's name, its version of that class.

The package, by concern: ``schema`` (the file's tables as typed rows), ``model`` (the checked
:class:`Scenario`), ``checks`` (every cross-check against the catalog), ``messages`` and ``lines``
(how problems are worded and located), ``extends`` (files merged before the checks), ``library``
(loading), ``shipped`` (the scenarios shipped with the package), ``dump`` (a scenario written back as
TOML) and ``whatif`` (the command line's what-ifs).
"""

from securityroof.model.scenario.dump import dump_scenario
from securityroof.model.scenario.library import load_scenario, named_places, parse_scenario, place
from securityroof.model.scenario.model import (
    CO_LOCATED_KM,
    DEFAULT_MAX_TRAJECTORIES,
    InterceptorSite,
    Scenario,
    Sensor,
    ThreatTrajectory,
    co_located,
    max_trajectories,
    threat_columns,
)
from securityroof.model.scenario.schema import (
    ASSET_KINDS,
    ID_PATTERN,
    POLICIES,
    Analysis,
    Asset,
    Party,
    Point,
    ScenarioError,
    Sharing,
    Threat,
)
from securityroof.model.scenario.shipped import LibraryEntry, library, library_folder

__all__ = [
    "ASSET_KINDS",
    "CO_LOCATED_KM",
    "DEFAULT_MAX_TRAJECTORIES",
    "ID_PATTERN",
    "POLICIES",
    "Analysis",
    "Asset",
    "InterceptorSite",
    "LibraryEntry",
    "Party",
    "Point",
    "Scenario",
    "ScenarioError",
    "Sensor",
    "Sharing",
    "Threat",
    "ThreatTrajectory",
    "co_located",
    "dump_scenario",
    "library",
    "library_folder",
    "load_scenario",
    "max_trajectories",
    "named_places",
    "parse_scenario",
    "place",
    "threat_columns",
]
