"""One base for every error securityroof raises about its input or its outputs.

A :class:`RoofError` is a ``ValueError`` (so callers that caught the older per-module classes keep
working) whose message names the field and the reason on one line; ``field`` and ``reason`` are kept
apart for faces that place the message next to a field.
"""

from __future__ import annotations

import re

#: A message of the form ``field: reason`` (``step_s: 0 must be a positive number of seconds``) names its
#: field: the one convention every module writes its messages in, so faces can say which of their
#: inputs a field is (the command line's option table) without reading the words.
_FIELD_AND_REASON = re.compile(r"([A-Za-z_][\w.\[\]-]*): (.+)", re.DOTALL)


class RoofError(ValueError):
    """Input or output that cannot be used: ``field`` names what, ``reason`` says why. Without them, a
    message ``field: reason`` gives both."""

    def __init__(self, message: str, *, field: str | None = None, reason: str | None = None):
        super().__init__(message)
        found = _FIELD_AND_REASON.fullmatch(message) if field is None else None
        self.field = found[1] if found else field
        self.reason = reason if reason is not None else (found[2] if found else message)


class InputError(RoofError):
    """Input that cannot be used: the message names the field and the reason, on one line."""


class OutputError(RoofError):
    """An output that cannot be written: busy (another run writes it), unwritable, or a full disk."""


class WorkerError(RoofError):
    """A run stopped by what it ran on, not by its input: a worker process died (killed, or out of
    memory) or a Dask scheduler was lost or had no workers. What was written is kept; the same
    command resumes (a sweep) or starts again (a batch file)."""
