"""The corrected behaviours (docs/fidelity.md): each has a scenario in tests/fidelity/ whose
`expect:` entries must hold for seeds 0-9, read off the event log as a student would.

A behaviour the engine does not do yet is listed in PENDING with its correction; its test is a
strict xfail, so the day the engine does it the list must be updated.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hacourse import simulate
from hacourse.grading.expectations import evaluate, load_expectations

FIDELITY = Path(__file__).resolve().parent / "fidelity"
FILES = sorted(FIDELITY.glob("*.yaml"))
SEEDS = range(10)
PENDING: dict[str, str] = {
}


def _case(path: Path) -> object:
    marks = [pytest.mark.xfail(strict=True, reason=PENDING[path.name])] if path.name in PENDING else []
    return pytest.param(path, id=path.stem, marks=marks)


def test_every_pending_entry_names_a_file():
    assert set(PENDING) <= {p.name for p in FILES}


@pytest.mark.parametrize("path", [_case(p) for p in FILES])
def test_corrected_behaviour_holds_for_seeds_0_to_9(path):
    scenario, expectations = load_expectations(path)
    assert expectations, f"{path.name} has no expect: list"
    failed = []
    for seed in SEEDS:
        failed += [f"seed {seed}: {v}" for v in evaluate(simulate(scenario, seed=seed), scenario, expectations)
                   if not v.passed]
    assert not failed, "\n".join(failed)
