"""Lessons 2 and 3 and the availability study in JupyterLab, lesson 3 in Voila: what a student reads.

Lesson 2: `ifdown storage` on the SPM host; around the hand-over the lease mark, the fence flag,
the grace's end and short Connecting/Initializing spans come within seconds, and the timeline's
words and marks must still stand apart; the SPM then moves to Pacific. Lesson 3: `ifdown
ovirtmgmt` on Pacific; the engine fences Pacific, the reboot brings em1 back, the toggle releases
itself and the note under the buttons says why. The study: its tables name their columns in
words (the config key only as a tooltip) and scroll instead of being cut off. Every test looks
for kernel errors after each step and leaves screenshots in test-output/.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from lesson_panel import TIMELINE, Driver, assert_legend_is_what_is_drawn, assert_words_apart, lanes

pytestmark = pytest.mark.browser

LESSON_2 = "notebooks/02-spm-storage-down.ipynb"
LESSON_3 = "notebooks/03-non-responsive-hosts-and-fencing.ipynb"
STUDY = "notebooks/availability-study.ipynb"


def _run_in_lab(jupyter_lab, served_dir: Path, notebook: str, record_timing, timeout_s: float = 240):
    lab = jupyter_lab(served_dir)
    lab.open(notebook)
    start = time.perf_counter()
    lab.run_all()
    lab.wait_until_idle(timeout_s=timeout_s)
    record_timing("Run All Cells -> every cell run", time.perf_counter() - start)
    return lab


def test_lesson_2_in_jupyterlab_the_spm_hand_over_reads_clearly(served_dir: Path, jupyter_lab, record_timing):
    lab = _run_in_lab(jupyter_lab, served_dir, LESSON_2, record_timing)
    drive = Driver(lab, record_timing)
    panel = drive.panel
    drive.click("+1 min")
    drive.click("ifdown storage on atlantic")
    lab.wait_for(panel.get_by_role("button", name="ifup storage on atlantic"), "the pressed toggle's next command")
    assert_words_apart(panel, "now 1:00", "ifdown storage on atlantic")
    drive.until("+15 s", lambda: lanes(panel, "spm", host="pacific").count() == 1, 24, "the SPM on Pacific")
    shown = assert_words_apart(panel)  # the lease mark, the fence flag, the grace's end: all apart
    kinds = [w.text for w in shown if w.kind == "mark"]
    assert any("gave up the SPM lease" in text for text in kinds), kinds
    assert any("fenced (self)" in text for text in kinds), kinds
    written = [w.text for w in shown]  # the hand-over's seconds, enlarged in place on the timeline
    assert {"Connecting", "NonOperational"} <= set(written) and {"Initializing", "Init"} & set(written), written
    assert panel.locator(f"{TIMELINE}[data-band]").count() == 1
    legend = assert_legend_is_what_is_drawn(panel)
    assert "no SPM" in legend and "fenced (self)" in legend, legend
    drive.shot("at-the-spm-hand-over")
    drive.click("+5 min")
    assert_words_apart(panel)
    assert_legend_is_what_is_drawn(panel)
    drive.shot("five-minutes-later")
    lab.assert_no_errors()
    drive.report()


def _fence_and_release(app, record_timing) -> None:
    drive = Driver(app, record_timing)
    panel = drive.panel
    drive.click("+1 min")
    drive.click("ifdown ovirtmgmt on pacific")
    app.wait_for(panel.get_by_role("button", name="ifup ovirtmgmt on pacific"), "the pressed toggle's next command")
    drive.until("+1 min", lambda: panel.get_by_role("button", name="ifdown ovirtmgmt on pacific").count() == 1, 8,
                "the toggle released by the reboot")
    app.wait_for(panel.locator(".hacourse-notes", has_text="came up without a click"), "the note saying why")
    note = panel.locator(".hacourse-notes").inner_text()
    assert "em1 (ovirtmgmt) on pacific came up without a click" in note, note
    assert "an ifdown does not survive a reboot" in note and "Its toggle released itself." in note, note
    assert "The engine cut pacific's power" in note, note
    assert_words_apart(panel)
    legend = assert_legend_is_what_is_drawn(panel)
    assert "Reboot" in legend and "Unknown" in legend and "fenced (power-management)" in legend, legend
    drive.shot("after-the-fence")
    panel.get_by_role("button", name=re.compile(r"^\W*errors$")).click()  # the Events tab severity filter
    app.wait_for(panel.locator(".hacourse-events tr.event-error").first, "the Errors left by the filter")
    normal = panel.locator(".hacourse-events tr.event-normal")
    for _ in range(50):  # the table is redrawn one message after the click: until then it lists them all
        if not normal.count():
            break
        app.page.wait_for_timeout(100)
    assert normal.count() == 0, f"{app.name}: the errors filter still lists {normal.count()} normal events"
    app.assert_no_errors()
    drive.report()


def test_lesson_3_in_jupyterlab_a_fence_releases_the_toggle_and_says_why(served_dir, jupyter_lab, record_timing):
    lab = _run_in_lab(jupyter_lab, served_dir, LESSON_3, record_timing)
    _fence_and_release(lab, record_timing)


def test_lesson_3_in_voila(served_dir: Path, voila, record_timing) -> None:
    app = voila(served_dir / LESSON_3)
    start = time.perf_counter()
    app.open()
    app.wait_for(app.page.get_by_role("button", name="+15 s"), "the control panel", timeout_s=180)
    record_timing("open the app -> control panel", time.perf_counter() - start)
    assert app.page.get_by_text("Run All Cells").count() == 0
    assert app.page.get_by_role("button", name="+15 s").count() == 1, "a second panel besides the student's"
    _fence_and_release(app, record_timing)


def test_the_availability_study_in_jupyterlab_names_its_columns_in_words(served_dir, jupyter_lab, record_timing):
    lab = _run_in_lab(jupyter_lab, served_dir, STUDY, record_timing, timeout_s=420)
    page = lab.page
    header = page.locator(".jp-OutputArea-output th", has_text="migration bandwidth per VM (MiB/s)").first
    lab.wait_for(header, "the bandwidth column named in words")
    assert header.get_attribute("title") == "engine_config.migration_max_bandwidth"
    raw = page.locator(".jp-OutputArea-output th", has_text="engine_config.")
    assert raw.count() == 0, raw.all_inner_texts()
    scroller = header.locator("xpath=ancestor::table[1]/..")  # a wide table scrolls instead of being cut off
    assert scroller.evaluate("e => getComputedStyle(e).overflowX") == "auto"
    lab.assert_no_errors()
    header.scroll_into_view_if_needed()
    lab.screenshot("first-table")
    page.locator(".jp-OutputArea-output img").nth(0).scroll_into_view_if_needed()
    lab.screenshot("page")
