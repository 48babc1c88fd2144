"""What the real engine promises, checked on any event log: the guarantees a lesson relies on.

Each rule is a pure function `rule(log, scenario, until) -> list[Violation]`; `check_all` runs
them all. They replay the log record by record and never look inside the engine, so they judge
the CLI's `--check`, an exercise, a widget's half-finished run or a hand-written log alike.

The log mixes two kinds of facts, and the rules keep them apart:
- physical truth: power (`HostPoweredOff/On`), links (`NicDown/NicUp`), and where a VM's qemu
  process lives; a host *reaches storage* while it is powered and the NIC carrying its
  storage-role network is up (a host without such a NIC reaches it while powered, as the engine
  assumes);
- the engine's view: host and VM statuses, the SPM role, fencing and restart decisions.
A promise is broken when the engine's view acts on something it could not know, or when the
physical truth shows the outcome the engine exists to prevent (a VM running twice).

`until` is how far the run went (a partial log from `Simulation.run_until` ends earlier than the
scenario's duration); deadlines after it are not judged. It defaults to the last record's time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import groupby

from hacourse import events as ev
from hacourse import rules, sanlock
from hacourse.model import Scenario
from hacourse.status import HostStatus as H
from hacourse.status import VmStatus as V

TOL = 1e-3  # records carry t rounded to the millisecond
ALIVE = frozenset({V.UP, V.PAUSED, V.MIGRATING_FROM, V.UNKNOWN, V.WAIT_FOR_LAUNCH})
NO_ROOM = "free memory"  # how a HaRestartAttempted result says that no host had room
RUNNING = frozenset({V.UP, V.MIGRATING_FROM})  # the guest executes and its writes would be acknowledged
CUT_OFF = frozenset({H.CONNECTING, H.NON_RESPONSIVE, H.REBOOT})  # the engine cannot hear the host


@dataclass(frozen=True)
class Violation:
    t: float
    rule: str
    message: str

    def __str__(self) -> str:
        return f"t={self.t:g} s [{self.rule}] {self.message}"


class _World:
    """Physical truth and the engine's view, replayed from the log; `apply` one record at a time."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        roles = {n.name: n.role for n in scenario.networks}
        self.storage_nics = {h.name: [nic for nic, net in h.nics.items() if roles.get(net) == "storage"]
                             for h in scenario.hosts}
        self.mgmt_nics = {h.name: [nic for nic, net in h.nics.items() if roles.get(net) == "management"]
                          for h in scenario.hosts}
        self.specs = {v.name: v for v in scenario.vms}
        self.memory = {v.name: v.memory_gb for v in scenario.vms}
        self.capacity = {h.name: h.memory_gb for h in scenario.hosts}
        self.powered = {h.name: True for h in scenario.hosts}
        self.down_nics: set[tuple[str, str]] = set()
        self.host_status: dict[str, str] = {h.name: "Unassigned" for h in scenario.hosts}
        self.host_before: dict[str, str] = {}  # the status a host left by its last change
        self.vm_status: dict[str, str] = {v.name: V.DOWN for v in scenario.vms}
        self.vm_host: dict[str, str] = {v.name: "" for v in scenario.vms}
        self.vms_on: dict[str, set[str]] = defaultdict(set)  # host -> VMs the log shows there, not Down
        self.used_gb: dict[str, float] = defaultdict(float)  # memory of those VMs and of incoming migrations
        self.reserved: dict[str, str] = {}  # VM -> destination of its migration in flight
        self.crashed: set[str] = set()  # VMs whose process died with their host's power; the log may lag
        self.no_storage_since: dict[str, float] = {}
        self.boot_s = float(scenario.config()["host_boot_s"])
        self.booted_at = {h.name: 0.0 for h in scenario.hosts}  # sanlock runs again once the OS is up
        self.renewed_until: dict[str, float] = {}  # when a host last renewed its sanlock leases

    def apply(self, r: ev.Record) -> None:
        if isinstance(r, ev.NicDown | ev.HostPoweredOff) and self.renewing(r.host, r.t):
            self.renewed_until[r.host] = r.t
        if isinstance(r, ev.HostPoweredOn):
            self.booted_at[r.host] = r.t + self.boot_s
        if isinstance(r, ev.NicDown):
            self.down_nics.add((r.host, r.nic))
        elif isinstance(r, ev.NicUp):
            self.down_nics.discard((r.host, r.nic))
        elif isinstance(r, ev.HostPoweredOff | ev.HostPoweredOn):
            self.powered[r.host] = isinstance(r, ev.HostPoweredOn)
            if isinstance(r, ev.HostPoweredOff):
                self.crashed |= self.vms_on[r.host]
        elif isinstance(r, ev.HostStatusChanged):
            self.host_before[r.host], self.host_status[r.host] = self.host_status[r.host], r.new
        elif isinstance(r, ev.VmStatusChanged):
            self._place(r)
        elif isinstance(r, ev.MigrationStarted) and r.destination:
            self.reserved[r.vm] = r.destination
            self.used_gb[r.destination] += self.memory[r.vm]
        elif isinstance(r, ev.MigrationFinished | ev.MigrationFailed) and r.vm in self.reserved:
            self.used_gb[self.reserved.pop(r.vm)] -= self.memory[r.vm]
        if isinstance(r, ev.NicDown | ev.NicUp | ev.HostPoweredOff | ev.HostPoweredOn):
            if self.reaches_storage(r.host):
                self.no_storage_since.pop(r.host, None)
            else:
                self.no_storage_since.setdefault(r.host, r.t)

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

    def reaches_storage(self, host: str) -> bool:
        return self.powered[host] and not any((host, n) in self.down_nics for n in self.storage_nics[host])

    def renewing(self, host: str, t: float) -> bool:
        """sanlock renews the host's leases: it reaches storage and has booted (`host_boot_s`)."""
        return self.reaches_storage(host) and t >= self.booted_at[host] - TOL

    def lease_stopped(self, host: str, t: float) -> float | None:
        """When the host's lease renewals stopped (None: renewing now). The last renewal was at most
        one renewal period (`sanlock.renewal_s`) before."""
        return None if self.renewing(host, t) else self.renewed_until.get(host, 0.0)

    def hears(self, host: str) -> bool:
        """The engine talks to the host's VDSM: status not cut off, powered, management link up."""
        return (self.host_status[host] not in CUT_OFF and self.powered[host]
                and not any((host, nic) in self.down_nics for nic in self.mgmt_nics[host]))

    def healthy(self, host: str) -> bool:
        """Up in the engine and really able to run a VM: powered, storage and management links up."""
        return (self.host_status[host] == H.UP and self.reaches_storage(host)
                and not any((host, nic) in self.down_nics for nic in self.mgmt_nics[host]))

    def free_gb(self, host: str) -> float:
        """Memory left on a host: its VMs that are not Down and the migrations heading to it count."""
        return self.capacity[host] - self.used_gb[host]


