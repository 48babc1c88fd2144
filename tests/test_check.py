"""`hacourse check` across seeds: an instructor reads the tolerance a window needs off the runs
(how often each expectation held, the seeds that broke it, the spread of its time), and
`--suggest` proposes a window that the same seeds then pass."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
import yaml

from hacourse.grading.check import parse_seeds, seed_ranges
from hacourse.scenario.starter import shipped_scenarios
from tests.seed import ROOT, SEED

BASE = SEED.read_text().split("\nexpect:\n")[0] + "\n"
TIGHT = "{host: pacific, becomes: NonOperational, between: [60, 61], after: {fault: 0}}"


def hacourse(*args: str, cwd=ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hacourse.cli", *map(str, args)], check=False,
                          capture_output=True, text=True, cwd=cwd, timeout=300)


def lab(tmp_path, *entries: str):
    path = tmp_path / "lab.yaml"
    path.write_text(BASE + "expect:\n" + "".join(f"  - {e}\n" for e in entries))
    return path


@pytest.mark.parametrize(("text", "seeds"), [("0-4", [0, 1, 2, 3, 4]), ("7", [7]), ("0,5,3", [0, 5, 3]),
                                             ("0-2, 10-11", [0, 1, 2, 10, 11]), ("1-3,2-4", [1, 2, 3, 4])])
def test_seeds_are_written_as_ranges_and_lists(text, seeds):
    assert parse_seeds(text) == seeds


@pytest.mark.parametrize("text", ["a-3", "5-1", "0-", "1..4", ""])
def test_a_seed_list_that_does_not_parse_says_what_is_allowed(text):
    with pytest.raises(ValueError, match="expected numbers and ranges such as 0-99"):
        parse_seeds(text)


def test_seed_ranges_reads_back_as_written():
    assert seed_ranges([5, 0, 1, 2, 9, 10]) == "0-2, 5, 9-10"


def test_a_window_too_tight_for_the_poll_phase_fails_for_some_seeds_and_the_report_says_which(tmp_path):
    out = hacourse("check", lab(tmp_path, TIGHT, "{vm: db1, ends: Up, on: atlantic}"), "--seeds", "0-19")
    assert out.returncode == 1
    assert "seeds 0-19 (20 runs): 1 of 2 expectations FAILED in some runs" in out.stdout
    held = re.search(r"held in (\d+) of 20 runs; failed with seeds ([\d, -]+)\n", out.stdout)
    assert held and 0 < int(held.group(1)) < 20
    low, high = map(float, re.search(r"measured ([\d.]+)-([\d.]+) s \(median [\d.]+\) after fault 0 "
                                     r"\(ifdown storage on pacific at 60 s\)", out.stdout).groups())
    assert low < high and high > 61
    assert "ok    expect[1] {vm: db1, ends: Up, on: atlantic}\n        held in 20 of 20 runs" in out.stdout


def test_the_suggested_window_covers_every_run_it_was_read_from(tmp_path):
    out = hacourse("check", lab(tmp_path, TIGHT), "--seeds", "0-19", "--suggest")
    suggested = re.search(r"suggested: (\{.*\})  \(the measured spread, one VdsRefreshRate \(3 s\) wider", out.stdout)
    assert suggested, out.stdout
    window = yaml.safe_load(suggested.group(1))["between"]
    low, high = map(float, re.search(r"measured ([\d.]+)-([\d.]+) s", out.stdout).groups())
    assert window[0] <= low - 3 and window[1] >= high + 3
    again = hacourse("check", lab(tmp_path, suggested.group(1)), "--seeds", "0-19")
    assert again.returncode == 0 and "all 1 expectations hold in every run" in again.stdout


def test_quiet_prints_nothing_when_everything_holds_and_only_the_failures_otherwise(tmp_path):
    calm = hacourse("check", "--quiet", SEED, "--seeds", "0-4")
    assert calm.returncode == 0 and calm.stdout == ""
    loud = hacourse("check", "-q", lab(tmp_path, TIGHT, "{never: HostFenced}"), "--seeds", "0-19")
    assert loud.returncode == 1 and "FAIL  expect[0]" in loud.stdout and "expect[1]" not in loud.stdout


def test_a_bad_seed_range_is_refused_before_anything_runs():
    out = hacourse("check", SEED, "--seeds", "9-3")
    assert out.returncode == 2 and "--seeds" in out.stderr and "Traceback" not in out.stderr


def test_new_list_shows_every_shipped_scenario_with_its_title():
    out = hacourse("new", "--list")
    assert out.returncode == 0
    lines = out.stdout.splitlines()
    for name, path in shipped_scenarios().items():
        title = yaml.safe_load(path.read_text())["name"]
        assert any(line.startswith(name) and line.endswith(title) for line in lines), (name, out.stdout)
    assert "hacourse new FILE --from NAME" in out.stdout


def test_new_without_a_file_says_what_to_give():
    out = hacourse("new")
    assert out.returncode == 2 and "--list" in out.stderr
