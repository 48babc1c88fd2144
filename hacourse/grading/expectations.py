"""Expected outcomes beside a scenario, checked against the run's event log (`hacourse check`).

An instructor says what must happen the way they would say it in class: "Pacific turns
NonOperational 60 to 90 s after the ifdown", "db1 starts migrating before web1", "the SPM never
leaves Atlantic". Each entry of the scenario's `expect:` list is one such sentence, as data:

    expect:
      - {host: pacific, becomes: NonOperational, between: [60, 90], after: {fault: 0}}
      - {vm: db1, starts_migrating_before: web1}
      - {spm: atlantic, always: true}
      - {vm: db1, ends: Up, on: atlantic}
      - {never: HostFenced}
      - {vm: db1, paused: true}
      - {vm: db1, becomes: WaitForLaunch, before: {vm: mail1, becomes: WaitForLaunch}}
      - {host: pacific, becomes: Unassigned, times: 2}

An entry names what it is about (`host`, `vm`, `spm`, or a record kind under `event`/`never`) and
one thing that must hold of it. Time windows tolerate timing, which the seed moves by a poll or
two; orders and final states do not depend on it. Each entry becomes a `Verdict` that says in
one line what the log showed, so a failed check reads as an explanation, not a diff.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from hacourse import events as ev
from hacourse.actions import fault_label
from hacourse.analysis.audit import clock, events_table
from hacourse.analysis.intervals import end_of, spm_holder
from hacourse.model import Scenario
from hacourse.scenario.expect import COMMON_KEYS, COUNT_KEYS, EVENT_KEYS, PREDICATES, record_fields, written


@dataclass(frozen=True)
class Window:
    """`between: [lo, hi]` seconds after `after` (a fault of the scenario) or after the start."""

    lo: float | None = None
    hi: float | None = None
    fault: int | None = None

    def origin(self, scenario: Scenario) -> tuple[float, str]:
        if self.fault is None:
            return 0.0, "the start"
        f = scenario.faults[self.fault]
        return f.at, f"fault {self.fault} ({fault_label(f)} at {f.at:g} s)"

    def holds(self, t: float, scenario: Scenario) -> bool:
        start, _ = self.origin(scenario)
        lo = -float("inf") if self.lo is None else self.lo
        hi = float("inf") if self.hi is None else self.hi
        return t >= start and lo <= t - start <= hi

    def wanted(self) -> str:
        if self.lo is None:
            return ""
        return f"expected {self.lo:g}-{self.hi:g} s after {'it' if self.fault is not None else 'the start'}"


@dataclass(frozen=True)
class Verdict:
    """One expectation judged against one run: held or not, and what the log showed."""

    index: int
    written: str  # the entry as the instructor wrote it, in YAML flow style
    passed: bool
    seen: str
    why: str = ""
    measured: float | None = None  # seconds after the entry's reference (its fault, or the start), when timed
    count: int | None = None  # with times/at_least: how many times it happened (in its window)

    def __str__(self) -> str:
        text = f"{'ok  ' if self.passed else 'FAIL'}  expect[{self.index}] {self.written}\n        {self.seen}"
        if self.why and not self.passed:
            text += f"\n        why it matters: {self.why}"
        return text


class Seen(NamedTuple):
    """What a judge read off the log: held or not, in words, and (for an entry about when
    something happens) how many seconds after its reference it happened, held or not, so that
    `hacourse check --seeds` can show the spread a window must tolerate."""

    passed: bool
    text: str
    measured: float | None = None
    hits: int | None = None  # with times/at_least: how many times it happened (a tuple has count())


Judged = tuple[bool, str] | Seen
"""A judge's answer: held or not and in words, or a `Seen` that also says when."""
Judge = Callable[[Sequence[ev.Record], Scenario], Judged]


