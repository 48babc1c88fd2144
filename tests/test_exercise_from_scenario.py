"""An exercise from any scenario (`hacourse exercise`): its `expect:` entries are the grader, the
student's folder runs as it is, each variant grades against its own run, and nbgrader autogrades it."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from dataclasses import replace

import nbformat
import pytest
import yaml
from nbclient import NotebookClient

from hacourse.grading.assignment import Lab
from hacourse.grading.exercise_book import make_exercise, predict_items
from hacourse.scenario import load_scenario
from tests.seed import ROOT, SEED

pytestmark = pytest.mark.slow  # runs notebooks and nbgrader; the fast lane leaves it out

BASE = SEED.read_text().split("\nexpect:\n")[0] + "\n"
TUNED_EXPECT = """expect:
  - {host: pacific, becomes: NonOperational, between: [180, 200], after: {fault: 0},
     why: the admin wants three minutes before VMs move}
  - {vm: web1, ends: Up, on: atlantic}
"""
TUNE_SPEC = """title: Give the storage network three minutes
intro: The admin wants a host that lost its storage network to keep its VMs for three minutes.
tune: {NicDHCPDelayGraceInMS: 180}
questions:
  - {ask: "Which engine-config key did you change?", answer: NicDHCPDelayGraceInMS, points: 2}
