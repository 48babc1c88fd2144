"""What happened, read off the event log: intervals, the migration order, NIC states, the Events tab.

Every function here is a pure function of a log (a list of `hacourse.events` records), plus,
where the log cannot know it, the scenario for the state at time 0 (a host that never changes
status never appears in the log). Views, widgets, checks and lessons all read the run through
these functions, so a figure and a test can never disagree about what happened.

The state at time t includes every change logged at t, applied in log order (as the Events tab,
which lists the records with time <= t). So an interval is [start, end): it ends where the next
change begins; two changes at one time leave no interval between them; and the last interval of a
lane is closed at `until`, zero-length when a change came at `until` itself (by default the log's
last record), so that the state at the end of a log is the one its last records gave.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from hacourse import events as ev
from hacourse import sanlock
from hacourse.model import Scenario
from hacourse.physical import PhysicalState
from hacourse.status import EIO_PAUSES, FenceMethod, HostStatus, Reason, RestartResult, VmStatus


def clock(t: float) -> str:
    """Simulated seconds as `m:ss` (`h:mm:ss` past an hour), the way the lessons print times."""
    whole = round(t)
    hours, rest = divmod(whole, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def end_of(log: Sequence[ev.Record]) -> float:
    """The time of the last record: how far a finished log reaches."""
    return log[-1].t if log else 0.0


def start_of(log: Sequence[ev.Record]) -> float:
    return log[0].t if log else 0.0


def _upto(log: Iterable[ev.Record], until: float | None) -> Iterable[ev.Record]:
    return log if until is None else (r for r in log if r.t <= until)


@dataclass(frozen=True)
class HostInterval:
    host: str
    start: float
    end: float
    status: str
    reason: str


@dataclass(frozen=True)
class SpmInterval:
    """A span during which `host` held the SPM role (gaps between spans: no SPM)."""

    host: str
    start: float
    end: float


@dataclass(frozen=True)
class VmInterval:
    vm: str
    start: float
    end: float
    host: str
    status: str
    reason: str


@dataclass(frozen=True)
class MigrationSpan:
    """One migration, from the engine's command to its end.

    `requested` is when the engine sent it (the VM shows MigratingFrom), `transfer_start` when
    VDSM on the source got a slot and began copying memory: the gap between the two is the
    wait for `max_outgoing_migrations`. `outcome` is `finished`, `failed`, `running`, or
    `refused` when the engine's validation rejected it before it began (a paused VM in 3.3).
    """

    order: int  # 1 for the first migration the engine requested
    vm: str
    source: str
    destination: str
    requested: float
    transfer_start: float | None
    end: float
    outcome: str
    reason: str
    downtime_ms: int | None = None

    @property
    def queued_s(self) -> float:
        return (self.transfer_start if self.transfer_start is not None else self.end) - self.requested


class _Lanes:
    """Open and close intervals per key as changes arrive in log order (the rule of the module docstring).

    A state replaced or stopped at the time it began leaves no interval; a state still open at
    `until` gets one even if it began at `until`. Keys come out in the order they were first seen
    (the scenario's order, then the log's).
    """

    def __init__(self) -> None:
        self.closed: dict[str, list[tuple[float, float, tuple]]] = {}
        self.open: dict[str, tuple[float, tuple]] = {}

    def seen(self, key: str) -> bool:
        return key in self.closed

    def set(self, key: str, t: float, state: tuple) -> None:
        self.closed.setdefault(key, [])
        current = self.open.get(key)
        if current is not None:
            if current[1] == state:
                return
            if t > current[0]:
                self.closed[key].append((current[0], t, current[1]))
        self.open[key] = (t, state)

    def stop(self, key: str, t: float) -> None:
        current = self.open.pop(key, None)
        if current is not None and t > current[0]:
            self.closed[key].append((current[0], t, current[1]))

    def finish(self, until: float) -> dict[str, list[tuple[float, float, tuple]]]:
        for key, (start, state) in self.open.items():
            if until >= start:
                self.closed[key].append((start, until, state))
        self.open.clear()
        return self.closed


def host_intervals(
    log: Sequence[ev.Record], scenario: Scenario | None = None, until: float | None = None
) -> dict[str, list[HostInterval]]:
    """Each host's status over time: `{host: [HostInterval, ...]}` in time order.

    A host that the log never mentions is Up throughout (when the scenario names it); a host
    whose first record is a change was in that record's `old` status since the start. The last
    interval ends at `until` and holds the changes logged at `until` (the module docstring's rule),
    so `spans[-1]` is the status at `until`.
    """
    t0, until = start_of(log), end_of(log) if until is None else until
    lanes = _Lanes()
    for host in scenario.hosts if scenario else ():
        lanes.set(host.name, t0, (HostStatus.UP.value, Reason.INITIAL))
    for r in _upto(log, until):
        if isinstance(r, ev.HostStatusChanged):
            if not lanes.seen(r.host):
                lanes.set(r.host, t0, (r.old, Reason.INITIAL))
            lanes.set(r.host, r.t, (r.new, r.reason))
    return {
        host: [HostInterval(host, s, e, status, reason) for s, e, (status, reason) in spans]
        for host, spans in lanes.finish(until).items()
    }


def spm_intervals(
    log: Sequence[ev.Record], scenario: Scenario | None = None, until: float | None = None
) -> list[SpmInterval]:
    """Who held the SPM role when; two holders never overlap in a correct run."""
    t0, until = start_of(log), end_of(log) if until is None else until
    lanes = _Lanes()
    if scenario is not None and scenario.spm:
        lanes.set(scenario.spm, t0, ())
    for r in _upto(log, until):
        if isinstance(r, ev.SpmStarted):
            lanes.set(r.host, r.t, ())
        elif isinstance(r, ev.SpmStopped):
            lanes.stop(r.host, r.t)
    spans = [SpmInterval(h, s, e) for h, ss in lanes.finish(until).items() for s, e, _ in ss]
    return sorted(spans, key=lambda span: (span.start, span.host))


def spm_holder(log: Sequence[ev.Record], t: float, scenario: Scenario | None = None) -> str | None:
    """Who holds the SPM role at `t`, an SpmStarted or SpmStopped at `t` included (None: no SPM)."""
    holders = [scenario.spm] if scenario is not None and scenario.spm else []
    for r in _upto(log, t):
        if isinstance(r, ev.SpmStarted) and r.host not in holders:
            holders.append(r.host)
        elif isinstance(r, ev.SpmStopped) and r.host in holders:
            holders.remove(r.host)
    return holders[0] if holders else None


def vm_intervals(
    log: Sequence[ev.Record], scenario: Scenario | None = None, until: float | None = None
) -> dict[str, list[VmInterval]]:
    """Each VM's host and status over time: `{vm: [VmInterval, ...]}` in time order.

    As in `host_intervals`, `spans[-1]` is the VM's host and status at `until`, changes at `until` included.
    """
    t0, until = start_of(log), end_of(log) if until is None else until
    lanes = _Lanes()
    for vm in scenario.vms if scenario else ():
        lanes.set(vm.name, t0, (vm.host, VmStatus.UP.value, Reason.INITIAL))
    for r in _upto(log, until):
        if isinstance(r, ev.VmStatusChanged):
            if not lanes.seen(r.vm):
                lanes.set(r.vm, t0, (r.host, r.old, Reason.INITIAL))
            lanes.set(r.vm, r.t, (r.host, r.new, r.reason))
    return {
        vm: [VmInterval(vm, s, e, host, status, reason) for s, e, (host, status, reason) in spans]
        for vm, spans in lanes.finish(until).items()
    }


def vm_state_at(
    log: Sequence[ev.Record], vm: str, t: float, scenario: Scenario | None = None
) -> VmInterval | None:
    """Where `vm` is and its status at `t`, a change at `t` included (None: the VM is not known yet)."""
    spans = vm_intervals(log, scenario, until=t).get(vm, [])
    return spans[-1] if spans else None


def host_status_at(log: Sequence[ev.Record], host: str, t: float, scenario: Scenario | None = None) -> str:
    """The status of `host` at `t`, a change at `t` included (a host the log never mentions is Up)."""
    spans = host_intervals(log, scenario, until=t).get(host, [])
    return spans[-1].status if spans else HostStatus.UP.value


def migrations(log: Sequence[ev.Record], until: float | None = None) -> list[MigrationSpan]:
    """Every migration in the order the engine requested them; a running one ends at `until`."""
    until = end_of(log) if until is None else until
    opened: dict[str, dict] = {}
    done: list[MigrationSpan] = []
    count = 0
    for r in _upto(log, until):
        if isinstance(r, ev.MigrationStarted):
            count += 1
            opened[r.vm] = {
                "order": count, "vm": r.vm, "source": r.source, "destination": r.destination,
                "requested": r.t, "transfer_start": None, "reason": r.reason,
            }
        elif isinstance(r, ev.MigrationTransferStarted) and r.vm in opened:
            opened[r.vm]["transfer_start"] = r.t
        elif isinstance(r, ev.MigrationFinished) and r.vm in opened:
            done.append(MigrationSpan(**opened.pop(r.vm), end=r.t, outcome="finished",
                                      downtime_ms=r.downtime_ms))
        elif isinstance(r, ev.MigrationFailed) and r.vm in opened:
            span = opened.pop(r.vm)
            span["reason"] = r.reason
            done.append(MigrationSpan(**span, end=r.t, outcome="failed"))
        elif isinstance(r, ev.MigrationFailed):
            count += 1
            done.append(MigrationSpan(count, r.vm, r.source, r.destination, r.t, None, r.t, "refused", r.reason))
    done.extend(MigrationSpan(**span, end=until, outcome="running") for span in opened.values())
    return sorted(done, key=lambda m: m.order)


def migration_order(log: Sequence[ev.Record], scenario: Scenario | None = None) -> list[dict[str, object]]:
    """The migration order table: one row per migration, in the order the engine asked for them.

    With the scenario, each row also gives the VM's HA flag and priority, which is what decides
    the order (`VmsComparer`: priority descending; the HA flag itself does not order).
    """
    vms = {vm.name: vm for vm in scenario.vms} if scenario else {}
    rows: list[dict[str, object]] = []
    for m in migrations(log):
        row: dict[str, object] = {"order": m.order, "vm": m.vm}
        if m.vm in vms:
            row["ha"] = vms[m.vm].ha
            row["priority"] = vms[m.vm].priority
        row.update(
            source=m.source, destination=m.destination, requested=m.requested,
            transfer_start=m.transfer_start, end=m.end, queued_s=round(m.queued_s, 1),
            outcome=m.outcome, downtime_ms=m.downtime_ms, reason=m.reason,
        )
        rows.append(row)
    return rows


@dataclass(frozen=True)
class NicDownInterval:
    host: str
    nic: str
    network: str
    start: float
    end: float


def nic_down_intervals(log: Sequence[ev.Record], until: float | None = None) -> list[NicDownInterval]:
    """When each NIC was down (from `NicDown` to `NicUp`, or to `until`), in the order they went down."""
    until = end_of(log) if until is None else until
    opened: dict[tuple[str, str], ev.NicDown] = {}
    spans: list[NicDownInterval] = []
    for r in _upto(log, until):
        if isinstance(r, ev.NicDown):
            opened.setdefault((r.host, r.nic), r)
        elif isinstance(r, ev.NicUp) and (r.host, r.nic) in opened:
            down = opened.pop((r.host, r.nic))
            spans.append(NicDownInterval(r.host, r.nic, r.network, down.t, r.t))
    spans += [NicDownInterval(d.host, d.nic, d.network, d.t, until) for d in opened.values()]
    return sorted(spans, key=lambda s: (s.start, s.host, s.nic))


def nic_states(log: Sequence[ev.Record], t: float, scenario: Scenario | None = None) -> dict[tuple[str, str], bool]:
    """`{(host, nic): is_up}` at time `t`; with the scenario, every NIC it names starts up."""
    return PhysicalState.at(log, t, scenario).nic_up


def powered_off(log: Sequence[ev.Record], t: float) -> set[str]:
    """Hosts whose power is off at time `t`."""
    return PhysicalState.at(log, t).powered_off()


@dataclass(frozen=True)
class NicRule:
    """How the engine's required-NIC rule played out on one host (`HostMonitoring.checkVdsInterfaces`).

    The NIC goes down; the engine only notices at the host's next statistics refresh (every
    `VdsRefreshRate` x `NumberVmRefreshesBeforeSave` = 15 s); the host turns NonOperational once
    `NicDHCPDelayGraceInMS` (60, in seconds despite the name) has passed since then.
    """

    host: str
    nic: str
    network: str
    went_down: float
    engine_saw: float | None
    grace_s: float | None
    non_operational: float | None


def nic_rule(log: Sequence[ev.Record], host: str) -> NicRule | None:
    """The first required-NIC episode on `host`, or None if no NIC of it went down."""
    down = next((r for r in log if isinstance(r, ev.NicDown) and r.host == host), None)
    if down is None:
        return None
    later = [r for r in log if r.t >= down.t]
    seen = next((r for r in later if isinstance(r, ev.HostNicProblemDetected) and r.host == host), None)
    nonop = next((r for r in later if isinstance(r, ev.HostStatusChanged) and r.host == host
                  and r.new == HostStatus.NON_OPERATIONAL), None)
    return NicRule(host, down.nic, down.network, down.t, seen.t if seen else None,
                   seen.grace_s if seen else None, nonop.t if nonop else None)


@dataclass(frozen=True)
class Pause:
    """A VM's stay in Paused: where it paused, why, and where (and when) it ran again."""

    vm: str
    host: str
    start: float
    reason: str
    end: float | None  # None: still paused when the log ends
    resumed_on: str | None


