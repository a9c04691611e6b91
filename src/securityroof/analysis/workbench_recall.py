"""The workbench's first evaluation, kept on disk between runs of ``roof serve``.

A page's first question is its architecture as loaded; answering it flies the threat set, draws the
footprint and, first of all, starts numba, about a second in all. An answer a previous run kept
(:mod:`securityroof.io.answers`) is shown at once instead, while the same evaluation is computed
again behind it, so that the first what-if finds everything warm, and the answer kept afresh.

An answer is kept for library architectures only, under a key that names everything it depends on:
the state, this package's code and data files byte for byte, the numerical libraries' versions and
the settings read from the environment. Any change to one of them is a different key: an answer
kept by other code is never shown.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from securityroof.analysis.workbench import EVALUATIONS, UPLOAD_PREFIX, State, evaluate
from securityroof.io import answers

#: The files whose bytes an answer depends on: the package's code and data.
_SUFFIXES = {".py", ".toml", ".json", ".csv", ".geojson", ".txt"}
_LIBRARIES = ("numpy", "numba", "scipy", "pyproj", "llvmlite")
_SETTINGS = ("SECURITYROOF_JIT", "SECURITYROOF_MAX_TRAJECTORIES")


@lru_cache(maxsize=1)
def fingerprint() -> str:
    """sha256 over this package's code and data files, the numerical libraries' versions and the
    environment's settings (about 100 files, a few milliseconds)."""
    digest = hashlib.sha256()
    root = Path(__file__).resolve().parents[1]
    for path in sorted(p for p in root.rglob("*") if p.suffix in _SUFFIXES and p.is_file()):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    for name in _LIBRARIES:
        try:
            digest.update(f"{name}={metadata.version(name)}\0".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{name}=none\0".encode())
    for name in _SETTINGS:
        digest.update(f"{name}={os.environ.get(name, '')}\0".encode())
    return digest.hexdigest()


def _key(state: State) -> str | None:
    """Where ``state``'s answer is kept: None for an uploaded base, which lives in memory only (any
    other base is a library architecture, or no answer is ever kept for it)."""
    if state.base.startswith(UPLOAD_PREFIX):
        return None
    return hashlib.sha256(f"{fingerprint()}\0{state.key()}".encode()).hexdigest()


def recall(state: State) -> dict | None:
    """``state``'s evaluation as a previous run kept it, now also the answer in memory; or None."""
    key = _key(state)
    answer = answers.recall(key) if key is not None else None
    if answer is not None:
        EVALUATIONS.put(state.key(), answer)
    return answer


def warm(state: State) -> dict:
    """``state`` evaluated afresh (which starts numba and fills the caches the what-ifs use), and
    kept for the next run."""
    answer = evaluate(state, fresh=True)
    key = _key(state)
    if key is not None:
        answers.keep(key, answer)
    return answer
