"""A sweep's outcome against one setting: every run a dot, the mean over the seeds a line.

`sweep_lines` turns the rows of `hacourse.sweep.sweep` into lines (one per value of `hue`),
`draw_sweep` draws them. A run whose outcome is None (every HA VM never came back) has no
number to plot: it is drawn as a red cross at the top of the axes, and counted in the legend,
so a setting that loses VMs stands out instead of vanishing from the mean.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.transforms import blended_transform_factory

from hacourse.views import palette

Row = Mapping[str, object]
LINE_COLORS = ("#1e88e5", "#ef6c00", "#2e9d48", "#8e24aa", "#5d4037", "#00838f")


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


def draw_sweep(rows: Sequence[Row], x: str, y: str, hue: str | None = None, ax: Axes | None = None,
               ylabel: str | None = None) -> Axes:
    """Draw `y` against `x`; numbers on a numeric axis, anything else (policies, booleans) as categories."""
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    lines = sweep_lines(rows, x, y, hue)
    every_x = list(dict.fromkeys(v for line in lines for v in line.xs))
    numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in every_x)
    where = (lambda v: v) if numeric else {v: i for i, v in enumerate(every_x)}.__getitem__
    top = blended_transform_factory(ax.transData, ax.transAxes)
    for i, line in enumerate(lines):
        color = LINE_COLORS[i % len(LINE_COLORS)]
        label = f"{hue} = {line.label}" if hue else None
        known = sorted((where(v), m) for v, m in zip(line.xs, line.means) if m is not None)
        if known:
            ax.plot(*zip(*known), color=color, marker="o", label=label)
        if line.points:
            ax.scatter([where(v) for v, _ in line.points], [v for _, v in line.points],
                       color=color, alpha=0.35, s=14, linewidths=0)
        if line.missing:
            ax.scatter([where(v) for v in line.missing], [0.97] * len(line.missing), transform=top,
                       marker="x", color=palette.FAULT_COLOR, s=40, clip_on=False,
                       label=f"no number ({len(line.missing)} runs)" + (f", {label}" if label else ""))
    if not numeric:
        ax.set_xticks(range(len(every_x)), [str(v) for v in every_x])
    ax.set_xlabel(x)
    ax.set_ylabel(ylabel or y)
    ax.grid(alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize="small")
    return ax
