"""Who was in which state when, read off the event log: the lanes of the timeline.

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

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from hacourse import events as ev
from hacourse.model import Scenario
from hacourse.physical import PhysicalState
from hacourse.status import HostStatus, Reason, VmStatus


def end_of(log: Sequence[ev.Record]) -> float:
    """The time of the last record: how far a finished log reaches."""
    return log[-1].t if log else 0.0


def start_of(log: Sequence[ev.Record]) -> float:
    return log[0].t if log else 0.0


def upto(log: Iterable[ev.Record], until: float | None) -> Iterable[ev.Record]:
    """The records logged at or before `until` (all of them when it is None)."""
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


class MigrationOutcome(StrEnum):
    """How a migration ended (`MigrationSpan.outcome`)."""

    FINISHED = "finished"
    FAILED = "failed"
    RUNNING = "running"  # still under way at the end of the log
    REFUSED = "refused"  # the engine's validation rejected it before it began


@dataclass(frozen=True)
class MigrationSpan:
    """One migration, from the engine's command to its end.

    `requested` is when the engine sent it (the VM shows MigratingFrom), `transfer_start` when
    VDSM on the source got a slot and began copying memory: the gap between the two is the
    wait for `max_outgoing_migrations`. `outcome` is a `MigrationOutcome`; `refused` is a migration
    the engine's validation rejected before it began (a paused VM in 3.3).
    """

    order: int  # 1 for the first migration the engine requested
    vm: str
    source: str
    destination: str
    requested: float
    transfer_start: float | None
    end: float
    outcome: MigrationOutcome
    reason: str
    downtime_ms: int | None = None

    @property
    def refused_or_failed(self) -> bool:
        return self.outcome in (MigrationOutcome.REFUSED, MigrationOutcome.FAILED)

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
    for r in upto(log, until):
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
    for r in upto(log, until):
        if isinstance(r, ev.SpmStarted):
            lanes.set(r.host, r.t, ())
        elif isinstance(r, ev.SpmStopped):
            lanes.stop(r.host, r.t)
    spans = [SpmInterval(h, s, e) for h, ss in lanes.finish(until).items() for s, e, _ in ss]
    return sorted(spans, key=lambda span: (span.start, span.host))


def spm_holder(log: Sequence[ev.Record], t: float, scenario: Scenario | None = None) -> str | None:
    """Who holds the SPM role at `t`, an SpmStarted or SpmStopped at `t` included (None: no SPM)."""
    holders = [scenario.spm] if scenario is not None and scenario.spm else []
    for r in upto(log, t):
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
    for r in upto(log, until):
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


def migration_spans(log: Sequence[ev.Record], until: float | None = None) -> list[MigrationSpan]:
    """Every migration in the order the engine requested them; a running one ends at `until`."""
    until = end_of(log) if until is None else until
    opened: dict[str, dict] = {}
    done: list[MigrationSpan] = []
    count = 0
    for r in upto(log, until):
        if isinstance(r, ev.MigrationStarted):
            count += 1
            opened[r.vm] = {
                "order": count, "vm": r.vm, "source": r.source, "destination": r.destination,
                "requested": r.t, "transfer_start": None, "reason": r.reason,
            }
        elif isinstance(r, ev.MigrationTransferStarted) and r.vm in opened:
            opened[r.vm]["transfer_start"] = r.t
        elif isinstance(r, ev.MigrationFinished) and r.vm in opened:
            done.append(MigrationSpan(**opened.pop(r.vm), end=r.t, outcome=MigrationOutcome.FINISHED,
                                      downtime_ms=r.downtime_ms))
        elif isinstance(r, ev.MigrationFailed) and r.vm in opened:
            span = opened.pop(r.vm)
            span["reason"] = r.reason
            done.append(MigrationSpan(**span, end=r.t, outcome=MigrationOutcome.FAILED))
        elif isinstance(r, ev.MigrationFailed):
            count += 1
            done.append(MigrationSpan(count, r.vm, r.source, r.destination, r.t, None, r.t, MigrationOutcome.REFUSED, r.reason))
    done.extend(MigrationSpan(**span, end=until, outcome=MigrationOutcome.RUNNING) for span in opened.values())
    return sorted(done, key=lambda m: m.order)


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
    for r in upto(log, until):
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


def injected_faults(log: Sequence[ev.Record], until: float | None = None) -> list[ev.FaultInjected]:
    return [r for r in upto(log, until) if isinstance(r, ev.FaultInjected)]


def final_vm_status(log: Sequence[ev.Record], scenario: Scenario) -> dict[str, str]:
    """`{vm: status}` after the last record (a VM the log never changed is Up where it started)."""
    final = {vm.name: VmStatus.UP.value for vm in scenario.vms}
    final.update({r.vm: r.new for r in log if isinstance(r, ev.VmStatusChanged)})
    return final
