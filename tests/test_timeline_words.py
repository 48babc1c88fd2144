"""The timeline's words as a student reads them: none drawn over another, a legend of what shows.

The moments are the lessons' own: the click of `ifdown` (the fault's words and "now" at one
instant), the SPM hand-over of lesson 2 (a lease mark, a fence flag, a grace's end and short
Connecting/Initializing spans within seconds), lesson 3 after the fence, and a finished run.
The panel's boxes are those its SVG gives each word and mark (`Picture.words`, widths from the
font's table, which a test here holds to the font as matplotlib lays it out; a browser test
measures the drawn words with getBBox); the finished run's are matplotlib's drawn extents.
"""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest

from hacourse import load_scenario, simulate
from hacourse.panel.widgets import Lesson
from hacourse.views import zoom
from hacourse.views.fonts import text_width
from hacourse.views.labels import label_boxes, overlapping
from hacourse.views.lanes import legend_order, legend_words
from hacourse.views.live import LiveTimeline
from hacourse.views.timeline import drawn_keys, legend_entries, timeline_figure

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


@pytest.mark.parametrize("moment", MOMENTS, ids=list(MOMENTS))
def test_no_two_words_of_the_live_timeline_overlap(moment):
    lesson = _drive(*MOMENTS[moment])
    boxes = lesson.timeline_picture.words
    assert boxes, "the timeline shows no words at all"
    assert not overlapping(boxes), overlapping(boxes)


@pytest.mark.parametrize("moment", MOMENTS, ids=list(MOMENTS))
def test_nothing_is_written_past_now(moment):
    lesson = _drive(*MOMENTS[moment])
    picture = lesson.timeline_picture
    past = [(kind, text) for kind, text, box in picture.words if kind != "bracket" and box.x1 > picture.now_x + 0.5]
    assert not past, f"written right of the now line at {picture.now_x}: {past}"


def test_the_width_table_holds_each_word_as_the_font_draws_it():
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    lesson = _drive("spm-storage-down", "atlantic", "storage", 2, 30)
    texts = {text for kind, text, _ in lesson.timeline_picture.words if kind != "mark"}
    measure = TextToPath()
    for bold in (False, True):
        font = FontProperties(family="DejaVu Sans", weight="bold" if bold else "normal", size=13)
        for text in texts | {"NonOperational", "now 12:59", "ifdown storage on pacific"}:
            drawn, _, _ = measure.get_text_width_height_descent(text, font, ismath=False)
            assert drawn - 0.5 <= text_width(text, 13, bold) <= drawn * 1.03 + 1, (text, bold)


@pytest.mark.parametrize("moment", MOMENTS, ids=list(MOMENTS))
def test_the_legend_lists_exactly_what_the_timeline_draws(moment):
    lesson = _drive(*MOMENTS[moment])
    shown = [unescape(w) for w in re.findall(r'<span class="hacourse-legend-words">([^<]*)</span>', lesson.legend.value)]
    keys = re.findall(r'data-key="([^"]*)"', lesson.timeline.value)  # read off the drawn SVG itself
    assert shown == legend_words(set(keys))
    assert re.findall(r'<li class="hacourse-legend-entry" data-key="([^"]*)"', lesson.legend.value) == \
        legend_order(set(keys))
    assert shown and "current time" in shown


def test_at_the_click_now_and_the_fault_are_both_written_apart():
    lesson = _drive("pacific-storage-down", "pacific", "storage", 0)
    words = {text: box for kind, text, box in lesson.timeline_picture.words if kind in ("now", "fault")}
    assert set(words) == {"now 1:00", "ifdown storage on pacific"}
    assert not words["now 1:00"].overlaps(words["ifdown storage on pacific"])


def test_a_legend_names_no_state_that_never_occurs():
    lesson = _drive("pacific-storage-down", "pacific", "storage", 0)
    assert "NonResponsive" not in lesson.legend.value and "Paused" not in lesson.legend.value
    assert 'data-key="fault"' in lesson.legend.value


def test_a_finished_run_has_no_overlapping_words_either():
    scenario = load_scenario(SCENARIOS.format("spm-storage-down"))
    fig = timeline_figure(simulate(scenario, seed=0), scenario)
    boxes = label_boxes(fig.axes[0], measure=True)
    assert boxes and not overlapping(boxes)
    assert legend_entries(fig.axes[0]) == legend_words(drawn_keys(fig.axes[0]))


def test_a_time_window_shows_only_its_stretch_and_its_legend():
    scenario = load_scenario(SCENARIOS.format("pacific-storage-down"))
    log = simulate(scenario, seed=0)
    fig = timeline_figure(log, scenario, xmin=0, xmax=50)  # before the ifdown at 1:00
    ax = fig.axes[0]
    assert ax.get_xlim() == (0, 50)
    assert "NonOperational" not in legend_entries(ax) and "fault injected" not in legend_entries(ax)
    fig = timeline_figure(log, scenario, xmin=120, xmax=300)
    assert "NonOperational" in legend_entries(fig.axes[0])


@pytest.mark.parametrize("finder", [zoom.spm_handover, zoom.fence], ids=["spm_handover", "fence"])
@pytest.mark.parametrize("name", sorted(p.stem for p in Path("scenarios").glob("*.yaml")))
def test_every_shipped_scenario_keeps_its_words_apart_and_before_now_at_every_step(name, finder):
    """Every shipped story, drawn as the panel draws it every 40 s (a lesson's moment enlarged in place
    where a finder finds one): no two words or marks overlap, no word right of now, and the legend's
    keys are the keys the SVG draws."""
    scenario = load_scenario(SCENARIOS.format(name))
    log = simulate(scenario, seed=0)
    timeline = LiveTimeline(scenario)
    for now in range(40, int(min(scenario.duration, 900)) + 1, 40):
        xmax = 300.0 * (now // 300 + 1)
        timeline.render(log, float(now), xmax, 0.0, magnify=finder(log, now))
        picture = timeline.picture
        assert not overlapping(picture.words), (name, now, overlapping(picture.words))
        past = [text for kind, text, box in picture.words if kind not in ("bracket", "mark") and box.x1 > picture.now_x + 0.5]
        assert not past, (name, now, past)
        assert picture.keys == set(re.findall(r'data-key="([^"]*)"', picture.svg)), (name, now)
