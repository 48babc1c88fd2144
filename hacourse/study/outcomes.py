"""A run's outcomes as a sweep's columns: what it did to availability, read off its event log.

`OUTCOMES` names every column and says what it counts (`hacourse sweep --help` and the instructor
guide print it). Whether a VM ran is the physical truth of `hacourse.analysis.availability`; what
the portal showed is a column of its own, named as such. This module reads logs only, so the
command line can list the columns without loading the engine.
"""

from __future__ import annotations

from collections.abc import Sequence

from hacourse import events as ev
from hacourse.analysis.availability import VmAvailability, availability
from hacourse.model import Scenario
from hacourse.status import HostStatus, VmStatus

OUTCOMES = {
    "ha_recovery_s": "seconds from the first fault until every HA VM's guest runs again (None: not by the end)",
    "ha_vm_down_s": "HA VM-seconds after the first fault in which the guest did not run (no qemu process, "
                    "booting, or paused), summed over the HA VMs: the physical truth",
    "ha_vm_portal_down_s": "HA VM-seconds after the first fault in which the portal did not show the VM Up "
                           "(Unknown, NonResponsive host, Paused, Down, WaitForLaunch): the portal's view, "
                           "which counts VMs that ran all along while their host went unheard",
    "ha_availability": "fraction of the run the HA VMs' guests ran, over the whole run (physical truth; "
                       "None without HA VMs)",
    "non_ha_availability": "fraction of the run the other VMs' guests ran (physical truth; None without such VMs)",
    "vms_paused": "VMs the portal showed Paused at some time",
    "vms_down_at_end": "VMs the portal shows Down at the end: lost with their host, or not restarted",
    "ha_vms_down_at_end": "HA VMs the portal shows Down at the end",
    "migrations": "migrations the engine started",
    "migrations_failed": "migrations that failed or were refused",
    "hosts_non_operational": "hosts that turned NonOperational",
    "hosts_non_responsive": "hosts that turned NonResponsive",
    "hosts_fenced": "fences that took a host down (power management, SSH or sanlock)",
}
"""The outcome columns of a sweep's rows and what each counts. The columns about statuses (Paused,
Down, NonOperational, ...) count what the portal showed; availability is the guests' truth."""


def outcomes(log: Sequence[ev.Record], scenario: Scenario) -> dict[str, object]:
    """What a run did to availability, read off its log (the scenario says which VMs are HA).

    Whether a VM ran is the physical truth (`analysis.availability`): its qemu process ran, booted
    and not paused; what the portal showed is a column of its own (`ha_vm_portal_down_s`)."""
    vms = availability(log, scenario)
    ha = [a for a in vms.values() if a.ha]
    others = [a for a in vms.values() if not a.ha]
    start = next((r.t for r in log if isinstance(r, ev.FaultInjected)), None)
    status = {vm.name: VmStatus.UP.value for vm in scenario.vms}
    paused: set[str] = set()
    counts = dict.fromkeys(("migrations", "migrations_failed", "hosts_fenced"), 0)
    non_operational: set[str] = set()
    non_responsive: set[str] = set()
    for r in log:
        if isinstance(r, ev.VmStatusChanged):
            status[r.vm] = r.new
            if r.new == VmStatus.PAUSED:
                paused.add(r.vm)
        elif isinstance(r, ev.MigrationStarted):
            counts["migrations"] += 1
        elif isinstance(r, ev.MigrationFailed):
            counts["migrations_failed"] += 1
        elif isinstance(r, ev.HostFenced):
            counts["hosts_fenced"] += 1
        elif isinstance(r, ev.HostStatusChanged):
            if r.new == HostStatus.NON_OPERATIONAL:
                non_operational.add(r.host)
            elif r.new == HostStatus.NON_RESPONSIVE:
                non_responsive.add(r.host)
    down = {vm for vm, s in status.items() if s == VmStatus.DOWN}
    ha_names = {a.vm for a in ha}
    if start is None:
        recovery: float | None = 0.0
    elif all(a.runs_at_end for a in ha):
        recovery = round(max((a.back_after(start) for a in ha), default=start) - start, 3)
    else:
        recovery = None
    after = start if start is not None else 0.0
    return {
        "ha_recovery_s": recovery,
        "ha_vm_down_s": round(sum(a.downtime_after(after) for a in ha), 3),
        "ha_vm_portal_down_s": round(sum(a.portal_downtime_after(after) for a in ha), 3),
        "ha_availability": _mean_availability(ha),
        "non_ha_availability": _mean_availability(others),
        "vms_paused": len(paused),
        "vms_down_at_end": len(down),
        "ha_vms_down_at_end": len(down & ha_names),
        "migrations": counts["migrations"],
        "migrations_failed": counts["migrations_failed"],
        "hosts_non_operational": len(non_operational),
        "hosts_non_responsive": len(non_responsive),
        "hosts_fenced": counts["hosts_fenced"],
    }


def _mean_availability(vms: Sequence[VmAvailability]) -> float | None:
    """The fraction of VM-time the guests ran (None: no such VM)."""
    span = sum(a.span_s for a in vms)
    return round(1.0 - sum(a.downtime_s for a in vms) / span, 9) if vms and span > 0 else None
