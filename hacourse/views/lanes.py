"""The timeline as data: a lane per host (coloured by status), the SPM holder, and a lane per VM.

Layout returns data, drawing consumes it (the networkx/matplotlib split): `timeline_lanes`
turns a log into `Lane`s of coloured `Span`s and `Mark`s; the live panel's SVG
(`views.svg`) and the matplotlib figure of a finished run (`views.timeline`) draw them. What a
student should see at a glance: when Pacific's NIC went down (red strip, dashed fault line),
when the engine noticed (triangle) and, a grace later, when the host turned Non Operational
(orange); which VMs left first (numbered in the engine's order, framed, an arrowhead to the
destination host), which waited for a migration slot (paled, dashed), and which paused on EIO
(yellow); on the SPM lane, who holds the role and, while nobody does, when sanlock frees the lease. When the engine loses a host, flags on
its lane say how it was fenced (⚑: by sanlock on the host itself, over SSH, or by its power
management) or why it was not (⚐ with the reason written beside it), a diamond when sanlock gave
up the SPM lease; on a VM's lane, ↻ marks the engine restarting a highly available VM (red ↻ when
no host could take it). Above the lanes, a dashed red line marks each fault and a solid blue one
each admin action (crossed when the engine refused it).

Big clusters stay readable: past `max_host_lanes` / `max_vm_lanes`, only the hosts and VMs
that changed get a lane (the rest are counted in one line), and past that again one lane shows
the share of hosts (or VMs) in each status over time.

Pure Python (no matplotlib): the lesson panel runs in a browser kernel too.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from hacourse import actions
from hacourse import events as ev
from hacourse.analysis import audit, intervals
from hacourse.model import Scenario, priority_label
from hacourse.status import RestartResult, SkipCause
from hacourse.views import palette

MAX_HOST_LANES = 16
MAX_VM_LANES = 30
GROUP_GAP = 0.9  # lanes of space above each group heading

NIC_DOWN, ENGINE_SAW, MIGRATION_FAILED = "NIC down", "engine saw the NIC down", "migration failed"
MIGRATING, WAITING, FAULT, NOW = "migrating (copying memory)", "waiting for a migration slot", "fault", "now"
SPM, NO_SPM, GRACE = "SPM", "no SPM", "grace"
LEASE_EXPIRED, FENCING_SKIPPED = "SPM lease expired", "fencing skipped"
FENCED_SELF, FENCED_SOFT, FENCED_POWER = "fenced (self)", "fenced (ssh-soft-fencing)", "fenced (power-management)"
HA_RESTART, HA_RESTART_FAILED = "HA restart", "HA restart failed"
ADMIN, REFUSED = "admin action", "admin action refused"


@dataclass(frozen=True)
class MarkStyle:
    marker: str
    color: str
    label: str  # the legend's words
    size: float = 7.0


_FLAG = "$\u2691$"  # ⚑, as the Events tab marks an Alert
MARK_STYLES: dict[str, MarkStyle] = {
    ENGINE_SAW: MarkStyle("v", "black", ENGINE_SAW),
    MIGRATION_FAILED: MarkStyle("X", "black", "migration failed or refused"),
    LEASE_EXPIRED: MarkStyle("D", palette.SPM_COLOR, "SPM lease expired (sanlock)", 5.5),
    FENCED_SELF: MarkStyle(_FLAG, palette.FENCE_SELF_COLOR, FENCED_SELF, 10),
    FENCED_SOFT: MarkStyle(_FLAG, palette.FENCE_SOFT_COLOR, FENCED_SOFT, 10),
    FENCED_POWER: MarkStyle(_FLAG, palette.FENCE_POWER_COLOR, FENCED_POWER, 10),
    FENCING_SKIPPED: MarkStyle("$\u2690$", palette.FENCE_POWER_COLOR, "fencing skipped (why: beside it)", 10),
    HA_RESTART: MarkStyle("$\u21bb$", palette.HA_RESTART_COLOR, "HA restart started", 12),
    HA_RESTART_FAILED: MarkStyle("$\u21bb$", palette.HA_FAILED_COLOR, "HA restart failed (retried later)", 12),
}
"""How each kind of mark is drawn; a kind missing here (a fencing method the engine gains) is a black flag."""

LEGEND_ORDER = (SPM, NO_SPM, *palette.STATUS_COLORS, NIC_DOWN, ENGINE_SAW, GRACE, WAITING, MIGRATING,
                MIGRATION_FAILED, LEASE_EXPIRED, FENCED_SELF, FENCED_SOFT, FENCED_POWER, FENCING_SKIPPED, HA_RESTART,
                HA_RESTART_FAILED, FAULT, ADMIN, REFUSED, NOW)
"""The legend's order; it lists only the keys of what a figure draws."""



