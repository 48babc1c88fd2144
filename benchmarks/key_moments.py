"""Screenshots of each lesson's key moment, as a student sees it at 1366x768, for before/after comparisons.

    python benchmarks/key_moments.py                       # this checkout -> test-output/key-moments/now/
    python benchmarks/key_moments.py --label after
    python benchmarks/key_moments.py --label before --repo ../old-checkout   # an older commit, its own .venv

Not a test: nothing is asserted. Each lesson (00-03, and 04 if the checkout has it) opens in
JupyterLab (served by the checkout's own .venv, from a temporary copy of its notebooks/ and
scenarios/), runs all its cells, and the lesson's control panel is driven to the moment the lesson
teaches, with the clicks of the browser tests (tests/e2e/):

    00  after Run All: the guide's lab to its end, the time window from its start (Pacific's
        reboot, the SPM hand-over); 00-as-run.png is the panel as Run All left it
    01  ifdown storage on pacific, +15 s until Pacific is Non Operational, +1 min: the migrations
    02  ifdown storage on atlantic, +15 s until the SPM is on Pacific: the hand-over
    03  ifdown ovirtmgmt on pacific, +1 min until the reboot released the toggle: the fence
    04  after Run All: the availability figure and what HA buys

Saved: test-output/key-moments/LABEL/LESSON.png (the 1366x768 window, the panel's top or the
moment in view) and LESSON-panel.png (the whole panel). Where a click fails (an older panel
without that button), the screenshot is taken where it stopped and notes.txt says why. notes.txt
also lists words the timeline draws over each other (read by tests/e2e/lesson_panel.py); what a
person wrote there after looking at the pictures, from the line "# What each screenshot shows" on,
is kept by the next run (check that it still holds).
Needs Debian's /usr/bin/chromium (HACOURSE_CHROMIUM) and the test extras (Playwright).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page, sync_playwright

HERE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(HERE / "tests" / "e2e"))

from conftest import CHROMIUM, CHROMIUM_ARGS, LAB_FLAGS, OUTPUT, LabPage, _jupyter_env  # noqa: E402  (tests/e2e)
from lesson_panel import TIMELINE, assert_words_apart, lanes, panel_of  # noqa: E402

_spec = importlib.util.spec_from_file_location("tests_conftest", HERE / "tests" / "conftest.py")
assert _spec and _spec.loader
servers = importlib.util.module_from_spec(_spec)
sys.modules["tests_conftest"] = servers
_spec.loader.exec_module(servers)  # free_port, _answers, _stop: how the browser tests start a server

VIEWPORT = {"width": 1366, "height": 768}
LESSONS = {
    "00": "00-the-guides-lab.ipynb",
    "01": "01-storage-network-down-non-spm.ipynb",
    "02": "02-spm-storage-down.ipynb",
    "03": "03-non-responsive-hosts-and-fencing.ipynb",
    "04": "04-how-many-nines-does-ha-buy.ipynb",
}


class Panel:
    """Clicks on a lesson's panel, each waiting for the redrawn timeline: the SVG's `data-render`
    (the panel since the SVG renderer) or the `src` of its image (the matplotlib panel before)."""

    def __init__(self, app: LabPage, notes: list[str], out: Path, lesson: str) -> None:
        self.app, self.notes, self.out, self.lesson = app, notes, out, lesson
        self.panel = panel_of(app.page)
        svg_or_img = self.panel.locator(f"{TIMELINE}, img").first
        app.wait_for(svg_or_img, "the control panel's timeline", timeout_s=120)
        self.svg = self.panel.locator(TIMELINE).count() > 0

    def _drawn(self) -> str | None:
        if self.svg:
            return self.panel.locator(TIMELINE).first.get_attribute("data-render")
        return self.panel.locator("img").first.get_attribute("src")

    def click(self, name: str) -> None:
        old = self._drawn()
        self.panel.get_by_role("button", name=name).first.click(timeout=10_000)
        deadline = time.perf_counter() + 30
        while self._drawn() == old and time.perf_counter() < deadline:
            self.app.assert_no_errors()
            self.app.page.wait_for_timeout(100)
        self.app.page.wait_for_timeout(300)  # the other widgets (clock line, Events) follow the timeline
        self.app.assert_no_errors()

    def clock(self) -> str:
        return self.panel.locator(".widget-html").first.inner_text()

    def until(self, button: str, done: Callable[[], bool], most: int, what: str) -> None:
        for _ in range(most):
            if done():
                return
            self.click(button)
        if not done():
            self.notes.append(f"after {most} clicks on {button!r}: {what} never showed; the clock line: {self.clock()}")

    def shot_as_run(self) -> None:
        """What the student sees once the cells ran, before any click (LESSON-as-run.png)."""
        self.panel.evaluate("e => e.scrollIntoView({block: 'start'})")
        self.app.page.wait_for_timeout(400)
        self.app.page.screenshot(path=str(self.out / f"{self.lesson}-as-run.png"))

    def window_from_start(self) -> None:
        """The time window's left handle dragged to the run's start, as a student would."""
        slider = self.panel.locator(".noUi-target:has(.noUi-handle-upper)").first  # the range, not the per tick slider
        handle = slider.locator(".noUi-handle-lower").first
        if not handle.count():
            self.notes.append("no time window slider to move")
            return
        follow = self.panel.get_by_role("checkbox", name="follow the clock")
        if follow.count() and follow.first.is_checked():  # the panel before 2026-12 re-followed a moved window
            follow.first.uncheck()
            self.app.page.wait_for_timeout(1000)
        old = self._drawn()
        handle.scroll_into_view_if_needed()
        box, track = handle.bounding_box(), slider.bounding_box()
        if not box or not track:
            self.notes.append("the time window slider is not drawn")
            return
        y = box["y"] + box["height"] / 2
        self.app.page.mouse.move(box["x"] + box["width"] / 2, y)
        self.app.page.mouse.down()
        self.app.page.mouse.move(track["x"] - 20, y, steps=8)
        self.app.page.mouse.up()
        for tap in (False, True):  # a drag the slider did not follow: a tap at the track's left end
            if tap:
                self.app.page.mouse.click(track["x"] + 1, y)
            deadline = time.perf_counter() + (30 if tap else 10)
            at_start = "e => e.getAttribute('aria-valuenow') === e.getAttribute('aria-valuemin')"
            while not handle.evaluate(at_start) and time.perf_counter() < deadline:
                self.app.page.wait_for_timeout(100)
            if handle.evaluate(at_start):
                while self._drawn() == old and time.perf_counter() < deadline:  # the redrawn picture
                    self.app.page.wait_for_timeout(100)
                break
        else:
            self.notes.append("the time window did not move to the run's start")
        self.app.page.wait_for_timeout(300)
        self.app.assert_no_errors()

    def check_words(self) -> None:
        """Notes (does not fail on) words the timeline draws over each other or past now."""
        if not self.svg:
            return
        try:
            assert_words_apart(self.panel)
        except AssertionError as clash:
            self.notes.append(str(clash).splitlines()[0][:600])


def _key_moment(lesson: str, drive: Panel) -> None:
    panel = drive.panel
    if lesson == "01":
        drive.click("+1 min")
        drive.click("ifdown storage on pacific")
        drive.until("+15 s", lambda: "pacific NonOperational" in drive.clock(), 12, "Pacific Non Operational")
        drive.click("+1 min")
    elif lesson == "02":
        drive.click("+1 min")
        drive.click("ifdown storage on atlantic")
        drive.until("+15 s", lambda: lanes(panel, "spm", host="pacific").count() == 1, 24, "the SPM on Pacific")
    elif lesson == "03":
        drive.click("+1 min")
        drive.click("ifdown ovirtmgmt on pacific")
        drive.until("+1 min", lambda: panel.get_by_role("button", name="ifdown ovirtmgmt on pacific").count() == 1,
                    8, "the toggle released by the reboot")
    elif lesson == "00":  # Run All played the guide's lab to its end; the window back to its start
        drive.shot_as_run()
        drive.window_from_start()


def _show(page: Page, top: Locator, moment: Locator | None = None) -> None:
    """Scrolls `top` to the window's top; if `moment` then ends below the window, scrolls it up to
    the window's bottom edge, so the moment is in view."""
    top.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(400)  # JupyterLab renders cells that come into view lazily
    if moment is not None and moment.count():
        box = moment.bounding_box()
        if box and box["y"] + box["height"] > VIEWPORT["height"]:
            moment.evaluate("e => e.scrollIntoView({block: 'end'})")
            page.wait_for_timeout(400)


