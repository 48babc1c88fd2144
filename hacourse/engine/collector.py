"""Python's cyclic garbage collector, paused while a model builds and runs, and only then.

A large cluster is hundreds of thousands of long-lived objects (hosts, NICs, VMs, records), and
each automatic full collection walks all of them: on the 20,000-host benchmark that was half of
the CPU time, to free nothing, because the engine's garbage is freed by reference counting
(about ten cyclic objects per run).

The pause is scoped: `with collector_paused:` switches the collector off on entry and back on at
the exit of the outermost `with`, also when the run fails, and only if it was on before. It
nests and is shared between threads (a sweep on a threaded executor). Inside a Jupyter kernel it
does nothing unless asked (`collector_paused.in_kernels = True`): the kernel holds the student's
own objects, and the collector is theirs.
"""

from __future__ import annotations

import gc
import sys
import threading


def _in_jupyter_kernel() -> bool:
    """Whether this process is a running IPython kernel (without importing IPython)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None and hasattr(ipython, "get_ipython") else None
    return getattr(shell, "kernel", None) is not None


class CollectorPaused:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._depth = 0
        self._switched_off = False  # the outermost `with` switched the collector off: its exit switches it on
        self.in_kernels = False  # pause inside a Jupyter kernel too

    def __enter__(self) -> None:
        with self._lock:
            if self._depth == 0:
                self._switched_off = gc.isenabled() and (self.in_kernels or not _in_jupyter_kernel())
                if self._switched_off:
                    gc.disable()
            self._depth += 1

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._depth -= 1
            if self._depth == 0 and self._switched_off:
                self._switched_off = False
                gc.enable()


collector_paused = CollectorPaused()
"""`with collector_paused:` around building or running a simulation."""
