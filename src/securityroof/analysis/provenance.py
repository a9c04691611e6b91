"""What a result was computed from, so that a reader can cite it and recompute it: the package
version, each scenario's content and the shipped catalog, each as a SHA-256 digest.

A scenario's digest is that of its dump (:func:`~securityroof.model.scenario.dump_scenario`), not of
its file: two files that differ in comments or layout describe one architecture and get one digest,
and an architecture edited in memory (another sharing policy, an asset removed, a class changed)
gets its own. A scenario whose catalog city or base was changed in memory has no dump (a scenario
file cannot carry one); its digest is ``None``.
"""

from __future__ import annotations

import hashlib
from importlib import resources

from securityroof._version import __version__
from securityroof.model.scenario import Scenario, ScenarioError, dump_scenario


def catalog_digest() -> str:
    """The shipped catalog's files, names and bytes: the classes every scenario is built from."""
    digest = hashlib.sha256()
    folder = resources.files("securityroof") / "data" / "catalog"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.is_file():
            digest.update(entry.name.encode() + b"\0" + hashlib.sha256(entry.read_bytes()).digest())
    return digest.hexdigest()


def scenario_digest(scenario: Scenario) -> str | None:
    """The SHA-256 of the scenario's dump (see the module doc), or ``None`` where it has none."""
    try:
        text = dump_scenario(scenario)
    except ScenarioError:
        return None
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def provenance(scenarios: list[Scenario]) -> dict:
    """``version``, ``scenarios`` (name and ``sha256`` of each) and ``catalog_sha256``."""
    return {
        "version": __version__,
        "scenarios": [{"name": s.name, "sha256": scenario_digest(s)} for s in scenarios],
        "catalog_sha256": catalog_digest(),
    }


def footprint_metadata(scenario: Scenario, threat: str) -> dict[str, str]:
    """The key-value metadata of a footprint grid's Parquet file: what ``roof footprint --out``
    writes (``scenario``, ``threat``) and where the grid came from (``scenario_sha256`` only where
    the scenario has a digest)."""
    digest = scenario_digest(scenario)
    return {
        "scenario": scenario.name,
        "threat": threat,
        "securityroof_version": __version__,
        **({"scenario_sha256": digest} if digest is not None else {}),
        "catalog_sha256": catalog_digest(),
    }
