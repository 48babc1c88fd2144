"""A class with a roster: one variant per student, each notebook finds its own by the user name,
and grading (`hacourse grade`) judges what each student answered against the variant the manifest
issued, whatever they handed back: nothing a student hands back can raise their grade."""

from __future__ import annotations

import copy
import csv
import html
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hacourse.grading import notebook as nb
from hacourse.grading.assignment import Lab
from hacourse.grading.autograde import grade_all, literal_answers, write_grades
from hacourse.grading.exercise_book import answer_variable, make_exercise
from hacourse.grading.roster import RosterError, read_roster
from hacourse.grading.summary import read_rows, summarize, table
from tests.seed import ROOT, SEED

NAME = "lab"
STUDENTS = ("alice", "bob", "carol")


def hacourse(*args, cwd=ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hacourse.cli", *map(str, args)], check=False,
                          capture_output=True, text=True, cwd=cwd, timeout=300)


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    folder = tmp_path_factory.mktemp("class")
    shutil.copy(SEED, folder / f"{NAME}.yaml")
    (folder / "roster.csv").write_text("student_id,name\n" + "".join(f"{s},{s.title()}\n" for s in STUDENTS))
    built = make_exercise(folder / f"{NAME}.yaml", folder / "out", roster=folder / "roster.csv",
                          vary=("NicDHCPDelayGraceInMS", [60, 120, 180]))
    return folder, built


def manifest(out: Path) -> dict[str, dict[str, str]]:
    with open(out / "manifest.csv", newline="") as table:
        return {row["student_id"]: row for row in csv.DictReader(table)}


def answered(out: Path, answers_of: str, *, blank: bool = False) -> nb.Notebook:
    """The student notebook with the right answers of `answers_of`'s variant written in."""
    book = nb.read(out / "student" / f"{NAME}.ipynb")
    right = {k.removeprefix("answer:"): v for k, v in manifest(out)[answers_of].items() if k.startswith("answer:")}
    for cell in book["cells"]:
        grade_id = nb.grading(cell).get("grade_id", "")
        if grade_id.endswith("-answer") and not blank:
            question = grade_id.removesuffix("-answer")
            cell["source"] = f"# my answer\n{answer_variable(question)} = {right[question]}\n"
    return book


def hand_in(out: Path, submitted: Path, student: str, book: nb.Notebook, scenario: str | None = None) -> Path:
    folder = submitted / student / NAME
    folder.mkdir(parents=True)
    nb.write(book, folder / f"{NAME}.ipynb")
    (folder / f"{NAME}.yaml").write_text(scenario or (out / "student" / f"{NAME}.yaml").read_text())
    shutil.copy(out / "student" / f"{NAME}.variants.json", folder)
    return folder


def test_a_roster_makes_one_variant_per_student_and_a_manifest(course):
    _, built = course
    rows = manifest(built.out)
    assert list(rows) == list(STUDENTS)
    assert [(r["variant"], r["seed"], r["NicDHCPDelayGraceInMS"]) for r in rows.values()] == [
        ("1", "0", "60"), ("2", "1", "120"), ("3", "2", "180")]
    assert float(rows["carol"]["answer:q1"]) - float(rows["alice"]["answer:q1"]) >= 100
    released = sorted(p.name for p in (built.out / "student").iterdir())
    assert released == sorted(p.name for p in (built.out / "instructor").iterdir()) == [
        f"{NAME}.ipynb", f"{NAME}.variants.json", f"{NAME}.yaml"]
    table = (built.out / "student" / f"{NAME}.variants.json").read_text()
    assert not any(s in table for s in STUDENTS)  # the class list is not handed out
    assert not (built.out / "variants").exists()


def test_each_students_notebook_runs_the_variant_issued_to_their_user_name(course, monkeypatch):
    _, built = course
    rows = manifest(built.out)
    scenario = built.out / "student" / f"{NAME}.yaml"
    entry = {"host": "pacific", "becomes": "NonOperational", "after": {"fault": 0}}
    for student in STUDENTS:
        monkeypatch.setenv("JUPYTERHUB_USER", student)
        lab = Lab(scenario)
        assert lab.scenario.seed == int(rows[student]["seed"])
        assert lab.overview().startswith(f"Your variant 0{rows[student]['variant']} (seed {rows[student]['seed']}, "
                                         f"NicDHCPDelayGraceInMS={rows[student]['NicDHCPDelayGraceInMS']}), issued "
                                         f"to {student}")
        assert lab.judge(entry).measured == float(rows[student]["answer:q1"])
    monkeypatch.setenv("JUPYTERHUB_USER", "mallory")
    assert "mallory is not on this exercise's roster" in Lab(scenario).overview()


