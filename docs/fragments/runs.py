"""The library's answers the fragments format, each computed once per build.

A run is a scenario (library name, or a file's path from the repository's root) and options:
``sharing=POLICY``, ``without=ID,ID`` (assets removed, a what-if that is not in the library),
``delay=S`` (decision delay), ``set=CLASS.FIELD=VALUE`` (a catalog class's field, as ``--set``).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


#: The threat set every library architecture shares (any of them would do).
COMMON = "epaa-phase-3"


#: The architectures of ``roof compare`` in docs/scenarios/README.md, in the order argued over.
ARCHITECTURES = (
    "third-site-2007",
    "epaa-phase-1",
    "epaa-phase-2",
    "epaa-phase-3",
    "epaa-phase-4",
    "russia-only",
    "joint-lisbon",
)


@cache
def scenario(name: str, options: tuple[str, ...] = ()):
    import securityroof as sr
    from securityroof.analysis.deterrence import with_decision_delay

    # a file of the docs (docs/examples/...) is named from the repository's root, wherever the build runs
    chosen = sr.load_scenario(ROOT / name if name.endswith(".toml") else name)
    for option in options:
        key, _, value = option.partition("=")
        if key == "sharing":
            chosen = chosen.with_sharing(value)
        elif key == "delay":
            chosen = with_decision_delay(chosen, float(value))
        elif key == "set":
            chosen = sr.what_if(chosen, set=value)
        elif key == "without":
            chosen = _without(chosen, set(value.split(",")))
        else:
            raise SystemExit(f"docs/build.py: unknown option {option!r} (sharing=, delay=, without=, set=)")
    return chosen


def _without(chosen, ids: set[str]):
    """The scenario with the assets ``ids`` removed (its sensors and sites follow)."""
    unknown = ids - {a.id for a in chosen.assets}
    if unknown:
        raise SystemExit(f"docs/build.py: without={','.join(sorted(unknown))}: no such asset in {chosen.name}")
    return chosen.with_assets(a for a in chosen.assets if a.id not in ids)


@cache
def engagements(name: str, options: tuple[str, ...] = ()) -> list[dict]:
    import securityroof as sr

    return sr.engage(scenario(name, options)).records()


@cache
def reachable(name: str) -> dict[str, bool]:
    import securityroof as sr

    return sr.engage(scenario(name)).threat_reachable


@cache
def comparison() -> dict:
    import securityroof as sr

    return sr.compare([scenario(name) for name in ARCHITECTURES]).to_dict()


@cache
def deterrence_check(name: str, options: tuple[str, ...] = ()) -> dict:
    """The whole check (verdicts, threatening speeds, perfect cueing), once per scenario and build:
    its threatening-speed search is the slowest thing the docs ask (warm fly-out cache: under 2 s)."""
    from securityroof.analysis.deterrence import deterrence

    return deterrence(scenario(name, options)).to_dict()


@cache
def deterrence_pairs(name: str, options: tuple[str, ...] = (), rcs_m2: float | None = None) -> list[dict]:
    from securityroof.analysis.deterrence import deterrence_threats, pairs

    # the pairs only: the sensitivity grid and the threatening speeds are not on these pages
    return pairs(scenario(name, options), deterrence_threats(rcs_m2=rcs_m2))


#: How many variants the docs' robustness runs draw (as `roof report` does by default).
ROBUSTNESS_VARIANTS = 100


@cache
def deterrence_robustness(name: str, options: tuple[str, ...] = ()) -> dict:
    """``roof deterrence NAME --uncertainty 100``'s run (seed 0), on as many workers as cores."""
    from securityroof.analysis.robustness import robustness

    return robustness("deterrence", [scenario(name, options)], ROBUSTNESS_VARIANTS, 0)
