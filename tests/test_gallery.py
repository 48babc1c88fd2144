"""The gallery: any scenario, shipped or an instructor's file, opens in the lesson panel by name,
by path, or from a link (Voila's `?scenario=`, or HACOURSE_SCENARIO), and a wrong name says what
exists instead of raising in a student's page."""

from __future__ import annotations

import os
import shutil
import sys
import urllib.request

import nbformat
import pytest
from nbclient import NotebookClient

from hacourse.panel.widgets import open_requested
from hacourse.scenario import ScenarioError, load_scenario
from hacourse.scenario.gallery import DEFAULT, find_scenario, listing, requested
from hacourse.scenario.starter import shipped_scenarios
from tests.seed import ROOT, SEED

NOTEBOOK = ROOT / "notebooks" / "open-scenario.ipynb"


def test_a_scenario_is_found_by_its_shipped_name_or_its_file(tmp_path, monkeypatch):
    assert find_scenario("pacific-mgmt-down").name == "Management network down on a host"
    mine = tmp_path / "my-lab.yaml"
    mine.write_text(SEED.read_text().replace("name: Storage network down on a non-SPM host", "name: My lab"))
    monkeypatch.chdir(tmp_path)
    assert find_scenario("my-lab.yaml").name == "My lab"
    assert find_scenario(mine).name == "My lab"


@pytest.mark.parametrize(("asked", "words"), [
    ("pacific-mgmt-dwn", "did you mean 'pacific-mgmt-down'?"),
    ("nowhere/lab.yaml", "no file nowhere/lab.yaml"),
])
def test_a_name_that_finds_nothing_lists_what_exists(asked, words):
    with pytest.raises(ScenarioError) as error:
        find_scenario(asked)
    assert words in str(error.value) and "pacific-storage-down" in str(error.value)


def test_a_link_names_the_scenario_then_the_environment_then_lesson_one():
    assert requested({"QUERY_STRING": "scenario=pacific-power-loss&x=1", "HACOURSE_SCENARIO": "spm-storage-down"}) \
        == "pacific-power-loss"
    assert requested({"QUERY_STRING": "", "HACOURSE_SCENARIO": "spm-storage-down"}) == "spm-storage-down"
    assert requested({}) == DEFAULT


def test_the_panel_opens_on_the_requested_scenario_and_a_wrong_one_prints_the_gallery(capsys):
    lesson = open_requested({"QUERY_STRING": "scenario=two-hosts-fencing-policy"})
    assert lesson.scenario == load_scenario(shipped_scenarios()["two-hosts-fencing-policy"])
    assert open_requested({"QUERY_STRING": "scenario=pacific-storage-dwn"}) is None
    out = capsys.readouterr().out
    assert "did you mean 'pacific-storage-down'?" in out and listing() in out


def test_the_gallery_has_one_line_per_shipped_scenario():
    assert len(listing().splitlines()) == len(shipped_scenarios())


@pytest.mark.slow
def test_the_open_scenario_notebook_reads_the_environment(monkeypatch):
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    monkeypatch.setenv("HACOURSE_SCENARIO", "paused-vms-resume")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(notebook, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    shown = "".join(o.get("text", "") for c in notebook.cells if c.cell_type == "code" for o in c.outputs)
    assert "Paused VMs and what they do when storage returns  (scenario: paused-vms-resume)" in shown
    views = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs
             if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert views, "the lesson panel is displayed"


@pytest.mark.slow
def test_a_voila_link_opens_the_scenario_it_names(tmp_path, start_server):
    """Headless, as Binder serves it: `voila/render/<notebook>?scenario=NAME` (on mybinder.org the
    urlpath carries it encoded: `?urlpath=voila/render/notebooks/open-scenario.ipynb%3Fscenario%3DNAME`)."""
    served = tmp_path / "notebooks"
    served.mkdir()
    shutil.copy(NOTEBOOK, served / NOTEBOOK.name)
    shutil.copy(SEED, served / "my-lab.yaml")
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "jupyter-config"),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}

    def argv(port: int, token: str) -> list[str]:
        return [sys.executable, "-m", "voila", str(served), "--no-browser", "--Voila.ip=127.0.0.1", f"--port={port}",
                f"--Voila.token={token}"]

    app = start_server(argv, cwd=served, ready="/voila/static/", env=env, name="voila")

    def page(query: str) -> str:
        url = f"{app.url}/voila/render/{NOTEBOOK.name}?{query}&token={app.token}"
        with urllib.request.urlopen(url, timeout=120) as response:
            return response.read().decode()

    assert "Management network down on a host  (scenario: pacific-mgmt-down)" in page("scenario=pacific-mgmt-down")
    assert "(scenario: my-lab.yaml)" in page("scenario=my-lab.yaml")
    wrong = page("scenario=pacific-mgmt-dwn")
    assert "did you mean &#39;pacific-mgmt-down&#39;?" in wrong and "Traceback" not in wrong


def test_the_lesson_panel_takes_a_file_or_a_shipped_name_as_well_as_a_scenario(tmp_path, monkeypatch):
    from hacourse.panel.widgets import Lesson

    mine = tmp_path / "my-lab.yaml"
    mine.write_text(SEED.read_text().replace("name: Storage network down on a non-SPM host", "name: My lab"))
    monkeypatch.chdir(tmp_path)
    assert Lesson("my-lab.yaml").scenario == load_scenario("my-lab.yaml")
    assert Lesson(mine).scenario.name == "My lab"
    assert Lesson("pacific-power-loss").scenario.name == "Power loss on a host"
    with pytest.raises(ScenarioError, match="did you mean 'pacific-power-loss'"):
        Lesson("pacific-power-los")
