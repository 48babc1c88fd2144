"""The lesson's control panel driven from plain Python, as a student drives it with clicks."""

from __future__ import annotations

import pytest

from hacourse import load_scenario
from hacourse.analysis import intervals
from hacourse.panel.widgets import Lesson
from hacourse.views import drawn_spans
from tests.seed import SEED


@pytest.fixture(scope="module")
def seed():
    return load_scenario(SEED)


@pytest.fixture
def lesson(seed):
    return Lesson(seed, seed=0, scripted_faults=False)


def _lane(lesson: Lesson, lane: str) -> set[str]:
    return {s.status for s in drawn_spans(lesson.timeline_picture) if s.lane == lane}


def test_ifdown_storage_on_pacific_then_past_the_grace_shows_non_operational_and_migrations(lesson):
    lesson.control("+1 min").click()
    lesson.control("ifdown storage on pacific").value = True
    faults = intervals.injected_faults(lesson.log)
    assert [(f.t, f.action, f.host, f.target) for f in faults] == [(60.0, "ifdown", "pacific", "storage")]
    assert _lane(lesson, "host:pacific") == {"Up"}  # the NIC went down this instant: a line, no strip yet
    assert [t for key, t in lesson.timeline_picture.lines if key == "fault"] == [60.0]
    lesson.control("+15 s").click()
    assert _lane(lesson, "host:pacific") == {"Up", "NIC down"}
    lesson.control("+1 min").click()
    lesson.control("+15 s").click()
    lesson.control("+15 s").click()
    lesson.control("+15 s").click()
    assert lesson.now == 180.0
    assert "NonOperational" in _lane(lesson, "host:pacific")
    assert "pacific NonOperational" in lesson.clock.value
    migrating = [vm for vm in ("db1", "mail1", "app1") if "migrating (copying memory)" in _lane(lesson, f"vm:{vm}")]
    assert migrating == ["db1", "mail1", "app1"]  # the three first in priority order copy at once
    assert "waiting for a migration slot" in _lane(lesson, "vm:web1")
    assert "Host pacific moved from Up to NonOperational" in lesson.events.value
    text = lesson.timeline_text.value  # the timeline's text form, under its picture
    assert 'class="hacourse-timeline-text"' in text and "at 3:00" in text
    assert '<li class="hacourse-lane" data-lane="host:pacific" data-status="NonOperational">' in text
    assert lesson.timeline.value.startswith('<svg class="hacourse-timeline"')
    assert lesson.topology.value.startswith('<svg class="hacourse-topology"')


def test_releasing_the_toggle_runs_ifup_at_that_time(lesson):
    toggle = lesson.control("ifdown storage on pacific")
    toggle.value = True
    lesson.step(30)
    toggle.value = False
    assert [(f.t, f.action) for f in intervals.injected_faults(lesson.log)] == [(0.0, "ifdown"), (30.0, "ifup")]
    assert intervals.nic_states(lesson.log, lesson.now, lesson.scenario)[("pacific", "p1p1")] is True
    lesson.step(120)
    assert "NonOperational" not in _lane(lesson, "host:pacific")  # back before the grace ran out


def test_each_toggle_says_what_a_click_does_next_and_shows_its_state(lesson):
    names = [w.description for w in lesson.controls()]
    assert len(names) == len(set(names))
    for expected in ("ifdown storage on pacific", "ifdown ovirtmgmt on atlantic", "power off pacific",
                     "+15 s", "+1 min", "+5 min", "reset"):
        assert expected in names
    storage = lesson.control("ifdown storage on pacific")
    assert "nothing of this is in effect" in storage.tooltip and storage.button_style == ""
    storage.value = True
    lesson.control("power off atlantic").value = True
    lesson.control("+5 min").click()
    assert storage.description == "ifup storage on pacific" and storage.button_style == "danger"
    assert "in effect now" in storage.tooltip and "'ifup storage on pacific'" in storage.tooltip
    assert lesson.control("power on atlantic").description == "power on atlantic"
    assert lesson.control("ifdown storage on pacific") is lesson.control("ifup storage on pacific") is storage
    assert "In effect now: ifdown storage on pacific; power off atlantic." in lesson.notes.value
    storage.value = False
    assert storage.description == "ifdown storage on pacific"
    with pytest.raises(KeyError, match="no control 'ifdown storage on indian'"):
        lesson.control("ifdown storage on indian")


def test_a_fence_that_undoes_an_ifdown_releases_the_toggle_and_says_why():
    lesson = Lesson(load_scenario("scenarios/pacific-mgmt-down.yaml"), seed=0, scripted_faults=False)
    lesson.control("+1 min").click()
    toggle = lesson.control("ifdown ovirtmgmt on pacific")
    toggle.value = True
    assert "without a click" not in lesson.notes.value
    for _ in range(5):
        lesson.control("+1 min").click()
    assert toggle.value is False and toggle.description == "ifdown ovirtmgmt on pacific"
    notes = lesson.notes.value
    assert "em1 (ovirtmgmt) on pacific came up without a click: pacific was powered on again" in notes
    assert "an ifdown does not survive a reboot" in notes and "Its toggle released itself." in notes
    assert "The engine cut pacific&#x27;s power" in notes


