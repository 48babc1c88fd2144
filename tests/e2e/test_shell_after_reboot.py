"""The host shell after `reboot`, in a real browser (Voila, lesson 0; issue 20).

At the end of the guide's lab, in Pacific's shell: four commands (the newest line stays in view),
`reboot` (the connection closes, the workstation's prompt returns), `service vdsmd restart`
(nothing runs on the host, nothing says OK), then `ssh root@pacific` after each minute of
simulated time: it fails as OpenSSH does ("No route to host" while Pacific is off, "Connection
refused" while it boots) until it logs in, and `ifconfig` answers again. `clear` empties the screen.

And on a student's laptop (1366x768), in Voila and in JupyterLab, lessons 0 and 1: the shell and
the timeline's lanes fit in one screen, so typing and watching need no scrolling.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from conftest import OUTPUT
from lesson_panel import Driver, assert_newest_shell_line_in_view
from playwright.sync_api import Locator

pytestmark = pytest.mark.browser

LESSON = "notebooks/00-the-guides-lab.ipynb"
REFUSALS = ("ssh: connect to host pacific port 22: No route to host",
            "ssh: connect to host pacific port 22: Connection refused")


def _type(app, shell: Locator, command: str) -> str:
    """Type `command`, press Enter, wait until the screen is redrawn; what follows the command on it."""
    box = shell.locator("input[type='text']").first
    screen = shell.locator(".hacourse-shell-screen").locator("xpath=..")  # the lines in view and the folded ones
    before = screen.text_content()
    box.fill(command)
    box.press("Enter")
    deadline = time.perf_counter() + 30
    while (text := screen.text_content()) == before:
        app.assert_no_errors()
        if time.perf_counter() > deadline:
            app.screenshot("timeout")
            raise AssertionError(f"{app.name}: the shell's screen did not change after '{command}'")
        app.page.wait_for_timeout(100)
    app.assert_no_errors()
    return text.rsplit(command, 1)[1] if command in text else ""


def _newest_line_in_view(app, shell: Locator) -> None:
    """The screen's last line (the prompt) lies inside the scrolling box, not below its fold."""
    try:
        assert_newest_shell_line_in_view(shell)
    except AssertionError as hidden:
        app.screenshot("shell-newest-line-hidden", of=shell)
        raise AssertionError(f"{app.name}: {hidden}") from hidden


def _open_at_1366x768(served_dir: Path, voila, lesson: str = LESSON):
    app = voila(served_dir / lesson)
    app.page.set_viewport_size({"width": 1366, "height": 768})  # a student's laptop
    app.open()
    shell = app.page.locator(".hacourse-shell").first
    app.wait_for(shell.locator("input[type='text']").first, "the shell", timeout_s=120)
    app.wait_for(app.page.locator("svg.hacourse-timeline").first, "the timeline")
    return app, shell


SHELL_LESSONS = (LESSON, "notebooks/01-storage-network-down-non-spm.ipynb")  # the lessons with a shell


def _assert_shell_and_timeline_in_view_together(app) -> None:
    """From the shell's top, 768 px hold the shell and the timeline's first 240 px (its lanes)."""
    shell = app.page.locator(".hacourse-shell").first
    top = shell.bounding_box()["y"]
    timeline = app.page.locator("svg.hacourse-timeline").first.bounding_box()
    bottom = timeline["y"] + min(timeline["height"], 240)
    print(f"{app.name}: the shell's top to the timeline's lanes: {bottom - top:.0f} px")
    shell.evaluate("e => e.scrollIntoView({block: 'start'})")
    app.page.screenshot(path=str(OUTPUT / f"{app.name}.png"))  # what the student sees: the shell at the top
    assert bottom - top <= 768, (
        f"{app.name}: at 1366x768 the shell (from y={top:.0f}) and the timeline (from y={timeline['y']:.0f}) "
        "are not in view together")


@pytest.mark.parametrize("lesson", SHELL_LESSONS, ids=("lesson-0", "lesson-1"))
def test_in_voila_at_1366x768_the_shell_and_the_timeline_are_in_view_together(served_dir: Path, voila,
                                                                               lesson: str) -> None:
    app, _ = _open_at_1366x768(served_dir, voila, lesson)
    _assert_shell_and_timeline_in_view_together(app)


@pytest.mark.parametrize("lesson", SHELL_LESSONS, ids=("lesson-0", "lesson-1"))
def test_in_jupyterlab_at_1366x768_the_shell_and_the_timeline_are_in_view_together(served_dir: Path, jupyter_lab,
                                                                                    lesson: str) -> None:
    lab = jupyter_lab(served_dir)
    lab.page.set_viewport_size({"width": 1366, "height": 768})  # the file browser open beside the notebook
    lab.open(lesson)
    lab.run_all()
    lab.wait_until_idle(timeout_s=180)
    lab.wait_for(lab.page.locator(".hacourse-shell input[type='text']").first, "the shell", timeout_s=120)
    lab.page.locator(".hacourse-shell").first.scroll_into_view_if_needed()  # Lab draws what is out of view lazily
    lab.wait_for(lab.page.locator("svg.hacourse-timeline").first, "the timeline")
    _assert_shell_and_timeline_in_view_together(lab)


def test_in_voila_the_shell_after_reboot_needs_a_new_ssh_that_fails_until_the_host_is_up(served_dir: Path, voila,
                                                                                          record_timing) -> None:
    app, shell = _open_at_1366x768(served_dir, voila)
    drive = Driver(app, record_timing)
    shell.scroll_into_view_if_needed()
    app.screenshot("shell-and-timeline-1366x768")

    for command in ("ifconfig", "ip link", "ifconfig -a", "brctl show"):
        _type(app, shell, command)
        _newest_line_in_view(app, shell)

    said = _type(app, shell, "reboot")
    assert "Connection to pacific closed." in said, said
    assert shell.locator(".hacourse-shell-screen").inner_text().rstrip().endswith("$"), "the workstation's prompt"
    said = _type(app, shell, "service vdsmd restart")
    assert "OK" not in said and "ssh root@pacific" in said, said

    seen = []
    for _ in range(20):
        said = _type(app, shell, "ssh root@pacific").strip().splitlines()[0]
        if said.startswith("Last login"):
            break
        assert said in REFUSALS, said
        seen.append(said)
        drive.click("+1 min")  # and what every click must leave: the shell's newest line in view, ...
    else:
        raise AssertionError(f"{app.name}: ssh never logged in again: {seen}")
    assert REFUSALS[0] in seen, seen  # it was off right after the reboot
    _newest_line_in_view(app, shell)
    assert "em1" in _type(app, shell, "ifconfig")
    _newest_line_in_view(app, shell)

    _type(app, shell, "clear")
    text = shell.locator(".hacourse-shell-screen").inner_text()
    assert text.strip() == "[root@pacific ~]#", text
    app.assert_no_errors()
    shell.scroll_into_view_if_needed()
    app.screenshot("shell-after-reboot", of=shell)
