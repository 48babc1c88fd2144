"""How long an instructor waits for the course-scale commands, on this machine: check and sweep,
an exercise from every shipped scenario, 30 variants, a roster of 30 and the grading of their 30
hand-ins with the class summary.

    python benchmarks/instructor.py

Each command runs as typed, in a fresh interpreter (so start-up and imports count, as they do
for the instructor), in a temporary folder; wall time is what the instructor waits for, CPU
time (of the command and its worker processes) is the same work without the other processes
of a shared machine.
"""

from __future__ import annotations

import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted((ROOT / "scenarios").glob("*.yaml"))
LESSON = ROOT / "scenarios" / "pacific-storage-down.yaml"


def timed(*args: str, cwd: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the command and its children) of `hacourse ARGS`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "hacourse.cli", *args], cwd=cwd, check=True, capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def show(name: str, wall: float, cpu: float) -> None:
    print(f"{name:<72} {wall:6.2f} s wall  {cpu:6.2f} s cpu")


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        for path in SHIPPED:
            show(f"check {path.name} --seeds 0-99", *timed("check", str(path), "--seeds", "0-99", "-q",
                                                             cwd=work))
        grid = ("--set", "NicDHCPDelayGraceInMS=30,60,90", "--set", "migration_max_bandwidth=16,64",
                "--seeds", "0-19", "-q")
        show("sweep pacific-storage-down, 3 x 2 settings x 20 seeds (120 runs), pool",
             *timed("sweep", str(LESSON), *grid, "-o", "a.csv", cwd=work))
        show("sweep pacific-storage-down, 120 runs, --workers 1",
             *timed("sweep", str(LESSON), *grid, "-o", "b.csv", "--workers", "1", cwd=work))
        shutil.copy(LESSON, work / "lab.yaml")
        show("exercise pacific-storage-down --variants 30 (17 questions each)",
             *timed("exercise", "lab.yaml", "-o", "ex", "--variants", "30", "-q", cwd=work))
        wall = cpu = 0.0
        for path in SHIPPED:
            w, c = timed("exercise", str(path), "-o", f"every/{path.stem}", "-q", cwd=work)
            wall, cpu = wall + w, cpu + c
        show(f"exercise on every shipped scenario ({len(SHIPPED)} commands)", wall, cpu)
        roster = "student_id\n" + "".join(f"student{k:02d}\n" for k in range(1, 31))
        (work / "roster.csv").write_text(roster)
        show("exercise pacific-storage-down --roster (30 students) --vary NicDHCPDelayGraceInMS=60..180",
             *timed("exercise", "lab.yaml", "-o", "class", "--roster", "roster.csv", "--vary",
                    "NicDHCPDelayGraceInMS=60..180", "-q", cwd=work))
        _submissions(work / "class", work / "submitted")
        show("grade 30 submissions (hacourse grade: each judged on its own variant)",
             *timed("grade", "class", "submitted", "-o", "grades.csv", cwd=work))
        show("class-summary of the 30 (table and figure)",
             *timed("class-summary", "grades.csv", "--plot", "summary.png", cwd=work))
    return 0


def _submissions(exercise: Path, submitted: Path) -> None:
    """30 students' hand-ins: student k answers with the right answers of student k+1's variant
    (some right, some wrong), as nbgrader's submitted/STUDENT/ASSIGNMENT/ holds them."""
    import csv

    from hacourse.grading import notebook as nb

    with open(exercise / "manifest.csv", newline="") as table:
        rows = list(csv.DictReader(table))
    book = nb.read(exercise / "student" / "lab.ipynb")
    for k, row in enumerate(rows):
        given = rows[(k + 1) % len(rows)] if k % 2 else row
        for cell in book["cells"]:
            grade_id = nb.grading(cell).get("grade_id", "")
            if grade_id.endswith("-answer"):
                question = grade_id.removesuffix("-answer")
                cell["source"] = f"answer_{question[1:]} = {given['answer:' + question]}\n"
        folder = submitted / row["student_id"] / "lab"
        folder.mkdir(parents=True)
        nb.write(book, folder / "lab.ipynb")
        shutil.copy(exercise / "student" / "lab.yaml", folder)


if __name__ == "__main__":
    sys.exit(main())
