"""Lesson 1 in a real browser: the student's clicks, in JupyterLab and in Voila.

A student opens the lesson, runs it, presses "ifdown storage on pacific" on the control panel and
advances the clock past the engine's grace (`NicDHCPDelayGraceInMS`, 60 s after the engine's
refresh sees the NIC down). What the page then shows: the panel's clock line says Pacific is Non
Operational and VMs are migrating from it, the Events tab lists the status change and the
migrations, and the timeline's picture changed with every click. The timeline's text form under the
picture (what a screen reader reads) says the same, and five minutes later that Pacific's VMs run on
Atlantic. Screenshots go to test-output/.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Locator

pytestmark = pytest.mark.browser

LESSON = "notebooks/01-storage-network-down-non-spm.ipynb"
FAULT = "ifdown storage on pacific"
MAX_STEPS = 12  # +15 s clicks allowed to get past the grace (75 s at most after the engine sees the NIC)


def _panel(page) -> Locator:
    """The student's control panel: the first box holding a step button (the replay panel comes later)."""
    return page.locator(".widget-vbox").filter(has=page.get_by_role("button", name="+15 s")).first


def _lanes(panel: Locator, lane: str = "", **data: str) -> Locator:
    """Lanes of the timeline's text form whose key starts with `lane` (`host:pacific`, `vm:`), with these data."""
    wanted = "".join(f'[data-{key}="{value}"]' for key, value in data.items())
    return panel.locator(f'.hacourse-timeline-text li.hacourse-lane[data-lane^="{lane}"]{wanted}')


def _drive_the_fault(app, record_timing: Callable[[str, float], None], in_lab: bool) -> None:
    """+1 min, ifdown storage on pacific, +15 s until Pacific is Non Operational, +1 min, then +5 min."""
    panel = _panel(app.page)
    clock = panel.locator(".widget-html").first
    timeline = panel.locator("img").first
    app.wait_for(panel.get_by_role("button", name=FAULT), "the ifdown button on the panel")

    def click(name: str, what: str) -> None:
        old = timeline.get_attribute("src")
        panel.get_by_role("button", name=name).click()
        record_timing(f"click '{name}' -> updated timeline", app.wait_for_change(timeline, old, what))

    click("+1 min", "the timeline after +1 min")
    app.wait_for(clock.filter(has_text="t = 1:00"), "the clock at 1:00")
    click(FAULT, "the timeline after ifdown")
    app.wait_for(
        panel.get_by_text("Admin ran 'ifdown storage' on host pacific."), "the ifdown in the Events tab"
    )

    for _ in range(MAX_STEPS):
        if "pacific NonOperational" in clock.inner_text():
            break
        click("+15 s", "the timeline after +15 s")
    assert "pacific NonOperational" in clock.inner_text(), (
        f"after {MAX_STEPS} steps of 15 s the panel says: {clock.inner_text()}"
    )
    click("+1 min", "the timeline after +1 min")

    app.assert_no_errors()
    line = clock.inner_text()
    assert "pacific NonOperational" in line and "MigratingFrom" in line, line
    events = panel.locator(".hacourse-events table").first.inner_text()
    assert "Host pacific moved from Up to NonOperational state (NETWORK_INTERFACE_IS_DOWN" in events
    assert "Migration started (VM: db1, Source: pacific, Destination: atlantic" in events
    pacific = _lanes(panel, "host:pacific")
    app.wait_for(_lanes(panel, "host:pacific", status="NonOperational"), "Pacific Non Operational in the text form")
    assert pacific.inner_text().startswith("pacific: NonOperational since"), pacific.inner_text()

    click("+5 min", "the timeline after +5 min")
    app.wait_for(_lanes(panel, "vm:web1", host="atlantic"), "web1, the last VM to leave, on Atlantic in the text form")
    lines = _lanes(panel, "vm:").all_inner_texts()
    assert _lanes(panel, "vm:", host="atlantic", status="Up").count() == len(lines) == 7, lines
    assert sum("ran on pacific → atlantic" in line for line in lines) == 6, lines  # all but dns1, there from the start
    assert pacific.get_attribute("data-status") == "NonOperational", pacific.inner_text()
    app.assert_no_errors()

    figure_check = app.page.locator(
        ".jp-OutputArea-output", has_text="the figure shows Pacific Non Operational"
    )
    if in_lab:  # section 5 (the procedure in code) is for JupyterLab; Voila drops it
        assert figure_check.count(), "the lesson's own check of its figure (section 5) printed nothing"
    else:
        assert not figure_check.count(), "Voila shows section 5, meant for JupyterLab only"
    panel.scroll_into_view_if_needed()
    app.screenshot("page")
    app.screenshot("panel", of=panel)


def test_in_jupyterlab_ifdown_storage_makes_pacific_non_operational_and_vms_migrate(
    served_dir: Path, jupyter_lab, record_timing
) -> None:
    lab = jupyter_lab(served_dir)
    lab.open(LESSON)
    start = time.perf_counter()
    lab.run_all()
    lab.wait_for(lab.page.locator(".jp-OutputArea-output img").first, "the first plot", timeout_s=120)
    record_timing("Run All Cells -> first plot", time.perf_counter() - start)
    lab.wait_for(_panel(lab.page).locator("img").first, "the control panel's timeline", timeout_s=120)
    record_timing("Run All Cells -> control panel's timeline", time.perf_counter() - start)
    lab.wait_until_idle(timeout_s=180)
    record_timing("Run All Cells -> every cell run", time.perf_counter() - start)
    _drive_the_fault(lab, record_timing, in_lab=True)


def test_in_voila_the_lesson_app_shows_the_same(served_dir: Path, voila, record_timing) -> None:
    app = voila(served_dir / LESSON)
    start = time.perf_counter()
    app.open()
    app.wait_for(app.page.locator(".jp-OutputArea-output img").first, "the first plot", timeout_s=120)
    record_timing("open the app -> first plot", time.perf_counter() - start)
    app.wait_for(_panel(app.page).locator("img").first, "the control panel's timeline", timeout_s=120)
    record_timing("open the app -> control panel's timeline", time.perf_counter() - start)
    _drive_the_fault(app, record_timing, in_lab=False)