@dataclass(frozen=True)
class Expectation:
    index: int
    written: str
    judge: Judge
    why: str = ""

    def evaluate(self, log: Sequence[ev.Record], scenario: Scenario) -> Verdict:
        passed, seen, measured, count = Seen(*self.judge(log, scenario))
        return Verdict(self.index, self.written, passed, seen, self.why, measured, count)


# ---- reading the log -----------------------------------------------------------------------

def _at(t: float) -> str:
    return f"{round(t, 1):g} s ({clock(t)})"


def _changes(log: Sequence[ev.Record], subject: str, name: str) -> list:
    """The status changes of one host or VM after the initial state, in log order."""
    kind, field = (ev.HostStatusChanged, "host") if subject == "host" else (ev.VmStatusChanged, "vm")
    return [r for r in log if isinstance(r, kind) and getattr(r, field) == name and not ev.is_initial(r)]


def _where(r: ev.Record) -> str:
    return f" on {r.host}" if isinstance(r, ev.VmStatusChanged) else ""


def _path(changes: list, first: str) -> str:
    steps = [first] + [f"{r.new}{_where(r)} at {clock(r.t)}" for r in changes]
    return " -> ".join(steps[:12]) + (" -> ..." if len(steps) > 12 else "")


def _initial(scenario: Scenario, subject: str, name: str) -> str:
    if subject == "host":
        return "Up"
    vm = next((v for v in scenario.vms if v.name == name), None)
    return f"Up on {vm.host}" if vm else "Up"


def _becomes(subject: str, name: str, status: str, on: str | None, window: Window) -> Judge:
    def judge(log: Sequence[ev.Record], scenario: Scenario) -> Judged:
        changes = _changes(log, subject, name)
        start, origin = window.origin(scenario)
        hits = [r for r in changes if r.new == status and (on is None or r.host == on) and r.t >= start]
        what = f"{status} on {on}" if on else status
        since = f" after {origin}" if window.fault is not None else ""
        if not hits:
            path = _path(changes, _initial(scenario, subject, name))
            wanted = f"; {window.wanted()}" if window.lo is not None else ""
            return False, f"{name} never became {what}{since}{wanted}; it went {path}"
        first = hits[0]
        text = f"{name} became {what} at {_at(first.t)}"
        if window.fault is not None:
            text += f", {first.t - start:g} s after {origin}"
        if window.lo is not None:
            text += f"; {window.wanted()}"
        return Seen(window.holds(first.t, scenario), text + f" ({first.reason})", first.t - start)
    return judge


def _never_becomes(subject: str, name: str, status: str) -> Judge:
    def judge(log: Sequence[ev.Record], scenario: Scenario) -> tuple[bool, str]:
        changes = _changes(log, subject, name)
        hits = [r for r in changes if r.new == status]
        if hits:
            return False, f"{name} became {status}{_where(hits[0])} at {_at(hits[0].t)} ({hits[0].reason})"
        return True, f"{name} never became {status}; it went {_path(changes, _initial(scenario, subject, name))}"
    return judge


def _ends(subject: str, name: str, status: str, on: str | None) -> Judge:
    def judge(log: Sequence[ev.Record], scenario: Scenario) -> tuple[bool, str]:
        changes = _changes(log, subject, name)
        if changes:
            last = changes[-1]
            now, host, since = last.new, getattr(last, "host", None), f" (since {_at(last.t)}: {last.reason})"
        else:
            now, host, since = "Up", next((v.host for v in scenario.vms if v.name == name), None), " throughout"
        where = f" on {host}" if subject == "vm" else ""
        wanted = f"{status} on {on}" if on else status
        passed = now == status and (on is None or host == on)
        return passed, f"{name} ended {now}{where}{since}" + ("" if passed else f"; expected {wanted}")
    return judge


def _always(name: str, status: str) -> Judge:
    def judge(log: Sequence[ev.Record], scenario: Scenario) -> tuple[bool, str]:
        leaves = [r for r in _changes(log, "host", name) if r.new != status]
        if status != "Up":
            return False, f"{name} starts Up, never {status} from the start"
        if leaves:
            r = leaves[0]
            return False, f"{name} left {status} at {_at(r.t)} for {r.new} ({r.reason})"
        return True, f"{name} was {status} from start to end"
    return judge


