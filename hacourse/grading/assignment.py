"""Exercises made from any scenario: its own `expect:` entries are the grader.

`hacourse exercise lab.yaml -o out/` writes the notebooks (`hacourse.grading.exercise_book`); this module
is what their cells call in the student's kernel. It reads the scenario file that travels with
the notebook, so each student's copy grades against that student's variant (another seed, another
value of a setting), and the answers are read off the run at grading time: nothing to look up in
the bundle.

Two kinds of exercise, chosen by the optional `lab.exercise.yaml` beside the scenario:

- **Predict** (no `tune:`): each `expect:` entry becomes a question about the run: *when* (an
  entry with a `between:` window: the answer is within half the window's width of what the run
  shows), *how does it end* (`ends:`), *which first* (`starts_migrating_before:`), or true or
  false (the rest). The student's scenario file has no `expect:`: the questions replace it.
- **Tune** (`tune: {KEY: value}`, the solution): the student chooses those settings; every
  `expect:` entry is one graded check of the run with them. The settings go through the loader,
  so an impossible value gets the loader's message, naming the setting.

`questions:` in the same file adds questions with fixed answers; nbgrader keeps those answers in
hidden tests, so the student's copy never holds them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import yaml

from hacourse import events as ev
from hacourse.actions import fault_label
from hacourse.engine import simulate
from hacourse.grading.exercises import Feedback
from hacourse.grading.expectations import Verdict, evaluate, parse_expectations, written
from hacourse.grading.roster import Issued, issued_path, issued_to, student_id
from hacourse.model import Scenario
from hacourse.scenario import ScenarioError, load_scenario, to_data, vary
from hacourse.scenario.checker import did_you_mean
from hacourse.scenario.errors import FILE, SCHEMA, Problem

SPEC_SUFFIX = ".exercise.yaml"
SPEC_KEYS = ("title", "intro", "show_description", "tune", "questions")
QUESTION_KEYS = ("ask", "answer", "points")
TIMED = {("host", "becomes"), ("vm", "becomes"), ("spm", "elected")}
NEITHER = "neither"


# ---- the exercise file beside the scenario --------------------------------------------------

@dataclass(frozen=True)
class Question:
    """A question with a fixed answer, written by the instructor."""

    ask: str
    answer: object
    points: int = 1


@dataclass(frozen=True)
class ExerciseSpec:
    title: str = ""
    intro: str = ""
    tune: Mapping[str, object] | None = None  # the settings the student chooses, with the solution's values
    questions: tuple[Question, ...] = ()
    show_description: bool = False  # the scenario's description: often tells the outcome; shown only when asked


def spec_path(scenario_file: str | Path) -> Path:
    path = Path(scenario_file)
    return path.with_name(path.stem + SPEC_SUFFIX)


def is_spec(path: str | Path) -> bool:
    """Whether a file is an exercise file (`lab.exercise.yaml`), not a scenario."""
    return str(path).endswith(SPEC_SUFFIX)


def load_spec(scenario_file: str | Path) -> ExerciseSpec:
    """`lab.exercise.yaml` beside `lab.yaml`, checked; none is an exercise of the predict kind."""
    path = spec_path(scenario_file)
    return read_spec(path) if path.is_file() else ExerciseSpec()


def read_spec(path: str | Path) -> ExerciseSpec:
    """An exercise file, checked; raises ScenarioError naming every problem with its line and column."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text) or {}
    except OSError as error:
        raise ScenarioError([Problem(source, None, None, "", f"cannot read the file: {error.strerror or error}",
                                     FILE)]) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise ScenarioError([Problem(source, mark.line + 1 if mark else None, mark.column + 1 if mark else None,
                                     "", f"not valid YAML: {getattr(error, 'problem', error)}", FILE)]) from None
    marks = _marks(root)
    problems = []

    def bad(field: str, message: str) -> None:
        line, column = marks.get(field, marks.get(field.rsplit(".", 1)[0], (None, None)))
        problems.append(Problem(source, line, column, field, message, SCHEMA))

    if not isinstance(data, dict):
        bad("", "expected a mapping with " + ", ".join(SPEC_KEYS))
        raise ScenarioError(problems)
    for key in data:
        if key not in SPEC_KEYS:
            bad(str(key), f"unknown key; allowed: {', '.join(SPEC_KEYS)}{did_you_mean(key, SPEC_KEYS)}")
    for key in ("title", "intro"):
        if not isinstance(data.get(key, ""), str):
            bad(key, f"expected text, found {data[key]!r}")
    if not isinstance(data.get("show_description", False), bool):
        bad("show_description", f"expected true or false, found {data['show_description']!r}")
    tune = data.get("tune")
    if tune is not None and (not isinstance(tune, dict) or not tune):
        bad("tune", "expected the settings the student chooses, with the solution's values: "
                    f"{{NicDHCPDelayGraceInMS: 180}}; found {tune!r}")
    questions = []
    given = data.get("questions") or []
    if not isinstance(given, list):
        bad("questions", "expected a list of {ask: TEXT, answer: VALUE, points: N}")
        given = []
    for i, q in enumerate(given):
        if not isinstance(q, dict) or "ask" not in q or "answer" not in q:
            bad(f"questions[{i}]", "expected {ask: TEXT, answer: VALUE, points: N}")
            continue
        for key in q:
            if key not in QUESTION_KEYS:
                bad(f"questions[{i}].{key}", f"unknown key; allowed: {', '.join(QUESTION_KEYS)}"
                                             f"{did_you_mean(key, QUESTION_KEYS)}")
        points = q.get("points", 1)
        if not isinstance(points, int) or isinstance(points, bool) or points < 1:
            bad(f"questions[{i}].points", f"expected a whole number of points, 1 or more; found {points!r}")
        questions.append(Question(str(q["ask"]), q["answer"], points if isinstance(points, int) else 1))
    if problems:
        raise ScenarioError(sorted(problems, key=lambda p: (p.line or 0, p.column or 0)))
    return ExerciseSpec(data.get("title", ""), data.get("intro", ""), tune, tuple(questions),
                        data.get("show_description", False))


