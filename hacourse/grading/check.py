"""`hacourse check`: run scenarios, judge their `expect:` entries, compare their golden logs.

One seed prints every verdict with what the run showed. Several seeds (`--seeds 0-99`) is how an
instructor learns the tolerance a window needs: the seed moves the poll phases and the ties, so
the report gives, per expectation, in how many runs it held, which seeds broke it, and for an
entry about *when* something happens the spread of that time across the runs (with `--suggest`,
a window that covers it). A tolerance is then read off data, not guessed from one run.
"""

from __future__ import annotations

import math
import re
import statistics
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from hacourse.actions import fault_label
from hacourse.grading.expectations import Expectation, Verdict, evaluate, load_expectations, written
from hacourse.model import Scenario

PASSED, FAILED, BAD_INPUT = 0, 1, 2
POLL_KEY = "VdsRefreshRate"  # the engine's host poll interval: the seed moves every timer by up to one
_SEEDS = re.compile(r"^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$")


def parse_seeds(text: str) -> list[int]:
    """`0-99`, `3`, `0,5,7` or `0-4,10-12` as a list of seeds, in the order written, without repeats."""
    seeds: list[int] = []
    for part in text.split(","):
        match = _SEEDS.match(part)
        if match is None or (match.group(2) is not None and int(match.group(2)) < int(match.group(1))):
            raise ValueError(f"seeds {text!r}: expected numbers and ranges such as 0-99, 3 or 0-4,10 "
                             f"(a range goes up: lo-hi); found {part.strip()!r}")
        lo = int(match.group(1))
        hi = lo if match.group(2) is None else int(match.group(2))
        seeds += [s for s in range(lo, hi + 1) if s not in seeds]
    return seeds


def seed_ranges(seeds: Sequence[int]) -> str:
    """The seeds written back as ranges: [0, 1, 2, 5] -> '0-2, 5'."""
    parts: list[str] = []
    run: list[int] = []
    for seed in sorted(seeds):
        if run and seed != run[-1] + 1:
            parts.append(_span(run))
            run = []
        run.append(seed)
    if run:
        parts.append(_span(run))
    return ", ".join(parts)


def _span(run: list[int]) -> str:
    return str(run[0]) if len(run) == 1 else f"{run[0]}-{run[-1]}"


@dataclass
class Tally:
    """One expectation over many runs: which seeds it held for, and what each run measured."""

    expectation: Expectation
    held: list[int] = field(default_factory=list)
    failed: list[tuple[int, Verdict]] = field(default_factory=list)
    measured: list[float] = field(default_factory=list)

    def add(self, seed: int, verdict: Verdict) -> None:
        if verdict.passed:
            self.held.append(seed)
        else:
            self.failed.append((seed, verdict))
        if verdict.measured is not None:
            self.measured.append(verdict.measured)


def reference(entry: Mapping, scenario: Scenario, moved: Mapping[int, str | None] | None = None) -> str:
    """What an entry's time is counted from, in words: its fault, or the start of the run (for an
    order, `before:`, the first of the two). `moved`: the faults whose time differs between the
    variants a shared text is read by (`hacourse exercise --vary faults[0].at`), each with its
    label when every variant's fault does the same: named without a time, which is each
    student's own."""
    if "before" in entry:
        return "the first of the two, until the second"
    after = entry.get("after")
    if isinstance(after, Mapping) and isinstance(after.get("fault"), int):
        if moved and after["fault"] in moved:
            label = moved[after["fault"]]
            return (f"fault {after['fault']} ({label}, at your variant's own time: see the overview)" if label
                    else f"fault {after['fault']} (your variant's own: see the overview)")
        fault = scenario.faults[after["fault"]]
        return f"fault {after['fault']} ({fault_label(fault)} at {fault.at:g} s)"
    return "the start"


def suggested_window(measured: Sequence[float], scenario: Scenario) -> tuple[int, int]:
    """Whole seconds around every measured time, one engine poll wider on each side: the seed
    moves a timer by up to one poll, and the seeds tried are a sample, not every phase."""
    poll = float(scenario.config().VdsRefreshRate)
    return max(0, math.floor(min(measured) - poll)), math.ceil(max(measured) + poll)