def _whole_panel(page: Page, panel: Locator, path: Path) -> None:
    """The whole panel in one picture: the window made as tall as the panel (JupyterLab scrolls the
    notebook inside its own box, so an element taller than the window cannot be captured otherwise)."""
    box = panel.bounding_box()
    tall = int(box["height"]) + 250 if box else VIEWPORT["height"]
    page.set_viewport_size({"width": VIEWPORT["width"], "height": min(max(tall, VIEWPORT["height"]), 4000)})
    try:
        panel.evaluate("e => e.scrollIntoView({block: 'start'})")
        page.wait_for_timeout(600)
        panel.screenshot(path=str(path))
    finally:
        page.set_viewport_size(VIEWPORT)


def _run_all(app: LabPage) -> None:
    """Run -> Run All Cells from the menu, again if no cell started within 20 s (a click lost on a busy machine)."""
    started = app.page.locator(".jp-CodeCell .jp-InputArea-prompt", has_text=re.compile(r"\[[*\d]"))
    for _ in range(3):
        app.page.get_by_role("menuitem", name="Run", exact=True).click()
        app.page.get_by_role("menuitem", name=re.compile(r"^Run All Cells")).click()
        for _ in range(200):
            if started.count():
                return
            app.page.wait_for_timeout(100)
        app.page.keyboard.press("Escape")
    app.page.screenshot(path=str(OUTPUT / f"{app.name}-run-all-lost.png"))
    raise AssertionError(f"{app.name}: Run All Cells started no cell, three times")


