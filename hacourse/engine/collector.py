"""Python's cyclic garbage collector, paused while a model builds and runs.

A large cluster is hundreds of thousands of long-lived objects (hosts, NICs, VMs, records), and
each automatic full collection walks all of them: on the 20,000-host benchmark that was half of
the CPU time, to free nothing, because the engine's garbage is freed by reference counting
(about ten cyclic objects per run). The pause nests and is shared between threads (a sweep on a
threaded executor): the collector comes back, if it was on, when the last run leaves.
"""

from __future__ import annotations

import gc
import threading


class CollectorPaused:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._depth = 0
        self._was_enabled = False

    def __enter__(self) -> None:
        with self._lock:
            if self._depth == 0:
                self._was_enabled = gc.isenabled()
                gc.disable()
            self._depth += 1

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._depth -= 1
            if self._depth == 0 and self._was_enabled:
                gc.enable()


collector_paused = CollectorPaused()
"""`with collector_paused:` around building or running a simulation."""
