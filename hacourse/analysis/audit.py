"""The Events tab: the one place where records become the engine's audit wording.

Every message a student reads for a record is written here, from the record's typed fields; code
never reads a message back (branch on the record, not on its words).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hacourse import events as ev
from hacourse.analysis.intervals import host_intervals, spm_holder, upto, vm_intervals
from hacourse.model import Scenario
from hacourse.status import EIO_PAUSES, HostStatus, RestartResult, VmStatus


def clock(t: float) -> str:
    """Simulated seconds as `m:ss` (`h:mm:ss` past an hour), the way the lessons print times."""
    whole = round(t)
    hours, rest = divmod(whole, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


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
            for r in upto(log, until) if not isinstance(r, ev.SimulationStarted)]
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

