"""securityroof: kinematic analysis of joint missile-defense architectures ("one security roof").

The public API (degrees and kilometres at the edges, SI inside):

- :func:`trajectory` / :func:`trajectories`: targeted ballistic trajectories, one or many at once;
- :func:`load_catalog`: the sourced catalog (missiles, radars, satellites, interceptors, cities, bases);
- :func:`load_scenario`: a checked scenario file (parties, assets, threats, sharing policy);
- :func:`what_if`: a scenario with rows added, assets switched off, class fields set or the decision
  delay changed (``roof ... --add/--without/--set/--decision-delay``);
- :func:`engage`, :func:`compare`, :func:`footprint`, :func:`deterrence`, :func:`assess_test`: the analyses
  (:func:`engage` gives :class:`Engagements`, :func:`deterrence` a :class:`Deterrence`: each has
  ``to_arrow()`` / ``to_pandas()``, and ``Deterrence.to_dict()`` is ``roof deterrence --json``);
- :class:`RoofError`: every error about input or output, with the ``field`` and the ``reason``;
- :mod:`securityroof.physics.earth`: Earth models, frames, gravity and look angles.

Names are imported when first used, so that ``import securityroof`` (and ``roof --version``) does not
load numba, scipy and pyarrow before anything needs them.
"""

from importlib import import_module

from securityroof._version import __version__

#: Public name -> the module that defines it (the layers: physics, model, analysis).
_EXPORTS = {
    "IDEAL": "securityroof.analysis.trajectories",
    "Trajectory": "securityroof.analysis.trajectories",
    "TrajectorySet": "securityroof.analysis.trajectories",
    "trajectories": "securityroof.analysis.trajectories",
    "trajectory": "securityroof.analysis.trajectories",
    "engage": "securityroof.analysis.engage",
    "Engagements": "securityroof.analysis.engage",
    "compare": "securityroof.analysis.compare",
    "footprint": "securityroof.analysis.footprint",
    "deterrence": "securityroof.analysis.deterrence",
    "Deterrence": "securityroof.analysis.deterrence",
    "assess_test": "securityroof.analysis.assess",
    "Catalog": "securityroof.model.catalog",
    "MissileClass": "securityroof.model.catalog",
    "load_catalog": "securityroof.model.catalog",
    "Scenario": "securityroof.model.scenario",
    "ScenarioError": "securityroof.model.scenario",
    "load_scenario": "securityroof.model.scenario",
    "what_if": "securityroof.model.scenario.whatif",
    "SPHERE": "securityroof.physics.earth",
    "WGS84": "securityroof.physics.earth",
    "Earth": "securityroof.physics.earth",
    "earth_model": "securityroof.physics.earth",
    "RoofError": "securityroof.errors",
    "InputError": "securityroof.errors",
    "OutputError": "securityroof.errors",
}

__all__ = ["__version__", *sorted(_EXPORTS)]


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'securityroof' has no attribute {name!r}")
    value = getattr(import_module(_EXPORTS[name]), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