def _instants(log: Sequence[ev.Record]) -> Iterator[tuple[float, list[ev.Record]]]:
    for t, group in groupby(log, key=lambda r: r.t):
        yield t, list(group)


def _ended_there(scenario: Scenario, world: _World, vm: str, host: str) -> bool:
    """Whether a VM on a host that lost storage is killed there: by VDSM (resume behaviour
    `kill`, after `vm_kill_paused_timeout`) or by sanlock (its VM lease cannot be renewed)."""
    spec = world.specs[vm]
    behavior = rules.resume_behavior(spec, scenario.config())
    return not world.reaches_storage(host) and (behavior == "kill" or spec.lease)


# --- the log is well formed ---------------------------------------------------------------


def check_well_formed(log: Sequence[ev.Record], scenario: Scenario, until: float) -> list[Violation]:
    """Time never goes back; every status change starts where the previous one of its entity left;
    a VM changes host only by a finished migration or a restart; migration records come in order
    (started, transfer started, finished or failed) and never use more transfer slots per host than
    VDSM has: `min(max_outgoing_migrations, cpu_cores)` per source, `max_incoming_migrations` per
    destination when set."""
    out: list[Violation] = []
    config = scenario.config()
    outgoing = {h.name: rules.outgoing_slots(config, h) for h in scenario.hosts}
    incoming = rules.incoming_slots(config)
    host_status = {h.name: "Unassigned" for h in scenario.hosts}
    vm_status = {v.name: str(V.DOWN) for v in scenario.vms}
    vm_host = {v.name: "" for v in scenario.vms}
    landed: dict[str, str] = {}  # VM -> host a migration just handed it to
    flight: dict[str, tuple[str, str, bool]] = {}  # VM -> (source, destination, transferring)
    sending: dict[str, int] = defaultdict(int)
    receiving: dict[str, int] = defaultdict(int)
    if log and not isinstance(log[0], ev.SimulationStarted):
        out.append(Violation(log[0].t, "well-formed",
                             f"the log starts with {log[0].event}, not SimulationStarted"))
    for prev, r in zip([None, *log], log, strict=False):
        if prev is not None and r.t < prev.t:
            out.append(Violation(r.t, "time-order",
                                 f"{r.event} at {r.t} s comes after a record at {prev.t} s"))
        bad = None
        if isinstance(r, ev.HostStatusChanged):
            if r.old != host_status[r.host]:
                bad = f"host {r.host}: {r.old} -> {r.new}, but its status was {host_status[r.host]}"
            host_status[r.host] = r.new
        elif isinstance(r, ev.VmStatusChanged):
            if r.old != vm_status[r.vm]:
                bad = f"VM {r.vm}: {r.old} -> {r.new}, but its status was {vm_status[r.vm]}"
            elif (vm_host[r.vm] and r.host != vm_host[r.vm] and r.new != V.WAIT_FOR_LAUNCH
                  and landed.get(r.vm) != r.host):
                bad = f"VM {r.vm} shows on {r.host} but ran on {vm_host[r.vm]}, with no migration or restart"
            vm_status[r.vm], vm_host[r.vm] = r.new, r.host
            landed.pop(r.vm, None)
        elif isinstance(r, ev.MigrationStarted):
            if r.vm in flight:
                bad = f"VM {r.vm}: a second migration ({r.source} -> {r.destination}) while one is in flight"
            flight[r.vm] = (r.source, r.destination, False)
        elif isinstance(r, ev.MigrationTransferStarted):
            if flight.get(r.vm) != (r.source, r.destination, False):
                bad = f"VM {r.vm}: transfer {r.source} -> {r.destination} without a waiting migration"
            flight[r.vm] = (r.source, r.destination, True)
            sending[r.source] += 1
            receiving[r.destination] += 1
            if sending[r.source] > outgoing[r.source]:
                out.append(Violation(r.t, "migration-slots", f"{r.source} sends {sending[r.source]} "
                                     f"migrations at once; VDSM allows {outgoing[r.source]}"))
            if incoming and receiving[r.destination] > int(incoming):
                out.append(Violation(r.t, "migration-slots", f"{r.destination} receives "
                                     f"{receiving[r.destination]} migrations at once; the limit is "
                                     f"{incoming}"))
        elif isinstance(r, ev.MigrationFinished | ev.MigrationFailed) and (
                isinstance(r, ev.MigrationFinished) or r.destination):
            source, dest, transferring = flight.pop(r.vm, ("", "", False))
            finished = isinstance(r, ev.MigrationFinished)
            if (source, dest) != (r.source, r.destination) or (finished and not transferring):
                bad = f"VM {r.vm}: {r.event} {r.source} -> {r.destination} without that migration under way"
            if transferring:
                sending[source] -= 1
                receiving[dest] -= 1
            if finished:
                landed[r.vm] = r.destination
        if bad:
            out.append(Violation(r.t, "well-formed", bad))
    return out


