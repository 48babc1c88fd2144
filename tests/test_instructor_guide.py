"""The instructor guide's walk runs as written: its `sh` blocks, in order, in an empty folder, from
a new scenario to an exercise with a roster that nbgrader's exchange releases and collects,
nbgrader and `hacourse grade` grade and `hacourse class-summary` sums up, and a sweep; then what
they left behind is what the guide says they make."""

from __future__ import annotations

import csv
import re
import subprocess

import pytest

from hacourse.scenario import load_scenario
from tests.seed import ROOT

pytestmark = pytest.mark.slow  # the fast lane (scripts/test.sh --fast) leaves it out

GUIDE = ROOT / "docs" / "instructor-guide.md"
START, END = "<!-- walkthrough -->", "<!-- end walkthrough -->"


def sh_blocks(start: str = START, end: str = END) -> list[str]:
    """The `sh` blocks of the guide between two markers, in order."""
    text = GUIDE.read_text()
    assert text.count(start) == 1 and text.count(end) == 1, f"{GUIDE.name} must mark its walk once: {start}"
    walk = text.split(start)[1].split(end)[0]
    return re.findall(r"^```sh\n(.*?)^```$", walk, flags=re.MULTILINE | re.DOTALL)


def test_the_walk_has_its_five_steps_in_sh_blocks():
    blocks = sh_blocks()
    assert len(blocks) == 5
    said = "\n".join(blocks)
    for command in ("hacourse new", "hacourse check", "hacourse exercise", "--roster", "nbgrader release_assignment",
                    "nbgrader submit", "nbgrader autograde", "hacourse grade", "hacourse class-summary",
                    "hacourse sweep"):
        assert command in said


@pytest.fixture(scope="module")
def walked(tmp_path_factory, nbgrader):
    folder = tmp_path_factory.mktemp("walk")
    script = "set -euo pipefail\n" + "\n".join(sh_blocks())
    done = subprocess.run(["bash", "-c", script], cwd=folder, env=nbgrader.env, capture_output=True, text=True,
                          timeout=1200, check=False)
    assert done.returncode == 0, f"the guide's walk stopped:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    return folder, done


def test_the_walk_runs_to_the_end_in_an_empty_folder(walked):
    _, done = walked
    assert "pacific-storage-down" in done.stdout  # the gallery
    assert "1 file(s) OK" in done.stdout


def test_the_hand_out_breaks_the_first_expectation_in_every_run_and_says_by_how_much(walked):
    _, done = walked
    assert "course/grace.yaml, seeds 0-19 (20 runs): 1 of 2 expectations FAILED in some runs" in done.stdout
    assert "held in 0 of 20 runs; failed with seeds 0-19" in done.stdout
    assert "exit 1: the hand-out breaks expect[0], as it should" in done.stdout


def test_the_scenario_validates_with_its_expectations_and_its_timeline_was_drawn(walked):
    folder, _ = walked
    scenario = load_scenario(folder / "course" / "grace.yaml")
    assert len(scenario.expect) == 2
    assert "host2 moved from Up to NonOperational" in (folder / "course" / "grace-timeline.txt").read_text()
    assert (folder / "course" / "grace-timeline.png").stat().st_size > 10_000


def test_the_exercise_gives_each_student_a_variant_and_nbgrader_and_hacourse_grade_it(walked):
    folder, done = walked
    exercise = folder / "course" / "grace-exercise"
    for bundle in ("instructor", "student"):
        assert sorted(p.name for p in (exercise / bundle).iterdir()) == [
            "grace.ipynb", "grace.variants.json", "grace.yaml"], bundle
    with open(exercise / "manifest.csv", newline="") as table:
        issued = {r["student_id"]: (r["variant"], r["seed"]) for r in csv.DictReader(table)}
    assert issued == {"alice": ("1", "0"), "bob": ("2", "1")}
    assert (exercise / "handout.html").is_file() and (exercise / "walkthrough.md").is_file()
    with open(folder / "grading" / "grades.csv", newline="") as grades:
        scores = {r["student_id"]: (float(r["score"]), float(r["max_score"])) for r in csv.DictReader(grades)}
    assert scores == {"key": (3.0, 3.0), "alice": (0.0, 3.0)}  # alice came through the exchange
    assert "alice            variant 01  0/3" in done.stdout
    assert "key              no variant  3/3" in done.stdout
    assert "not on the roster: graded on the scenario as written" in done.stdout  # the key, as it should
    assert "scored otherwise" not in done.stdout  # nbgrader and hacourse grade agree


def test_the_class_summary_is_a_table_and_a_figure(walked):
    folder, done = walked
    assert "| question | got it | common wrong answers | hardest variants |" in done.stdout
    assert "| expect0 | 1/2 (50%) |" in done.stdout
    assert (folder / "grading" / "grace-summary.png").stat().st_size > 5_000


def test_the_sweep_wrote_one_row_per_setting_and_seed_and_its_figure(walked):
    folder, _ = walked
    with open(folder / "course" / "grace.csv", newline="") as rows:
        table = list(csv.DictReader(rows))
    assert len(table) == 3 * 2 * 10
    assert {(r["NicDHCPDelayGraceInMS"], r["migration_max_bandwidth"]) for r in table} == {
        (g, b) for g in ("60", "120", "180") for b in ("16", "64")}
    assert (folder / "course" / "grace.png").stat().st_size > 10_000