def test_the_time_window_moves_and_zooms_the_timeline(lesson):
    lesson.control("ifdown storage on pacific").value = True
    lesson.step(600)
    assert lesson.follow.value and lesson.timeline_picture.get_xlim() == (0.0, 900.0)
    lesson.show_window(120, 300)
    assert not lesson.follow.value and lesson.timeline_picture.get_xlim() == (120.0, 300.0)
    lesson.step(15)
    assert lesson.timeline_picture.get_xlim() == (120.0, 300.0)  # a chosen window stays while the clock runs
    lesson.follow.value = True
    assert lesson.timeline_picture.get_xlim() == (0.0, 900.0)


def test_a_window_chosen_up_to_now_keeps_the_next_step_in_view(lesson):
    """Lesson 0's cells show the story so far (0:00 to now); the student's next click must not step
    out of it: the window grows to the next 5 minutes past now, from the same start."""
    lesson.step(600)
    lesson.show_window(0, lesson.now)
    lesson.control("+1 min").click()
    assert not lesson.follow.value and lesson.timeline_picture.get_xlim() == (0.0, 900.0)
    lesson.control("+5 min").click()
    assert lesson.timeline_picture.get_xlim() == (0.0, 1200.0)
    lesson.reset()
    assert lesson.follow.value and lesson.timeline_picture.get_xlim() == (0.0, 300.0)


def test_the_events_filter_and_the_pinned_errors(lesson):
    lesson.control("ifdown storage on pacific").value = True
    lesson.step(180)
    assert "Latest errors and warnings" in lesson.events.value
    lesson.severity.value = "errors"
    assert 'class="event event-normal"' not in lesson.events.value
    assert 'class="event event-error"' in lesson.events.value


def test_the_panel_is_a_list_of_sections_others_can_join(lesson):
    import ipywidgets as widgets

    shell = widgets.HTML("a host shell")
    lesson.add_section(shell)
    assert lesson.widget.children[-2] is shell and lesson.widget.children[-1] is lesson.errors


def test_scripted_faults_press_their_toggle_without_a_second_fault(seed):
    lesson = Lesson(seed, seed=0)
    assert lesson.control("ifdown storage on pacific").value is False
    lesson.control("+5 min").click()
    assert lesson.control("ifdown storage on pacific").value is True
    assert len(intervals.injected_faults(lesson.log)) == len(seed.faults)


def test_play_advances_the_clock_by_the_chosen_speed(lesson):
    lesson.speed.value = 30.0
    lesson.play.value += 1
    lesson.play.value += 1
    assert lesson.now == 60.0


def test_power_off_and_on(lesson):
    lesson.control("power off pacific").value = True
    lesson.step(15)
    lesson.control("power off pacific").value = False
    kinds = [r.event for r in lesson.log if r.event.startswith("HostPowered")]
    assert kinds == ["HostPoweredOff", "HostPoweredOn"]


def test_reset_starts_again_from_zero(lesson):
    lesson.control("ifdown storage on pacific").value = True
    lesson.control("+5 min").click()
    lesson.play.value = 7
    lesson.control("reset").click()
    assert lesson.now == 0.0 and lesson.play.value == 0
    assert lesson.control("ifdown storage on pacific").value is False
    assert intervals.injected_faults(lesson.log) == []
    assert "all hosts Up" in lesson.clock.value
    assert "NonOperational" not in lesson.timeline_text.value


def test_the_clock_stops_at_the_end_of_the_scenario(lesson):
    lesson.step(10 ** 6)
    assert lesson.now == lesson.scenario.duration
    assert all(b.disabled for b in lesson.step_buttons.values())
    assert "end of the scenario" in lesson.clock.value


def test_an_error_in_a_callback_is_not_swallowed_outside_a_notebook(lesson, monkeypatch):
    def broken(*args):
        raise RuntimeError("engine refused")

    monkeypatch.setattr(lesson.sim, "inject", broken)
    with pytest.raises(RuntimeError, match="engine refused"):
        lesson.control("ifdown storage on pacific").value = True


def _visible(widget) -> list:
    """The controls a student sees: those not inside a box hidden by a picker."""
    import ipywidgets as widgets
    if getattr(widget.layout, "display", None) == "none":
        return []
    if isinstance(widget, widgets.Box):
        return [w for child in widget.children for w in _visible(child)]
    return [widget] if isinstance(widget, widgets.Button | widgets.ToggleButton) else []


def test_controls_are_grouped_by_host_and_vm_with_the_lessons_fault_first():
    from hacourse import load_scenario
    from tests.seed import ROOT

    lesson = Lesson(load_scenario(ROOT / "scenarios" / "spm-storage-down.yaml"), seed=0, scripted_faults=False)
    assert lesson.pickers["host"].value == "atlantic"  # the host of the lesson's own fault
    shown = [w.description for w in _visible(lesson.controls_area)]
    assert shown[0] == "ifdown storage on atlantic"
    assert all("atlantic" in d for d in shown if " on " in d or d.startswith(("power", "maintenance")))
    assert len(shown) < len(lesson.fault_controls) / 2  # calmer: one host's and one VM's controls at a time
    lesson.pickers["host"].value = "pacific"
    assert "ifdown storage on pacific" in [w.description for w in _visible(lesson.controls_area)]


def test_a_pressed_toggle_says_what_the_next_click_runs_in_the_engines_words():
    from hacourse import load_scenario
    from tests.seed import ROOT

    lesson = Lesson(load_scenario(ROOT / "scenarios" / "pacific-storage-down.yaml"), seed=0, scripted_faults=False)
    lesson.control("maintenance pacific").value = True
    assert lesson.control("maintenance pacific").description == "activate pacific"
    lesson.control("power off atlantic").value = True
    assert lesson.control("power off atlantic").description == "power on atlantic"
