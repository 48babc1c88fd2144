"""`hacourse exercise`: the instructor and student notebooks of an exercise made from any scenario.

    hacourse exercise lab.yaml -o out/                      # out/instructor, out/student
    hacourse exercise lab.yaml -o out/ --variants 30        # + out/variants/01..30: seeds 0..29
    hacourse exercise lab.yaml -o out/ --variants 30 --vary NicDHCPDelayGraceInMS=60..180

The scenario's `expect:` entries are the grader (`hacourse.grading.assignment` says how each kind of
entry becomes a question or a check); `lab.exercise.yaml` beside it may add a title, an intro, the
settings the student tunes and questions with fixed answers. Each bundle is a folder the student
runs as it is: the notebook and the scenario file it reads. Variants differ in the seed (the
engines' poll phases and ties) or in one setting, so the numbers of neighbours differ; every
variant is run before anything is written, and one whose answers cannot be read off its run (an
event that never happens, a solution that no longer passes) is refused, with the reason.
"""

from __future__ import annotations

import csv
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from hacourse.grading.assignment import (
    NEITHER,
    TIMED,
    ExerciseSpec,
    Lab,
    final_state,
    load_spec,
    scenario_text,
    varied,
)
from hacourse.grading.check import reference
from hacourse.grading.expectations import load_expectations, written
from hacourse.grading.nbgrade import student_copy
from hacourse.model import Scenario
from hacourse.scenario.expect import PREDICATES

SUBJECTS = ("host", "vm", "spm")


class ExerciseError(ValueError):
    """An exercise that cannot be made as asked; the message says why and what to change."""


@dataclass(frozen=True)
class Item:
    """One graded piece of the notebook: what it asks, the answer cell, the grading cell."""

    grade_id: str
    prompt: str
    answer: str  # the name the student's answer is bound to
    solution: object
    grade: str  # the grading cell's code
    points: int = 1


@dataclass(frozen=True)
class Variant:
    number: int
    seed: int
    settings: Mapping[str, object] = field(default_factory=dict)

    def label(self) -> str:
        extra = "".join(f", {k}={v}" for k, v in self.settings.items())
        return f"variant {self.number:02d} (seed {self.seed}{extra})"


def entry_subject(entry: Mapping) -> tuple[str, str | None]:
    """(what the entry is about, what it says of it): ('host', 'becomes'), ('event', None), ..."""
    entry = {("on" if k is True else k): v for k, v in entry.items()}
    for subject in SUBJECTS:
        if subject in entry:
            return subject, next((k for k in entry if k in PREDICATES[subject]), None)
    return ("event" if "event" in entry else "never"), None


def sentence(entry: Mapping, scenario: Scenario) -> str:
    """The entry as a statement about the run, for a true-or-false question."""
    entry = {("on" if k is True else k): v for k, v in entry.items()}
    subject, predicate = entry_subject(entry)
    name = entry.get(subject)
    value = entry.get(predicate) if predicate else None
    on = f" on {entry['on']}" if entry.get("on") else ""
    if subject in ("event", "never"):
        fields = {k: v for k, v in entry.items() if k not in (subject, "between", "after", "why")}
        shown = f" with {written(fields)[1:-1]}" if fields else ""
        text = f"{'a' if subject == 'event' else 'no'} {name} record{shown} appears in the log"
    elif subject == "spm":
        text = {("always", True): f"{name} holds the SPM role from start to end",
                ("elected", True): f"{name} is elected SPM during the run",
                ("elected", False): f"{name} is never elected SPM",
                ("ends", True): f"{name} holds the SPM role when the run ends",
                ("ends", False): f"{name} does not hold the SPM role when the run ends"}[(predicate, value)]
    else:
        text = {"becomes": f"{name} turns {value}{on} at some point",
                "never_becomes": f"{name} never turns {value}",
                "ends": f"{name} ends the run {value}{on}",
                "always": f"{name} stays {value} from start to end",
                "paused": f"{name} {'pauses at some point' if value else 'never pauses'}",
                "starts_migrating_before": f"the engine starts migrating {name} before {value}"}[predicate]
    if "after" in entry:
        text += f", counting from {reference(entry, scenario)}"
    if "between" in entry:
        lo, hi = entry["between"]
        text += f", {lo:g} to {hi:g} s after {'it' if 'after' in entry else 'the start'}"
    return text


def _happening(entry: Mapping) -> str:
    subject, predicate = entry_subject(entry)
    name = entry.get(subject)
    if subject in ("event", "never"):
        return f"the first {name} record appear in the log"
    if subject == "spm":
        return f"{name} get elected SPM"
    if predicate == "paused":
        return f"{name} pause"
    on = f" on {entry['on']}" if entry.get("on") else ""
    return f"{name} turn {entry[predicate]}{on}"


