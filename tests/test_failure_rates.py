"""`failure_rates:` and `operator:`: the loader's messages, and what the drawn faults and the
operator do in a run."""

from __future__ import annotations

import pytest

from hacourse import events as ev
from hacourse import parse_scenario, simulate
from hacourse.scenario import ScenarioError
from hacourse.study.availability import over_years

BASE = """
name: rates
engine_profile: ovirt-4.5
networks: [{name: ovirtmgmt, role: management}, {name: storage, role: storage}]
storage_domains: [{name: iscsi-share, type: iscsi, network: storage}]
spm: atlantic
hosts:
  - {name: atlantic, memory_gb: 64, nics: {em1: ovirtmgmt, p1p1: storage}}
  - {name: pacific, memory_gb: 64, power_management: false, nics: {em1: ovirtmgmt, p1p1: storage}}
vms:
  - {name: db1, host: pacific, memory_gb: 4, ha: true}
  - {name: web1, host: pacific, memory_gb: 1}
"""


def problems(rates: str) -> str:
    with pytest.raises(ScenarioError) as error:
        parse_scenario(BASE + rates)
    return str(error.value)


def test_the_issues_example_loads_with_every_name_it_uses():
    scenario = parse_scenario(BASE + """
failure_rates:
  - {fault: power_off, repair: power_on, each: host, mtbf_h: 8760, mttr_h: 4}
  - {fault: link_down, repair: link_up, each: nic, mtbf_h: 17520, mttr_h: 2}
  - {fault: storage_down, repair: storage_up, each: storage_domain, mtbf_h: 43800, mttr_h: 1}
  - {fault: vm_crash, each: vm, mtbf_h: 4380}
operator: {restart_non_ha_after_h: 0.5, confirm_rebooted_after_h: 0.5}
""")
    assert [r.fault for r in scenario.failure_rates] == ["power_off", "link_down", "storage_down", "vm_crash"]
    assert scenario.failure_rates[0].shape == 1.0 and scenario.operator.confirm_rebooted_after_h == 0.5


@pytest.mark.parametrize(("entry", "message"), [
    ("{fault: power_off, each: vm, mtbf_h: 10, mttr_h: 1}",
     "failure_rates[0].each: fault 'power_off' happens to a host, not a vm; write each: host"),
    ("{fault: power_off, repair: ifup, each: host, mtbf_h: 10, mttr_h: 1}",
     "failure_rates[0].repair: repair 'ifup' does not undo 'power_off'; write repair: power_on"),
    ("{fault: power_off, each: host, mtbf_h: 0, mttr_h: 1}",
     "failure_rates[0].mtbf_h: expected a number > 0, found the integer 0"),
    ("{fault: link_down, each: nic, mtbf_h: 10, mttr_h: -2}",
     "failure_rates[0].mttr_h: expected a number > 0"),
    ("{fault: link_down, each: nic, mtbf_h: 10}",
     "failure_rates[0]: fault 'link_down' needs 'mttr_h': the mean hours until its repair (link_up)"),
    ("{fault: vm_crash, each: vm, mtbf_h: 10, mttr_h: 1}",
     "failure_rates[0].mttr_h: fault 'vm_crash' has no repair kind"),
    ("{fault: power_of, each: host, mtbf_h: 10, mttr_h: 1}", "did you mean 'power_off'?"),
    ("{fault: power_off, each: host, mtbf_h: 10, mttr_h: 1, shape: 0}",
     "failure_rates[0].shape: expected a number > 0"),
])
def test_a_bad_entry_gets_the_loaders_message_naming_what_to_write(entry, message):
    assert message in problems(f"failure_rates:\n  - {entry}\n")


def test_drawn_faults_come_with_their_repairs_and_the_operator_acts():
    scenario = over_years(parse_scenario(BASE + """
failure_rates:
  - {fault: power_off, each: host, mtbf_h: 500, mttr_h: 5}
operator: {restart_non_ha_after_h: 0.5, confirm_rebooted_after_h: 0.25}
"""), 2)
    log = simulate(scenario, 0)
    faults = [r for r in log if isinstance(r, ev.FaultInjected)]
    offs = [r for r in faults if r.action == "power_off"]
    ons = [r for r in faults if r.action == "power_on"]
    assert len(offs) > 10 and len(ons) in (len(offs), len(offs) - 1)
    confirmed = [r for r in faults if r.action == "confirm_rebooted"]
    assert confirmed and all(r.host == "pacific" for r in confirmed)  # atlantic is fenced by power management
    pacific_off = [r.t for r in offs if r.host == "pacific"]
    assert all(min(r.t - t for t in pacific_off if t <= r.t) >= 900 for r in confirmed)  # 0.25 h after
    runs = [r for r in faults if r.action == "run_vm"]
    assert runs and {r.target for r in runs} == {"web1"}  # the HA VM is the engine's business


def test_no_operator_means_non_ha_vms_stay_down():
    scenario = over_years(parse_scenario(BASE + """
failure_rates:
  - {fault: vm_crash, each: vm, mtbf_h: 100}
"""), 1)
    log = simulate(scenario, 0)
    assert not any(isinstance(r, ev.FaultInjected) and r.action == "run_vm" for r in log)
    web1 = [r for r in log if isinstance(r, ev.VmStatusChanged) and r.vm == "web1"]
    assert web1[-1].new == "Down"


def test_a_drawn_fault_strikes_only_where_its_kind_applies():
    """fence_device_down applies to hosts with power management (its kind's `where`): drawn for
    `each: host`, it strikes atlantic and never pacific, which has none."""
    scenario = over_years(parse_scenario(BASE + """
failure_rates:
  - {fault: fence_device_down, each: host, mtbf_h: 200, mttr_h: 2}
"""), 1)
    drawn = [r for r in simulate(scenario, 0) if isinstance(r, ev.FaultInjected)]
    assert len(drawn) > 10 and {r.host for r in drawn} == {"atlantic"}


def test_adding_a_vm_does_not_move_another_targets_failures():
    rates = "failure_rates:\n  - {fault: vm_crash, each: vm, mtbf_h: 100}\n"
    one = over_years(parse_scenario(BASE + rates), 1)
    more = over_years(parse_scenario(BASE.replace("  - {name: web1,", "  - {name: extra, host: atlantic, "
                                                  "memory_gb: 1}\n  - {name: web1,") + rates), 1)

    def crashes(log):
        return [r.t for r in log if isinstance(r, ev.FaultInjected) and r.target == "db1"]

    assert crashes(simulate(one, 0)) == crashes(simulate(more, 0))


def test_a_sweep_over_failure_rates_reports_the_availability_columns():
    from hacourse.study.sweep import InProcess, sweep

    scenario = over_years(parse_scenario(BASE + """
failure_rates:
  - {fault: power_off, each: host, mtbf_h: 500, mttr_h: 5}
operator: {restart_non_ha_after_h: 0.5, confirm_rebooted_after_h: 0.25}
"""), 2)
    rows = sweep(scenario, {"failure_rates[0].mtbf_h": [100, 10000], "operator.restart_non_ha_after_h": [0.5]},
                 seeds=1, executor=InProcess())
    often, rarely = rows
    assert often["non_ha_availability"] < rarely["non_ha_availability"] <= 1.0
    assert often["ha_availability"] < rarely["ha_availability"]