@dataclass(frozen=True)
class Span:
    """A coloured stretch of a lane; `status` names what the colour means (and is the legend's entry)."""

    start: float
    end: float
    status: str
    color: str
    text: str = ""
    hatch: str | None = None
    reason: str = ""  # why it began, as the log says (what hovering the span tells)
    words: tuple[str, ...] = ()  # written on the figure inside it, the first form that fits (an overlay's)


@dataclass(frozen=True)
class Mark:
    """An instant on a lane: `kind` names it (and is its legend key), `text` says what happened.

    `note` is written beside the mark on the figure (why fencing was skipped), for what a
    student must read without hovering.
    """

    t: float
    kind: str
    text: str
    note: str = ""


class Label(NamedTuple):
    """Words written in [start, end] of a lane: `text`, or where it does not fit the first of `shorter` that does."""

    start: float
    end: float
    text: str
    shorter: tuple[str, ...] = ()


@dataclass(frozen=True)
class Lane:
    key: str  # "spm", "host:<name>", "vm:<name>", "hosts:rest", "hosts:share", ...
    label: str
    kind: str  # spm | host | vm | summary | share
    spans: tuple[Span, ...] = ()
    overlays: tuple[Span, ...] = ()  # drawn over the spans: NIC-down strips, migrations
    labels: tuple[Label, ...] = ()  # text centred in [start, end] if it fits
    marks: tuple[Mark, ...] = ()  # instants: the engine saw a NIC down, a fence, an HA restart, ...
    share_times: tuple[float, ...] = ()  # share lanes: breakpoints, and per status the fraction after each
    shares: tuple[tuple[str, tuple[float, ...]], ...] = ()


def under(lane: Lane, overlay: Span, a: float, b: float) -> tuple[str, float]:
    """The colour a student sees at the start `a` of what shows of an overlay ([a, b]), and until when
    it stays (the status under it may change: a VM copying its memory pauses): where its words go."""
    status = next((s for s in lane.spans if s.start <= a < s.end), None)
    fill = status.color if status is not None else "#ffffff"
    if overlay.status == WAITING and fill.startswith("#"):
        fill = palette.blend(fill, overlay.color, palette.WAITING_VEIL_OPACITY)
    return fill, min(b, status.end) if status is not None else b


def timeline_span(log: Sequence[ev.Record], scenario: Scenario | None = None,
                  until: float | None = None) -> tuple[float, float]:
    """The x range: from the first record to `until`, or a little past the last record of a finished run."""
    t0 = intervals.start_of(log)
    if until is not None:
        return t0, max(until, t0 + 1.0)
    last = intervals.end_of(log)
    end = last + max(30.0, 0.05 * (last - t0))
    if scenario is not None:
        end = min(end, max(scenario.duration, last))
    return t0, max(end, t0 + 60.0)


def _share_lane(key: str, label: str, spans_of: dict[str, list], until: float,
                marks: tuple[Mark, ...] = ()) -> Lane:
    """The share of entities in each status over time, for groups too big for a lane each."""
    deltas: dict[float, Counter] = defaultdict(Counter)
    for spans in spans_of.values():
        for s in spans:
            deltas[s.start][s.status] += 1
            deltas[s.end][s.status] -= 1
    total = max(1, len(spans_of))
    times = [t for t in sorted(deltas) if t < until]
    current: Counter = Counter()
    rows = []
    for t in times:
        current.update(deltas[t])
        rows.append(dict(current))
    present = {status for row in rows for status, n in row.items() if n > 0}
    order = [s for s in palette.STATUS_COLORS if s in present]
    order += sorted(present - set(order))
    shares = tuple((status, tuple(row.get(status, 0) / total for row in rows)) for status in order)
    return Lane(key, label, "share", marks=marks, share_times=tuple(times), shares=shares)


