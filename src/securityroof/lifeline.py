"""Worker processes die with the run that started them.

A pool worker blocks reading its task queue, whose write end every forked sibling also holds, so
it never sees its driver go: a driver killed with ``kill -9`` (or by the out-of-memory killer) left
every worker alive, each holding a few hundred megabytes, until someone found and killed them.

Each worker therefore arranges to die with its parent in two ways:

* On Linux the kernel sends it SIGKILL when its parent goes (``prctl(PR_SET_PDEATHSIG)``), at once
  and even while a compiled kernel holds the interpreter. The kernel means the parent *thread*
  that forked the worker, so this is only asked for where that thread lives as long as the pool:
  the forkserver's main thread, or the driver's main thread.
* Everywhere, a daemon thread waits on multiprocessing's parent sentinel (a pipe the driver holds
  open, readable once it dies) and ends the process when it becomes readable: the way on other
  systems, and on Linux where the pool was made from another thread.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import threading

#: From <linux/prctl.h>.
_PR_SET_PDEATHSIG = 1
#: The exit status of a worker that found its parent gone (a killed worker's status is -SIGKILL).
ORPHAN_EXIT = 70


def parent_signal_is_safe(start_method: str) -> bool:
    """Whether workers started now, with ``start_method``, may take the parent-death signal: the
    thread that forks them must outlive the pool, or the kernel would kill them with it."""
    return start_method == "forkserver" or threading.current_thread() is threading.main_thread()


def die_with_parent(parent_signal: bool) -> None:
    """Make this worker process end when its parent does (call it first thing in the worker)."""
    parent = multiprocessing.parent_process()
    if parent_signal and sys.platform.startswith("linux"):
        _set_parent_death_signal()
    if parent is None:  # not a multiprocessing child: nothing to watch
        return
    sentinel = parent.sentinel
    # the parent may have died between the fork and the prctl above, which would then never fire
    if multiprocessing.connection.wait([sentinel], timeout=0):
        os._exit(ORPHAN_EXIT)
    threading.Thread(target=_watch, args=(sentinel,), name="securityroof-lifeline", daemon=True).start()


def _watch(sentinel) -> None:
    multiprocessing.connection.wait([sentinel])
    os._exit(ORPHAN_EXIT)


def _set_parent_death_signal() -> None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # no usable libc (e.g. a static build): the watcher remains
        pass
