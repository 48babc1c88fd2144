"""The timeline of a run as a matplotlib figure: what a file is the product of (`hacourse run --plot`,
the docs' pictures, a lesson's figure of a finished run).

The lanes are data (`views.lanes`); this module draws them. The lesson panel draws the same
lanes as SVG (`views.svg`), without matplotlib.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import matplotlib.pyplot as plt
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import FixedLocator, FuncFormatter
from matplotlib.transforms import blended_transform_factory, offset_copy

from hacourse import events as ev
from hacourse.analysis import audit
from hacourse.model import Scenario
from hacourse.views import palette
from hacourse.views.labels import PAD_PX, Box, Placer, remember
from hacourse.views.lanes import (  # noqa: F401  (re-exported: the lanes were defined here before)
    ADMIN,
    ENGINE_SAW,
    FAULT,
    FENCED_POWER,
    FENCED_SELF,
    FENCED_SOFT,
    FENCING_SKIPPED,
    GRACE,
    GROUP_GAP,
    HA_RESTART,
    HA_RESTART_FAILED,
    LEASE_EXPIRED,
    LEGEND_ORDER,
    MARK_STYLES,
    MAX_HOST_LANES,
    MAX_VM_LANES,
    MIGRATING,
    MIGRATION_FAILED,
    NIC_DOWN,
    NO_SPM,
    NOW,
    REFUSED,
    SPM,
    WAITING,
    Instant,
    Lane,
    Mark,
    MarkStyle,
    Span,
    _legend_rank,
    _time_ticks,
    instants,
    lane_marks,
    lane_positions,
    legend_order,
    legend_words,
    mark_style,
    swatch,
    timeline_lanes,
    timeline_span,
    under,
)

LANE_HEIGHT = 0.76
# Text sizes (points) for a projector at the back of a room: the live figure is 80 dpi, 12 inches wide.
LANE_FONT, SPAN_FONT, NOTE_FONT, TOP_FONT, HEADING_FONT, LEGEND_FONT, TICK_FONT, TITLE_FONT = (
    11, 10, 9.5, 10.5, 10.5, 10, 10.5, 13)
TOP_ROWS = 2  # rows of words above the axes: now, and the faults beside it



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


def figure_of(ax: Axes) -> Figure:
    """The figure `ax` is drawn in (matplotlib's types allow a SubFigure; a timeline never has one)."""
    figure = ax.get_figure(root=True)
    if figure is None:
        raise ValueError("the Axes belongs to no figure")
    return figure


def place_axes(ax: Axes, *, legend_beside: bool = True) -> None:
    """Fixed margins (in inches) for lane labels on the left, the legend on the right, label rows on top."""
    width, height = figure_of(ax).get_size_inches()
    right = RIGHT_IN if legend_beside else LIVE_RIGHT_IN
    ax.set_position((LEFT_IN / width, BOTTOM_IN / height, 1 - (LEFT_IN + right) / width,
                     1 - (BOTTOM_IN + TOP_IN) / height))


def drawn_keys(ax: Axes) -> set[str]:
    """The legend keys of what a drawn timeline shows, read off its artists (not from any legend)."""
    keys = {s.status for s in drawn_spans(ax) if s.end > s.start}
    keys |= {m.kind for m in drawn_marks(ax)}
    gids = {line.get_gid() or "" for line in ax.lines}
    keys |= {key for key in (FAULT, ADMIN, REFUSED, NOW) if key in gids}
    keys |= {GRACE for gid in gids if gid.endswith(f"|{GRACE}")}
    keys |= {gid.split("|", 1)[1] for c in ax.collections if "|" in (gid := c.get_gid() or "")}
    return keys


def legend_handle(key: str) -> Artist | tuple[Artist, ...]:
    """The legend entry for a legend key, as a matplotlib handle (drawn as `lanes.swatch` says)."""
    s = swatch(key)
    if s.shape == "mark":
        return Line2D([], [], marker=s.marker, color=s.color, markersize=s.size, linestyle="none", label=s.words)
    if s.shape == "bracket":
        return Line2D([], [], color=s.color, linewidth=s.width, marker="|", markersize=8, label=s.words)
    if s.shape == "line":
        return Line2D([], [], color=s.color, linewidth=s.width, linestyle="--" if s.dashed else "-", label=s.words)
    box = Patch(facecolor=s.color, edgecolor=s.edge or s.color, hatch=s.hatch, linestyle="--" if s.dashed else "-",
                label=s.words)
    if s.arrow:  # the box with its arrowhead over it (a legend draws a tuple's artists on top of each other)
        head = Line2D([], [], marker=">", color="white", markeredgecolor=s.edge, markeredgewidth=0.6, markersize=7,
                      linestyle="none", label=s.words)
        return box, head
    return box


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
    return offset_copy(base or ax.transData, fig=figure_of(ax), x=dx_px * to_pt, y=dy_px * to_pt, units="points")


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
        elif s.status == WAITING:  # the status paled under a veil, its edge dashed: nothing moves yet
            made.append(ax.add_artist(Rectangle(
                (s.start, y - h / 2), s.end - s.start, h, facecolor=to_rgba(s.color, palette.WAITING_VEIL_OPACITY),
                edgecolor=palette.MIGRATION_EDGE, linewidth=0.8, linestyle="--", gid=f"{lane.key}|{s.status}")))
        else:  # copying: the status shows through, framed, a white arrowhead at its end points to the new host
            made.append(ax.add_artist(Rectangle(
                (s.start, y - h / 2), s.end - s.start, h, facecolor="none", edgecolor=palette.MIGRATION_EDGE,
                linewidth=1.0, gid=f"{lane.key}|{s.status}")))
            made += ax.plot([s.end], [y], marker=">", color="white", markeredgecolor=palette.MIGRATION_EDGE,
                            markeredgewidth=0.6, markersize=7, linestyle="none", transform=_shift(ax, -6),
                            gid=f"{lane.key}|arrow")
        used.add(s.status)
    if lane.shares:
        xs = [*lane.share_times, end]
        bottom = [0.0] * len(lane.share_times)
        for status, fractions in lane.shares:
            top = [b + f for b, f in zip(bottom, fractions, strict=True)]
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
                        transform=_shift(ax, centre - px), gid=f"mark|{lane.key}|{m.kind}|{m.text}", clip_on=False)
        if not style.marker.startswith("$"):  # a drawn mark gets a white rim; a glyph ($...$) none
            line.set_markeredgecolor("white")
            line.set_markeredgewidth(0.5)
        made.append(line)
        box = Box(centre - half, py - half, centre + half, py + half)
        placer.take(box)
        remember(line, box)
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
    for start, stop, words, shorter in lane.labels:
        a, b = max(start, xmin), min(stop, xmax)
        if b <= a:
            continue
        fill = next((s.color for s in lane.spans if s.start <= start < s.end), "#ffffff")
        color = palette.text_color(fill) if fill.startswith("#") else "black"
        (x0, y0), (x1, y1) = _px(ax, a, y + half_h), _px(ax, b, y - half_h)
        span_box = Box(x0, y0, x1, y1)
        candidates = [{"x": (a + b) / 2, "ha": "center"}, {"x": a, "ha": "left", "transform": _shift(ax, 4)},
                      {"x": b, "ha": "right", "transform": _shift(ax, -4)}]
        placed = None
        for form in (words, *shorter):
            text = ax.text((a + b) / 2, y, form, ha="center", va="center", fontsize=SPAN_FONT, color=color,
                           clip_on=False, gid=f"label|span|{lane.key}")
            placed = placer.place(text, candidates, within=span_box)
            if placed is not None:
                made.append(placed)
                break
        if placed is None and stop >= end and end < xmax:  # the lane's last span: its words may follow it
            text = ax.text(end, y, words, ha="left", va="center", fontsize=SPAN_FONT, color="#212121",
                           transform=_shift(ax, 5), clip_on=False, gid=f"label|span|{lane.key}")
            if placer.place(text, [{}], within=inside) is not None:
                made.append(text)
    for s in lane.overlays:  # a migration's order and host, the first form that fits
        a, b = max(s.start, xmin), min(s.end, xmax)
        if not s.words or b <= a:
            continue
        fill, b = under(lane, s, a, b)
        (x0, y0), (x1, y1) = _px(ax, a, y + half_h), _px(ax, b, y - half_h)
        for form in s.words:
            text = ax.text((a + b) / 2, y, form, ha="center", va="center", fontsize=NOTE_FONT, clip_on=False,
                           color=palette.text_color(fill) if fill.startswith("#") else "black",
                           gid=f"label|span|{lane.key}")
            if placer.place(text, [{}, {"x": a, "ha": "left", "transform": _shift(ax, 4)}],
                            within=Box(x0, y0, x1, y1)) is not None:
                made.append(text)
                break
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


