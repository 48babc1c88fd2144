"""Property-based fault injection: whatever the cluster and whatever fails, every promise holds.

Hypothesis draws clusters (2-8 hosts, 0-40 VMs, HA, priorities, memory, writes, SPM priorities
including -1, power management, both engine profiles, resilience and fencing policies) and fault
schedules (ifdown/ifup of any NIC, power off/on, at random and often shared instants), writes
them as scenario files, loads them through `parse_scenario`, runs them and checks every invariant.

Profiles: `ci` (the default, a few hundred examples in all) and `long` (twenty times more):
    HACOURSE_HYPOTHESIS_PROFILE=long python -m pytest tests/test_properties.py
A failing example is shrunk and saved under test-output/failing-scenarios/; the failure message
names the file, which reproduces it with `hacourse run FILE --check`.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.control import current_build_context
from hypothesis.errors import InvalidArgument

from hacourse import Simulation, simulate
from hacourse.invariants import check_all
from tests.strategies import clusters, fault_lists, load, save_failing, scenario_data

settings.register_profile(
    "ci",
    max_examples=100,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("long", settings.get_profile("ci"), max_examples=2000)
PROFILE = os.environ.get("HACOURSE_HYPOTHESIS_PROFILE", "ci")
SCALE = {"ci": 1, "long": 20}[PROFILE]


def budget(examples: int) -> settings:
    """This test's share of the profile: `examples` in ci, twenty times more in long."""
    return settings(settings.get_profile(PROFILE), max_examples=examples * SCALE)


def _final() -> bool:
    """Hypothesis replays the shrunk example last: only that one is worth a file."""
    try:
        return current_build_context().is_final
    except InvalidArgument:  # not inside a Hypothesis test
        return True


def fail_with_file(data: dict, why: str) -> None:
    path = save_failing(data, why) if _final() else "(saved when shrunk)"
    pytest.fail(f"{why}\nscenario file: {path}", pytrace=False)


def assert_promises_kept(data: dict, run, saved: dict | None = None) -> None:
    """Load the drawn file, run it with `run(scenario) -> (log, until)`, and check every invariant.

    On failure the file `saved` (default: `data`) is written: the scenario that reproduces it."""
    scenario = load(data)
    try:
        log, until = run(scenario)
    except Exception as exc:  # noqa: BLE001 - an engine crash is a finding too: keep the file that shows it
        fail_with_file(saved or data, f"the engine raised {type(exc).__name__}: {exc}")
    violations = check_all(log, scenario, until=until)
    if violations:
        fail_with_file(saved or data, "\n".join(str(v) for v in violations))


@budget(120)
@given(scenario_data())
def test_random_faults_in_random_clusters_break_no_promise(data):
    assert_promises_kept(data, lambda s: (simulate(s), s.duration))


@st.composite
def live_injections(draw: st.DrawFn) -> tuple[dict, list[dict]]:
    data = draw(clusters())
    data["faults"] = []
    return data, draw(fault_lists(data, max_faults=8))


@budget(60)
@given(live_injections())
def test_faults_injected_live_break_no_promise(drawn):
    """A widget's buttons: `Simulation.inject` between `run_until` calls, checked at every pause
    on the partial log. The saved file replays the injections as scheduled faults."""
    data, injected = drawn

    def run(scenario):
        sim = Simulation(scenario)
        for fault in injected:
            sim.run_until(fault["at"])
            sim.inject(fault["action"], fault["host"], fault.get("nic"))
            if check_all(sim.log, scenario, until=sim.now):
                return sim.log, sim.now
        return sim.run(), scenario.duration

    assert_promises_kept(data, run, saved={**data, "faults": injected})
