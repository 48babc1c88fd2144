"""How long an instructor waits for the course-scale commands, on this machine: check and sweep,
an exercise from every shipped scenario, 30 variants, a roster of 30 and the grading of their 30
hand-ins (by `hacourse grade`, and by nbgrader's own autograde) with the class summary.

    python benchmarks/instructor.py                   # everything
    python benchmarks/instructor.py exercise class    # some parts: check, sweep, exercise, class

nbgrader is not a dependency of hacourse: its autograde runs from the folder the classroom hub test
installs it in (~/.cache/hacourse-tests/hub-*), or from one this script installs with pip
(`--target`, a temporary folder), as the tests do.

Each command runs as typed, in a fresh interpreter (so start-up and imports count, as they do
for the instructor), in a temporary folder; wall time is what the instructor waits for, CPU
time (of the command and its worker processes) is the same work without the other processes
of a shared machine.
"""

from __future__ import annotations

import os
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


PARTS = ("check", "sweep", "exercise", "class")


def timed(*args: str, cwd: Path, module: str = "hacourse.cli", env: dict[str, str] | None = None
          ) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the command and its children) of `python -m MODULE ARGS`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", module, *args], cwd=cwd, check=True, capture_output=True, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def show(name: str, wall: float, cpu: float) -> None:
    print(f"{name:<72} {wall:6.2f} s wall  {cpu:6.2f} s cpu")


def main(parts: list[str]) -> int:
    unknown = [p for p in parts if p not in PARTS]
    if unknown:
        print(f"unknown part {', '.join(unknown)}; the parts are {', '.join(PARTS)}", file=sys.stderr)
        return 2
    chosen = parts or list(PARTS)
    print(f"load average {os.getloadavg()[0]:.1f} {os.getloadavg()[1]:.1f} {os.getloadavg()[2]:.1f} at the start")
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        shutil.copy(LESSON, work / "lab.yaml")
        if "check" in chosen:
            for path in SHIPPED:
                show(f"check {path.name} --seeds 0-99", *timed("check", str(path), "--seeds", "0-99", "-q",
                                                                 cwd=work))
        if "sweep" in chosen:
            grid = ("--set", "NicDHCPDelayGraceInMS=30,60,90", "--set", "migration_max_bandwidth=16,64",
                    "--seeds", "0-19", "-q")
            show("sweep pacific-storage-down, 3 x 2 settings x 20 seeds (120 runs), pool",
                 *timed("sweep", str(LESSON), *grid, "-o", "a.csv", cwd=work))
            show("sweep pacific-storage-down, 120 runs, --workers 1",
                 *timed("sweep", str(LESSON), *grid, "-o", "b.csv", "--workers", "1", cwd=work))
        if "exercise" in chosen:
            show("exercise pacific-storage-down --variants 30 (17 questions each)",
                 *timed("exercise", "lab.yaml", "-o", "ex", "--variants", "30", "-q", cwd=work))
            wall = cpu = 0.0
            for path in SHIPPED:
                w, c = timed("exercise", str(path), "-o", f"every/{path.stem}", "-q", cwd=work)
                wall, cpu = wall + w, cpu + c
            show(f"exercise on every shipped scenario ({len(SHIPPED)} commands)", wall, cpu)
        if "class" in chosen:
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
            _nbgrader_autograde(work)
    print(f"load average {os.getloadavg()[0]:.1f} {os.getloadavg()[1]:.1f} {os.getloadavg()[2]:.1f} at the end")
    return 0


def _nbgrader_env(work: Path) -> dict[str, str]:
    """PATH and PYTHONPATH that reach nbgrader 0.9.6: the hub test's cached install, or a new one."""
    sys.path.insert(0, str(ROOT))
    from tests.conftest import NBGRADER_EXTRAS, NBGRADER_VERSION

    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "hacourse-tests"
    cached = [p for p in sorted(cache.glob(f"hub-python{sys.version_info[0]}.{sys.version_info[1]}-*-"
                                           f"{NBGRADER_VERSION}")) if (p / "installed").exists()]
    target = cached[-1] if cached else work / "nbgrader-install"
    if not cached:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps",
                        "--target", str(target), f"nbgrader=={NBGRADER_VERSION}", *NBGRADER_EXTRAS], check=True)
    path = os.pathsep.join([str(target / "bin"), str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    return {**os.environ, "PATH": path, "PYTHONPATH": os.pathsep.join([str(target), str(ROOT)])}


def _nbgrader_autograde(work: Path) -> None:
    """nbgrader's own autograde of the 30 hand-ins: a kernel per notebook, running every grading
    cell on the variant the notebook finds from the submission's folder."""
    env = _nbgrader_env(work)
    course = work / "course"
    (course / "source").mkdir(parents=True)
    (course / "nbgrader_config.py").write_text('c = get_config()  # noqa\nc.CourseDirectory.course_id = "bench"\n')
    shutil.copytree(work / "class" / "instructor", course / "source" / "lab")
    show("nbgrader generate_assignment lab", *timed("generate_assignment", "lab", cwd=course, module="nbgrader",
                                                      env=env))
    shutil.copytree(work / "submitted", course / "submitted")
    show("nbgrader autograde of the 30 submissions (a kernel each)",
         *timed("autograde", "lab", "--create", cwd=course, module="nbgrader", env=env))
    show("nbgrader export (grades.csv)", *timed("export", cwd=course, module="nbgrader", env=env))


def _submissions(exercise: Path, submitted: Path) -> None:
    """30 students' hand-ins: student k answers with the right answers of student k+1's variant
    (some right, some wrong), as nbgrader's submitted/STUDENT/ASSIGNMENT/ holds them."""
    import csv

    from hacourse.grading import notebook as nb
    from hacourse.grading.exercise_book import answer_variable

    with open(exercise / "manifest.csv", newline="") as table:
        rows = list(csv.DictReader(table))
    book = nb.read(exercise / "student" / "lab.ipynb")
    for k, row in enumerate(rows):
        given = rows[(k + 1) % len(rows)] if k % 2 else row
        for cell in book["cells"]:
            grade_id = nb.grading(cell).get("grade_id", "")
            if grade_id.endswith("-answer"):
                question = grade_id.removesuffix("-answer")
                cell["source"] = f"{answer_variable(question)} = {given['answer:' + question]}\n"
        folder = submitted / row["student_id"] / "lab"
        folder.mkdir(parents=True)
        nb.write(book, folder / "lab.ipynb")
        shutil.copy(exercise / "student" / "lab.yaml", folder)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
