"""A sweep's outcome against one setting: every run a dot, the mean over the seeds a line.

`sweep_lines` turns the rows of `hacourse.study.sweep.sweep` into lines (one per value of `hue`),
`draw_sweep` draws them. A run whose outcome is None (every HA VM never came back) has no
number to plot: it is drawn as a red cross at the top of the axes, and counted in the legend,
so a setting that loses VMs stands out instead of vanishing from the mean. Lines that coincide
(`coinciding`) are drawn side by side, a little apart along x with their own marker and dashes,
and a note in the figure names them, so a class never sees one line where there are two.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from hacourse.views import palette

if TYPE_CHECKING:
    from matplotlib.axes import Axes

Row = Mapping[str, Any]
"""One run of a sweep: its settings (any scenario value), its seed and its outcomes (numbers, or None)."""
LINE_COLORS = ("#1e88e5", "#ef6c00", "#2e9d48", "#8e24aa", "#5d4037", "#00838f")
MARKERS = ("o", "s", "^", "D", "v", "P")
DASHES = ("-", "--", ":", "-.")
NUDGE = 0.012  # how far apart coinciding lines are drawn: a fraction of the x range (0.08 of a category)

LABELS: dict[str, str] = {
    "engine_profile": "engine era",
    "engine_config.migration_max_bandwidth": "migration bandwidth per VM (MiB/s)",
    "cluster.fencing_policy.skip_if_connectivity_broken": "skip fencing while many hosts are unreachable",
    "cluster.fencing_policy.hosts_with_broken_connectivity_threshold": "unreachable hosts before fencing stops (%)",
    "management_down": "hosts that lose the management network",
    "seed": "seed",
    "ha_recovery_s": "until every HA VM runs again (s)",
    "ha_vm_down_s": "HA VM-seconds not running",
    "ha_vm_portal_down_s": "HA VM-seconds not shown Up in the portal",
    "ha_availability": "HA VMs' availability (guest running)",
    "non_ha_availability": "other VMs' availability (guest running)",
    "vms_paused": "VMs paused",
    "vms_down_at_end": "VMs Down at the end",
    "ha_vms_down_at_end": "HA VMs Down at the end",
    "migrations": "migrations started",
    "migrations_failed": "migrations failed",
    "hosts_non_operational": "hosts Non Operational",
    "hosts_non_responsive": "hosts Non Responsive",
    "hosts_fenced": "hosts fenced",
}
"""Sweep columns in a student's words (figure axes, legends, table headers); the key stays in tooltips."""


def label_of(column: str) -> str:
    """A column's words: from `LABELS`, else its last dotted part with spaces for underscores."""
    return LABELS.get(column, column.rsplit(".", 1)[-1].replace("_", " "))


def _value_words(value: object) -> str:
    return ("yes" if value else "no") if isinstance(value, bool) else str(value)


@dataclass(frozen=True)
class SweepLine:
    label: str  # the hue value, or the y column when there is no hue
    xs: tuple[object, ...]  # the x values, in the order the sweep ran them
    means: tuple[float | None, ...]  # mean of the runs with a number; None when no run had one
    points: tuple[tuple[object, float], ...] = ()  # every run with a number
    missing: tuple[object, ...] = field(default=())  # the x of every run without one


def sweep_lines(rows: Sequence[Row], x: str, y: str, hue: str | None = None) -> list[SweepLine]:
    """The lines of the figure: per `hue` value, `y` against `x` over every seed."""
    for column in (x, y) + ((hue,) if hue else ()):
        if rows and column not in rows[0]:
            raise KeyError(f"no column {column!r}; the rows have: {', '.join(rows[0])}")
    groups: dict[object, list[Row]] = {}
    for row in rows:
        groups.setdefault(row[hue] if hue else y, []).append(row)
    lines = []
    for label, members in groups.items():
        xs = tuple(dict.fromkeys(row[x] for row in members))
        points = tuple((row[x], float(row[y])) for row in members if row[y] is not None)
        missing = tuple(row[x] for row in members if row[y] is None)
        means = []
        for value in xs:
            ys = [v for at, v in points if at == value]
            means.append(sum(ys) / len(ys) if ys else None)
        lines.append(SweepLine(str(label), xs, tuple(means), points, missing))
    return lines


def coinciding(lines: Sequence[SweepLine]) -> list[tuple[str, str]]:
    """Pairs (earlier, later) of lines with the same x values and the same means everywhere: drawn
    plainly, the later one would hide the earlier one."""
    def same(a: SweepLine, b: SweepLine) -> bool:
        return a.xs == b.xs and all(
            (m is None) == (n is None) and (m is None or n is None or abs(m - n) <= 1e-9 * max(1.0, abs(m)))
            for m, n in zip(a.means, b.means, strict=True))
    return [(a.label, b.label) for i, a in enumerate(lines) for b in lines[i + 1:] if same(a, b)]


