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
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from hacourse.actions import fault_label
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
from hacourse.grading.notebook import Notebook, code, markdown, notebook, write
from hacourse.grading.roster import Issued, issued_path, read_roster, write_issued, write_manifest
from hacourse.model import Scenario
from hacourse.scenario.expect import EVENT_KEYS, PREDICATES

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
    points: int = 1  # 0: shown, not graded (`observe: true`)
    hint: str = ""  # what the answer is, in the answer cell: "a number of seconds after fault 0, e.g. ..."
    entry: Mapping | None = None  # the expect: entry it asks about


@dataclass(frozen=True)
class Variant:
    number: int
    seed: int
    settings: Mapping[str, object] = field(default_factory=dict)

    def label(self) -> str:
        extra = "".join(f", {k}={v}" for k, v in self.settings.items())
        return f"variant {self.number:02d} (seed {self.seed}{extra})"


def answer_variable(question: str) -> str:
    """The variable an answer cell sets, from its question's grade id: q3 -> answer_3 (an `expect:`
    entry), extra2 -> answer_extra_2 (a fixed-answer question of the exercise file)."""
    return f"answer_extra_{question[5:]}" if question.startswith("extra") else f"answer_{question[1:]}"


def entry_subject(entry: Mapping) -> tuple[str, str | None]:
    """(what the entry is about, what it says of it): ('host', 'becomes'), ('event', None), ..."""
    entry = {("on" if k is True else k): v for k, v in entry.items()}
    # `{event: HostFenced, host: pacific}` is about a record kind: `host` there is a field of it
    for key in EVENT_KEYS:
        if key in entry:
            return key, None
    for subject in SUBJECTS:
        if subject in entry:
            return subject, next((k for k in entry if k in PREDICATES[subject]), None)
    raise ExerciseError(f"expect entry {written(dict(entry))}: not about a host, a VM, the SPM or a record kind")


def sentence(entry: Mapping, scenario: Scenario, moved: Mapping[int, str | None] | None = None) -> str:
    """The entry as a statement about the run, for a true-or-false question; a form without
    wording here yet (a new kind of entry) is stated as written. `moved`: as `check.reference`'s."""
    entry = _run_keys(entry)
    subject, predicate = entry_subject(entry)
    name = entry.get(subject)
    value = entry.get(predicate) if predicate else None
    on = f" on {entry['on']}" if entry.get("on") else ""
    if subject in ("event", "never"):
        fields = {k: v for k, v in entry.items() if k not in (subject, "between", "after")}
        shown = f" with {written(fields)[1:-1]}" if fields else ""
        text = f"{'a' if subject == 'event' else 'no'} {name} record{shown} appears in the log"
    elif subject == "spm":
        said: dict[tuple[str, object], str] = {
            ("always", True): f"{name} holds the SPM role from start to end",
            ("elected", True): f"{name} is elected SPM during the run",
            ("elected", False): f"{name} is never elected SPM",
            ("ends", True): f"{name} holds the SPM role when the run ends",
            ("ends", False): f"{name} does not hold the SPM role when the run ends"}
        text = said.get((predicate or "", value), "")
    else:
        text = {"becomes": f"{name} turns {value}{on} at some point",
                "never_becomes": f"{name} never turns {value}",
                "ends": f"{name} ends the run {value}{on}",
                "always": f"{name} stays {value} from start to end",
                "paused": f"{name} {'pauses at some point' if value else 'never pauses'}",
                "starts_migrating_before": f"the engine starts migrating {name} before {value}"}.get(predicate or "", "")
    if not text:
        return f"this holds in the run: {written(entry)}"
    if "times" in entry or "at_least" in entry:
        count = f"exactly {entry['times']}" if "times" in entry else f"at least {entry['at_least']}"
        text = text.removesuffix(" at some point").replace(" record", " records").replace(" appears ", " appear ")
        text += f", {count} time{'' if entry.get('times', entry.get('at_least')) == 1 else 's'}"
    if isinstance(entry.get("before"), Mapping):
        other = sentence(entry["before"], scenario, moved).removesuffix(" at some point")
        text = text.removesuffix(" at some point") + f", before {other}"
    if "after" in entry:
        text += f", counting from {reference(entry, scenario, moved)}"
    if "between" in entry:
        lo, hi = entry["between"]
        text += f", {lo:g} to {hi:g} s after {'it' if 'after' in entry else 'the start'}"
    return text