def _marks(root: yaml.Node | None) -> dict[str, tuple[int, int]]:
    """Line and column of each key's value and of each question and its keys, for messages."""
    marks: dict[str, tuple[int, int]] = {}

    def at(node: yaml.Node) -> tuple[int, int]:
        return node.start_mark.line + 1, node.start_mark.column + 1

    if isinstance(root, yaml.MappingNode):
        for key, value in root.value:
            marks[str(key.value)] = at(key if str(key.value) not in SPEC_KEYS else value)
            if key.value == "questions" and isinstance(value, yaml.SequenceNode):
                for i, item in enumerate(value.value):
                    marks[f"questions[{i}]"] = at(item)
                    for k, v in item.value if isinstance(item, yaml.MappingNode) else ():
                        marks[f"questions[{i}].{k.value}"] = at(k if str(k.value) not in QUESTION_KEYS else v)
    return marks


# ---- settings ---------------------------------------------------------------------------------

def varied(scenario: Scenario, settings: Mapping[str, object], source: str | None = None) -> Scenario:
    """The scenario with each setting (an engine-config key alone, or a path of
    `hacourse.scenario.vary`) in place, through the loader's checks: an impossible value raises
    ScenarioError with the loader's message, naming the setting."""
    from hacourse.study.sweep import setting_path

    return vary(scenario, {setting_path(key, scenario): value for key, value in settings.items()}, source=source)


def scenario_text(scenario: Scenario, header: str = "", keep_expect: bool = True) -> str:
    """A scenario as a file, keys in the definition's order, with a comment on top."""
    data = to_data(scenario)
    if not keep_expect:
        data.pop("expect", None)
    body = yaml.safe_dump(data, sort_keys=False, default_flow_style=None, width=100, allow_unicode=True)
    return "".join(f"# {line}\n" if line else "#\n" for line in header.splitlines()) + body


# ---- in the student's kernel ------------------------------------------------------------------