def test_under_nbgraders_autograde_the_submission_folder_names_the_student(course, tmp_path, monkeypatch):
    _, built = course
    folder = hand_in(built.out, tmp_path / "autograded", "carol", answered(built.out, "carol"))
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    monkeypatch.setenv("JUPYTERHUB_USER", "alice")  # the instructor's hub user, or a student's trick: not read
    monkeypatch.chdir(folder)
    assert Lab(f"{NAME}.yaml").issued.variant == 3


@pytest.fixture(scope="module")
def graded(course):
    folder, built = course
    submitted = folder / "submitted"
    hand_in(built.out, submitted, "alice", answered(built.out, "alice"))  # honest
    hand_in(built.out, submitted, "bob", answered(built.out, "carol"))  # a neighbour's answers
    # carol: her own right answers, but a scenario file of her own making and the grader tampered with
    book = answered(built.out, "carol")
    for cell in book["cells"]:
        if nb.grading(cell).get("grade_id") == "q5":
            cell["source"] = "feedback = lab.answer(1, 1)\nprint(feedback)"
    book["cells"].insert(2, nb.code("from hacourse.grading.assignment import Lab\nLab.when = lambda *a, **k: None"))
    scenario = (built.out / "student" / f"{NAME}.yaml").read_text().replace("at: 60", "at: 30", 1)
    carol = hand_in(built.out, submitted, "carol", book, scenario)
    table = json.loads((carol / f"{NAME}.variants.json").read_text())  # every key given variant 1's seed
    for issued in table["variants"].values():
        issued.update(seed=0, settings={"NicDHCPDelayGraceInMS": 60})
    (carol / f"{NAME}.variants.json").write_text(json.dumps(table))
    # dave is not on the roster; erin handed in the copy untouched; frank wrote an expression
    hand_in(built.out, submitted, "dave", answered(built.out, "alice"))
    hand_in(built.out, submitted, "erin", answered(built.out, "alice", blank=True))
    book = answered(built.out, "alice")
    next(c for c in book["cells"] if nb.grading(c).get("grade_id") == "q1-answer")["source"] = "answer_1 = 60 + 6"
    hand_in(built.out, submitted, "frank", book)
    results = {g.student: g for g in grade_all(built.out, submitted)}
    write_grades(list(results.values()), folder / "grades.csv")
    return built, results


def test_honest_answers_get_every_point(graded):
    built, results = graded
    assert results["alice"].score == results["alice"].max_score == built.points
    assert results["alice"].notes == []


def test_a_neighbours_answers_lose_the_points_where_the_variants_differ(graded):
    built, results = graded
    bob = results["bob"]
    rows = manifest(built.out)
    differ = [k.removeprefix("answer:") for k in rows["bob"] if k.startswith("answer:")
              and rows["bob"][k] != rows["carol"][k]]
    assert differ and "q1" in differ
    assert {m.question for m in bob.marks if m.points == 0} == set(differ)


def test_a_swapped_scenario_edited_grading_cells_and_added_code_change_nothing_and_are_reported(graded):
    built, results = graded
    carol = results["carol"]
    assert carol.score == built.points  # her own answers, judged on her own variant
    notes = "\n".join(carol.notes)
    assert f"handed back a {NAME}.yaml that is not the one issued (ignored" in notes
    assert f"handed back a {NAME}.variants.json that is not the one issued (ignored" in notes
    assert "edited the locked cell q5 (ignored: graded with the original)" in notes
    assert "added code that reaches for the grader (from hacourse.grading.assignment import Lab" in notes


def test_off_the_roster_blank_and_unreadable_answers(graded):
    built, results = graded
    assert results["dave"].notes[0] == "not on the roster: graded on the scenario as written"
    assert results["dave"].variant == "" and results["dave"].score == built.points  # alice's variant is the base's
    assert results["erin"].score == 0 and {m.feedback for m in results["erin"].marks} == {"no answer"}
    frank = results["frank"]
    assert "not a plain value, so not graded: answer_1 (write the value itself, e.g. answer_1 = 75)" in frank.notes
    assert frank.score == built.points - 1


def test_the_feedback_after_grading_shows_what_the_run_showed_and_why(graded):
    _, results = graded
    q1 = next(m for m in results["bob"].marks if m.question == "q1")
    assert q1.feedback.startswith("Not yet: 192 s is 63 s too late (within 10 s counts). ")
    assert "What the run showed: pacific became NonOperational at" in q1.feedback
    assert "Why it matters: NicDHCPDelayGraceInMS" in q1.feedback


