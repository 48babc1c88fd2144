"""The portal's Hosts and Virtual Machines tabs, and the shell console, driven as a student would."""

from __future__ import annotations

import pytest

from hacourse import events as ev
from hacourse import load_scenario, simulate
from hacourse.analysis import episodes, intervals
from hacourse.panel.admin import PortalTabs, ShellConsole
from hacourse.panel.widgets import Lesson
from hacourse.views.portal import hosts_tab, vms_tab, vms_tab_html
from tests.seed import SEED


@pytest.fixture(scope="module")
def seed():
    return load_scenario(SEED)


@pytest.fixture(scope="module")
def seed_log(seed):
    return simulate(seed, seed=0)


def test_hosts_tab_before_the_fault_shows_atlantic_as_spm_and_pacific_with_six_vms(seed, seed_log):
    rows = {r.name: r for r in hosts_tab(seed_log, seed, 30)}
    assert (rows["atlantic"].status, rows["atlantic"].spm, rows["atlantic"].vms) == ("Up", True, 1)
    assert (rows["pacific"].status, rows["pacific"].spm, rows["pacific"].vms) == ("Up", False, 6)
    assert rows["pacific"].nics_down == ()


def test_hosts_tab_after_the_grace_shows_pacific_non_operational_with_its_nic_down(seed, seed_log):
    non_op = episodes.first_status(seed_log, "pacific", "NonOperational").t
    rows = {r.name: r for r in hosts_tab(seed_log, seed, non_op)}
    assert rows["pacific"].status == "NonOperational"
    assert rows["pacific"].nics_down == ("p1p1 (storage)",)
    end = {r.name: r for r in hosts_tab(seed_log, seed, seed.duration)}
    assert (end["pacific"].vms, end["atlantic"].vms) == (0, 7)  # every VM left Pacific


def test_vms_tab_shows_migration_progress_and_waiting_vms(seed, seed_log):
    first = intervals.migration_spans(seed_log)[0]
    rows = {r.name: r for r in vms_tab(seed_log, seed, first.transfer_start + 20)}
    assert rows[first.vm].status == "MigratingFrom"
    assert rows[first.vm].migration.startswith(f"to {first.destination}: ")
    assert rows[first.vm].migration.endswith(" %")
    waiting = [r.name for r in rows.values() if r.migration.endswith("waiting for a slot")]
    assert waiting  # max_outgoing_migrations = 3: the lower-priority VMs wait


def test_selecting_a_host_lists_only_its_vms(seed, seed_log):
    on_atlantic = vms_tab(seed_log, seed, 30, host="atlantic")
    assert [r.name for r in on_atlantic] == ["dns1"]
    assert vms_tab(seed_log, seed, seed.duration, host="pacific") == []
    assert "No virtual machines run on pacific." in vms_tab_html([], host="pacific")


@pytest.fixture
def lesson(seed):
    return Lesson(seed, seed=0, scripted_faults=False)


def test_console_ifdown_storage_shows_in_the_portal_after_the_grace(lesson):
    tabs = PortalTabs(lambda: lesson.sim)
    console = ShellConsole(lambda: lesson.sim, on_change=lambda: (lesson.refresh(), tabs.refresh()), host="pacific")
    lesson.step(60)
    console.command.value = "ifconfig"  # what Enter does in the browser
    assert "storage   Link encap:Ethernet" in console.screen.value
    assert console.command.value == ""
    console.command.value = "ifdown storage"
    assert [(f.t, f.action, f.target) for f in intervals.injected_faults(lesson.log)] == [(60.0, "ifdown", "storage")]
    assert "[root@pacific ~]# ifdown storage" in console.screen.value
    lesson.step(120)
    tabs.refresh()
    assert 'data-host="pacific" data-status="NonOperational"' in tabs.hosts.value
    tabs.select_host("pacific")
    assert tabs.tabs.selected_index == 1  # the Virtual Machines tab, narrowed to Pacific
    assert "Virtual machines on pacific" in tabs.vms.value and 'data-vm="dns1"' not in tabs.vms.value


def test_console_follows_the_lesson_reset_and_host_choice(lesson):
    console = ShellConsole(lambda: lesson.sim)
    assert console.shell.host == "atlantic"
    console.host.value = "pacific"
    assert "$ ssh root@pacific" in console.screen.value
    console.type("ifdown p1p1")
    lesson.reset()
    assert intervals.injected_faults(lesson.log) == []
    assert console.shell.sim is lesson.sim
    assert "RUNNING" in console.type("ifconfig p1p1")
    assert console.type("nosuch") == "-bash: nosuch: command not found"
    assert console.errors.outputs == ()


def test_why_on_an_event_shows_its_own_chain_first_and_folds_what_came_before():
    """Lesson 0's 12:06 Non Operational event: the ifdown at 11:00 and the NIC grace explain it; the
    reboot, the fence and the migrations before Pacific was last Up are folded under "Earlier"."""
    from hacourse.panel.admin import add_admin_tools
    from tests.seed import ROOT

    lesson = Lesson(load_scenario(ROOT / "scenarios" / "guides-lab.yaml"), seed=0, scripted_faults=False)
    console, tabs = add_admin_tools(lesson, host="pacific")
    lesson.step(60)
    console.type("reboot")
    lesson.step(600)
    console.type("ssh root@pacific")
    console.type("ifdown storage")
    lesson.step(300)
    index = next(i for i, r in enumerate(lesson.log)
                 if isinstance(r, ev.HostStatusChanged) and r.new == "NonOperational")
    html = tabs.explain_event(index)
    chain, _, earlier = html.partition('class="hacourse-why-earlier"')
    assert "Admin ran &#x27;ifdown storage&#x27;" in chain and "Engine saw p1p1 (storage) down" in chain
    assert "moved from Up to NonOperational" in chain
    assert "reboot" not in chain and "fenced" not in chain
    assert "Earlier:" in earlier and "reboot" in earlier and "fenced" in earlier
    assert "max-height" not in html  # nothing cuts the answer off


def test_the_panel_picks_the_host_of_the_lessons_first_fault_even_without_a_control_for_it():
    from hacourse.panel.admin import add_admin_tools
    from tests.seed import ROOT

    lesson = Lesson(load_scenario(ROOT / "scenarios" / "guides-lab.yaml"), seed=0, scripted_faults=False)
    add_admin_tools(lesson, host="pacific")
    assert lesson.pickers["host"].value == "pacific"


def test_in_a_kernel_the_event_picker_follows_the_clock_a_moment_after_the_timeline():
    """In a kernel (a running loop) the picker's list is sent after the redraw, so the timeline shows
    first; it then lists the newest events, and picking an event before it came still works."""
    import asyncio

    from hacourse.panel.admin import EVENT_LIST_DELAY_S, add_admin_tools

    async def clicks():
        lesson = Lesson(load_scenario(SEED), seed=0, scripted_faults=False)
        _, tabs = add_admin_tools(lesson, host="pacific")
        before = list(tabs.event.options)
        lesson.inject("ifdown", host="pacific", nic="p1p1")
        lesson.step(120)
        assert list(tabs.event.options) == before  # not yet: the timeline goes first
        await asyncio.sleep(EVENT_LIST_DELAY_S * 2)
        listed = [label for label, _ in tabs.event.options]
        assert any("ifdown" in label.lower() or "p1p1" in label for label in listed), listed
        lesson.step(60)
        newest = max(i for i, r in enumerate(lesson.log) if not isinstance(r, ev.SimulationStarted | ev.Decision))
        assert "Why?" in tabs.explain_event(newest)  # picked at once: the list is made first

    asyncio.run(clicks())
