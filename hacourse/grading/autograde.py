"""`hacourse grade`: every submission judged against the variant the manifest issued, trusting
nothing the student handed back.

    hacourse grade course/lab-exercise course/submitted -o grades.csv [--gradebook gradebook.db]

nbgrader's autograde runs the student's notebook: it restores the graded and locked cells and
the scenario files from its source folder, but code a student adds runs in the same kernel as
the grading cells and could change what they see. This grader runs none of the student's code.
It reads each answer cell's value as a literal (`answer_3 = 75`, `settings = {...}`), rebuilds
the student's variant from the exercise's `manifest.csv` and the instructor's scenario, and runs
the instructor's own grading cells on those values. It reports what was handed back changed: a
scenario or variant table that is not the one issued (ignored), graded or locked cells edited
or deleted, added cells that reach for the grader, a student not on the roster (graded on the
scenario as written), and, given nbgrader's gradebook, every score nbgrader gave that differs.

The CSV has one row per student and question: what they answered, the right answer of their
variant, the points and the feedback; `hacourse class-summary` reads it.
"""

from __future__ import annotations

import ast
import contextlib
import csv
import io
import os
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from hacourse.grading import notebook as nb
from hacourse.grading.nbgrade import student_copy
from hacourse.grading.roster import ANSWER, Issued, issued_path, read_manifest

COLUMNS = ("student_id", "variant", "question", "points", "max_points", "answer", "right_answer", "feedback")
GRADER_WORDS = ("lab", "Lab", "Feedback", "feedback", "hacourse", "assignment")


class GradeError(ValueError):
    """Grading cannot start as asked; the message says what to give instead."""


@dataclass(frozen=True)
class Mark:
    """One question of one submission."""

    question: str
    points: float
    max_points: float
    answer: str  # as written (a literal), "" when there is none
    right_answer: str
    feedback: str


@dataclass
class Graded:
    student: str
    variant: str  # "03", or "" when the student is not on the roster
    marks: list[Mark]
    notes: list[str] = field(default_factory=list)

    @property
    def score(self) -> float:
        return sum(m.points for m in self.marks)

    @property
    def max_score(self) -> float:
        return sum(m.max_points for m in self.marks)


@dataclass(frozen=True)
class Exercise:
    """What `hacourse exercise` made, as the grader reads it."""

    folder: Path
    name: str
    notebook: nb.Notebook  # the instructor's
    issued: Mapping[str, Issued]
    answers: Mapping[str, Mapping[str, str]]  # student -> question -> the right answer (repr)

    @property
    def scenario_file(self) -> Path:
        return self.folder / "instructor" / f"{self.name}.yaml"


def read_exercise(folder: str | Path) -> Exercise:
    folder = Path(folder)
    books = sorted((folder / "instructor").glob("*.ipynb"))
    if len(books) != 1:
        raise GradeError(f"{folder}: not a folder `hacourse exercise` made (no instructor/NAME.ipynb); give the "
                         "-o folder of `hacourse exercise`")
    name = books[0].stem
    manifest = folder / "manifest.csv"
    issued, answers = {}, {}
    if manifest.is_file():
        issued = read_manifest(manifest)
        with open(manifest, newline="", encoding="utf-8") as table:
            answers = {row["student_id"]: {k.removeprefix(ANSWER): v for k, v in row.items() if k.startswith(ANSWER)}
                       for row in csv.DictReader(table)}
    return Exercise(folder, name, nb.read(books[0]), issued, answers)


def submissions(where: str | Path, name: str) -> dict[str, Path]:
    """student -> their notebook, from nbgrader's `submitted/STUDENT/ASSIGNMENT/NAME.ipynb` (or
    `STUDENT/NAME.ipynb`)."""
    where = Path(where)
    if not where.is_dir():
        raise GradeError(f"{where}: no such folder; give nbgrader's submitted/ folder (submitted/STUDENT/"
                         f"ASSIGNMENT/{name}.ipynb)")
    found = {}
    for student in sorted(p for p in where.iterdir() if p.is_dir() and not p.name.startswith(".")):
        books = sorted(student.glob(f"{name}.ipynb")) + sorted(student.glob(f"*/{name}.ipynb"))
        if books:
            found[student.name] = books[0]
    if not found:
        raise GradeError(f"{where}: no {name}.ipynb in any student's folder; give nbgrader's submitted/ folder "
                         f"(submitted/STUDENT/ASSIGNMENT/{name}.ipynb)")
    return found


