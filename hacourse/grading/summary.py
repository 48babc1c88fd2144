"""The class at a glance: per question, how many got it, the common wrong answers and the
variants that made it hardest.

    hacourse class-summary grades.csv --plot summary.png          # from `hacourse grade`
    hacourse class-summary gradebook.db --assignment lab           # from nbgrader's gradebook

The rows are one student's mark on one question (`hacourse.grading.autograde.COLUMNS`); nbgrader's
gradebook gives the points but not the answers, so from it the wrong answers are not listed.
The figure is drawn by `hacourse.views.classroom`.
"""

from __future__ import annotations

import csv
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path


class SummaryError(ValueError):
    """Input the summary cannot read; the message says what to give instead."""


@dataclass(frozen=True)
class Row:
    student: str
    variant: str
    question: str
    points: float
    max_points: float
    answer: str = ""


@dataclass(frozen=True)
class QuestionSummary:
    question: str
    students: int
    right: int  # full points
    wrong_answers: tuple[tuple[str, int], ...]  # the commonest first
    hardest: tuple[tuple[str, int, int], ...]  # (variant, right, students), the hardest first

    @property
    def share(self) -> float:
        return self.right / self.students if self.students else 0.0


def _number(text: str, where: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise SummaryError(f"{where}: {text!r} is not a number of points") from None


def read_rows(path: str | Path, assignment: str | None = None) -> list[Row]:
    """The marks in `hacourse grade`'s CSV, or (a .db file) in nbgrader's gradebook."""
    path = Path(path)
    if not path.is_file():
        raise SummaryError(f"{path}: no such file; give the CSV `hacourse grade -o` wrote, or nbgrader's "
                           "gradebook.db with --assignment NAME")
    if path.suffix == ".db":
        return gradebook_rows(path, assignment)
    with open(path, newline="", encoding="utf-8") as table:
        reader = csv.DictReader(table)
        need = {"student_id", "question", "points", "max_points"}
        if not need <= set(reader.fieldnames or []):
            raise SummaryError(f"{path}:1: expected the columns of `hacourse grade -o` (student_id, variant, question, "
                               f"points, max_points, answer, ...), found {', '.join(reader.fieldnames or []) or 'none'}")
        return [Row(r["student_id"], r.get("variant", ""), r["question"], _number(r["points"], f"{path}:{n}"),
                    _number(r["max_points"], f"{path}:{n}"), r.get("answer", ""))
                for n, r in enumerate(reader, 2)]


def gradebook_rows(db: Path, assignment: str | None) -> list[Row]:
    if not assignment:
        raise SummaryError(f"{db}: nbgrader's gradebook holds every assignment; say which with --assignment NAME")
    query = ("SELECT sa.student_id, bc.name, COALESCE(g.manual_score, g.auto_score), gc.max_score FROM grade g "
             "JOIN submitted_notebook sn ON g.notebook_id = sn.id "
             "JOIN submitted_assignment sa ON sn.assignment_id = sa.id "
             "JOIN assignment a ON sa.assignment_id = a.id JOIN base_cell bc ON g.cell_id = bc.id "
             "JOIN grade_cells gc ON gc.id = bc.id WHERE a.name = ? ORDER BY sa.student_id, bc.name")
    try:
        with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as con:
            found = con.execute(query, (assignment,)).fetchall()
    except sqlite3.DatabaseError as error:
        raise SummaryError(f"{db}: not nbgrader's gradebook ({error})") from None
    if not found:
        raise SummaryError(f"{db}: no graded submissions of {assignment!r}; run nbgrader autograde {assignment} first")
    return [Row(s, "", q, float(p or 0), float(m or 0)) for s, q, p, m in found]


def _order(question: str) -> tuple:
    head = question.rstrip("0123456789")
    tail = question[len(head):]
    return head, int(tail) if tail else 0


def summarize(rows: Sequence[Row]) -> list[QuestionSummary]:
    by_question: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        by_question[row.question].append(row)
    out = []
    answered = any(r.answer for r in rows)  # nbgrader's gradebook has the points, not the answers
    for question in sorted(by_question, key=_order):
        marks = by_question[question]
        right = [r for r in marks if r.points >= r.max_points > 0]
        wrong = Counter(r.answer or "(no answer)" for r in marks if answered and r not in right)
        variants: dict[str, list[Row]] = defaultdict(list)
        for r in marks:
            if r.variant:
                variants[r.variant].append(r)
        hardest = sorted(((v, sum(r in right for r in rs), len(rs)) for v, rs in variants.items()),
                         key=lambda t: (t[1] / t[2], t[0]))
        out.append(QuestionSummary(question, len(marks), len(right), tuple(wrong.most_common(3)),
                                   tuple(h for h in hardest if h[1] < h[2])[:3]))
    return out


def table(summaries: Sequence[QuestionSummary]) -> str:
    """A Markdown table: it reads in a terminal and pastes into a notebook or a report."""
    lines = ["| question | got it | common wrong answers | hardest variants |", "|---|---|---|---|"]
    for s in summaries:
        wrong = ", ".join(f"{a} ({n})" for a, n in s.wrong_answers) or "-"
        hard = ", ".join(f"{v} ({r}/{n})" for v, r, n in s.hardest) or "-"
        lines.append(f"| {s.question} | {s.right}/{s.students} ({s.share:.0%}) | {wrong} | {hard} |")
    return "\n".join(lines)