def _how_many(entry: Mapping, scenario: Scenario, moved: Mapping[int, str | None] | None) -> str:
    """"How many times ...?" for an entry that counts (`times:`/`at_least:` left out)."""
    subject, _ = entry_subject(entry)
    if subject in ("event", "never"):
        fields = {k: v for k, v in entry.items() if k not in (subject, "between", "after")}
        what = f"How many {entry[subject]} records{' with ' + written(fields)[1:-1] if fields else ''} appear in the log"
    else:
        on = f" on {entry['on']}" if entry.get("on") else ""
        what = f"How many times does {entry[subject]} turn {entry.get('becomes')}{on}"
    if "between" in entry:
        lo, hi = entry["between"]
        what += f" {lo:g} to {hi:g} s after {reference(entry, scenario, moved)}"
    elif "after" in entry:
        what += f" after {reference(entry, scenario, moved)}"
    return what + "?"


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


EXERCISE_KEYS = ("why", "grade_tolerance", "observe")  # about the exercise, not the run: judges ignore them


def _run_keys(entry: Mapping) -> dict:
    """The entry as the run's judge reads it: `on` restored, the exercise's own keys left out."""
    return {("on" if k is True else k): v for k, v in entry.items() if k not in EXERCISE_KEYS}


def _tolerance(entry: Mapping) -> float:
    """How far from the run's time an answer may be: `grade_tolerance:`, else half the window."""
    if "grade_tolerance" in entry:
        return float(entry["grade_tolerance"])
    lo, hi = entry["between"]
    return max((hi - lo) / 2, 1.0)


def _timed(subject: str, predicate: str | None, entry: Mapping) -> bool:
    return ("between" in entry or "grade_tolerance" in entry) and (
        (subject, predicate) in TIMED or subject == "event" or (predicate == "paused" and entry["paused"] is True))


def graded_entries(scenario: Scenario, lab: Lab) -> list[dict]:
    """What the questions are about: the scenario's `expect:` entries; a scenario without any
    gets one question per VM and per host a fault touches (where each ends the run)."""
    if scenario.expect:
        return [dict(raw) for raw in scenario.expect]
    touched = [getattr(f, "host", None) for f in scenario.faults]
    hosts = [h.name for h in scenario.hosts if h.name in touched]
    return ([{"vm": vm.name, "ends": final_state(lab.run(), scenario, "vm", vm.name)[0]} for vm in scenario.vms]
            + [{"host": h, "ends": final_state(lab.run(), scenario, "host", h)[0]} for h in hosts])


