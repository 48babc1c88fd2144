"""The Events tab: the one place where records become the engine's audit wording.

Every message a student reads for a record is written here, from the record's typed fields; code
never reads a message back (branch on the record, not on its words).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hacourse import actions
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


_HOST_SEVERITY: dict[str, str] = {
    HostStatus.UP: NORMAL,
    HostStatus.INITIALIZING: NORMAL,
    HostStatus.CONNECTING: WARNING,
    HostStatus.REBOOT: WARNING,
    HostStatus.KDUMPING: WARNING,
    HostStatus.DOWN: WARNING,
    HostStatus.NON_OPERATIONAL: ERROR,
    HostStatus.NON_RESPONSIVE: ERROR,
}
_VM_SEVERITY: dict[str, str] = {VmStatus.PAUSED: WARNING, VmStatus.UNKNOWN: WARNING, VmStatus.DOWN: ERROR}


_SAID: dict[type[ev.Record], tuple[str, str]] = {
    # The link itself (ifdown, cable, switch port), not an engine audit event: the engine's "changed
    # state to down" (HOST_INTERFACE_STATE_DOWN) exists only from 3.5, logged at a statistics refresh.
    ev.NicDown: (WARNING, "The link of interface {nic} (network {network}) on host {host} went down."),
    ev.NicUp: (NORMAL, "The link of interface {nic} (network {network}) on host {host} is back up."),
    ev.HostNicProblemDetected: (WARNING, ("Engine sees interface {nic} of required network {network} down on host "
                                         "{host}; grace of {grace_s:g} s (NicDHCPDelayGraceInMS) starts.")),
    ev.HostNicProblemCleared: (NORMAL, ("Interface {nic} of network {network} on host {host} is up again; "
                                       "grace cleared.")),
    ev.StorageConnectionLost: (WARNING, ("Host {host} lost its iSCSI session to {domain}; I/O hangs, fails after "
                                        "{eio_after_s:g} s (replacement_timeout).")),
    ev.StorageConnectionRestored: (NORMAL, "Host {host} reconnected to storage domain {domain}."),
    ev.StorageDomainReportedProblematic: (WARNING, ("Host {host} reports storage domain {domain} problematic "
                                                   "(last check {last_check_s:g} s ago > MaxStorageVdsTimeoutCheckSec).")),
    ev.StorageDomainTimerCancelled: (NORMAL, "Storage domain {domain} recovered: problem timer cancelled ({reason})."),
    ev.StorageDomainTimerExpired: (WARNING, "Storage domain {domain} problem timer expired: {action}."),
    ev.SpmStarted: (NORMAL, "Storage Pool Manager runs on Host {host} ({reason})."),
    ev.SpmStopped: (WARNING, "Host {host} stopped being the Storage Pool Manager ({reason})."),
    ev.SpmLeaseExpired: (ERROR, "Host {host} could not renew its SPM lease on {domain} (sanlock)."),
    ev.VmIoBlocked: (WARNING, "VM {vm} on {host}: disk writes hang on the lost storage path."),
    ev.MigrationStarted: (NORMAL, ("Migration started (VM: {vm}, Source: {source}, Destination: {destination}, "
                                  "Reason: {reason}).")),
    ev.MigrationTransferStarted: (NORMAL, ("Migration of {vm} from {source} to {destination} began copying memory "
                                          "at {bandwidth_mib_s:g} MiB/s.")),
    ev.MigrationFinished: (NORMAL, ("Migration completed (VM: {vm}, Source: {source}, Destination: {destination}, "
                                   "Duration: {duration_s:.0f} sec, Actual downtime: {downtime_ms}ms).")),
    ev.FenceAttempted: (WARNING, "Fencing host {host} with {method}: {result}."),
    ev.HostFenced: (ALERT, "Host {host} was fenced ({method})."),
    ev.FencingSkipped: (WARNING, "Fencing of host {host} skipped: {reason}."),
    ev.HostPoweredOff: (WARNING, "Host {host} powered off ({reason})."),
    ev.StorageArrayFailed: (ERROR, "The storage array of domain {domain} stopped answering: no host reaches it."),
    ev.StorageArrayRecovered: (NORMAL, "The storage array of domain {domain} answers again."),
    ev.VmProcessDied: (ERROR, "The qemu process of VM {vm} died on host {host}."),
    ev.HostPoweredOn: (NORMAL, "Host {host} powered on ({reason})."),
    ev.ActionRefused: (ERROR, "{reason} ({code})"),
}
"""Severity and sentence of the records whose wording is their fields in a template, after the
engine's audit log where it has one (VDS_*, VM_MIGRATION_*, ...)."""


def _describe(r: ev.Record) -> tuple[str, str]:
    """Severity and message for one record: the template of `_SAID`, or the few whose words
    depend on their values."""
    if type(r) in _SAID or type(r).said is not None:
        severity, template = _SAID.get(type(r)) or type(r).said  # type: ignore[misc]
        return severity, template.format(**r.to_dict())
    if isinstance(r, ev.FaultInjected):
        return NORMAL, actions.event_text(r)
    if isinstance(r, ev.HostStatusChanged):
        return _HOST_SEVERITY.get(r.new, NORMAL), f"Host {r.host} moved from {r.old} to {r.new} state ({r.reason})."
    if isinstance(r, ev.VmStatusChanged):
        if r.new == VmStatus.PAUSED and r.reason in EIO_PAUSES:
            return WARNING, f"VM {r.vm} has been paused due to storage I/O problem (on {r.host})."
        return _VM_SEVERITY.get(r.new, NORMAL), f"VM {r.vm} on {r.host} moved from {r.old} to {r.new} ({r.reason})."
    if isinstance(r, ev.StorageDomainTimerStarted):
        return WARNING, (f"Storage domain {r.domain} in problem: the engine acts at {clock(r.fires_at)} "
                         f"unless it recovers (StorageDomainFailureTimeoutInMinutes).")
    if isinstance(r, ev.StorageDomainStatusChanged):
        if r.new == "Inactive":
            return ERROR, (f"Storage Domain {r.domain} was deactivated by system because it is not visible "
                           f"by any of the hosts ({r.reason}).")
        return (NORMAL if r.new == "Active" else WARNING), f"Storage Domain {r.domain} is {r.new} ({r.reason})."
    if isinstance(r, ev.DataCenterStatusChanged):
        if r.new == "Up":
            return NORMAL, f"Data Center {r.data_center} is Up again ({r.reason})."
        return ERROR, f"Invalid status on Data Center {r.data_center}. Setting status to {r.new} ({r.reason})."
    if isinstance(r, ev.MigrationFailed):
        return ERROR, (f"Migration failed (VM: {r.vm}, Source: {r.source}, "
                       f"Destination: {r.destination or 'none chosen'}): {r.reason}.")
    if isinstance(r, ev.HaRestartAttempted):
        where = f" on {r.host}" if r.host else ""
        severity = NORMAL if r.outcome == RestartResult.STARTED else WARNING
        return severity, f"Highly available VM {r.vm} restart{where}: {r.result}."
    fields = ", ".join(f"{k}={v}" for k, v in r.to_dict().items() if k not in ("t", "event"))
    return NORMAL, f"{r.event}: {fields}"


def events_table(log: Sequence[ev.Record], until: float | None = None, limit: int | None = None) -> list[EventRow]:
    """The Events tab: one row per record, newest first (ties: the later record first)."""
    rows = [EventRow(r.t, *_describe(r), kind=r.event)
            for r in upto(log, until) if not isinstance(r, ev.SimulationStarted | ev.Decision)]
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