def test_answers_are_read_as_values_never_run():
    values, unread = literal_answers("import os\nanswer_1 = 75\nanswer_2 = os.system('true')\nanswer_3 = -1.5\n"
                                     "answer_4 = 'Up on atlantic'\nsettings = {'a': [1, 2]}\n")
    assert values == {"answer_1": 75, "answer_3": -1.5, "answer_4": "Up on atlantic", "settings": {"a": [1, 2]}}
    assert unread == ["answer_2"]


def test_the_class_summary_counts_who_got_each_question_and_the_common_wrong_answers(course, graded):
    folder, _ = course
    summaries = {s.question: s for s in summarize(read_rows(folder / "grades.csv"))}
    q1 = summaries["q1"]
    assert (q1.right, q1.students) == (3, 6)  # alice, carol, dave
    assert dict(q1.wrong_answers) == {"192.0": 1, "(no answer)": 2}  # bob's; erin's and frank's
    assert q1.hardest[0][0] == "02"  # bob's variant: nobody on it got q1
    text = table(list(summaries.values()))
    assert text.splitlines()[0] == "| question | got it | common wrong answers | hardest variants |"
    done = hacourse("class-summary", folder / "grades.csv", "--plot", folder / "summary.png")
    assert done.returncode == 0 and "| q1 | 3/6 (50%) |" in done.stdout
    assert (folder / "summary.png").stat().st_size > 5_000


@pytest.mark.parametrize(("text", "message"), [
    ("name,email\nalice,a@x\n", ("roster.csv:1: no student_id column (found name, email); the first line names "
                                 "the columns, e.g. 'student_id,name'")),
    ("student_id\nalice\n\n,bob\n", "roster.csv:4: no student_id; write the student's user name"),
    ("student_id\nalice\nbob\nalice\n", "roster.csv:4: alice is on the roster twice (lines 2 and 4); keep one line"),
    ("student_id\n", "roster.csv: the roster lists no students; add one line per student"),
    ("student_id\n../x\n", "roster.csv:2: '../x' is not a user name"),
])
def test_a_bad_roster_is_one_line_that_says_what_to_write(tmp_path, text, message):
    (tmp_path / "roster.csv").write_text(text)
    with pytest.raises(RosterError) as error:
        read_roster(tmp_path / "roster.csv")
    assert message in str(error.value) and "\n" not in str(error.value)


