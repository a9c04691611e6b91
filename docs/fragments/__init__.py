"""The fragments of docs/build.py by concern, each module with its own ``FRAGMENTS`` (kind -> function
of the arguments after the kind and the body as checked in -> text)."""

from __future__ import annotations

from collections.abc import Callable

from . import cues, deterrence, places, queries, tables

FRAGMENTS: dict[str, Callable[[list[str], str], str]] = {}
for _module in (tables, queries, cues, deterrence, places):
    if clash := FRAGMENTS.keys() & _module.FRAGMENTS.keys():
        raise RuntimeError(f"docs/fragments: {_module.__name__} defines {', '.join(sorted(clash))} again")
    FRAGMENTS |= _module.FRAGMENTS
