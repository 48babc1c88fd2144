"""A hypervisor host: its power, its NICs, VDSM, and the status the engine shows for it."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

import simpy

from hacourse import rules
from hacourse.engine.network import Nic, Signal
from hacourse.events import HostPoweredOff, HostPoweredOn, HostStatusChanged
from hacourse.model import Host as HostSpec
from hacourse.status import HostStatus as S

if TYPE_CHECKING:
    from hacourse.engine.simulation import Simulation

ALLOWED_MOVES: dict[S, frozenset[S]] = {
    S.UP: frozenset({S.NON_OPERATIONAL, S.CONNECTING, S.REBOOT}),
    S.CONNECTING: frozenset({S.UP, S.NON_RESPONSIVE, S.NON_OPERATIONAL, S.INITIALIZING, S.REBOOT}),
    S.NON_RESPONSIVE: frozenset({S.REBOOT, S.INITIALIZING, S.CONNECTING}),
    S.NON_OPERATIONAL: frozenset({S.UP, S.CONNECTING, S.INITIALIZING, S.REBOOT}),
    S.INITIALIZING: frozenset({S.UP, S.NON_OPERATIONAL, S.CONNECTING}),
    S.REBOOT: frozenset({S.INITIALIZING, S.NON_RESPONSIVE}),
    S.DOWN: frozenset({S.INITIALIZING}),
}
"""The engine's host status moves that the model uses ([E] VDSStatus, VdsManager)."""


class Host:
    """One host. `status` is the engine's view; `power` and the NICs are the physical truth."""

    def __init__(self, sim: Simulation, spec: HostSpec) -> None:
        self.sim = sim
        self.spec = spec
        self.name = spec.name
        self.status = S.UP
        self.power = Signal(sim.env, True)
        self.vdsm = Signal(sim.env, True)  # VDSM answering (killed by sanlock, restarted)
        self.nics = {nic: Nic(sim, spec.name, nic, net) for nic, net in spec.nics.items()}
        self.vms: dict[str, float] = {}  # VMs whose qemu process runs here -> their memory_gb
        self._pending_memory_gb = 0.0  # memory reserved by migrations and restarts in flight
        self.status_changed = sim.env.event()
        self.before_connecting = S.UP
        self.vdsm_restarted = False  # VDSM came back from a restart: the engine re-initializes the host

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
        self.sim.placement.changed(self)
        self.sim.record(HostStatusChanged, host=self.name, old=str(old), new=str(new), reason=reason)
        changed, self.status_changed = self.status_changed, self.sim.env.event()
        changed.succeed(new)

    # --- physical truth -------------------------------------------------------------

    def nic(self, name_or_network: str) -> Nic:
        """A NIC by its name or by the logical network it carries (`ifdown storage`)."""
        if name_or_network in self.nics:
            return self.nics[name_or_network]
        return next(n for n in self.nics.values() if n.network == name_or_network)

    def nic_for_role(self, role: str) -> Nic | None:
        return next((n for n in self.nics.values() if self.sim.network_role(n.network) == role), None)

    def link_up(self, role: str) -> bool:
        nic = self.nic_for_role(role)
        return self.power.value and (nic is None or nic.up)

    @property
    def reaches_storage(self) -> bool:
        return self.link_up("storage")

    @property
    def answers_engine(self) -> bool:
        return self.link_up("management") and self.vdsm.value

    def power_off(self, reason: str) -> None:
        if not self.power.set(False):
            return
        self.vdsm.set(False)
        for vm in self.vms:
            self.sim.vms[vm].crashed = True  # qemu dies with the host; the engine learns it later
        self.sim.record(HostPoweredOff, host=self.name, reason=reason)
        self.sim.connectivity_changed(self)

    def power_on(self, reason: str) -> None:
        """Power returns; the OS boots and brings every NIC up (an ifdown does not survive a boot)."""
        if not self.power.set(True):
            return
        self.sim.record(HostPoweredOn, host=self.name, reason=reason)
        self.sim.env.process(self._boot())

    def _boot(self):
        for nic in self.nics.values():
            nic.set_up(True)
        self.sim.connectivity_changed(self)
        yield self.sim.env.timeout(self.sim.config["host_boot_s"])
        if self.power.value:
            self.vdsm.set(True)
            self.sim.connectivity_changed(self)

    def reachability_changed(self) -> simpy.Event:
        """Fires when power, VDSM or the management NIC changes: what the engine's polls depend on."""
        events = [self.power.changed(), self.vdsm.changed()]
        mgmt = self.nic_for_role("management")
        if mgmt is not None:
            events.append(mgmt.carrier.changed())
        return simpy.AnyOf(self.sim.env, events)

    def nics_changed(self) -> simpy.Event:
        return simpy.AnyOf(self.sim.env, [n.carrier.changed() for n in self.nics.values()])

    def restart_vdsm(self) -> None:
        """VDSM exits (sanlock kill, soft fencing) and systemd starts it again (Restart=always)."""
        self.vdsm.set(False)
        self.vdsm_restarted = True
        self.sim.connectivity_changed(self)
        self.sim.env.process(self._vdsm_starts())

    def _vdsm_starts(self):
        yield self.sim.env.timeout(self.sim.config["vdsm_restart_s"])
        if self.power.value:
            self.vdsm.set(True)
            self.sim.connectivity_changed(self)

    @property
    def pending_memory_gb(self) -> float:
        return self._pending_memory_gb

    @pending_memory_gb.setter
    def pending_memory_gb(self, value: float) -> None:
        self._pending_memory_gb = value
        self.sim.placement.changed(self)

    def free_memory_gb(self) -> float:
        used = sum(self.vms.values())  # in the order the VMs arrived: one result on every machine
        return self.spec.memory_gb - used - self.pending_memory_gb
