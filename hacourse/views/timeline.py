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

from hacourse import actions
from hacourse import events as ev
from hacourse.analysis import audit, intervals
from hacourse.model import Scenario, priority_label
from hacourse.status import RestartResult, SkipCause
from hacourse.views import palette
from hacourse.views.labels import PAD_PX, Box, Placer

MAX_HOST_LANES = 16
MAX_VM_LANES = 30
LANE_HEIGHT = 0.76
GROUP_GAP = 0.9  # lanes of space above each group heading

NIC_DOWN, ENGINE_SAW, MIGRATION_FAILED = "NIC down", "engine saw the NIC down", "migration failed"
MIGRATING, WAITING, FAULT, NOW = "migrating (copying memory)", "waiting for a migration slot", "fault", "now"
SPM, NO_SPM, GRACE = "SPM", "no SPM", "grace"
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

LEGEND_ORDER = (SPM, NO_SPM, *palette.STATUS_COLORS, NIC_DOWN, ENGINE_SAW, GRACE, WAITING, MIGRATING,
                MIGRATION_FAILED, LEASE_EXPIRED, FENCED_SELF, FENCED_SOFT, FENCED_POWER, FENCING_SKIPPED, HA_RESTART,
                HA_RESTART_FAILED, FAULT, NOW)
"""The legend's order; it lists only the keys of what a figure draws."""

# Text sizes (points) for a projector at the back of a room: the live figure is 80 dpi, 12 inches wide.
LANE_FONT, SPAN_FONT, NOTE_FONT, TOP_FONT, HEADING_FONT, LEGEND_FONT, TICK_FONT, TITLE_FONT = (
    11, 10, 9.5, 10.5, 10.5, 10, 10.5, 13)
TOP_ROWS = 2  # rows of words above the axes: now, and the faults beside it


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


LEFT_IN, RIGHT_IN, BOTTOM_IN, TOP_IN = 2.0, 3.0, 0.8, 1.05  # margins: lane names, legend, time axis, label rows
LANE_IN = 0.46
LEGEND_ROW_IN = 0.24


def timeline_size(n_lanes: int, n_legend: int = 0, *, legend_beside: bool = True) -> tuple[float, float]:
    """Figure size in inches for `n_lanes` lanes and a legend of `n_legend` entries beside them.

    Without `legend_beside` (a live view shows its legend in the page) the figure is narrower.
    """
    lanes = LANE_IN * (n_lanes + 2 * GROUP_GAP)
    legend = LEGEND_ROW_IN * (n_legend + 1.5)
    return (12.0 if legend_beside else 12.0 - RIGHT_IN + LIVE_RIGHT_IN), BOTTOM_IN + TOP_IN + max(lanes, legend)


LIVE_RIGHT_IN = 0.35


def place_axes(ax: Axes, *, legend_beside: bool = True) -> None:
    """Fixed margins (in inches) for lane labels on the left, the legend on the right, label rows on top."""
    width, height = ax.figure.get_size_inches()
    right = RIGHT_IN if legend_beside else LIVE_RIGHT_IN
    ax.set_position((LEFT_IN / width, BOTTOM_IN / height, 1 - (LEFT_IN + right) / width,
                     1 - (BOTTOM_IN + TOP_IN) / height))


def drawn_keys(ax: Axes) -> set[str]:
    """The legend keys of what a drawn timeline shows, read off its artists (not from any legend)."""
    keys = {s.status for s in drawn_spans(ax) if s.end > s.start}
    keys |= {m.kind for m in drawn_marks(ax)}
    gids = {line.get_gid() or "" for line in ax.lines}
    keys |= {key for key, gid in ((FAULT, "fault"), (NOW, "now")) if gid in gids}
    keys |= {GRACE for gid in gids if gid.endswith(f"|{GRACE}")}
    keys |= {c.get_gid().split("|", 1)[1] for c in ax.collections if "|" in (c.get_gid() or "")}
    return keys


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
    if key == GRACE:
        return Line2D([], [], color=palette.GRACE_COLOR, linewidth=1.4, marker="|", markersize=8,
                      label="grace the engine waits out")
    if key == FAULT:
        return Line2D([], [], color=palette.FAULT_COLOR, linestyle="--", label="fault injected")
    if key == NOW:
        return Line2D([], [], color=palette.NOW_COLOR, linewidth=1.6, label="current time")
    if key == SPM:
        return Patch(facecolor=palette.SPM_COLOR, label="SPM role held")
    if key == NO_SPM:
        return Patch(facecolor=palette.NO_SPM_COLOR, hatch="xx", label="no SPM")
    return Patch(facecolor=palette.status_color(key), edgecolor="grey", label=key)


