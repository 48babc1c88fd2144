"""Availability is the guest's truth: a VM counts as available while its qemu process runs, has
booted and is not paused; what the portal showed is a separate figure."""

from __future__ import annotations

from pathlib import Path

import pytest

from hacourse import events as ev
from hacourse import load_scenario, parse_scenario, simulate
from hacourse.analysis.availability import availability
from hacourse.scenario import vary
from hacourse.study.outcomes import outcomes

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


@pytest.fixture(scope="module")
def unheard():
    """Pacific loses its management network and has no power management: the engine shows its
    VMs Unknown from NonResponsive on and never fences it; the VMs run the whole time."""
    scenario = vary(load_scenario(SCENARIOS / "pacific-mgmt-down.yaml"), {"hosts.pacific.power_management": False})
    return scenario, simulate(scenario, 0)


def test_a_vm_that_ran_the_whole_time_counts_as_available(unheard):
    scenario, log = unheard
    assert any(isinstance(r, ev.VmStatusChanged) and r.vm == "db1" and r.new == "Unknown" for r in log)
    vms = availability(log, scenario)
    for name in ("db1", "mail1", "web1"):
        assert vms[name].availability == 1.0 and vms[name].downtime_s == 0.0
        assert vms[name].portal_downtime_s == pytest.approx(scenario.duration - 120.0)  # Unknown from 120 s


def test_the_sweep_counts_such_vms_as_running_and_names_the_portals_view_apart(unheard):
    row = outcomes(*reversed(unheard))
    assert row["ha_vm_down_s"] == 0.0 and row["ha_recovery_s"] == 0.0
    assert row["ha_availability"] == row["non_ha_availability"] == 1.0
    assert row["ha_vm_portal_down_s"] == pytest.approx(2 * (scenario_end(unheard) - 120.0))


def scenario_end(run) -> float:
    return run[0].duration


def test_a_vm_is_down_from_the_moment_its_host_loses_power_while_the_portal_still_shows_it_up():
    scenario = load_scenario(SCENARIOS / "pacific-power-loss.yaml")
    log = simulate(scenario, 0)
    power_off = next(r.t for r in log if isinstance(r, ev.HostPoweredOff))
    db1 = availability(log, scenario)["db1"]
    (down_from, back), = db1.down_spans()
    unknown = next(r.t for r in log if isinstance(r, ev.VmStatusChanged) and r.vm == "db1" and r.old == "Up")
    assert down_from == power_off < unknown  # the portal showed Up until the engine gave up on the host
    restarted = next(r.t for r in log if isinstance(r, ev.VmStatusChanged) and r.vm == "db1"
                     and r.old == "WaitForLaunch" and r.new == "Up")
    assert back == restarted  # booting on the new host is not running yet
    assert db1.downtime_s > db1.portal_downtime_s


def test_a_pause_the_engine_hears_counts_the_same_in_both_views():
    scenario = load_scenario(SCENARIOS / "paused-vms-resume.yaml")
    log = simulate(scenario, 0)
    app1 = availability(log, scenario)["app1"]
    paused = [r.t for r in log if isinstance(r, ev.VmStatusChanged) and r.vm == "app1"
              and "Paused" in (r.old, r.new)]
    assert app1.down_spans() == (tuple(paused),)
    assert app1.downtime_s == app1.portal_downtime_s


UNHEARD_PAUSE = """
name: a pause the engine cannot hear
engine_profile: ovirt-4.5
duration: 1200
cluster: {resilience_policy: do_not_migrate}
networks:
  - {name: ovirtmgmt, role: management}
  - {name: storage, role: storage}
storage_domains:
  - {name: iscsi-share, type: iscsi, network: storage}
spm: atlantic
hosts:
  - {name: atlantic, memory_gb: 64, nics: {em1: ovirtmgmt, p1p1: storage}}
  - {name: pacific, memory_gb: 64, power_management: false, nics: {em1: ovirtmgmt, p1p1: storage}}
vms:
  - {name: app1, host: pacific, memory_gb: 2, writes: true, resume_behavior: auto_resume}
  - {name: web1, host: pacific, memory_gb: 1}
faults:
  - {at: 60, action: ifdown, host: pacific, nic: ovirtmgmt}
  - {at: 60, action: ifdown, host: pacific, nic: storage}
  - {at: 600, action: ifup, host: pacific, nic: storage}
"""


def test_a_pause_the_engine_does_not_hear_counts_from_when_the_writes_fail():
    """Both of Pacific's links go down: the engine shows app1 Unknown, never Paused, yet its writes
    fail `eio_after_s` after the storage session is lost and the guest stops until storage returns."""
    scenario = parse_scenario(UNHEARD_PAUSE)
    log = simulate(scenario, 0)
    assert not any(isinstance(r, ev.VmStatusChanged) and r.new == "Paused" for r in log)
    lost = next(r for r in log if isinstance(r, ev.StorageConnectionLost))
    back = next(r.t for r in log if isinstance(r, ev.StorageConnectionRestored))
    vms = availability(log, scenario)
    assert vms["app1"].down_spans() == ((lost.t + lost.eio_after_s, back),)
    assert vms["web1"].availability == 1.0  # it does not write: it runs on
