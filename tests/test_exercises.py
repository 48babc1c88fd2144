"""Exercises run both ways: the instructor's solution passes its check, and each kind of wrong
answer gets the feedback written for it, called directly and through the notebooks as nbgrader
would run them (instructor copy: full marks; student copy: solutions gone, stubs in place)."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys

import jupytext
import nbformat
import pytest
from nbclient import NotebookClient

from hacourse import simulate
from hacourse.analysis.intervals import migration_spans
from hacourse.grading import exercises
from tests.seed import ROOT
from tests.test_notebooks import twin_of

pytestmark = pytest.mark.slow  # runs notebooks and nbgrader; the fast lane leaves it out

EXERCISES = ROOT / "notebooks" / "exercises"
NOTEBOOKS = sorted(EXERCISES.glob("*.ipynb"))
IDS = [p.stem for p in NOTEBOOKS]

MIGRATION_SOLUTION = ["db1", "mail1", "app1", "app2", "web1", "log1"]
SOLUTIONS = [
    (exercises.check_migration_order, MIGRATION_SOLUTION),
    (exercises.check_migration_order, ["mail1", "db1", "app2", "app1", "log1", "web1"]),  # ties either way
    (exercises.check_spm_priorities, {"atlantic": 5, "pacific": -1, "indian": 5}),
    (exercises.check_fencing_policy, {"enabled": True, "skip_if_sd_active": True}),
    (exercises.check_paused_reason, "b"),
    (exercises.check_paused_fix, {"resume_behavior": "auto_resume"}),
]

WRONG = [
    (exercises.check_migration_order, ["mail1", "app1", "app2", "log1", "db1", "web1"], "finish-order",
     "order in which the VMs arrived on Atlantic"),
    (exercises.check_migration_order, ["app2", "web1", "log1", "mail1", "app1", "db1"], "memory",
     "smallest VMs first"),
    (exercises.check_migration_order, ["db1", "app1", "mail1", "app2", "web1", "log1"], "priority",
     "at place 2 you put app1 (medium, 50)"),
    (exercises.check_migration_order, ["db1", "mail1"], "missing", "every VM of the NonOperational host leaves"),
    (exercises.check_migration_order, MIGRATION_SOLUTION + ["dns1"], "not-migrated", "dns1 runs on atlantic"),
    (exercises.check_migration_order, ["db2"], "unknown-vm", "did you mean 'db1'?"),
    (exercises.check_migration_order, "db1, mail1", "format", "list of VM names"),
    (exercises.check_spm_priorities, {"atlantic": 5, "pacific": 5, "indian": -1}, "avoided-host-elected",
     "pacific's priority 5 is higher than indian's -1"),
    (exercises.check_spm_priorities, {"atlantic": 5, "pacific": 5, "indian": 5}, "avoided-host-elected",
     "the election is a coin toss"),
    (exercises.check_spm_priorities, {"atlantic": 5, "pacific": 2, "indian": 5}, "not-never",
     "only -1 means never"),
    (exercises.check_spm_priorities, {"atlantic": 5, "pacific": -1, "indian": -1}, "no-spm",
     "without an SPM cannot create"),
    (exercises.check_spm_priorities, {"atlantic": -1, "pacific": -1, "indian": 5}, "spm-never",
     "atlantic holds the SPM role when the run starts"),
    (exercises.check_spm_priorities, {"atlantic": 5, "pacific": -1, "indian": 11}, "invalid",
     "hosts[2].spm_priority: expected an integer from -1 to 10"),
    (exercises.check_spm_priorities, {"pacific": -1}, "format", "one spm_priority for each of"),
    (exercises.check_fencing_policy, {"enabled": True}, "fenced-on-flap", "notices a host is alive by its storage"),
    (exercises.check_fencing_policy, {"enabled": False}, "fencing-disabled", "Disabling fencing gives up HA"),
    (exercises.check_fencing_policy, {"skip_if_connectivity_broken": True}, "threshold",
     "In a two-host cluster one unreachable host is already 50 %"),
    (exercises.check_fencing_policy, {"skip_if_connectivity_broken": True,
                                      "hosts_with_broken_connectivity_threshold": 75}, "fenced-on-flap", "fenced at"),
    (exercises.check_fencing_policy, {"skip_if_sd_actve": True}, "invalid", "did you mean 'skip_if_sd_active'?"),
    (exercises.check_paused_reason, "a", "storage-never-back", "storage did come back"),
    (exercises.check_paused_reason, "c", "migration", "resilience_policy is do_not_migrate"),
    (exercises.check_paused_reason, "d", "ha", "app1 is not highly available either"),
    (exercises.check_paused_reason, "e", "format", "answer with one letter"),
    (exercises.check_paused_fix, {}, "still-paused", "with leave_paused it waits for an administrator"),
    (exercises.check_paused_fix, {"ha": True}, "still-paused", "HA does not resume a paused VM"),
    (exercises.check_paused_fix, {"resume_behavior": "kill"}, "killed", "nobody started it again"),
    (exercises.check_paused_fix, {"resume_behavior": "kill", "ha": True}, "rebooted", "booted afresh"),
    (exercises.check_paused_fix, {"resume_behaviour": "auto_resume"}, "invalid", "did you mean 'resume_behavior'?"),
]

# One wrong answer per notebook, pasted into its first answer cell: (notebook stem, source, feedback words).
WRONG_IN_NOTEBOOK = {
    "01-predict-the-migration-order": ('answer = ["mail1", "app1", "app2", "log1", "db1", "web1"]',
                                       "order in which the VMs arrived on Atlantic"),
    "02-keep-the-spm-off-a-host": ('priorities = {"atlantic": 5, "pacific": 2, "indian": 5}', "only -1 means never"),
    "03-fencing-policy-for-a-flapping-switch": ('policy = {"enabled": False}', "Disabling fencing gives up HA"),
    "04-why-did-this-vm-stay-paused": ('reason = "a"', "storage did come back"),
}


def nbgrader(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def execute(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    NotebookClient(notebook, timeout=300, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(EXERCISES)}}).execute()
    return notebook


def output_text(cell) -> str:
    return "".join(o.get("text", "") + "".join(o.get("traceback", [])) for o in cell.get("outputs", []))


def errored(cell) -> bool:
    return any(o.get("output_type") == "error" for o in cell.get("outputs", []))


def score(notebook: nbformat.NotebookNode) -> tuple[float, float]:
    """(points earned, points possible) as nbgrader's autograder counts them: a graded cell earns
    its points when it runs without an error."""
    graded = [c for c in notebook.cells if nbgrader(c).get("grade")]
    return (sum(nbgrader(c)["points"] for c in graded if not errored(c)),
            sum(nbgrader(c)["points"] for c in graded))


# --- the check functions, called directly ---------------------------------------------------------

@pytest.mark.parametrize(("check", "answer"), SOLUTIONS, ids=[f"{c.__name__}-{i}" for i, (c, _) in enumerate(SOLUTIONS)])
def test_the_solution_passes_its_check_and_says_why(check, answer):
    feedback = check(answer)
    assert feedback.passed and feedback.kind == "correct", str(feedback)
    assert str(feedback).startswith("Right: ")


@pytest.mark.parametrize(("check", "answer", "kind", "words"), WRONG, ids=[f"{c.__name__}-{k}" for c, _, k, _ in WRONG])
def test_a_wrong_answer_gets_the_feedback_written_for_its_kind(check, answer, kind, words):
    feedback = check(answer)
    assert not feedback.passed
    assert feedback.kind == kind, str(feedback)
    assert words in feedback.message
    assert str(feedback).startswith("Not yet: ")


def test_the_migration_feedback_quotes_this_runs_order_and_its_ties():
    log_order = [m.vm for m in migration_spans(simulate(exercises.shipped(exercises.MIGRATION_ORDER)))]
    message = exercises.check_migration_order(MIGRATION_SOLUTION).message
    assert f"started {', '.join(log_order[:-1])} and {log_order[-1]}, in that order" in message
    assert "db1 and mail1 share priority high" in message


# --- the notebooks ----------------------------------------------------------------------------------

def test_there_are_at_least_four_exercise_notebooks_each_paired_with_its_py_file():
    assert len(NOTEBOOKS) >= 4
    for path in NOTEBOOKS:
        paired, text = jupytext.read(path), jupytext.read(twin_of(path))
        assert [(c.cell_type, c.source, c.metadata) for c in paired.cells] == \
               [(c.cell_type, c.source, c.metadata) for c in text.cells], f"{path.name} and its .py differ"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebooks_are_committed_without_outputs_and_carry_nbgrader_metadata(path):
    notebook = nbformat.read(path, as_version=4)
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in notebook.cells if c.cell_type == "code")
    meta = [nbgrader(c) for c in notebook.cells if nbgrader(c)]  # free cells (explore) carry none, as in nbgrader
    assert len(meta) >= len(notebook.cells) - 1
    assert all(m.get("schema_version") == 3 and "grade_id" in m and (m["locked"] or m["solution"]) for m in meta)
    ids = [m["grade_id"] for m in meta]
    assert len(ids) == len(set(ids)), "grade_id must be unique within a notebook"
    answers = [c for c in notebook.cells if nbgrader(c).get("solution")]
    checks = [c for c in notebook.cells if nbgrader(c).get("grade")]
    assert answers and checks
    assert all("### BEGIN SOLUTION" in c.source and "### END SOLUTION" in c.source and not nbgrader(c)["locked"]
               for c in answers)
    assert all(nbgrader(c)["locked"] and nbgrader(c)["points"] > 0 and "exercises.check_" in c.source
               and "assert feedback.passed" in c.source for c in checks)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_the_instructor_notebook_runs_top_to_bottom_and_autogrades_to_full_marks(path):
    notebook = execute(nbformat.read(path, as_version=4))
    assert not [output_text(c) for c in notebook.cells if errored(c)]
    earned, possible = score(notebook)
    assert earned == possible > 0
    assert all("Right: " in output_text(c) for c in notebook.cells if nbgrader(c).get("grade"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_a_wrong_answer_in_the_notebook_prints_its_feedback_and_loses_the_points(path):
    source, words = WRONG_IN_NOTEBOOK[path.stem]
    notebook = nbformat.read(path, as_version=4)
    answer = next(c for c in notebook.cells if nbgrader(c).get("solution"))
    answer.source = source
    notebook = execute(notebook)
    failed = [c for c in notebook.cells if nbgrader(c).get("grade") and errored(c)]
    assert failed and words in output_text(failed[0]) and "AssertionError" in output_text(failed[0])
    earned, possible = score(notebook)
    assert earned < possible


# --- student copies -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def student_copies(tmp_path_factory):
    out = tmp_path_factory.mktemp("student")
    made = subprocess.run([sys.executable, "scripts/make_student_copies.py", "--out", str(out)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)
    assert made.returncode == 0, made.stderr
    return out


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_the_student_copy_has_stubs_instead_of_solutions_and_keeps_the_grading_cells(path, student_copies):
    teacher = nbformat.read(path, as_version=4)
    student = nbformat.read(student_copies / path.name, as_version=4)
    assert [c.metadata for c in student.cells] == [c.metadata for c in teacher.cells]
    for mine, theirs in zip(teacher.cells, student.cells, strict=True):
        if nbgrader(mine).get("solution"):
            solution = mine.source.split("### BEGIN SOLUTION")[1].split("### END SOLUTION")[0].strip()
            assert solution not in theirs.source
            assert "# YOUR CODE HERE\nraise NotImplementedError()" in theirs.source
            assert "SOLUTION" not in theirs.source
        else:
            assert theirs.source == mine.source
    assert "jupytext" not in student.metadata


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_a_student_who_writes_the_solution_scores_full_marks_and_one_who_does_not_scores_none(path, student_copies):
    teacher = {nbgrader(c)["grade_id"]: c for c in nbformat.read(path, as_version=4).cells if nbgrader(c)}
    blank = execute(nbformat.read(student_copies / path.name, as_version=4))
    assert score(blank)[0] == 0
    assert "NotImplementedError" in output_text(next(c for c in blank.cells if nbgrader(c).get("solution")))
    solved = nbformat.read(student_copies / path.name, as_version=4)
    for cell in solved.cells:
        if nbgrader(cell).get("solution"):
            cell.source = teacher[nbgrader(cell)["grade_id"]].source
    earned, possible = score(execute(solved))
    assert earned == possible > 0


def test_solution_markers_outside_a_solution_cell_are_refused(tmp_path):
    notebook = nbformat.read(NOTEBOOKS[0], as_version=4)
    next(c for c in notebook.cells if nbgrader(c).get("grade")).source += "\n### BEGIN SOLUTION\n### END SOLUTION"
    broken = tmp_path / "broken.ipynb"
    nbformat.write(notebook, broken)
    made = subprocess.run([sys.executable, "scripts/make_student_copies.py", "--out", str(tmp_path / "out"), str(broken)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert made.returncode == 2 and "without nbgrader solution metadata" in made.stderr


def test_nbgrader_releases_our_student_copies_and_autogrades_the_instructor_version_to_full_marks(
        tmp_path, student_copies, nbgrader):
    """The real thing: `nbgrader generate_assignment` releases the same stubs as make_student_copies,
    and `nbgrader autograde` gives the instructor's version every point and an untouched copy none."""
    course = tmp_path / "course"
    (course / "source" / "exercises").mkdir(parents=True)
    (course / "nbgrader_config.py").write_text('c = get_config()\nc.CourseDirectory.course_id = "hacourse"\n')
    for path in NOTEBOOKS:
        shutil.copy(path, course / "source" / "exercises")

    def run(*args: str) -> None:
        nbgrader(*args, cwd=course)

    run("generate_assignment", "exercises", "--force")
    for path in NOTEBOOKS:
        released = nbformat.read(course / "release" / "exercises" / path.name, as_version=4)
        ours = nbformat.read(student_copies / path.name, as_version=4)
        assert [c.source for c in released.cells] == [c.source for c in ours.cells]
    for student, folder in (("teacher", course / "source" / "exercises"), ("blank", course / "release" / "exercises")):
        shutil.copytree(folder, course / "submitted" / student / "exercises")
    run("autograde", "exercises", "--create", "--force")
    run("export", "--to", str(course / "grades.csv"))
    with open(course / "grades.csv", newline="") as grades:
        scores = {row["student_id"]: (float(row["score"]), float(row["max_score"])) for row in csv.DictReader(grades)}
    assert scores["teacher"][0] == scores["teacher"][1] > 0
    assert scores["blank"][0] == 0