"""


def hacourse(*args, cwd=ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hacourse.cli", *map(str, args)], check=False,
                          capture_output=True, text=True, cwd=cwd, timeout=300)


def nbgrader_meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def errored(cell) -> bool:
    return any(o.get("output_type") == "error" for o in cell.get("outputs", []))


def text(cell) -> str:
    return "".join(o.get("text", "") + "".join(o.get("traceback", [])) for o in cell.get("outputs", []))


def execute(path) -> nbformat.NotebookNode:
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return notebook


def score(notebook) -> tuple[int, int]:
    graded = [c for c in notebook.cells if nbgrader_meta(c).get("grade")]
    return (sum(nbgrader_meta(c)["points"] for c in graded if not errored(c)),
            sum(nbgrader_meta(c)["points"] for c in graded))


def answers(notebook) -> dict[str, str]:
    return {nbgrader_meta(c)["grade_id"]: c.source for c in notebook.cells if nbgrader_meta(c).get("solution")}


@pytest.fixture(scope="module")
def predict(tmp_path_factory):
    folder = tmp_path_factory.mktemp("predict")
    shutil.copy(SEED, folder / "lab.yaml")
    return make_exercise(folder / "lab.yaml", folder / "out", variants=3, vary=("NicDHCPDelayGraceInMS", [60, 120, 180]))


@pytest.fixture(scope="module")
def tune(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tune")
    (folder / "lab.yaml").write_text(BASE + TUNED_EXPECT)
    (folder / "lab.exercise.yaml").write_text(TUNE_SPEC)
    return make_exercise(folder / "lab.yaml", folder / "out")


def test_each_expectation_becomes_a_question_the_run_answers(predict):
    notebook = nbformat.read(predict.out / "instructor" / "lab.ipynb", as_version=4)
    asked = [c.source for c in notebook.cells if c.cell_type == "markdown" and c.source.startswith("**Question")]
    assert len(asked) == len(load_scenario(SEED).expect) == predict.items
    assert asked[0] == ("**Question 1.** How many seconds after fault 0 (ifdown storage on pacific at 60 s) does "
                        "pacific turn NonOperational? Within 10 s counts.")
    assert "Which VM does the engine start migrating first: app1 or db1?" in asked[4]
    assert "In which status does db1 end the run, and on which host?" in asked[8]
    assert asked[-1].endswith("True or False: no HostFenced record appears in the log.")


def test_the_student_folder_has_the_scenario_without_its_answers_and_runs_as_it_is(predict):
    student = predict.out / "student"
    assert sorted(p.name for p in student.iterdir()) == ["lab.ipynb", "lab.yaml"]
    handed = yaml.safe_load((student / "lab.yaml").read_text())
    assert "expect" not in handed  # the windows would give the answers away
    assert load_scenario(student / "lab.yaml").hosts == load_scenario(SEED).hosts
    notebook = nbformat.read(student / "lab.ipynb", as_version=4)
    assert all("### BEGIN SOLUTION" not in c.source and "answer_1 = 66" not in c.source for c in notebook.cells)
    blank = execute(student / "lab.ipynb")
    assert score(blank)[0] == 0
    setup = next(c for c in blank.cells if nbgrader_meta(c).get("grade_id") == "setup")
    assert not errored(setup) and "host pacific" in text(setup)


def test_the_instructor_notebook_autogrades_to_full_marks(predict):
    notebook = execute(predict.out / "instructor" / "lab.ipynb")
    assert not [text(c) for c in notebook.cells if errored(c)]
    earned, possible = score(notebook)
    assert earned == possible == predict.points > 0


def test_a_neighbours_answers_do_not_pass_another_variant(predict):
    rows = list(csv.DictReader((predict.out / "variants.csv").read_text().splitlines()))
    assert [(r["variant"], r["seed"], r["NicDHCPDelayGraceInMS"]) for r in rows] == [
        ("1", "0", "60"), ("2", "1", "120"), ("3", "2", "180")]
    first, third = (Lab(predict.out / "variants" / n / "lab.yaml") for n in ("01", "03"))
    entry = {"host": "pacific", "becomes": "NonOperational", "after": {"fault": 0}}
    own = third.judge(entry).measured
    neighbour = first.judge(entry).measured
    assert own - neighbour >= 100  # a grace 120 s longer
    assert third.when(own, entry, tolerance=10).passed
    wrong = third.when(neighbour, entry, tolerance=10)
    assert not wrong.passed and wrong.kind == "early" and "too early" in wrong.message


def test_a_tune_exercise_grades_the_students_settings_with_each_expectation(tune):
    lab = Lab(tune.out / "student" / "lab.yaml")
    window = yaml.safe_load(TUNED_EXPECT)["expect"][0]
    assert lab.check({"NicDHCPDelayGraceInMS": 180}, window).passed
    late = lab.check({"NicDHCPDelayGraceInMS": 300}, window)
    assert not late.passed and "expected 180-200 s after it" in late.message
    assert "the admin wants three minutes" in late.message
    bad = lab.check({"NicDHCPDelayGraceInMS": "60s"}, window)
    assert bad.kind == "invalid" and "NicDHCPDelayGraceInMS" in bad.message
    unknown = lab.check({"NicDHCPDelayGraceInMs": 180}, window)
    assert unknown.kind == "invalid" and "did you mean 'NicDHCPDelayGraceInMS'?" in unknown.message


def test_a_tune_exercise_hides_the_solution_and_the_fixed_answers_from_the_student(tune):
    assert tune.kind == "tune" and tune.points == 2 + 2  # one point per expectation, two for the question
    student = nbformat.read(tune.out / "student" / "lab.ipynb", as_version=4)
    source = "\n".join(c.source for c in student.cells)
    assert "180}" not in source and "NicDHCPDelayGraceInMS'" not in source.split("**Your task.**")[0]
    graded = [c for c in student.cells if nbgrader_meta(c).get("grade_id") == "extra1"]
    assert graded and "HIDDEN" not in graded[0].source and "lab.answer" not in graded[0].source
    teacher = execute(tune.out / "instructor" / "lab.ipynb")
    earned, possible = score(teacher)
    assert earned == possible == 4, [text(c) for c in teacher.cells if errored(c)]


def test_an_existing_folder_and_an_impossible_variant_are_refused(tmp_path):
    (tmp_path / "bare.yaml").write_text(BASE)
    bare = hacourse("exercise", tmp_path / "bare.yaml", "-o", tmp_path / "a")  # where each VM ends, then
    assert bare.returncode == 0 and "has no `expect:` entries: the questions ask where each VM" in bare.stderr
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine")
    busy = hacourse("exercise", SEED, "-o", tmp_path / "busy")
    assert busy.returncode == 2 and "--force" in busy.stderr and (tmp_path / "busy" / "notes.txt").exists()
    units = hacourse("exercise", SEED, "-o", tmp_path / "b", "--variants", "2", "--vary", "NicDHCPDelayGraceInMS=60s,90")
    assert units.returncode == 2 and "NicDHCPDelayGraceInMS" in units.stderr and "Traceback" not in units.stderr
    assert not (tmp_path / "b").exists()


def test_nbgrader_autogrades_an_exercise_made_from_a_scenario_variant_by_variant(predict, tmp_path, nbgrader):
    """nbgrader 0.9.6, end to end: the instructor folder is the source; the release is our student
    copy; the teacher gets every point, a blank copy none, a student of variant 3 who copied the
    base answers loses points, and one who answered from their own run gets every point."""
    course = tmp_path / "course"
    shutil.copytree(predict.out / "instructor", course / "source" / "lab")
    (course / "nbgrader_config.py").write_text(
        'c = get_config()\nc.CourseDirectory.course_id = "hacourse"\n'
        'c.Autograde.exclude_overwriting = {"lab": ["lab.yaml"]}  # grade each student on their own variant\n')
    nbgrader("generate_assignment", "lab", "--force", cwd=course)
    released = nbformat.read(course / "release" / "lab" / "lab.ipynb", as_version=4)
    ours = nbformat.read(predict.out / "student" / "lab.ipynb", as_version=4)
    assert [c.source for c in released.cells] == [c.source for c in ours.cells]
    assert (course / "release" / "lab" / "lab.yaml").read_text() == (predict.out / "student" / "lab.yaml").read_text()

    teacher = nbformat.read(course / "source" / "lab" / "lab.ipynb", as_version=4)
    copied = nbformat.read(predict.out / "variants" / "03" / "lab.ipynb", as_version=4)
    honest = nbformat.read(predict.out / "variants" / "03" / "lab.ipynb", as_version=4)
    third = Lab(predict.out / "variants" / "03" / "lab.yaml")  # its file has no expect:, the questions are its own
    own = {f"{item.grade_id}-answer": f"{item.answer} = {item.solution!r}"
           for item in predict_items(replace(third.scenario, expect=load_scenario(SEED).expect), third)}
    for notebook, given in ((copied, answers(teacher)), (honest, own)):
        for cell in notebook.cells:
            if nbgrader_meta(cell).get("solution"):
                cell.source = given[nbgrader_meta(cell)["grade_id"]]
    for student, notebook in (("teacher", teacher), ("blank", released), ("copied", copied), ("honest", honest)):
        folder = course / "submitted" / student / "lab"
        folder.mkdir(parents=True)
        nbformat.write(notebook, folder / "lab.ipynb")
        scenario = "03" if student in ("copied", "honest") else None
        shutil.copy(predict.out / ("variants/03" if scenario else "student") / "lab.yaml", folder / "lab.yaml")
    nbgrader("autograde", "lab", "--create", "--force", cwd=course)
    nbgrader("export", "--to", str(course / "grades.csv"), cwd=course)
    with open(course / "grades.csv", newline="") as grades:
        scores = {r["student_id"]: (float(r["score"]), float(r["max_score"])) for r in csv.DictReader(grades)}
    full = float(predict.points)
    assert scores["teacher"] == (full, full)
    assert scores["blank"][0] == 0
    assert scores["honest"] == (full, full)
    assert scores["copied"][0] < full  # with a grace 120 s longer, Pacific turns NonOperational later
    assert own["q1-answer"] != answers(teacher)["q1-answer"]


def test_a_mistyped_exercise_file_gets_every_problem_with_its_line_and_validate_reads_it_as_one(tmp_path):
    (tmp_path / "lab.yaml").write_text(SEED.read_text())
    (tmp_path / "lab.exercise.yaml").write_text(
        "title: Grace\ntune: 5\nquestons: []\nquestions:\n  - {ask: Which key, answer: X, pionts: 2}\n")
    out = hacourse("validate", tmp_path / "lab.yaml", tmp_path / "lab.exercise.yaml")
    assert out.returncode == 2
    spec = tmp_path / "lab.exercise.yaml"
    assert out.stderr.splitlines()[:3] == [
        (f"{spec}:2:7: tune: expected the settings the student chooses, with the solution's values: "
         "{NicDHCPDelayGraceInMS: 180}; found 5"),
        f"{spec}:3:1: questons: unknown key; allowed: title, intro, show_description, tune, questions (did you mean 'questions'?)",
        f"{spec}:5:33: questions[0].pionts: unknown key; allowed: ask, answer, points (did you mean 'points'?)"]
    made = hacourse("exercise", tmp_path / "lab.yaml", "-o", tmp_path / "out")
    assert made.returncode == 2 and "did you mean 'points'?" in made.stderr
    checked = hacourse("check", "-q", tmp_path / "lab.yaml", spec)  # a course folder's *.yaml holds both
    assert checked.returncode == 0, checked.stdout + checked.stderr