# --- no VM runs twice ------------------------------------------------------------------------


def check_single_owner(log: Sequence[ev.Record], scenario: Scenario, until: float) -> list[Violation]:
    """A VM's qemu process lives on at most one host at any instant (split brain corrupts its disks).

    A process starts where a VM leaves Down (its first record, a restart); it ends when its host
    loses power, when a finished migration hands the VM over (the handover must leave exactly the
    destination), or when the VM goes Down. A Down while the engine cannot hear the host
    (Connecting, NonResponsive) and the host still has power is only the engine's belief (its
    process may still run), unless the host lost storage and the VM dies of it there: VDSM kills
    it (resume behaviour `kill`) or sanlock does (a VM lease)."""
    out: list[Violation] = []
    world = _World(scenario)
    procs: dict[str, set[str]] = defaultdict(set)
    reported: set[str] = set()
    for t, group in _instants(log):
        handovers = []
        touched = {r.vm for r in group if isinstance(r, ev.VmStatusChanged | ev.MigrationFinished)}
        for r in group:
            if isinstance(r, ev.VmStatusChanged):
                if r.old == V.DOWN or r.new == V.WAIT_FOR_LAUNCH:
                    procs[r.vm].add(r.host)
                elif r.new == V.DOWN and not (world.host_status[r.host] in CUT_OFF and world.powered[r.host]
                                              and not _ended_there(scenario, world, r.vm, r.host)):
                    procs[r.vm].discard(r.host)
            elif isinstance(r, ev.MigrationFinished):
                procs[r.vm].discard(r.source)
                procs[r.vm].add(r.destination)
                handovers.append(r)
            elif isinstance(r, ev.HostPoweredOff):
                for vm, hosts in procs.items():
                    if r.host in hosts:
                        hosts.discard(r.host)
                        touched.add(vm)
            world.apply(r)
        for r in handovers:
            if world.vm_host[r.vm] != r.destination or r.vm not in procs or procs[r.vm] != {r.destination}:
                out.append(Violation(t, "single-owner", f"migration of {r.vm} {r.source} -> {r.destination} "
                                     f"ended with it on {sorted(procs[r.vm]) or 'no host'}, shown on "
                                     f"{world.vm_host[r.vm] or 'no host'}"))
        for vm in sorted(touched):
            hosts = procs[vm]
            if len(hosts) > 1 and vm not in reported:
                reported.add(vm)
                out.append(Violation(t, "single-owner",
                                     f"VM {vm} runs on {' and '.join(sorted(hosts))} at once"))
            elif len(hosts) <= 1:
                reported.discard(vm)
    return out


