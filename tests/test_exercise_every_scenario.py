"""`hacourse exercise` on every scenario we ship or test with, and on every form an `expect:` entry
can take: each becomes a question or a check, the instructor notebook gets every point, a blank
student copy none (without crashing), and a run that fails leaves nothing behind."""

from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path

import pytest

from hacourse.grading import notebook as nb
from hacourse.grading.exercise_book import ExerciseError, make_exercise
from hacourse.scenario import load_scenario
from tests.seed import ROOT, SEED

SHIPPED = sorted((ROOT / "scenarios").glob("*.yaml"))
TESTED = sorted((ROOT / "tests" / "fidelity").glob("*.yaml")) + sorted((ROOT / "tests" / "regressions").glob("*.yaml"))

# Every form of entry on the lesson's scenario: each subject and predicate, with and without
# host:/vm:/on:/after:/between:, true or false in the run (true-or-false questions say which).
EVERY_FORM = """expect:
  - {host: pacific, becomes: NonOperational}
  - {host: pacific, becomes: NonOperational, between: [60, 80]}
  - {host: pacific, becomes: NonOperational, between: [0, 20], after: {fault: 0}, grade_tolerance: 3}
  - {host: pacific, becomes: NonOperational, after: {fault: 1}}
  - {host: atlantic, never_becomes: NonOperational}
  - {host: pacific, ends: NonOperational}
  - {host: atlantic, always: Up}
  - {vm: db1, becomes: MigratingFrom}
  - {vm: db1, becomes: Up, on: atlantic}
  - {vm: db1, becomes: Up, on: atlantic, between: [0, 200], after: {fault: 0}}
  - {vm: web1, never_becomes: Paused}
  - {vm: db1, ends: Up}
  - {vm: db1, ends: Up, on: pacific}
  - {vm: db1, paused: true}
  - {vm: db1, paused: true, between: [0, 120], after: {fault: 0}, why: "replacement_timeout"}
  - {vm: web1, paused: false}
  - {vm: db1, starts_migrating_before: web1, why: "priority"}
  - {spm: atlantic, always: true}
  - {spm: pacific, elected: true}
  - {spm: pacific, elected: false}
  - {spm: atlantic, ends: true}
  - {spm: pacific, ends: false}
  - {event: NicDown}
  - {event: NicDown, host: pacific}
  - {event: MigrationStarted, vm: db1}
  - {event: HostStatusChanged, host: pacific, new: NonOperational, between: [0, 100], after: {fault: 0}}
  - {never: HostFenced}
  - {never: HostFenced, host: pacific}
  - {never: MigrationStarted, vm: db1, between: [0, 10]}
  - {vm: db1, becomes: MigratingFrom, before: {vm: web1, becomes: MigratingFrom}}
  - {host: pacific, becomes: NonOperational, times: 1}
  - {event: MigrationStarted, at_least: 2, between: [0, 600], after: {fault: 0}}
  - {vm: log1, paused: true, observe: true}
"""


def points(book: dict, folder: Path) -> tuple[int, int, list[str]]:
    """Run the notebook's code cells in order in this process (cwd: its folder) as nbgrader does,
    going on past errors: (points of the graded cells that ran clean, points in all, the errors
    of the cells that are not graded)."""
    namespace: dict = {"__name__": "__main__"}
    earned = possible = 0
    others = []
    before = Path.cwd()
    os.chdir(folder)
    try:
        for cell in book["cells"]:
            if cell["cell_type"] != "code":
                continue
            meta = nb.grading(cell)
            try:
                with contextlib.redirect_stdout(io.StringIO()):
                    exec(compile(cell["source"], meta.get("grade_id", "cell"), "exec"), namespace)
                ok = True
            except Exception as error:  # noqa: BLE001 -- a failing cell is what we count
                ok = False
                if not meta.get("grade") and not meta.get("solution"):
                    others.append(f"{meta.get('grade_id', 'cell')}: {type(error).__name__}: {error}")
            if meta.get("grade"):
                possible += meta["points"]
                earned += meta["points"] if ok else 0
    finally:
        os.chdir(before)
    return earned, possible, others


