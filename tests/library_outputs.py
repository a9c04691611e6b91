"""The library's figures as the CLI prints them, recorded so that a refactoring can be held to them.

``python tests/library_outputs.py --record`` writes ``tests/data/library-outputs.json.gz`` from the code as it
is; ``tests/integration/test_library_outputs.py`` recomputes the same outputs and compares them: verdicts, reasons, ids
and counts exactly, floats to 1e-9 relative. Record again only when a change is *meant* to move a figure,
and say which and why in the commit. ``python tests/library_outputs.py --compare`` says, before recording
again, how far the floats moved and whether anything else (a verdict, count, flag, reason, name) did.
"""

from __future__ import annotations

import gzip
import json
import math
import sys
from pathlib import Path

RECORD = Path(__file__).parent / "data" / "library-outputs.json.gz"

#: Every library architecture (the examples are tutorials, not architectures, and share no threat set).
ARCHITECTURES = (
    "third-site-2007",
    "epaa-phase-1",
    "epaa-phase-2",
    "epaa-phase-3",
    "epaa-phase-4",
    "epaa-phase-4-uewr",
    "russia-only",
    "joint-lisbon",
)

#: (name, argv) of each recorded command; deterrence on a coarse grid keeps the run short while still
#: crossing the catalog speeds and the scenarios' decision delays.
COMMANDS = (
    [("compare", ["compare", *ARCHITECTURES, "--json"])]
    + [(f"engage {name}", ["engage", name, "--json"]) for name in ARCHITECTURES]
    + [
        (f"deterrence {name}", ["deterrence", name, "--speeds", "3:9:1.5", "--delays", "0:600:300", "--json"])
        for name in ARCHITECTURES
    ]
)


def run_all() -> dict[str, object]:
    from typer.testing import CliRunner

    from securityroof.present.cli import app

    runner = CliRunner()
    outputs = {}
    for name, argv in COMMANDS:
        result = runner.invoke(app, argv)
        if result.exit_code != 0:
            raise RuntimeError(f"roof {' '.join(argv)} exited {result.exit_code}: {result.output[-500:]}")
        outputs[name] = json.loads(result.stdout)
    return outputs


def differences(recorded, current, where: str = "", rel: float = 1e-9) -> list[str]:
    """Where ``current`` departs from ``recorded``: exact for everything but floats (``rel`` relative)."""
    if isinstance(recorded, dict) and isinstance(current, dict):
        found = []
        # A key added since the recording is an addition to the contract, not a change of it; a key gone is.
        if missing := sorted(set(recorded) - set(current)):
            found.append(f"{where}: keys {missing} are gone")
        for key in recorded.keys() & current.keys():
            found += differences(recorded[key], current[key], f"{where}.{key}", rel)
        return found
    if isinstance(recorded, list) and isinstance(current, list):
        if len(recorded) != len(current):
            return [f"{where}: {len(recorded)} items recorded, {len(current)} now"]
        pairs = enumerate(zip(recorded, current, strict=True))
        return [found for i, (a, b) in pairs for found in differences(a, b, f"{where}[{i}]", rel)]
    if isinstance(recorded, float) and isinstance(current, float | int) and not isinstance(current, bool):
        close = math.isclose(recorded, current, rel_tol=rel, abs_tol=1e-12)
        return [] if close else [f"{where}: {recorded!r} → {current!r}"]
    if type(recorded) is not type(current) or recorded != current:
        return [f"{where}: {recorded!r} → {current!r}"]
    return []


def load_record() -> dict[str, object]:
    with gzip.open(RECORD, "rt", encoding="utf-8") as handle:
        return json.load(handle)


def moved(recorded, current) -> tuple[list[float], list[str]]:
    """The relative change of every recorded float, and every other departure (as :func:`differences`)."""
    changes, others = [], []

    def walk(a, b, where):
        if isinstance(a, dict) and isinstance(b, dict):
            for key in a.keys() & b.keys():
                walk(a[key], b[key], f"{where}.{key}")
            if gone := sorted(set(a) - set(b)):
                others.append(f"{where}: keys {gone} are gone")
        elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
            for i, (x, y) in enumerate(zip(a, b, strict=True)):
                walk(x, y, f"{where}[{i}]")
        elif isinstance(a, float) and isinstance(b, float | int) and not isinstance(b, bool):
            changes.append(0.0 if math.isclose(a, b, rel_tol=0.0, abs_tol=1e-12) else abs(b - a) / max(abs(a), abs(b)))
        else:
            others.extend(differences(a, b, where))

    walk(recorded, current, "")
    return changes, others


def compare() -> int:
    changes, others = moved(load_record(), run_all())
    print(f"{len(changes)} recorded floats")
    for rel in (1e-9, 1e-6, 1e-3):
        print(f"  moved beyond {rel:g} relative: {sum(c > rel for c in changes)}")
    print(f"  largest relative change: {max(changes, default=0.0):.3g}")
    print(f"{len(others)} other departures (verdicts, counts, flags, reasons, names, keys)")
    for line in others[:50]:
        print(f"  {line}")
    return 1 if others else 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--compare"]:
        sys.exit(compare())
    if sys.argv[1:] != ["--record"]:
        sys.exit("usage: python tests/library_outputs.py --record | --compare")
    RECORD.parent.mkdir(exist_ok=True)
    # mtime=0: the same outputs give the same bytes, so git shows a change only when a figure moved
    with open(RECORD, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as handle:
        handle.write(json.dumps(run_all(), indent=1, sort_keys=True).encode("utf-8"))
    print(f"recorded {len(COMMANDS)} outputs in {RECORD}")