def _migrates_before(vm: str, other: str) -> Judge:
    def judge(log: Sequence[ev.Record], scenario: Scenario) -> tuple[bool, str]:
        started = [r for r in log if isinstance(r, ev.MigrationStarted)]
        order: dict[str, tuple[int, ev.MigrationStarted]] = {}
        for n, r in enumerate(started, 1):
            order.setdefault(r.vm, (n, r))
        if vm not in order:
            other_seen = f" ({other} did, at {_at(order[other][1].t)})" if other in order else ""
            return False, f"{vm} never started migrating{other_seen}"
        n, r = order[vm]
        text = f"{vm} started migrating at {_at(r.t)}, #{n} of {len(started)}"
        if other not in order:
            return True, text + f"; {other} never did"
        m, s = order[other]
        return n < m, text + f"; {other} at {_at(s.t)}, #{m}"
    return judge


def _spm_events(log: Sequence[ev.Record], host: str) -> list:
    return [r for r in log if isinstance(r, ev.SpmStarted | ev.SpmStopped) and r.host == host]


def _spm_always(host: str) -> Judge:
    def judge(log: Sequence[ev.Record], scenario: Scenario) -> tuple[bool, str]:
        if scenario.spm != host:
            return False, f"{host} did not hold the SPM role at the start ({scenario.spm or 'no host'} did)"
        stopped = [r for r in _spm_events(log, host) if isinstance(r, ev.SpmStopped)]
        if stopped:
            return False, f"{host} stopped being the SPM at {_at(stopped[0].t)} ({stopped[0].reason})"
        return True, f"{host} held the SPM role from start to end"
    return judge


def _spm_elected(host: str, wanted: bool, window: Window) -> Judge:
    def judge(log: Sequence[ev.Record], scenario: Scenario) -> Judged:
        start, origin = window.origin(scenario)
        elected = [r for r in _spm_events(log, host)
                   if isinstance(r, ev.SpmStarted) and not ev.is_initial(r) and r.t >= start]
        since = f" after {origin}" if window.fault is not None else ""
        if not elected:
            holders = sorted({r.host for r in log if isinstance(r, ev.SpmStarted) and not ev.is_initial(r)})
            others = f"; elected: {', '.join(holders)}" if holders else "; no host was elected"
            return not wanted, f"{host} was never elected SPM{since}{others}"
        first = elected[0]
        text = f"{host} was elected SPM at {_at(first.t)}"
        if window.fault is not None:
            text += f", {first.t - start:g} s after {origin}"
        if not wanted:
            return Seen(False, text + f" ({first.reason})", first.t - start)
        if window.lo is not None:
            text += f"; {window.wanted()}"
        return Seen(window.holds(first.t, scenario), text + f" ({first.reason})", first.t - start)
    return judge


def _spm_ends(host: str, wanted: bool) -> Judge:
    def judge(log: Sequence[ev.Record], scenario: Scenario) -> tuple[bool, str]:
        holder = spm_holder(log, end_of(log), scenario)
        return (host == holder) == wanted, f"at the end the SPM was {holder or 'no host'}"
    return judge


def _event(kind: str, fields: Mapping[str, object], window: Window, wanted: bool) -> Judge:
    shown = kind + (" {" + ", ".join(f"{k}: {v}" for k, v in fields.items()) + "}" if fields else "")

    def judge(log: Sequence[ev.Record], scenario: Scenario) -> Judged:
        matching = [r for r in log if r.event == kind and all(getattr(r, k) == v for k, v in fields.items())]
        hits = [r for r in matching if window.holds(r.t, scenario)]
        start, origin = window.origin(scenario)
        after = next((r.t - start for r in matching if r.t >= start), None)
        scope = f" {window.lo:g}-{window.hi:g} s after {origin}" if window.lo is not None else ""
        if not hits:
            outside = f"; there is one at {_at(matching[0].t)}" if matching else ""
            return Seen(not wanted, f"no {shown} in the log{scope}{outside}", after)
        first = hits[0]
        offset = f", {first.t - start:g} s after {origin}" if window.fault is not None else ""
        count = f" ({len(hits)} in all)" if len(hits) > 1 else ""
        said = events_table([first])  # a decision record is not in the Events tab: its kind says it
        return Seen(wanted, f"{shown} at {_at(first.t)}{offset}: {said[0].message if said else first.event}{count}",
                    after)
    return judge