def pauses(log: Sequence[ev.Record], scenario: Scenario | None = None) -> list[Pause]:
    """Every Paused stretch of every VM, in the order they began."""
    out = []
    final = end_of(log)
    for spans in vm_intervals(log, scenario).values():
        for i, s in enumerate(spans):
            if s.status != VmStatus.PAUSED:
                continue
            nxt = spans[i + 1] if i + 1 < len(spans) else None
            ended = nxt is not None or s.end < final
            out.append(Pause(s.vm, s.host, s.start, s.reason, s.end if ended else None,
                             nxt.host if nxt is not None and nxt.status != VmStatus.PAUSED else None))
    return sorted(out, key=lambda p: (p.start, p.vm))


def faults(log: Sequence[ev.Record], until: float | None = None) -> list[ev.FaultInjected]:
    return [r for r in _upto(log, until) if isinstance(r, ev.FaultInjected)]


@dataclass(frozen=True)
class SpmHandover:
    """How the SPM role left its host and which host took it next.

    sanlock renews the SPM host's lease every `sanlock.renewal_s`; `lease_expired` is when it gave up,
    `sanlock.renewal_fail_s` after the `last_renewal` (it then kills VDSM: self-fencing), and
    `lease_free` when another host may acquire the lease, `sanlock.host_dead_s` after it. The
    engine elects the next SPM at its first SpmStatus poll after that (`StoragePoolRefreshTimeInSeconds`).
    The lease times are None when sanlock never gave up (the host was fenced, or stopped while it
    still reached storage).
    """

    old: str
    stopped: float
    stop_reason: str
    lease_expired: float | None
    last_renewal: float | None
    lease_free: float | None
    new: str | None
    started: float | None
    start_reason: str | None

    @property
    def without_spm_s(self) -> float | None:
        return None if self.started is None else self.started - self.stopped


