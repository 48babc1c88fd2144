"""Lesson 1 in a real browser: the student's clicks, in JupyterLab and in Voila.

A student opens the lesson, runs it, presses "ifdown storage on pacific" on the control panel and
advances the clock past the engine's grace (`NicDHCPDelayGraceInMS`, 60 s after the engine's
refresh sees the NIC down). What the page then shows: the toggle reads "ifup storage on pacific"
(what the next click runs), the panel's clock line says Pacific is Non Operational and VMs are
migrating from it, the pinned Error "Host pacific ... Non Operational" tops the Events tab, and
the timeline's picture changed with every click; its words (now, the fault, the grace, the
statuses) never overlap and its legend lists what it draws. The timeline's text form says the
same, and five minutes later that Pacific's VMs run on Atlantic. In JupyterLab the file browser
lists the lesson once and the answers' code is hidden; in Voila, nothing meant for JupyterLab
shows. Screenshots of the panel at each key moment go to test-output/.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from lesson_panel import Driver, assert_legend_is_what_is_drawn, assert_words_apart, hover_title, lanes
from test_guides_lab import _type

pytestmark = pytest.mark.browser

LESSON = "notebooks/01-storage-network-down-non-spm.ipynb"
FAULT = "ifdown storage on pacific"
MAX_STEPS = 12  # +15 s clicks allowed to get past the grace (75 s at most after the engine sees the NIC)


def _drive_the_fault(app, record_timing, in_lab: bool) -> None:
    """+1 min, ifdown storage on pacific, +15 s until Pacific is Non Operational, +1 min, then +5 min."""
    drive = Driver(app, record_timing)
    panel = drive.panel
    app.wait_for(panel.get_by_role("button", name=FAULT), "the ifdown button on the panel")
    assert_legend_is_what_is_drawn(panel)

    drive.click("+1 min")
    app.wait_for(panel.locator(".widget-html").first.filter(has_text="t = 1:00"), "the clock at 1:00")
    drive.click(FAULT)
    app.wait_for(panel.get_by_text("Admin ran 'ifdown storage' on host pacific."), "the ifdown in the Events tab")
    app.wait_for(panel.get_by_role("button", name="ifup storage on pacific"), "the toggle saying what it runs next")
    assert panel.get_by_text("In effect now: ifdown storage on pacific.").count() == 1
    assert_words_apart(panel, "now 1:00", FAULT)  # the two words the issue saw run into each other
    drive.shot("1-at-the-ifdown")

    drive.until("+15 s", lambda: "pacific NonOperational" in drive.clock(), MAX_STEPS, "Pacific Non Operational")
    drive.click("+1 min")
    app.wait_for(panel.locator(".widget-html").first.filter(has_text="MigratingFrom"), "VMs migrating, on the clock line")
    app.assert_no_errors()
    line = drive.clock()
    assert "pacific NonOperational" in line and "MigratingFrom" in line, line
    app.wait_for(panel.locator(".hacourse-events-pinned", has_text="to NonOperational"), "the pinned Error")
    pinned = panel.locator(".hacourse-events-pinned").inner_text()
    assert "Host pacific moved from Up to NonOperational state (NETWORK_INTERFACE_IS_DOWN" in pinned, pinned
    events = panel.locator(".hacourse-events table").first.inner_text()
    assert "Migration started (VM: db1, Source: pacific, Destination: atlantic" in events
    app.wait_for(lanes(panel, "host:pacific", status="NonOperational"), "Pacific Non Operational in the text form")
    assert lanes(panel, "host:pacific").inner_text().startswith("pacific: NonOperational since")
    assert_words_apart(panel, "NonOperational")
    legend = assert_legend_is_what_is_drawn(panel)
    assert "NonOperational" in legend and "NonResponsive" not in legend, legend
    said = hover_title(panel, "host:pacific", "NonOperational")  # what the tooltip shows
    assert said.startswith("pacific: NonOperational\nsince ") and "until " in said and "why: " in said, said
    drive.shot("2-non-operational")

    drive.click("+5 min")
    app.wait_for(lanes(panel, "vm:web1", host="atlantic"), "web1, the last VM to leave, on Atlantic in the text form")
    lines = lanes(panel, "vm:").all_inner_texts()
    assert lanes(panel, "vm:", host="atlantic", status="Up").count() == len(lines) == 7, lines
    assert sum("ran on pacific → atlantic" in line for line in lines) == 6, lines  # all but dns1, there from the start
    assert lanes(panel, "host:pacific").get_attribute("data-status") == "NonOperational"
    assert_words_apart(panel)
    assert_legend_is_what_is_drawn(panel)
    app.assert_no_errors()
    drive.shot("3-plus-5-min")

    figure_check = app.page.locator(".jp-OutputArea-output", has_text="the figure shows Pacific Non Operational")
    if in_lab:  # the procedure in code is for JupyterLab
        assert figure_check.count(), "the lesson's own check of its figure (the procedure in code) printed nothing"
    else:
        assert not figure_check.count(), "Voila shows the procedure in code, meant for JupyterLab only"
    drive.report()
    app.screenshot("page")


def test_in_jupyterlab_ifdown_storage_makes_pacific_non_operational_and_vms_migrate(
    served_dir: Path, jupyter_lab, record_timing
) -> None:
    lab = jupyter_lab(served_dir)
    names = lab.browse("notebooks")  # each lesson once; the text twins are in notebooks/text/
    for lesson in ("01-storage-network-down-non-spm", "02-spm-storage-down", "availability-study"):
        assert sum(lesson in name for name in names) == 1, names
    lab.open(LESSON)
    start = time.perf_counter()
    lab.run_all()
    lab.wait_for(lab.page.locator(".jp-OutputArea-output img").first, "the first plot", timeout_s=120)
    record_timing("Run All Cells -> first plot", time.perf_counter() - start)
    lab.wait_until_idle(timeout_s=180)
    record_timing("Run All Cells -> every cell run", time.perf_counter() - start)
    hidden = lab.page.locator(".jp-CodeCell .jp-InputPlaceholder")
    assert hidden.count() >= 3, "the answers' code is not hidden (it would show the answer above it)"
    assert lab.page.get_by_text("Answer 1 · the order").count() == 1
    _drive_the_fault(lab, record_timing, in_lab=True)


def test_in_voila_the_lesson_app_shows_the_same(served_dir: Path, voila, record_timing) -> None:
    app = voila(served_dir / LESSON)
    start = time.perf_counter()
    app.open()
    app.wait_for(app.page.locator(".jp-OutputArea-output img").first, "the first plot", timeout_s=120)
    record_timing("open the app -> first plot", time.perf_counter() - start)
    app.wait_for(app.page.get_by_role("button", name="+15 s"), "the control panel", timeout_s=120)
    record_timing("open the app -> control panel", time.perf_counter() - start)
    for meant_for_lab in ("Run All Cells", "procedure, in code"):
        assert app.page.get_by_text(meant_for_lab).count() == 0, f"Voila shows {meant_for_lab!r}"
    assert app.page.get_by_role("button", name="+15 s").count() == 1, "a second panel besides the student's"
    _drive_the_fault(app, record_timing, in_lab=False)


def test_in_voila_the_guides_way_ifconfig_then_ifdown_in_pacifics_shell(served_dir: Path, voila) -> None:
    """The guide's admin finds the storage network with `ifconfig` and brings it down with
    `ifdown storage` and `ifdown p1p1`, in Pacific's shell on the lesson's panel."""
    app = voila(served_dir / LESSON)
    app.open()
    shell = app.page.locator(".hacourse-shell").first
    app.wait_for(shell.locator("input[type='text']").first, "Pacific's shell on the panel", timeout_s=120)
    screen = _type(app, shell, "ifconfig", "[root@pacific ~]# ifconfig")
    assert "storage   Link encap:Ethernet" in screen and "p1p1      Link encap:Ethernet" in screen, screen
    _type(app, shell, "ifdown storage", "[root@pacific ~]# ifdown storage")
    _type(app, shell, "ifdown p1p1", "[root@pacific ~]# ifdown p1p1")
    panel = app.page
    app.wait_for(panel.get_by_text("Admin ran 'ifdown storage' on host pacific."), "the ifdown in the Events tab")
    app.wait_for(panel.get_by_role("button", name="ifup storage on pacific"), "the toggle pressed by the shell's ifdown")
    screen = _type(app, shell, "ifconfig", "[root@pacific ~]# ifconfig")
    last = screen.rsplit("[root@pacific ~]# ifconfig", 1)[1]
    assert "storage   Link encap" not in last and "p1p1      Link encap" not in last, last
    app.screenshot("lesson1-voila-shell-ifdown")
    app.assert_no_errors()
