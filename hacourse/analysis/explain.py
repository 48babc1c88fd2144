""""Why did it do that?": the chain of decisions and timers that led to a VM's or a host's state.

Read off the log like everything else: the engine records each decision with its reasons
(`PlacementDecided`: the filter that removed each host and the weights of the rest;
`EvacuationPlanned`: the migration queue and its slots; `SpmElectionDecided`: who could take
the SPM role and why the others could not; `FenceChecksEvaluated`: the fencing policy's checks
and their values), beside the timers it started (the NIC grace, the storage-domain timer, the
non-responding grace). `explain_vm` and `explain_host` pick, in time order, the records that
bear on one VM or host up to a time; `explain_text` prints them as `hacourse explain` does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hacourse import events as ev
from hacourse.analysis import audit, intervals
from hacourse.model import Scenario


@dataclass(frozen=True)
class Step:
    """One link of the chain: when, what happened, and the reasons the engine recorded for it."""

    t: float
    what: str
    why: tuple[str, ...] = ()
    kind: str = ""


def _placement(r: ev.PlacementDecided) -> Step:
    why = [f"{host}: removed by the {name} filter ({detail})" for host, name, detail in r.filtered]
    why += [f"{host}: passed, weight = free memory {free:g} GiB" + (" (best)" if host == r.chosen else "")
            for host, free in r.weights]
    if r.unlisted:
        why.append(f"{r.unlisted} more hosts not listed (cluster larger than the explained size)")
    if r.chosen:
        what = f"Scheduler ({r.purpose}) chose {r.chosen} for {r.vm} ({r.memory_gb:g} GiB)"
    else:
        filters = sorted({name for _, name, _ in r.filtered if name != "Source"})
        what = (f"Scheduler ({r.purpose}) found no host for {r.vm} ({r.memory_gb:g} GiB): "
                f"every candidate removed by the {', '.join(filters) or 'Source'} filter")
    return Step(r.t, what, tuple(why), r.event)


def _evacuation(r: ev.EvacuationPlanned, vm: str | None = None) -> Step:
    if not r.order:
        return Step(r.t, f"{r.host}'s VMs stay: the cluster's resilience policy is {r.policy}", (), r.event)
    names = [name for name, _ in r.order]
    slots = (f"{r.slots} outgoing migration slots on {r.host} (max_outgoing_migrations): "
             f"the first {r.slots} copy at once, the others wait for a slot")
    why = ["order by VM priority, highest first: " + ", ".join(f"{n} ({p})" for n, p in r.order), slots]
    why += [f"{name} refused: {reason}" for name, reason in r.refused]
    if vm in names:
        place = names.index(vm) + 1
        slot = "gets a slot at once" if place <= r.slots else f"waits for one of the {r.slots} slots"
        why.insert(0, f"{vm} is number {place} of {len(names)} in the queue: it {slot}")
    return Step(r.t, f"Engine queued {len(names)} migrations off {r.host} ({r.reason}; policy {r.policy})",
                tuple(why), r.event)


def _election(r: ev.SpmElectionDecided) -> Step:
    why = [f"{host}: candidate, SPM priority {prio}" + (" (chosen)" if host == r.chosen else "")
           for host, prio in r.candidates]
    why += [f"{host}: excluded, {reason}" for host, reason in r.excluded]
    if r.lease_owner:
        why.append(f"SPM lease held by {r.lease_owner}: nobody can take it while sanlock there renews it")
    elif r.lease_free_at > r.t:
        why.append(f"SPM lease free only at {audit.clock(r.lease_free_at)} "
                   "(sanlock's host_dead_seconds after the old owner's last renewal)")
    top = max((prio for _, prio in r.candidates), default=None)
    tied = [host for host, prio in r.candidates if prio == top]
    if r.chosen and len(tied) > 1 and r.chosen in tied:
        what = (f"SPM election chose {r.chosen} at random among {', '.join(tied)}, tied at the highest SPM "
                f"priority ({top}): the engine orders equal priorities by RANDOM() (GetUpAndPrioritizedVds)")
    elif r.chosen:
        what = f"SPM election chose {r.chosen} (highest SPM priority among the candidates)"
    elif not r.candidates:
        what = "SPM election: no host can take the role"
    else:
        what = "SPM election waits for the SPM lease"
    return Step(r.t, what, tuple(why), r.event)


def _fence_checks(r: ev.FenceChecksEvaluated) -> Step:
    why = tuple(f"{check}: {value} -> {verdict}" for check, value, verdict in r.checks)
    return Step(r.t, f"Fencing checks on {r.host} {r.step}: {r.outcome}", why, r.event)


def _describe(r: ev.Record, vm: str | None = None) -> Step:
    if isinstance(r, ev.PlacementDecided):
        return _placement(r)
    if isinstance(r, ev.EvacuationPlanned):
        return _evacuation(r, vm)
    if isinstance(r, ev.SpmElectionDecided):
        return _election(r)
    if isinstance(r, ev.FenceChecksEvaluated):
        return _fence_checks(r)
    if isinstance(r, ev.HaRestartHeldBack):
        why = (f"they are still in the runner's list (launching or waiting for a try); {r.vm} runs when "
                     f"they are Up or after MaxTimeAutoStartBlockedOnPriority = {r.limit_s:g} s held back")
        return Step(r.t, f"HA restart of {r.vm} held back behind higher-priority {', '.join(r.behind)}",
                    (why,), r.event)
    if isinstance(r, ev.HostNicProblemDetected):
        grace = (f"grace NicDHCPDelayGraceInMS = {r.grace_s:g} s: Non Operational at the first refresh "
                 f"after {audit.clock(r.t + r.grace_s)} if the NIC is still down")
        return Step(r.t, f"Engine saw {r.nic} ({r.network}) down on {r.host} at a statistics refresh",
                    (grace,), r.event)
    if isinstance(r, ev.StorageDomainTimerStarted):
        return Step(r.t, f"Storage domain {r.domain} in problem: timer until {audit.clock(r.fires_at)}",
                    ("StorageDomainFailureTimeoutInMinutes: hosts still without it then turn Non Operational",),
                    r.event)
    return Step(r.t, audit.events_table([r])[0].message, (), r.event)


def _about_host(r: ev.Record, host: str) -> bool:
    """A record about the host (`Record.about`), a physical fact of the storage every host uses (an
    array failure), or an SPM election that weighed the host."""
    if r.about == "host":
        return r.to_dict()["host"] == host
    if r.sets is not None and r.sets[0].about == "storage_domain":
        return True
    if isinstance(r, ev.SpmElectionDecided):  # a selection that elects nobody holds every host back
        return (not r.candidates or host == r.chosen or any(h == host for h, _ in r.candidates)
                or any(h == host for h, _ in r.excluded))
    return False


def explain_host(log: Sequence[ev.Record], host: str, at: float | None = None) -> list[Step]:
    """What happened to `host` up to `at` and the engine's reasons: faults, timers, status, SPM, fencing."""
    at = intervals.end_of(log) if at is None else at
    steps = []
    problem = False  # storage-domain timers matter once the host reported the domain problematic
    for r in log:
        if r.t > at:
            break
        if isinstance(r, ev.StorageDomainReportedProblematic) and r.host == host:
            problem = True
        mine = _about_host(r, host) and not (isinstance(r, ev.HostStatusChanged) and _initial(r))
        if mine or (problem and r.about == "storage_domain"):  # the domain's timer and status, once it matters here
            steps.append(_describe(r))
    return steps