# --- one SPM, on a host that reaches storage -----------------------------------------------


def check_spm(log: Sequence[ev.Record], scenario: Scenario, until: float) -> list[Violation]:
    """At most one SPM at any instant, elected only on a host that reaches storage, and only once the
    previous holder's lease is free: at once if it stopped while reaching storage (it released the
    lease), otherwise not before `sanlock.dead_no_sooner_than_s` after it lost storage. A holder that
    cannot reach storage loses the role within `sanlock.renewal_fail_s` (sanlock kills VDSM when
    renewal fails)."""
    out: list[Violation] = []
    config = scenario.config()
    give_up, dead = sanlock.renewal_fail_s(config), sanlock.dead_no_sooner_than_s(config)
    world = _World(scenario)
    holder: str | None = None
    last: str | None = None
    free_at = 0.0
    reported: set[tuple[str, float]] = set()

    def overstay(now: float, strict: bool) -> None:
        since = world.no_storage_since.get(holder) if holder else None
        if since is not None and (holder, since) not in reported and (
                since + give_up < now - TOL if strict else since + give_up <= now + TOL):
            reported.add((holder, since))
            out.append(Violation(since + give_up, "spm-storage", f"{holder} still holds the SPM role "
                                 f"{give_up:g} s after it lost storage at {since:g} s"))

    for t, group in _instants(log):
        overstay(t, strict=True)
        for r in group:
            if isinstance(r, ev.SpmStarted):
                if holder is not None and holder != r.host:
                    out.append(Violation(t, "single-spm",
                                         f"{r.host} became SPM while {holder} holds the role"))
                elif r.host != last and t < free_at - TOL:
                    out.append(Violation(t, "single-spm", f"{r.host} became SPM while the lease of {last} "
                                         f"may live until {free_at:g} s"))
                if not world.reaches_storage(r.host):
                    out.append(Violation(t, "spm-storage", f"{r.host} became SPM without reaching storage"))
                holder = r.host
            elif isinstance(r, ev.SpmStopped):
                if holder != r.host:
                    out.append(Violation(t, "single-spm", f"{r.host} stopped being SPM but {holder} held it"))
                    continue
                stopped = world.lease_stopped(r.host, t)
                free_at = t if stopped is None else stopped + dead
                holder, last = None, r.host
            world.apply(r)
            if last is not None and holder is None and world.renewing(last, t):
                free_at = min(free_at, t)  # storage back: the old holder can release its lease
    overstay(until, strict=False)
    return out


# --- writes and storage ----------------------------------------------------------------------