_INSTANT_LINE = {FAULT: (palette.FAULT_COLOR, "--"), ADMIN: (palette.ADMIN_COLOR, "-"),
                 REFUSED: (palette.REFUSED_COLOR, ":")}


def _draw_top_row(ax: Axes, placer: Placer, moments: Sequence[Instant], now: float | None,
                  xmin: float, xmax: float, used: set[str]) -> list[Artist]:
    """The lines of faults, admin actions and now, and their words in rows above the axes: now
    first, then each right of its line, or left of it, in the first row where it touches nothing."""
    made: list[Artist] = []
    top = blended_transform_factory(ax.transData, ax.transAxes)
    row_px = TOP_FONT * 1.45 * ax.figure.dpi / 72
    figure = Box(0, 0, *ax.figure.canvas.get_width_height(physical=True))
    if now is not None and xmin <= now <= xmax:
        made.append(ax.axvline(now, color=palette.NOW_COLOR, linewidth=1.6, gid=NOW))
        text = ax.text(now, 1.0, f"now {audit.clock(now)}", transform=_shift(ax, -3, 3, top), ha="right",
                       va="bottom", fontsize=TOP_FONT, fontweight="bold", gid="label|now|top")
        placed = placer.place(text, [{"transform": _shift(ax, dx, 3 + row * row_px, top), "ha": ha}
                                     for row in range(TOP_ROWS) for dx, ha in ((-3, "right"), (3, "left"))],
                              within=figure)
        made += [placed] if placed is not None else []
        used.add(NOW)
    times: dict[tuple[float, str], list[str]] = defaultdict(list)
    for m in moments:
        if xmin <= m.t <= xmax:
            times[(m.t, m.key)].append(m.text)
    for (t, key), texts in sorted(times.items()):
        color, style = _INSTANT_LINE[key]
        made.append(ax.axvline(t, color=color, linestyle=style, linewidth=1.2, gid=key))
        words = "; ".join(texts[:2]) + (f"; +{len(texts) - 2} more" if len(texts) > 2 else "")
        text = ax.text(t, 1.0, words, fontsize=TOP_FONT, va="bottom", color=color, gid=f"label|{key}|top")
        placed = placer.place(text, [{"transform": _shift(ax, dx, 3 + row * row_px, top), "ha": ha}
                                     for row in range(TOP_ROWS) for dx, ha in ((3, "left"), (-3, "right"))],
                              within=figure)
        made += [placed] if placed is not None else []
        used.add(key)
    return made