def predict_items(scenario: Scenario, lab: Lab, entries: Sequence[Mapping] | None = None,
                  moved: Mapping[int, str | None] | None = None) -> list[Item]:
    """One question per entry (by default the scenario's `expect:`), its solution read off the
    instructor's run; an entry with `observe: true` is shown, not graded. `moved`: the faults
    whose time differs between the variants that read these questions (`moved_faults`)."""
    items = []
    chosen = [dict(raw) for raw in scenario.expect] if entries is None else entries
    for i, raw in enumerate(chosen):
        entry = _run_keys(raw)
        extra = {k: raw[k] for k in ("why", "grade_tolerance") if k in raw}
        subject, predicate = entry_subject(entry)
        n = i + 1
        answer = answer_variable(f"q{n}")
        observe = bool(raw.get("observe"))
        counted = "times" in entry or "at_least" in entry
        if observe:
            items.append(Item(f"observe{n}", f"**Watch (not graded).** Whether {sentence(entry, scenario, moved)}: "
                              "see it in the run at the end.", "", None, "", points=0))
        elif counted:
            verdict = lab.judge(entry)
            asked = {k: v for k, v in entry.items() if k not in ("times", "at_least")}
            items.append(Item(f"q{n}", f"**Question {n}.** {_how_many(asked, scenario, moved)}", answer, verdict.count,
                              f"feedback = lab.how_many({answer}, {({**entry, **extra})!r})",
                              hint=f"a whole number, e.g. {answer} = 2", entry=raw))
        elif _timed(subject, predicate, raw):
            tolerance = _tolerance(raw)
            asked = {k: v for k, v in entry.items() if k != "between"}
            verdict = lab.judge(asked)
            origin = reference(entry, scenario, moved)
            items.append(Item(f"q{n}", f"**Question {n}.** How many seconds after {origin} "
                              f"does {_happening(entry)}? Within {tolerance:g} s counts.", answer,
                              round(verdict.measured, 1) if verdict.measured is not None else None,
                              f"feedback = lab.when({answer}, {({**asked, **extra})!r}, tolerance={tolerance:g})",
                              hint=f"a number of seconds after {origin.split(' (')[0]}, e.g. {answer} = 75",
                              entry=raw))
        elif predicate == "ends" and subject in ("host", "vm"):
            status, host = final_state(lab.run(), lab.scenario, subject, entry[subject])
            shape = "'Up on HOST': the status, then the host" if subject == "vm" else "'Up'"
            items.append(Item(f"q{n}", f"**Question {n}.** In which status does {entry[subject]} end the run"
                              f"{', and on which host' if subject == 'vm' else ''}? Answer like {shape}.", answer,
                              f"{status} on {host}" if subject == "vm" else status,
                              f"feedback = lab.ends({answer}, {subject!r}, {entry[subject]!r}"
                              f"{', why=' + repr(raw['why']) if raw.get('why') else ''})",
                              hint=f"text: the status{' and the host' if subject == 'vm' else ''}, e.g. {answer} = "
                                   f"{'Up on hostA' if subject == 'vm' else 'Up'!r}", entry=raw))
        elif predicate == "starts_migrating_before":
            pair = sorted([entry["vm"], entry[predicate]])
            truth = next((v for v in pair if lab.first(v, pair).passed), NEITHER)
            items.append(Item(f"q{n}", f"**Question {n}.** Which VM does the engine start migrating first: "
                              f"{pair[0]} or {pair[1]}? Answer with its name, or {NEITHER!r} if it migrates "
                              "neither.", answer, truth, f"feedback = lab.first({answer}, {pair!r}"
                              f"{', why=' + repr(raw['why']) if raw.get('why') else ''})",
                              hint=f"a VM's name (text) or {NEITHER!r}, e.g. {answer} = {pair[0]!r}", entry=raw))
        else:
            verdict = lab.judge(entry)
            items.append(Item(f"q{n}", f"**Question {n}.** True or False: {sentence(entry, scenario, moved)}.", answer,
                              verdict.passed, f"feedback = lab.true_or_false({answer}, {({**entry, **extra})!r})",
                              hint=f"True or False, e.g. {answer} = True", entry=raw))
    return items


def moved_faults(base: Scenario, variants: Sequence[Scenario]) -> dict[int, str | None]:
    """The faults whose time (or what they do) differs between the variants: a text every variant
    shares (the notebook released to a roster, the hand-out) names them without the time, which is
    each student's own and printed by the notebook's overview. Each with its label when every
    variant's fault does the same thing, else None."""
    moved: dict[int, str | None] = {}
    for i, fault in enumerate(base.faults):
        others = [v.faults[i] if i < len(v.faults) else None for v in variants]
        labels = {fault_label(other) if other is not None else None for other in others} | {fault_label(fault)}
        if labels == {fault_label(fault)} and all(other.at == fault.at for other in others if other is not None):
            continue
        moved[i] = fault_label(fault) if len(labels) == 1 else None
    return moved


def tune_items(scenario: Scenario, spec: ExerciseSpec) -> list[Item]:
    """One graded check per `expect:` entry, of the run with the student's settings; an entry
    with `observe: true` is shown, not graded."""
    items = []
    for i, raw in enumerate(scenario.expect):
        entry = {("on" if k is True else k): v for k, v in raw.items() if k not in ("grade_tolerance", "observe")}
        why = f" ({entry['why']})" if entry.get("why") else ""
        shown = {k: v for k, v in entry.items() if k != "why"}
        if raw.get("observe"):
            items.append(Item(f"observe{i}", f"expect[{i}] {written(shown)}{why} (not graded)", "", None, "",
                              points=0))
            continue
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


