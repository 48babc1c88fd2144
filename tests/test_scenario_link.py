"""A link that opens a scenario: a shipped one by name (`?scenario=`), or an instructor's own file
carried in the link (`?yaml=`, `hacourse link FILE`), checked as a file is, with the loader's
messages when it is broken."""

from __future__ import annotations

from pathlib import Path

import pytest

from hacourse.cli import main
from hacourse.panel.widgets import open_requested
from hacourse.scenario import ScenarioError
from hacourse.scenario.gallery import LINK_SOURCE, link_query, pages_url, requested_scenario

REPO = Path(__file__).resolve().parent.parent


def test_a_link_carries_an_instructors_own_scenario(tmp_path):
    text = (REPO / "scenarios" / "pacific-mgmt-down.yaml").read_text().replace("name: ", "name: Week 3 · ", 1)
    scenario, named = requested_scenario({"QUERY_STRING": f"x=1&{link_query(text)}"})
    assert named == LINK_SOURCE and scenario.name.startswith("Week 3 · ")
    assert scenario == requested_scenario({"QUERY_STRING": link_query(text)})[0]


def test_a_link_names_a_shipped_scenario():
    scenario, named = requested_scenario({"QUERY_STRING": "scenario=pacific-mgmt-down"})
    assert named == "pacific-mgmt-down" and "management" in scenario.name.lower()


def test_a_broken_carried_scenario_gets_the_loaders_messages(capsys):
    with pytest.raises(ScenarioError) as raised:
        requested_scenario({"QUERY_STRING": link_query("name: x\nhosts: 3\n")})
    assert f"{LINK_SOURCE}:2:8: hosts: expected a list" in str(raised.value)
    assert open_requested({"QUERY_STRING": link_query("name: x\nhosts: 3\n")}) is None  # no panel, no traceback
    printed = capsys.readouterr().out
    assert f"{LINK_SOURCE}:2:8: hosts: expected a list" in printed and "pacific-storage-down" in printed


def test_a_link_cut_short_says_so():
    cut = link_query((REPO / "scenarios" / "pacific-mgmt-down.yaml").read_text())[:-40]
    with pytest.raises(ScenarioError, match="the link may have been cut short"):
        requested_scenario({"QUERY_STRING": cut})


def test_hacourse_link_prints_a_link_that_opens_the_file(tmp_path, capsys):
    mine = tmp_path / "mine.yaml"
    mine.write_text((REPO / "scenarios" / "pacific-mgmt-down.yaml").read_text())
    assert main(["link", str(mine), "--site", "https://example.org/course/"]) == 0
    link = capsys.readouterr().out.strip()
    assert link.startswith("https://example.org/course/lab/index.html?path=notebooks/open-scenario.ipynb&yaml=")
    query = link.split("?", 1)[1]
    assert requested_scenario({"QUERY_STRING": query})[0].name == requested_scenario(
        {"QUERY_STRING": "scenario=pacific-mgmt-down"})[0].name


def test_hacourse_link_refuses_a_broken_file_with_the_loaders_messages(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nhosts: 3\n")
    assert main(["link", str(bad)]) == 2
    out = capsys.readouterr()
    assert out.out == "" and f"{bad}:2:8: hosts: expected a list" in out.err


def test_the_site_address_comes_from_the_git_remote(tmp_path):
    import subprocess

    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    assert pages_url(tmp_path) is None
    subprocess.run(["git", "-C", str(tmp_path), "remote", "add", "origin", "git@github.com:SomeOne/hacourse.git"],
                   check=True)
    assert pages_url(tmp_path) == "https://someone.github.io/hacourse/"
