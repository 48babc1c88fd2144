"""The episodes the lessons tell, each read off the event log as one record of times.

The required-NIC rule (lesson 1), the SPM handover (lesson 2), the fencing of a lost host and its
VMs' recovery (lesson 3), the migration order and the pauses: each is a frozen dataclass whose
fields are the moments a student looks for, None where the moment did not come.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hacourse import events as ev
from hacourse import sanlock
from hacourse.analysis.intervals import end_of, migration_spans, start_of, vm_intervals
from hacourse.model import Scenario
from hacourse.status import FenceMethod, HostStatus, RestartResult, VmStatus


def migration_order(log: Sequence[ev.Record], scenario: Scenario | None = None) -> list[dict[str, object]]:
    """The migration order table: one row per migration, in the order the engine asked for them.

    With the scenario, each row also gives the VM's HA flag and priority, which is what decides
    the order (`VmsComparer`: priority descending; the HA flag itself does not order).
    """
    vms = {vm.name: vm for vm in scenario.vms} if scenario else {}
    rows: list[dict[str, object]] = []
    for m in migration_spans(log):
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
class FenceEpisode:
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


def fence_episode(log: Sequence[ev.Record], host: str) -> FenceEpisode | None:
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
    return FenceEpisode(host, lost.t, nr.t if nr else None, soft.result if soft else None, skip.reason if skip else None,
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
