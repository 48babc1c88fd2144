"""The timeline: a lane per host (coloured by status), the SPM holder, and a lane per VM.

Layout returns data, drawing consumes it (the networkx/matplotlib split): `timeline_lanes`
turns a log into `Lane`s of coloured `Span`s, `draw_timeline` draws them. What a student
should see at a glance: when Pacific's NIC went down (red strip, dashed fault line), when the
engine noticed (triangle) and, a grace later, when the host turned Non Operational (orange);
which VMs left first (hatched spans, arrows to the destination), which waited for a
migration slot (dotted), and which paused on EIO (yellow). When the engine loses a host, flags on
its lane say how it was fenced (⚑: by sanlock on the host itself, over SSH, or by its power
management) or why it was not (⚐ with the reason written beside it), a diamond when sanlock gave
up the SPM lease; on a VM's lane, ↻ marks the engine restarting a highly available VM (red ↻ when
no host could take it).

Big clusters stay readable: past `max_host_lanes` / `max_vm_lanes`, only the hosts and VMs
that changed get a lane (the rest are counted in one line), and past that again one lane shows
the share of hosts (or VMs) in each status over time.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import FixedLocator, FuncFormatter
from matplotlib.transforms import blended_transform_factory, offset_copy

from hacourse import events as ev
from hacourse.analysis import audit, intervals
from hacourse.model import Scenario, priority_label
from hacourse.status import RestartResult, SkipCause
from hacourse.views import palette

MAX_HOST_LANES = 16
MAX_VM_LANES = 30
LANE_HEIGHT = 0.76
GROUP_GAP = 0.9  # lanes of space above each group heading

NIC_DOWN, ENGINE_SAW, MIGRATION_FAILED = "NIC down", "engine saw the NIC down", "migration failed"
MIGRATING, WAITING, FAULT, NOW = "migrating (copying memory)", "waiting for a migration slot", "fault", "now"
SPM, NO_SPM = "SPM", "no SPM"
LEASE_EXPIRED, FENCING_SKIPPED = "SPM lease expired", "fencing skipped"
FENCED_SELF, FENCED_SOFT, FENCED_POWER = "fenced (self)", "fenced (ssh-soft-fencing)", "fenced (power-management)"
HA_RESTART, HA_RESTART_FAILED = "HA restart", "HA restart failed"


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
    HA_RESTART: MarkStyle("$\u21bb$", palette.HA_RESTART_COLOR, "HA restart started", 10),
    HA_RESTART_FAILED: MarkStyle("$\u21bb$", palette.HA_FAILED_COLOR, "HA restart failed (retried later)", 10),
}
"""How each kind of mark is drawn; a kind missing here (a fencing method the engine gains) is a black flag."""

LEGEND_ORDER = (SPM, NO_SPM, *palette.STATUS_COLORS, NIC_DOWN, ENGINE_SAW, WAITING, MIGRATING, MIGRATION_FAILED,
                LEASE_EXPIRED, FENCED_SELF, FENCED_SOFT, FENCED_POWER, FENCING_SKIPPED, HA_RESTART,
                HA_RESTART_FAILED, FAULT, NOW)
LIVE_LEGEND = (SPM, "Up", "NonOperational", "NonResponsive", "Connecting", "Paused", "MigratingFrom", "Down",
               NIC_DOWN, ENGINE_SAW, WAITING, MIGRATING, FAULT, NOW)
"""What a live timeline explains from the start, so its legend does not change under the student."""


@dataclass(frozen=True)
class Span:
    """A coloured stretch of a lane; `status` names what the colour means (and is the legend's entry)."""

    start: float
    end: float
    status: str
    color: str
    text: str = ""
    hatch: str | None = None


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


@dataclass(frozen=True)
class Lane:
    key: str  # "spm", "host:<name>", "vm:<name>", "hosts:rest", "hosts:share", ...
    label: str
    kind: str  # spm | host | vm | summary | share
    spans: tuple[Span, ...] = ()
    overlays: tuple[Span, ...] = ()  # drawn over the spans: NIC-down strips, migrations
    labels: tuple[tuple[float, float, str], ...] = ()  # text centred in [start, end] if it fits
    marks: tuple[Mark, ...] = ()  # instants: the engine saw a NIC down, a fence, an HA restart, ...
    share_times: tuple[float, ...] = ()  # share lanes: breakpoints, and per status the fraction after each
    shares: tuple[tuple[str, tuple[float, ...]], ...] = ()


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


def _spm_lane(spm: list[intervals.SpmInterval], t0: float, until: float) -> Lane:
    spans, labels, cursor = [], [], t0
    for s in (s for s in spm if s.end > s.start):  # a role taken at `until` itself has nothing to draw yet
        if s.start > cursor:
            spans.append(Span(cursor, s.start, NO_SPM, palette.NO_SPM_COLOR, hatch="xx"))
            labels.append((cursor, s.start, "no SPM"))
        spans.append(Span(s.start, s.end, SPM, palette.SPM_COLOR))
        labels.append((s.start, s.end, f"SPM on {s.host}"))
        cursor = max(cursor, s.end)
    if cursor < until:
        spans.append(Span(cursor, until, NO_SPM, palette.NO_SPM_COLOR, hatch="xx"))
        labels.append((cursor, until, "no SPM"))
    return Lane("spm", "SPM", "spm", tuple(spans), labels=tuple(labels))


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
            spans.append(Span(seen.t, min(r.t, seen.t + seen.grace_s), "grace", "none"))
    for seen in opened.values():
        spans.append(Span(seen.t, min(until, seen.t + seen.grace_s), "grace", "none",
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
    colored = tuple(Span(s.start, s.end, s.status, palette.status_color(s.status)) for s in spans)
    labels = tuple((s.start, s.end, s.status) for s in spans if s.status != "Up")
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
    colored = tuple(Span(s.start, s.end, s.status, palette.status_color(s.status)) for s in spans)
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
        if copying > m.requested:
            overlays.append(Span(m.requested, copying, WAITING, "none", hatch=".."))
        if m.transfer_start is not None and m.end > m.transfer_start:
            overlays.append(Span(m.transfer_start, m.end, MIGRATING, "none",
                                 text=f"{m.source} → {m.destination}", hatch="///"))
        if m.refused_or_failed:
            marks.append(Mark(m.end, MIGRATION_FAILED, f"migration {m.outcome}: {m.reason}"))
    labels = tuple((s, e, host) for s, e, host, _ in runs)
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

    lanes = [_spm_lane(spm, t0, end)]
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
                          labels=((t0, end, f"{rest} more hosts, Up throughout"),)))

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
                          labels=((t0, end, f"{rest} more VMs, Up where they were throughout"),)))
    return lanes