class Lab:
    """The exercise's scenario, read from the file beside the notebook, and its graders.

    With a roster, `NAME.variants.json` lies beside the scenario: the Lab then runs the variant
    issued to the student it runs for (`roster.student_id`: the JupyterHub user, or under
    nbgrader's autograde the submission's folder), made again from the scenario and the seed and
    settings the table gives; someone not on the roster (the instructor) gets the scenario as it is.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        table = issued_path(self.path)
        self.on_roster = table.is_file()
        self.student = student_id() if self.on_roster else None
        self._set(issued_to(table, self.student) if self.on_roster else None)

    @classmethod
    def for_student(cls, path: str | Path, student: str, issued: Issued | None) -> Lab:
        """The Lab of one student's variant, as the grader makes it from the manifest (`issued`;
        None: the scenario as written), whatever lies beside the scenario file."""
        lab = cls.__new__(cls)
        lab.path, lab.on_roster, lab.student = Path(path), True, student
        lab._set(issued)
        return lab

    def _set(self, issued: Issued | None) -> None:
        base = load_scenario(self.path)
        self.issued = issued
        self.scenario = base if issued is None else varied(
            base, {"seed": issued.seed, **issued.settings}, source=f"{self.path.name}, {issued.label()}")
        self._runs: dict[str, list[ev.Record]] = {}

    def variant(self, settings: Mapping[str, object] | None = None) -> Scenario:
        """The scenario with the student's settings, through the loader: an impossible value
        raises ScenarioError with the loader's message, naming the setting."""
        if not settings:
            return self.scenario
        return varied(self.scenario, settings, source=f"{self.path.name} with {written(dict(settings))}")

    def run(self, settings: Mapping[str, object] | None = None) -> list[ev.Record]:
        """The event log of the scenario (with `settings`), at the scenario's seed; runs once per settings."""
        key = written(dict(settings or {}))
        if key not in self._runs:
            self._runs[key] = simulate(self.variant(settings))
        return self._runs[key]

    def story(self, settings: Mapping[str, object] | None = None, only: Sequence[str] = ()) -> str:
        from hacourse.grading.exercises import story

        return story(self.variant(settings), seed=self.scenario.seed, only=only)

    def overview(self, moved: Mapping[int, str | None] | None = None) -> str:
        """What the student needs before predicting: hosts, VMs, faults, the engine era, the seed.
        `moved` (the hand-out's, shared by every variant): faults whose time is each variant's own,
        shown without it."""
        s = self.scenario
        lines = []
        if self.issued is not None:
            lines.append(f"Your {self.issued.label()}, issued to {self.student}: your numbers are your own.")
        elif self.on_roster:
            lines.append(f"{self.student or 'this user'} is not on this exercise's roster: this is the scenario as "
                         "written, not a student's variant; ask your instructor if you are a student.")
        lines.append(f"{s.name}  ({s.engine_profile}, {s.duration:g} s simulated, seed {s.seed})")
        for host in s.hosts:
            nics = ", ".join(f"{nic}: {net}" for nic, net in host.nics.items())
            spm = "  (SPM)" if host.name == s.spm else ""
            lines.append(f"host {host.name:10} {host.memory_gb:g} GiB, spm_priority {host.spm_priority}, "
                         f"power management: {host.power_management}, NICs {nics}{spm}")
        for vm in s.vms:
            lines.append(f"vm   {vm.name:10} on {vm.host}, {vm.memory_gb:g} GiB, HA: {vm.ha}, priority "
                         f"{vm.priority}, writes: {vm.writes}")
        for i, f in enumerate(s.faults):
            if moved and i in moved:
                label = moved[i]
                lines.append(f"fault {i}: at your variant's own time (your notebook prints it), {label}" if label
                             else f"fault {i}: your variant's own (your notebook prints it)")
            else:
                lines.append(f"fault {i}: at {f.at:g} s, {fault_label(f)}")
        return "\n".join(lines)

    # -- graders --

    def judge(self, entry: Mapping, settings: Mapping[str, object] | None = None) -> Verdict:
        """One `expect:`-style entry judged on the run (with `settings`); the exercise's own keys
        (`grade_tolerance`, `observe`) are not about the run and are left out."""
        entry = {k: v for k, v in entry.items() if k not in ("grade_tolerance", "observe")}
        # expect entries are checked by parse_expectations, not by the loader: one entry, checked here
        checked = replace(self.variant(settings), expect=(dict(entry),))
        expectation = parse_expectations(checked)[0]
        return evaluate(self.run(settings), checked, [expectation])[0]

    def check(self, settings: Mapping[str, object], entry: Mapping) -> Feedback:
        """Tune: does this expectation hold in the run with the student's settings?"""
        if not isinstance(settings, Mapping):
            return Feedback(False, "format", "write the settings as a dict, e.g. {'NicDHCPDelayGraceInMS': 90}")
        try:
            verdict = self.judge(entry, settings)
        except ScenarioError as error:
            problems = "; ".join(f"{p.path}: {p.message}" if p.path else p.message for p in error.problems)
            return Feedback(False, "invalid", f"those settings do not make a valid scenario: {problems}")
        why = f" ({verdict.why})" if verdict.why and not verdict.passed else ""
        return Feedback(verdict.passed, "correct" if verdict.passed else "expectation",
                        f"{verdict.written}: {verdict.seen}{why}")

    def when(self, answer: object, entry: Mapping, tolerance: float) -> Feedback:
        """Predict: how many seconds after the entry's reference does it happen?"""
        if isinstance(answer, bool) or not isinstance(answer, int | float):
            return Feedback(False, "format", "answer with a number of seconds, e.g. 75")
        verdict = self.judge({k: v for k, v in entry.items() if k not in ("between", "why")})
        if verdict.measured is None:
            return Feedback(False, "never", f"in this run it never happens: {verdict.seen}")
        off = answer - verdict.measured
        if abs(off) <= tolerance:
            return Feedback(True, "correct", f"{verdict.seen}; your {answer:g} s is within {tolerance:g} s"
                            + _why(entry))
        return Feedback(False, "early" if off < 0 else "late",
                        f"{answer:g} s is {abs(off):g} s too {'early' if off < 0 else 'late'} (within {tolerance:g} s "
                        "counts). " + _after_grading(verdict.seen, entry, "Which timers run between the fault and "
                                                     "this change, and when does the engine first notice?"))

    def ends(self, answer: object, subject: str, name: str, why: str = "") -> Feedback:
        """Predict: the status a host or VM ends in (a VM's with its host: 'Up on atlantic')."""
        status, host = final_state(self.run(), self.scenario, subject, name)
        truth = f"{status} on {host}" if subject == "vm" else status
        if not isinstance(answer, str):
            return Feedback(False, "format", f"answer with text, e.g. '{truth if subject == 'host' else 'Up on hostA'}'")
        said = answer.strip().split()
        right = said[:1] == [status] and (subject != "vm" or said[-1:] == [host])
        if right:
            return Feedback(True, "correct", f"{name} ended {truth}" + _why({"why": why}))
        return Feedback(False, "wrong", f"'{answer}' is not how {name} ends. " + _after_grading(
            f"{name} ended {truth}", {"why": why}, "Look at what happens to it after the fault"))

    def first(self, answer: object, vms: Sequence[str], why: str = "") -> Feedback:
        """Predict: which of two VMs the engine starts migrating first ('neither' when it migrates neither)."""
        started = [r.vm for r in self.run() if isinstance(r, ev.MigrationStarted) and r.vm in vms]
        truth = started[0] if started else NEITHER
        seen = (f"the engine starts migrating {truth} first" if started else
                f"the engine migrates neither {' nor '.join(vms)} in this run")
        if answer not in (*vms, NEITHER):
            return Feedback(False, "format", f"answer with {', '.join(repr(v) for v in vms)} or {NEITHER!r}")
        if answer == truth:
            return Feedback(True, "correct", seen + _why({"why": why}))
        return Feedback(False, "wrong", f"{answer} is not it. " + _after_grading(
            seen, {"why": why}, "What orders the migrations off a host, and which VMs can the engine migrate at all?"))

    def how_many(self, answer: object, entry: Mapping) -> Feedback:
        """Predict: how many times does it happen (an entry with `times:` or `at_least:`)?"""
        if isinstance(answer, bool) or not isinstance(answer, int):
            return Feedback(False, "format", "answer with a whole number, e.g. 2")
        verdict = self.judge(entry)
        if answer == verdict.count:
            return Feedback(True, "correct", verdict.seen.split("; expected")[0] + _why(entry))
        return Feedback(False, "fewer" if answer > (verdict.count or 0) else "more",
                        f"{answer} is not it. " + _after_grading(verdict.seen.split("; expected")[0], entry,
                                                                 "Which timer repeats, and how often in this run?"))

    def true_or_false(self, answer: object, entry: Mapping) -> Feedback:
        """Predict: does this statement about the run hold?"""
        if not isinstance(answer, bool):
            return Feedback(False, "format", "answer True or False")
        verdict = self.judge(entry)
        right = answer == verdict.passed
        if right:
            return Feedback(True, "correct", verdict.seen + _why(entry))
        return Feedback(False, "wrong", f"not {answer}. " + _after_grading(verdict.seen, entry, "Look at the run again"))

    def answer(self, answer: object, expected: object) -> Feedback:
        """A question with a fixed answer (kept in nbgrader's hidden tests)."""
        same = answer == expected or (isinstance(answer, str) and isinstance(expected, str)
                                      and answer.strip().lower() == expected.strip().lower())
        return Feedback(same, "correct" if same else "wrong", "that is the answer" if same else "not that one")