def spm_handover(log: Sequence[ev.Record], scenario: Scenario) -> SpmHandover | None:
    """The first time the SPM role left its host in the run (None if it never did), and who took it."""
    stop = next((r for r in log if isinstance(r, ev.SpmStopped)), None)
    if stop is None:
        return None
    config = scenario.config()
    expired = next((r for r in log if isinstance(r, ev.SpmLeaseExpired) and r.host == stop.host
                    and r.t >= stop.t), None)
    start = next((r for r in log if isinstance(r, ev.SpmStarted) and r.t >= stop.t), None)
    last = expired.t - sanlock.renewal_fail_s(config) if expired else None
    return SpmHandover(stop.host, stop.t, stop.reason, expired.t if expired else None, last,
                       None if last is None else last + sanlock.host_dead_s(config), start.host if start else None,
                       start.t if start else None, start.reason if start else None)


def first_status(log: Sequence[ev.Record], host: str, status: str, after: float = 0.0) -> ev.HostStatusChanged | None:
    """The first time (at or after `after`) that `host` moved to `status`, with the engine's reason."""
    return next((r for r in log if isinstance(r, ev.HostStatusChanged) and r.host == host and r.new == status
                 and r.t >= after), None)


@dataclass(frozen=True)
class Fencing:
    """The engine's treatment of a host it can no longer reach ([E] VdsNotRespondingTreatmentCommand).

    `connecting` is the first failed poll; `non_responsive` the end of the grace
    (`TimeoutToResetVdsInSeconds` + `DelayResetForSpmInSeconds` if SPM + `DelayResetPerVmInSeconds`
    per VM); `soft_fencing` the result of the SSH restart of VDSM; `skipped` why fencing was not done;
    `stop_sent` when the fence agent's stop went out (the host shows Reboot); `fenced` when a fence
    confirmed it (`method`); `up_again` when the host was Up again.
    """

    host: str
    connecting: float
    non_responsive: float | None
    soft_fencing: str | None
    skipped: str | None
    stop_sent: float | None
    fenced: float | None
    method: str | None
    up_again: float | None