def literal_answers(source: str) -> tuple[dict[str, object], list[str]]:
    """The names a cell binds to plain values (`answer_3 = 75`), read without running it; and the
    names bound to something else (an expression is not run here: write the value)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return {}, []
    values: dict[str, object] = {}
    unread = []
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            try:
                values[name] = ast.literal_eval(node.value)
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                unread.append(name)
                values.pop(name, None)
    return values, unread


@contextlib.contextmanager
def _graded_feedback():
    """The feedback as nbgrader's autograde would give it: with what the run showed."""
    before = os.environ.get("NBGRADER_EXECUTION")
    os.environ["NBGRADER_EXECUTION"] = "autograde"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("NBGRADER_EXECUTION", None)
        else:
            os.environ["NBGRADER_EXECUTION"] = before


def grade_one(exercise: Exercise, student: str, path: Path) -> Graded:
    from hacourse.grading.assignment import Lab

    issued = exercise.issued.get(student)
    graded = Graded(student, f"{issued.variant:02d}" if issued else "", [])
    if exercise.issued and issued is None:
        graded.notes.append("not on the roster: graded on the scenario as written")
    try:
        handed = nb.read(path)
    except ValueError as error:
        handed = nb.notebook([])
        graded.notes.append(str(error).replace(str(path), path.name))
    graded.notes += _changes(exercise, path.parent, handed)
    answers: dict[str, object] = {}
    unread: list[str] = []
    for cell in handed["cells"]:
        if nb.grading(cell).get("solution") and cell["cell_type"] == "code":
            values, bad = literal_answers(cell["source"])
            answers.update(values)
            unread += bad
    if unread:
        graded.notes.append(f"not a plain value, so not graded: {', '.join(unread)} (write the value itself, "
                            "e.g. answer_1 = 75)")
    lab = Lab.for_student(exercise.scenario_file, student, issued)
    right = exercise.answers.get(student, {})
    for cell in exercise.notebook["cells"]:
        meta = nb.grading(cell)
        if not meta.get("grade") or cell["cell_type"] != "code":
            continue
        question = meta["grade_id"]
        names = [n for n in _names(cell["source"]) if n.startswith("answer_") or n == "settings"]
        namespace = {"lab": lab, **{n: answers[n] for n in names if n in answers}}
        passed, feedback = _run_grading_cell(cell["source"], namespace, question)
        given = "; ".join(repr(answers[n]) for n in names if n in answers)
        graded.marks.append(Mark(question, float(meta["points"]) if passed else 0.0, float(meta["points"]), given,
                                 right.get(question, ""), feedback))
    return graded


def _names(source: str) -> list[str]:
    try:
        return [n.id for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Name)]
    except SyntaxError:
        return []


def _run_grading_cell(source: str, namespace: dict, question: str) -> tuple[bool, str]:
    """The instructor's grading cell (hidden tests included) on the student's values."""
    out = io.StringIO()
    with _graded_feedback(), contextlib.redirect_stdout(out):
        try:
            exec(compile(source, question, "exec"), namespace)  # the instructor's own cell
            passed = True
        except NameError:
            return False, "no answer"
        except Exception:  # noqa: BLE001 -- a failed assert is a wrong answer, as in nbgrader
            passed = False
    feedback = namespace.get("feedback")
    return passed, str(feedback) if feedback is not None else out.getvalue().strip()