Occurrences = Callable[[Sequence[ev.Record], Scenario], list[tuple[int, ev.Record]]]
"""Where a timed entry (becomes, spm elected, event) happens: (index in the log, record), in its window."""


def _occurrences(entry: Mapping) -> tuple[str, Occurrences]:
    """A timed entry in words, and the records where it happens."""
    window = _window_of(entry)
    if "event" in entry:
        kind = entry["event"]
        fields = {k: v for k, v in entry.items() if k in record_fields(kind)}
        what = kind + (" {" + ", ".join(f"{k}: {v}" for k, v in fields.items()) + "}" if fields else "")

        def matches(r: ev.Record) -> bool:
            return r.event == kind and all(getattr(r, k) == v for k, v in fields.items())
    elif "spm" in entry:
        host = entry["spm"]
        what = f"{host} elected SPM"

        def matches(r: ev.Record) -> bool:
            return isinstance(r, ev.SpmStarted) and r.host == host and not ev.is_initial(r)
    else:
        subject = "host" if "host" in entry else "vm"
        name, status, on = entry[subject], entry["becomes"], entry.get("on")
        what = f"{name} becomes {status}" + (f" on {on}" if on else "")
        kind, field = (ev.HostStatusChanged, "host") if subject == "host" else (ev.VmStatusChanged, "vm")

        def matches(r: ev.Record) -> bool:
            return (isinstance(r, kind) and getattr(r, field) == name and r.new == status and not ev.is_initial(r)
                    and (on is None or r.host == on))

    def occurrences(log: Sequence[ev.Record], scenario: Scenario) -> list[tuple[int, ev.Record]]:
        return [(i, r) for i, r in enumerate(log) if matches(r) and window.holds(r.t, scenario)]
    return what, occurrences


def _counted(entry: Mapping, n: int, exact: bool) -> Judge:
    """`times: N` / `at_least: N`: how often it happened in its window. Measured: when the N-th
    time happened, after the entry's reference (what a window around it would hold); the count
    itself is the verdict's `count`."""
    what, occurrences = _occurrences(entry)
    window = _window_of(entry)

    def judge(log: Sequence[ev.Record], scenario: Scenario) -> Seen:
        hits = [r for _, r in occurrences(log, scenario)]
        start, origin = window.origin(scenario)
        scope = f" {window.lo:g}-{window.hi:g} s after {origin}" if window.lo is not None else (
            f" after {origin}" if window.fault is not None else "")
        when = ", ".join(clock(r.t) for r in hits[:10]) + (", ..." if len(hits) > 10 else "")
        text = f"{what}: {len(hits)} time{'' if len(hits) == 1 else 's'}{scope}" + (f" (at {when})" if hits else "")
        passed = len(hits) == n if exact else len(hits) >= n
        text += f"; expected {'exactly' if exact else 'at least'} {n}"
        return Seen(passed, text, hits[n - 1].t - start if len(hits) >= n else None, len(hits))
    return judge