def fencing(log: Sequence[ev.Record], host: str) -> Fencing | None:
    """The first time the engine lost `host` (Connecting) and what it did about it; None if it never lost it."""
    lost = first_status(log, host, HostStatus.CONNECTING, after=start_of(log) + 1e-9)
    if lost is None:
        return None
    later = [r for r in log if r.t >= lost.t and getattr(r, "host", None) == host]
    nr = first_status(later, host, HostStatus.NON_RESPONSIVE)
    soft = next((r for r in later if isinstance(r, ev.FenceAttempted) and r.method == FenceMethod.SSH_SOFT), None)
    skip = next((r for r in later if isinstance(r, ev.FencingSkipped)), None)
    stop = first_status(later, host, HostStatus.REBOOT)
    fenced = next((r for r in later if isinstance(r, ev.HostFenced) and r.method != FenceMethod.SELF), None)
    up = first_status(later, host, HostStatus.UP)
    return Fencing(host, lost.t, nr.t if nr else None, soft.result if soft else None, skip.reason if skip else None,
                   stop.t if stop else None, fenced.t if fenced else None, fenced.method if fenced else None,
                   up.t if up else None)


@dataclass(frozen=True)
class VmRecovery:
    """One VM of a host the engine lost: when it went Unknown, when it was declared Down, and where it ran again.

    `restarted` is when the engine's HA runner started it again (only HA VMs, and only once the VM was
    known to be down: a confirmed fence, or VDSM reporting it gone); `up` and `on` say when and where
    it ran again. Nones: it did not happen by the end of the log.
    """

    vm: str
    ha: bool
    unknown: float
    down: float | None
    restarted: float | None
    up: float | None
    on: str | None