def check_writes_pause(log: Sequence[ev.Record], scenario: Scenario, until: float) -> list[Violation]:
    """A VM that writes is never shown running (Up, MigratingFrom) on a host that cannot reach
    storage once its writes have failed: `rules.eio_after_s` after the host lost storage, or at once if
    the VM arrives later (the session has failed already). A VM migrated while paused shows Paused.

    The log is the engine's view, and the engine learns of a pause only from VDSM: while it cannot
    hear the host (Connecting, NonResponsive, Reboot; management NIC down; no power) a stale Up is
    not judged, and once it hears the host again it has one poll (`VdsRefreshRate`) to show the
    pause. A VM whose host lost power is not running, whatever the engine still shows."""
    out: list[Violation] = []
    config = scenario.config()
    eio, poll = float(rules.eio_after_s(config)), float(config["VdsRefreshRate"])
    writers = {v.name for v in scenario.vms if v.writes}
    world = _World(scenario)
    arrived: dict[str, float] = {vm: 0.0 for vm in writers}
    heard_since: dict[str, float | None] = {h.name: 0.0 for h in scenario.hosts}  # None: cannot hear it
    reported: set[tuple[str, str, float]] = set()

    def judge(now: float, strict: bool) -> None:
        suspects = sorted((vm, host) for host in world.no_storage_since
                          for vm in world.vms_on[host] & writers)
        for vm, host in suspects:
            since, heard = world.no_storage_since[host], heard_since[host]
            if (world.vm_status[vm] not in RUNNING or vm in world.crashed or heard is None
                    or (vm, host, since) in reported):
                continue
            due = max(since + eio, arrived[vm], heard) + poll
            if due < now - TOL or (not strict and due <= now + TOL):
                reported.add((vm, host, since))
                out.append(Violation(due, "writes-pause", f"VM {vm} writes and is {world.vm_status[vm]} on "
                                     f"{host}, which lost storage at {since:g} s; its writes failed at "
                                     f"{due - poll:g} s, so it must be Paused"))

    for t, group in _instants(log):
        judge(t, strict=True)
        for r in group:
            if isinstance(r, ev.VmStatusChanged) and r.vm in writers and (
                    r.host != world.vm_host[r.vm] or r.old == V.DOWN):
                arrived[r.vm] = t  # migrated or started here
            world.apply(r)
        for host in {getattr(r, "host", "") for r in group} & heard_since.keys():
            if not world.hears(host):
                heard_since[host] = None
            elif heard_since[host] is None:
                heard_since[host] = t
        judge(t, strict=False)
    judge(until, strict=False)
    return out


def check_resume_with_storage(log: Sequence[ev.Record], scenario: Scenario, until: float) -> list[Violation]:
    """A paused VM resumes on its own host only once that host reaches storage (VDSM contEIOVms).

    The engine may report a resume late (it could not hear the host), so a resume is wrong only if
    the host has not reached storage at any time since the VM was shown paused."""
    out: list[Violation] = []
    world = _World(scenario)
    paused_at: dict[str, float] = {}
    for r in log:
        if isinstance(r, ev.VmStatusChanged) and r.new == V.PAUSED:
            paused_at[r.vm] = r.t
        elif (isinstance(r, ev.VmStatusChanged) and r.old == V.PAUSED and r.new == V.UP
                and r.host == world.vm_host[r.vm]
                and world.no_storage_since.get(r.host, r.t + 1) <= paused_at.get(r.vm, -1.0)):
            out.append(Violation(r.t, "resume-storage", f"VM {r.vm} resumed on {r.host}, which has not "
                                 f"reached storage since before it paused"))
        world.apply(r)
    return out


# --- fencing and HA restarts ---------------------------------------------------------------


