"""The fly-out tables on disk: built once per interceptor class (or swept speed), then read back.

Kept in ``SECURITYROOF_CACHE`` (default ``~/.cache/securityroof``), keyed by a hash of the class's
kinematic parameters and of the table version. A sweep over interceptor speed makes one table (about
314 KB) per speed, so the cache is bounded: past ``SECURITYROOF_CACHE_MB`` megabytes (default 200) the
least recently used tables are removed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np

from securityroof.errors import OutputError, RoofError
from securityroof.io.atomic import atomic_open, clean_leftovers
from securityroof.physics.flyout import TABLE_VERSION, FlyoutTable, build_table
from securityroof.physics.parameters import InterceptorParameters


class KeyedInterceptor(InterceptorParameters, Protocol):
    """An interceptor class that lists its parameters (the catalog's classes do), for the cache key."""

    def model_dump(self, *, exclude: set[str]) -> dict: ...


#: The fly-out cache's size limit when ``SECURITYROOF_CACHE_MB`` is not set (about 600 tables).
DEFAULT_CACHE_MB = 200.0


def cache_dir() -> Path:
    return Path(os.environ.get("SECURITYROOF_CACHE") or Path.home() / ".cache" / "securityroof")


def cache_limit_bytes() -> int:
    """``SECURITYROOF_CACHE_MB`` (megabytes, >= 0; 0 keeps only the table just built) or the default, in bytes."""
    text = os.environ.get("SECURITYROOF_CACHE_MB", "").strip()
    if not text:
        return int(DEFAULT_CACHE_MB * 1e6)
    try:
        megabytes = float(text)
    except ValueError:
        megabytes = math.nan
    if not (math.isfinite(megabytes) and megabytes >= 0):
        raise RoofError(
            f"SECURITYROOF_CACHE_MB: {text!r} is not a size in megabytes (a number >= 0)",
            field="SECURITYROOF_CACHE_MB",
            reason="not a size in megabytes",
        )
    return int(megabytes * 1e6)


def evict(directory: Path, limit_bytes: int, keep: Path | None = None) -> None:
    """Remove the least recently used fly-out tables of ``directory`` until the rest fit in
    ``limit_bytes``; ``keep`` (the table just written) stays. Use is the file's modification time,
    renewed on every read. Files another process removes meanwhile are simply gone."""
    tables = []
    for path in directory.glob("flyout-*.npz"):
        try:
            info = path.stat()
        except OSError:
            continue
        tables.append((info.st_mtime_ns, info.st_size, path))
    total = sum(size for _, size, _ in tables)
    for _, size, path in sorted(tables, key=lambda t: t[0]):
        if total <= limit_bytes:
            break
        if path == keep:
            continue
        with contextlib.suppress(OSError):
            path.unlink()
            total -= size


def table_key(interceptor: KeyedInterceptor) -> str:
    """Hash of everything the table depends on: the class's kinematic parameters and the version."""
    parameters = interceptor.model_dump(exclude={"label", "source", "note"})
    text = json.dumps({"version": TABLE_VERSION, "interceptor": parameters}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


#: Tables kept in memory (about 0.6 MB each): the deterrence check visits about 110 per architecture
#: (its grid and each site's threatening-speed search), which 64 made it read from disk twice over.
@lru_cache(maxsize=128)
def flyout_table(interceptor: KeyedInterceptor) -> FlyoutTable:
    """The class's fly-out table, from the disk cache when there, else built and cached.

    A cache that cannot be written (read-only home, say) only costs the rebuild next time."""
    limit = cache_limit_bytes()
    path = cache_dir() / f"flyout-{interceptor.name}-{table_key(interceptor)}.npz"
    try:
        with np.load(path) as stored:
            table = FlyoutTable(stored["ground_range_m"], stored["altitude_m"], stored["time_s"])
        with contextlib.suppress(OSError):
            os.utime(path)  # recently used: the last to be evicted
        return table
    except (OSError, KeyError, ValueError):
        pass
    table = build_table(interceptor)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        clean_leftovers(path)
        with atomic_open(path, "wb") as handle:  # readers never see a half-written table
            np.savez(handle, ground_range_m=table.ground_range_m, altitude_m=table.altitude_m, time_s=table.time_s)
        evict(path.parent, limit, keep=path)
    except (OSError, OutputError):
        pass
    return table