def draw_sweep(rows: Sequence[Row], x: str, y: str, hue: str | None = None, ax: Axes | None = None,
               ylabel: str | None = None, symlog: float | None = None) -> Axes | None:
    """Draw `y` against `x`; numbers on a numeric axis, anything else (policies, booleans) as categories.
    `symlog`: a symmetric log scale, linear below that value (a loss that spans three decades).

    Where matplotlib cannot be had (the browser's Pyodide kernel of the static site), the numbers
    the figure would draw are shown as a table under a line saying so, and None is returned."""
    try:
        import matplotlib.pyplot as plt
        from matplotlib.transforms import blended_transform_factory
    except ImportError:
        _show_numbers(rows, x, y, hue, ylabel)
        return None
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    lines = sweep_lines(rows, x, y, hue)
    every_x = list(dict.fromkeys(v for line in lines for v in line.xs))
    numbers = [v for v in every_x if isinstance(v, int | float) and not isinstance(v, bool)]
    numeric = len(numbers) == len(every_x)
    where = (lambda v: v) if numeric else {v: i for i, v in enumerate(every_x)}.__getitem__
    top = blended_transform_factory(ax.transData, ax.transAxes)
    same = coinciding(lines)
    hidden = {later for _, later in same}
    step = NUDGE * ((max(numbers) - min(numbers)) or 1.0) if numeric and numbers else 0.08
    nudged = 0
    for i, line in enumerate(lines):
        color = LINE_COLORS[i % len(LINE_COLORS)]
        label = f"{label_of(hue)}: {_value_words(_hue_value(rows, hue, line.label))}" if hue else None
        if line.label in hidden:
            nudged += 1
        dx = step * nudged if line.label in hidden else 0.0
        known = sorted((where(v) + dx, m) for v, m in zip(line.xs, line.means, strict=True) if m is not None)
        if known:
            ax.plot(*zip(*known, strict=True), color=color, marker=MARKERS[i % len(MARKERS)],
                    linestyle=DASHES[i % len(DASHES)], label=label)
        if line.points:
            ax.scatter([where(v) + dx for v, _ in line.points], [v for _, v in line.points],
                       color=color, alpha=0.35, s=14, linewidths=0)
        if line.missing:
            ax.scatter([where(v) for v in line.missing], [0.97] * len(line.missing), transform=top,
                       marker="x", color=palette.FAULT_COLOR, s=40, clip_on=False,
                       label=f"no number ({len(line.missing)} runs)" + (f", {label}" if label else ""))
    if not numeric:
        ax.set_xticks(range(len(every_x)), [_value_words(v) for v in every_x])
    ax.set_xlabel(label_of(x))
    ax.set_ylabel(ylabel or label_of(y))
    if symlog is not None:
        ax.set_yscale("symlog", linthresh=symlog)
    ax.grid(alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize="small")
    if same:
        words = "; ".join(f"{_line_words(rows, hue, b)} coincides with {_line_words(rows, hue, a)}" for a, b in same)
        ax.text(0.01, 0.01, f"{words} (drawn a little to the right)", transform=ax.transAxes, fontsize="small",
                va="bottom", ha="left", gid="coinciding-lines", wrap=True,
                bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none"})
    return ax


def _show_numbers(rows: Sequence[Row], x: str, y: str, hue: str | None, ylabel: str | None) -> None:
    """The sweep's lines as a table (mean over the seeds per value of `x`), for a page without matplotlib."""
    from IPython.display import HTML, display

    from hacourse.views.tables import table_html
    from hacourse.views.without_matplotlib import server_only_note

    lines = sweep_lines(rows, x, y, hue)
    every_x = list(dict.fromkeys(v for line in lines for v in line.xs))
    header = [label_of(x), *(_line_words(rows, hue, line.label) for line in lines)]
    body = [dict(zip(header, [_value_words(v), *(_mean_at(line, v) for line in lines)], strict=True))
            for v in every_x]
    note = server_only_note("This page's Python has no matplotlib, so the figure needs the server version; "
                            f"the numbers it draws ({ylabel or label_of(y)}, the mean over the seeds):")
    display(HTML(note + table_html(body, header)))


def _mean_at(line: SweepLine, value: object) -> str:
    mean = next((m for v, m in zip(line.xs, line.means, strict=True) if v == value), None)
    return "no number" if mean is None else f"{mean:g}"


def _line_words(rows: Sequence[Row], hue: str | None, label: str) -> str:
    return f"{label_of(hue)} {_value_words(_hue_value(rows, hue, label))}" if hue else label


def coinciding_note(ax: Axes) -> str | None:
    """The figure's note on lines that coincide, as drawn (None: no two coincide)."""
    return next((t.get_text() for t in ax.texts if t.get_gid() == "coinciding-lines"), None)


def _hue_value(rows: Sequence[Row], hue: str, label: str) -> object:
    """The hue's value whose string is `label` (a line keeps only the string)."""
    return next((row[hue] for row in rows if str(row[hue]) == label), label)
