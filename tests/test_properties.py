"""Property-based fault injection: whatever the cluster and whatever fails, every promise holds.

Hypothesis draws clusters (2-8 hosts, 0-40 VMs, HA, priorities, memory, writes, SPM priorities
including -1, power management, both engine profiles, resilience and fencing policies) and fault
schedules (ifdown/ifup of any NIC, power off/on, at random and often shared instants), writes
them as scenario files, loads them through `parse_scenario`, runs them and checks every invariant.

Profiles: `ci` (the default) replays the committed corpus tests/corpus/schedules.jsonl (written by
`python -m tests.make_corpus`) instead of the two random searches, so a new fault kind or a changed
strategy does not change what CI checks; `long` runs the random searches (twenty times the draws):
    HACOURSE_HYPOTHESIS_PROFILE=long python -m pytest tests/test_properties.py
A failing example is shrunk and saved under test-output/failing-scenarios/; the failure message
names the file, which reproduces it with `hacourse run FILE --check` (or, for faults injected
live, once copied to tests/regressions/).
"""

from __future__ import annotations

import json
import logging
import os
from collections import Counter
from copy import deepcopy
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.control import current_build_context
from hypothesis.errors import InvalidArgument

from hacourse import Simulation, load_scenario, simulate
from hacourse.invariants import check_all
from tests.strategies import FAILING_DIR, clusters, fault_lists, load, save_failing, scenario_data

pytestmark = pytest.mark.slow  # the fast lane (scripts/test.sh --fast) leaves it out