def _checked(source: str) -> str:
    return (f"{source}\nprint(feedback)\n"
            "assert feedback.passed, \"read the feedback above, change your answer and run both cells again\"")


DEFAULT_INTRO = ("Read what the scenario holds, predict what the engine does, and write each answer in the cell "
                 "under its question; the cell after it checks your answer against the run.")


def instructor_notebook(scenario: Scenario, spec: ExerciseSpec, items: list[Item], file_name: str) -> Notebook:
    """The notebook with the solutions in place, nbgrader metadata on every cell. The intro is
    the exercise file's (`intro:`); the scenario's `description:` is the instructor's notes and
    often tells the outcome, so it is shown only when the exercise file says `show_description: true`."""
    title = spec.title or scenario.name
    intro = [f"# {title}", ""]
    if spec.show_description and scenario.description.strip():
        intro += [scenario.description.strip(), ""]
    intro += [(spec.intro or ("" if spec.tune else DEFAULT_INTRO)).strip(), ""]
    intro.append(f"The scenario is in `{file_name}`, beside this notebook: keep them together, and run the cells "
                 "from the top. Below, what the scenario holds.")
    cells = [markdown("\n".join(line for i, line in enumerate(intro) if line or intro[i - 1]), _meta("intro")),
             code(f"from hacourse.grading.assignment import Lab\n\nlab = Lab({file_name!r})\nprint(lab.overview())",
                  _meta("setup"))]
    watched = [item for item in items if item.points == 0]
    items = [item for item in items if item.points]
    if spec.tune:
        current = scenario.config().by_key()
        keys = "\n".join(f"- `{k}`" + (f" (now {current[k]!r})" if k in current else "") for k in spec.tune)
        goals = "\n".join(f"- {item.prompt}" for item in [*items, *watched] if item.answer in ("settings", ""))
        cells.append(markdown(
            "**Your task.** Choose the settings below so that every expectation holds when the scenario runs:\n\n"
            f"{keys}\n\nThe expectations, each checked by one cell below:\n\n{goals}\n\nWrite `settings` as a dict, "
            "e.g. `settings = {'NicDHCPDelayGraceInMS': 90}`; an engine-config key goes alone, anything else as a "
            "path (`cluster.resilience_policy`, `faults[0].at`).", _meta("task")))
        cells.append(code(f"# settings: a dict of setting -> value\n### BEGIN SOLUTION\nsettings = {dict(spec.tune)!r}"
                          "\n### END SOLUTION", _meta("settings", solution=True, locked=False)))
        cells.append(code("# try your settings: the run, as the Events tab shows it\nprint(lab.story(settings))",
                          _meta("try")))
        for item in items:
            if item.answer == "settings":
                cells.append(code(_checked(item.grade), _meta(item.grade_id, grade=True, points=item.points)))
        items = [item for item in items if item.answer != "settings"]
    elif items or watched:
        cells.append(markdown("**Predict before you run anything.** Answer each question in the cell "
                              "under it; the cell after checks the answer against the run.", _meta("task")))
        if watched:
            cells.append(markdown("\n\n".join(item.prompt for item in watched), _meta("watch")))
    for item in items:
        cells.append(markdown(item.prompt, _meta(f"{item.grade_id}-ask")))
        cells.append(code(f"# {item.answer}: {item.hint}\n### BEGIN SOLUTION\n{item.answer} = {item.solution!r}\n"
                          "### END SOLUTION", _meta(f"{item.grade_id}-answer", solution=True, locked=False)))
        cells.append(code(_checked(item.grade), _meta(item.grade_id, grade=True, points=item.points)))
    for k, question in enumerate(spec.questions, 1):
        answer = answer_variable(f"extra{k}")
        cells.append(markdown(f"**{question.ask}**", _meta(f"extra{k}-ask")))
        cells.append(code(f"# {answer}: your answer (text or a number)\n### BEGIN SOLUTION\n{answer} = "
                          f"{question.answer!r}\n### END SOLUTION",
                          _meta(f"extra{k}-answer", solution=True, locked=False)))
        cells.append(code(
            f"print('your answer:', repr({answer}))\n### BEGIN HIDDEN TESTS\n"
            f"{_checked(f'feedback = lab.answer({answer}, {question.answer!r})')}\n### END HIDDEN TESTS",
            _meta(f"extra{k}", grade=True, points=question.points)))
    cells.append(markdown("**Afterwards:** the run itself, as the Events tab shows it.", _meta("afterwards")))
    cells.append(code("print(lab.story(settings))" if spec.tune else "print(lab.story())", _meta("story")))
    return notebook(cells)


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
                  vary: tuple[str, Sequence[object]] | None = None, force: bool = False,
                  roster: str | Path | None = None) -> Built:
    """Write `out/instructor/`, `out/student/` and (with `variants`) `out/variants/NN/`, or (with
    `roster`, a CSV with a student_id column) one variant per student: `out/manifest.csv` and,
    beside both notebooks, the table the notebook finds its student's variant in
    (`hacourse.grading.roster`). Raises ScenarioError (the scenario, its expectations or its
    exercise file), RosterError or ExerciseError. Every variant is built in a folder beside `out`
    first: a run that fails leaves nothing behind, and `out` (with `force`) is replaced only once
    everything is made."""
    scenario_file, out = Path(scenario_file), Path(out)
    students = read_roster(roster) if roster is not None else None
    if students is not None:
        if variants and variants != len(students):
            raise ExerciseError(f"--roster makes one variant per student ({len(students)}); leave out --variants "
                                f"{variants}")
        variants = len(students)
    scenario, _ = load_expectations(scenario_file)
    spec = load_spec(scenario_file)
    if spec.tune and not scenario.expect:
        raise ExerciseError(f"{scenario_file}: a tune exercise is graded by the scenario's `expect:` entries; "
                            "the scenario has none: add some")
    if out.exists() and (not out.is_dir() or any(out.iterdir())) and not force:
        raise ExerciseError(f"{out}: already holds files; choose another folder, or --force to replace them")
    name = scenario_file.stem
    kind = "tune" if spec.tune else "predict"
    if spec.tune:
        varied(scenario, spec.tune, source=f"{scenario_file.parent / (name + '.exercise.yaml')}: tune")
    plan = variants_for(scenario, variants, seeds, vary)
    builds: list[tuple[Variant | None, Scenario]] = [(None, scenario)] + [(v, varied(scenario, {"seed": v.seed, **v.settings},
                                              source=f"{scenario_file} ({v.label()})")) for v in plan]
    made = [p for p in (out.parent, *out.parent.parents) if not p.exists()]
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    umask = os.umask(0)
    os.umask(umask)
    staging.chmod(0o777 & ~umask)  # as a folder made by mkdir, not mkdtemp's owner-only
    try:
        built = _build(scenario_file, staging, spec, builds, kind, students)
        if out.exists():
            shutil.rmtree(out) if out.is_dir() else out.unlink()
        staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        for folder in made:  # the folders this run made, innermost first, when still empty
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
        raise
    return Built(out, *built)


