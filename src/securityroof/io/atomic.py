"""Outputs appear whole or not at all, and one run at a time writes each.

Every file securityroof writes is first written to a temporary file created beside it with
``O_EXCL`` (``tempfile.mkstemp``: a name nobody could have planted a symlink at), flushed and
fsynced, then renamed over the target; a reader, or a run killed at any point, sees either the old
complete file or the new complete one. While it is being written the temporary file holds an
advisory lock (``flock``), which the kernel drops when its process dies: that is how a later run
tells a leftover of a killed run (removed) from the live work of a concurrent one (left alone).

:func:`exclusive` takes a lock file for a whole output (a batch results file, a sweep directory) so
that a second run on the same output stops at once with a message, instead of mixing results.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from securityroof.errors import OutputError

#: Temporary files are named ``.NAME.<random>.partial`` beside the target ``NAME``.
PARTIAL_SUFFIX = ".partial"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _os_error(target: Path, error: OSError, what: str | None = None, field: str | None = None) -> OutputError:
    reason = {
        errno.ENOSPC: "the disk is full",
        errno.EDQUOT: "the disk quota is exhausted",
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.EROFS: "the file system is read-only",
        errno.ENOENT: "its directory does not exist",
    }.get(error.errno, error.strerror or str(error))
    if error.errno == errno.ENOENT and target.parent.is_dir():
        reason = "files cannot be created in its directory"  # /proc, say: it exists, but takes no new files
    what = what or str(target)
    return OutputError(f"{field + ': ' if field else ''}{what}: cannot write: {reason}", field=field, reason=reason)


def make_directory(path: Path, field: str | None = None) -> None:
    """Create the output directory ``path`` (and its parents) where missing; one OutputError naming
    the cause where it cannot be (``/proc/x``: its parent exists but takes nothing new)."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        reason = _os_error(path, error).reason
        raise OutputError(f"{field + ': ' if field else ''}{path}: cannot create it: {reason}", field=field) from None


def _fsync_directory(directory: Path) -> None:
    # the rename itself must reach the disk, or a crash can bring back the old name
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def clean_leftovers(target: Path) -> list[Path]:
    """Remove the temporary files that runs killed while writing ``target`` left beside it.

    A temporary file whose writer is alive is locked and left alone; the removed paths are returned.
    """
    target = Path(target)
    removed = []
    for path in target.parent.glob(f".{glob_escape(target.name)}.*{PARTIAL_SUFFIX}"):
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:
            # a symlink (never one of ours) or already gone: remove the name, never what it points at
            if path.is_symlink():
                with contextlib.suppress(OSError):
                    path.unlink()
                    removed.append(path)
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            continue  # a live writer holds it
        finally:
            os.close(fd)
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            removed.append(path)
    return removed


def glob_escape(name: str) -> str:
    """``name`` with glob's special characters taken literally."""
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)


@contextlib.contextmanager
def atomic_path(target: Path | str) -> Iterator[Path]:
    """Yield a fresh temporary path beside ``target``; on a clean exit it replaces ``target``.

    For writers that want a path (``pyarrow.parquet.write_table``, ``savefig``, a ParquetWriter):
    they open the file this function created, so nothing is written through a planted link. On an
    exception the temporary file is removed and ``target`` is untouched.
    """
    target = Path(target)
    try:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=PARTIAL_SUFFIX, dir=target.parent)
    except OSError as error:
        raise _os_error(target, error) from error
    tmp = Path(name)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # held until this process closes it or dies
        yield tmp
        with open(tmp, "rb+") as written:
            os.fsync(written.fileno())
        os.fchmod(fd, 0o666 & ~_umask())
        os.replace(tmp, target)
        _fsync_directory(target.parent)
    except OSError as error:
        tmp.unlink(missing_ok=True)
        raise _os_error(target, error) from error
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_open(target: Path | str, mode: str = "wb", encoding: str | None = None) -> Iterator[IO]:
    """Open a temporary file beside ``target`` for writing; a clean exit renames it over ``target``."""
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_open writes whole files; mode {mode!r} is not 'w' or 'wb'")
    with atomic_path(target) as tmp:
        with open(tmp, mode, encoding=encoding if "b" not in mode else None) as handle:
            yield handle
            handle.flush()


def write_text(target: Path | str, text: str) -> None:
    """Write ``text`` (UTF-8) to ``target`` atomically."""
    with atomic_open(target, "w", encoding="utf-8") as handle:
        handle.write(text)


def write_bytes(target: Path | str, data: bytes) -> None:
    """Write ``data`` to ``target`` atomically."""
    with atomic_open(target, "wb") as handle:
        handle.write(data)


@contextlib.contextmanager
def exclusive(lock_path: Path | str, what: str, field: str | None = None) -> Iterator[None]:
    """Hold the one-writer lock ``lock_path`` for the block, or stop at once if another run holds it.

    ``what`` names the output for the message (e.g. ``"results.parquet"``), ``field`` the input that
    chose it (e.g. ``"out"``). The lock file is
    opened without following links and is left in place (removing it would race with a waiting run).
    """
    lock_path = Path(lock_path)
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o666 & ~_umask())
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise OutputError(
                f"{field + ': ' if field else ''}{what}: {lock_path} is a symbolic link; refusing to use it as a lock",
                field=field,
            ) from error
        raise _os_error(lock_path, error, what, field) from error
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OutputError(
                f"{field + ': ' if field else ''}{what}: another roof run is writing it now; wait for it to finish "
                "or choose another output",
                field=field,
            ) from None
        yield
    finally:
        os.close(fd)