def grading_now() -> bool:
    """Whether nbgrader is autograding this notebook (it sets NBGRADER_EXECUTION=autograde): the
    feedback may then show what the run showed; while the student works, it only hints."""
    return os.environ.get("NBGRADER_EXECUTION") == "autograde"


def _why(entry: Mapping) -> str:
    return f". Why it matters: {entry['why']}" if entry.get("why") else ""


def _after_grading(seen: str, entry: Mapping, hint: str) -> str:
    """A wrong answer's feedback: a hint while the student works; once graded, what the run showed
    and the instructor's `why:`."""
    if grading_now():
        return f"What the run showed: {seen}{_why(entry)}"
    return hint


def final_state(log: Sequence[ev.Record], scenario: Scenario, subject: str, name: str) -> tuple[str, str | None]:
    """The status a host or VM ends the run in, and (for a VM) its host."""
    kind, field = (ev.HostStatusChanged, "host") if subject == "host" else (ev.VmStatusChanged, "vm")
    changes = [r for r in log if isinstance(r, kind) and getattr(r, field) == name]
    if changes:
        return changes[-1].new, getattr(changes[-1], "host", None) if subject == "vm" else None
    vm = next((v for v in scenario.vms if v.name == name), None)
    return "Up", vm.host if vm and subject == "vm" else None