def _build(scenario_file: Path, out: Path, spec: ExerciseSpec, builds: list[tuple[Variant | None, Scenario]],
           kind: str, students: list[str] | None) -> tuple[str, int, int, list[Variant], list[str]]:
    name = scenario_file.stem
    file_name = f"{name}.yaml"
    warnings: list[str] = []
    notebooks = []
    entries: list[dict] = []
    moved = moved_faults(builds[0][1], [built for _, built in builds[1:]])
    for variant, built in builds:
        header = (f"Made by `hacourse exercise` from {scenario_file.name}"
                  + (f", {variant.label()}" if variant else "") + ".\nThe notebook beside it reads this file: "
                  "do not edit it.")
        folder = out / (f"variants/{variant.number:02d}" if variant else "instructor")
        folder.mkdir(parents=True)
        (folder / file_name).write_text(scenario_text(built, header, keep_expect=bool(spec.tune)), encoding="utf-8")
        lab = Lab(folder / file_name)
        if variant is None:
            entries = graded_entries(built, lab)
            if not entries and not spec.questions:
                raise ExerciseError(f"{scenario_file}: nothing to ask: add `expect:` entries to the scenario or "
                                    f"questions to {name}.exercise.yaml")
            if not built.expect:
                warnings.append(f"{scenario_file.name} has no `expect:` entries: the questions ask where each VM "
                                "(and each host a fault touches) ends the run; add entries to ask more")
        # the instructor's notebook is the one released to a roster, the hand-out everyone's: in them a
        # fault whose time varies is named without it; a variant's own notebook names its own time
        items = tune_items(built, spec) if spec.tune else predict_items(built, lab, entries,
                                                                         moved if variant is None else None)
        _verify(lab, built, spec, items, variant, warnings)
        notebooks.append((variant, folder, items, instructor_notebook(built, spec, items, file_name)))
    for variant, folder, _, book in notebooks:
        student = student_copy(book, f"{name}.ipynb")
        if variant is None:
            write(book, folder / f"{name}.ipynb")
            (out / "student").mkdir()
            shutil.copy(folder / file_name, out / "student" / file_name)
            write(student, out / "student" / f"{name}.ipynb")
        elif students is None:
            write(student, folder / f"{name}.ipynb")
    plan = [variant for variant, *_ in notebooks if variant is not None]
    _write_people_pages(out, spec, notebooks[0][1] / file_name, notebooks[0][2], notebooks[1:], students, moved)
    if students is not None:
        shutil.rmtree(out / "variants")  # each student's variant is made again from the table, by the notebook
        issued = {s: Issued(v.number, v.seed, dict(v.settings)) for s, v in zip(students, plan, strict=True)}
        for where in ("instructor", "student"):
            write_issued(issued_path(out / where / file_name), name, issued)
        fixed = [(f"extra{k}", question.answer) for k, question in enumerate(spec.questions, 1)]
        answers = {s: [(item.grade_id, item.solution) for item in items if item.points] + fixed
                   for s, (_, _, items, _) in zip(students, notebooks[1:], strict=True)}
        write_manifest(out / "manifest.csv", issued, answers)
    if plan:
        warnings += _answer_warnings([(v, items) for v, _, items, _ in notebooks if v is not None])
    if plan and students is None:
        with open(out / "variants.csv", "w", newline="", encoding="utf-8") as table:
            keys = list(plan[0].settings)
            writer = csv.writer(table)
            writer.writerow(["variant", "folder", "seed", *keys])
            for v in plan:
                writer.writerow([v.number, f"variants/{v.number:02d}", v.seed, *v.settings.values()])
    graded = [c for c in notebooks[0][3]["cells"] if c["metadata"].get("nbgrader", {}).get("grade")]
    points = sum(c["metadata"]["nbgrader"]["points"] for c in graded)
    return kind, len(graded), points, plan, warnings