def check_fencing(log: Sequence[ev.Record], scenario: Scenario, until: float) -> list[Violation]:
    """A power-management fence hits only a NonResponsive host with a fence agent, through an Up
    proxy, and only as the cluster's fencing policy allows: fencing enabled; with
    skip_if_connectivity_broken, fewer than the threshold's share of hosts Connecting or
    NonResponsive when the host became NonResponsive; with skip_if_sd_active, not while the host's
    storage lease is live (it reached storage less than `sanlock.live_at_least_s` ago; reference §3.2)."""
    out: list[Violation] = []
    policy = scenario.cluster.fencing_policy
    live_s = sanlock.live_at_least_s(scenario.config())
    world = _World(scenario)
    broken_share: dict[str, float] = {}
    decision: dict[str, tuple[str, bool, bool]] = {}  # host -> (status left, lease live, proxy Up)

    def share() -> float:
        return 100 * sum(s in (H.CONNECTING, H.NON_RESPONSIVE) for s in world.host_status.values()) / len(
            world.host_status)

    for t, group in _instants(log):
        turned = []
        for r in group:
            world.apply(r)
            if isinstance(r, ev.HostStatusChanged) and r.new == H.NON_RESPONSIVE:
                broken_share[r.host] = share()
                turned.append(r.host)
            elif isinstance(r, ev.HostStatusChanged) and r.new == H.REBOOT:
                stopped = world.lease_stopped(r.host, t)
                live = stopped is None or t - stopped < live_s - TOL
                proxy = any(s == H.UP for h, s in world.host_status.items() if h != r.host)
                decision[r.host] = (r.old, live, proxy)
            elif isinstance(r, ev.HostFenced) and r.method == "power-management":
                old, live, proxy = decision.pop(r.host, (world.host_status[r.host], True, False))
                why = []
                if old != H.NON_RESPONSIVE:
                    why.append(f"it was {old}, not NonResponsive")
                if not scenario.host(r.host).power_management:
                    why.append("it has no power management")
                if not policy.enabled:
                    why.append("the fencing policy disables fencing")
                if not proxy:
                    why.append("no other host was Up to act as fence proxy")
                if policy.skip_if_sd_active and live:
                    why.append("skip_if_sd_active and its storage lease was live")
                if (policy.skip_if_connectivity_broken
                        and broken_share.get(r.host, 0) >= policy.hosts_with_broken_connectivity_threshold):
                    why.append(f"skip_if_connectivity_broken and {broken_share[r.host]:.0f} % of the hosts "
                               f"had connectivity problems (threshold "
                               f"{policy.hosts_with_broken_connectivity_threshold} %)")
                if why:
                    out.append(Violation(t, "fencing-policy",
                                         f"{r.host} was power-fenced although " + "; ".join(why)))
        for host in turned:
            broken_share[host] = min(broken_share[host], share())
    return out


def check_restart_after_confirmed_down(log: Sequence[ev.Record], scenario: Scenario,
                                       until: float) -> list[Violation]:
    """A VM is started again (WaitForLaunch) only once its last run is known to be over: a power
    fence of its host, or a Down that the engine heard from a host it can reach, or an expired VM
    lease (4.1+): its host has not reached storage for `sanlock.dead_no_sooner_than_s`."""
    out: list[Violation] = []
    leased = {v.name for v in scenario.vms if v.lease}
    dead = sanlock.dead_no_sooner_than_s(scenario.config())
    world = _World(scenario)
    fenced: set[str] = set()
    confirmed: set[str] = set()
    for r in log:
        if isinstance(r, ev.HostFenced) and r.method == "power-management":
            fenced |= world.vms_on[r.host]
        elif isinstance(r, ev.VmStatusChanged) and r.new == V.DOWN:
            stopped = world.lease_stopped(r.host, r.t)
            lease_free = r.vm in leased and stopped is not None and r.t - stopped >= dead - TOL
            if r.vm in fenced or lease_free or world.host_status[r.host] not in CUT_OFF:
                confirmed.add(r.vm)
        elif isinstance(r, ev.VmStatusChanged) and r.new == V.WAIT_FOR_LAUNCH:
            if r.vm not in confirmed:
                out.append(Violation(r.t, "restart-confirmed", f"VM {r.vm} restarted on {r.host} although "
                                     f"{world.vm_host[r.vm] or 'its host'} was never confirmed down"))
            confirmed.discard(r.vm)
            fenced.discard(r.vm)
        world.apply(r)
    return out


def restart_bound_s(config: dict, failed_tries: int) -> float:
    """How long an HA VM may stay Down while a healthy host has room for it: the runner's next tick
    (`AutoStartVmsRunnerIntervalInSeconds`), a pending retry wait
    (`RetryToRunAutoStartVmShortIntervalInSeconds` while short tries remain,
    `RetryToRunAutoStartVmLongIntervalInSeconds` after), and the boot to Up (`VM_BOOT_S`)."""
    short_tries = int(config["NumOfTriesToRunFailedAutoStartVmInShortIntervals"])
    wait = (config["RetryToRunAutoStartVmShortIntervalInSeconds"] if failed_tries < short_tries
            else config["RetryToRunAutoStartVmLongIntervalInSeconds"] or 0)
    return float(config["AutoStartVmsRunnerIntervalInSeconds"] + wait + rules.VM_BOOT_S)


