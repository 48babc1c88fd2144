"""A hypervisor host: its power, its NICs, VDSM, the qemu processes it runs, and its engine status.

Whether a link works, storage is reached or VDSM answers the engine is decided by the rules of
`hacourse.physical`, the ones the invariants and the analysis apply to the log.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cached_property
from typing import TYPE_CHECKING

import simpy

from hacourse import physical, rules
from hacourse.engine.clock import Epoch
from hacourse.engine.network import Nic, Signal
from hacourse.events import (
    KDUMPING,
    VDSM_ENABLED,
    Fact,
    HostKdumpFinished,
    HostKdumpStarted,
    HostPoweredOff,
    HostPoweredOn,
    HostStatusChanged,
    Record,
    VdsmStopped,
    VdsmUnmasked,
)
from hacourse.model import Host as HostSpec
from hacourse.status import HostStatus as S

if TYPE_CHECKING:
    from hacourse.engine.placement import FreeMemoryIndex
    from hacourse.engine.simulation import Simulation
    from hacourse.engine.storage import StorageDomain


ALLOWED_MOVES: dict[S, frozenset[S]] = {
    S.UP: frozenset({S.NON_OPERATIONAL, S.CONNECTING, S.REBOOT, S.PREPARING_FOR_MAINTENANCE}),
    S.CONNECTING: frozenset({S.UP, S.NON_RESPONSIVE, S.NON_OPERATIONAL, S.INITIALIZING, S.REBOOT,
                             S.MAINTENANCE, S.PREPARING_FOR_MAINTENANCE}),
    S.NON_RESPONSIVE: frozenset({S.REBOOT, S.INITIALIZING, S.CONNECTING, S.MAINTENANCE, S.KDUMPING}),
    S.KDUMPING: frozenset({S.NON_RESPONSIVE}),
    S.NON_OPERATIONAL: frozenset({S.UP, S.CONNECTING, S.INITIALIZING, S.REBOOT, S.PREPARING_FOR_MAINTENANCE,
                                  S.UNASSIGNED}),
    S.INITIALIZING: frozenset({S.UP, S.NON_OPERATIONAL, S.CONNECTING}),
    S.REBOOT: frozenset({S.INITIALIZING, S.NON_RESPONSIVE}),
    S.DOWN: frozenset({S.INITIALIZING}),
    S.PREPARING_FOR_MAINTENANCE: frozenset({S.MAINTENANCE, S.UNASSIGNED, S.CONNECTING, S.NON_RESPONSIVE}),
    S.MAINTENANCE: frozenset({S.UNASSIGNED}),
    S.UNASSIGNED: frozenset({S.INITIALIZING, S.NON_RESPONSIVE}),
}
"""The engine's host status moves that the model uses ([E] VDSStatus, VdsManager, MaintenanceVds,
ActivateVds: activation goes through Unassigned, then InitVdsOnUp; VdsKdumpDetection: NonResponsive,
Kdumping while the dump runs, NonResponsive once it finished)."""

Watcher = Callable[["Host", "Nic | None"], None]
"""An actor told that power, a NIC (the one given) or VDSM changed on a host."""


class Host:
    """One host. `status` is the engine's view; `power` and the NICs are the physical truth."""

    def __init__(self, sim: Simulation, spec: HostSpec, watchers: Sequence[Watcher] = ()) -> None:
        self.sim = sim
        self.watchers = watchers  # who is told of a physical change, in order
        self.spec = spec
        self.name = spec.name
        self.status = S.UP
        self.power = Signal(sim.env, True)
        self.vdsm = Signal(sim.env, True)  # VDSM answering (killed by sanlock, restarted)
        self.nics = {nic: Nic(sim, spec.name, nic, net) for nic, net in spec.nics.items()}
        self.vms: dict[str, float] = {}  # VMs whose qemu process runs here -> their memory_gb
        self._pending_memory_gb = 0.0  # memory reserved by migrations and restarts in flight
        self.status_changed = sim.env.event()
        self.before_connecting = S.UP  # the status it left for Connecting, where a recovery returns
        self.vdsm_restarted = False  # VDSM came back from a restart: the engine re-initializes the host
        self.power_cycles = Epoch()  # advanced at each power loss: a VDSM start pending from before is stale
        self.os_up = True  # the OS has booted: sshd and systemd run, VDSM can start
        self.facts: dict[Fact, bool] = {}  # its physical facts no Signal keeps (`set_fact`), where not the default
        self.kdump_ended: tuple[int, float] | None = None  # (power cycle, time) of its last dump's end

    def connect(self, *, placement: FreeMemoryIndex, domain: StorageDomain) -> None:
        """The collaborators it calls, given once every actor is built (`Simulation.__init__`)."""
        self.placement, self.domain = placement, domain

    @cached_property
    def outgoing(self) -> simpy.Resource:
        """VDSM's outgoing migration slots; made on the first migration, as most hosts never send one."""
        return simpy.Resource(self.sim.env, capacity=rules.outgoing_slots(self.sim.config, self.spec))

    @cached_property
    def incoming(self) -> simpy.Resource | None:
        limit = rules.incoming_slots(self.sim.config)
        return simpy.Resource(self.sim.env, capacity=limit) if limit else None

    def set_status(self, new: S, reason: str) -> None:
        """The one place a host's status changes; the move must be one the engine makes."""
        if new == self.status:
            return
        if new not in ALLOWED_MOVES[self.status]:
            raise AssertionError(f"host {self.name}: {self.status} -> {new} is not an engine move")
        old, self.status = self.status, new
        self.placement.changed(self)
        self.sim.record(HostStatusChanged, host=self.name, old=str(old), new=str(new), reason=reason)
        changed, self.status_changed = self.status_changed, self.sim.env.event()
        changed.succeed(new)

    def connecting(self, reason: str) -> None:
        """The engine's poll failed: Connecting, remembering the status a recovery returns to."""
        self.before_connecting = self.status
        self.set_status(S.CONNECTING, reason)

    def initializing(self, reason: str) -> None:
        """VDSM answers after a restart or a boot: the engine initializes the host again."""
        self.vdsm_restarted = False
        self.set_status(S.INITIALIZING, reason)

    # --- physical truth -------------------------------------------------------------

    def nic(self, name_or_network: str) -> Nic:
        """A NIC by its name or by the logical network it carries (`ifdown storage`)."""
        if name_or_network in self.nics:
            return self.nics[name_or_network]
        return next(n for n in self.nics.values() if n.network == name_or_network)

    def nic_for_role(self, role: str) -> Nic | None:
        name = physical.role_nic(self.spec.nics, self.sim.roles, role)
        return None if name is None else self.nics[name]

    def _role_nic_up(self, role: str) -> bool | None:
        nic = self.nic_for_role(role)
        return None if nic is None else nic.up

    def link_up(self, role: str) -> bool:
        return physical.link_up(self.power.value, self._role_nic_up(role))

    @property
    def storage_link_up(self) -> bool:
        return physical.reaches_storage(self.power.value, self._role_nic_up(physical.STORAGE))

    @property
    def reaches_storage(self) -> bool:
        """The host reaches the data domain: its storage link works and the array answers."""
        return self.domain.reached_by(self)

    @property
    def answers_engine(self) -> bool:
        return physical.answers_engine(self.power.value, self._role_nic_up(physical.MANAGEMENT), self.vdsm.value)

    def power_off(self, reason: str) -> None:
        if not self.power.set(False):
            return
        self.power_cycles.advance()  # a VDSM start still pending from before is stale
        self.os_up = False
        self.vdsm.set(False)
        for vm in self.sim.vms_on(self.name):
            vm.crash()
        self.sim.record(HostPoweredOff, host=self.name, reason=reason)
        self.physically_changed()

    def power_on(self, reason: str) -> None:
        """Power returns; the OS boots and brings every NIC up (an ifdown does not survive a boot)."""
        if not self.power.set(True):
            return
        self.sim.record(HostPoweredOn, host=self.name, reason=reason)
        self.sim.env.process(self._boot(self.power_cycles.token))

    def _boot(self, cycle: int):
        for nic in self.nics.values():
            nic.set_up(True)
        self.physically_changed()
        yield self.sim.env.timeout(self.sim.config.host_boot_s)
        if self.power_cycles.current(cycle):
            self.os_up = True
            self.vdsm.set(self.fact(VDSM_ENABLED))  # a masked vdsmd stays down across the boot
            self.physically_changed()

    def fact(self, fact: Fact) -> bool:
        """A physical fact of this host as it is now (its declared default until a record set it)."""
        return self.facts.get(fact, fact.default)

    def set_fact(self, kind: type[Record], **fields: object) -> None:
        """A physical fact of this host changes (`kind.sets`, e.g. its fence agent stops answering):
        record it, keep it for the actors that read it (`fact`), and tell the watchers."""
        assert kind.sets is not None, f"{kind.__name__} sets no physical fact"
        fact, value = kind.sets
        if self.fact(fact) == value:
            return
        self.facts[fact] = value
        self.sim.record(kind, host=self.name, **fields)
        self.physically_changed()

    def reachability_changed(self) -> simpy.Event:
        """Fires when power, VDSM or the management NIC changes: what the engine's polls depend on."""
        events = [self.power.changed(), self.vdsm.changed()]
        mgmt = self.nic_for_role(physical.MANAGEMENT)
        if mgmt is not None:
            events.append(mgmt.carrier.changed())
        return simpy.AnyOf(self.sim.env, events)

    def nics_changed(self) -> simpy.Event:
        return simpy.AnyOf(self.sim.env, [n.carrier.changed() for n in self.nics.values()])

    def restart_vdsm(self) -> None:
        """VDSM exits (sanlock kill, soft fencing) and systemd starts it again (Restart=always)."""
        self.vdsm.set(False)
        self.vdsm_restarted = True
        self.physically_changed()
        self.sim.env.process(self._vdsm_starts(self.power_cycles.token))

    def _vdsm_starts(self, cycle: int):
        yield self.sim.env.timeout(self.sim.config.vdsm_restart_s)
        if self.power_cycles.current(cycle) and self.os_up and self.fact(VDSM_ENABLED):  # the boot starts it
            self.vdsm.set(True)
            self.physically_changed()

    def kernel_crashed(self) -> None:
        """The kernel panics and kdump's crash kernel takes over: VDSM, sanlock and the qemu processes
        die with the kernel (the model records the OS as off, as a reboot does), the crash kernel
        writes the memory out for `kdump_s`, sending fence_kdump messages, and reboots the host
        (`host_boot_s`). A power fence meanwhile cuts the dump short."""
        if not self.os_up:
            return
        self.set_fact(HostKdumpStarted)
        self.power_off("kernel panic: the crash kernel takes over (kdump)")
        self.sim.env.process(self._dump(self.power_cycles.token))

    def _dump(self, cycle: int):
        env = self.sim.env
        done = env.now + self.sim.config.kdump_s
        yield env.timeout(self.sim.config.kdump_s) | self.power.becomes(True)
        if not self.power_cycles.current(cycle) or not self.fact(KDUMPING):
            return  # cut short already (a power fence ended it)
        if env.now < done:
            self.end_kdump("cut short: the host was powered on again; the dump is lost")
            return
        self.end_kdump("the dump is written; the host reboots")
        self.power_on("kdump finished: the host reboots")

    def end_kdump(self, outcome: str) -> None:
        """The crash kernel stops: its dump written, or cut short (a power fence, the power button)."""
        self.kdump_ended = (self.power_cycles.token, self.sim.env.now)
        self.set_fact(HostKdumpFinished, outcome=outcome)

    def kdump_session(self, finished_after_s: float) -> str | None:
        """What the engine's fence_kdump listener knows of this host's dump in its current power
        cycle: "dumping" while messages come (and for `finished_after_s` after the last one),
        then "finished"; None: no message."""
        if self.fact(KDUMPING):
            return "dumping"
        if self.kdump_ended is None or not self.power_cycles.current(self.kdump_ended[0]):
            return None
        return "dumping" if self.sim.env.now < self.kdump_ended[1] + finished_after_s else "finished"

    def stop_vdsm(self) -> None:
        """`systemctl stop vdsmd; systemctl mask vdsmd` (ovirt-system-tests' test_vdsm_recovery): VDSM
        exits and no restart brings it back (systemd, `vdsm-tool service-restart` over SSH, a reboot)."""
        self.vdsm.set(False)
        self.set_fact(VdsmStopped)  # records it and tells the watchers

    def start_vdsm(self) -> None:
        """`systemctl unmask vdsmd; systemctl start vdsmd`: VDSM starts again on a booted host."""
        self.set_fact(VdsmUnmasked)
        if self.os_up and not self.vdsm.value:
            self.sim.env.process(self._vdsm_starts(self.power_cycles.token))

    def physically_changed(self, nic: Nic | None = None) -> None:
        """Power, a NIC or VDSM changed here: tell every actor that watches a host, in the order of
        the list `Simulation.__init__` builds (`Simulation.watchers`)."""
        for watcher in self.watchers:
            watcher(self, nic)

    # --- memory: what runs here and what is on its way --------------------------------------

    def qemu_started(self, vm: str, memory_gb: float) -> None:
        self.vms[vm] = memory_gb
        self.placement.changed(self)

    def qemu_stopped(self, vm: str) -> None:
        self.vms.pop(vm, None)
        self.placement.changed(self)

    def reserve(self, memory_gb: float) -> None:
        """A migration or restart heading here holds its memory until it lands or fails."""
        self._pending_memory_gb += memory_gb
        self.placement.changed(self)

    def release(self, memory_gb: float) -> None:
        self._pending_memory_gb -= memory_gb
        self.placement.changed(self)

    def free_memory_gb(self) -> float:
        used = sum(self.vms.values())  # in the order the VMs arrived: one result on every machine
        return self.spec.memory_gb - used - self._pending_memory_gb
