"""The guide's lab in a real browser: the admin's shell, the portal's tabs and "Why?".

The lesson runs to its end (Pacific rebooted, VMs migrated to it, its storage network down, its
VMs back on Atlantic). Then, as a student would: type `ifconfig` in Pacific's shell and see that
the `storage` bridge and `p1p1` are no longer listed; `ifup storage`, and it is back, RUNNING; `ifdown storage`
again, and the Events tab says so. Pick a VM under "Why?" and read, from the page, the scheduler's
choice and the migration queue that moved it. Then the panel's own buttons (`ifup`, the clock), each
click checked as in every lesson (`lesson_panel.Driver`). Screenshots go to test-output/.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from lesson_panel import Driver
from playwright.sync_api import Locator

pytestmark = pytest.mark.browser

LESSON = "notebooks/00-the-guides-lab.ipynb"


def _type(app, shell: Locator, command: str, expect: str) -> str:
    """Type a command into the shell's box, press Enter, wait until the screen shows `expect` once
    more than before (the lesson's own cells typed some of these commands already)."""
    box = shell.locator("input[type='text']").first
    screen = shell.locator(".hacourse-shell-screen").locator("xpath=..")  # the lines in view and the folded ones
    before = screen.text_content().count(expect)
    box.fill(command)
    box.press("Enter")
    deadline = time.perf_counter() + 30
    while screen.text_content().count(expect) <= before:
        app.assert_no_errors()
        if time.perf_counter() > deadline:
            app.screenshot("timeout")
            raise AssertionError(f"{app.name}: '{expect}' never showed on the shell's screen after {command}")
        time.sleep(0.1)
    return screen.text_content()


def _drive_the_tools(app, record_timing: Callable[[str, float], None]) -> None:
    page = app.page
    shell = page.locator(".hacourse-shell").first
    portal = page.locator(".hacourse-portal").first
    app.wait_for(shell.locator("input[type='text']").first, "the shell's command box")
    app.wait_for(portal.locator(".hacourse-portal-vms"), "the Virtual Machines tab, Pacific selected in the tree")
    assert "No virtual machines run on pacific." in portal.locator(".hacourse-portal-vms").inner_text()

    start = time.perf_counter()
    screen = _type(app, shell, "ifconfig", "[root@pacific ~]# ifconfig")
    record_timing("type ifconfig -> output on the screen", time.perf_counter() - start)
    last = screen.rsplit("[root@pacific ~]# ifconfig", 1)[1]
    assert "em1       Link encap:Ethernet" in last and "ovirtmgmt Link encap:Ethernet" in last, last
    assert "storage   Link encap" not in last and "p1p1      Link encap" not in last, (
        "ifconfig lists the storage bridge or p1p1 although the lab brought them down")

    screen = _type(app, shell, "ifup storage", "[root@pacific ~]# ifup storage")
    screen = _type(app, shell, "ifconfig storage", "[root@pacific ~]# ifconfig storage")
    last = screen.rsplit("[root@pacific ~]# ifconfig storage", 1)[1]
    assert "UP BROADCAST RUNNING MULTICAST" in last, last

    screen = _type(app, shell, "ifdown storage", "[root@pacific ~]# ifdown storage")
    app.wait_for(page.get_by_text("Admin ran 'ifdown storage' on host pacific.").last,
                 "the ifdown in the Events tab")
    screen = _type(app, shell, "nosuchcommand", "-bash: nosuchcommand: command not found")
    app.assert_no_errors()

    portal.get_by_role("tab", name="Hosts").click()
    cut = portal.locator(".lm-TabBar-tabLabel, .p-TabBar-tabLabel").evaluate_all(
        "els => els.filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent)")
    assert not cut, f"{app.name}: tab titles cut short: {cut}"  # "Virtual Machines" whole
    hosts = portal.locator(".hacourse-portal-hosts tr.hacourse-host")
    app.wait_for(hosts.filter(has_text="atlantic"), "Atlantic in the Hosts tab")
    assert portal.locator('tr.hacourse-host[data-host="pacific"][data-status="NonOperational"]').count() == 1
    assert portal.locator('tr.hacourse-host[data-host="atlantic"][data-spm="yes"]').count() == 1

    why = portal.locator(".widget-dropdown select").first
    start = time.perf_counter()
    why.select_option(label="VM db1")
    explanation = portal.locator(".hacourse-why")
    app.wait_for(explanation.filter(has_text="Why? db1 at"), "the explanation of db1")
    record_timing("pick a VM under Why? -> its explanation", time.perf_counter() - start)
    text = explanation.inner_text()
    assert "Scheduler (migration) chose atlantic for db1" in text, text
    assert "Engine queued" in text and "outgoing migration slots on pacific" in text, text
    assert "pacific: removed by the Source filter" in text, text
    app.assert_no_errors()
    shell.scroll_into_view_if_needed()
    app.screenshot("shell", of=shell)
    app.screenshot("portal", of=portal)

    drive = Driver(app, record_timing)  # the panel's buttons after the shell's ifdown: each click checked
    drive.click("ifup storage on pacific")
    drive.click("+1 min")
    drive.click("+5 min")
    drive.report()


def test_in_jupyterlab_the_shell_the_tabs_and_why(served_dir: Path, jupyter_lab, record_timing) -> None:
    lab = jupyter_lab(served_dir)
    lab.open(LESSON)
    start = time.perf_counter()
    lab.run_all()
    lab.wait_for(lab.page.locator(".hacourse-shell").first, "the shell", timeout_s=120)
    lab.wait_until_idle(timeout_s=180)
    record_timing("Run All Cells -> every cell run", time.perf_counter() - start)
    _drive_the_tools(lab, record_timing)


def test_in_voila_the_shell_the_tabs_and_why(served_dir: Path, voila, record_timing) -> None:
    app = voila(served_dir / LESSON)
    start = time.perf_counter()
    app.open()
    app.wait_for(app.page.locator(".hacourse-shell").first, "the shell", timeout_s=120)
    record_timing("open the app -> the shell", time.perf_counter() - start)
    _drive_the_tools(app, record_timing)