# ---- drawing ------------------------------------------------------------------------------

_TICK_STEPS = (15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 86400)


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


def timeline_size(n_lanes: int) -> tuple[float, float]:
    """Figure size in inches for a timeline of `n_lanes` lanes."""
    return 12.0, 1.3 + 0.42 * (n_lanes + 2 * GROUP_GAP)


def _fits(start: float, end: float, text: str, span: float, width_in: float) -> bool:
    """Whether `text` at font size 8 fits in [start, end] on an axes `width_in` inches wide."""
    return (end - start) / span * width_in * 72 > 5.2 * len(text) + 6


def mark_style(kind: str) -> MarkStyle:
    return MARK_STYLES.get(kind, MarkStyle(_FLAG, "black", kind, 10))


def _legend_rank(key: str) -> tuple[int, str]:
    return (LEGEND_ORDER.index(key) if key in LEGEND_ORDER else len(LEGEND_ORDER), key)


def legend_handle(key: str) -> Artist:
    """The legend entry for a legend key (a status, or one of the constants above)."""
    if key == NIC_DOWN:
        return Patch(facecolor=palette.NIC_DOWN_COLOR, label="required NIC down")
    if key in MARK_STYLES or key.startswith("fenced ("):
        style = mark_style(key)
        return Line2D([], [], marker=style.marker, color=style.color, markersize=style.size, linestyle="none",
                      label=style.label)
    if key in (MIGRATING, WAITING):
        return Patch(facecolor="white", edgecolor=palette.MIGRATION_EDGE, hatch="///" if key == MIGRATING else "..",
                     label=key)
    if key == FAULT:
        return Line2D([], [], color=palette.FAULT_COLOR, linestyle="--", label="fault injected")
    if key == NOW:
        return Line2D([], [], color=palette.NOW_COLOR, linewidth=1.6, label="current time")
    if key == SPM:
        return Patch(facecolor=palette.SPM_COLOR, label="SPM role held")
    if key == NO_SPM:
        return Patch(facecolor=palette.NO_SPM_COLOR, hatch="xx", label="no SPM")
    return Patch(facecolor=palette.status_color(key), edgecolor="grey", label=key)