# ci: the same examples on every run (derandomize), so a red CI is a change of ours, not a new draw;
# the search for new counterexamples is the long profile's job (random draws, twenty times more).
settings.register_profile(
    "ci",
    max_examples=100,
    deadline=None,
    print_blob=True,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("long", settings.get_profile("ci"), max_examples=2000, derandomize=False)
PROFILE = os.environ.get("HACOURSE_HYPOTHESIS_PROFILE", "ci")
SCALE = {"ci": 1, "long": 20}[PROFILE]


SCENARIO_FILES = sorted((Path(__file__).resolve().parent.parent / "scenarios").glob("*.yaml"))
TALLY: Counter = Counter()  # examples run and faults tried, written to test-output/ for the note


@pytest.fixture(scope="module", autouse=True)
def tally():
    yield
    path = FAILING_DIR.parent / f"property-tally-{PROFILE}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(dict(TALLY), indent=1, sort_keys=True) + "\n")


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


def assert_promises_kept(data: dict, run, saved: dict | None = None, how: str = "") -> None:
    """Load the drawn file, run it with `run(scenario) -> (log, until)`, and check every invariant.

    On failure the file `saved` (default: `data`) is written: the scenario that reproduces it,
    with `how` it was run in its header comment."""
    scenario = load(data)
    TALLY["examples"] += 1
    TALLY["faults"] += len((saved or data)["faults"])
    TALLY["hosts"] += len(scenario.hosts)
    TALLY["vms"] += len(scenario.vms)
    try:
        log, until = run(scenario)
    except Exception as exc:  # noqa: BLE001 - an engine crash is a finding too: keep the file that shows it
        fail_with_file(saved or data, f"{how}the engine raised {type(exc).__name__}: {exc}")
    violations = check_all(log, scenario, until=until)
    if violations:
        fail_with_file(saved or data, how + "\n".join(str(v) for v in violations))


CORPUS = Path(__file__).resolve().parent / "corpus" / "schedules.jsonl"
SEARCH = pytest.mark.skipif(PROFILE == "ci", reason="CI replays tests/corpus/; the random search is the long profile's")


def corpus_cases() -> list:
    lines = CORPUS.read_text().splitlines() if CORPUS.exists() else []
    return [pytest.param(json.loads(line), id=f"{'live' if json.loads(line)['injected'] else 'scheduled'}-{n}")
            for n, line in enumerate(lines)]


def run_injected(injected: list[dict]):
    """A widget's buttons: `Simulation.inject` between `run_until` calls, checked at every pause."""
    def run(scenario):
        sim = Simulation(scenario)
        for fault in injected:
            sim.run_until(fault["at"])
            sim.inject(**{key: value for key, value in fault.items() if key != "at"})
            if check_all(sim.log, scenario, until=sim.now):
                return sim.log, sim.now
        return sim.run(), scenario.duration
    return run


@pytest.mark.parametrize("case", corpus_cases())
def test_the_committed_corpus_of_schedules_breaks_no_promise(case):
    """The search's draws, frozen (tests/make_corpus.py): scheduled faults, or faults injected live."""
    data, injected = case["data"], case["injected"]
    if injected is None:
        assert_promises_kept(data, lambda s: (simulate(s), s.duration))
    else:
        assert_promises_kept(data, run_injected(injected), saved={**data, "faults": injected},
                             how="faults injected live with Simulation.inject, in this order:\n")


def test_the_corpus_covers_every_kind_the_search_draws():
    assert CORPUS.exists(), "run: python -m tests.make_corpus"
    drawn = {fault["action"] for line in CORPUS.read_text().splitlines()
             for fault in (json.loads(line)["injected"] or json.loads(line)["data"]["faults"])}
    assert {"ifdown", "power_off", "storage_down", "vm_crash", "maintenance"} <= drawn


@SEARCH
@budget(600)
@given(scenario_data())
def test_random_faults_in_random_clusters_break_no_promise(data):
    assert_promises_kept(data, lambda s: (simulate(s), s.duration))


@st.composite
def live_injections(draw: st.DrawFn) -> tuple[dict, list[dict]]:
    data = draw(clusters())
    data["faults"] = []
    return data, draw(fault_lists(data, max_faults=8))


@SEARCH
@budget(300)
@given(live_injections())
def test_faults_injected_live_break_no_promise(drawn):
    """A widget's buttons: `Simulation.inject` between `run_until` calls, checked at every pause
    on the partial log. The saved file lists the injections as its faults; tests/test_regressions.py
    replays them both ways (scheduled, and injected live)."""
    data, injected = drawn
    assert_promises_kept(data, run_injected(injected), saved={**data, "faults": injected},
                         how="faults injected live with Simulation.inject, in this order:\n")


# --- direction checks: turning one knob one way never moves the outcome the other way ----------


@st.composite
def one_storage_nic_down(draw: st.DrawFn) -> tuple[dict, str]:
    """A cluster whose storage network is required, and one host's storage NIC going down."""
    data = draw(clusters(max_vms=20))
    data["networks"][1]["required"] = True
    host = draw(st.sampled_from(data["hosts"]))["name"]
    data["faults"] = [{"at": draw(st.integers(0, 300)), "action": "ifdown", "host": host, "nic": "storage"}]
    return data, host


def runs(data: dict, key: str, values: tuple) -> list[list]:
    """The scenario run once per value of one engine-config key, everything else equal."""
    logs = []
    for value in values:
        changed = deepcopy(data)
        changed["engine_config"][key] = value
        logs.append(simulate(load(changed)))
    TALLY["direction examples"] += 1
    return logs


def first(log: list, event: str, **match: object) -> float:
    return next((r.t for r in log if r.event == event and all(getattr(r, k) == v for k, v in match.items())),
                float("inf"))


@budget(40)
@given(one_storage_nic_down(), st.lists(st.sampled_from((0, 15, 30, 60, 120, 300)), min_size=2, max_size=2,
                                        unique=True).map(sorted))
def test_a_longer_nic_grace_never_makes_a_host_non_operational_sooner(drawn, graces):
    data, host = drawn
    short, long = (first(log, "HostStatusChanged", host=host, new="NonOperational")
                   for log in runs(data, "NicDHCPDelayGraceInMS", tuple(graces)))
    assert short <= long, f"NicDHCPDelayGraceInMS {graces}: NonOperational at {short} s and {long} s"


@budget(40)
@given(one_storage_nic_down(), st.lists(st.sampled_from((4, 16, 32, 62, 125, 1000)), min_size=2, max_size=2,
                                        unique=True).map(sorted))
def test_a_higher_migration_bandwidth_never_makes_a_migration_take_longer(drawn, bandwidths):
    """Per VM: the migration that finishes at the lower bandwidth finishes at the higher too, and its
    transfer (from the copy's start to the switch-over, `duration_s`) takes no longer.

    When the copy starts is another matter: with slot limits (ovirt-4.5: 2 out, 2 in per host) a
    faster link frees slots at other instants and the queue may hand one to another VM first. The
    search found it (ovirt-4.5, seed 1097: vm15 waited 8 s longer for a slot at 62 MiB/s than at 32
    and switched over 0.45 s later, after a 10 s copy instead of 18 s): a scheduling effect, not a
    slower migration. Within one downtime: a VM whose writes hang cannot switch over before they
    fail, so both runs switch over at that instant and then pause the guest for their last round,
    which a faster link may have planned a few milliseconds longer (it converged an iteration earlier)."""
    data, _ = drawn
    slow, fast = ({r.vm: r for r in reversed(log) if r.event == "MigrationFinished"}
                  for log in runs(data, "migration_max_bandwidth", tuple(bandwidths)))
    later = {vm: (r.duration_s, fast[vm].duration_s if vm in fast else None) for vm, r in slow.items()
             if vm not in fast or fast[vm].duration_s > r.duration_s + fast[vm].downtime_ms / 1000 + 1e-3}
    assert not later, f"migration_max_bandwidth {bandwidths}: VM -> (transfer s at low, at high): {later}"


@budget(40)
@given(one_storage_nic_down(), st.lists(st.sampled_from((5, 20, 60, 120, 300)), min_size=2, max_size=2,
                                        unique=True).map(sorted))
def test_a_longer_iscsi_replacement_timeout_never_pauses_a_writing_vm_sooner(drawn, timeouts):
    data, host = drawn
    writers = [vm["name"] for vm in data["vms"] if vm["writes"] and vm["host"] == host]
    short, long = runs(data, "node.session.timeo.replacement_timeout", tuple(timeouts))
    for vm in writers:
        assert first(short, "VmStatusChanged", vm=vm, new="Paused") <= first(long, "VmStatusChanged", vm=vm,
                                                                               new="Paused"), vm


# --- the lesson's panel: a student clicking everything, in any order ------------------------


class _Warnings(logging.Handler):
    """Collects the warnings that ipywidgets logs when a button callback raises outside a kernel."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def press(lesson, choice: int) -> str:
    """One student action: a NIC or power toggle flipped, a step button, a play tick, a speed or reset."""
    from hacourse.panel.widgets import SPEEDS

    controls = lesson.controls()
    extra = ("play tick", "speed")
    pick = choice % (len(controls) + len(extra))
    if pick < len(controls):
        control = controls[pick]
        if hasattr(control, "click"):
            control.click()
        else:
            control.value = not control.value
        return control.description
    if extra[pick - len(controls)] == "play tick":
        lesson.play.value += 1
        return "play tick"
    lesson.speed.value = SPEEDS[choice % len(SPEEDS)][1]
    return "speed"


@budget(6)
@given(st.one_of(st.sampled_from(SCENARIO_FILES), clusters(max_hosts=3, max_vms=8)), st.booleans(),
       st.lists(st.integers(0, 10**6), min_size=5, max_size=25))
def test_clicking_every_control_in_random_order_keeps_every_promise(source, scripted, choices):
    from hacourse.panel.widgets import Lesson

    scenario = load_scenario(source) if isinstance(source, Path) else load({**source, "faults": []})
    warnings = _Warnings()
    logging.getLogger().addHandler(warnings)
    try:
        lesson = Lesson(scenario, seed=0, scripted_faults=scripted)
        clicked = []
        for choice in choices:
            clicked.append(press(lesson, choice))
            TALLY["widget clicks"] += 1
            violations = check_all(lesson.log, lesson.scenario, until=lesson.now)
            assert not violations, f"after {clicked}:\n" + "\n".join(map(str, violations))
            assert lesson.errors.outputs == (), f"after {clicked}: {lesson.errors.outputs}"
    finally:
        logging.getLogger().removeHandler(warnings)
    assert not warnings.records, f"after {clicked}: " + "; ".join(r.getMessage() for r in warnings.records)