def _set_limits(ax: Axes, ys: Sequence[float], xmin: float, xmax: float) -> None:
    """The data range, set before anything is placed: placing words needs data -> pixels."""
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(max(ys) + 0.6, -0.6)


def _px(ax: Axes, x: float, y: float) -> tuple[float, float]:
    px, py = ax.transData.transform((x, y))
    return float(px), float(py)


def _shift(ax: Axes, dx_px: float = 0.0, dy_px: float = 0.0, base=None):
    """A transform that draws `dx_px`, `dy_px` pixels away from `base` (data by default), in points."""
    to_pt = 72 / ax.figure.dpi
    return offset_copy(base or ax.transData, fig=ax.figure, x=dx_px * to_pt, y=dy_px * to_pt, units="points")


def _draw_spans(ax: Axes, lane: Lane, y: float, xmin: float, xmax: float, end: float,
                used: set[str]) -> list[Artist]:
    """The coloured part of one lane: status spans, NIC-down strips, graces, migrations, shares."""
    made: list[Artist] = []
    h = LANE_HEIGHT

    def shown(s: Span) -> bool:
        return s.end > max(s.start, xmin) and s.start < xmax

    for s in filter(shown, lane.spans):
        made.append(ax.add_artist(Rectangle(
            (s.start, y - h / 2), s.end - s.start, h, facecolor=s.color, edgecolor="white", linewidth=0.6,
            hatch=s.hatch, gid=f"{lane.key}|{s.status}")))
        used.add(s.status)
    for s in filter(shown, lane.overlays):
        if s.status == NIC_DOWN:
            made.append(ax.add_artist(Rectangle((s.start, y + h / 2 - 0.18), s.end - s.start, 0.18,
                                                facecolor=s.color, edgecolor="none", gid=f"{lane.key}|{s.status}")))
        elif s.status == GRACE:
            made += ax.plot([s.start, s.end], [y + 0.08, y + 0.08], color=palette.GRACE_COLOR, linewidth=1.4,
                            marker="|", markersize=9, gid=f"{lane.key}|{GRACE}")
        else:
            made.append(ax.add_artist(Rectangle(
                (s.start, y - h / 2), s.end - s.start, h, facecolor="none", edgecolor=palette.MIGRATION_EDGE,
                linewidth=0.8, hatch=s.hatch, gid=f"{lane.key}|{s.status}")))
            if s.text:  # an arrow from source to destination: a line and a head
                made += ax.plot([s.start, s.end], [y, y], color=palette.MIGRATION_EDGE, linewidth=1.2,
                                marker=">", markevery=[1], markersize=5, gid=f"{lane.key}|arrow")
        used.add(s.status)
    if lane.shares:
        xs = [*lane.share_times, end]
        bottom = [0.0] * len(lane.share_times)
        for status, fractions in lane.shares:
            top = [b + f for b, f in zip(bottom, fractions)]
            lo = [y + h / 2 - b * h for b in bottom] + [y + h / 2 - bottom[-1] * h]
            hi = [y + h / 2 - tp * h for tp in top] + [y + h / 2 - top[-1] * h]
            made.append(ax.fill_between(xs, lo, hi, step="post", color=palette.status_color(status), linewidth=0,
                                        gid=f"{lane.key}|{status}"))
            used.add(status)
            bottom = top
    return made