def draw_content(ax: Axes, lanes: Sequence[Lane], ys: Sequence[float], t0: float, end: float, xmax: float, *,
                 fault_records: Sequence[ev.FaultInjected] = (), now: float | None = None,
                 ) -> tuple[list[Artist], set[str]]:
    """The changing part of a timeline: spans, labels, marks, faults, the now line.

    Returns the artists it added (a live view redraws just these) and the legend keys of
    what they show. Every span is a Rectangle whose gid is `lane key|status` (tests read them).
    """
    span = xmax - t0
    width_in = max(1.0, ax.get_position().width * ax.figure.get_figwidth())
    used: set[str] = set()
    made: list[Artist] = []
    h = LANE_HEIGHT
    for lane, y in zip(lanes, ys):
        for s in lane.spans:
            made.append(ax.add_artist(Rectangle(
                (s.start, y - h / 2), s.end - s.start, h, facecolor=s.color, edgecolor="white", linewidth=0.6,
                hatch=s.hatch, gid=f"{lane.key}|{s.status}")))
            used.add(s.status)
        for s in lane.overlays:
            if s.status == NIC_DOWN:
                made.append(ax.add_artist(Rectangle((s.start, y + h / 2 - 0.16), s.end - s.start, 0.16,
                                                    facecolor=s.color, edgecolor="none", gid=f"{lane.key}|{s.status}")))
                used.add(s.status)
            elif s.status == "grace":
                made += ax.plot([s.start, s.end], [y - 0.12, y - 0.12], color="white", linewidth=1.2, marker="|",
                                markersize=6, gid=f"{lane.key}|grace")
                if s.text and _fits(s.start, s.end, s.text, span, width_in):
                    made.append(ax.text((s.start + s.end) / 2, y + 0.1, s.text, ha="center", va="center",
                                        fontsize=7.5, color="white", clip_on=True))
            else:
                made.append(ax.add_artist(Rectangle(
                    (s.start, y - h / 2), s.end - s.start, h, facecolor="none", edgecolor=palette.MIGRATION_EDGE,
                    linewidth=0.8, hatch=s.hatch, gid=f"{lane.key}|{s.status}")))
                used.add(s.status)
                if s.text:  # an arrow from source to destination: a line and a head
                    made += ax.plot([s.start, s.end], [y, y], color=palette.MIGRATION_EDGE, linewidth=1.2,
                                    marker=">", markevery=[1], markersize=5, gid=f"{lane.key}|arrow")
        noted = any(m.note for m in lane.marks)  # labels move up, notes go under them
        for start, stop, text in lane.labels:
            if _fits(start, stop, text, span, width_in):
                fill = next((s.color for s in lane.spans if s.start <= start < s.end), "#ffffff")
                made.append(ax.text((start + stop) / 2, y - 0.14 * noted, text, ha="center", va="center", fontsize=8,
                                    clip_on=True, color=palette.text_color(fill) if fill.startswith("#") else "black"))
        side_by_side: Counter = Counter()  # marks at one instant of a lane sit next to each other
        for m in lane.marks:
            style = mark_style(m.kind)
            shift = offset_copy(ax.transData, fig=ax.figure, x=8 * side_by_side[m.t], units="points")
            side_by_side[m.t] += 1
            made += ax.plot([m.t], [y - h / 2 - 0.02], marker=style.marker, color=style.color,
                            markersize=style.size, linestyle="none",
                            **({} if style.marker.startswith("$") else {"markeredgecolor": "white", "markeredgewidth": 0.5}),
                            transform=shift, gid=f"mark|{lane.key}|{m.kind}|{m.text}", clip_on=False)
            used.add(m.kind)
            if m.note:  # right of the mark, or left of it where the axes end too soon
                right = 8 * side_by_side[m.t]
                ends = m.t + (right + 4.6 * len(m.note) + 6) / (width_in * 72) * span
                dx, ha = (right, "left") if ends <= xmax else (-8.0, "right")
                beside = offset_copy(ax.transData, fig=ax.figure, x=dx, units="points")
                made.append(ax.text(m.t, y + 0.2, m.note, transform=beside, ha=ha, va="center", fontsize=7,
                                    clip_on=True, bbox={"boxstyle": "round,pad=0.15", "facecolor": "white",
                                                        "edgecolor": "none", "alpha": 0.85}))
        if lane.shares:
            xs = [*lane.share_times, end]
            bottom = [0.0] * len(lane.share_times)
            for status, fractions in lane.shares:
                top = [b + f for b, f in zip(bottom, fractions)]
                lo = [y + h / 2 - b * h for b in bottom] + [y + h / 2 - bottom[-1] * h]
                hi = [y + h / 2 - tp * h for tp in top] + [y + h / 2 - top[-1] * h]
                color = palette.status_color(status)
                made.append(ax.fill_between(xs, lo, hi, step="post", color=color, linewidth=0,
                                            gid=f"{lane.key}|{status}"))
                used.add(status)
                bottom = top

    times: dict[float, list[str]] = defaultdict(list)
    for f in fault_records:
        if t0 <= f.t <= end:
            times[f.t].append(f"{f.action} {f.target + ' ' if f.target else ''}on {f.host}")
    top = blended_transform_factory(ax.transData, ax.transAxes)
    for t, texts in sorted(times.items()):
        made.append(ax.axvline(t, color=palette.FAULT_COLOR, linestyle="--", linewidth=1.2, gid="fault"))
        text = "; ".join(texts[:2]) + (f"; +{len(texts) - 2} more" if len(texts) > 2 else "")
        made.append(ax.text(t, 1.005, text, transform=top, ha="left", va="bottom", fontsize=8,
                            color=palette.FAULT_COLOR))
    if times:
        used.add(FAULT)
    if now is not None:
        made.append(ax.axvline(now, color=palette.NOW_COLOR, linewidth=1.6, gid="now"))
        made.append(ax.text(now, 1.005, f"now {audit.clock(now)}", transform=top, ha="right", va="bottom",
                            fontsize=8, fontweight="bold"))
        used.add(NOW)
    return made, used