def vm_recovery(log: Sequence[ev.Record], scenario: Scenario, host: str) -> list[VmRecovery]:
    """Every VM that went Unknown on `host` (its first time), in the scenario's order of VMs."""
    changes = [r for r in log if isinstance(r, ev.VmStatusChanged)]
    out = []
    for vm in scenario.vms:
        mine = [r for r in changes if r.vm == vm.name]
        lost = next((r for r in mine if r.new == VmStatus.UNKNOWN and r.host == host), None)
        if lost is None:
            continue
        down = next((r for r in mine if r.t >= lost.t and r.new == VmStatus.DOWN), None)
        up = next((r for r in mine if r.t >= lost.t and r.new == VmStatus.UP), None)
        restart = next((r for r in log if isinstance(r, ev.HaRestartAttempted) and r.vm == vm.name
                        and r.outcome == RestartResult.STARTED and r.t >= lost.t), None)
        out.append(VmRecovery(vm.name, vm.ha, lost.t, down.t if down else None, restart.t if restart else None,
                              up.t if up else None, up.host if up else None))
    return out


def final_vm_status(log: Sequence[ev.Record], scenario: Scenario) -> dict[str, str]:
    """`{vm: status}` after the last record (a VM the log never changed is Up where it started)."""
    final = {vm.name: VmStatus.UP.value for vm in scenario.vms}
    final.update({r.vm: r.new for r in log if isinstance(r, ev.VmStatusChanged)})
    return final