def _write_people_pages(out: Path, spec: ExerciseSpec, scenario_file: Path, items: list[Item],
                        variants: list, students: list[str] | None, moved: Mapping[int, str | None]) -> None:
    """`handout.html` for the students (no answers) and `walkthrough.md` for the instructor."""
    from collections import Counter

    from hacourse.grading.handout import handout_html, walkthrough_md

    lab = Lab(scenario_file)
    scenario = lab.scenario
    title = spec.title or scenario.name
    graded = [item for item in items if item.points]
    questions = [(item.prompt, f"{item.answer} = ... ({item.hint.split(', e.g.')[0]})" if item.hint else "")
                 for item in graded]
    questions += [(f"**{q.ask}**", "") for q in spec.questions]
    questions += [(item.prompt, "") for item in items if not item.points]
    note = ("Your notebook runs your own variant of this scenario (its seed and settings differ from your "
            "neighbours'): read the numbers there." if students or variants else "")
    story = (spec.intro or ("" if spec.tune else DEFAULT_INTRO)).strip()
    if spec.show_description:
        story = scenario.description.strip() + "\n\n" + story
    (out / "handout.html").write_text(handout_html(title, story, scenario, lab.overview(moved), questions, note),
                                      encoding="utf-8")
    rows = []
    for item in graded:
        row = {"question": item.grade_id, "prompt": item.prompt, "answer": item.solution, "entry": None}
        if item.entry is not None:
            entry = {k: v for k, v in item.entry.items() if k not in ("between", "grade_tolerance", "observe")}
            verdict = lab.judge(entry)
            after = entry.get("after")
            origin = scenario.faults[after["fault"]].at if isinstance(after, Mapping) else 0.0
            row.update(entry=entry, why=item.entry.get("why", ""), seen=verdict.seen,
                       at=None if verdict.measured is None else origin + verdict.measured)
        rows.append(row)
    spread: dict[str, str] = {}
    for index, item in enumerate(graded):
        values = [[i for i in v_items if i.points][index].solution for _, _, v_items, _ in variants]
        if not values:
            continue
        if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            spread[item.grade_id] = f"{min(values):g} to {max(values):g} s"
        else:
            spread[item.grade_id] = ", ".join(f"{v!r} ({n})" for v, n in Counter(map(str, values)).most_common())
    (out / "walkthrough.md").write_text(walkthrough_md(title, scenario, lab.run(), rows, spread), encoding="utf-8")


