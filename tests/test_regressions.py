"""Every scenario the property search ever failed on stays here and must keep every promise,
run as written and with its faults injected live through `Simulation.inject` (as the lesson's
buttons do: two clicks at one simulated instant happen before any actor reacts).

To add one: copy the file that tests/test_properties.py saved under test-output/failing-scenarios/
to tests/regressions/, give it a name that says what went wrong and a comment that tells the story.
A bug that is not fixed yet goes into OPEN with the reason; the test then fails if it gets fixed
without anyone noticing (strict xfail).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from hacourse import Simulation, load_scenario, simulate
from hacourse.actions import ACTIONS
from hacourse.invariants import check_all

REGRESSIONS = Path(__file__).resolve().parent / "regressions"
FILES = sorted(REGRESSIONS.glob("*.yaml"))
SEEDS = (0, 1, 2)
OPEN: dict[str, str] = {}  # file name -> why it still fails


def _case(path: Path) -> object:
    marks = [pytest.mark.xfail(strict=True, reason=OPEN[path.name])] if path.name in OPEN else []
    return pytest.param(path, id=path.stem, marks=marks)


def test_there_are_regression_scenarios():
    assert FILES, f"no scenario files in {REGRESSIONS}"


@pytest.mark.parametrize("path", [_case(p) for p in FILES])
def test_regression_scenario_keeps_every_promise(path):
    scenario = load_scenario(path)
    for seed in SEEDS:
        violations = check_all(simulate(scenario, seed=seed), scenario, until=scenario.duration)
        assert not violations, f"seed {seed}:\n" + "\n".join(map(str, violations))


def run_injected(scenario, seed: int) -> list:
    sim = Simulation(replace(scenario, faults=()), seed=seed)
    for fault in sorted(scenario.faults, key=lambda f: f.at):
        sim.run_until(fault.at)
        sim.inject(fault.action, **ACTIONS[fault.action].targets_of(fault))
    return sim.run()


@pytest.mark.parametrize("path", [_case(p) for p in FILES])
def test_regression_scenario_injected_live_keeps_every_promise(path):
    scenario = load_scenario(path)
    for seed in SEEDS:
        violations = check_all(run_injected(scenario, seed), scenario, until=scenario.duration)
        assert not violations, f"seed {seed}:\n" + "\n".join(map(str, violations))