def _draw_marks(ax: Axes, placer: Placer, lane: Lane, y: float, xmin: float, xmax: float,
                used: set[str]) -> list[Artist]:
    """The lane's instants on its top edge, left to right; one that would touch the last sits beside it."""
    made: list[Artist] = []
    right = -float("inf")
    for m in sorted(lane.marks, key=lambda m: m.t):
        if not xmin <= m.t <= xmax:
            continue
        style = mark_style(m.kind)
        half = style.size * ax.figure.dpi / 72 / 2
        px, py = _px(ax, m.t, y - LANE_HEIGHT / 2 - 0.02)
        centre = max(px, right + PAD_PX + half)
        line, = ax.plot([m.t], [y - LANE_HEIGHT / 2 - 0.02], marker=style.marker, color=style.color,
                        markersize=style.size, linestyle="none",
                        **({} if style.marker.startswith("$") else {"markeredgecolor": "white",
                                                                     "markeredgewidth": 0.5}),
                        transform=_shift(ax, centre - px), gid=f"mark|{lane.key}|{m.kind}|{m.text}", clip_on=False)
        made.append(line)
        box = Box(centre - half, py - half, centre + half, py + half)
        placer.take(box)
        line.placed_box = box
        right = box.x1
        used.add(m.kind)
        if m.note:  # right of the mark, or left of it, in the lane's lower half, or under the lane's name row
            note = ax.text(m.t, y + 0.2, m.note, fontsize=NOTE_FONT, va="center", clip_on=False,
                           gid=f"label|note|{lane.key}",
                           bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none",
                                 "alpha": 0.9})
            candidates = [{"ha": "left", "transform": _shift(ax, box.x1 + 3 - px)},
                          {"ha": "right", "transform": _shift(ax, box.x0 - 3 - px)}]
            if placer.place(note, candidates, within=_axes_box(ax)) is not None:
                made.append(note)
    return made


def _axes_box(ax: Axes) -> Box:
    e = ax.get_window_extent()
    return Box(e.x0, e.y0, e.x1, e.y1)


def _draw_lane_words(ax: Axes, placer: Placer, lane: Lane, y: float, xmin: float, xmax: float,
                     end: float) -> list[Artist]:
    """Each span's words centred in what shows of it, or slid to a free side; the last one may run on
    into the empty future beside the lane; a word that fits nowhere is not drawn."""
    made: list[Artist] = []
    inside = _axes_box(ax)
    half_h = LANE_HEIGHT / 2
    for start, stop, words in lane.labels:
        a, b = max(start, xmin), min(stop, xmax)
        if b <= a:
            continue
        fill = next((s.color for s in lane.spans if s.start <= start < s.end), "#ffffff")
        color = palette.text_color(fill) if fill.startswith("#") else "black"
        (x0, y0), (x1, y1) = _px(ax, a, y + half_h), _px(ax, b, y - half_h)
        span_box = Box(x0, y0, x1, y1)
        text = ax.text((a + b) / 2, y, words, ha="center", va="center", fontsize=SPAN_FONT, color=color,
                       clip_on=False, gid=f"label|span|{lane.key}")
        candidates = [{"x": (a + b) / 2, "ha": "center"}, {"x": a, "ha": "left", "transform": _shift(ax, 4)},
                      {"x": b, "ha": "right", "transform": _shift(ax, -4)}]
        if placer.place(text, candidates, within=span_box) is not None:
            made.append(text)
            continue
        if stop >= end and end < xmax:  # the lane's last span: its words may follow it into the future
            text = ax.text(end, y, words, ha="left", va="center", fontsize=SPAN_FONT, color="#212121",
                           transform=_shift(ax, 5), clip_on=False, gid=f"label|span|{lane.key}")
            if placer.place(text, [{}], within=inside) is not None:
                made.append(text)
    for s in lane.overlays:
        if s.status != GRACE or not s.text:
            continue
        a, b = max(s.start, xmin), min(s.end, xmax)
        if b <= a:
            continue
        fill = next((sp.color for sp in lane.spans if sp.start <= s.start < sp.end), "#ffffff")
        (x0, y0), (x1, y1) = _px(ax, a, y + half_h), _px(ax, b, y - half_h)
        text = ax.text((a + b) / 2, y - 0.12, s.text, ha="center", va="center", fontsize=NOTE_FONT,
                       color=palette.text_color(fill) if fill.startswith("#") else "black", clip_on=False,
                       gid=f"label|grace|{lane.key}")
        if placer.place(text, [{}], within=Box(x0, y0, x1, y1)) is not None:
            made.append(text)
    return made


