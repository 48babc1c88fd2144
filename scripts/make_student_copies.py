"""Student copies of the instructor's exercise notebooks, made the way nbgrader makes them.

    python scripts/make_student_copies.py                      # notebooks/exercises/*.ipynb -> .../student/
    python scripts/make_student_copies.py --out release/ a.ipynb b.ipynb

In cells marked `nbgrader.solution`, the code between `### BEGIN SOLUTION` and `### END SOLUTION`
becomes `# YOUR CODE HERE` / `raise NotImplementedError()` (a solution cell without the markers is
replaced whole); outputs and execution counts are cleared; the nbgrader metadata stays, so a
course that uses nbgrader can still collect and grade the copies. Never edit a student copy by
hand: change the instructor notebook and run this again.
"""

from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path

import nbformat

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
CODE_STUB = ["# YOUR CODE HERE", "raise NotImplementedError()"]
TEXT_STUB = "YOUR ANSWER HERE"
EXERCISES = Path(__file__).resolve().parent.parent / "notebooks" / "exercises"


class SolutionMarkerError(ValueError):
    """Solution markers where nbgrader would refuse them: unbalanced, or outside a solution cell."""


def _strip(source: str, where: str, stub: list[str]) -> str:
    lines, out, inside = source.splitlines(), [], False
    for line in lines:
        marker = line.strip()
        if marker == BEGIN:
            if inside:
                raise SolutionMarkerError(f"{where}: {BEGIN} inside another solution region")
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            out += [indent + s for s in stub]
        elif marker == END:
            if not inside:
                raise SolutionMarkerError(f"{where}: {END} without {BEGIN}")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise SolutionMarkerError(f"{where}: {BEGIN} without {END}")
    return "\n".join(out)


def student_copy(notebook: nbformat.NotebookNode, name: str = "notebook") -> nbformat.NotebookNode:
    """The notebook as a student gets it: solutions replaced by stubs, no outputs."""
    student = copy.deepcopy(notebook)
    student.metadata.pop("jupytext", None)  # a student copy is not paired with a .py file
    for index, cell in enumerate(student.cells):
        where = f"{name}, cell {index}"
        is_solution = cell.metadata.get("nbgrader", {}).get("solution", False)
        has_markers = BEGIN in cell.source or END in cell.source
        if has_markers and not is_solution:
            raise SolutionMarkerError(f"{where}: solution markers in a cell without nbgrader solution metadata")
        if is_solution:
            stub = CODE_STUB if cell.cell_type == "code" else [TEXT_STUB]
            cell.source = _strip(cell.source, where, stub) if has_markers else "\n".join(stub)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return student


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