def predict_items(scenario: Scenario, lab: Lab) -> list[Item]:
    """One question per `expect:` entry, its solution read off the instructor's run."""
    items = []
    for i, raw in enumerate(scenario.expect):
        entry = {("on" if k is True else k): v for k, v in raw.items() if k != "why"}
        subject, predicate = entry_subject(entry)
        n = i + 1
        answer = f"answer_{n}"
        timed = (subject, predicate) in TIMED or subject == "event" or (predicate == "paused" and entry["paused"])
        if "between" in entry and timed:
            lo, hi = entry["between"]
            tolerance = max((hi - lo) / 2, 1.0)
            asked = {k: v for k, v in entry.items() if k != "between"}
            verdict = lab.judge(asked)
            items.append(Item(f"q{n}", f"**Question {n}.** How many seconds after {reference(entry, scenario)} "
                              f"does {_happening(entry)}? Within {tolerance:g} s counts.", answer,
                              round(verdict.measured, 1) if verdict.measured is not None else None,
                              f"feedback = lab.when({answer}, {asked!r}, tolerance={tolerance:g})"))
        elif predicate == "ends" and subject in ("host", "vm"):
            status, host = final_state(lab.run(), lab.scenario, subject, entry[subject])
            shape = "'Up on atlantic': the status, then the host" if subject == "vm" else "'Up'"
            items.append(Item(f"q{n}", f"**Question {n}.** In which status does {entry[subject]} end the run"
                              f"{', and on which host' if subject == 'vm' else ''}? Answer like {shape}.", answer,
                              f"{status} on {host}" if subject == "vm" else status,
                              f"feedback = lab.ends({answer}, {subject!r}, {entry[subject]!r})"))
        elif predicate == "starts_migrating_before":
            pair = sorted([entry["vm"], entry[predicate]])
            truth = next((v for v in pair if lab.first(v, pair).passed), NEITHER)
            items.append(Item(f"q{n}", f"**Question {n}.** Which VM does the engine start migrating first: "
                              f"{pair[0]} or {pair[1]}? Answer with its name, or {NEITHER!r} if it migrates "
                              "neither.", answer, truth, f"feedback = lab.first({answer}, {pair!r})"))
        else:
            verdict = lab.judge(entry)
            items.append(Item(f"q{n}", f"**Question {n}.** True or False: {sentence(entry, scenario)}.", answer,
                              verdict.passed, f"feedback = lab.true_or_false({answer}, {entry!r})"))
    return items


def tune_items(scenario: Scenario, spec: ExerciseSpec) -> list[Item]:
    """One graded check per `expect:` entry, of the run with the student's settings."""
    items = []
    for i, raw in enumerate(scenario.expect):
        entry = {("on" if k is True else k): v for k, v in raw.items()}
        why = f" ({entry['why']})" if entry.get("why") else ""
        shown = {k: v for k, v in entry.items() if k != "why"}
        items.append(Item(f"expect{i}", f"expect[{i}] {written(shown)}{why}", "settings", dict(spec.tune or {}),
                          f"feedback = lab.check(settings, {entry!r})"))
    return items


def _meta(grade_id: str, *, grade: bool = False, solution: bool = False, locked: bool = True,
          points: int | None = None) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3, "solution": solution,
            "task": False}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def _checked(code: str) -> str:
    return f"{code}\nprint(feedback)\nassert feedback.passed, \"read the feedback above, change your answer and run both cells again\""


