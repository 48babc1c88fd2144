"""The static JupyterLite site (scripts/build_site.sh) served from localhost, and a browser cut off
from everything else.

The site is built once per test session (the build script skips itself when its inputs did not
change) and served by a plain static file server, as GitHub Pages would serve it. The browser
reaches the site's origin only: every other request is aborted by a Playwright route and
recorded, and Chromium's proxy is a dead port for any address but 127.0.0.1, so even a request
the route does not see (a service worker's) fails. Each test ends by asserting that nothing was
blocked, i.e. that the site never tried to leave its origin.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import subprocess
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
from conftest import CHROMIUM, CHROMIUM_ARGS, REPO, LabPage
from playwright.sync_api import Browser, BrowserContext, Page, Playwright

SITE = Path(os.environ.get("HACOURSE_SITE_DIR", REPO / "build" / "site"))
OFFLINE_ARGS = [*CHROMIUM_ARGS, "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=127.0.0.1"]
KERNEL_READY_S = 120  # Pyodide's start on a loaded CI machine; measured figures: docs/performance.md


def build_site() -> Path:
    """Builds the site (or finds it up to date); fails the test with the build's last lines."""
    done = subprocess.run(
        ["bash", "scripts/build_site.sh"],
        check=False,
        cwd=REPO,
        env={**os.environ, "HACOURSE_SITE_DIR": str(SITE)},
        capture_output=True,
        text=True,
        timeout=1200,
    )
    if done.returncode != 0:
        pytest.fail(f"scripts/build_site.sh failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return SITE


class _StaticFiles(http.server.SimpleHTTPRequestHandler):
    """A static file server, as GitHub Pages is: Pyodide's module and wasm with their types."""

    extensions_map: ClassVar[dict[str, str]] = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".mjs": "text/javascript",
        ".wasm": "application/wasm",
    }

    def log_message(self, format: str, *args: object) -> None:
        pass


def serve(root: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    """Serves `root` on a free port of 127.0.0.1; returns the server and its base URL."""
    handler = functools.partial(_StaticFiles, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}"


@pytest.fixture(scope="session")
def site_url() -> Iterator[str]:
    """The built site's base URL on localhost."""
    httpd, url = serve(build_site())
    try:
        yield url
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="session")
def offline_browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=OFFLINE_ARGS)
    try:
        yield browser
    finally:
        browser.close()


class SitePage(LabPage):
    """A page on the site, JupyterLite's Lab: the notebook opens by `path`, the kernel is Pyodide's."""

    blocked: list[str]

    def open(self, notebook: str, query: str = "") -> float:
        """Opens `notebook` in Lite's Lab; returns the seconds until its kernel is idle."""
        start = time.perf_counter()
        extra = f"&{query}" if query else ""
        self.page.goto(f"{self.base_url}/lab/index.html?path={urllib.parse.quote(notebook)}{extra}")
        self.wait_for(self.page.locator(".jp-Notebook"), "the notebook to open", timeout_s=90)
        select_kernel = self.page.locator(".jp-Dialog:has-text('Select Kernel')")
        kernel_idle = self.page.locator("#jp-main-statusbar", has_text=re.compile(r"\| Idle"))
        self.wait_for(kernel_idle.or_(select_kernel), "the kernel to start", timeout_s=KERNEL_READY_S)
        if select_kernel.count():
            select_kernel.get_by_role("button", name="Select").click()
            self.wait_for(kernel_idle, "the kernel to start", timeout_s=KERNEL_READY_S)
        return time.perf_counter() - start

    def repl(self, code: str) -> str:
        """Runs `code` in Lite's REPL (its `code` parameter) and returns the text of its outputs."""
        self.page.goto(f"{self.base_url}/repl/index.html?kernel=python&code={urllib.parse.quote(code)}")
        out = self.page.locator(".jp-CodeConsole .jp-OutputArea-output")
        self.wait_for(out, "the REPL's output", timeout_s=KERNEL_READY_S)
        idle = self.page.locator(".jp-CodeConsole-promptCell .jp-InputArea-prompt")
        self.wait_for(idle, "the REPL's next prompt", timeout_s=60)
        self.page.wait_for_timeout(300)
        self.assert_no_errors()
        return "\n".join(out.all_inner_texts())

    def assert_stayed_home(self) -> None:
        """The site asked for nothing outside its own origin."""
        assert not self.blocked, f"{self.name}: requests outside the site: {self.blocked[:10]}"


def _offline_context(browser: Browser, site: str, blocked: list[str]) -> BrowserContext:
    context = browser.new_context(viewport={"width": 1400, "height": 1600}, service_workers="allow")
    context.set_default_timeout(60_000)

    def only_the_site(route):  # type: ignore[no-untyped-def]
        if route.request.url.startswith(site):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", only_the_site)
    return context


@pytest.fixture
def site(offline_browser: Browser, site_url: str, request: pytest.FixtureRequest) -> Iterator[SitePage]:
    """A fresh browser context (a cold cache) on the site, with everything else blocked."""
    blocked: list[str] = []
    context = _offline_context(offline_browser, site_url, blocked)
    try:
        page: Page = context.new_page()
        app = SitePage(page, site_url, "", f"site-{request.node.name}")
        app.blocked = blocked
        yield app
        app.assert_stayed_home()
    finally:
        context.close()
