"""The physical truth of the data center: power, links, who reaches storage, sanlock's renewals.

The engine's view (host and VM statuses, the SPM role) is what ovirt-engine believes; this module
is what is so. Its rules are pure functions of a few booleans, so the engine's hosts (live, on
SimPy signals) and the log readers (the invariants, the analysis, the views) apply the same ones.
`PhysicalState` folds an event log in order and answers the same questions at the time it reached.

Where a qemu process runs is not a record of the log: the engine keeps it on its `Host`, and
`QemuProcesses` infers it from what the engine reports, for the readers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from hacourse import events as ev
from hacourse import rules
from hacourse.model import Scenario
from hacourse.status import HostStatus, VmStatus

MANAGEMENT, STORAGE, MIGRATION = "management", "storage", "migration"
TOL = 1e-3  # records carry t rounded to the millisecond: times closer than this are one instant
CUT_OFF = frozenset({HostStatus.CONNECTING, HostStatus.NON_RESPONSIVE, HostStatus.REBOOT, HostStatus.KDUMPING})
"""The host statuses in which the engine cannot hear the host's VDSM."""


def role_nic(nics: Mapping[str, str], roles: Mapping[str, str], role: str) -> str | None:
    """The NIC of a host that carries the network with `role` (the first such NIC in the host's
    order); None when the host carries no network with that role."""
    return next((nic for nic, network in nics.items() if roles.get(network) == role), None)


def link_up(powered: bool, nic_up: bool | None) -> bool:
    """A host's link of one role works: it is powered and the NIC carrying the role is up. A host
    with no NIC for the role (`nic_up` None) has the link while powered, as the engine assumes."""
    return powered and nic_up is not False


def reaches_storage(powered: bool, storage_nic_up: bool | None) -> bool:
    """The host reaches its storage domain: powered, and the NIC of the storage-role network up."""
    return link_up(powered, storage_nic_up)


def answers_engine(powered: bool, management_nic_up: bool | None, vdsm_up: bool) -> bool:
    """The engine's polls get an answer: the host is powered, its management link is up and VDSM
    runs (sanlock or soft fencing may have killed it; it takes a while to start again)."""
    return link_up(powered, management_nic_up) and vdsm_up


def dies_without_storage(resume_behavior: str, lease: bool) -> bool:
    """A VM on a host that lost storage is killed there: by VDSM (resume behaviour `kill`, after
    `vm_kill_paused_timeout`) or by sanlock (its VM lease cannot be renewed)."""
    return resume_behavior == "kill" or lease


def migration_role(roles: Iterable[str]) -> str:
    """Which network role carries migrations: the migration network when the cluster has one,
    else the management network (the engine's default)."""
    return MIGRATION if MIGRATION in roles else MANAGEMENT


