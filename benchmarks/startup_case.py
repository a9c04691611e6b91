"""Start-up: how long `roof --version`, `roof --help` and `roof validate` take in a fresh process.

Each command runs in a new interpreter (as a user types it), a few times; the median is kept, since
the first run may also pay for the disk cache. Targets: --version and --help under 0.3 s, validate
under 1 s (issue 12)."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

COMMANDS = {
    "startup_version_s": ["--version"],
    "startup_help_s": ["--help"],
    "startup_validate_s": ["validate", "epaa-phase-3"],
}


def _seconds(argv: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "securityroof", *argv], check=True, capture_output=True)
    return time.perf_counter() - started


def run(repeats: int = 5) -> dict:
    result = {}
    for key, argv in COMMANDS.items():
        _seconds(argv)  # warm the file cache
        result[key] = statistics.median(_seconds(argv) for _ in range(repeats))
    result["startup_targets_met"] = bool(
        result["startup_version_s"] < 0.3 and result["startup_help_s"] < 0.3 and result["startup_validate_s"] < 1.0
    )
    return result
