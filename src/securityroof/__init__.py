"""securityroof: kinematic analysis of joint missile-defense architectures ("one security roof").

The public API (degrees and kilometres at the edges, SI inside):

- :func:`trajectory` / :func:`trajectories`: targeted ballistic trajectories, one or many at once;
- :func:`load_catalog`: the sourced catalog of missile classes;
- :func:`load_scenario`: a checked scenario file (parties, assets, threats, sharing policy);
- :mod:`securityroof.physics.earth`: Earth models, frames, gravity and look angles.
"""

from securityroof.analysis.trajectories import IDEAL, InputError, Trajectory, TrajectorySet, trajectories, trajectory
from securityroof.errors import OutputError, RoofError
from securityroof.model.catalog import Catalog, MissileClass, load_catalog
from securityroof.model.scenario import Scenario, ScenarioError, load_scenario
from securityroof.physics.earth import SPHERE, WGS84, Earth, earth_model

__version__ = "0.1.0"

__all__ = [
    "IDEAL",
    "SPHERE",
    "WGS84",
    "Catalog",
    "Earth",
    "InputError",
    "MissileClass",
    "OutputError",
    "RoofError",
    "Scenario",
    "ScenarioError",
    "Trajectory",
    "TrajectorySet",
    "earth_model",
    "load_catalog",
    "load_scenario",
    "trajectories",
    "trajectory",
]
