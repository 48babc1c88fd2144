"""A virtual machine: where its qemu process runs, what VDSM does to it, and what the engine shows.

Two views again: `status` is the engine's, changed only by `set_status`; `host`, `pause_reason`,
`io_blocked` and `crashed` are what happens on the host (QEMU and VDSM). VDSM's events about the
VM reach the engine only while the engine hears that VDSM (`engine_hears`); otherwise the engine
learns them when contact returns (`engine_learns_state`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hacourse import rules
from hacourse.engine.clock import Epoch, next_tick
from hacourse.events import VmProcessDied, VmStatusChanged
from hacourse.model import Vm as VmSpec
from hacourse.status import PauseCode, Reason
from hacourse.status import VmStatus as S

if TYPE_CHECKING:
    import simpy

    from hacourse.engine.ha import HaRestarter
    from hacourse.engine.host import Host
    from hacourse.engine.migration import Migrations
    from hacourse.engine.simulation import Simulation
    from hacourse.engine.storage import StorageDomain


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
        self.migration: simpy.Process | None = None  # the migration in flight, if any
        self.migration_dest: str | None = None
        self.paused_at = 0.0
        self.pauses = Epoch()  # advanced at each pause on EIO: a kill timer of an earlier pause is stale
        self.launched_at = 0.0
        self.launches = Epoch()  # advanced at each RunVm: the boot timer of an earlier launch is stale
        self.crashed = False  # its host lost power: nothing runs, whatever the engine still shows
        self.resume_behavior = rules.resume_behavior(spec, sim.config)

    def connect(self, *, ha: HaRestarter, domain: StorageDomain, migrations: Migrations) -> None:
        """The collaborators it calls, given once every actor is built (`Simulation.__init__`)."""
        self.ha, self.domain, self.migrations = ha, domain, migrations

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
            self.sim.hosts[self.host].qemu_stopped(self.name)
        self.host = host
        if host is not None:
            self.sim.hosts[host].qemu_started(self.name, self.spec.memory_gb)

    @property
    def running(self) -> bool:
        """Up or migrating and not paused: the guest is executing."""
        return self.status in (S.UP, S.MIGRATING_FROM) and self.pause_reason is None

    @property
    def engine_hears(self) -> bool:
        """VDSM's VM events reach the engine only while the engine can talk to that VDSM."""
        return self.host is not None and self.sim.hosts[self.host].answers_engine

    # --- its disk writes on a lost storage path (QEMU error_policy=stop, VDSM) -----------------

    def writes_hang(self) -> None:
        self.io_blocked = True

    def writes_complete(self) -> None:
        """The path came back in time: the hanging writes complete and nothing was lost."""
        self.io_blocked = False

    def io_error(self) -> None:
        """QEMU's error_policy=stop: the failed write is kept and the guest pauses on EIO."""
        self.io_blocked = False
        self.pause_reason, self.paused_at = PauseCode.EIO, self.sim.env.now
        if self.engine_hears:
            self.set_status(S.PAUSED, Reason.PAUSED_EIO)
        pause = self.pauses.advance()
        if self.resume_behavior == "kill":
            self.sim.env.process(self._kill_if_still_paused(pause))

    def _kill_if_still_paused(self, pause: int):
        """VDSM's periodic `_kill_long_paused_vms`, every `vm_kill_paused_timeout // 2` (40 s), destroys
        a VM paused longer than `vm_kill_paused_timeout` (80 s): 80-120 s after the pause ([V]
        virt/periodic.py). The engine knows only if it hears VDSM, else it learns it later."""
        sim = self.sim
        timeout = rules.kill_paused_timeout_s(sim.config)
        period = max(1, int(timeout) // 2)
        phase = sim.phase(f"vdsm-periodic:{self.host}", period)
        yield sim.env.timeout(next_tick(self.paused_at + timeout + 1e-6, period, phase) - sim.env.now)
        if self.pause_reason == PauseCode.EIO and self.pauses.current(pause) and self.migration is None:
            self._killed_while_paused()

    def _killed_while_paused(self) -> None:
        self.pause_reason = None
        if self.engine_hears:
            self.set_status(S.DOWN, "resume_behavior kill: paused longer than vm_kill_paused_timeout")
            self.ha.enqueue(self)
        else:
            self.crashed = True

    def storage_valid_again(self) -> None:
        """VDSM contEIOVms: the domain is valid again; a VM paused on EIO follows its resume behaviour
        (`maybe_resume`): auto_resume continues; kill is destroyed if paused longer than
        `vm_kill_paused_timeout`, else continued; leave_paused waits for the admin."""
        if self.pause_reason != PauseCode.EIO or self.migration is not None:
            return
        behavior = self.resume_behavior
        if behavior == "kill" and self.sim.env.now - self.paused_at > rules.kill_paused_timeout_s(self.sim.config):
            self._killed_while_paused()
        elif behavior in ("auto_resume", "kill"):
            self.pause_reason = None
            self.pauses.advance()  # a pending kill check is stale
            if self.engine_hears:
                self.set_status(S.UP, f"resumed: storage reachable again ({behavior})")

    def arrived(self, host: Host) -> None:
        """The VM landed or booted on a host whose storage fails meanwhile: its writes hang there too,
        or fail at once if the host's queued I/O has failed already."""
        path = self.domain.paths[host.name]
        if self.spec.writes and not path.connected:
            self.io_blocked = True
            if path.io_failed:
                self.io_error()

    def qemu_died(self) -> None:
        """Its qemu process dies (`vm_crash`): VDSM reports the VM Down with an error; the engine, if it
        hears VDSM, sets it Down and restarts it if it is HA (3.3: VdsEventListener.runFailedAutoStartVM,
        audit HA_VM_FAILED; 4.x: the HA runner), else it learns it when VDSM answers again."""
        if self.host is None or self.crashed:
            return
        self.migrations.qemu_died(self)
        self.sim.record(VmProcessDied, vm=self.name, host=self.host)
        self.crash()
        if self.engine_hears:
            self.crashed = False
            self.known_down("VDSM reports the VM Down with an error: its qemu process died")

    def crash(self) -> None:
        """Its host lost power: qemu dies with it; the engine learns it later."""
        self.crashed = True
        self.io_blocked = False

    # --- what the engine learns and decides about it ---------------------------------------------

    def engine_learns_state(self) -> None:
        """VDSM answers again: the engine learns what happened to the VM meanwhile."""
        if self.migration is not None:
            return
        if self.crashed:
            self.known_down("VDSM reports the VM is not running")
        elif self.pause_reason and self.status != S.PAUSED:
            self.set_status(S.PAUSED, Reason.PAUSED_EIO_REPORTED)
        elif not self.pause_reason and self.status in (S.UNKNOWN, S.PAUSED):
            self.set_status(S.UP, "host answers again")

    def known_down(self, reason: str) -> None:
        """The engine knows the VM no longer runs (its host fenced, its lease expired): Down, and
        queued for an HA restart."""
        self.pause_reason = None
        self.set_status(S.DOWN, reason)
        self.ha.enqueue(self)

    def launched(self, host: str, reason: str) -> int:
        """RunVm on `host`: WaitForLaunch until the guest boots. Returns the launch's token."""
        self.launched_at = self.sim.env.now
        self.set_status(S.WAIT_FOR_LAUNCH, reason, host=host)
        return self.launches.advance()

    # --- live migration --------------------------------------------------------------------------

    def migrating(self, process: simpy.Process, destination: str) -> None:
        self.migration, self.migration_dest = process, destination

    def migration_ended(self) -> None:
        self.migration = None

    def landed(self, destination: Host, source: Host) -> None:
        """The switch-over is done: the VM runs on the destination; a VM paused on EIO continues
        there and its failed writes are retried on the destination's working path."""
        if self.pause_reason == PauseCode.EIO:
            self.pause_reason, self.io_blocked = None, False
            self.set_status(S.UP, "continued on the destination; failed I/O retried", host=destination.name)
        else:
            self.set_status(S.UP, f"migrated from {source.name}", host=destination.name)
        self.arrived(destination)
