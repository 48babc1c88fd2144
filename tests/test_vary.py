"""Varying a scenario: one checked path for sweeps, the lesson panel and exercises.

What an instructor sees when a setting cannot be: the loader's own message, naming the setting
and what is allowed, never a bare TypeError and never a plausible run of an impossible cluster.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings

from hacourse import simulate
from hacourse.model import Fault
from hacourse.scenario import ScenarioError, load_scenario, parse_scenario, to_data, vary
from tests.strategies import load, scenario_data

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
SOURCE = SCENARIOS / "pacific-storage-down.yaml"


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(SOURCE)


def refusal(scenario, changes) -> str:
    with pytest.raises(ScenarioError) as raised:
        vary(scenario, changes)
    assert all(p.line is None for p in raised.value.problems)  # the setting, not a line of the file, is wrong
    return str(raised.value)


def test_no_change_gives_back_the_same_scenario(scenario):
    assert vary(scenario, {}) == scenario


def test_the_plain_data_reads_back_as_the_same_scenario(scenario):
    import yaml

    text = yaml.safe_dump(to_data(scenario), sort_keys=False)
    assert parse_scenario(text, str(SOURCE)) == scenario


def test_settings_by_path_by_index_and_by_name(scenario):
    changed = vary(scenario, {"engine_config.NicDHCPDelayGraceInMS": 30, "vms.db1.memory_gb": 8,
                              "hosts[0].nics.em1": "ovirtmgmt", "faults": [], "expect": []})
    assert changed.config().NicDHCPDelayGraceInMS == 30
    assert changed.vms[0].name == "db1" and changed.vms[0].memory_gb == 8.0
    assert changed.faults == ()
    assert changed.source == scenario.source
    assert scenario.faults and scenario.vms[0].memory_gb != 8  # the original is untouched


def test_a_model_object_is_a_valid_value(scenario):
    power = Fault(at=60, action="power_off", host="pacific")
    assert vary(scenario, {"faults[0]": power}).faults[0] == power


def test_expectations_about_a_removed_fault_are_refused(scenario):
    """The shipped entries time things from fault 0: without faults they could never be tested."""
    assert "expect[0].after: expected {fault: N}, N from none: the scenario has no faults; found {fault: 0}" in (
        refusal(scenario, {"faults": []}))


def test_a_varied_scenario_runs(scenario):
    quiet = vary(scenario, {"faults": [], "expect": []})
    assert not any(r.event == "FaultInjected" for r in simulate(quiet, seed=0))


def test_text_for_a_number_is_refused_with_what_is_allowed(scenario):
    assert refusal(scenario, {"engine_config.NicDHCPDelayGraceInMS": "60s"}) == (
        f"{SOURCE} (varied): engine_config.NicDHCPDelayGraceInMS: expected an integer >= 0, found text '60s'")


def test_a_vm_larger_than_its_host_is_refused(scenario):
    assert refusal(scenario, {"vms.db1.memory_gb": 800}) == (
        f"{SOURCE} (varied): vms[0].host: host 'pacific' has 64 GiB of memory, but its VMs need 800 GiB "
        "(db1 800); allowed: at most 64 GiB of VMs per host")


def test_a_fault_after_the_end_is_refused(scenario):
    assert refusal(scenario, {"faults[0].at": 99999}) == (
        f"{SOURCE} (varied): faults[0].at: fault at 99999 s is after the end of the run; allowed: 0 to the "
        "duration, 1800 s")


def test_a_shorter_run_that_leaves_a_fault_behind_is_refused(scenario):
    assert "faults[0].at: fault at 60 s is after the end of the run" in refusal(scenario, {"duration": 30})


def test_an_unknown_choice_gets_did_you_mean(scenario):
    assert refusal(scenario, {"cluster.resilience_policy": "migrate_ha_olny"}) == (
        f"{SOURCE} (varied): cluster.resilience_policy: unknown value 'migrate_ha_olny'; allowed: migrate, "
        "migrate_ha_only, do_not_migrate (did you mean 'migrate_ha_only'?)")


def test_an_unknown_setting_names_the_allowed_keys(scenario):
    message = refusal(scenario, {"clustr.resilience_policy": "migrate"})
    assert "unknown key 'clustr'; allowed: name, description" in message
    assert message.endswith("(did you mean 'cluster'?)")
    assert "unknown engine-config key 'NicGrace' for profile rhev-3.3" in refusal(
        scenario, {"engine_config.NicGrace": 30})


def test_a_reference_to_nothing_is_refused(scenario):
    assert refusal(scenario, {"hosts[0].nics.em1": "storge"}) == (
        f"{SOURCE} (varied): hosts[0].nics.em1: unknown network 'storge'; allowed: ovirtmgmt, storage "
        "(did you mean 'storage'?)")
    assert "faults[0].host: unknown host 'pacifc'" in refusal(scenario, {"faults[0].host": "pacifc"})


def test_a_path_that_leads_nowhere_says_where_it_stops(scenario):
    assert refusal(scenario, {"faults[7].at": 1}) == (
        f"{SOURCE} (varied): faults[7].at: index 7 is out of range: faults has 2 faults ([0] to [1])")
    assert refusal(scenario, {"vms.db9.ha": True}) == (
        f"{SOURCE} (varied): vms.db9.ha: no item named 'db9' in vms; allowed: db1, mail1, app1, app2, web1, "
        "log1, dns1 (did you mean 'db1'?)")
    assert "expected .name or [index] at '..at'" in refusal(scenario, {"faults[0]..at": 1})
    assert "duration is a single value; it has no part 'hours'" in refusal(scenario, {"duration.hours": 1})


def test_an_incomplete_entry_lists_what_it_misses(scenario):
    message = refusal(scenario, {"faults": [{"at": 1, "host": "pacific"}], "duration": -1})
    assert "faults[0]: missing required key 'action'" in message
    assert "duration: expected a number > 0, found the integer -1" in message


def test_a_value_no_file_could_hold_is_refused(scenario):
    assert refusal(scenario, {"duration": {1, 2}}) == (
        f"{SOURCE} (varied): duration: {{1, 2}} (a set) cannot be written in a scenario; a scenario is plain "
        "data (text, numbers, true/false, lists, mappings)")


def test_every_problem_at_once(scenario):
    with pytest.raises(ScenarioError) as raised:
        vary(scenario, {"duration": "1h", "cluster.resilience_policy": "none", "vms.db1.ha": "yes please"})
    assert {p.path for p in raised.value.problems} == {"duration", "cluster.resilience_policy", "vms[0].ha"}


@settings(max_examples=40, deadline=None)
@given(scenario_data())
def test_a_scenario_without_changes_reads_back_as_itself(data):
    """`vary` works on the scenario's plain data: a random cluster with random faults survives
    the trip to plain data and back through the loader's checks unchanged."""
    scenario = load(data)
    assert vary(scenario, {}) == scenario