class PhysicalState:
    """Power, NICs, storage reach and sanlock's renewals, replayed from a log one record at a time.

    Every host of the scenario starts powered with every NIC up (the state at t=0); records of
    hosts or NICs the scenario does not name are followed too (a log read without its scenario).
    A host's sanlock renews its leases while it reaches storage and has booted (`host_boot_s`
    after power returns); `renewed_until` keeps when each host last renewed, for the lease
    deadlines of `hacourse.sanlock`.
    """

    def __init__(self, scenario: Scenario | None = None) -> None:
        hosts = scenario.hosts if scenario is not None else ()
        roles = {n.name: n.role for n in scenario.networks} if scenario is not None else {}
        self.storage_nic = {h.name: role_nic(h.nics, roles, STORAGE) for h in hosts}
        self.management_nic = {h.name: role_nic(h.nics, roles, MANAGEMENT) for h in hosts}
        self.facts: dict[ev.Fact, dict[Any, bool]] = {fact: {} for fact in ev.facts()}
        """Every physical fact (`events.facts()`) by whose it is, as the records that set them left it."""
        self.nic_up: dict[tuple[str, str], bool] = self.facts[ev.NIC_UP]
        self.nic_up.update({(h.name, nic): ev.NIC_UP.default for h in hosts for nic in h.nics})
        self.powered: dict[str, bool] = self.facts[ev.POWERED]
        self.powered.update({h.name: ev.POWERED.default for h in hosts})
        self.boot_s = float(scenario.config().host_boot_s) if scenario is not None else 0.0
        self.booted_at: dict[str, float] = {h.name: 0.0 for h in hosts}
        self.renewed_until: dict[str, float] = {}
        self.no_storage_since: dict[str, float] = {}  # hosts that do not reach storage -> since when

    @classmethod
    def at(cls, log: Iterable[ev.Record], t: float, scenario: Scenario | None = None) -> PhysicalState:
        """The state at `t`, the records logged at `t` included."""
        state = cls(scenario)
        for r in log:
            if r.t <= t:
                state.apply(r)
        return state

    def apply(self, r: ev.Record) -> None:
        """A record that sets a physical fact (`Record.sets`) sets it in the table; the hosts it
        concerns (its host, or every host for a storage domain's fact) stop renewing their leases
        when a fact breaks, and start or stop missing storage."""
        if r.sets is None:
            return
        fact, value = r.sets
        subject = fact.subject(r)
        if fact.about == "storage_domain":
            hosts = sorted(set(self.powered) | {h for h, _ in self.nic_up})
        else:
            hosts = [str(r.to_dict()["host"])]  # a host's fact, or a NIC's of that host
        if not value:
            for host in hosts:
                if self.renewing(host, r.t):
                    self.renewed_until[host] = r.t
        self.facts.setdefault(fact, {})[subject] = value
        if fact is ev.POWERED and value:
            self.booted_at[hosts[0]] = r.t + self.boot_s
        for host in hosts:
            if self.reaches_storage(host):
                self.no_storage_since.pop(host, None)
            else:
                self.no_storage_since.setdefault(host, r.t)

    def fact(self, fact: ev.Fact, subject: object) -> bool:
        """A fact's value now: as a record last set it, else its declared default."""
        return self.facts.get(fact, {}).get(subject, fact.default)

    @property
    def array_up(self) -> bool:
        """Every storage array answers (`storage_down` / `storage_up`)."""
        return all(self.facts[ev.ARRAY_UP].values())

    def is_powered(self, host: str) -> bool:
        return self.fact(ev.POWERED, host)

    def _role_up(self, host: str, nic: str | None) -> bool | None:
        return None if nic is None else self.fact(ev.NIC_UP, (host, nic))

    def reaches_storage(self, host: str) -> bool:
        """Its storage link works and the array answers (the engine's `StorageDomain.reached_by`)."""
        return self.array_up and reaches_storage(self.is_powered(host), self._role_up(host, self.storage_nic.get(host)))

    def management_up(self, host: str) -> bool:
        """The host's management link works (powered, its management NIC up); whether VDSM answers
        on it the log does not say."""
        return link_up(self.is_powered(host), self._role_up(host, self.management_nic.get(host)))

    def answers_engine(self, host: str, vdsm_up: bool) -> bool:
        """The engine's polls of the host get an answer, given whether VDSM runs (the log does not
        record VDSM's restarts: a reader infers it)."""
        return answers_engine(self.is_powered(host), self._role_up(host, self.management_nic.get(host)), vdsm_up)

    def powered_off(self) -> set[str]:
        return {host for host, on in self.powered.items() if not on}

    def renewing(self, host: str, t: float) -> bool:
        """sanlock renews the host's leases: it reaches storage and has booted (`host_boot_s`)."""
        return self.reaches_storage(host) and t >= self.booted_at.get(host, 0.0) - TOL

    def lease_stopped(self, host: str, t: float) -> float | None:
        """When the host's lease renewals stopped (None: renewing now). The last renewal was at most
        one renewal period (`sanlock.renewal_s`) before."""
        return None if self.renewing(host, t) else self.renewed_until.get(host, 0.0)


class QemuProcesses:
    """Where each VM's qemu process runs, inferred from a log that records no process.

    A process starts where a VM leaves Down or waits for launch, moves with a finished migration,
    dies with its host's power, and ends where the VM goes Down, except a Down the engine shows
    for a powered host it cannot hear (`CUT_OFF`): that is the engine's belief and the process may
    still run, unless the host lost storage and the VM dies of it there (`dies_without_storage`).
    `apply` each record before `physical` applies it.
    """

    def __init__(self, scenario: Scenario, physical: PhysicalState) -> None:
        config = scenario.config()
        self.physical = physical
        self.dies_without_storage = {v.name: dies_without_storage(rules.resume_behavior(v, config), v.lease)
                                     for v in scenario.vms}
        self.unheard: set[str] = set()  # hosts the engine shows in a CUT_OFF status
        self.hosts: dict[str, set[str]] = defaultdict(set)  # VM -> the hosts its process runs on
        self._on: dict[str, dict[str, None]] = defaultdict(dict)  # the inverse, host -> its VMs (in arrival order)

    def apply(self, r: ev.Record) -> None:
        if isinstance(r, ev.HostStatusChanged):
            if r.new in CUT_OFF:
                self.unheard.add(r.host)
            else:
                self.unheard.discard(r.host)
        elif isinstance(r, ev.VmStatusChanged):
            if r.old == VmStatus.DOWN or r.new == VmStatus.WAIT_FOR_LAUNCH:
                self._start(r.vm, r.host)
            elif r.new == VmStatus.DOWN and not self._only_believed(r.vm, r.host):
                self._end(r.vm, r.host)
        elif isinstance(r, ev.MigrationFinished):
            self._end(r.vm, r.source)
            self._start(r.vm, r.destination)
        elif isinstance(r, ev.HostPoweredOff):
            for vm in self.on_host(r.host):
                self._end(vm, r.host)
        elif isinstance(r, ev.VmProcessDied):
            self._end(r.vm, r.host)

    def _start(self, vm: str, host: str) -> None:
        self.hosts[vm].add(host)
        self._on[host][vm] = None

    def _end(self, vm: str, host: str) -> None:
        self.hosts[vm].discard(host)
        self._on[host].pop(vm, None)

    def on_host(self, host: str) -> list[str]:
        """The VMs whose process runs on `host` (an index: a power loss costs its host's VMs, not all)."""
        return list(self._on[host])

    def _only_believed(self, vm: str, host: str) -> bool:
        """A Down the engine shows for `vm` on `host` is its belief, not VDSM's report."""
        return (host in self.unheard and self.physical.is_powered(host)
                and (self.physical.reaches_storage(host) or not self.dies_without_storage[vm]))