def instructor_notebook(scenario: Scenario, spec: ExerciseSpec, items: list[Item], file_name: str) -> nbformat.NotebookNode:
    """The notebook with the solutions in place, nbgrader metadata on every cell."""
    title = spec.title or scenario.name
    intro = [f"# {title}", "", scenario.description.strip(), ""]
    if spec.intro:
        intro += [spec.intro.strip(), ""]
    intro.append(f"The scenario is in `{file_name}`, beside this notebook: keep them together, and run the cells "
                 "from the top. Below, what the scenario holds.")
    cells = [new_markdown_cell("\n".join(intro), metadata=_meta("intro")),
             new_code_cell(f"from hacourse.grading.assignment import Lab\n\nlab = Lab({file_name!r})\nprint(lab.overview())",
                           metadata=_meta("setup"))]
    if spec.tune:
        current = scenario.config()
        keys = "\n".join(f"- `{k}`" + (f" (now {current[k]!r})" if k in current else "") for k in spec.tune)
        goals = "\n".join(f"- {item.prompt}" for item in items if item.answer == "settings")
        cells.append(new_markdown_cell(
            "**Your task.** Choose the settings below so that every expectation holds when the scenario runs:\n\n"
            f"{keys}\n\nThe expectations, each checked by one cell below:\n\n{goals}\n\nWrite `settings` as a dict, "
            "e.g. `settings = {'NicDHCPDelayGraceInMS': 90}`; an engine-config key goes alone, anything else as a "
            "path (`cluster.resilience_policy`, `faults[0].at`).", metadata=_meta("task")))
        cells.append(new_code_cell(f"### BEGIN SOLUTION\nsettings = {dict(spec.tune)!r}\n### END SOLUTION",
                                   metadata=_meta("settings", solution=True, locked=False)))
        cells.append(new_code_cell("# try your settings: the run, as the Events tab shows it\n"
                                   "print(lab.story(settings))"))
        for item in items:
            if item.answer == "settings":
                cells.append(new_code_cell(_checked(item.grade),
                                           metadata=_meta(item.grade_id, grade=True, points=item.points)))
        items = [item for item in items if item.answer != "settings"]
    elif items:
        cells.append(new_markdown_cell("**Predict before you run anything.** Answer each question in the cell "
                                       "under it; the cell after checks the answer against the run.",
                                       metadata=_meta("task")))
    for item in items:
        cells.append(new_markdown_cell(item.prompt, metadata=_meta(f"{item.grade_id}-ask")))
        cells.append(new_code_cell(f"### BEGIN SOLUTION\n{item.answer} = {item.solution!r}\n### END SOLUTION",
                                   metadata=_meta(f"{item.grade_id}-answer", solution=True, locked=False)))
        cells.append(new_code_cell(_checked(item.grade),
                                   metadata=_meta(item.grade_id, grade=True, points=item.points)))
    for k, question in enumerate(spec.questions, 1):
        answer = f"answer_extra_{k}"
        cells.append(new_markdown_cell(f"**{question.ask}**", metadata=_meta(f"extra{k}-ask")))
        cells.append(new_code_cell(f"### BEGIN SOLUTION\n{answer} = {question.answer!r}\n### END SOLUTION",
                                   metadata=_meta(f"extra{k}-answer", solution=True, locked=False)))
        cells.append(new_code_cell(
            f"print('your answer:', repr({answer}))\n### BEGIN HIDDEN TESTS\n"
            f"{_checked(f'feedback = lab.answer({answer}, {question.answer!r})')}\n### END HIDDEN TESTS",
            metadata=_meta(f"extra{k}", grade=True, points=question.points)))
    cells.append(new_markdown_cell("**Afterwards:** the run itself, as the Events tab shows it.",
                                   metadata=_meta("afterwards")))
    cells.append(new_code_cell("print(lab.story(settings))" if spec.tune else "print(lab.story())"))
    notebook = new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    return notebook


def variants_for(base: Scenario, count: int, seeds: Sequence[int] | None,
                 vary: tuple[str, Sequence[object]] | None) -> list[Variant]:
    """Variant k: the k-th seed (default: the scenario's seed + k - 1) and the k-th value of the
    setting that varies (its values in turn)."""
    if count < 1:
        return []
    if seeds is not None and len(seeds) < count:
        raise ExerciseError(f"--seeds gives {len(seeds)} seeds for {count} variants; give one per variant")
    chosen = list(seeds[:count]) if seeds is not None else [base.seed + k for k in range(count)]
    out = []
    for k, seed in enumerate(chosen):
        settings = {vary[0]: vary[1][k % len(vary[1])]} if vary else {}
        out.append(Variant(k + 1, seed, settings))
    return out


def spread(text: str, count: int) -> list[object]:
    """`60..180` as `count` values from 60 to 180 evenly (whole numbers when both ends are)."""
    lo_text, _, hi_text = text.partition("..")
    try:
        lo, hi = float(lo_text), float(hi_text)
    except ValueError:
        raise ExerciseError(f"--vary: a range is LO..HI with two numbers, found {text!r}") from None
    if count == 1:
        return [lo]
    values = [lo + (hi - lo) * k / (count - 1) for k in range(count)]
    whole = lo.is_integer() and hi.is_integer()
    return [round(v) if whole else round(v, 3) for v in values]


@dataclass
class Built:
    out: Path
    kind: str  # "predict" or "tune"
    items: int
    points: int
    variants: list[Variant]
    warnings: list[str]


