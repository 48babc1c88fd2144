"""The timeline's words as a student reads them: none drawn over another, a legend of what shows.

The moments are the lessons' own: the click of `ifdown` (the fault's words and "now" at one
instant), the SPM hand-over of lesson 2 (a lease mark, a fence flag, a grace's end and short
Connecting/Initializing spans within seconds), lesson 3 after the fence, and a finished run.
Boxes are the drawn extents of the words and marks (`label_boxes`), so a word that collides fails here.
"""

from __future__ import annotations

import pytest

from hacourse import load_scenario, simulate
from hacourse.views import drawn_marks, drawn_spans
from hacourse.views.labels import label_boxes, overlapping
from hacourse.views.timeline import FAULT, NOW, legend_entries, legend_words, timeline_figure
from hacourse.widgets import Lesson

SCENARIOS = "scenarios/{}.yaml"


def _drive(name: str, host: str, network: str, minutes: int, plus_s: float = 0.0) -> Lesson:
    lesson = Lesson(load_scenario(SCENARIOS.format(name)), seed=0, scripted_faults=False)
    lesson.step(60)
    lesson.inject("ifdown", host, network)
    for _ in range(minutes):
        lesson.step(60)
    if plus_s:
        lesson.step(plus_s)
    return lesson


MOMENTS = {
    "lesson 1 at the ifdown": ("pacific-storage-down", "pacific", "storage", 0),
    "lesson 1 in the grace": ("pacific-storage-down", "pacific", "storage", 0, 45),
    "lesson 1 at +5 min": ("pacific-storage-down", "pacific", "storage", 5),
    "lesson 2 at the SPM hand-over": ("spm-storage-down", "atlantic", "storage", 2, 30),
    "lesson 2 at 5:00": ("spm-storage-down", "atlantic", "storage", 4),
    "lesson 3 after the fence": ("pacific-mgmt-down", "pacific", "ovirtmgmt", 5),
}


def _what_shows(ax) -> set[str]:
    """The legend keys of what the figure draws, read off its artists (not from the legend)."""
    keys = {s.status for s in drawn_spans(ax) if s.end > s.start}
    keys |= {m.kind for m in drawn_marks(ax)}
    gids = {line.get_gid() for line in ax.lines}
    keys |= {key for key, gid in ((FAULT, "fault"), (NOW, "now")) if gid in gids}
    keys |= {"grace" for gid in gids if (gid or "").endswith("|grace")}
    return keys


@pytest.mark.parametrize("moment", MOMENTS, ids=list(MOMENTS))
def test_no_two_words_of_the_live_timeline_overlap(moment):
    lesson = _drive(*MOMENTS[moment])
    boxes = label_boxes(lesson.timeline_axes)
    assert boxes, "the timeline shows no words at all"
    assert not overlapping(boxes), overlapping(boxes)


@pytest.mark.parametrize("moment", MOMENTS, ids=list(MOMENTS))
def test_the_legend_lists_exactly_what_the_timeline_draws(moment):
    lesson = _drive(*MOMENTS[moment])
    ax = lesson.timeline_axes
    assert legend_entries(ax) == legend_words(_what_shows(ax))


def test_at_the_click_now_and_the_fault_are_both_written_apart():
    lesson = _drive("pacific-storage-down", "pacific", "storage", 0)
    words = {text: box for kind, text, box in label_boxes(lesson.timeline_axes) if kind in ("now", "fault")}
    assert set(words) == {"now 1:00", "ifdown storage on pacific"}
    assert not words["now 1:00"].overlaps(words["ifdown storage on pacific"])


def test_a_legend_names_no_state_that_never_occurs():
    lesson = _drive("pacific-storage-down", "pacific", "storage", 0)
    assert "NonResponsive" not in legend_entries(lesson.timeline_axes)
    assert "Paused" not in legend_entries(lesson.timeline_axes)


def test_a_finished_run_has_no_overlapping_words_either():
    scenario = load_scenario(SCENARIOS.format("spm-storage-down"))
    fig = timeline_figure(simulate(scenario, seed=0), scenario)
    boxes = label_boxes(fig.axes[0])
    assert boxes and not overlapping(boxes)
    assert legend_entries(fig.axes[0]) == legend_words(_what_shows(fig.axes[0]))


def test_a_time_window_shows_only_its_stretch_and_its_legend():
    scenario = load_scenario(SCENARIOS.format("pacific-storage-down"))
    log = simulate(scenario, seed=0)
    fig = timeline_figure(log, scenario, xmin=0, xmax=50)  # before the ifdown at 1:00
    ax = fig.axes[0]
    assert ax.get_xlim() == (0, 50)
    assert "NonOperational" not in legend_entries(ax) and "fault injected" not in legend_entries(ax)
    fig = timeline_figure(log, scenario, xmin=120, xmax=300)
    assert "NonOperational" in legend_entries(fig.axes[0])