def _draw_top_row(ax: Axes, placer: Placer, fault_records: Sequence[ev.FaultInjected], now: float | None,
                  xmin: float, xmax: float, used: set[str]) -> list[Artist]:
    """The fault lines and the now line, and their words in rows above the axes: now first, then each
    fault right of its line, or left of it, in the first row where it touches nothing."""
    made: list[Artist] = []
    top = blended_transform_factory(ax.transData, ax.transAxes)
    row_px = TOP_FONT * 1.45 * ax.figure.dpi / 72
    figure = Box(0, 0, *ax.figure.canvas.get_width_height(physical=True))
    if now is not None and xmin <= now <= xmax:
        made.append(ax.axvline(now, color=palette.NOW_COLOR, linewidth=1.6, gid="now"))
        text = ax.text(now, 1.0, f"now {audit.clock(now)}", transform=_shift(ax, -3, 3, top), ha="right",
                       va="bottom", fontsize=TOP_FONT, fontweight="bold", gid="label|now|top")
        placed = placer.place(text, [{"transform": _shift(ax, dx, 3 + row * row_px, top), "ha": ha}
                                     for row in range(TOP_ROWS) for dx, ha in ((-3, "right"), (3, "left"))],
                              within=figure)
        made += [placed] if placed is not None else []
        used.add(NOW)
    times: dict[float, list[str]] = defaultdict(list)
    for f in fault_records:
        if xmin <= f.t <= xmax:
            times[f.t].append(actions.fault_label(f))
    for t, texts in sorted(times.items()):
        made.append(ax.axvline(t, color=palette.FAULT_COLOR, linestyle="--", linewidth=1.2, gid="fault"))
        words = "; ".join(texts[:2]) + (f"; +{len(texts) - 2} more" if len(texts) > 2 else "")
        text = ax.text(t, 1.0, words, fontsize=TOP_FONT, va="bottom", color=palette.FAULT_COLOR,
                       gid="label|fault|top")
        placed = placer.place(text, [{"transform": _shift(ax, dx, 3 + row * row_px, top), "ha": ha}
                                     for row in range(TOP_ROWS) for dx, ha in ((3, "left"), (-3, "right"))],
                              within=figure)
        made += [placed] if placed is not None else []
        used.add(FAULT)
    return made


def draw_content(ax: Axes, lanes: Sequence[Lane], ys: Sequence[float], t0: float, end: float, xmax: float, *,
                 fault_records: Sequence[ev.FaultInjected] = (), now: float | None = None,
                 xmin: float | None = None) -> tuple[list[Artist], set[str]]:
    """The changing part of a timeline: spans, marks, faults, the now line, and their words.

    Only what falls in [`xmin`, `xmax`] (the time window) is drawn. Words are placed after
    everything they could hide (see `labels`). Returns the artists it added (a live view redraws
    just these) and the legend keys of what they show. Every span is a Rectangle whose gid is
    `lane key|status` (tests read them); every word a Text whose gid starts with `label|`.
    """
    xmin = t0 if xmin is None else xmin
    _set_limits(ax, ys, xmin, xmax)
    placer = Placer(ax)
    used: set[str] = set()
    made: list[Artist] = []
    for lane, y in zip(lanes, ys):
        made += _draw_spans(ax, lane, y, xmin, xmax, end, used)
    made += _draw_top_row(ax, placer, fault_records, now, xmin, xmax, used)
    for lane, y in zip(lanes, ys):
        made += _draw_marks(ax, placer, lane, y, xmin, xmax, used)
    for lane, y in zip(lanes, ys):
        made += _draw_lane_words(ax, placer, lane, y, xmin, xmax, end)
    return made, used


