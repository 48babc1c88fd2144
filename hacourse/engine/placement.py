"""The scheduler's question, "which Up host has the most free memory?", answered from a heap.

The real scheduler filters every host of the cluster and weighs the ones left; the model's
weight is free memory (ties: the host listed first), so the answer is the top of a heap. A host
whose status or memory changes is only marked; the next question re-pushes the marked hosts,
so the cost follows what changed, not the size of the cluster. Answers equal a full scan's.
"""

from __future__ import annotations

import heapq
from typing import TYPE_CHECKING

from hacourse.events import PlacementDecided
from hacourse.status import HostStatus

if TYPE_CHECKING:
    from hacourse.engine.host import Host
    from hacourse.engine.simulation import Simulation
    from hacourse.engine.vm import Vm

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


EXPLAINED_HOSTS = 50
"""Clusters up to this size get every host's verdict in `PlacementDecided`; bigger ones only the chosen host."""


def decide(sim: Simulation, vm: Vm, purpose: str, exclude: Host | None = None,
           only: Host | None = None) -> Host | None:
    """The scheduler's answer for `vm`, recorded with its reasons (`PlacementDecided`).

    The answer is the index's (`FreeMemoryIndex.best`); the reasons are a scan of the hosts,
    which small clusters can afford: each filtered host with the filter that removed it, and the
    free memory (the weight) of the hosts that passed, best first. With `only` (the admin's
    migration to a chosen host, MigrateVmToServer) that host is the one candidate.
    """
    need = vm.spec.memory_gb
    hosts = list(sim.hosts.values()) if only is None else [only]
    if only is None:
        chosen = sim.placement.best(need, exclude=exclude)
    else:
        fits = only is not exclude and only.status == HostStatus.UP and only.free_memory_gb() >= need
        chosen = only if fits else None
    filtered, weights = [], []
    if len(hosts) <= EXPLAINED_HOSTS:
        for h in hosts:
            free_gb = h.free_memory_gb()
            free = round(free_gb, 3)
            if exclude is not None and h is exclude:
                filtered.append((h.name, "Source", "the host the VM leaves"))
            elif h.status != HostStatus.UP:
                filtered.append((h.name, "Status", f"{h.status}, not Up"))
            elif free_gb < need:
                used_gb = sum(h.vms.values())
                used, pending = round(used_gb, 3), round(h.spec.memory_gb - used_gb - free_gb, 3)
                detail = (f"needs {need:g} GiB, {free:g} GiB free "
                          f"({h.spec.memory_gb:g} - {used:g} used - {pending:g} pending)")
                filtered.append((h.name, "Memory", detail))
            else:
                weights.append((h.name, free))
        weights.sort(key=lambda w: (-w[1], sim.host_order[w[0]]))
    elif chosen is not None:
        weights.append((chosen.name, round(chosen.free_memory_gb(), 3)))
    unlisted = len(hosts) - len(filtered) - len(weights)
    sim.record(PlacementDecided, vm=vm.name, purpose=purpose, memory_gb=need,
               chosen=chosen.name if chosen else "", filtered=tuple(filtered), weights=tuple(weights),
               unlisted=unlisted)
    return chosen