def draw_frame(ax: Axes, lanes: Sequence[Lane], ys: Sequence[float], headings: Sequence[tuple[float, str]],
               t0: float, xmax: float, *, title: str | None, legend: Iterable[str]) -> None:
    """The part of a timeline that stays while the clock runs: lane labels, time axis, headings, legend."""
    left = blended_transform_factory(ax.transAxes, ax.transData)
    for y, text in headings:
        ax.text(0.002, y, text, transform=left, ha="left", va="center", fontsize=8.5, fontweight="bold",
                color="#455a64")
    ax.set_xlim(t0, xmax)
    ax.set_ylim(max(ys) + 0.6, -0.6)
    ax.yaxis.set_major_locator(FixedLocator(ys))
    ax.set_yticklabels([lane.label for lane in lanes], fontsize=9)
    ax.tick_params(axis="y", length=0)
    ax.xaxis.set_major_locator(FixedLocator(_time_ticks(t0, xmax)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: audit.clock(x)))
    ax.set_xlabel("simulated time (minutes:seconds)")
    ax.grid(axis="x", color="#eceff1", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    if title:
        ax.set_title(title, loc="left", fontsize=11, pad=16)
    ax.legend(handles=[legend_handle(key) for key in sorted(legend, key=_legend_rank)], loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8,
              frameon=False, title="legend", title_fontsize=8)


def draw_lanes(ax: Axes, lanes: Sequence[Lane], t0: float, end: float, *,
               fault_records: Sequence[ev.FaultInjected] = (), now: float | None = None,
               title: str | None = None, xmax: float | None = None) -> Axes:
    """Draw prepared lanes. They stop at `end`; the axis may reach on to `xmax`, leaving room for what comes next."""
    ys, headings = lane_positions(lanes)
    xmax = max(end, xmax or end)
    _, used = draw_content(ax, lanes, ys, t0, end, xmax, fault_records=fault_records, now=now)
    draw_frame(ax, lanes, ys, headings, t0, xmax, title=title, legend=used)
    return ax


def draw_timeline(
    log: Sequence[ev.Record],
    scenario: Scenario | None = None,
    *,
    until: float | None = None,
    now: float | None = None,
    xmax: float | None = None,
    ax: Axes | None = None,
    max_host_lanes: int = MAX_HOST_LANES,
    max_vm_lanes: int = MAX_VM_LANES,
) -> Axes:
    """Draw the timeline of `log` up to `until` (default: the whole run) on `ax` and return it."""
    lanes = timeline_lanes(log, scenario, until, max_host_lanes=max_host_lanes, max_vm_lanes=max_vm_lanes)
    if ax is None:
        ax = plt.figure(figsize=timeline_size(len(lanes))).add_subplot()
        place_axes(ax, len(lanes))
    return _draw_run(ax, lanes, log, scenario, until, now, xmax)


def _draw_run(ax: Axes, lanes: Sequence[Lane], log: Sequence[ev.Record], scenario: Scenario | None,
              until: float | None, now: float | None, xmax: float | None) -> Axes:
    t0, end = timeline_span(log, scenario, until)
    title = scenario.name if scenario is not None else None
    return draw_lanes(ax, lanes, t0, end, fault_records=intervals.injected_faults(log, end), now=now, title=title, xmax=xmax)


def place_axes(ax: Axes, n_lanes: int) -> None:
    """Fixed margins (in inches) for lane labels on the left and the legend on the right."""
    width, height = timeline_size(n_lanes)
    ax.set_position((1.7 / width, 0.75 / height, 1 - (1.7 + 2.5) / width, 1 - (0.75 + 0.55) / height))


def timeline_figure(log: Sequence[ev.Record], scenario: Scenario | None = None, *,
                    until: float | None = None, now: float | None = None, xmax: float | None = None,
                    dpi: float = 100, fig: Figure | None = None) -> Figure:
    """A stand-alone Figure (not registered with pyplot, so nothing leaks or pops up).

    Pass the previous `fig` to redraw into it: a widget step then reuses one figure.
    """
    lanes = timeline_lanes(log, scenario, until)
    if fig is None:
        fig = Figure(dpi=dpi)
        FigureCanvasAgg(fig)
    fig.clear()
    fig.set_size_inches(timeline_size(len(lanes)))
    ax = fig.add_subplot()
    place_axes(ax, len(lanes))
    _draw_run(ax, lanes, log, scenario, until, now, xmax)  # the lanes once: they cost seconds on 40,000 VMs
    return fig


def save_timeline_figure(log: Sequence[ev.Record], scenario: Scenario | None, path: str | Path, *,
                         dpi: float = 110) -> Path:
    """Write the timeline of a finished run as a PNG (what `hacourse run ... --plot out.png` calls)."""
    path = Path(path)
    timeline_figure(log, scenario, dpi=dpi).savefig(path, dpi=dpi)
    return path


@dataclass(frozen=True)
class DrawnSpan:
    lane: str
    status: str
    start: float
    end: float
    color: tuple[float, float, float, float]


def drawn_spans(ax: Axes) -> list[DrawnSpan]:
    """The spans a drawn timeline shows, read back from the figure's rectangles (for tests and checks)."""
    out = []
    for patch in ax.patches:
        gid = patch.get_gid() or ""
        if isinstance(patch, Rectangle) and "|" in gid:
            lane, status = gid.split("|", 1)
            x = patch.get_x()
            out.append(DrawnSpan(lane, status, x, x + patch.get_width(), patch.get_facecolor()))
    return out


@dataclass(frozen=True)
class DrawnMark:
    lane: str
    kind: str
    t: float
    text: str


def drawn_marks(ax: Axes) -> list[DrawnMark]:
    """The marks a drawn timeline shows (fences, HA restarts, ...), read back from the figure's lines."""
    out = []
    for line in ax.lines:
        gid = line.get_gid() or ""
        if gid.startswith("mark|"):
            _, lane, kind, text = gid.split("|", 3)
            out.append(DrawnMark(lane, kind, float(line.get_xdata()[0]), text))
    return out


def lane_labels(ax: Axes) -> list[str]:
    return [t.get_text() for t in ax.get_yticklabels()]