def draw_content(ax: Axes, lanes: Sequence[Lane], ys: Sequence[float], t0: float, end: float, xmax: float, *,
                 moments: Sequence[Instant] = (), now: float | None = None,
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
    for lane, y in zip(lanes, ys, strict=True):
        made += _draw_spans(ax, lane, y, xmin, xmax, end, used)
    made += _draw_top_row(ax, placer, moments, now, xmin, xmax, used)
    for lane, y in zip(lanes, ys, strict=True):
        made += _draw_marks(ax, placer, lane, y, xmin, xmax, used)
    for lane, y in zip(lanes, ys, strict=True):
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
    return ax.legend(handles=[legend_handle(key) for key in keys], labels=[swatch(key).words for key in keys],
                     loc="upper left", bbox_to_anchor=(1.01, 1.0),
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



def draw_lanes(ax: Axes, lanes: Sequence[Lane], t0: float, end: float, *,
               moments: Sequence[Instant] = (), now: float | None = None,
               title: str | None = None, xmax: float | None = None, xmin: float | None = None) -> Axes:
    """Draw prepared lanes. They stop at `end`; the axis may reach on to `xmax`, leaving room for what comes next.

    With `xmin`, [`xmin`, `xmax`] is a window the student chose, and may end before `end`.
    The legend lists what was drawn; a legend taller than the lanes makes the figure taller.
    """
    ys, headings = lane_positions(lanes)
    xmax = max(end, xmax or end) if xmin is None else (xmax or end)
    xmin = t0 if xmin is None else xmin
    _, used = draw_content(ax, lanes, ys, t0, end, xmax, moments=moments, now=now, xmin=xmin)
    width, height = timeline_size(len(lanes), len(used))
    figure = figure_of(ax)
    if height > figure.get_figheight() and len(figure.axes) == 1:
        figure.set_size_inches(width, height)  # the lanes only get taller: placed words stay apart
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
    return draw_lanes(ax, lanes, t0, end, moments=instants(log, end), now=now, title=title, xmax=xmax,
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
            out.append(DrawnSpan(lane, status, x, x + patch.get_width(), to_rgba(patch.get_facecolor())))
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
            xs = cast("Sequence[float]", line.get_xdata())  # the one time the mark was drawn at
            out.append(DrawnMark(lane, kind, float(xs[0]), text))
    return out


def lane_labels(ax: Axes) -> list[str]:
    return [t.get_text() for t in ax.get_yticklabels()]
