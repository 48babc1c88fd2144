"""The data center as one SimPy model: build it from a scenario, run it, inject faults live.

Actors (engine host monitor, VDSM domain monitor, sanlock, migrations, fencing, HA restarts)
are short generators started when something changes; nothing polls on a fixed tick, so the
cost of a run follows its faults and state changes, not its size.
"""

from __future__ import annotations

import random

import simpy

from hacourse import physical
from hacourse.actions import ACTIONS, TARGETS, entry_of, kind_of, names
from hacourse.engine.admin import Admin
from hacourse.engine.collector import collector_paused
from hacourse.engine.failures import Failures
from hacourse.engine.fencing import Fencing
from hacourse.engine.ha import HaRestarter
from hacourse.engine.host import Host, Watcher
from hacourse.engine.lifecycle import HostLifecycle
from hacourse.engine.migration import Migrations
from hacourse.engine.monitoring import HostMonitor
from hacourse.engine.operator import Operator
from hacourse.engine.placement import FreeMemoryIndex
from hacourse.engine.spm import Spm
from hacourse.engine.storage import StorageDomain
from hacourse.engine.vm import Vm
from hacourse.events import (
    FaultInjected,
    HostStatusChanged,
    Record,
    SimulationStarted,
    SpmStarted,
    VmStatusChanged,
)
from hacourse.model import Fault, Scenario
from hacourse.status import Reason


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
        self.roles = {n.name: n.role for n in scenario.networks}
        self.stats_period = self.config.VdsRefreshRate * self.config.NumberVmRefreshesBeforeSave
        self.host_order = {h.name: i for i, h in enumerate(scenario.hosts)}
        self.watchers: list[Watcher] = []  # filled below, once its actors exist
        # the actors' types written out: the action table reaches them through `sim` (an import circle for mypy)
        self.hosts: dict[str, Host] = {h.name: Host(self, h, self.watchers) for h in scenario.hosts}
        self.placement = FreeMemoryIndex(self.hosts, self.host_order)
        self.vms: dict[str, Vm] = {v.name: Vm(self, v) for v in scenario.vms}
        self.domain: StorageDomain = StorageDomain(self, scenario.storage_domains[0].name if scenario.storage_domains else "storage")
        self.storage = self.domain.paths  # each host's path to the domain, by host name
        self.lifecycle = HostLifecycle(self)
        self.monitor = HostMonitor(self)
        self.migrations = Migrations(self)
        self.spm = Spm(self, scenario.spm)
        self.fencing = Fencing(self)
        self.ha = HaRestarter(self)
        self.admin: Admin = Admin(self)
        self.operator = Operator(self)
        self._wire()
        self._initial_records()
        self.failures = Failures(self)
        for fault in sorted(scenario.faults, key=lambda f: f.at):
            self.env.process(self._scheduled(fault))

    def _wire(self) -> None:
        """Who calls whom, written once (docs/architecture.md, "The engine's wiring"): each actor
        is given the collaborators it calls; a test may give a double instead."""
        for host in self.hosts.values():
            host.connect(placement=self.placement, domain=self.domain)
        for vm in self.vms.values():
            vm.connect(ha=self.ha, domain=self.domain, migrations=self.migrations)
        self.domain.timer.connect(lifecycle=self.lifecycle, spm=self.spm)
        self.spm.connect(domain=self.domain)
        self.migrations.connect(domain=self.domain)
        self.ha.connect(domain=self.domain)
        self.monitor.connect(lifecycle=self.lifecycle, spm=self.spm)
        self.lifecycle.connect(spm=self.spm, migrations=self.migrations, monitor=self.monitor, ha=self.ha,
                               fencing=self.fencing, domain=self.domain)
        self.fencing.connect(spm=self.spm, lifecycle=self.lifecycle, monitor=self.monitor, domain=self.domain)
        self.admin.connect(spm=self.spm, migrations=self.migrations, lifecycle=self.lifecycle, ha=self.ha)
        self.watchers[:] = [  # told of every physical change of a host, in this order
            self.monitor.nic_changed,  # a required network's NIC: its grace, then NonOperational
            self.domain.path_changed,  # the host's path to storage: iSCSI session, EIO, domain monitor
            self.spm.storage_changed,  # sanlock: the SPM's lease renewals fail without storage
            self.monitor.reachability_changed,  # the engine's polls: Connecting, NonResponsive, back
            self.migrations.host_changed,  # a migration loses an end's power or its link
        ]

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

    def inject(self, action: str, host: str | None = None, nic: str | None = None, **targets: str) -> None:
        """Apply a fault or an admin action now, in the middle of a run (a widget's control).
        `targets` are the kind's other targets by key (`vm=`, `storage_domain=`, `to=`)."""
        unknown = [key for key in targets if key not in TARGETS or key in ("host", "nic")]
        if unknown:
            raise ValueError(f"unknown target {unknown[0]!r}; allowed: {', '.join(TARGETS)}")
        fault = Fault(self.env.now, action, host, nic, **targets)
        self.check_fault(fault)
        self.apply(fault)

    # --- faults -----------------------------------------------------------------------

    def check_fault(self, fault: Fault) -> None:
        """A live fault gets the loader's checks: a known kind, its targets, names that exist."""
        kind = kind_of(fault.action)
        for _, problem in kind.problems(vars(fault)):
            raise ValueError(problem)
        for key, name in kind.targets_of(fault).items():
            target = TARGETS[key]
            if target.section is None:  # a NIC of the fault's host, by its name or its network's
                nics = self.scenario.host(fault.target_host).nics
                known = [*nics, *dict.fromkeys(nics.values())]
                what = f"host {fault.host!r} has no NIC or network"
            else:
                known = names(self.scenario, target.section)
                what = f"unknown {target.what}"
            if name not in known:
                raise ValueError(f"{what} {name!r}; allowed: {', '.join(known)}")
        if kind.where is not None and (section := TARGETS[kind.where.key].section) is not None:
            entries = {item.name: entry_of(self.scenario, kind.where.key, item.name)
                       for item in getattr(self.scenario, section)}
            refused = kind.misapplied(getattr(fault, kind.where.key), entries)
            if refused:
                raise ValueError(refused)

    def _scheduled(self, fault: Fault):
        yield self.env.timeout(fault.at)
        self.apply(fault)

    def apply(self, fault: Fault) -> None:
        """Record the fault, then the actor that reacts to its kind does (`hacourse.actions`)."""
        kind = ACTIONS[fault.action]
        self.record(FaultInjected, **kind.record_fields(fault))
        kind.apply(self, fault)

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
        polls = int(self.config.NumberVmRefreshesBeforeSave)
        return self.phase(f"stats-phase:{host}", polls, self.config.VdsRefreshRate)

    @property
    def migration_role(self) -> str:
        return physical.migration_role(self.roles.values())

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
            self.hosts[vm.spec.host].qemu_started(vm.name, vm.spec.memory_gb)
            self.record(VmStatusChanged, vm=vm.name, host=vm.spec.host, old="Down", new="Up",
                        reason=Reason.INITIAL)


def simulate(scenario: Scenario, seed: int | None = None) -> list[Record]:
    """Run a scenario to its end and return the event log."""
    with collector_paused:
        return Simulation(scenario, seed).run()