def shoot(app: LabPage, lesson: str, notebook: str, out: Path) -> list[str]:
    notes: list[str] = []
    print(f"{lesson}: opening {notebook}", flush=True)
    app.open(f"notebooks/{notebook}")
    start = time.perf_counter()
    _run_all(app)
    app.wait_until_idle(timeout_s=420)
    notes.append(f"Run All: {time.perf_counter() - start:.0f} s")
    page = app.page
    if lesson == "04":
        figure = page.locator(".jp-OutputArea-output img, .jp-OutputArea-output svg").first
        app.wait_for(figure, "the availability figure", timeout_s=60)
        _show(page, figure)
        page.screenshot(path=str(out / f"{lesson}.png"))
        return notes
    try:
        drive = Panel(app, notes, out, lesson)
    except AssertionError as missing:
        notes.append(f"no control panel: {str(missing).splitlines()[0]}")
        page.screenshot(path=str(out / f"{lesson}.png"))
        return notes
    try:
        _key_moment(lesson, drive)
    except (AssertionError, PlaywrightError) as stopped:  # an older panel without a button: the shot shows where it stopped
        notes.append(f"stopped: {type(stopped).__name__}: {str(stopped).splitlines()[0][:300]}")
    drive.check_words()
    notes.append(f"clock line: {drive.clock()}")
    _show(page, drive.panel, drive.panel.locator(TIMELINE if drive.svg else "img").first)
    page.screenshot(path=str(out / f"{lesson}.png"))
    _whole_panel(page, drive.panel, out / f"{lesson}-panel.png")
    return notes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", default="now", help="the folder under test-output/key-moments/")
    parser.add_argument("--repo", type=Path, default=HERE, help="the checkout whose lessons are shown")
    parser.add_argument("--python", type=Path, help="the Python serving them (default: REPO/.venv/bin/python)")
    parser.add_argument("--out", type=Path, default=HERE / "test-output" / "key-moments")
    parser.add_argument("lessons", nargs="*", help="lesson numbers (default: every one the checkout has)")
    args = parser.parse_args()
    repo = args.repo.resolve()
    python = args.python or repo / ".venv" / "bin" / "python"
    out = args.out / args.label
    out.mkdir(parents=True, exist_ok=True)
    wanted = args.lessons or [n for n, name in LESSONS.items() if (repo / "notebooks" / name).exists()]

    with tempfile.TemporaryDirectory(prefix="key-moments-") as tmp:
        root = Path(tmp) / "course"
        for folder in ("notebooks", "scenarios"):
            shutil.copytree(repo / folder, root / folder, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        shutil.copy(repo / "voila.json", root / "voila.json")
        port, token = servers.free_port(), secrets.token_hex(16)
        log = (Path(tmp) / "lab.log").open("w")
        lab = subprocess.Popen(
            [str(python), "-m", "jupyterlab", "--no-browser", "--allow-root", "--ServerApp.ip=127.0.0.1",
             f"--ServerApp.port={port}", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
             *LAB_FLAGS],
            cwd=root, env=_jupyter_env(Path(tmp)), stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            deadline = time.monotonic() + 120
            while not servers._answers(f"http://127.0.0.1:{port}/api/status?token={token}"):
                if lab.poll() is not None or time.monotonic() > deadline:
                    sys.exit(f"JupyterLab did not start:\n{(Path(tmp) / 'lab.log').read_text()[-2000:]}")
                time.sleep(0.25)
            report = [f"{repo} (git {_head(repo)}), served by {python}"]
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                try:
                    for lesson in wanted:
                        context = browser.new_context(viewport=VIEWPORT)
                        context.set_default_timeout(60_000)
                        app = LabPage(context.new_page(), f"http://127.0.0.1:{port}", token, f"key-moment-{lesson}")
                        try:
                            notes = shoot(app, lesson, LESSONS[lesson], out)
                        except (AssertionError, PlaywrightError) as failed:
                            notes = [f"FAILED: {type(failed).__name__}: {str(failed)[:500]}"]
                            app.page.screenshot(path=str(out / f"{lesson}.png"))
                        finally:
                            context.close()
                            _fresh_lab(f"http://127.0.0.1:{port}", token, Path(tmp) / "lab-workspaces")
                        report += [f"{lesson}: {note}" for note in notes]
                        print("\n".join(f"{lesson}: {note}" for note in notes), flush=True)
                finally:
                    browser.close()
            (out / "notes.txt").write_text("\n".join(report) + "\n" + _looked_at(out / "notes.txt"))
            print(f"screenshots in {out}")
        finally:
            servers._stop(lab)
            log.close()


LOOKED_AT = "# What each screenshot shows"


def _looked_at(notes: Path) -> str:
    """The part of notes.txt a person wrote after looking at the pictures (from LOOKED_AT on): kept by a new run."""
    old = notes.read_text() if notes.exists() else ""
    at = old.find(LOOKED_AT)
    return "\n" + old[at:] if at >= 0 else ""


def _fresh_lab(url: str, token: str, workspaces: Path) -> None:
    """The next lesson opens alone: the last one's kernel shut down, the Lab's saved tabs forgotten."""
    headers = {"Authorization": f"token {token}"}
    with urllib.request.urlopen(urllib.request.Request(f"{url}/api/sessions", headers=headers)) as answer:
        sessions = json.load(answer)
    for session in sessions:
        request = urllib.request.Request(f"{url}/api/sessions/{session['id']}", headers=headers, method="DELETE")
        urllib.request.urlopen(request).close()
    for saved in workspaces.glob("*"):
        saved.unlink()


def _head(repo: Path) -> str:
    done = subprocess.run(["git", "-C", str(repo), "log", "-1", "--format=%h %s"], check=False, capture_output=True, text=True)
    return done.stdout.strip()[:80]


if __name__ == "__main__":
    main()
