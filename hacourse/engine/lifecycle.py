"""The engine's decisions about a host's life: Non Operational, auto-recovery, InitVdsOnUp, Non
Responsive, confirmed down.

The actors that notice something (the host monitor, the domain timer, fencing) call these; each
is one engine command ([E] SetNonOperationalVdsCommand, AutoRecoveryManager, InitVdsOnUpCommand,
VdsManager, RestartVdsVmsOperation) and reads like the audit log it produces.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hacourse.engine.clock import sleep_to_next_tick
from hacourse.events import HostFenced
from hacourse.status import FenceMethod, HostStatus, VmStatus

if TYPE_CHECKING:
    from hacourse.engine.fencing import Fencing
    from hacourse.engine.ha import HaRestarter
    from hacourse.engine.host import Host
    from hacourse.engine.migration import Migrations
    from hacourse.engine.monitoring import HostMonitor
    from hacourse.engine.network import Nic
    from hacourse.engine.simulation import Simulation
    from hacourse.engine.spm import Spm
    from hacourse.engine.storage import StorageDomain


class HostLifecycle:
    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        self.recovering: set[str] = set()  # hosts whose auto-recovery actor runs

    def connect(
        self, *, spm: Spm, migrations: Migrations, monitor: HostMonitor, ha: HaRestarter, fencing: Fencing,
        domain: StorageDomain,
    ) -> None:
        """The collaborators it calls, given once every actor is built (`Simulation.__init__`)."""
        self.spm, self.migrations, self.monitor, self.ha, self.fencing, self.domain = (
            spm, migrations, monitor, ha, fencing, domain)

    def set_non_operational(self, host: Host, reason: str) -> None:
        """SetNonOperationalVdsCommand: status, SPM stop if it held it, then migrate its VMs."""
        sim = self.sim
        host.set_status(HostStatus.NON_OPERATIONAL, reason)
        if self.spm.holder == host.name:
            self.spm.stop(host.name, "SPM host left Up (ResetIrs)")
        self.migrations.evacuate(host, f"{host.name} is NonOperational")
        if host.name not in self.recovering:
            self.recovering.add(host.name)
            sim.env.process(self._auto_recovery(host))

    def _auto_recovery(self, host: Host):
        """AutoRecoveryManager: every AutoRecoverySchedule, ActivateVds on each NonOperational host whose
        required NICs are up, whatever made it Non Operational. A host that still cannot reach its
        storage shows Unassigned, fails InitVdsOnUp and is Non Operational again, and its VMs are
        evacuated again. [E3.3.0] AutoRecoveryManager.onTimer: GetFailingVdss (recoverable and
        NonOperational) filtered by determineProblematicNics only; [E4.5.6] recoverImpl also skips
        missing and bridgeless networks, which the model does not have.

        A host whose required NIC is down waits for a change of its NICs instead of waking every
        five minutes for nothing.
        """
        env = self.sim.env
        period = self.sim.config.AutoRecoverySchedule
        try:
            while host.status == HostStatus.NON_OPERATIONAL:
                yield sleep_to_next_tick(env, period)
                if host.status != HostStatus.NON_OPERATIONAL:
                    return
                if not self.required_nics_down(host):
                    self.activate_vds(host, "AutoRecoveryManager: ActivateVds on a Non Operational host")
                    return
                yield host.nics_changed()
        finally:
            self.recovering.discard(host.name)

    def required_nics_down(self, host: Host) -> list[Nic]:
        return [n for n in host.nics.values() if not n.up and self.sim.scenario.network(n.network).required]

    def activate_vds(self, host: Host, reason: str) -> None:
        """ActivateVds: Unassigned, then at the engine's next poll the host initializes (InitVdsOnUp:
        Up, or Non Operational if a required network or the storage is still missing)."""
        host.set_status(HostStatus.UNASSIGNED, reason)
        self.sim.env.process(self._activating(host))

    def _activating(self, host: Host):
        env = self.sim.env
        yield sleep_to_next_tick(env, self.sim.config.VdsRefreshRate)
        if host.status != HostStatus.UNASSIGNED:
            return
        if host.answers_engine:
            self.initialize(host, "ActivateVds: VDSM answers; host initializing")
        else:
            self.monitor.unreachable_since.setdefault(host.name, env.now)
            self.not_responding(host)

    def initialize(self, host: Host, reason: str) -> None:
        """VDSM answers after a restart or boot: Initializing, then InitVdsOnUp connects storage."""
        host.initializing(reason)
        self.sim.env.process(self._init_vds_on_up(host))

    def _init_vds_on_up(self, host: Host):
        yield self.sim.env.timeout(self.sim.config.VdsRefreshRate)
        if host.status != HostStatus.INITIALIZING:
            return
        master = self.domain.status
        if host.reaches_storage:
            host.set_status(HostStatus.UP, "InitVdsOnUp: storage pool connected")
        elif master != "Active":
            # [E3.3.0] InitVdsOnUpCommand.runConnectHostToPoolEvent: "not failing the operation"
            host.set_status(HostStatus.UP, f"InitVdsOnUp: could not connect to the storage pool, but the master "
                                           f"domain is {master}: not failing the host")
        else:
            self.learn_vm_states(host)  # VDSM answers, whatever InitVdsOnUp decides
            self.set_non_operational(host, "STORAGE_DOMAIN_UNREACHABLE: cannot connect to the storage pool")
            return
        self.activated(host)

    def activated(self, host: Host) -> None:
        """The host is Up again: the engine learns its VMs' states and elects an SPM. HA VMs waiting for
        a try are not woken: they run at their scheduled try ([E4.5.6] no caller of `addVmsToRun` on
        activation)."""
        sim = self.sim
        self.learn_vm_states(host)
        if not host.reaches_storage:
            sim.env.process(self.domain.paths[host.name].report_not_connected())
        for nic in self.required_nics_down(host):
            self.monitor.nic_changed(host, nic)  # checkVdsInterfaces runs again now that it is Up
        if self.spm.holder is None:
            self.spm.start_election()

    def learn_vm_states(self, host: Host) -> None:
        for vm in self.sim.vms_on(host.name):
            vm.engine_learns_state()

    def not_responding(self, host: Host) -> None:
        """VdsManager gives up on the host: NonResponsive, its VMs Unknown, then the fencing treatment."""
        sim = self.sim
        last_seen = self.monitor.unreachable_since.get(host.name, sim.env.now)
        host.set_status(HostStatus.NON_RESPONSIVE, f"no answer from VDSM for {sim.env.now - last_seen:.0f} s")
        for vm in sim.vms_on(host.name):
            if vm.status != VmStatus.UNKNOWN:
                vm.set_status(VmStatus.UNKNOWN, "host is NonResponsive")
                self.ha.restart_unknown_with_lease(vm, host.name)
        self.fencing.treat(host, last_seen)

    def manually_fenced(self, host: Host) -> None:
        """FenceVdsManualy ("Confirm 'Host has been Rebooted'"): on the admin's word, as after a fence
        that confirmed the host off: its VMs Down, HA ones queued for restart, the SPM role released."""
        sim = self.sim
        sim.record(HostFenced, host=host.name, method=FenceMethod.MANUAL)
        if host.name in (self.spm.holder, self.spm.previous):
            self.spm.host_gone(host, self.domain.paths[host.name].lost_at or sim.env.now,
                              "the admin confirmed the SPM host has been rebooted")
        for vm in sim.vms_on(host.name):
            vm.known_down("the admin confirmed the host has been rebooted: VM is down")

    def confirmed_down(self, host: Host) -> None:
        """A fence confirmed the host is off: its VMs are Down, HA ones queued for restart."""
        sim = self.sim
        if host.name in (self.spm.holder, self.spm.previous):
            self.spm.host_gone(host, self.domain.paths[host.name].lost_at or sim.env.now)
        for vm in sim.vms_on(host.name):
            vm.known_down("host fenced: VM is down")
