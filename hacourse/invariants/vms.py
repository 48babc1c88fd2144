"""Where a VM runs and whether it runs: one qemu process at a time, a pause once its writes fail,
a resume only with storage back."""

from __future__ import annotations

from collections.abc import Sequence

from hacourse import events as ev
from hacourse import rules
from hacourse.invariants.world import RUNNING, Violation, World, instants, overdue
from hacourse.model import Scenario
from hacourse.physical import QemuProcesses
from hacourse.status import VmStatus as V


def check_single_owner(log: Sequence[ev.Record], scenario: Scenario, until: float) -> list[Violation]:
    """A VM's qemu process lives on at most one host at any instant (split brain corrupts its disks).

    A process starts where a VM leaves Down (its first record, a restart); it ends when its host
    loses power, when a finished migration hands the VM over (the handover must leave exactly the
    destination), or when the VM goes Down. A Down while the engine cannot hear the host
    (Connecting, NonResponsive) and the host still has power is only the engine's belief (its
    process may still run), unless the host lost storage and the VM dies of it there: VDSM kills
    it (resume behaviour `kill`) or sanlock does (a VM lease)."""
    out: list[Violation] = []
    world = World(scenario)
    processes = QemuProcesses(scenario, world.physical)
    procs = processes.hosts
    reported: set[str] = set()
    for t, group in instants(log):
        handovers = [r for r in group if isinstance(r, ev.MigrationFinished)]
        touched = {r.vm for r in group if isinstance(r, ev.VmStatusChanged | ev.MigrationFinished)}
        for r in group:
            if isinstance(r, ev.HostPoweredOff):
                touched.update(processes.on_host(r.host))
            processes.apply(r)
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
    eio, poll = float(rules.eio_after_s(config)), float(config.VdsRefreshRate)
    writers = {v.name for v in scenario.vms if v.writes}
    world = World(scenario)
    arrived: dict[str, float] = dict.fromkeys(writers, 0.0)
    heard_since: dict[str, float | None] = {h.name: 0.0 for h in scenario.hosts}  # None: cannot hear it
    reported: set[tuple[str, str, float]] = set()

    def judge(now: float, strict: bool) -> None:
        suspects = sorted((vm, host) for host in world.physical.no_storage_since
                          for vm in world.vms_on[host] & writers)
        for vm, host in suspects:
            since, heard = world.physical.no_storage_since[host], heard_since[host]
            if (world.vm_status[vm] not in RUNNING or vm in world.crashed or heard is None
                    or (vm, host, since) in reported):
                continue
            due = max(since + eio, arrived[vm], heard) + poll
            if overdue(due, now, strict):
                reported.add((vm, host, since))
                out.append(Violation(due, "writes-pause", f"VM {vm} writes and is {world.vm_status[vm]} on "
                                     f"{host}, which lost storage at {since:g} s; its writes failed at "
                                     f"{due - poll:g} s, so it must be Paused"))

    for t, group in instants(log):
        judge(t, strict=True)
        for r in group:
            if isinstance(r, ev.VmStatusChanged) and r.vm in writers and (
                    r.host != world.vm_host[r.vm] or r.old in (V.DOWN, V.WAIT_FOR_LAUNCH)):
                arrived[r.vm] = t  # migrated, or started here: it writes once the guest runs (Up)
            world.apply(r)
        for host in {getattr(r, "host", "") for r in group} & heard_since.keys():
            if not world.hears(host):
                heard_since[host] = None
            elif heard_since[host] is None:
                heard_since[host] = t
        judge(t, strict=False)
    judge(until, strict=True)  # the run never processed `until` (world.overdue)
    return out


def check_resume_with_storage(log: Sequence[ev.Record], scenario: Scenario, until: float) -> list[Violation]:
    """A paused VM resumes on its own host only once that host reaches storage (VDSM contEIOVms).

    The engine may report a resume late (it could not hear the host), so a resume is wrong only if
    the host has not reached storage at any time since the VM was shown paused."""
    out: list[Violation] = []
    world = World(scenario)
    paused_at: dict[str, float] = {}
    for r in log:
        if isinstance(r, ev.VmStatusChanged) and r.new == V.PAUSED:
            paused_at[r.vm] = r.t
        elif (isinstance(r, ev.VmStatusChanged) and r.old == V.PAUSED and r.new == V.UP
                and r.host == world.vm_host[r.vm]
                and world.physical.no_storage_since.get(r.host, r.t + 1) <= paused_at.get(r.vm, -1.0)):
            out.append(Violation(r.t, "resume-storage", f"VM {r.vm} resumed on {r.host}, which has not "
                                 f"reached storage since before it paused"))
        world.apply(r)
    return out
