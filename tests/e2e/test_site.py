"""The course as a static JupyterLite site, in Chromium, with every address but the site's blocked.

A student opens the site's link: Pyodide starts from the site's own files, hacourse is there, a
scenario of the site loads, runs and gives the Events tab's rows, and the page never asks for
anything outside its origin (site_browser.py blocks and records every such request).
"""

from __future__ import annotations

import time

import pytest
from conftest import REPO
from lesson_panel import panel_of
from site_browser import SitePage, offline_browser, site, site_url  # noqa: F401 (fixtures)
from test_lesson_1 import _drive_the_fault

from hacourse.scenario.gallery import LINK_SOURCE, link_query

pytestmark = pytest.mark.browser


def test_the_browser_kernel_runs_a_scenario_and_lists_its_events(site: SitePage, record_timing) -> None:  # noqa: F811
    out = site.repl(
        "import sys, yaml\n"
        "from hacourse import load_scenario, simulate\n"
        "from hacourse.analysis.audit import events_table\n"
        "log = simulate(load_scenario('scenarios/pacific-storage-down.yaml'), seed=0)\n"
        "print(sys.platform, 'libyaml' if yaml.__with_libyaml__ else 'pure-python yaml')\n"
        "for row in events_table(log)[::-1]: print(row.severity, row.message)\n"
    )
    assert out.startswith("emscripten pure-python yaml"), out[:300]
    assert "Error Host pacific moved from Up to NonOperational state (NETWORK_INTERFACE_IS_DOWN" in out, out
    assert "Migration started (VM: db1, Source: pacific, Destination: atlantic" in out, out


LESSON_1 = "notebooks/01-storage-network-down-non-spm.ipynb"


def test_lesson_1_runs_in_the_browser_and_the_storage_nic_goes_down_from_the_panel(
    site: SitePage, record_timing  # noqa: F811
) -> None:
    site.name = "site-lesson1"  # its screenshots: test-output/site-lesson1-*.png
    record_timing("page open -> kernel idle (cold cache)", site.open(LESSON_1))
    start = time.perf_counter()
    site.run_all()
    site.wait_until_idle(timeout_s=240)
    record_timing("lesson 1 Run All Cells -> every cell run", time.perf_counter() - start)
    _drive_the_fault(site, record_timing, in_lab=True)


def test_a_link_opens_its_scenario_in_the_lesson_panel(site: SitePage) -> None:  # noqa: F811
    """`?scenario=NAME` opens a shipped scenario; `?yaml=` (hacourse link) an instructor's own file,
    and a broken one shows the loader's message instead of a panel."""
    site.name = "site-link"
    page = site.page
    site.open("notebooks/open-scenario.ipynb", query="scenario=pacific-mgmt-down")
    site.run_all()
    site.wait_until_idle(timeout_s=240)
    site.wait_for(page.get_by_text("(scenario: pacific-mgmt-down)"), "the linked scenario's name")
    site.wait_for(panel_of(page).get_by_role("button", name="+15 s"), "its lesson panel")
    site.screenshot("shipped")

    own = (REPO / "scenarios" / "pacific-mgmt-down.yaml").read_text().replace("name: ", "name: Week 3 · ", 1)
    site.open("notebooks/open-scenario.ipynb", query=link_query(own))
    site.run_all()
    site.wait_until_idle(timeout_s=240)
    site.wait_for(page.get_by_text(f"(scenario: {LINK_SOURCE})"), "the carried scenario")
    assert page.get_by_text("Week 3 · ").count() >= 1
    site.wait_for(panel_of(page).get_by_role("button", name="+15 s"), "its lesson panel")

    site.open("notebooks/open-scenario.ipynb", query=link_query("name: x\nhosts: 3\n"))
    site.run_all()
    site.wait_until_idle(timeout_s=240)
    site.wait_for(page.get_by_text(f"{LINK_SOURCE}:2:8: hosts: expected a list", exact=False), "the loader's message")
    assert panel_of(page).count() == 0


@pytest.mark.parametrize("notebook", [
    "notebooks/00-the-guides-lab.ipynb",
    "notebooks/02-spm-storage-down.ipynb",
    "notebooks/03-non-responsive-hosts-and-fencing.ipynb",
    "notebooks/exercises/01-predict-the-migration-order.ipynb",
    "notebooks/availability-study.ipynb",
    "notebooks/04-how-many-nines-does-ha-buy.ipynb",
])
def test_lessons_and_an_exercise_run_every_cell_in_the_browser(site: SitePage, notebook: str,  # noqa: F811
                                                                record_timing) -> None:
    site.name = "site-" + notebook.rsplit("/", 1)[1].removesuffix(".ipynb")[:28]
    site.open(notebook)
    start = time.perf_counter()
    site.run_all()
    site.wait_until_idle(timeout_s=300)
    record_timing(f"{notebook}: Run All Cells -> every cell run", time.perf_counter() - start)
    site.assert_no_errors()
    site.screenshot("page")
