"""Availability per VM: when its guest really ran, and beside it what the portal showed.

The physical truth: a VM is available while its qemu process runs (`physical.QemuProcesses`), its
guest has booted (it left WaitForLaunch) and it is not paused. The portal's view is a separate
figure: the time the engine showed the VM Up or MigratingFrom. The two part when the engine
cannot hear a host: a VM the engine shows Unknown for minutes may have run the whole time, and
a VM it still shows Up may have died with its host's power.

A pause is read off the log twice over: the engine's Paused, when VDSM's report reached it, and,
while the engine cannot hear the host, the writes that hung (`VmIoBlocked`) failing `eio_after_s`
after the host lost storage (`StorageConnectionLost`), as QEMU's error policy pauses the guest.
Such an unreported pause ends when the host reaches storage again for a VM that resumes by itself
(VDSM's contEIOVms; the model's next domain check, at most `sd_health_check_delay` later, is not
in the log) and lasts until its process ends otherwise (left paused, or killed while paused).
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import groupby

from hacourse import events as ev
from hacourse import rules
from hacourse.model import Scenario
from hacourse.physical import PhysicalState, QemuProcesses
from hacourse.status import VmStatus

Span = tuple[float, float]
SHOWN_RUNNING = frozenset({VmStatus.UP, VmStatus.MIGRATING_FROM})
"""The statuses in which the portal shows a VM running."""
CLASSES = {"ha": "HA", "non_ha": "non-HA"}
"""The classes availability is reported for, by key, in words."""


@dataclass(frozen=True)
class VmAvailability:
    """One VM over `[start, end]`: when its guest ran (`running`), when the portal showed it running
    (`shown_running`), both as sorted, disjoint spans inside the window."""

    vm: str
    ha: bool
    start: float
    end: float
    running: tuple[Span, ...]
    shown_running: tuple[Span, ...]

    @property
    def span_s(self) -> float:
        return self.end - self.start

    @property
    def downtime_s(self) -> float:
        """Seconds its guest did not run (no process, booting, or paused)."""
        return self.span_s - _total(self.running)

    @property
    def availability(self) -> float:
        return 1.0 - self.downtime_s / self.span_s if self.span_s > 0 else 1.0

    @property
    def portal_downtime_s(self) -> float:
        """Seconds the portal did not show it Up or MigratingFrom (Unknown, Paused, Down, ...)."""
        return self.span_s - _total(self.shown_running)

    @property
    def portal_availability(self) -> float:
        return 1.0 - self.portal_downtime_s / self.span_s if self.span_s > 0 else 1.0

    def down_spans(self) -> tuple[Span, ...]:
        """The spans of the window in which its guest did not run."""
        return _gaps(self.running, self.start, self.end)

    def downtime_between(self, a: float, b: float) -> float:
        """Seconds its guest did not run within `[a, b]`."""
        return sum((max(0.0, min(e, b) - max(s, a)) for s, e in self.down_spans()), 0.0)

    def downtime_after(self, t: float) -> float:
        """Seconds its guest did not run from `t` to the end of the window."""
        return sum((max(0.0, b - max(a, t)) for a, b in self.down_spans()), 0.0)

    def portal_downtime_after(self, t: float) -> float:
        """Seconds from `t` to the end the portal did not show it running."""
        return sum((max(0.0, b - max(a, t)) for a, b in _gaps(self.shown_running, self.start, self.end)), 0.0)

    @property
    def runs_at_end(self) -> bool:
        return bool(self.running) and self.running[-1][1] >= self.end

    def back_after(self, t: float) -> float:
        """When its guest last started running again after a stop at or after `t` (`t` when it did
        not stop); meaningful when it `runs_at_end`."""
        return max((b for a, b in self.down_spans() if b > t and b < self.end), default=t)


def _total(spans: Iterable[Span]) -> float:
    return sum(b - a for a, b in spans)


def _gaps(spans: Sequence[Span], start: float, end: float) -> tuple[Span, ...]:
    out, at = [], start
    for a, b in spans:
        if a > at:
            out.append((at, a))
        at = max(at, b)
    if end > at:
        out.append((at, end))
    return tuple(out)


class _Guests:
    """Replays the log: per VM, the hosts where its guest executes (process there, booted, not paused)."""

    def __init__(self, scenario: Scenario) -> None:
        config = scenario.config()
        self.physical = PhysicalState(scenario)
        self.processes = QemuProcesses(scenario, self.physical)
        self.behavior = {v.name: rules.resume_behavior(v, config) for v in scenario.vms}
        self.kill_after = rules.kill_paused_timeout_s(config)
        self.booting: set[tuple[str, str]] = set()
        self.paused: dict[tuple[str, str], float] = {}  # (vm, host) -> paused since
        self.reported: set[tuple[str, str]] = set()  # pauses the engine showed (it ends them by a record)
        self.blocked: dict[str, set[str]] = defaultdict(set)  # host -> VMs whose writes hang there
        self.lost_at: dict[str, float] = {}  # host without its storage session -> when its hung writes fail
        self.pending: list[tuple[float, str, str]] = []  # (due, vm, host): hung writes fail with EIO
        self.located: dict[str, set[str]] = defaultdict(set)  # host -> VMs whose process runs there
        self.where: dict[str, set[str]] = defaultdict(set)  # the inverse: VM -> hosts

    def running(self, vm: str) -> bool:
        return any((vm, h) not in self.booting and (vm, h) not in self.paused for h in self.processes.hosts[vm])

    def fire_pauses(self, until: float) -> list[tuple[float, str]]:
        """The hung writes that fail before `until`: (when, VM) for each pause that happens."""
        out = []
        while self.pending and self.pending[0][0] < until:
            due, vm, host = heapq.heappop(self.pending)
            if vm in self.blocked[host] and host in self.processes.hosts[vm] and host in self.lost_at:
                self.blocked[host].discard(vm)
                self.paused.setdefault((vm, host), due)
                out.append((due, vm))
        return out

    def apply(self, r: ev.Record) -> set[str]:
        """Apply one record; the VMs it may have changed."""
        touched: set[str] = set()
        if isinstance(r, ev.VmStatusChanged):
            touched.add(r.vm)
            self._status(r)
        elif isinstance(r, ev.MigrationFinished | ev.VmProcessDied):
            touched.add(r.vm)
        elif isinstance(r, ev.HostPoweredOff):
            touched |= self.located[r.host]
        elif isinstance(r, ev.StorageConnectionLost):
            self.lost_at[r.host] = r.t + r.eio_after_s
        elif isinstance(r, ev.VmIoBlocked) and r.host in self.lost_at:
            self.blocked[r.host].add(r.vm)
            heapq.heappush(self.pending, (self.lost_at[r.host], r.vm, r.host))
        elif isinstance(r, ev.StorageConnectionRestored):
            touched |= self._storage_back(r.host, r.t)
        self.processes.apply(r)
        self.physical.apply(r)
        for vm in touched:
            self._relocate(vm)
        return touched

    def _status(self, r: ev.VmStatusChanged) -> None:
        key = (r.vm, r.host)
        if r.new == VmStatus.WAIT_FOR_LAUNCH:
            self.booting.add(key)
        elif r.new != VmStatus.UNKNOWN:
            self.booting.discard(key)
        if r.new == VmStatus.PAUSED:
            self.paused.setdefault(key, r.t)
            self.reported.add(key)
        elif r.new in (VmStatus.UP, VmStatus.DOWN, VmStatus.WAIT_FOR_LAUNCH):
            self._resume(key)

    def _resume(self, key: tuple[str, str]) -> None:
        self.paused.pop(key, None)
        self.reported.discard(key)

    def _storage_back(self, host: str, t: float) -> set[str]:
        """The host reaches storage again: hung writes complete; a pause the engine did not report
        ends for a VM that resumes by itself (a reported one ends with the engine's record)."""
        self.lost_at.pop(host, None)
        self.blocked[host].clear()
        out = set()
        for (vm, on), since in list(self.paused.items()):
            if on != host or (vm, on) in self.reported:
                continue
            behavior = self.behavior.get(vm, "auto_resume")
            if behavior == "auto_resume" or (behavior == "kill" and t - since <= self.kill_after):
                self._resume((vm, on))
                out.add(vm)
        return out

    def _relocate(self, vm: str) -> None:
        hosts = self.processes.hosts[vm]
        for host in self.where[vm] - hosts:
            self.located[host].discard(vm)
        for host in hosts - self.where[vm]:
            self.located[host].add(vm)
        self.where[vm] = set(hosts)
        for key in [k for k in self.paused if k[0] == vm and k[1] not in hosts]:
            self._resume(key)


def availability(log: Sequence[ev.Record], scenario: Scenario, start: float = 0.0,
                 end: float | None = None) -> dict[str, VmAvailability]:
    """Every VM of the scenario over `[start, end]` (default: the whole run, to the scenario's
    duration or the last record), its guest's truth and the portal's view side by side."""
    if end is None:
        end = max(scenario.duration, log[-1].t if log else 0.0)
    guests = _Guests(scenario)
    ha = {v.name: v.ha for v in scenario.vms}
    running: dict[str, bool] = dict.fromkeys(ha, False)
    shown: dict[str, bool] = dict.fromkeys(ha, False)
    run_marks: dict[str, list[float]] = defaultdict(list)  # toggles of `running`, in time order
    shown_marks: dict[str, list[float]] = defaultdict(list)

    def settle(vm: str, t: float) -> None:
        now = guests.running(vm)
        if now != running.get(vm, False):
            running[vm] = now
            run_marks[vm].append(t)

    for t, group in groupby(log, key=lambda r: r.t):
        for due, vm in guests.fire_pauses(t):
            settle(vm, due)
        touched: set[str] = set()
        for r in group:
            touched |= guests.apply(r)
            if isinstance(r, ev.VmStatusChanged) and (r.new in SHOWN_RUNNING) != shown.get(r.vm, False):
                shown[r.vm] = not shown.get(r.vm, False)
                shown_marks[r.vm].append(t)
        for vm in sorted(touched):
            settle(vm, t)
    for due, vm in guests.fire_pauses(end):
        settle(vm, due)
    return {vm: VmAvailability(vm, ha[vm], start, end, _spans(run_marks[vm], start, end),
                               _spans(shown_marks[vm], start, end)) for vm in ha}


def _spans(marks: Sequence[float], start: float, end: float) -> tuple[Span, ...]:
    """Toggle times (on, off, on, ...) as spans clipped to `[start, end]`, empty ones left out."""
    out = []
    for i in range(0, len(marks), 2):
        a = max(marks[i], start)
        b = min(marks[i + 1] if i + 1 < len(marks) else end, end)
        if b > a:
            out.append((a, b))
    return tuple(out)