def _most_at_once(spans: Sequence[tuple[float, float]]) -> int:
    return max((sum(1 for s, e in spans if s <= t < e) for t, _ in spans), default=0)


def _span_text(values: Sequence[float]) -> str | None:
    if not values:
        return None
    low, high = min(values), max(values)
    return f"{low:g}" if low == high else f"{low:g}–{high:g}"


def run_facts(log: Sequence[ev.Record], scenario: Scenario) -> dict[str, object]:
    """A run in a few numbers, to set runs of one scenario side by side; None where a fact does not apply."""
    moves = migrations(log)
    paused = {p.vm for p in pauses(log, scenario)}
    lost = next((r for r in log if isinstance(r, ev.StorageConnectionLost)), None)
    blocked = any(isinstance(r, ev.VmIoBlocked) for r in log)  # writes hung: the storage facts apply
    last_move = max((m.end for m in moves if m.outcome == "finished"), default=None)
    gone = next((r for r in log if isinstance(r, ev.HostStatusChanged) and r.new == HostStatus.NON_RESPONSIVE), None)
    treated = fencing(log, gone.host) if gone else None
    back = [v.up for v in vm_recovery(log, scenario, gone.host) if v.ha] if gone else []
    return {
        "I/O to a lost storage path fails after (s)": lost.eio_after_s if lost and blocked else None,
        "migrations copying at once (most)": _most_at_once(
            [(m.transfer_start, m.end) for m in moves if m.transfer_start is not None]) or None,
        "MiB/s per migration": _span_text([r.bandwidth_mib_s for r in log if isinstance(r, ev.MigrationTransferStarted)]),
        "switch-over downtime of VMs that never paused (ms)": _span_text(
            [m.downtime_ms for m in moves if m.outcome == "finished" and m.vm not in paused]),
        "VMs paused on EIO": len(paused) if blocked else None,
        "migrations refused or failed": sum(m.outcome in ("refused", "failed") for m in moves) if moves else None,
        "last migration ended at": clock(last_move) if last_move is not None else None,
        "host Non Responsive at": clock(gone.t) if gone else None,
        "fence confirmed the host off at": clock(treated.fenced) if treated and treated.fenced else None,
        "HA VMs all running again at": clock(max(back)) if back and None not in back else None,
        "VMs Down at the end": sum(status == VmStatus.DOWN for status in final_vm_status(log, scenario).values()),
    }


def compare_runs(runs: Mapping[str, tuple[Sequence[ev.Record], Scenario]]) -> list[dict[str, object]]:
    """`run_facts` of several runs as one table: a row per fact, a column per run; facts no run has are left out."""
    facts = {name: run_facts(log, scenario) for name, (log, scenario) in runs.items()}
    keys = next(iter(facts.values()), {})
    return [{"": key, **{name: f[key] for name, f in facts.items()}} for key in keys
            if any(f[key] is not None for f in facts.values())]