def check_files(paths: Sequence[str | Path], seeds: Sequence[int] | None = None,
                golden: bool | str | Path = False, update: bool = False, suggest: bool = False,
                quiet: bool = False, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    """Run each scenario at each seed (default: the scenario's own), judge its expectations and,
    with `golden` (True: the golden log beside the scenario; a path: that folder or file), compare
    or (`update`) write its golden log. Returns the exit status: 0 when everything holds (a file
    without `expect:` has nothing to break), 1 when something does not, 2 when a file cannot be
    checked (a bad scenario or expectation, a missing golden log)."""
    from hacourse.scenario import ScenarioError

    status = PASSED
    for path in paths:
        try:
            scenario, expectations = load_expectations(path)
        except ScenarioError as error:
            print(error, file=err)
            status = BAD_INPUT
            continue
        runs = list(seeds or [scenario.seed])
        checker = _FileCheck(str(path), scenario, expectations, golden, update, quiet, out)
        for seed in runs:
            checker.run(seed, detailed=len(runs) == 1)
        if len(runs) > 1:
            checker.summary(runs, suggest)
        elif suggest and not quiet:
            print("  --suggest reads the spread of several runs: add --seeds 0-99", file=out)
        status = max(status, checker.status)
    return status


class _FileCheck:
    """The runs of one scenario file, and what they print."""

    def __init__(self, path: str, scenario: Scenario, expectations: list[Expectation],
                 golden: bool | str | Path, update: bool, quiet: bool, out: TextIO) -> None:
        self.path, self.scenario, self.expectations = path, scenario, expectations
        self.golden, self.update, self.quiet, self.out = golden, update, quiet, out
        self.tallies = [Tally(e) for e in expectations]
        self.golden_same = 0
        self.status = PASSED

    def say(self, text: str, always: bool = False) -> None:
        if always or not self.quiet:
            print(text, file=self.out)

    def run(self, seed: int, detailed: bool) -> None:
        from hacourse.engine import simulate

        log = simulate(self.scenario, seed=seed)
        verdicts = evaluate(log, self.scenario, self.expectations)
        for tally, verdict in zip(self.tallies, verdicts, strict=True):
            tally.add(seed, verdict)
        failed = [v for v in verdicts if not v.passed]
        if failed:
            self.status = max(self.status, FAILED)
        if detailed:
            if not verdicts:
                summary = "no expectations to judge (add an `expect:` list to the scenario to check its outcomes)"
            elif failed:
                summary = f"{len(failed)} of {len(verdicts)} expectations FAILED"
            else:
                summary = f"all {len(verdicts)} expectations hold"
            self.say(f"{self.path}, seed {seed}: {summary}", always=bool(failed))
            for verdict in verdicts:
                self.say(f"  {verdict}".replace("\n", "\n  "), always=not verdict.passed)
        if self.golden is not False:
            self._golden(log, seed, detailed)

    def _golden(self, log: list, seed: int, detailed: bool) -> None:
        from hacourse.events import to_jsonl
        from hacourse.grading.golden import MISSING, compare_golden, golden_for, write_golden

        given = self.golden if isinstance(self.golden, str | Path) else None  # True: beside the scenario
        target = golden_for(self.path, seed, self.scenario.seed, given)
        seed_flag = "" if seed == self.scenario.seed else f" --seed {seed}"
        where = "" if given is None else f" {given}"
        hint = f"hacourse check --golden{where} --update{seed_flag} {self.path}"
        if self.update:
            write_golden(to_jsonl(log), target)
            self.say(f"  golden log written: {target} ({len(log)} records)")
            return
        result = compare_golden(to_jsonl(log), target, hint)
        if result.same:
            self.golden_same += 1
            if detailed:
                self.say(f"  golden log: identical to {target} ({len(log)} records)")
            return
        prefix = "" if detailed else f"{self.path}, seed {seed}: "
        self.say(f"  {prefix}GOLDEN {result.report}".replace("\n", "\n  "), always=True)
        self.status = max(self.status, BAD_INPUT if result.status == MISSING else FAILED)

    def summary(self, seeds: list[int], suggest: bool) -> None:
        """Per expectation across the runs: how often it held, the seeds that broke it, the spread."""
        runs = len(seeds)
        broken = [t for t in self.tallies if t.failed]
        if not self.tallies:
            head = "no expectations to judge (add an `expect:` list to the scenario to check its outcomes)"
        elif broken:
            head = f"{len(broken)} of {len(self.tallies)} expectations FAILED in some runs"
        else:
            head = f"all {len(self.tallies)} expectations hold in every run"
        self.say(f"{self.path}, seeds {seed_ranges(seeds)} ({runs} runs): {head}", always=bool(broken))
        for tally in self.tallies:
            self._tally(tally, runs, suggest)
        if self.golden is not False and not self.update:
            self.say(f"  golden logs: {self.golden_same} of {runs} identical")

    def _tally(self, tally: Tally, runs: int, suggest: bool) -> None:
        e, failed = tally.expectation, bool(tally.failed)
        lines = [f"{'FAIL' if failed else 'ok  '}  expect[{e.index}] {e.written}",
                 f"      held in {len(tally.held)} of {runs} runs"
                 + (f"; failed with seeds {seed_ranges([s for s, _ in tally.failed])}" if failed else "")]
        entry = self.scenario.expect[e.index]
        if tally.measured:
            low, high, middle = min(tally.measured), max(tally.measured), statistics.median(tally.measured)
            missing = runs - len(tally.measured)
            spread = f"{low:g} s" if low == high else f"{low:g}-{high:g} s (median {middle:g})"
            lines.append(f"      measured {spread} after {reference(entry, self.scenario)}"
                         + (f"; did not happen in {missing} runs" if missing else ""))
            if suggest and "between" in entry:
                lo, hi = suggested_window(tally.measured, self.scenario)
                poll = self.scenario.config().VdsRefreshRate
                shown = {k: v for k, v in entry.items() if k != "why"}
                shown["between"] = [lo, hi]
                lines.append(f"      suggested: {written(shown)}  (the measured spread, one {POLL_KEY} "
                             f"({poll:g} s) wider each side)")
        elif suggest and failed:
            lines.append("      no time to measure: this entry is about an order or an end state, which a "
                         "window cannot widen")
        if failed:
            seed, verdict = tally.failed[0]
            lines.append(f"      seed {seed}: {verdict.seen}")
            if verdict.why:
                lines.append(f"      why it matters: {verdict.why}")
        self.say("  " + "\n  ".join(lines), always=failed)
