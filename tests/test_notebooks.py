"""Every lesson notebook runs top to bottom headlessly, is stored clean, and matches its text twin.

Generic on purpose: a new `notebooks/**/*.ipynb` is picked up without touching this file. The
notebooks run in a real kernel (nbclient), each cell within 120 s, from the notebook's own folder,
as a student's JupyterLab or Voila would run them.
"""

from __future__ import annotations

import os
from pathlib import Path

import jupytext
import nbformat
import pytest
from nbclient import NotebookClient

pytestmark = pytest.mark.slow  # the fast lane (scripts/test.sh --fast) leaves it out

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted(p for p in (ROOT / "notebooks").rglob("*.ipynb")  # parts below notebooks/, not the clone's path
                   if not {".ipynb_checkpoints", "student"} & set(p.relative_to(ROOT).parts))  # generated copies
CELL_TIMEOUT_S = 120


def twin_of(notebook: Path) -> Path:
    """The notebook's text twin: `notebooks/X.ipynb` <-> `notebooks/text/X.py` (jupytext percent format).

    The twins live in their own folder so the file browser lists each lesson once.
    """
    return ROOT / "notebooks" / "text" / notebook.relative_to(ROOT / "notebooks").with_suffix(".py")


def _ids(paths: list[Path]) -> list[str]:
    return [str(p.relative_to(ROOT / "notebooks")) for p in paths]


def test_there_are_lessons_to_run():
    assert NOTEBOOKS, "no notebooks found under notebooks/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_runs_top_to_bottom(path: Path, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=CELL_TIMEOUT_S, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()  # raises CellExecutionError, with the cell and its traceback, on the first error
    errors = [(i, out.get("text", "")[:500]) for i, cell in enumerate(nb.cells) if cell.cell_type == "code"
              for out in cell.get("outputs", []) if out.get("name") == "stderr"]
    assert not errors, f"cells wrote to stderr (a browser lesson shows this as an error): {errors}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_is_stored_without_outputs(path: Path):
    nb = nbformat.read(path, as_version=4)
    dirty = [i for i, cell in enumerate(nb.cells)
             if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count"))]
    assert not dirty, f"{path.name}: cells {dirty} carry outputs; clear them before committing"


def _cells(nb) -> list[tuple[str, str]]:
    return [(c.cell_type, c.source.strip()) for c in nb.cells]


def test_text_twins_live_in_notebooks_text_so_the_file_browser_lists_each_lesson_once():
    beside = [str(p.relative_to(ROOT)) for p in (ROOT / "notebooks").rglob("*.py")
              if "text" not in p.relative_to(ROOT / "notebooks").parts[:1] and ".ipynb_checkpoints" not in p.parts]
    assert not beside, (f"{beside}: move them to notebooks/text/ (git mv), set their jupytext formats to "
                        "notebooks///ipynb,notebooks/text///py:percent, then `jupytext --sync notebooks/text/X.py`")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_matches_its_percent_script(path: Path):
    """The `.py` (jupytext percent format) is the source of truth; the `.ipynb` is generated from it."""
    script = twin_of(path)
    assert script.exists(), f"{path.name} has no text twin at {script.relative_to(ROOT)}"
    from_script = jupytext.read(script)
    stored = nbformat.read(path, as_version=4)
    assert _cells(stored) == _cells(from_script), (
        f"{path.name} differs from {script.name}; run `jupytext --sync {script.relative_to(ROOT)}`")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_section_numbers_run_on_without_a_gap_in_voila_and_in_lab(path: Path):
    """Voila leaves out the cells tagged lab-only: a numbered section among them would make the
    numbers jump (4, then 6). So the numbered headings outside them count 1, 2, 3 ... and a
    lab-only heading carries no number."""
    nb = nbformat.read(path, as_version=4)
    numbers, lab_only = [], []
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for line in cell.source.splitlines():
            head = line.removeprefix("## ")
            if line.startswith("## ") and head.split(" ")[0].isdigit():
                (lab_only if "lab-only" in cell.metadata.get("tags", []) else numbers).append(int(head.split(" ")[0]))
    assert not lab_only, f"{path.name}: lab-only sections numbered {lab_only}"
    assert numbers == list(range(1, len(numbers) + 1)), f"{path.name}: section numbers {numbers}"
