"""Answers kept on disk between runs, as JSON files in ``SECURITYROOF_CACHE/answers``, each under a
key that names everything it depends on (the caller's to build: code, data, inputs).

The workbench keeps its first evaluation here, so that a second ``roof serve`` shows its map without
flying the threat set again. A cache, not a record: a file that is missing, partial, unreadable or
not an answer is a miss, a write that fails is skipped, and past :data:`KEEP` files the least
recently used go.
"""

from __future__ import annotations

import contextlib
import json
import re
from pathlib import Path

from securityroof.errors import OutputError
from securityroof.io.atomic import write_text
from securityroof.io.flyout_cache import cache_dir

#: The most answers kept; each is a few hundred kilobytes.
KEEP = 16
_KEY = re.compile(r"[0-9a-f]{64}")


def _path(key: str) -> Path:
    if not _KEY.fullmatch(key):
        raise ValueError(f"an answer's key is a sha256 in hex, not {key!r}")
    return cache_dir() / "answers" / f"{key}.json"


def recall(key: str) -> dict | None:
    """The answer kept under ``key``, or None."""
    path = _path(key)
    try:
        answer = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(answer, dict):
        return None
    with contextlib.suppress(OSError):
        path.touch()  # used: the last to go
    return answer


def keep(key: str, answer: dict) -> None:
    """Keep ``answer`` (JSON-serialisable) under ``key``; on any failure to write, keep nothing."""
    path = _path(key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text(path, json.dumps(answer, separators=(",", ":")))
    except (OSError, OutputError):
        return
    kept = []
    for other in path.parent.glob("*.json"):
        with contextlib.suppress(OSError):
            kept.append((other.stat().st_mtime_ns, other))
    for _, other in sorted(kept)[: max(0, len(kept) - KEEP)]:
        if other != path:
            with contextlib.suppress(OSError):
                other.unlink()
