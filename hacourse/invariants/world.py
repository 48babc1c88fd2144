"""The log replayed for the invariants: the physical truth and the engine's view, side by side.

`World.physical` is `hacourse.physical.PhysicalState` (power, links, storage reach, sanlock's
renewals); the rest is what the engine showed: host and VM statuses, where it showed each VM,
the memory its placements use. A rule reads both and judges the second against the first.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import groupby

from hacourse import events as ev
from hacourse.model import Scenario
from hacourse.physical import CUT_OFF, TOL, PhysicalState
from hacourse.status import HostStatus as H
from hacourse.status import VmStatus as V

RUNNING = frozenset({V.UP, V.MIGRATING_FROM})  # the guest executes and its writes would be acknowledged


@dataclass(frozen=True)
class Violation:
    t: float
    rule: str
    message: str

    def __str__(self) -> str:
        return f"t={self.t:g} s [{self.rule}] {self.message}"


class World:
    """Physical truth and the engine's view, replayed from the log; `apply` one record at a time."""

    def __init__(self, scenario: Scenario) -> None:
        self.physical = PhysicalState(scenario)
        self.specs = {v.name: v for v in scenario.vms}
        self.memory = {v.name: v.memory_gb for v in scenario.vms}
        self.capacity = {h.name: h.memory_gb for h in scenario.hosts}
        self.host_status: dict[str, str] = {h.name: "Unassigned" for h in scenario.hosts}
        self.vm_status: dict[str, str] = {v.name: V.DOWN for v in scenario.vms}
        self.vm_host: dict[str, str] = {v.name: "" for v in scenario.vms}
        self.vms_on: dict[str, set[str]] = defaultdict(set)  # host -> VMs the log shows there, not Down
        self.used_gb: dict[str, float] = defaultdict(float)  # memory of those VMs and of incoming migrations
        self.reserved: dict[str, str] = {}  # VM -> destination of its migration in flight
        self.crashed: set[str] = set()  # VMs whose process died with their host's power; the log may lag

    def apply(self, r: ev.Record) -> None:
        self.physical.apply(r)
        if isinstance(r, ev.HostPoweredOff):
            self.crashed |= self.vms_on[r.host]
        elif isinstance(r, ev.HostStatusChanged):
            self.host_status[r.host] = r.new
        elif isinstance(r, ev.VmStatusChanged):
            self._place(r)
        elif isinstance(r, ev.MigrationStarted) and r.destination:
            self.reserved[r.vm] = r.destination
            self.used_gb[r.destination] += self.memory[r.vm]
        elif isinstance(r, ev.MigrationFinished | ev.MigrationFailed) and r.vm in self.reserved:
            self.used_gb[self.reserved.pop(r.vm)] -= self.memory[r.vm]

    def _place(self, r: ev.VmStatusChanged) -> None:
        if r.old == V.DOWN or r.host != self.vm_host[r.vm]:
            self.crashed.discard(r.vm)  # started again, or landed elsewhere
        if self.vm_status[r.vm] != V.DOWN:
            self.vms_on[self.vm_host[r.vm]].discard(r.vm)
            self.used_gb[self.vm_host[r.vm]] -= self.memory[r.vm]
        if r.new != V.DOWN:
            self.vms_on[r.host].add(r.vm)
            self.used_gb[r.host] += self.memory[r.vm]
        self.vm_status[r.vm], self.vm_host[r.vm] = r.new, r.host

    def hears(self, host: str) -> bool:
        """The engine talks to the host's VDSM: powered, management link up, and VDSM answering,
        which the log shows as a status the engine does not hold for a host it cannot reach."""
        return self.physical.answers_engine(host, vdsm_up=self.host_status[host] not in CUT_OFF)

    def healthy(self, host: str) -> bool:
        """Up in the engine and really able to run a VM: powered, storage and management links up."""
        return (self.host_status[host] == H.UP and self.physical.reaches_storage(host)
                and self.physical.management_up(host))

    def free_gb(self, host: str) -> float:
        """Memory left on a host: its VMs that are not Down and the migrations heading to it count."""
        return self.capacity[host] - self.used_gb[host]


def overdue(due: float, now: float, strict: bool) -> bool:
    """Whether a deadline has passed at `now`. Judged before the records logged at `now` apply
    (`strict`), a deadline at `now` is not missed yet (those records may meet it); judged after
    them, it is. The end of a run (`until`) is judged strictly too: SimPy's `run(until=t)` stops
    before it processes the events of instant `t`, so what would meet a deadline there never ran
    (a VM due Up at 70 s of a 70 s run is not late)."""
    return due < now - TOL if strict else due <= now + TOL


def instants(log: Sequence[ev.Record]) -> Iterator[tuple[float, list[ev.Record]]]:
    """The log's records grouped by time: the rules judge deadlines between instants."""
    for t, group in groupby(log, key=lambda r: r.t):
        yield t, list(group)


