"""Problems found in a scenario file, each one placed at a file, line and column.

A `Problem` is data (so a test can assert on its fields) and renders as the one paragraph
an instructor reads: `scenarios/x.yaml:12:5: hosts[1].nics.p1p1: unknown network 'storge'; ...`.
"""

from __future__ import annotations

from dataclasses import dataclass

FILE, SYNTAX, SCHEMA, SEMANTIC = "file", "syntax", "schema", "semantic"
"""Problem kinds. `file`: the file cannot be read (or written); `syntax`: it is not plain YAML
data; `schema` problems are the ones the JSON Schema also reports (an editor flags
them while typing); `semantic` ones (references between sections, duplicate names, memory sums,
fault times against the duration) only the loader can see."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario, where it is, and what would be allowed instead."""

    source: str
    line: int | None  # 1-based; None when the problem is the file as a whole
    column: int | None  # 1-based
    path: str  # the field, spelled as in the file: `hosts[1].nics`
    message: str
    kind: str = SCHEMA

    def __str__(self) -> str:
        place = self.source
        if self.line is not None:
            place += f":{self.line}"
            if self.column is not None:
                place += f":{self.column}"
        field = f"{self.path}: " if self.path else ""
        return f"{place}: {field}{self.message}"


class ScenarioError(Exception):
    """A scenario that cannot be loaded; `.problems` lists every problem of the file at once."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n\n".join(str(p) for p in self.problems))
