"""Student copies of instructor notebooks, made the way nbgrader's `generate_assignment` makes them.

In cells marked `nbgrader.solution`, the code between `### BEGIN SOLUTION` and `### END SOLUTION`
becomes `# YOUR CODE HERE` / `raise NotImplementedError()` (a solution cell without the markers is
replaced whole); in graded cells, `### BEGIN HIDDEN TESTS` ... `### END HIDDEN TESTS` is removed
(nbgrader puts it back when it autogrades); outputs and execution counts are cleared; the nbgrader
metadata stays, so a course that uses nbgrader can still release, collect and grade the copies.
"""

from __future__ import annotations

import copy
from typing import Any

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
CODE_STUB = ["# YOUR CODE HERE", "raise NotImplementedError()"]
TEXT_STUB = "YOUR ANSWER HERE"


class SolutionMarkerError(ValueError):
    """Solution markers where nbgrader would refuse them: unbalanced, or outside a solution cell."""


def _strip(source: str, where: str, stub: list[str], begin: str = BEGIN, end: str = END) -> str:
    out, inside = [], False
    for line in source.splitlines():
        marker = line.strip()
        if marker == begin:
            if inside:
                raise SolutionMarkerError(f"{where}: {begin} inside another such region")
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            out += [indent + s for s in stub]
        elif marker == end:
            if not inside:
                raise SolutionMarkerError(f"{where}: {end} without {begin}")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise SolutionMarkerError(f"{where}: {begin} without {end}")
    return "\n".join(out)


def student_copy(notebook: Any, name: str = "notebook") -> Any:
    """The notebook as a student gets it: solutions replaced by stubs, hidden tests gone, no outputs.
    `notebook` is nbformat's NotebookNode or the plain dict of `hacourse.grading.notebook`."""
    student = copy.deepcopy(notebook)
    student["metadata"].pop("jupytext", None)  # a student copy is not paired with a .py file
    for index, cell in enumerate(student["cells"]):
        where = f"{name}, cell {index}"
        grading = cell.get("metadata", {}).get("nbgrader", {})
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        is_solution = grading.get("solution", False)
        has_markers = BEGIN in source or END in source
        if has_markers and not is_solution:
            raise SolutionMarkerError(f"{where}: solution markers in a cell without nbgrader solution metadata")
        if is_solution:
            stub = CODE_STUB if cell["cell_type"] == "code" else [TEXT_STUB]
            source = _strip(source, where, stub) if has_markers else "\n".join(stub)
        if BEGIN_HIDDEN in source or END_HIDDEN in source:
            if not grading.get("grade", False):
                raise SolutionMarkerError(f"{where}: hidden tests in a cell that nbgrader does not grade")
            source = _strip(source, where, [], BEGIN_HIDDEN, END_HIDDEN)
        cell["source"] = source
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
    return student
