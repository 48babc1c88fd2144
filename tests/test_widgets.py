"""The lesson's control panel driven from plain Python, as a student drives it with clicks."""

from __future__ import annotations

import pytest

from hacourse import load_scenario
from hacourse.analysis import intervals
from hacourse.views import drawn_spans
from hacourse.widgets import Lesson
from tests.seed import SEED


@pytest.fixture(scope="module")
def seed():
    return load_scenario(SEED)


@pytest.fixture
def lesson(seed):
    return Lesson(seed, seed=0, scripted_faults=False)


def _lane(lesson: Lesson, lane: str) -> set[str]:
    return {s.status for s in drawn_spans(lesson.timeline_axes) if s.lane == lane}


def test_ifdown_storage_on_pacific_then_past_the_grace_shows_non_operational_and_migrations(lesson):
    lesson.control("+1 min").click()
    lesson.control("ifdown storage on pacific").value = True
    faults = intervals.injected_faults(lesson.log)
    assert [(f.t, f.action, f.host, f.target) for f in faults] == [(60.0, "ifdown", "pacific", "storage")]
    assert _lane(lesson, "host:pacific") == {"Up"}  # the NIC went down this instant: a line, no strip yet
    assert [line.get_xdata()[0] for line in lesson.timeline_axes.lines if line.get_gid() == "fault"] == [60.0]
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
    assert lesson.timeline.value[:4] == b"\x89PNG" and lesson.topology.value[:4] == b"\x89PNG"


def test_releasing_the_toggle_runs_ifup_at_that_time(lesson):
    toggle = lesson.control("ifdown storage on pacific")
    toggle.value = True
    lesson.step(30)
    toggle.value = False
    assert [(f.t, f.action) for f in intervals.injected_faults(lesson.log)] == [(0.0, "ifdown"), (30.0, "ifup")]
    assert intervals.nic_states(lesson.log, lesson.now, lesson.scenario)[("pacific", "p1p1")] is True
    lesson.step(120)
    assert "NonOperational" not in _lane(lesson, "host:pacific")  # back before the grace ran out


def test_control_names_are_unique_and_stay_the_same_after_clicks(lesson):
    names = [w.description for w in lesson.controls()]
    assert len(names) == len(set(names))
    for expected in ("ifdown storage on pacific", "ifdown ovirtmgmt on atlantic", "power off pacific",
                     "+15 s", "+1 min", "+5 min", "reset"):
        assert expected in names
    lesson.control("ifdown storage on pacific").value = True
    lesson.control("power off atlantic").value = True
    lesson.control("+5 min").click()
    assert [w.description for w in lesson.controls()] == names
    with pytest.raises(KeyError, match="no control 'ifup storage on pacific'"):
        lesson.control("ifup storage on pacific")


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
