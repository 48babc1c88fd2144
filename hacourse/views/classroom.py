"""The class at a glance as a figure: a bar per question, the share of students who got it,
labelled with the count and the commonest wrong answer (`hacourse.grading.summary` makes the data)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

if TYPE_CHECKING:
    from hacourse.grading.summary import QuestionSummary


def draw_class_summary(summaries: Sequence[QuestionSummary], ax: Axes | None = None) -> Axes:
    """Questions top to bottom, each bar the share who got it; returns the axes."""
    if ax is None:
        ax = _figure(summaries).add_subplot()
    names = [s.question for s in summaries][::-1]
    shares = [s.share for s in summaries][::-1]
    ax.barh(names, shares, color=["#2e7d32" if v >= 0.75 else "#f9a825" if v >= 0.4 else "#c62828" for v in shares])
    for y, s in enumerate(summaries[::-1]):
        wrong = f"; often: {s.wrong_answers[0][0]}" if s.wrong_answers else ""
        ax.text(min(s.share, 1.0) + 0.01, y, f"{s.right}/{s.students}{wrong}", va="center", fontsize=8)
    ax.set_xlim(0, 1.6)
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0])
    ax.set_xticklabels(["0", "25 %", "50 %", "75 %", "100 %"])
    ax.set_xlabel("students who got it")
    ax.set_title("The class at a glance")
    return ax


def _figure(summaries: Sequence[QuestionSummary]) -> Figure:
    figure = Figure(figsize=(8, 0.45 * len(summaries) + 1.2))
    FigureCanvasAgg(figure)
    return figure


def save_class_summary(summaries: Sequence[QuestionSummary], path: str | Path) -> None:
    figure = _figure(summaries)
    draw_class_summary(summaries, figure.add_subplot())
    figure.tight_layout()
    figure.savefig(path, dpi=120)
