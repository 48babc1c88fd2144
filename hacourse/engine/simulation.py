"""The data center as one SimPy model: build it from a scenario, run it, inject faults live.

Actors (engine host monitor, VDSM domain monitor, sanlock, migrations, fencing, HA restarts)
are short generators started when something changes; nothing polls on a fixed tick, so the
cost of a run follows its faults and state changes, not its size.
"""

from __future__ import annotations

import random

import simpy

from hacourse.engine.clock import next_tick
from hacourse.engine.collector import collector_paused
from hacourse.engine.fencing import Fencing
from hacourse.engine.ha import HaRestarter
from hacourse.engine.host import Host
from hacourse.engine.migration import EndLostMigrationLink, EndLostPower, Migrations
from hacourse.engine.monitoring import HostMonitor
from hacourse.engine.placement import FreeMemoryIndex
from hacourse.engine.spm import Spm
from hacourse.engine.storage import DomainProblemTimer, HostStorage
from hacourse.engine.vm import Vm
from hacourse.events import (
    FaultInjected,
    HostStatusChanged,
    Record,
    SimulationStarted,
    SpmStarted,
    VmStatusChanged,
)
from hacourse.model import FAULT_ACTIONS, Fault, Scenario
from hacourse.status import HostStatus, PauseCode, Reason, VmStatus


