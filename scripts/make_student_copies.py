"""Student copies of the instructor's exercise notebooks, made the way nbgrader makes them.

    python scripts/make_student_copies.py                      # notebooks/exercises/*.ipynb -> .../student/
    python scripts/make_student_copies.py --out release/ a.ipynb b.ipynb

The rules are nbgrader's (`hacourse.grading.nbgrade.student_copy`): solutions become stubs, hidden tests
go, outputs are cleared, the nbgrader metadata stays. Never edit a student copy by hand: change
the instructor notebook and run this again. The shipped exercises need only hacourse itself (their
scenarios and checks are in the package); an exercise made from your own scenario is made, with
the scenario beside it, by `hacourse exercise`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

from hacourse.grading.nbgrade import SolutionMarkerError, student_copy

EXERCISES = Path(__file__).resolve().parent.parent / "notebooks" / "exercises"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="instructor notebooks (default: notebooks/exercises)")
    parser.add_argument("--out", type=Path, default=EXERCISES / "student", help="where the copies go")
    args = parser.parse_args(argv)
    sources = args.notebooks or sorted(EXERCISES.glob("*.ipynb"))
    if not sources:
        print("no notebooks to copy", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    for source in sources:
        try:
            student = student_copy(nbformat.read(source, as_version=4), source.name)
        except SolutionMarkerError as error:
            print(error, file=sys.stderr)
            return 2
        nbformat.write(student, args.out / source.name)
        print(f"wrote {args.out / source.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
