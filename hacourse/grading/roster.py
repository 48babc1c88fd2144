"""A class list and the variant each student was issued.

    hacourse exercise lab.yaml -o out --roster roster.csv

`roster.csv` has a `student_id` column (more columns are allowed and ignored): the user names
students log in with, which JupyterHub and nbgrader both use as the student's id. Each student
gets a variant of the scenario (its seed, and the setting `--vary` changes); `out/manifest.csv`
records who got which, with the right answers, for the instructor. Beside the notebook, in the
folder nbgrader releases to everyone, `lab.variants.json` holds the same table keyed by a hash
of each id (the class list is not handed out): the student's notebook finds its own variant
from the user name it runs under, and so does nbgrader's autograde, which restores this file
and the scenario from its source folder whatever a student hands back.

Nothing here is secret: a variant is a seed and a setting, and the answers come from running
it. What the table fixes is which run each student is graded against.
"""

from __future__ import annotations

import csv
import getpass
import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ID_COLUMN = "student_id"
ISSUED_SUFFIX = ".variants.json"
ANSWER = "answer:"  # the manifest's answer columns: answer:q1, answer:q2, ...


class RosterError(ValueError):
    """A class list that cannot be read; the message names the file, the line and what to write."""


@dataclass(frozen=True)
class Issued:
    """The variant one student was issued: its number, seed and settings."""

    variant: int
    seed: int
    settings: Mapping[str, object] = field(default_factory=dict)

    def label(self) -> str:
        extra = "".join(f", {k}={v}" for k, v in self.settings.items())
        return f"variant {self.variant:02d} (seed {self.seed}{extra})"


def read_roster(path: str | Path) -> list[str]:
    """The student ids of a roster CSV, in its order; raises RosterError with one line that says
    what is wrong and what to write instead."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise RosterError(f"{path}: cannot read the roster ({getattr(error, 'strerror', None) or error}); give a "
                          f"CSV file whose first line names the columns, one of them {ID_COLUMN}") from None
    rows = list(csv.reader(text.splitlines()))
    header = [h.strip() for h in rows[0]] if rows else []
    if ID_COLUMN not in header:
        found = ", ".join(h for h in header if h) or "nothing"
        raise RosterError(f"{path}:1: no {ID_COLUMN} column (found {found}); the first line names the columns, "
                          f"e.g. '{ID_COLUMN},name', and each next line one student: 'alice,Alice Liddell'")
    column = header.index(ID_COLUMN)
    ids: list[str] = []
    lines: dict[str, int] = {}
    for line, row in enumerate(rows[1:], 2):
        if not any(cell.strip() for cell in row):
            continue
        student = row[column].strip() if column < len(row) else ""
        if not student:
            raise RosterError(f"{path}:{line}: no {ID_COLUMN}; write the student's user name (their JupyterHub "
                              "login) in that column, or delete the line")
        if student in lines:
            raise RosterError(f"{path}:{line}: {student} is on the roster twice (lines {lines[student]} and {line}); "
                              "keep one line per student")
        if any(c in student for c in "/\\") or student in (".", ".."):
            raise RosterError(f"{path}:{line}: {student!r} is not a user name (no / or \\); write the student's "
                              "JupyterHub login")
        lines[student] = line
        ids.append(student)
    if not ids:
        raise RosterError(f"{path}: the roster lists no students; add one line per student under the "
                          f"'{ID_COLUMN}' header")
    return ids


def key(exercise: str, student: str) -> str:
    """The key of a student's entry in the released table: a hash, so the file names nobody."""
    return hashlib.sha256(f"{exercise}/{student}".encode()).hexdigest()[:16]


def issued_path(scenario_file: str | Path) -> Path:
    path = Path(scenario_file)
    return path.with_name(path.stem + ISSUED_SUFFIX)


def write_issued(path: Path, exercise: str, issued: Mapping[str, Issued]) -> None:
    """The released table: hashed id -> variant, seed, settings (sorted, so the bytes are stable)."""
    table = {key(exercise, student): {"variant": i.variant, "seed": i.seed, "settings": dict(i.settings)}
             for student, i in issued.items()}
    data = {"exercise": exercise, "about": "the variant each student of the roster was issued (ids hashed); the "
            "notebook reads it, do not edit it", "variants": dict(sorted(table.items()))}
    path.write_text(json.dumps(data, indent=1, sort_keys=False) + "\n", encoding="utf-8")


def read_issued(path: Path) -> tuple[str, dict[str, Issued]]:
    """(the exercise's name, hashed id -> Issued) of a released table."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return data["exercise"], {k: Issued(int(v["variant"]), int(v["seed"]), dict(v.get("settings") or {}))
                              for k, v in data["variants"].items()}


def issued_to(path: Path, student: str | None) -> Issued | None:
    """The variant `student` was issued, from the released table beside the scenario; None when
    the student is not on the roster."""
    if student is None:
        return None
    exercise, table = read_issued(path)
    return table.get(key(exercise, student))


def student_id() -> str | None:
    """Who this notebook runs for. Under nbgrader's autograde (NBGRADER_EXECUTION=autograde) the
    notebook runs in `autograded/STUDENT/ASSIGNMENT/`: the folder names the student, whatever the
    notebook or its environment says. Otherwise the JupyterHub user the server runs for
    ($JUPYTERHUB_USER, nbgrader's student id on a hub), else the login name."""
    if os.environ.get("NBGRADER_EXECUTION") == "autograde":
        return Path.cwd().parent.name
    try:
        return os.environ.get("JUPYTERHUB_USER") or getpass.getuser()
    except (KeyError, OSError):  # no user name at all (a container without a passwd entry)
        return None


def write_manifest(path: Path, issued: Mapping[str, Issued], answers: Mapping[str, Sequence[tuple[str, object]]]
                   ) -> None:
    """`manifest.csv`: one row per student: the variant, its seed and settings, and the right
    answer to each question (the key to grade by hand, or to check `hacourse grade`)."""
    settings = list(next(iter(issued.values())).settings) if issued else []
    questions = [q for q, _ in next(iter(answers.values()), [])]
    with open(path, "w", newline="", encoding="utf-8") as table:
        writer = csv.writer(table)
        writer.writerow([ID_COLUMN, "variant", "seed", *settings, *(ANSWER + q for q in questions)])
        for student, i in issued.items():
            writer.writerow([student, i.variant, i.seed, *(i.settings[k] for k in settings),
                             *(repr(a) for _, a in answers.get(student, []))])


def read_manifest(path: Path) -> dict[str, Issued]:
    """student id -> Issued, from `manifest.csv` (the instructor's copy, names in clear)."""
    import yaml

    with open(path, newline="", encoding="utf-8") as table:
        reader = csv.DictReader(table)
        fields = reader.fieldnames or []
        settings = [f for f in fields[3:] if not f.startswith(ANSWER)]
        out = {}
        for row in reader:
            out[row[ID_COLUMN]] = Issued(int(row["variant"]), int(row["seed"]),
                                         {k: yaml.safe_load(row[k]) for k in settings})
    return out