def _changes(exercise: Exercise, folder: Path, handed: nb.Notebook) -> list[str]:
    """What the student changed of what they were given and may not change (all of it ignored)."""
    notes = []
    issued_files = [exercise.scenario_file, issued_path(exercise.scenario_file)]
    for original in issued_files:
        if not original.is_file():
            continue
        back = folder / original.name
        if back.is_file() and back.read_bytes() != original.read_bytes():
            notes.append(f"handed back a {original.name} that is not the one issued (ignored: graded on the "
                         "variant the manifest issued)")
    given = {grade_id: c for c in student_copy(exercise.notebook, exercise.name)["cells"]
             if (grade_id := nb.grading(c).get("grade_id"))}
    seen = set()
    added: list[str] = []
    for cell in handed["cells"]:
        grade_id = nb.grading(cell).get("grade_id")
        issued = given.get(grade_id)
        if issued is None:
            if cell["cell_type"] == "code" and any(w in _names(cell["source"]) for w in GRADER_WORDS):
                added.append(cell["source"].strip().splitlines()[0][:60] if cell["source"].strip() else "")
            continue
        seen.add(grade_id)
        meta = nb.grading(issued)
        if (meta.get("locked") or meta.get("grade")) and not meta.get("solution") \
                and cell["source"].strip() != issued["source"].strip():
            notes.append(f"edited the locked cell {grade_id} (ignored: graded with the original)")
    missing = [g for g, c in given.items() if g not in seen and (nb.grading(c).get("grade") or g == "setup")]
    if missing:
        notes.append(f"deleted cells {', '.join(missing)} (ignored: graded with the originals)")
    if added:
        notes.append(f"added code that reaches for the grader ({'; '.join(added)}) (not run here)")
    return notes


def gradebook_scores(db: str | Path, assignment: str) -> dict[tuple[str, str], float]:
    """(student, grade cell) -> the score nbgrader's gradebook holds (manual, else automatic)."""
    db = Path(db)
    if not db.is_file():
        raise GradeError(f"{db}: no such file; give nbgrader's gradebook.db (in the course folder)")
    query = ("SELECT sa.student_id, bc.name, COALESCE(g.manual_score, g.auto_score) FROM grade g "
             "JOIN submitted_notebook sn ON g.notebook_id = sn.id "
             "JOIN submitted_assignment sa ON sn.assignment_id = sa.id "
             "JOIN assignment a ON sa.assignment_id = a.id JOIN base_cell bc ON g.cell_id = bc.id WHERE a.name = ?")
    try:
        with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as con:
            rows = con.execute(query, (assignment,)).fetchall()
    except sqlite3.DatabaseError as error:
        raise GradeError(f"{db}: not nbgrader's gradebook ({error}); give the gradebook.db of the course") from None
    return {(s, c): float(v or 0) for s, c, v in rows}


def compare_gradebook(results: Sequence[Graded], scores: Mapping[tuple[str, str], float]) -> None:
    """Note, per student, every question nbgrader scored otherwise than the answers earn."""
    for graded in results:
        differ = [f"{m.question} ({scores[(graded.student, m.question)]:g} there, {m.points:g} here)"
                  for m in graded.marks if (graded.student, m.question) in scores
                  and scores[(graded.student, m.question)] != m.points]
        if differ:
            graded.notes.append("nbgrader's autograde scored otherwise: " + ", ".join(differ)
                                + "; the notebook changed what its grading cells saw, or the wrong files were graded")


def grade_all(exercise_folder: str | Path, submitted: str | Path, gradebook: str | Path | None = None,
              assignment: str | None = None) -> list[Graded]:
    exercise = read_exercise(exercise_folder)
    found = submissions(submitted, exercise.name)
    results = [grade_one(exercise, student, path) for student, path in found.items()]
    if gradebook is not None:
        compare_gradebook(results, gradebook_scores(gradebook, assignment or _assignment(found, exercise.name)))
    return results


def _assignment(found: Mapping[str, Path], name: str) -> str:
    """nbgrader's assignment: the folder that holds the notebook (submitted/STUDENT/ASSIGNMENT/)."""
    parents = {path.parent.name for path in found.values()}
    return parents.pop() if len(parents) == 1 else name


def write_grades(results: Sequence[Graded], path: str | Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as table:
        writer = csv.writer(table)
        writer.writerow(COLUMNS)
        for graded in results:
            for m in graded.marks:
                writer.writerow([graded.student, graded.variant, m.question, f"{m.points:g}", f"{m.max_points:g}",
                                 m.answer, m.right_answer, m.feedback])


def report(results: Sequence[Graded]) -> str:
    lines = []
    for g in results:
        variant = f"variant {g.variant}" if g.variant else "no variant"
        lines.append(f"{g.student:<16} {variant:<11} {g.score:g}/{g.max_score:g}")
        lines += [f"    {note}" for note in g.notes]
    return "\n".join(lines)
