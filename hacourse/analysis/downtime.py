"""Where the downtime goes: each second a guest did not run, by the phase it was in and the fault
that caused it.

The phase of a VM that does not run is read from what the engine and the people were doing:

| phase | while |
|---|---|
| detection | the portal still shows it running (the engine has not noticed yet) |
| paused | the portal shows it Paused (its storage failed) |
| fencing | Unknown on a host with power management: the engine's non-responding treatment |
| waiting for repair | Unknown on a host without power management, or Down and not HA, while the fault that struck it is not repaired |
| waiting for a person | the same once the fault is repaired: until someone confirms the host rebooted, or the operator runs the VM |
| waiting for capacity | Down after the scheduler found no host with room (HA restart or the admin's Run) |
| restart | Down and queued for an HA restart, or booting (WaitForLaunch) |

The cause of a stop is the last fault that struck the VM before it: a fault on its host (or a
NIC of it), on the storage domain, or on the VM itself (`FaultInjected`; admin actions and
repairs are not causes). A stop with no such fault is `other`.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Mapping, Sequence

from hacourse import events as ev
from hacourse.actions import ACTIONS, Side, undo_of
from hacourse.analysis.availability import VmAvailability
from hacourse.model import Scenario
from hacourse.status import RestartResult, VmStatus

PHASES = ("detection", "paused", "fencing", "waiting for a person", "waiting for repair",
          "waiting for capacity", "restart")
"""Every phase, in the order a stop usually passes through them."""

_REPAIRS = {undo_of(name): name for name in ACTIONS if undo_of(name)}  # repair kind -> the fault it undoes


def _faults() -> frozenset[str]:
    return frozenset(k.name for k in ACTIONS.values() if k.side == Side.FAULT and k.name not in _REPAIRS)


class _Engine:
    """What the engine, the operator and the hardware were doing, replayed; `phase(vm)` now."""

    def __init__(self, scenario: Scenario) -> None:
        self.ha = {v.name: v.ha for v in scenario.vms}
        self.pm = {h.name: h.power_management for h in scenario.hosts}
        self.status = {v.name: VmStatus.UP.value for v in scenario.vms}
        self.host = {v.name: v.host for v in scenario.vms}
        self.on_host: dict[str, set[str]] = defaultdict(set)
        for v in scenario.vms:
            self.on_host[v.host].add(v.name)
        self.no_room: set[str] = set()
        self.broken: dict[str, set[tuple[str, str | None]]] = defaultdict(set)  # VM -> faults not yet repaired
        self.struck_by: dict[tuple[str, str | None, str | None], set[str]] = {}  # a fault's key -> the VMs it struck
        self.cause: dict[str, str] = {}  # VM -> the last fault that struck it
        self.faults = _faults()

    def apply(self, r: ev.Record) -> set[str]:
        if isinstance(r, ev.VmStatusChanged):
            self.status[r.vm] = r.new
            if r.host != self.host[r.vm]:
                self.on_host[self.host[r.vm]].discard(r.vm)
                self.on_host[r.host].add(r.vm)
                self.host[r.vm] = r.host
            if r.new == VmStatus.WAIT_FOR_LAUNCH:
                self.no_room.discard(r.vm)
            return {r.vm}
        if isinstance(r, ev.MigrationFinished):
            self.on_host[r.source].discard(r.vm)
            self.on_host[r.destination].add(r.vm)
            self.host[r.vm] = r.destination
            return set()
        if isinstance(r, ev.HaRestartAttempted) and r.outcome == RestartResult.NO_ROOM:
            self.no_room.add(r.vm)
            return {r.vm}
        if isinstance(r, ev.ActionRefused) and r.action == "run_vm" and "NO_VDS" in r.code:
            self.no_room.add(r.target)
            return {r.target}
        if isinstance(r, ev.FaultInjected):
            return self._fault(r)
        return set()

    def _fault(self, r: ev.FaultInjected) -> set[str]:
        if r.action in self.faults:
            key = (r.action, r.host, r.target)
            if r.action == "vm_crash" and r.target:
                struck = {r.target}
            elif r.host:
                struck = set(self.on_host[r.host])
            else:
                struck = set(self.status)
            self.struck_by[key] = struck
            for vm in struck:
                self.cause[vm] = r.action
                if undo_of(r.action):
                    self.broken[vm].add((r.action, r.host))
            return struck
        undone = _REPAIRS.get(r.action)
        if undone is not None:
            struck = self.struck_by.pop((undone, r.host, r.target), set())
            for vm in struck:
                self.broken[vm].discard((undone, r.host))
            return struck
        return set()

    def phase(self, vm: str) -> str:
        status = self.status[vm]
        if status in (VmStatus.UP, VmStatus.MIGRATING_FROM):
            return "detection"
        if status == VmStatus.PAUSED:
            return "paused"
        if status == VmStatus.UNKNOWN:
            if self.pm.get(self.host[vm], True):
                return "fencing"
            return "waiting for repair" if self.broken[vm] else "waiting for a person"
        if status == VmStatus.WAIT_FOR_LAUNCH:
            return "restart"
        if vm in self.no_room:
            return "waiting for capacity"
        if self.ha[vm]:
            return "restart"
        return "waiting for repair" if self.broken[vm] else "waiting for a person"


def downtime(log: Sequence[ev.Record], scenario: Scenario,
             vms: Mapping[str, VmAvailability]) -> tuple[dict[str, float], dict[str, float]]:
    """(seconds by cause, seconds by phase), summed over the VMs' down spans (`vms`: one run's
    `availability`). Both add up to the VMs' total downtime."""
    engine = _Engine(scenario)
    marks: dict[str, list[tuple[float, str, str]]] = defaultdict(list)  # VM -> (t, phase, cause) changes
    for r in log:
        for vm in engine.apply(r):
            if vm in engine.status:
                marks[vm].append((r.t, engine.phase(vm), engine.cause.get(vm, "other")))
    by_cause: dict[str, float] = defaultdict(float)
    by_phase: dict[str, float] = defaultdict(float)
    for name, seen in vms.items():
        changes = marks.get(name, [])
        times = [c[0] for c in changes]
        for start, end in seen.down_spans():
            i = bisect_right(times, start) - 1
            cause = changes[i][2] if i >= 0 else "other"
            phase = changes[i][1] if i >= 0 else "detection"
            by_cause[cause] += end - start
            at = start
            for t, new, _ in changes[i + 1:]:
                if t >= end:
                    break
                if new != phase:
                    by_phase[phase] += t - at
                    at, phase = t, new
            by_phase[phase] += end - at
    return dict(sorted(by_cause.items())), {p: by_phase[p] for p in PHASES if by_phase.get(p)}