def _ordered(entry: Mapping) -> Judge:
    """`before: {other entry}`: this entry's first occurrence comes earlier in the log than the other's
    (at one instant, the engine's order). Measured: the seconds from the first to the second."""
    what, first = _occurrences(entry)
    other_what, second = _occurrences(entry["before"])

    def judge(log: Sequence[ev.Record], scenario: Scenario) -> Seen:
        a, b = first(log, scenario), second(log, scenario)
        if not a:
            seen = f"; {other_what} at {_at(b[0][1].t)}" if b else f"; {other_what} did not either"
            return Seen(False, f"{what} never happened{seen}")
        i, ra = a[0]
        if not b:
            return Seen(False, f"{what} at {_at(ra.t)}, but {other_what} never happened")
        j, rb = b[0]
        same = " (the same instant: the log's order)" if ra.t == rb.t else ""
        order = "before" if i < j else "after"
        return Seen(i < j, f"{what} at {_at(ra.t)}, {order} {other_what} at {_at(rb.t)}{same}", rb.t - ra.t)
    return judge


# ---- reading the entries -------------------------------------------------------------------

def _judge(entry: Mapping) -> Judge:
    """The judge of one entry that the loader has checked (`hacourse.scenario.expect`)."""
    if "before" in entry:
        return _ordered(entry)
    for key in COUNT_KEYS:
        if key in entry:
            return _counted(entry, entry[key], exact=key == "times")
    if any(k in entry for k in EVENT_KEYS):
        key = next(k for k in EVENT_KEYS if k in entry)
        kind = entry[key]
        fields = {k: v for k, v in entry.items() if k in record_fields(kind)}
        return _event(kind, fields, _window_of(entry), wanted=key == "event")
    subject = next(k for k in PREDICATES if k in entry)
    name = entry[subject]
    predicate = next(k for k in entry if k in PREDICATES[subject])
    value, on, window = entry[predicate], entry.get("on"), _window_of(entry)
    if subject == "spm":
        return {"always": lambda: _spm_always(name), "ends": lambda: _spm_ends(name, value),
                "elected": lambda: _spm_elected(name, value, window)}[predicate]()
    if predicate == "paused":
        return _becomes("vm", name, "Paused", None, window) if value else _never_becomes("vm", name, "Paused")
    if predicate == "starts_migrating_before":
        return _migrates_before(name, value)
    if predicate == "becomes":
        return _becomes(subject, name, value, on, window)
    if predicate == "never_becomes":
        return _never_becomes(subject, name, value)
    if predicate == "ends":
        return _ends(subject, name, value, on)
    return _always(name, value)


def _window_of(entry: Mapping) -> Window:
    lo, hi = (float(x) for x in entry["between"]) if "between" in entry else (None, None)
    return Window(lo, hi, entry["after"]["fault"] if "after" in entry else None)


def parse_expectations(scenario: Scenario, text: str | None = None) -> list[Expectation]:
    """The scenario's `expect:` entries as judges; raises ScenarioError listing every problem.

    A scenario from the loader or from `vary` has its entries checked already; one built or
    changed otherwise is checked here as a file is, and with the file's `text` the problems
    name their line and column.
    """
    from hacourse.scenario.loader import check_data, parse_scenario
    from hacourse.scenario.vary import to_data

    checked = parse_scenario(text, scenario.source) if text else check_data(to_data(scenario), scenario.source)
    return _expectations(checked)


def _expectations(scenario: Scenario) -> list[Expectation]:
    return [Expectation(i, written({k: v for k, v in entry.items() if k not in COMMON_KEYS}), _judge(entry),
                        entry.get("why", "")) for i, entry in enumerate(scenario.expect)]


def evaluate(log: Sequence[ev.Record], scenario: Scenario,
             expectations: Sequence[Expectation] | None = None) -> list[Verdict]:
    """Judge every expectation (by default the scenario's own) against one run's log."""
    chosen = parse_expectations(scenario) if expectations is None else expectations
    return [e.evaluate(log, scenario) for e in chosen]


# ---- scenario files ------------------------------------------------------------------------

def load_expectations(path: str | Path) -> tuple[Scenario, list[Expectation]]:
    """A scenario file and its checked expectations; raises ScenarioError naming every problem."""
    from hacourse.scenario import load_scenario

    scenario = load_scenario(path)
    return scenario, _expectations(scenario)
