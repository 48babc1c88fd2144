"""Using a lesson edits nothing in notebooks/ (issue 20): JupyterLab with the course's own config.

A student opens lesson 1 in JupyterLab started with binder/jupyter_server_config.py (as Binder and
scripts/lesson.sh start it), runs every cell, clicks through the fault on the panel, and saves (as
autosave would). Afterwards every file under notebooks/ holds the same bytes as before: the save
hook left the outputs, the counts and the widgets' state out, and the text twin jupytext rewrote is
the committed one. The tests that read the committed lessons stay green after a student's session.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
from conftest import LAB_FLAGS, REPO, LabPage, _jupyter_env
from lesson_panel import Driver

pytestmark = pytest.mark.browser

LESSON = "notebooks/01-storage-network-down-non-spm.ipynb"


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted((root / "notebooks").rglob("*"))
            if p.is_file() and ".ipynb_checkpoints" not in p.parts}


def test_a_run_of_clicks_and_a_save_edit_nothing_in_notebooks(served_dir: Path, start_server, page, tmp_path,
                                                              request, record_timing) -> None:
    before = _files(served_dir)

    def argv(port: int, token: str) -> list[str]:
        return [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ServerApp.ip=127.0.0.1",
                f"--ServerApp.port={port}", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={served_dir}",
                f"--config={REPO / 'binder' / 'jupyter_server_config.py'}", *LAB_FLAGS]

    server = start_server(argv, cwd=served_dir, env=_jupyter_env(tmp_path), name="jupyterlab")
    lab = LabPage(page, server.url, server.token, request.node.name)
    lab.open(LESSON)
    lab.run_all()
    lab.wait_for(page.locator(".hacourse-controls").first, "the lesson's panel", timeout_s=120)
    lab.wait_until_idle(timeout_s=180)
    drive = Driver(lab, record_timing)
    drive.click("+1 min")
    drive.click("ifdown storage on pacific")
    drive.click("+5 min")
    lab.assert_no_errors()

    notebook = served_dir / LESSON
    written = notebook.stat().st_mtime_ns
    page.locator(".jp-Notebook").first.click()
    page.keyboard.press("Control+s")
    deadline = time.perf_counter() + 30
    while notebook.stat().st_mtime_ns == written:  # the save really happened: the test can fail
        if time.perf_counter() > deadline:
            lab.screenshot("never-saved")
            raise AssertionError("JupyterLab never saved the lesson after Ctrl+S")
        page.wait_for_timeout(200)
    page.wait_for_timeout(1000)  # jupytext writes the text twin right after
    after = _files(served_dir)
    assert set(after) == set(before), sorted(set(after) ^ set(before))
    changed = [name for name in before if after[name] != before[name]]
    assert not changed, f"using the lesson changed {changed}"