def explain_vm(log: Sequence[ev.Record], vm: str, at: float | None = None) -> list[Step]:
    """What happened to `vm` up to `at`, with the host events that moved it and the scheduler's reasons."""
    at = intervals.end_of(log) if at is None else at
    steps = []
    where = ""  # the host the engine shows the VM on
    for r in log:
        if r.t > at:
            break
        if isinstance(r, ev.VmStatusChanged) and r.vm == vm:
            if not _initial(r):
                steps.append(_describe(r))
            where = r.host if r.new != "Down" else ""
        elif isinstance(r, ev.EvacuationPlanned) and ((r.host == where and not r.order)
                                                      or any(name == vm for name, _ in r.order)):
            steps.append(_evacuation(r, vm))
        elif getattr(r, "vm", None) == vm:
            steps.append(_describe(r, vm))
        elif where and r.about == "host" and _moves_its_vms(r) and r.to_dict()["host"] == where:
            steps.append(_describe(r))
    return steps


def _moves_its_vms(r: ev.Record) -> bool:
    """A host's record that bears on its VMs: a fault, a physical fact that breaks (a NIC down, the
    power lost, any new one), or the engine's verdict on the host."""
    broke = r.sets is not None and not r.sets[1]
    return broke or isinstance(r, ev.FaultInjected | ev.HostNicProblemDetected | ev.HostStatusChanged
                                  | ev.HostFenced | ev.FencingSkipped)


def _initial(r: ev.Record) -> bool:
    """The records that set the state at t=0 are the starting point, not a step."""
    return getattr(r, "reason", None) == "initial state"


def state_line(log: Sequence[ev.Record], scenario: Scenario | None, at: float, vm: str | None = None,
               host: str | None = None) -> str:
    """The state the chain leads to, in one line: of `vm` if given, else of `host`."""
    if vm is not None:
        state = intervals.vm_state_at(log, vm, at, scenario)
        if state is None:
            return f"{vm}: not in this run"
        place = f" on {state.host}" if state.status != "Down" else ""
        return f"{vm} at {audit.clock(at)}: {state.status}{place}"
    if host is None:
        raise ValueError("state_line: name a vm or a host")
    status = intervals.host_status_at(log, host, at, scenario)
    spm = " (SPM)" if intervals.spm_holder(log, at, scenario) == host else ""
    return f"{host} at {audit.clock(at)}: {status}{spm}"


def explain_text(steps: Sequence[Step], headline: str) -> str:
    """The chain as `hacourse explain` prints it: the state, then each step with its reasons indented."""
    lines = [headline, ""]
    for s in steps:
        lines.append(f"{audit.clock(s.t):>6}  {s.what}")
        lines += [f"{'':8}- {why}" for why in s.why]
    if not steps:
        lines.append("(nothing happened to it)")
    return "\n".join(lines)