def _spm_lane(spm: list[intervals.SpmInterval], t0: float, until: float,
              elections: Sequence[ev.SpmElectionDecided] = ()) -> Lane:
    """Who holds the role, and the stretches without one; the SPM lane is where lesson 2's story is
    read, so each stretch says what it is (even a role taken seconds ago, beside its sliver)."""
    spans, labels, cursor = [], [], t0
    for s in (s for s in spm if s.end > s.start):  # a role taken at `until` itself has nothing to draw yet
        if s.start > cursor:
            spans.append(Span(cursor, s.start, NO_SPM, palette.NO_SPM_COLOR, hatch="xx"))
            labels.append(_no_spm_label(cursor, s.start, elections))
        spans.append(Span(s.start, s.end, SPM, palette.SPM_COLOR, text=f"on {s.host}"))
        labels.append(Label(s.start, s.end, f"SPM on {s.host}", (s.host,)))
        cursor = max(cursor, s.end)
    if cursor < until:
        spans.append(Span(cursor, until, NO_SPM, palette.NO_SPM_COLOR, hatch="xx"))
        labels.append(_no_spm_label(cursor, until, elections))
    return Lane("spm", "SPM", "spm", tuple(spans), labels=tuple(labels))


def _no_spm_label(start: float, end: float, elections: Sequence[ev.SpmElectionDecided]) -> Label:
    """"no SPM", and when the engine has a candidate but sanlock's lease is not free yet, when it will be
    (the engine's last try in the stretch says so: `lease_free_at`)."""
    waiting = [e for e in elections if start <= e.t < end and not e.chosen and e.candidates and e.lease_free_at > e.t]
    if not waiting:
        return Label(start, end, "no SPM")
    last = waiting[-1]
    free = audit.clock(last.lease_free_at)
    return Label(start, end, f"no SPM: {last.candidates[0][0]} may take the lease at {free}",
                 (f"no SPM, lease free at {free}", "no SPM"))


def _graces(log: Sequence[ev.Record], host: str, until: float) -> list[Span]:
    """From the engine first seeing a required NIC down to the end of its grace (or the NIC's return)."""
    spans, opened = [], {}
    for r in log:
        if r.t > until:
            break
        if isinstance(r, ev.HostNicProblemDetected) and r.host == host:
            opened[r.nic] = r
        elif isinstance(r, ev.HostNicProblemCleared) and r.host == host and r.nic in opened:
            seen = opened.pop(r.nic)
            spans.append(Span(seen.t, min(r.t, seen.t + seen.grace_s), GRACE, "none"))
    for seen in opened.values():
        spans.append(Span(seen.t, min(until, seen.t + seen.grace_s), GRACE, "none",
                          text=f"{seen.grace_s:g} s grace"))
    return spans


def _skip_why(r: ev.FencingSkipped) -> str:
    """The engine's reason for not fencing, its kind only (the Events tab has it whole)."""
    cause = r.cause
    if cause is None:
        return r.reason
    return _SKIP_NOTES.get(cause, str(cause))


_SKIP_NOTES = {SkipCause.DISABLED: "disabled in the cluster's fencing policy"}


def lane_marks(log: Sequence[ev.Record], until: float) -> dict[str, list[Mark]]:
    """The instants of the log up to `until` that a lane marks, by lane key ("host:<name>", "vm:<name>")."""
    marks: dict[str, list[Mark]] = defaultdict(list)
    for r in log:
        if r.t > until:
            continue
        if isinstance(r, ev.HostNicProblemDetected):
            marks[f"host:{r.host}"].append(Mark(r.t, ENGINE_SAW, f"engine sees {r.nic} down"))
        elif isinstance(r, ev.HostFenced):
            marks[f"host:{r.host}"].append(Mark(r.t, f"fenced ({r.method})", f"{r.host} fenced ({r.method})"))
        elif isinstance(r, ev.FencingSkipped):
            marks[f"host:{r.host}"].append(Mark(r.t, FENCING_SKIPPED, f"fencing of {r.host} skipped: {r.reason}",
                                                note=f"fencing skipped: {_skip_why(r)}"))
        elif isinstance(r, ev.SpmLeaseExpired):
            marks[f"host:{r.host}"].append(Mark(r.t, LEASE_EXPIRED, f"sanlock on {r.host} gave up the SPM lease "
                                                                    f"on {r.domain}"))
        elif isinstance(r, ev.HaRestartAttempted):
            started = r.outcome == RestartResult.STARTED
            marks[f"vm:{r.vm}"].append(Mark(r.t, HA_RESTART if started else HA_RESTART_FAILED,
                                            f"HA restart on {r.host}" if started else f"HA restart failed: {r.result}"))
    return marks