def make_exercise(scenario_file: str | Path, out: str | Path, variants: int = 0, seeds: Sequence[int] | None = None,
                  vary: tuple[str, Sequence[object]] | None = None, force: bool = False) -> Built:
    """Write `out/instructor/`, `out/student/` and (with `variants`) `out/variants/NN/`; raises
    ScenarioError (the scenario, its expectations or its exercise file) or ExerciseError."""
    scenario_file, out = Path(scenario_file), Path(out)
    scenario, _ = load_expectations(scenario_file)
    spec = load_spec(scenario_file)
    if not scenario.expect and not spec.questions:
        raise ExerciseError(f"{scenario_file}: nothing to grade: add `expect:` entries to the scenario (the "
                            f"grader) or questions to {scenario_file.stem}.exercise.yaml")
    if spec.tune and not scenario.expect:
        raise ExerciseError(f"{scenario_file}: a tune exercise is graded by the scenario's `expect:` entries; "
                            "the scenario has none")
    if out.exists() and any(out.iterdir()) and not force:
        raise ExerciseError(f"{out}: already holds files; choose another folder, or --force to replace them")
    name = scenario_file.stem
    file_name = f"{name}.yaml"
    kind = "tune" if spec.tune else "predict"
    if spec.tune:
        varied(scenario, spec.tune, source=f"{scenario_file.parent / (name + '.exercise.yaml')}: tune")
    plan = variants_for(scenario, variants, seeds, vary)
    builds = [(None, scenario)] + [(v, varied(scenario, {"seed": v.seed, **v.settings},
                                              source=f"{scenario_file} ({v.label()})")) for v in plan]
    if out.exists() and force:
        shutil.rmtree(out)
    staging = out / ".staging"
    warnings: list[str] = []
    notebooks = []
    for variant, built in builds:
        header = (f"Made by `hacourse exercise` from {scenario_file.name}"
                  + (f", {variant.label()}" if variant else "") + ".\nThe notebook beside it reads this file: "
                  "do not edit it.")
        folder = staging / (f"{variant.number:02d}" if variant else "base")
        folder.mkdir(parents=True)
        (folder / file_name).write_text(scenario_text(built, header, keep_expect=bool(spec.tune)), encoding="utf-8")
        lab = Lab(folder / file_name)
        items = tune_items(built, spec) if spec.tune else predict_items(built, lab)
        _verify(lab, built, spec, items, variant, warnings)
        notebooks.append((variant, folder, instructor_notebook(built, spec, items, file_name)))
    for variant, folder, notebook in notebooks:
        if variant is None:
            for where, book in (("instructor", notebook), ("student", student_copy(notebook, f"{name}.ipynb"))):
                _write_bundle(out / where, folder / file_name, book, name)
        else:
            _write_bundle(out / "variants" / f"{variant.number:02d}", folder / file_name,
                          student_copy(notebook, f"{name}.ipynb"), name)
    shutil.rmtree(staging)
    if plan:
        with open(out / "variants.csv", "w", newline="", encoding="utf-8") as table:
            keys = list(plan[0].settings)
            writer = csv.writer(table)
            writer.writerow(["variant", "folder", "seed", *keys])
            for v in plan:
                writer.writerow([v.number, f"variants/{v.number:02d}", v.seed, *v.settings.values()])
    base_items = notebooks[0][2]
    graded = [c for c in base_items.cells if c.metadata.get("nbgrader", {}).get("grade")]
    points = sum(c.metadata["nbgrader"]["points"] for c in graded)
    return Built(out, kind, len(graded), points, plan, warnings)


def _verify(lab: Lab, scenario: Scenario, spec: ExerciseSpec, items: list[Item], variant: Variant | None,
            warnings: list[str]) -> None:
    """Every answer can be read off this variant's run, and the solution gets every point."""
    where = variant.label() if variant else "the scenario"
    for item in items:
        if item.solution is None:
            raise ExerciseError(f"{where}: {item.prompt.split('** ', 1)[-1]} It never happens in this run, so "
                                "there is no answer; choose other seeds or values, or widen the scenario")
    if spec.tune:
        for i, raw in enumerate(scenario.expect):
            feedback = lab.check(spec.tune, raw)
            if not feedback.passed:
                raise ExerciseError(f"{where}: the solution {written(dict(spec.tune))} does not pass expect[{i}]: "
                                    f"{feedback.message}")
        if variant is None and all(lab.check({}, raw).passed for raw in scenario.expect):
            warnings.append("every expectation already holds without any change: a student who changes nothing "
                            "gets every point; hand out a scenario that breaks one")


def _write_bundle(folder: Path, scenario_file: Path, notebook: nbformat.NotebookNode, name: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(scenario_file, folder / scenario_file.name)
    nbformat.write(notebook, folder / f"{name}.ipynb")
