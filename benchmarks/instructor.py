"""How long an instructor waits for the course-scale commands, on this machine.

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
    return 0


if __name__ == "__main__":
    sys.exit(main())
