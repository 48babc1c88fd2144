"""The static site's figures (docs/performance.md): a benchmark, not a test.

    .venv/bin/python benchmarks/site.py            # build (or find up to date), then measure in Chromium
    .venv/bin/python benchmarks/site.py --rebuild  # and time a full build (scripts/build_site.sh --force)

Measured against the built site served from localhost, every other address blocked (as the browser
tests do): the site's size; page open to a ready kernel in a fresh browser context (a cold cache);
lesson 1's Run All Cells; click to updated timeline on lesson 1's panel (the SVG's `data-render`),
median of the clicks of the fault drive (+1 min, ifdown, +15 s steps).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

from lesson_panel import Driver  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402
from site_browser import CHROMIUM, OFFLINE_ARGS, SITE, SitePage, _offline_context, serve  # noqa: E402

LESSON_1 = "notebooks/01-storage-network-down-non-spm.ipynb"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rebuild", action="store_true", help="time a full build first")
    args = parser.parse_args()
    rows = []
    start = time.perf_counter()
    subprocess.run(["bash", "scripts/build_site.sh", *(["--force"] if args.rebuild else [])], cwd=ROOT, check=True)
    if args.rebuild:
        rows.append(("full build (scripts/build_site.sh --force)", f"{time.perf_counter() - start:.0f} s"))
    size = sum(p.stat().st_size for p in SITE.rglob("*") if p.is_file())
    rows.append(("site size", f"{size / 2**20:.1f} MiB, {sum(1 for _ in SITE.rglob('*'))} files"))
    httpd, url = serve(SITE)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=OFFLINE_ARGS)
            blocked: list[str] = []
            context = _offline_context(browser, url, blocked)
            app = SitePage(context.new_page(), url, "", "bench-site")
            app.blocked = blocked
            rows.append(("page open -> kernel ready, cold cache", f"{app.open(LESSON_1):.1f} s"))
            t = time.perf_counter()
            app.run_all()
            app.wait_until_idle(timeout_s=300)
            rows.append(("lesson 1 Run All Cells", f"{time.perf_counter() - t:.1f} s"))
            drive = Driver(app, lambda what, s: None)
            drive.click("+1 min")
            drive.click("ifdown storage on pacific")
            for _ in range(6):
                drive.click("+15 s")
            drive.click("+1 min")
            ms = sorted(round(s * 1000) for s in drive.latencies)
            rows.append(("click -> updated timeline", (f"median {statistics.median(ms):.0f} ms, max {ms[-1]} ms "
                                                      f"({len(ms)} clicks)")))
            app.assert_stayed_home()
            context.close()
            browser.close()
    finally:
        httpd.shutdown()
    load = Path("/proc/loadavg").read_text().split()[0] if Path("/proc/loadavg").exists() else "?"
    print(f"| figure | measured (load average {load}) |\n|---|---|")
    for what, value in rows:
        print(f"| {what} | {value} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