def test_bad_input_to_exercise_grade_and_summary_is_one_line(course, tmp_path):
    folder, built = course
    (tmp_path / "roster.csv").write_text("name\nalice\n")
    cases = [
        (("exercise", SEED, "-o", tmp_path / "x", "--roster", tmp_path / "roster.csv"), "no student_id column"),
        (("exercise", SEED, "-o", tmp_path / "x", "--roster", folder / "roster.csv", "--variants", "5"),
         "--roster makes one variant per student (3); leave out --variants 5"),
        (("grade", tmp_path, folder / "submitted"), "not a folder `hacourse exercise` made"),
        (("grade", built.out, tmp_path / "nowhere"), "no such folder; give nbgrader's submitted/ folder"),
        (("class-summary", folder / "roster.csv"), "expected the columns of `hacourse grade -o`"),
        (("class-summary", tmp_path / "gradebook.db"), "no such file"),
    ]
    for args, message in cases:
        done = hacourse(*args)
        assert done.returncode == 2 and message in done.stderr, (args, done.stderr)
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize(("args", "message"), [
    (("--variants", "3", "--vary", "NicDHCPDelayGraceInMS"),
     "--vary 'NicDHCPDelayGraceInMS': expected KEY=V1,V2,... or KEY=LO..HI"),
    (("--variants", "3", "--vary", "NicDHCPDelayGraceInMS=a..b"), "--vary: a range is LO..HI with two numbers"),
    (("--variants", "3", "--seeds", "1,2"), "--seeds gives 2 seeds for 3 variants; give one per variant"),
    (("--vary", "NicDHCPDelayGraceInMS=60,90"), "give --variants N or --roster CSV too"),
    (("--variants", "3", "--vary", "NicDHCPDelayGracInMS=60..90"),
     ("NicDHCPDelayGracInMS: not an engine-config key of rhev-3.3 nor a key of the scenario (did you mean "
      "'NicDHCPDelayGraceInMS'?)")),
    (("--variants", "2", "--vary", "faults[0].at=60,9000"),
     "faults[0].at: fault at 9000 s is after the end of the run; allowed: 0 to the duration, 1800 s"),
])
def test_a_bad_variant_option_is_one_line_that_says_what_to_write(tmp_path, capsys, args, message):
    from hacourse.cli import main

    assert main(["exercise", str(SEED), "-o", str(tmp_path / "x"), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "x").exists()


def test_trying_a_hub_without_a_token_or_a_hub_is_one_line(monkeypatch, capsys):
    from hacourse.grading.hub import Hub, HubError, main

    monkeypatch.delenv("JUPYTERHUB_API_TOKEN", raising=False)
    assert main(["alice", "print(1)"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("JUPYTERHUB_API_TOKEN is not set: give the api_token of the service") and err.count("\n") == 1
    with pytest.raises(HubError, match=r"^http://127.0.0.1:9: no hub answers there after 0.5 s; start it "
                                       r"\(jupyterhub -f jupyterhub_config.py\) or give its address in HUB_URL$"):
        Hub("http://127.0.0.1:9", "token", wait_s=0.5).start("alice")


def test_the_released_table_and_scenario_are_the_same_bytes_each_time(course, tmp_path):
    folder, built = course
    again = make_exercise(folder / f"{NAME}.yaml", tmp_path / "again", roster=folder / "roster.csv",
                          vary=("NicDHCPDelayGraceInMS", [60, 120, 180]))
    for name in (f"student/{NAME}.variants.json", f"student/{NAME}.ipynb", "manifest.csv"):
        assert (again.out / name).read_bytes() == (built.out / name).read_bytes(), name
    assert json.loads((again.out / "student" / f"{NAME}.variants.json").read_text())["exercise"] == NAME
    assert copy.deepcopy(nb.read(again.out / "instructor" / f"{NAME}.ipynb")) == nb.read(
        built.out / "instructor" / f"{NAME}.ipynb")


def test_the_printable_hand_out_has_the_picture_the_story_and_every_question_but_no_answer(course):
    folder, built = course
    page = (built.out / "handout.html").read_text()
    rows = manifest(built.out)
    assert page.count('<div class="question">') == built.items
    assert "<svg" in page and "The data center at the start" in page
    assert "Question 1.</strong> How many seconds after fault 0" in page
    assert "answer_1 = ... (a number of seconds after fault 0)" in page
    assert "Your notebook runs your own variant" in page
    for student in STUDENTS:
        assert rows[student]["answer:q1"] not in page  # no variant's answer
    assert "Up on atlantic" not in page and "Paused on pacific" not in page
    description = (folder / f"{NAME}.yaml").read_text().split("description:")[1].split("\n")[0].strip(" >|")
    assert not description or description[:30] not in page
    assert "@media print" in page and "break-inside: avoid" in page


def test_the_walkthrough_gives_each_answer_with_why_what_the_run_showed_and_the_engines_chain(course):
    _, built = course
    walk = (built.out / "walkthrough.md").read_text()
    assert walk.count("**Answer:**") == built.items
    q1 = walk.split("## Question 1.")[1].split("## Question 2.")[0]
    assert "**Answer:** `66.0`" in q1 and "Across the variants: 66 to 192 s." in q1
    assert "**What the run showed:** pacific became NonOperational at 126 s" in q1
    assert "grace NicDHCPDelayGraceInMS = 60 s" in q1  # the engine's chain behind it
    assert not (built.out / "instructor" / "walkthrough.md").exists()  # nbgrader releases instructor/


def test_the_summary_and_the_grader_read_nbgraders_gradebook(tmp_path):
    """The tables and columns of nbgrader 0.9's gradebook that are read (nbgrader/api.py)."""
    import sqlite3

    from hacourse.grading.autograde import gradebook_scores

    db = tmp_path / "gradebook.db"
    with sqlite3.connect(db) as con:
        con.executescript("""
            CREATE TABLE assignment (id TEXT, name TEXT);
            CREATE TABLE submitted_assignment (id TEXT, assignment_id TEXT, student_id TEXT);
            CREATE TABLE submitted_notebook (id TEXT, assignment_id TEXT);
            CREATE TABLE base_cell (id TEXT, name TEXT);
            CREATE TABLE grade_cells (id TEXT, max_score REAL);
            CREATE TABLE grade (id TEXT, notebook_id TEXT, cell_id TEXT, auto_score REAL, manual_score REAL);
            INSERT INTO assignment VALUES ('a', 'lab'), ('b', 'other');
            INSERT INTO submitted_assignment VALUES ('sa1', 'a', 'alice'), ('sa2', 'a', 'bob'), ('sa3', 'b', 'alice');
            INSERT INTO submitted_notebook VALUES ('n1', 'sa1'), ('n2', 'sa2'), ('n3', 'sa3');
            INSERT INTO base_cell VALUES ('c1', 'q1'), ('c2', 'q2');
            INSERT INTO grade_cells VALUES ('c1', 1), ('c2', 2);
            INSERT INTO grade VALUES ('g1', 'n1', 'c1', 1, NULL), ('g2', 'n1', 'c2', 0, 2), ('g3', 'n2', 'c1', 0, NULL),
                                     ('g4', 'n2', 'c2', 2, NULL), ('g5', 'n3', 'c1', 0, NULL);
        """)
    assert gradebook_scores(db, "lab") == {("alice", "q1"): 1.0, ("alice", "q2"): 2.0, ("bob", "q1"): 0.0,
                                           ("bob", "q2"): 2.0}  # a manual score wins
    summaries = {s.question: s for s in summarize(read_rows(db, "lab"))}
    assert (summaries["q1"].right, summaries["q1"].students, summaries["q1"].wrong_answers) == (1, 2, ())
    assert (summaries["q2"].right, summaries["q2"].students) == (2, 2)
    done = hacourse("class-summary", db)
    assert done.returncode == 2 and "say which with --assignment NAME" in done.stderr


def test_a_fault_time_that_varies_is_each_students_own_in_every_question(tmp_path, monkeypatch):
    """`--vary faults[0].at`: a variant's own notebook names its own fault time; the notebook
    released to a roster and the hand-out, read by every variant, name none, and each student's
    overview prints theirs. The fixed-answer questions of the exercise file are in the manifest."""
    shutil.copy(ROOT / "scenarios" / "pacific-mgmt-down.yaml", tmp_path / f"{NAME}.yaml")  # one fault
    (tmp_path / f"{NAME}.exercise.yaml").write_text("questions:\n  - {ask: 'Which network carries the storage?', "
                                                    "answer: storage, points: 2}\n")
    (tmp_path / "roster.csv").write_text("student_id\n" + "".join(f"{s}\n" for s in STUDENTS))
    times = [60, 120, 180]
    own = make_exercise(tmp_path / f"{NAME}.yaml", tmp_path / "own", variants=3, vary=("faults[0].at", times))
    for number, at in enumerate(times, 1):
        book = json.dumps(nb.read(own.out / "variants" / f"{number:02d}" / f"{NAME}.ipynb"))
        assert f"How many seconds after fault 0 (ifdown ovirtmgmt on pacific at {at} s) does pacific turn" in book
        assert not any(f"at {other} s)" in book for other in times if other != at)
    roster = make_exercise(tmp_path / f"{NAME}.yaml", tmp_path / "roster", roster=tmp_path / "roster.csv",
                           vary=("faults[0].at", times))
    shared = "fault 0 (ifdown ovirtmgmt on pacific, at your variant's own time: see the overview)"
    for page in (json.dumps(nb.read(roster.out / "student" / f"{NAME}.ipynb")),
                 html.unescape((roster.out / "handout.html").read_text())):
        assert f"How many seconds after {shared} does pacific turn Connecting?" in page
        assert not any(f"at {at} s" in page for at in times)
    for student, at in zip(STUDENTS, times, strict=True):
        monkeypatch.setenv("JUPYTERHUB_USER", student)
        assert f"fault 0: at {at} s, ifdown ovirtmgmt on pacific" in Lab(roster.out / "student" / f"{NAME}.yaml").overview()
    rows = manifest(roster.out)
    assert {rows[s]["answer:extra1"] for s in STUDENTS} == {"'storage'"}
    assert [float(rows[s]["answer:q1"]) for s in STUDENTS] == [float(rows["alice"]["answer:q1"])] * 3  # after fault 0
    submitted = tmp_path / "submitted"
    book = answered(roster.out, "bob")
    next(c for c in book["cells"] if nb.grading(c).get("grade_id") == "extra1-answer")["source"] = "answer_extra_1 = 'san'"
    hand_in(roster.out, submitted, "bob", book)
    extra = next(m for m in grade_all(roster.out, submitted)[0].marks if m.question == "extra1")
    assert (extra.points, extra.max_points, extra.right_answer) == (0, 2, "'storage'")