def _answer_warnings(made: list[tuple[Variant, list[Item]]]) -> list[str]:
    """Variants a neighbour could copy: the same answers to every question, or a question whose
    tolerance is wider than the spread of its answers across the variants."""
    warnings = []
    same: dict[tuple, list[Variant]] = {}
    for variant, items in made:
        key = tuple(repr(item.solution) for item in items if item.points and item.answer != "settings")
        if key:
            same.setdefault(key, []).append(variant)
    for group in same.values():
        if len(group) > 1:
            warnings.append(f"variants {', '.join(f'{v.number:02d}' for v in group)} have the same answers to every "
                            "question: a student could copy another's; vary a setting (--vary) or choose other seeds")
    for index, item in enumerate(made[0][1]):
        tolerance = _grade_tolerance(item)
        if tolerance is None or len(made) < 2:
            continue
        values = [v for _, items in made if isinstance(v := items[index].solution, int | float)]
        if len(values) < len(made):
            continue  # a variant whose answer is no number of seconds: no spread to compare
        spread = max(values) - min(values)
        if tolerance >= spread:
            passing = sum(abs(a - b) <= tolerance for i, a in enumerate(values) for j, b in enumerate(values) if i != j)
            pairs = len(values) * (len(values) - 1)
            warnings.append(f"question {item.grade_id[1:]}: its answers across the {len(values)} variants span "
                            f"{min(values):g}-{max(values):g} s ({spread:g} s), within its tolerance of "
                            f"{tolerance:g} s: a neighbour's answer passes ({passing} of {pairs} pairs); give the "
                            f"entry a smaller `grade_tolerance:` or vary a setting that moves it (--vary)")
    return warnings


def _grade_tolerance(item: Item) -> float | None:
    """The tolerance of a question that asks for a number of seconds."""
    if "tolerance=" not in item.grade or not isinstance(item.solution, int | float):
        return None
    return float(item.grade.rsplit("tolerance=", 1)[1].rstrip(")"))


def _verify(lab: Lab, scenario: Scenario, spec: ExerciseSpec, items: list[Item], variant: Variant | None,
            warnings: list[str]) -> None:
    """Every answer can be read off this variant's run, and the solution gets every point."""
    where = variant.label() if variant else "the scenario"
    for item in items:
        if item.points and item.answer != "settings" and item.solution is None:
            raise ExerciseError(f"{where}: {item.prompt.split('** ', 1)[-1]} It never happens in this run, so "
                                "there is no answer; choose other seeds or values, widen the scenario, or mark the "
                                "entry `observe: true`")
    if spec.tune:
        for i, raw in enumerate(scenario.expect):
            if raw.get("observe"):
                continue
            feedback = lab.check(spec.tune, raw)
            if not feedback.passed:
                raise ExerciseError(f"{where}: the solution {written(dict(spec.tune))} does not pass expect[{i}]: "
                                    f"{feedback.message}")
        if variant is None and all(lab.check({}, raw).passed for raw in scenario.expect if not raw.get("observe")):
            warnings.append("every expectation already holds without any change: a student who changes nothing "
                            "gets every point; hand out a scenario that breaks one")
