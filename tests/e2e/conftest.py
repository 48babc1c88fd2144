"""Browser fixtures: Debian's Chromium driven by Playwright against JupyterLab and Voila.

Follows ../shared/e2e-recipe.md: Chromium from apt (never `playwright install`), servers on
127.0.0.1 with a free port and a random token, every wait bounded, and after each interaction a
look for kernel errors in the page, so a traceback fails the test at once with its text.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, Playwright, sync_playwright

REPO = Path(__file__).resolve().parents[2]
OUTPUT = Path(os.environ.get("HACOURSE_TEST_OUTPUT", REPO / "test-output"))
TIMINGS = OUTPUT / "e2e-timings.txt"
CHROMIUM = os.environ.get("HACOURSE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LAB_FLAGS = ["--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
ERRORS = "[data-mime-type='application/vnd.jupyter.stderr']"
WIDGET_BROKEN = ".jupyter-widgets-error-widget"
KERNEL_GONE = ".jp-Dialog-header:has-text('Kernel Restarting'), .jp-Dialog-header:has-text('Kernel died')"

_timings: list[str] = []


class PageError(AssertionError):
    """The page shows a kernel error (a traceback or stderr), or the kernel died."""


class JupyterPage:
    """One Playwright page on a Jupyter server; waits that fail fast when the kernel errs."""

    def __init__(self, page: Page, base_url: str, token: str, name: str) -> None:
        self.page, self.base_url, self.token, self.name = page, base_url, token, name

    def errors(self) -> str | None:
        """The first kernel error the page shows, or None."""
        errs = self.page.locator(ERRORS)
        if errs.count():
            return errs.first.inner_text()[:1500]
        if self.page.locator(KERNEL_GONE).count():
            return self.page.locator(KERNEL_GONE).first.inner_text()
        if self.page.locator(WIDGET_BROKEN).count():
            return "a widget failed to render in the browser (ipywidgets: 'Click to show javascript error')"
        return None

    def assert_no_errors(self) -> None:
        if (error := self.errors()) is not None:
            self.screenshot("kernel-error")
            raise PageError(f"{self.name}: the page shows a kernel error:\n{error}")

    def wait_for(self, locator: Locator, what: str, timeout_s: float = 60) -> float:
        """Waits until `locator` is visible; returns the seconds it took.

        Checks for kernel errors every 0.1 s meanwhile, so an error fails at once instead of
        running out the timeout.
        """
        start = time.perf_counter()
        deadline = start + timeout_s
        while True:
            self.assert_no_errors()
            if locator.count() and locator.first.is_visible():
                return time.perf_counter() - start
            if time.perf_counter() > deadline:
                self.screenshot("timeout")
                raise AssertionError(f"{self.name}: waited {timeout_s:.0f} s for {what}; it never showed")
            self.page.wait_for_timeout(100)

    def wait_for_change(self, locator: Locator, old: str | None, what: str, timeout_s: float = 30) -> float:
        """Waits until the `src` of `locator` (an image) differs from `old`; returns the seconds it took."""
        start = time.perf_counter()
        handle = locator.first.element_handle()
        try:
            self.page.wait_for_function(
                "([el, old]) => el.getAttribute('src') !== old",
                arg=[handle, old],
                polling="raf",
                timeout=timeout_s * 1000,
            )
        except Exception as timeout:
            self.assert_no_errors()
            self.screenshot("timeout")
            raise AssertionError(
                f"{self.name}: waited {timeout_s:.0f} s for {what}; it never showed"
            ) from timeout
        took = time.perf_counter() - start
        self.assert_no_errors()
        return took

    def screenshot(self, label: str, of: Locator | None = None) -> Path:
        """A PNG in test-output/, of the whole page or of one element."""
        OUTPUT.mkdir(parents=True, exist_ok=True)
        path = OUTPUT / f"{self.name}-{label}.png"
        if of is None:
            self.page.screenshot(path=str(path), full_page=True)
        else:
            of.screenshot(path=str(path))
        return path


class LabPage(JupyterPage):
    def open(self, notebook: str) -> None:
        self.page.goto(f"{self.base_url}/lab/tree/{notebook}?token={self.token}")
        self.wait_for(self.page.locator(".jp-Notebook"), "the notebook to open", timeout_s=90)
        select_kernel = self.page.locator(".jp-Dialog:has-text('Select Kernel')")
        kernel_idle = self.page.locator("#jp-main-statusbar", has_text=re.compile(r"\| Idle"))
        self.wait_for(kernel_idle.or_(select_kernel), "the kernel to start", timeout_s=90)
        if select_kernel.count():  # Lab sometimes asks, on a slow start; the notebook names python3
            select_kernel.get_by_role("button", name="Select").click()
            self.wait_for(kernel_idle, "the kernel to start", timeout_s=90)

    def browse(self, folder: str) -> list[str]:
        """The names the file browser lists in `folder`."""
        self.page.goto(f"{self.base_url}/lab/tree/{folder}?token={self.token}")
        listed = self.page.locator(".jp-DirListing-content .jp-DirListing-itemText")
        self.wait_for(listed, f"the file browser on {folder}", timeout_s=90)
        self.page.wait_for_timeout(500)  # the listing fills in at once; a moment for the last rows
        return listed.all_inner_texts()

    def run_all(self) -> None:
        self.page.get_by_text("Run", exact=True).click()
        self.page.get_by_text("Run All Cells", exact=True).click()

    def wait_until_idle(self, timeout_s: float = 120) -> float:
        """Waits until every code cell has an execution count and the kernel is idle."""
        prompts = self.page.locator(".jp-CodeCell .jp-InputArea-prompt")
        idle = self.page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']")
        start = time.perf_counter()
        while True:
            self.assert_no_errors()
            if idle.count() and all(
                re.fullmatch(r"\[\d+\]:", t.strip()) for t in prompts.all_text_contents()
            ):
                return time.perf_counter() - start
            if time.perf_counter() - start > timeout_s:
                self.screenshot("timeout")
                raise AssertionError(f"{self.name}: the cells were still running after {timeout_s:.0f} s")
            self.page.wait_for_timeout(100)


class VoilaPage(JupyterPage):
    def open(self) -> None:
        self.page.goto(f"{self.base_url}/?token={self.token}", timeout=120_000)


@pytest.fixture
def record_timing(request: pytest.FixtureRequest) -> Callable[[str, float], None]:
    """`record_timing(what, seconds)`: reported in test-output/e2e-timings.txt and the terminal, never asserted."""

    def record(what: str, seconds: float) -> None:
        _timings.append(f"{request.node.name}: {what}: {seconds:.2f} s")

    return record


def pytest_sessionfinish(session: pytest.Session) -> None:
    from lesson_panel import LATENCIES  # the click-to-picture medians the lesson tests measured

    if _timings:
        OUTPUT.mkdir(parents=True, exist_ok=True)
        TIMINGS.write_text("\n".join(_timings) + "\n")
    if LATENCIES:
        (OUTPUT / "click-latency.txt").write_text("\n".join(LATENCIES) + "\n")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _timings:
        terminalreporter.section("browser timings (test-output/e2e-timings.txt)")
        for line in _timings:
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    """One Playwright for the session: its sync API runs one event loop, so a second
    `sync_playwright()` beside the first (the site's offline browser) would refuse to start."""
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is missing: `apt-get install chromium` (scripts/test.sh does it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    try:
        yield browser
    finally:
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 1600})
    context.set_default_timeout(60_000)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def served_dir(tmp_path: Path) -> Path:
    """A copy of the lessons (notebooks/, scenarios/, voila.json), so nothing the browser saves lands in git."""
    root = tmp_path / "course"
    for folder in ("notebooks", "scenarios"):
        if (REPO / folder).is_dir():
            shutil.copytree(REPO / folder, root / folder, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    shutil.copy(REPO / "voila.json", root / "voila.json")
    return root


def _jupyter_env(tmp_path: Path) -> dict[str, str]:
    """No state from the user's ~/.jupyter or Lab workspaces reaches the test, nor is left by it."""
    env = dict(os.environ)
    env["JUPYTER_CONFIG_DIR"] = str(tmp_path / "jupyter-config")
    env["JUPYTERLAB_SETTINGS_DIR"] = str(tmp_path / "lab-settings")
    news = (
        tmp_path / "lab-settings" / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    )
    news.parent.mkdir(parents=True, exist_ok=True)
    news.write_text('{"fetchNews": "false", "checkForUpdates": false}')  # no news toast over the buttons
    env["JUPYTERLAB_WORKSPACES_DIR"] = str(tmp_path / "lab-workspaces")
    return env


@pytest.fixture
def jupyter_lab(
    start_server: Callable, page: Page, tmp_path: Path, request: pytest.FixtureRequest
) -> Callable[[Path], LabPage]:
    """`jupyter_lab(root)` serves `root` in JupyterLab and returns a page on it."""

    def serve(root: Path) -> LabPage:
        def argv(port: int, token: str) -> list[str]:
            return [
                sys.executable,
                "-m",
                "jupyterlab",
                "--no-browser",
                "--allow-root",
                "--ServerApp.ip=127.0.0.1",
                f"--ServerApp.port={port}",
                f"--IdentityProvider.token={token}",
                f"--ServerApp.root_dir={root}",
                *LAB_FLAGS,
            ]

        lab = start_server(argv, cwd=root, env=_jupyter_env(tmp_path), name="jupyterlab")
        return LabPage(page, lab.url, lab.token, request.node.name)

    return serve


@pytest.fixture
def voila(
    start_server: Callable, page: Page, tmp_path: Path, request: pytest.FixtureRequest
) -> Callable[[Path], VoilaPage]:
    """`voila(notebook)` serves one notebook as an app with Voila and returns a page on it."""

    def serve(notebook: Path) -> VoilaPage:
        def argv(port: int, token: str) -> list[str]:
            return [
                sys.executable,
                "-m",
                "voila",
                str(notebook),
                "--no-browser",
                "--Voila.ip=127.0.0.1",
                f"--port={port}",
                f"--Voila.token={token}",
                "--show_tracebacks=True",
            ]

        root = notebook.parent.parent  # the course's root, where voila.json drops the JupyterLab-only cells
        app = start_server(argv, cwd=root, ready="/voila/static/", env=_jupyter_env(tmp_path), name="voila")
        return VoilaPage(page, app.url, app.token, request.node.name)

    return serve
