"""Jupyter notebooks as plain data: cells made, written and read without nbformat.

nbformat validates with jsonschema, whose format checkers compile dozens of grammars on import
(seconds of CPU, each time `hacourse exercise` starts); an exercise notebook is a list of
markdown and code cells with nbgrader metadata, which JSON writes as well. The files are
nbformat 4.5 as Jupyter writes them (one-space indent, sorted keys, source split into lines),
and cell ids come from the cell's nbgrader id or its place, so one exercise makes the same bytes
each time.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

Notebook = dict[str, Any]
Cell = dict[str, Any]

KERNEL = {"display_name": "Python 3", "language": "python", "name": "python3"}


def markdown(source: str, metadata: Mapping | None = None) -> Cell:
    return {"cell_type": "markdown", "metadata": dict(metadata or {}), "source": source}


def code(source: str, metadata: Mapping | None = None) -> Cell:
    return {"cell_type": "code", "execution_count": None, "metadata": dict(metadata or {}), "outputs": [],
            "source": source}


def notebook(cells: Sequence[Cell]) -> Notebook:
    return {"cells": list(cells), "metadata": {"kernelspec": dict(KERNEL)}, "nbformat": 4, "nbformat_minor": 5}


def grading(cell: Mapping) -> Mapping:
    """The cell's nbgrader metadata ({} when it has none)."""
    return cell.get("metadata", {}).get("nbgrader", {})


def _lines(source: str) -> list[str]:
    return source.splitlines(keepends=True)


def dumps(book: Notebook) -> str:
    cells, seen = [], set()
    for index, given in enumerate(book["cells"]):
        cell = dict(given)
        wanted = str(grading(cell).get("grade_id") or f"cell-{index}")
        cell_id = wanted if wanted not in seen else f"{wanted}-{index}"
        seen.add(cell_id)
        cell.setdefault("id", cell_id)
        source = cell.get("source", "")
        cell["source"] = _lines(source) if isinstance(source, str) else source
        cells.append(cell)
    return json.dumps({**book, "cells": cells}, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def write(book: Notebook, path: str | Path) -> None:
    Path(path).write_text(dumps(book), encoding="utf-8")


class NotebookError(ValueError):
    """A file that is not a notebook; the message names it."""


def read(path: str | Path) -> Notebook:
    """A notebook with each cell's source as one string; raises ValueError naming the file when
    it is not a notebook."""
    try:
        book = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise NotebookError(f"{path}: not a notebook Jupyter can open ({error})") from None
    if not isinstance(book, dict) or not isinstance(book.get("cells"), list):
        raise NotebookError(f"{path}: not a notebook (no list of cells)")
    for cell in book["cells"]:
        if isinstance(cell.get("source"), list):
            cell["source"] = "".join(cell["source"])
    return book