def _merged_marks(marks: Iterable[Mark], what: str, bin_s: float) -> tuple[Mark, ...]:
    """The marks of many lanes on one share lane: one per kind and `bin_s`-wide slice of time, counted."""
    groups: dict[tuple[str, int], list[Mark]] = defaultdict(list)
    for m in marks:
        if m.kind != ENGINE_SAW:  # every host of a big failure sees its NIC down: a band, not news
            groups[(m.kind, int(m.t // bin_s))].append(m)
    out = []
    for (kind, _), ms in groups.items():
        first = min(ms, key=lambda m: m.t)
        n = len(ms)
        out.append(first if n == 1 else Mark(first.t, kind, f"{n} {what}: {kind}",
                                             note=f"{kind} ({n} {what})" if first.note else ""))
    return tuple(sorted(out, key=lambda m: (m.t, m.kind)))


def _host_lane(host: str, spans: list[intervals.HostInterval], nics: list[intervals.NicDownInterval],
               marks: list[Mark], graces: list[Span]) -> Lane:
    spans = [s for s in spans if s.end > s.start]  # a status taken at `until` itself has nothing to draw yet
    colored = tuple(Span(s.start, s.end, s.status, palette.status_color(s.status), reason=s.reason) for s in spans)
    labels = tuple(Label(s.start, s.end, s.status) for s in spans if s.status != "Up")
    strips = tuple(Span(n.start, n.end, NIC_DOWN, palette.NIC_DOWN_COLOR, text=f"{n.nic} ({n.network}) down")
                   for n in nics)
    return Lane(f"host:{host}", host, "host", colored, strips + tuple(graces), labels, tuple(marks))


def _vm_label(name: str, scenario: Scenario | None) -> str:
    vm = next((v for v in scenario.vms if v.name == name), None) if scenario else None
    if vm is None:
        return name
    return f"{name} ({'HA, ' if vm.ha else ''}{priority_label(vm.priority)})"


def _vm_lane(name: str, spans: list[intervals.VmInterval], moves: list[intervals.MigrationSpan], restarts: list[Mark],
             scenario: Scenario | None) -> Lane:
    spans = [s for s in spans if s.end > s.start]
    colored = tuple(Span(s.start, s.end, s.status, palette.status_color(s.status), text=f"on {s.host}",
                         reason=s.reason) for s in spans)
    runs: list[list] = []  # residency: consecutive intervals on one host, labelled once, on its widest Up span
    for s in spans:
        rank = (s.status == "Up", s.end - s.start)
        if runs and runs[-1][2] == s.host:
            if rank > runs[-1][3]:
                runs[-1][:2], runs[-1][3] = [s.start, s.end], rank
        else:
            runs.append([s.start, s.end, s.host, rank])
    overlays, marks = [], list(restarts)
    for m in moves:
        copying = m.transfer_start if m.transfer_start is not None else m.end
        route = f"{m.source} → {m.destination}, the engine's migration #{m.order}"
        if copying > m.requested:
            overlays.append(Span(m.requested, copying, WAITING, palette.WAITING_VEIL, text=route, reason=m.reason,
                                 words=(f"#{m.order} waits for a slot", f"#{m.order} waits", f"#{m.order}")))
        if m.transfer_start is not None and m.end > m.transfer_start:
            overlays.append(Span(m.transfer_start, m.end, MIGRATING, "none", text=route, reason=m.reason,
                                 words=(f"#{m.order} → {m.destination}", f"#{m.order} →", f"#{m.order}")))
        if m.refused_or_failed:
            marks.append(Mark(m.end, MIGRATION_FAILED, f"migration {m.outcome}: {m.reason}"))
    labels = tuple(Label(s, e, host) for s, e, host, _ in runs)
    return Lane(f"vm:{name}", _vm_label(name, scenario), "vm", colored, tuple(overlays), labels,
                tuple(sorted(marks, key=lambda m: m.t)))


def _changed(spans: list) -> bool:
    return any(s.status != "Up" for s in spans) or len({getattr(s, "host", None) for s in spans}) > 1


def timeline_lanes(
    log: Sequence[ev.Record],
    scenario: Scenario | None = None,
    until: float | None = None,
    *,
    max_host_lanes: int = MAX_HOST_LANES,
    max_vm_lanes: int = MAX_VM_LANES,
) -> list[Lane]:
    """The lanes of the timeline, top to bottom: SPM, hosts, VMs (see the module docstring)."""
    t0, end = timeline_span(log, scenario, until)
    hosts = intervals.host_intervals(log, scenario, end)
    vms = intervals.vm_intervals(log, scenario, end)
    nic_spans = intervals.nic_down_intervals(log, end)
    moves = intervals.migration_spans(log, end)
    marks = lane_marks(log, end)
    bin_s = (end - t0) / 200  # marks merged on a share lane: about 4 pixels apart at most
    spm = intervals.spm_intervals(log, scenario, end)

    lanes = [_spm_lane(spm, t0, end, [r for r in log if isinstance(r, ev.SpmElectionDecided) and r.t <= end])]
    with_nic_trouble = {n.host for n in nic_spans}
    spm_hosts = {s.host for s in spm}
    shown = list(hosts)
    if len(hosts) > max_host_lanes:
        shown = [h for h, spans in hosts.items() if _changed(spans) or h in with_nic_trouble or h in spm_hosts]
    if len(shown) > max_host_lanes:
        changed = {h: hosts[h] for h in shown}
        merged = _merged_marks((m for h in shown for m in marks.get(f"host:{h}", ())), "hosts", bin_s)
        lanes.append(_share_lane("hosts:share", f"{len(shown)} hosts that changed", changed, end, merged))
    else:
        for h in shown:
            lanes.append(_host_lane(h, hosts[h], [n for n in nic_spans if n.host == h], marks.get(f"host:{h}", []),
                                    _graces(log, h, end)))
    if len(shown) < len(hosts):
        rest = len(hosts) - len(shown)
        lanes.append(Lane("hosts:rest", f"+{rest} hosts", "summary", (Span(t0, end, "Up", palette.status_color("Up")),),
                          labels=(Label(t0, end, f"{rest} more hosts, Up throughout"),)))

    moved: dict[str, list[intervals.MigrationSpan]] = defaultdict(list)
    for m in moves:
        moved[m.vm].append(m)
    shown = list(vms)
    if len(vms) > max_vm_lanes:
        shown = [v for v, spans in vms.items() if _changed(spans) or v in moved]
    if len(shown) > max_vm_lanes:
        failed = [Mark(m.end, MIGRATION_FAILED, f"{m.vm}: migration {m.outcome}") for v in shown for m in moved[v]
                  if m.refused_or_failed]
        merged = _merged_marks([*failed, *(m for v in shown for m in marks.get(f"vm:{v}", ()))], "VMs", bin_s)
        lanes.append(_share_lane("vms:share", f"{len(shown)} VMs that changed", {v: vms[v] for v in shown}, end,
                                 merged))
    else:
        lanes += [_vm_lane(v, vms[v], moved[v], marks.get(f"vm:{v}", []), scenario) for v in shown]
    if len(shown) < len(vms):
        rest = len(vms) - len(shown)
        lanes.append(Lane("vms:rest", f"+{rest} VMs", "summary", (Span(t0, end, "Up", palette.status_color("Up")),),
                          labels=(Label(t0, end, f"{rest} more VMs, Up where they were throughout"),)))
    return lanes



_TICK_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 86400)


def _time_ticks(t0: float, end: float, most: int = 12) -> list[float]:
    step = next((s for s in _TICK_STEPS if (end - t0) / s <= most), _TICK_STEPS[-1])
    first = -(-t0 // step) * step
    return [first + i * step for i in range(int((end - first) // step) + 1)]


def lane_positions(lanes: Sequence[Lane]) -> tuple[list[float], list[tuple[float, str]]]:
    """y of each lane (top = 0, growing down) and the group headings, centred in the gaps."""
    ys: list[float] = []
    headings: list[tuple[float, str]] = []
    group = None
    for lane in lanes:
        this = "spm" if lane.kind == "spm" else "vms" if lane.key.startswith("vm") else "hosts"
        y = ys[-1] + 1.0 if ys else 0.0
        if group is not None and this != group:
            y += GROUP_GAP
            headings.append(((ys[-1] + y) / 2, "Hosts" if this == "hosts" else "VMs (text: the host each runs on)"))
        group = this
        ys.append(y)
    return ys, headings



def mark_style(kind: str) -> MarkStyle:
    return MARK_STYLES.get(kind, MarkStyle(_FLAG, "black", kind, 10))


def _legend_rank(key: str) -> tuple[int, str]:
    return (LEGEND_ORDER.index(key) if key in LEGEND_ORDER else len(LEGEND_ORDER), key)



def legend_order(keys: Iterable[str]) -> list[str]:
    """The keys in the legend's order."""
    return sorted(keys, key=_legend_rank)


def legend_words(keys: Iterable[str]) -> list[str]:
    """The legend's words for these keys, in the legend's order."""
    return [swatch(key).words for key in legend_order(keys)]


@dataclass(frozen=True)
class Swatch:
    """How a legend key is drawn, whatever draws it: a box (fill, edge, hatch), a mark, or a line.

    The SVG panel, its HTML legend and the matplotlib figure all read this, so a legend entry
    looks like what the figure draws.
    """

    words: str
    shape: str  # box | mark | line | bracket
    color: str  # a box's fill, a mark's or a line's colour
    edge: str = ""
    hatch: str | None = None
    marker: str = ""  # a mark's marker (MarkStyle.marker)
    size: float = 7.0
    dashed: bool = False  # a line's dash, or a box's dashed edge
    width: float = 1.2
    arrow: bool = False  # a box with a white arrowhead at its right end (a migration copying memory)


def swatch(key: str) -> Swatch:
    """The legend entry of a legend key (a status, or one of the constants above)."""
    if key == NIC_DOWN:
        return Swatch("required NIC down", "box", palette.NIC_DOWN_COLOR, palette.NIC_DOWN_COLOR)
    if key in MARK_STYLES or key.startswith("fenced ("):
        style = mark_style(key)
        return Swatch(style.label, "mark", style.color, marker=style.marker, size=style.size)
    if key == MIGRATING:
        return Swatch("copying memory (#: its order)", "box",
                      palette.status_color("MigratingFrom"), palette.MIGRATION_EDGE, arrow=True)
    if key == WAITING:
        return Swatch(WAITING, "box", palette.waiting_tint(), palette.MIGRATION_EDGE,
                      dashed=True)
    if key == GRACE:
        return Swatch("grace the engine waits out", "bracket", palette.GRACE_COLOR, width=1.4)
    if key == FAULT:
        return Swatch("fault injected", "line", palette.FAULT_COLOR, dashed=True)
    if key == ADMIN:
        return Swatch("admin action", "line", palette.ADMIN_COLOR, width=1.6)
    if key == REFUSED:
        return Swatch("admin action refused (nothing changed)", "line", palette.REFUSED_COLOR, dashed=True,
                      width=1.6)
    if key == NOW:
        return Swatch("current time", "line", palette.NOW_COLOR, width=1.6)
    if key == SPM:
        return Swatch("SPM role held", "box", palette.SPM_COLOR, palette.SPM_COLOR)
    if key == NO_SPM:
        return Swatch("no SPM", "box", palette.NO_SPM_COLOR, palette.NO_SPM_COLOR, "xx")
    return Swatch(key, "box", palette.status_color(key), "#808080")


@dataclass(frozen=True)
class Instant:
    """A fault or an admin action at `t`, drawn as a line across the lanes with its words on top.

    `key` is FAULT, ADMIN or REFUSED (the legend's entry); `text` the action in the timeline's
    words; `why` the engine's reason for a refusal.
    """

    t: float
    key: str
    text: str
    why: str = ""


def instants(log: Sequence[ev.Record], until: float) -> list[Instant]:
    """The faults and admin actions of the log up to `until`: an admin action the engine refused
    (an `ActionRefused` of its kind at its instant) is REFUSED, the others ADMIN; the rest FAULT."""
    refused = {(r.t, r.action): r.reason for r in log if isinstance(r, ev.ActionRefused) and r.t <= until}
    out = []
    for f in intervals.injected_faults(log, until):
        kind = actions.ACTIONS.get(f.action)
        if kind is None or kind.side != actions.Side.ADMIN:
            out.append(Instant(f.t, FAULT, actions.fault_label(f)))
        elif (f.t, f.action) in refused:
            out.append(Instant(f.t, REFUSED, actions.fault_label(f), refused[(f.t, f.action)]))
        else:
            out.append(Instant(f.t, ADMIN, actions.fault_label(f)))
    return out