def check_ha_restart_bound(log: Sequence[ev.Record], scenario: Scenario, until: float) -> list[Violation]:
    """Every HA VM that is Down is Up again within `restart_bound_s` of the moment a healthy host
    with room for it appears (and stays), unless the engine has used up its tries (3.3: one try, no
    long retries). The clock stops while a higher-priority HA VM launches (4.4+ ordering,
    `MaxTimeAutoStartBlockedOnPriority`). A try that finds no room is checked too: no Up host may
    have had enough free memory at that instant (tries that failed for another reason, such as a
    VM lease still held, are not counted)."""
    out: list[Violation] = []
    config = scenario.config()
    short_tries = int(config["NumOfTriesToRunFailedAutoStartVmInShortIntervals"])
    gives_up = not config["RetryToRunAutoStartVmLongIntervalInSeconds"]
    block = float(config["MaxTimeAutoStartBlockedOnPriority"] or 0)
    ha = {v.name: v for v in scenario.vms if v.ha}
    world = _World(scenario)
    owed: dict[str, float | None] = {}  # Down HA VM -> since when a healthy host has had room for it
    failed: dict[str, int] = defaultdict(int)
    launched: dict[str, float] = {}

    def blocked(vm: str, now: float) -> bool:
        return block > 0 and any(world.vm_status[o] == V.WAIT_FOR_LAUNCH and ha[o].priority > ha[vm].priority
                                 and now - launched[o] < block for o in launched)

    def judge(now: float, strict: bool) -> None:
        for vm, since in sorted(owed.items()):
            due = None if since is None else since + restart_bound_s(config, failed[vm])
            if due is not None and (due < now - TOL or (not strict and due <= now + TOL)):
                out.append(Violation(due, "ha-restart-bound", f"HA VM {vm} is still {world.vm_status[vm]}: a "
                                     f"healthy host has had room for it since {since:g} s"))
                del owed[vm]

    for t, group in _instants(log):
        judge(t, strict=True)
        for r in group:
            if isinstance(r, ev.HaRestartAttempted) and r.vm in ha and not r.host and NO_ROOM in r.result:
                roomy = [h for h in world.host_status
                         if world.host_status[h] == H.UP and world.free_gb(h) >= ha[r.vm].memory_gb - 1e-9]
                if roomy:
                    out.append(Violation(t, "ha-restart-bound", f"no room found for {r.vm} "
                                         f"({ha[r.vm].memory_gb:g} GiB), but {roomy[0]} had "
                                         f"{world.free_gb(roomy[0]):g} GiB free"))
                failed[r.vm] += 1
                if gives_up and failed[r.vm] >= short_tries:
                    owed.pop(r.vm, None)
            world.apply(r)
            if isinstance(r, ev.VmStatusChanged) and r.vm in ha:
                if r.new == V.DOWN:
                    owed[r.vm], failed[r.vm] = None, 0
                elif r.new == V.WAIT_FOR_LAUNCH:
                    launched[r.vm] = t
                else:
                    owed.pop(r.vm, None)
        healthy = [h for h in world.host_status if world.healthy(h)] if owed else []
        most_free = max((world.free_gb(h) for h in healthy), default=0.0)
        for vm, since in owed.items():
            room = world.vm_status[vm] == V.WAIT_FOR_LAUNCH or (
                not blocked(vm, t) and most_free >= ha[vm].memory_gb - 1e-9)
            owed[vm] = (t if since is None else since) if room else None
    judge(until, strict=False)
    return out


Rule = Callable[[Sequence[ev.Record], Scenario, float], list[Violation]]
RULES: tuple[Rule, ...] = (
    check_well_formed,
    check_single_owner,
    check_spm,
    check_writes_pause,
    check_resume_with_storage,
    check_fencing,
    check_restart_after_confirmed_down,
    check_ha_restart_bound,
)


def check_all(log: Sequence[ev.Record], scenario: Scenario, until: float | None = None) -> list[Violation]:
    """Every rule on the log, violations in time order (an empty list: every promise kept)."""
    end = until if until is not None else (log[-1].t if log else 0.0)
    found = [v for rule in RULES for v in rule(log, scenario, end)]
    return sorted(found, key=lambda v: v.t)