# ---- the Events tab ------------------------------------------------------------------------

NORMAL, WARNING, ERROR, ALERT = "Normal", "Warning", "Error", "Alert"


@dataclass(frozen=True)
class EventRow:
    t: float
    severity: str
    message: str
    kind: str  # the record kind it came from, to filter on

    @property
    def time(self) -> str:
        return clock(self.t)


_HOST_SEVERITY = {
    HostStatus.UP: NORMAL,
    HostStatus.INITIALIZING: NORMAL,
    HostStatus.CONNECTING: WARNING,
    HostStatus.REBOOT: WARNING,
    HostStatus.DOWN: WARNING,
    HostStatus.NON_OPERATIONAL: ERROR,
    HostStatus.NON_RESPONSIVE: ERROR,
}
_VM_SEVERITY = {VmStatus.PAUSED: WARNING, VmStatus.UNKNOWN: WARNING, VmStatus.DOWN: ERROR}


def _describe(r: ev.Record) -> tuple[str, str]:
    """Severity and message for one record, worded after the engine's audit log where it has one."""
    if isinstance(r, ev.FaultInjected):
        target = f" {r.target}" if r.target else ""
        return NORMAL, f"Admin ran '{r.action}{target}' on host {r.host}."
    if isinstance(r, ev.NicDown):
        return WARNING, f"Interface {r.nic} (network {r.network}) on host {r.host}, changed state to down."
    if isinstance(r, ev.NicUp):
        return NORMAL, f"Interface {r.nic} (network {r.network}) on host {r.host}, changed state to up."
    if isinstance(r, ev.HostNicProblemDetected):
        return WARNING, (f"Engine sees interface {r.nic} of required network {r.network} down on host {r.host}; "
                         f"grace of {r.grace_s:g} s (NicDHCPDelayGraceInMS) starts.")
    if isinstance(r, ev.HostNicProblemCleared):
        return NORMAL, f"Interface {r.nic} of network {r.network} on host {r.host} is up again; grace cleared."
    if isinstance(r, ev.HostStatusChanged):
        severity = _HOST_SEVERITY.get(r.new, NORMAL)
        return severity, f"Host {r.host} moved from {r.old} to {r.new} state ({r.reason})."
    if isinstance(r, ev.StorageConnectionLost):
        return WARNING, (f"Host {r.host} lost its iSCSI session to {r.domain}; I/O hangs, "
                         f"fails after {r.eio_after_s:g} s (replacement_timeout).")
    if isinstance(r, ev.StorageConnectionRestored):
        return NORMAL, f"Host {r.host} reconnected to storage domain {r.domain}."
    if isinstance(r, ev.StorageDomainReportedProblematic):
        return WARNING, (f"Host {r.host} reports storage domain {r.domain} problematic "
                         f"(last check {r.last_check_s:g} s ago > MaxStorageVdsTimeoutCheckSec).")
    if isinstance(r, ev.StorageDomainTimerStarted):
        return WARNING, (f"Storage domain {r.domain} in problem: the engine acts at {clock(r.fires_at)} "
                         f"unless it recovers (StorageDomainFailureTimeoutInMinutes).")
    if isinstance(r, ev.StorageDomainTimerCancelled):
        return NORMAL, f"Storage domain {r.domain} recovered: problem timer cancelled ({r.reason})."
    if isinstance(r, ev.StorageDomainTimerExpired):
        return WARNING, f"Storage domain {r.domain} problem timer expired: {r.action}."
    if isinstance(r, ev.SpmStarted):
        return NORMAL, f"Storage Pool Manager runs on Host {r.host} ({r.reason})."
    if isinstance(r, ev.SpmStopped):
        return WARNING, f"Host {r.host} stopped being the Storage Pool Manager ({r.reason})."
    if isinstance(r, ev.SpmLeaseExpired):
        return ERROR, f"Host {r.host} could not renew its SPM lease on {r.domain} (sanlock)."
    if isinstance(r, ev.VmStatusChanged):
        if r.new == VmStatus.PAUSED and r.reason in EIO_PAUSES:
            return WARNING, f"VM {r.vm} has been paused due to storage I/O problem (on {r.host})."
        severity = _VM_SEVERITY.get(r.new, NORMAL)
        return severity, f"VM {r.vm} on {r.host} moved from {r.old} to {r.new} ({r.reason})."
    if isinstance(r, ev.VmIoBlocked):
        return WARNING, f"VM {r.vm} on {r.host}: disk writes hang on the lost storage path."
    if isinstance(r, ev.MigrationStarted):
        return NORMAL, (f"Migration started (VM: {r.vm}, Source: {r.source}, Destination: {r.destination}, "
                        f"Reason: {r.reason}).")
    if isinstance(r, ev.MigrationTransferStarted):
        return NORMAL, (f"Migration of {r.vm} from {r.source} to {r.destination} began copying memory "
                        f"at {r.bandwidth_mib_s:g} MiB/s.")
    if isinstance(r, ev.MigrationFinished):
        return NORMAL, (f"Migration completed (VM: {r.vm}, Source: {r.source}, Destination: {r.destination}, "
                        f"Duration: {r.duration_s:.0f} sec, Actual downtime: {r.downtime_ms}ms).")
    if isinstance(r, ev.MigrationFailed):
        return ERROR, (f"Migration failed (VM: {r.vm}, Source: {r.source}, "
                       f"Destination: {r.destination or 'none chosen'}): {r.reason}.")
    if isinstance(r, ev.FenceAttempted):
        return WARNING, f"Fencing host {r.host} with {r.method}: {r.result}."
    if isinstance(r, ev.HostFenced):
        return ALERT, f"Host {r.host} was fenced ({r.method})."
    if isinstance(r, ev.FencingSkipped):
        return WARNING, f"Fencing of host {r.host} skipped: {r.reason}."
    if isinstance(r, ev.HaRestartAttempted):
        where = f" on {r.host}" if r.host else ""
        return NORMAL if r.outcome == RestartResult.STARTED else WARNING, f"Highly available VM {r.vm} restart{where}: {r.result}."
    if isinstance(r, ev.HostPoweredOff):
        return WARNING, f"Host {r.host} powered off ({r.reason})."
    if isinstance(r, ev.HostPoweredOn):
        return NORMAL, f"Host {r.host} powered on ({r.reason})."
    fields = ", ".join(f"{k}={v}" for k, v in r.to_dict().items() if k not in ("t", "event"))
    return NORMAL, f"{r.event}: {fields}"


