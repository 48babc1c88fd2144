"""The log is well formed: time runs forward, each change starts where the last one left, migrations
come in order and within VDSM's slots."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from hacourse import events as ev
from hacourse import rules
from hacourse.invariants.world import Violation, World
from hacourse.model import Scenario
from hacourse.status import VmStatus as V


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
    world = World(scenario)
    host_status, vm_status, vm_host = world.host_status, world.vm_status, world.vm_host
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
        elif isinstance(r, ev.VmStatusChanged):
            if r.old != vm_status[r.vm]:
                bad = f"VM {r.vm}: {r.old} -> {r.new}, but its status was {vm_status[r.vm]}"
            elif (vm_host[r.vm] and r.host != vm_host[r.vm] and r.new != V.WAIT_FOR_LAUNCH
                  and landed.get(r.vm) != r.host):
                bad = f"VM {r.vm} shows on {r.host} but ran on {vm_host[r.vm]}, with no migration or restart"
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
        world.apply(r)
        if bad:
            out.append(Violation(r.t, "well-formed", bad))
    return out
