"""The scheduler's question, "which Up host has the most free memory?", answered from a heap.

The real scheduler filters every host of the cluster and weighs the ones left; the model's
weight is free memory (ties: the host listed first), so the answer is the top of a heap. A host
whose status or memory changes is only marked; the next question re-pushes the marked hosts,
so the cost follows what changed, not the size of the cluster. Answers equal a full scan's.
"""

from __future__ import annotations

import heapq
from typing import TYPE_CHECKING

from hacourse.status import HostStatus

if TYPE_CHECKING:
    from hacourse.engine.host import Host

Key = tuple[float, int]  # (-free memory, position in the scenario): the heap's smallest is the best host


class FreeMemoryIndex:
    def __init__(self, hosts: dict[str, Host], order: dict[str, int]) -> None:
        self.hosts = hosts
        self.order = order
        self.heap: list[tuple[float, int, str]] = []
        self.keys: dict[str, Key] = {}  # the current key of each Up host that is in the heap
        self.marked: set[str] = set(hosts)

    def changed(self, host: Host) -> None:
        """The host's status or free memory changed: look at it again before the next answer."""
        self.marked.add(host.name)

    def best(self, memory_gb: float, exclude: Host | None = None) -> Host | None:
        """The Up host (other than `exclude`) with the most free memory, if it fits `memory_gb`."""
        self._refresh()
        heap, skipped = self.heap, None
        while heap:
            neg_free, order, name = heap[0]
            if self.keys.get(name) != (neg_free, order):
                heapq.heappop(heap)  # an outdated entry: the host changed since it was pushed
            elif exclude is not None and name == exclude.name:
                skipped = heapq.heappop(heap)
            else:
                break
        found = heap[0] if heap else None
        if skipped is not None:
            heapq.heappush(heap, skipped)
        if found is None or -found[0] < memory_gb:
            return None
        return self.hosts[found[2]]

    def _refresh(self) -> None:
        fresh = []
        for name in self.marked:
            host = self.hosts[name]
            if host.status != HostStatus.UP:
                self.keys.pop(name, None)
                continue
            key = (-host.free_memory_gb(), self.order[name])
            if self.keys.get(name) != key:
                self.keys[name] = key
                fresh.append((*key, name))
        self.marked.clear()
        if len(fresh) + len(self.heap) > 2 * len(self.keys) + 64:
            self.heap = [(*key, name) for name, key in self.keys.items()]  # drop the outdated entries
            heapq.heapify(self.heap)
        elif len(fresh) > len(self.heap):
            self.heap.extend(fresh)
            heapq.heapify(self.heap)
        else:
            for entry in fresh:
                heapq.heappush(self.heap, entry)