def draw_frame(ax: Axes, lanes: Sequence[Lane], ys: Sequence[float], headings: Sequence[tuple[float, str]],
               t0: float, xmax: float, *, title: str | None, legend: Iterable[str]) -> None:
    """The part of a timeline that stays while the clock runs: lane labels, time axis, headings, legend.

    `t0` is the left edge of what shows (the time window's start).
    """
    left = blended_transform_factory(ax.transAxes, ax.transData)
    for y, text in headings:
        ax.text(0.002, y, text, transform=left, ha="left", va="center", fontsize=HEADING_FONT, fontweight="bold",
                color="#37474f")
    _set_limits(ax, ys, t0, xmax)
    set_window(ax, t0, xmax)
    ax.yaxis.set_major_locator(FixedLocator(ys))
    ax.set_yticklabels([lane.label for lane in lanes], fontsize=LANE_FONT)
    ax.tick_params(axis="y", length=0)
    ax.tick_params(axis="x", labelsize=TICK_FONT)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: audit.clock(x)))
    ax.set_xlabel("simulated time (minutes:seconds)", fontsize=TICK_FONT)
    ax.grid(axis="x", color="#eceff1", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    if title:
        ax.set_title(title, loc="left", fontsize=TITLE_FONT, pad=6 + TOP_ROWS * TOP_FONT * 1.45)
    draw_legend(ax, legend)


def draw_legend(ax: Axes, keys: Iterable[str]) -> Artist | None:
    """The legend of these keys beside the axes, in the legend's order (None when there are none).

    A live view draws it with the content, so a legend that grows costs no redraw of the frame.
    """
    keys = sorted(keys, key=_legend_rank)
    if not keys:
        return None
    return ax.legend(handles=[legend_handle(key) for key in keys], loc="upper left", bbox_to_anchor=(1.01, 1.0),
                     fontsize=LEGEND_FONT, frameon=False, title="legend (what this figure shows)",
                     title_fontsize=LEGEND_FONT, alignment="left")


def set_window(ax: Axes, xmin: float, xmax: float) -> None:
    """Show [xmin, xmax] of the timeline: the limits and the time axis's ticks."""
    ax.set_xlim(xmin, xmax)
    ax.xaxis.set_major_locator(FixedLocator(_time_ticks(xmin, xmax)))


def legend_entries(ax: Axes) -> list[str]:
    """The words of the legend as drawn (for tests and the page a browser test reads)."""
    legend = ax.get_legend()
    return [t.get_text() for t in legend.get_texts()] if legend is not None else []


def legend_order(keys: Iterable[str]) -> list[str]:
    """The keys in the legend's order."""
    return sorted(keys, key=_legend_rank)


def legend_words(keys: Iterable[str]) -> list[str]:
    """The legend's words for these keys, in the legend's order."""
    return [legend_handle(key).get_label() for key in legend_order(keys)]


def draw_lanes(ax: Axes, lanes: Sequence[Lane], t0: float, end: float, *,
               fault_records: Sequence[ev.FaultInjected] = (), now: float | None = None,
               title: str | None = None, xmax: float | None = None, xmin: float | None = None) -> Axes:
    """Draw prepared lanes. They stop at `end`; the axis may reach on to `xmax`, leaving room for what comes next.

    With `xmin`, [`xmin`, `xmax`] is a window the student chose, and may end before `end`.
    The legend lists what was drawn; a legend taller than the lanes makes the figure taller.
    """
    ys, headings = lane_positions(lanes)
    xmax = max(end, xmax or end) if xmin is None else (xmax or end)
    xmin = t0 if xmin is None else xmin
    _, used = draw_content(ax, lanes, ys, t0, end, xmax, fault_records=fault_records, now=now, xmin=xmin)
    width, height = timeline_size(len(lanes), len(used))
    if height > ax.figure.get_figheight() and len(ax.figure.axes) == 1:
        ax.figure.set_size_inches(width, height)  # the lanes only get taller: placed words stay apart
        place_axes(ax)
    draw_frame(ax, lanes, ys, headings, xmin, xmax, title=title, legend=used)
    return ax


def draw_timeline(
    log: Sequence[ev.Record],
    scenario: Scenario | None = None,
    *,
    until: float | None = None,
    now: float | None = None,
    xmax: float | None = None,
    xmin: float | None = None,
    ax: Axes | None = None,
    max_host_lanes: int = MAX_HOST_LANES,
    max_vm_lanes: int = MAX_VM_LANES,
) -> Axes:
    """Draw the timeline of `log` up to `until` (default: the whole run) on `ax` and return it.

    `xmin`, `xmax` show a window of it (default: all of it).
    """
    lanes = timeline_lanes(log, scenario, until, max_host_lanes=max_host_lanes, max_vm_lanes=max_vm_lanes)
    if ax is None:
        ax = plt.figure(figsize=timeline_size(len(lanes))).add_subplot()
        place_axes(ax)
    return _draw_run(ax, lanes, log, scenario, until, now, xmax, xmin)


def _draw_run(ax: Axes, lanes: Sequence[Lane], log: Sequence[ev.Record], scenario: Scenario | None,
              until: float | None, now: float | None, xmax: float | None, xmin: float | None = None) -> Axes:
    t0, end = timeline_span(log, scenario, until)
    title = scenario.name if scenario is not None else None
    return draw_lanes(ax, lanes, t0, end, fault_records=intervals.injected_faults(log, end), now=now, title=title, xmax=xmax,
                      xmin=xmin)


def timeline_figure(log: Sequence[ev.Record], scenario: Scenario | None = None, *,
                    until: float | None = None, now: float | None = None, xmax: float | None = None,
                    xmin: float | None = None, dpi: float = 100, fig: Figure | None = None) -> Figure:
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
    place_axes(ax)
    _draw_run(ax, lanes, log, scenario, until, now, xmax, xmin)  # the lanes once: they cost seconds on 40,000 VMs
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
