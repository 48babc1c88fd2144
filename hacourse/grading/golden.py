"""Golden logs: a run's exact event log, kept as JSON Lines, to catch any change of behaviour.

Expectations (`hacourse.grading.expectations`) say what must happen; a golden log pins everything that
did happen, to the record and the millisecond. It is the regression net under the engine: any
change to a timer, a tie rule or a message shows up as a first difference, and a person decides
whether it was meant. So a golden log is written only when asked (`hacourse check --golden
--update`), never because it was missing: a missing one is an error that says how to make it.

A golden log lives beside its scenario, wherever the command is typed from: `lab.golden.jsonl`
next to `lab.yaml`, or `golden/lab.jsonl` when that folder exists; `--golden PATH` names another
folder (the shipped scenarios keep theirs in `tests/golden/`) or, for one run, the file itself.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from pathlib import Path

SAME, DIFFERS, MISSING = "same", "differs", "missing"
BESIDE_FOLDER = "golden"  # a folder of golden logs beside the scenarios
SUFFIX = ".jsonl"


def golden_path(scenario_file: str | Path, seed: int, default_seed: int, folder: str | Path) -> Path:
    """`<folder>/<scenario>.jsonl` for the scenario's own seed, `<scenario>.seed<N>.jsonl` for others."""
    stem = Path(scenario_file).stem
    name = f"{stem}.jsonl" if seed == default_seed else f"{stem}.seed{seed}.jsonl"
    return Path(folder) / name


def golden_for(scenario_file: str | Path, seed: int, default_seed: int, given: str | Path | None = None) -> Path:
    """The golden log of one run: `given` when it is a .jsonl file, in `given` when it is a folder;
    else beside the scenario: `<stem>.golden.jsonl` (`<stem>.seed<N>.golden.jsonl`), or in the
    folder `golden/` beside it when that exists and the single file does not."""
    if given is not None:
        given = Path(given)
        return given if given.suffix == SUFFIX else golden_path(scenario_file, seed, default_seed, given)
    scenario_file = Path(scenario_file)
    seeded = "" if seed == default_seed else f".seed{seed}"
    single = scenario_file.with_name(f"{scenario_file.stem}{seeded}.golden{SUFFIX}")
    folder = scenario_file.parent / BESIDE_FOLDER
    if single.is_file() or not folder.is_dir():
        return single
    return golden_path(scenario_file, seed, default_seed, folder)


@dataclass(frozen=True)
class GoldenResult:
    status: str  # SAME, DIFFERS or MISSING
    path: Path
    report: str  # empty when SAME

    @property
    def same(self) -> bool:
        return self.status == SAME


def compare_golden(jsonl: str, path: Path, update_hint: str) -> GoldenResult:
    """Compare a run's JSON Lines with the golden file at `path`; the report names the first
    difference and ends with `update_hint`, the command that would regenerate the file."""
    if not path.is_file():
        return GoldenResult(MISSING, path, f"no golden log at {path}; golden logs are written only on purpose: "
                                           f"check the run, then create it with: {update_hint}")
    report = first_difference(path.read_text(encoding="utf-8"), jsonl, str(path))
    if report is None:
        return GoldenResult(SAME, path, "")
    return GoldenResult(DIFFERS, path, f"{report}\nif the change is intended, regenerate it: {update_hint}")


def write_golden(jsonl: str, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(jsonl, encoding="utf-8")


def first_difference(golden: str, actual: str, name: str = "golden log") -> str | None:
    """None when the two logs are equal, else a few lines on where they first part, and how much."""
    old, new = golden.splitlines(), actual.splitlines()
    if old == new:
        return None
    at = next((i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b), min(len(old), len(new)))
    changed = sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2
                  in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes() if tag != "equal")
    lines = [(f"{name}: this run first differs at record {at + 1} (line {at + 1}); "
              f"golden has {len(old)} records, this run {len(new)}, about {changed} differ")]
    if at > 0:
        lines.append(f"  last record alike: {old[at - 1]}")
    lines.append(f"  golden:            {old[at] if at < len(old) else '(ends here)'}")
    lines.append(f"  this run:          {new[at] if at < len(new) else '(ends here)'}")
    if at < len(old) and at < len(new):
        fields = _field_changes(old[at], new[at])
        if fields:
            lines.append(f"  fields that differ: {fields}")
    return "\n".join(lines)


def _field_changes(golden_line: str, actual_line: str) -> str:
    try:
        a, b = json.loads(golden_line), json.loads(actual_line)
    except json.JSONDecodeError:
        return ""
    if a.get("event") != b.get("event"):
        return f"event {a.get('event')} -> {b.get('event')}"
    return "; ".join(f"{k} {a.get(k)!r} -> {b.get(k)!r}" for k in dict.fromkeys([*a, *b]) if a.get(k) != b.get(k))