class Simulation:
    """A run in progress. `log` grows as `run_until` advances the clock."""

    def __init__(self, scenario: Scenario, seed: int | None = None) -> None:
        self.scenario = scenario
        self.seed = scenario.seed if seed is None else seed
        self.env = simpy.Environment()
        self.config = scenario.config()
        self.log: list[Record] = []
        self._rngs: dict[str, random.Random] = {}
        self._phases: dict[str, float] = {}
        self._recovering: set[str] = set()  # hosts whose auto-recovery actor runs
        self.roles = {n.name: n.role for n in scenario.networks}
        self.domain_name = scenario.storage_domains[0].name if scenario.storage_domains else "storage"
        self.stats_period = self.config["VdsRefreshRate"] * self.config["NumberVmRefreshesBeforeSave"]
        self.host_order = {h.name: i for i, h in enumerate(scenario.hosts)}
        self.hosts = {h.name: Host(self, h) for h in scenario.hosts}
        self.placement = FreeMemoryIndex(self.hosts, self.host_order)
        self.vms = {v.name: Vm(self, v) for v in scenario.vms}
        self.storage = {name: HostStorage(self, h) for name, h in self.hosts.items()}
        self.domain_timer = DomainProblemTimer(self)
        self.monitor = HostMonitor(self)
        self.migrations = Migrations(self)
        self.spm = Spm(self, scenario.spm)
        self.fencing = Fencing(self)
        self.ha = HaRestarter(self)
        self._initial_records()
        for fault in sorted(scenario.faults, key=lambda f: f.at):
            self.env.process(self._scheduled(fault))

    # --- public API -------------------------------------------------------------------

    @property
    def now(self) -> float:
        return self.env.now

    @property
    def duration(self) -> float:
        return self.scenario.duration

    def run_until(self, t: float) -> list[Record]:
        """Advance the clock to `t` (capped at the scenario's duration); returns the whole log."""
        t = min(float(t), self.duration)
        if t > self.env.now:
            with collector_paused:
                self.env.run(until=t)
        return self.log

    def run(self) -> list[Record]:
        return self.run_until(self.duration)

    def inject(self, action: str, host: str, nic: str | None = None) -> None:
        """Apply a fault now, in the middle of a run (a widget's button)."""
        self.check_fault(Fault(self.env.now, action, host, nic))
        self.apply(action, host, nic)

    # --- faults -----------------------------------------------------------------------

    def check_fault(self, fault: Fault) -> None:
        if fault.action not in FAULT_ACTIONS:
            raise ValueError(f"unknown action {fault.action!r}; allowed: {', '.join(FAULT_ACTIONS)}")
        if fault.host not in self.hosts:
            raise ValueError(f"unknown host {fault.host!r}; hosts: {', '.join(self.hosts)}")
        if fault.action in ("ifdown", "ifup"):
            host = self.hosts[fault.host]
            names = set(host.nics) | {n.network for n in host.nics.values()}
            if fault.nic not in names:
                raise ValueError(f"host {fault.host!r} has no NIC or network {fault.nic!r}; "
                                 f"allowed: {', '.join(sorted(names))}")

    def _scheduled(self, fault: Fault):
        yield self.env.timeout(fault.at)
        self.apply(fault.action, fault.host, fault.nic)

    def apply(self, action: str, host_name: str, nic: str | None) -> None:
        host = self.hosts[host_name]
        self.record(FaultInjected, action=action, host=host_name, target=nic)
        if action in ("ifdown", "ifup"):
            if host.power.value and host.nic(nic).set_up(action == "ifup"):
                self.connectivity_changed(host, host.nic(nic))
        elif action == "power_off":
            host.power_off("power lost")
        elif action == "power_on":
            host.power_on("power restored")

    def connectivity_changed(self, host: Host, nic=None) -> None:
        """Something physical changed on `host`: tell every actor that watches it."""
        if nic is not None:
            self.monitor.nic_changed(host, nic)
        self.storage[host.name].path_changed()
        self.spm.storage_changed(host)
        self.monitor.reachability_changed(host)
        if not host.power.value:
            self.migrations.interrupt_all(host, EndLostPower(host.name))
            for vm in self.vms_on(host.name):
                vm.io_blocked = False
        elif not host.link_up(self.migration_role):
            self.migrations.interrupt_all(host, EndLostMigrationLink(host.name))

    # --- helpers for actors ----------------------------------------------------------

    def record(self, kind: type[Record], **fields: object) -> None:
        self.log.append(kind(round(float(self.env.now), 3), **fields))

    def rng(self, name: str) -> random.Random:
        """A named random stream of this run's seed: adding a VM does not move another stream."""
        if name not in self._rngs:
            self._rngs[name] = random.Random(f"{self.seed}:{name}")
        return self._rngs[name]

    def phase(self, stream: str, choices: int, step: float = 1) -> float:
        """A periodic timer's fixed offset, drawn once from its own named stream and kept."""
        if stream not in self._phases:
            self._phases[stream] = self.rng(stream).randrange(choices) * step
        return self._phases[stream]

    def stats_phase(self, host: str) -> float:
        """Which of the `NumberVmRefreshesBeforeSave` polls carries the host's statistics."""
        polls = int(self.config["NumberVmRefreshesBeforeSave"])
        return self.phase(f"stats-phase:{host}", polls, self.config["VdsRefreshRate"])

    def network_role(self, network: str) -> str | None:
        return self.roles.get(network)

    @property
    def migration_role(self) -> str:
        return "migration" if "migration" in self.roles.values() else "management"

    def vms_on(self, host: str) -> list[Vm]:
        return [self.vms[v] for v in sorted(self.hosts[host].vms)]

    def _initial_records(self) -> None:
        self.record(SimulationStarted, scenario=self.scenario.name,
                    engine_profile=self.scenario.engine_profile, seed=self.seed)
        for h in self.hosts.values():
            self.record(HostStatusChanged, host=h.name, old="Unassigned", new="Up", reason=Reason.INITIAL)
        if self.spm.holder:
            self.record(SpmStarted, host=self.spm.holder, reason=Reason.INITIAL)
        for vm in self.vms.values():
            self.hosts[vm.spec.host].vms[vm.name] = vm.spec.memory_gb
            self.record(VmStatusChanged, vm=vm.name, host=vm.spec.host, old="Down", new="Up",
                        reason=Reason.INITIAL)

    # --- engine decisions that several actors reach ------------------------------------

    def set_non_operational(self, host: Host, reason: str) -> None:
        """SetNonOperationalVdsCommand: status, SPM stop if it held it, then migrate its VMs."""
        host.set_status(HostStatus.NON_OPERATIONAL, reason)
        if self.spm.holder == host.name:
            self.spm.stop(host.name, "SPM host left Up (ResetIrs)")
        self.migrations.evacuate(host, f"{host.name} is NonOperational")
        if host.name not in self._recovering:
            self._recovering.add(host.name)
            self.env.process(self._auto_recovery(host))

    def _auto_recovery(self, host: Host):
        """AutoRecoveryManager: every AutoRecoverySchedule, re-activate NonOperational hosts that look fine.

        A host whose required NIC or storage is still down is skipped; the actor then waits for a
        change on the host instead of waking every five minutes for nothing.
        """
        period = self.config["AutoRecoverySchedule"]
        try:
            while host.status == HostStatus.NON_OPERATIONAL:
                yield self.env.timeout(next_tick(self.env.now + 1e-6, period) - self.env.now)
                if host.status != HostStatus.NON_OPERATIONAL:
                    return
                if host.answers_engine and host.reaches_storage and not self._required_nics_down(host):
                    self.initialize_host(host, "AutoRecoveryManager: host re-activated")
                    return
                yield host.nics_changed() | host.reachability_changed()
        finally:
            self._recovering.discard(host.name)

    def _required_nics_down(self, host: Host) -> list:
        return [n for n in host.nics.values() if not n.up and self.scenario.network(n.network).required]

    def host_not_responding(self, host: Host) -> None:
        last_seen = self.monitor.unreachable_since.get(host.name, self.env.now)
        host.set_status(HostStatus.NON_RESPONSIVE,
                        f"no answer from VDSM for {self.env.now - last_seen:.0f} s")
        for vm in self.vms_on(host.name):
            if vm.status != VmStatus.UNKNOWN:
                vm.set_status(VmStatus.UNKNOWN, "host is NonResponsive")
                self.ha.restart_unknown_with_lease(vm, host.name)
        self.fencing.treat(host, last_seen)

    def host_confirmed_down(self, host: Host) -> None:
        """A fence confirmed the host is off: its VMs are Down, HA ones queued for restart."""
        if self.spm.holder == host.name:
            self.spm.host_gone(host, self.storage[host.name].lost_at or self.env.now)
        for vm in self.vms_on(host.name):
            vm.pause_reason = None
            vm.set_status(VmStatus.DOWN, "host fenced: VM is down")
            self.ha.enqueue(vm)

    def initialize_host(self, host: Host, reason: str) -> None:
        """VDSM answers after a restart or boot: Initializing, then InitVdsOnUp connects storage."""
        host.vdsm_restarted = False
        host.set_status(HostStatus.INITIALIZING, reason)
        self.env.process(self._init_vds_on_up(host))

    def _init_vds_on_up(self, host: Host):
        yield self.env.timeout(self.config["VdsRefreshRate"])
        if host.status != HostStatus.INITIALIZING:
            return
        down = self._required_nics_down(host)
        if host.reaches_storage and not down:
            host.set_status(HostStatus.UP, "InitVdsOnUp: storage pool connected")
            self.host_activated(host)
            return
        self.learn_vm_states(host)  # VDSM answers, whatever InitVdsOnUp decides
        reason = ("STORAGE_DOMAIN_UNREACHABLE: cannot connect to the storage pool" if not host.reaches_storage
                  else f"NETWORK_INTERFACE_IS_DOWN: {down[0].name} ({down[0].network})")
        self.set_non_operational(host, reason)

    def host_activated(self, host: Host) -> None:
        """The host is Up again: the engine learns its VMs' states, elects an SPM, retries HA VMs."""
        self.learn_vm_states(host)
        if self.spm.holder is None:
            self.spm.start_election()
        self.ha.wake()

    def learn_vm_states(self, host: Host) -> None:
        """VDSM answers again: the engine learns what happened to the host's VMs meanwhile."""
        for vm in self.vms_on(host.name):
            if vm.migration is not None:
                continue
            if vm.crashed:
                vm.pause_reason = None
                vm.set_status(VmStatus.DOWN, "VDSM reports the VM is not running")
                self.ha.enqueue(vm)
            elif vm.pause_reason and vm.status != VmStatus.PAUSED:
                vm.set_status(VmStatus.PAUSED, Reason.PAUSED_EIO_REPORTED)
            elif not vm.pause_reason and vm.status in (VmStatus.UNKNOWN, VmStatus.PAUSED):
                vm.set_status(VmStatus.UP, "host answers again")

    def _engine_hears(self, vm: Vm) -> bool:
        """VDSM's VM events reach the engine only while the engine can talk to that VDSM."""
        return vm.host is not None and self.hosts[vm.host].answers_engine

    def vm_io_error(self, vm: Vm) -> None:
        """QEMU's error_policy=stop: the failed write is kept and the guest pauses on EIO."""
        vm.io_blocked = False
        vm.pause_reason, vm.paused_at = PauseCode.EIO, self.env.now
        if self._engine_hears(vm):
            vm.set_status(VmStatus.PAUSED, Reason.PAUSED_EIO)
        pause = vm.pauses.advance()
        if vm.resume_behavior == "kill":
            self.env.process(self._kill_if_still_paused(vm, pause))

    def _kill_if_still_paused(self, vm: Vm, pause: int):
        """VDSM destroys the VM; the engine knows only if it hears VDSM, else it learns it later."""
        yield self.env.timeout(self.config["vm_kill_paused_timeout"])
        if vm.pause_reason == PauseCode.EIO and vm.pauses.current(pause) and vm.migration is None:
            vm.pause_reason = None
            if self._engine_hears(vm):
                vm.set_status(VmStatus.DOWN, "resume_behavior kill: paused longer than vm_kill_paused_timeout")
                self.ha.enqueue(vm)
            else:
                vm.crashed = True

    def resume_eio_paused(self, host: Host) -> None:
        """VDSM contEIOVms: the domain is valid again; VMs paused on EIO follow their resume behaviour."""
        for vm in self.vms_on(host.name):
            if vm.pause_reason == PauseCode.EIO and vm.migration is None and vm.resume_behavior == "auto_resume":
                vm.pause_reason = None
                if self._engine_hears(vm):
                    vm.set_status(VmStatus.UP, "resumed: storage reachable again (auto_resume)")

    def vm_arrived(self, vm: Vm, host: Host) -> None:
        """A VM landed or booted on a host whose storage fails meanwhile: its writes hang there too,
        or fail at once if the host's queued I/O has failed already."""
        if vm.spec.writes and not self.storage[host.name].connected:
            vm.io_blocked = True
            if self.storage[host.name].io_failed:
                self.vm_io_error(vm)


def simulate(scenario: Scenario, seed: int | None = None) -> list[Record]:
    """Run a scenario to its end and return the event log."""
    with collector_paused:
        return Simulation(scenario, seed).run()

