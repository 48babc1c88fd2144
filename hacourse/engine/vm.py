"""A virtual machine: where its qemu process runs, and the status the engine shows."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hacourse import rules
from hacourse.engine.clock import Epoch
from hacourse.events import VmStatusChanged
from hacourse.model import Vm as VmSpec
from hacourse.status import PauseCode
from hacourse.status import VmStatus as S

if TYPE_CHECKING:
    from hacourse.engine.simulation import Simulation

ALLOWED_MOVES: dict[S, frozenset[S]] = {
    S.UP: frozenset({S.PAUSED, S.MIGRATING_FROM, S.UNKNOWN, S.DOWN}),
    S.PAUSED: frozenset({S.UP, S.MIGRATING_FROM, S.UNKNOWN, S.DOWN}),
    S.MIGRATING_FROM: frozenset({S.UP, S.PAUSED, S.UNKNOWN, S.DOWN}),
    S.UNKNOWN: frozenset({S.UP, S.PAUSED, S.DOWN}),
    S.DOWN: frozenset({S.WAIT_FOR_LAUNCH}),
    S.WAIT_FOR_LAUNCH: frozenset({S.UP, S.DOWN}),
}


class Vm:
    def __init__(self, sim: Simulation, spec: VmSpec) -> None:
        self.sim = sim
        self.spec = spec
        self.name = spec.name
        self.status = S.UP
        self.host: str | None = spec.host
        self.pause_reason: PauseCode | None = None  # EIO while paused on an I/O error
        self.io_blocked = False  # writes hang on a lost iSCSI path
        self.migration = None  # the migration process in flight, if any
        self.migration_dest: str | None = None
        self.paused_at = 0.0
        self.pauses = Epoch()  # advanced at each pause on EIO: a kill timer of an earlier pause is stale
        self.launched_at = 0.0
        self.crashed = False  # its host lost power: nothing runs, whatever the engine still shows
        self.resume_behavior = rules.resume_behavior(spec, sim.config)

    def set_status(self, new: S, reason: str, host: str | None = None) -> None:
        """The one place a VM's status (and the host the engine shows for it) changes."""
        host = self.host if host is None else host
        if new == self.status and host == self.host:
            return
        if new != self.status and new not in ALLOWED_MOVES[self.status]:
            raise AssertionError(f"vm {self.name}: {self.status} -> {new} is not an engine move")
        old, self.status = self.status, new
        shown = host
        if new == S.DOWN:
            self.crashed = False
            self.io_blocked = False  # its hanging writes died with it; they do not follow it to a new host
            host = None  # the qemu process is gone; the record still names the host it left
        if host != self.host:
            self._move_process(host)
        self.sim.record(VmStatusChanged, vm=self.name, host=shown or "", old=str(old), new=str(new),
                        reason=reason)

    def _move_process(self, host: str | None) -> None:
        if self.host is not None:
            self.sim.hosts[self.host].vms.pop(self.name, None)
            self.sim.placement.changed(self.sim.hosts[self.host])
        self.host = host
        if host is not None:
            self.sim.hosts[host].vms[self.name] = self.spec.memory_gb
            self.sim.placement.changed(self.sim.hosts[host])

    @property
    def running(self) -> bool:
        """Up or migrating and not paused: the guest is executing."""
        return self.status in (S.UP, S.MIGRATING_FROM) and self.pause_reason is None