def events_table(log: Sequence[ev.Record], until: float | None = None, limit: int | None = None) -> list[EventRow]:
    """The Events tab: one row per record, newest first (ties: the later record first)."""
    rows = [EventRow(r.t, *_describe(r), kind=r.event)
            for r in _upto(log, until) if not isinstance(r, ev.SimulationStarted)]
    rows.reverse()
    return rows if limit is None else rows[:limit]


def status_line(log: Sequence[ev.Record], t: float, scenario: Scenario | None = None) -> str:
    """One line for a control panel: the hosts that are not Up, VMs on the move or paused, the SPM."""
    hosts = host_intervals(log, scenario, until=t)
    troubled = [f"{h} {spans[-1].status}" for h, spans in hosts.items()
                if spans and spans[-1].status != HostStatus.UP]
    vms = vm_intervals(log, scenario, until=t)
    count = {status: sum(1 for spans in vms.values() if spans and spans[-1].status == status)
             for status in (VmStatus.MIGRATING_FROM, VmStatus.PAUSED, VmStatus.DOWN)}
    parts = [", ".join(troubled) if troubled else "all hosts Up"]
    parts += [f"{n} VM{'s' if n > 1 else ''} {status}" for status, n in count.items() if n]
    parts.append(f"SPM on {spm_holder(log, t, scenario) or 'no host'}")
    return " · ".join(parts)
