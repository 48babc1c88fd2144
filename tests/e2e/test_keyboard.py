"""The control panel with the keyboard alone (lesson 1, in Voila and in JupyterLab).

A student who does not use a mouse moves with Tab (and Shift+Tab) and acts with Enter or Space:
the clock's "+1 min", the host picker (Atlantic instead of the lesson's Pacific), then Atlantic's
"ifdown storage" toggle. Each key press must do what the click does (the timeline redrawn and
checked as after every click, `lesson_panel.Driver`), and every control on the way must take the
focus: a control Tab skips fails here with the name of the last one reached.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from lesson_panel import Driver
from playwright.sync_api import Locator

pytestmark = pytest.mark.browser

LESSON = "notebooks/01-storage-network-down-non-spm.ipynb"
MOST_TABS = 400


def _focused(target: Locator) -> bool:
    return target.evaluate("e => document.activeElement === e")


def _tab_to(app, target: Locator, name: str, back: bool = False) -> int:
    """Press Tab (Shift+Tab) until `target` has the focus; the number of presses."""
    key = "Shift+Tab" if back else "Tab"
    for presses in range(MOST_TABS):
        if _focused(target):
            return presses
        app.page.keyboard.press(key)
    reached = app.page.evaluate("() => { const e = document.activeElement;"
                                " return e ? `${e.tagName} '${(e.textContent || e.value || '').trim().slice(0, 60)}'` : 'none'; }")
    raise AssertionError(f"{app.name}: {MOST_TABS} presses of {key} never reached {name}; the focus is on {reached}")


def _drive_by_keyboard(app, record_timing, from_the_top: bool) -> None:
    """From the page's top (Voila) or the panel's first control (JupyterLab, whose own menus, file
    browser and cell editors come first and keep the Tab key for indenting)."""
    drive = Driver(app, record_timing)
    panel = drive.panel
    page = app.page
    plus = panel.get_by_role("button", name="+1 min")
    plus.scroll_into_view_if_needed()
    if from_the_top:
        page.evaluate("() => document.activeElement && document.activeElement.blur()")
    else:
        panel.locator(".widget-play button").first.focus()
    _tab_to(app, plus, "+1 min")
    drive.act("Enter on '+1 min'", lambda: page.keyboard.press("Enter"), "the clock after Enter")
    app.wait_for(panel.locator(".widget-html").first.filter(has_text="t = 1:00"), "the clock at 1:00")

    atlantic = panel.locator(".hacourse-pick-host button", has_text="atlantic")
    presses = _tab_to(app, atlantic, "the host picker's 'atlantic'")
    page.keyboard.press("Space")
    toggle = panel.get_by_role("button", name="ifdown storage on atlantic")
    app.wait_for(toggle, "Atlantic's controls, picked with Space")
    assert "mod-active" in (atlantic.get_attribute("class") or ""), "Space did not pick Atlantic"

    _tab_to(app, toggle, "the toggle 'ifdown storage on atlantic'")
    drive.act("Space on 'ifdown storage on atlantic'", lambda: page.keyboard.press("Space"), "the ifdown's timeline")
    app.wait_for(panel.get_by_role("button", name="ifup storage on atlantic"), "the pressed toggle's next command")
    app.wait_for(panel.get_by_text("Admin ran 'ifdown storage' on host atlantic."), "the ifdown in the Events tab")

    _tab_to(app, plus, "+1 min, back with Shift+Tab", back=True)
    drive.act("Enter on '+1 min' again", lambda: page.keyboard.press("Enter"), "the clock after Enter")
    app.wait_for(panel.locator(".widget-html").first.filter(has_text="t = 2:00"), "the clock at 2:00")
    record_timing("Tab presses from '+1 min' to the host picker", presses)
    app.assert_no_errors()
    drive.report()


def test_in_voila_the_panel_works_with_the_keyboard_alone(served_dir: Path, voila, record_timing) -> None:
    app = voila(served_dir / LESSON)
    app.open()
    app.wait_for(app.page.get_by_role("button", name="+15 s"), "the control panel", timeout_s=180)
    _drive_by_keyboard(app, record_timing, from_the_top=True)


def test_in_jupyterlab_the_panel_works_with_the_keyboard_alone(served_dir: Path, jupyter_lab, record_timing) -> None:
    lab = jupyter_lab(served_dir)
    lab.open(LESSON)
    start = time.perf_counter()
    lab.run_all()
    lab.wait_until_idle(timeout_s=180)
    record_timing("Run All Cells -> every cell run", time.perf_counter() - start)
    _drive_by_keyboard(lab, record_timing, from_the_top=False)
