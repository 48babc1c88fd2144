"""Every transient state ends: a host is not Connecting, Initializing, Reboot or Kdumping for ever, a VM not
WaitForLaunch or MigratingFrom for ever, and a NonResponsive host's fencing comes to an outcome.

Each bound is the reference's own timer plus a poll or two ([E3.3.0] VdsManager.handleNetworkException,
InitVdsOnUpCommand, FenceVdsBaseCommand.waitForStatus, [E] VdsCommand.sleepOnReboot,
VdsNotRespondingTreatmentCommand). A state still open when the run ends is judged at `until`.
"""

from __future__ import annotations

from collections.abc import Sequence

from hacourse import events as ev
from hacourse import rules
from hacourse.invariants.world import Violation, overdue
from hacourse.model import Scenario, Vm
from hacourse.profiles import EngineConfig
from hacourse.status import FenceMethod
from hacourse.status import HostStatus as H
from hacourse.status import VmStatus as V


def host_bounds_s(config: EngineConfig, n_vms: int) -> dict[str, float]:
    """How long each transient host status may last, at most."""
    poll = float(config.VdsRefreshRate)
    grace = (config.TimeoutToResetVdsInSeconds + config.DelayResetForSpmInSeconds
             + config.DelayResetPerVmInSeconds * n_vms)
    reboot = 2 * rules.FENCE_FIRST_STATUS_CHECK_S + float(config.ServerRebootTimeout or 0)
    reboot += 2 * poll
    # an admin's reboot from the shell stays Reboot until the OS has booted and VDSM answers
    reboot = max(reboot, float(config.host_boot_s) + 30 + 2 * poll)
    bounds: dict[str, float] = {
        H.CONNECTING: grace + (config.VDSAttemptsToResetCount + 2) * poll,
        H.INITIALIZING: 2 * poll,
        H.REBOOT: reboot,
    }
    if config.KDUMP_FINISHED_TIMEOUT is not None:  # 3.5+: Kdumping lasts the dump, the listener's timeout, a read
        bounds[H.KDUMPING] = (config.kdump_s + config.KDUMP_FINISHED_TIMEOUT
                              + 2 * float(config.FenceKdumpMessageInterval or 0))
    return bounds


def migration_bound_s(vm: Vm, config: EngineConfig) -> float:
    """How long one migration of `vm` may hold it in MigratingFrom once it has its slots: setup,
    the pre-copy until VDSM aborts it, the last round and the switch-over, and hanging writes
    failing first (`rules.eio_after_s`). VDSM 4.40+ has no timer: the convergence schedule aborts
    after a number of iterations (`migration.max_iterations`), and no round copies more than the
    memory; VDSM 4.13 aborts only after `migration_timeout` without progress, so while each round
    copies less than the last (dirty rate below the bandwidth) the rounds add up to at most the
    geometric series of the first ([V4.13] vm.py MigrationMonitorThread, [V4.50] migration.py)."""
    bw = float(config.migration_max_bandwidth)
    first_round = vm.memory_gb * 1024 / bw
    if config.migration_timeout is None:  # 4.40+: at most the schedule's iterations, each at most the memory
        precopy = rules.PRE_COPY_ITERATIONS_4X[config.migration_convergence] * first_round
    elif vm.dirty_rate_mib_s < bw:  # progress at every round: the rounds shrink geometrically
        precopy = first_round / (1 - vm.dirty_rate_mib_s / bw)
    else:  # no progress after the first round: aborted migration_timeout later
        precopy = 2 * first_round + float(config.migration_timeout)
    return rules.MIGRATION_SETUP_S + precopy + first_round + 1.0 + rules.eio_after_s(config)


def migrating_bound_s(scenario: Scenario) -> float:
    """How long a VM may stay MigratingFrom: its own migration after every other VM's, one after
    another. The slots (`rules.outgoing_slots`, `incoming_slots`) let several run at once; the
    bound takes the worst order, so it holds whatever the slots and the evacuation order."""
    config = scenario.config()
    return sum(migration_bound_s(vm, config) for vm in scenario.vms) + 2 * config.VdsRefreshRate


def fence_bound_s(config: EngineConfig) -> float:
    """From NonResponsive to the treatment's outcome (a fence or a skip): soft fencing's wait, the
    lease-alive check, the power fence's first status check."""
    return (config.TimeoutToResetVdsInSeconds + config.ssh_connect_timeout_s
            + (config.HostStorageLeaseAliveCheckingInterval or 0) + rules.FENCE_FIRST_STATUS_CHECK_S
            + 2 * config.VdsRefreshRate)


def check_liveness(log: Sequence[ev.Record], scenario: Scenario, until: float) -> list[Violation]:
    """No transient status outlives its bound (`host_bounds_s`, `VM_BOOT_S` for WaitForLaunch,
    `migrating_bound_s` for MigratingFrom), and
    the fencing of a NonResponsive host reaches an outcome within `fence_bound_s`."""
    config = scenario.config()
    bounds = host_bounds_s(config, len(scenario.vms))
    fence_bound = fence_bound_s(config)
    vm_bounds: dict[str, float] = {V.WAIT_FOR_LAUNCH: rules.VM_BOOT_S + config.VdsRefreshRate, V.MIGRATING_FROM: migrating_bound_s(scenario)}
    out: list[Violation] = []
    since: dict[tuple[str, str], float] = {}  # (subject, status) -> when it began
    treated: dict[str, float] = {}  # NonResponsive hosts without a fencing outcome yet -> since

    def judge(now: float, strict: bool) -> None:
        for (subject, status), start in list(since.items()):
            bound = vm_bounds[status] if subject.startswith("vm:") else bounds[status]
            if overdue(start + bound, now, strict):
                out.append(Violation(start + bound, "liveness", f"{subject[subject.index(':') + 1:]} is still "
                                     f"{status} {bound:g} s after it began at {start:g} s"))
                del since[(subject, status)]
        for host, start in list(treated.items()):
            if overdue(start + fence_bound, now, strict):
                out.append(Violation(start + fence_bound, "liveness", f"the fencing of {host}, NonResponsive "
                                     f"since {start:g} s, reached no outcome within {fence_bound:g} s"))
                del treated[host]

    for r in log:
        judge(r.t, strict=True)
        if isinstance(r, ev.HostStatusChanged):
            since.pop((f"host:{r.host}", r.old), None)
            if r.new in bounds:
                since[(f"host:{r.host}", r.new)] = r.t
            if r.new == H.NON_RESPONSIVE and r.old not in (H.REBOOT, H.KDUMPING):  # the fence flow's own end
                treated[r.host] = r.t
            elif r.new != H.NON_RESPONSIVE:
                treated.pop(r.host, None)
        elif isinstance(r, ev.HostFenced | ev.FencingSkipped) or (
                isinstance(r, ev.FenceAttempted) and r.method == FenceMethod.POWER_MANAGEMENT):
            treated.pop(r.host, None)  # fenced, skipped, or a power fence that failed (the agent did not answer)
        elif isinstance(r, ev.VmStatusChanged):
            since.pop((f"vm:{r.vm}", r.old), None)
            if r.new in vm_bounds:
                since[(f"vm:{r.vm}", r.new)] = r.t
    judge(until, strict=True)  # the run never processed `until` (world.overdue)
    return out