def full_and_blank(out: Path, name: str) -> None:
    teacher = out / "instructor"
    earned, possible, errors = points(nb.read(teacher / f"{name}.ipynb"), teacher)
    assert possible > 0 and earned == possible and not errors, (earned, possible, errors)
    student = out / "student"
    earned, possible, errors = points(nb.read(student / f"{name}.ipynb"), student)
    assert earned == 0 and possible > 0 and not errors, errors


@pytest.fixture(scope="module")
def every_form(tmp_path_factory):
    folder = tmp_path_factory.mktemp("forms")
    (folder / "forms.yaml").write_text(SEED.read_text().split("\nexpect:\n")[0] + "\n" + EVERY_FORM)
    return make_exercise(folder / "forms.yaml", folder / "out"), folder


def test_every_form_of_entry_becomes_one_question(every_form):
    built, folder = every_form
    entries = load_scenario(folder / "forms.yaml").expect
    book = nb.read(built.out / "instructor" / "forms.ipynb")
    asked = [c["source"] for c in book["cells"] if c["source"].startswith("**Question")]
    assert len(asked) == built.items == len(entries) - 1  # the observed one is shown, not graded
    watched = next(c["source"] for c in book["cells"] if nb.grading(c).get("grade_id") == "watch")
    assert watched == "**Watch (not graded).** Whether log1 pauses at some point: see it in the run at the end."
    assert asked[2] == ("**Question 3.** How many seconds after fault 0 (ifdown storage on pacific at 60 s) does "
                        "pacific turn NonOperational? Within 3 s counts.")  # grade_tolerance, not half the window
    assert any("True or False: a NicDown record with host: pacific appears in the log" in q for q in asked)
    assert any("True or False: no HostFenced record with host: pacific appears in the log" in q for q in asked)
    assert asked[29] == ("**Question 30.** True or False: db1 turns MigratingFrom, before web1 turns "
                         "MigratingFrom.")
    assert asked[30] == "**Question 31.** How many times does pacific turn NonOperational?"
    assert asked[31] == ("**Question 32.** How many MigrationStarted records appear in the log 0 to 600 s after fault 0 "
                         "(ifdown storage on pacific at 60 s)?")
    answer_cells = [c["source"] for c in book["cells"] if nb.grading(c).get("solution")]
    assert answer_cells[2].startswith("# answer_3: a number of seconds after fault 0, e.g. answer_3 = 75")


def test_every_form_gets_full_marks_from_the_instructor_and_none_from_a_blank_copy(every_form):
    built, _ = every_form
    full_and_blank(built.out, "forms")


def test_the_student_intro_is_the_exercise_files_not_the_scenarios_description(every_form):
    built, folder = every_form
    intro = nb.read(built.out / "student" / "forms.ipynb")["cells"][0]["source"]
    description = load_scenario(folder / "forms.yaml").description.strip()
    assert description and description[:40] not in intro
    assert "predict what the engine does" in intro


def test_a_run_that_fails_leaves_nothing_behind_and_the_next_run_works(tmp_path):
    text = SEED.read_text().split("\nexpect:\n")[0] + "\nexpect:\n  - {host: atlantic, becomes: Maintenance, between: [0, 9]}\n"
    (tmp_path / "lab.yaml").write_text(text)
    with pytest.raises(ExerciseError, match="never happens in this run"):
        make_exercise(tmp_path / "lab.yaml", tmp_path / "course" / "out")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lab.yaml"]  # no out, no course, no staging
    (tmp_path / "lab.yaml").write_text(text.replace("atlantic, becomes: Maintenance", "pacific, becomes: NonOperational")
                                       .replace("[0, 9]", "[60, 80]"))
    assert make_exercise(tmp_path / "lab.yaml", tmp_path / "course" / "out").items == 1


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_shipped_scenario_makes_an_exercise_that_grades(path, tmp_path):
    built = make_exercise(path, tmp_path / "out")
    assert built.items >= len(load_scenario(path).expect) > 0
    full_and_blank(built.out, path.stem)


@pytest.mark.slow  # 21 more exercises (~5 s of CPU): the fast lane keeps the shipped ones
@pytest.mark.parametrize("path", TESTED, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_fidelity_and_regression_scenario_makes_an_exercise_that_grades(path, tmp_path):
    built = make_exercise(path, tmp_path / "out")
    assert built.items > 0
    full_and_blank(built.out, path.stem)
