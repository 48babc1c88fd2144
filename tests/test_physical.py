"""The physical truth, one set of rules: what a host reaches, read the same way live and off the log."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from hacourse import Simulation, load_scenario, simulate
from hacourse import events as ev
from hacourse import physical as ph
from tests.seed import SEED

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"


@pytest.fixture(scope="module")
def seed():
    return load_scenario(SEED)


def test_a_link_needs_power_and_its_nic_and_a_missing_nic_counts_as_up():
    assert ph.link_up(True, True) and ph.link_up(True, None)
    assert not ph.link_up(True, False) and not ph.link_up(False, True) and not ph.link_up(False, None)


def test_the_engine_hears_a_host_only_while_vdsm_runs_on_a_working_management_link():
    assert ph.answers_engine(True, True, True)
    assert not ph.answers_engine(True, True, False)  # VDSM killed by sanlock or restarting
    assert not ph.answers_engine(True, False, True)
    assert not ph.answers_engine(False, True, True)


def test_the_storage_role_picks_the_nic_that_carries_it(seed):
    roles = {n.name: n.role for n in seed.networks}
    nics = seed.host("pacific").nics
    assert ph.role_nic(nics, roles, ph.STORAGE) == "p1p1"
    assert ph.role_nic(nics, roles, ph.MANAGEMENT) == "em1"
    assert ph.role_nic(nics, roles, ph.MIGRATION) is None
    assert ph.migration_role(roles.values()) == ph.MANAGEMENT


def test_pacific_stops_reaching_storage_when_its_storage_nic_goes_down(seed):
    log = simulate(seed, seed=0)
    before, after = ph.PhysicalState.at(log, 59.0, seed), ph.PhysicalState.at(log, 60.0, seed)
    assert before.reaches_storage("pacific") and not after.reaches_storage("pacific")
    assert after.no_storage_since == {"pacific": 60.0}
    assert after.management_up("pacific") and after.reaches_storage("atlantic")
    assert after.lease_stopped("pacific", 60.0) == 60.0 and after.lease_stopped("atlantic", 60.0) is None


def test_the_fold_of_the_log_agrees_with_the_engine_hosts_through_a_power_cycle(seed):
    """The live hosts and the replayed log answer alike at every step of a power cycle."""
    sim = Simulation(seed, seed=0)
    steps = [(100, ("power_off", "pacific")), (400, ("power_on", "pacific")),
             (450, ("ifdown", "atlantic", "storage")), (1000, None)]
    for t, fault in steps:
        sim.run_until(t)
        if fault:
            sim.inject(*fault)
        state = ph.PhysicalState.at(sim.log, sim.now, seed)
        for name, host in sim.hosts.items():
            assert state.is_powered(name) == host.power.value
            assert state.reaches_storage(name) == host.reaches_storage
            assert state.management_up(name) == host.link_up(ph.MANAGEMENT)
            assert state.answers_engine(name, vdsm_up=host.vdsm.value) == host.answers_engine


def test_after_a_power_loss_each_vm_runs_once_where_the_engine_shows_it():
    """The processes read off the log: none survives on the host that lost power; the HA VMs run
    again on one host, the one the engine shows."""
    scenario = load_scenario(SCENARIOS / "pacific-power-loss.yaml")
    log = simulate(scenario, seed=0)
    state = ph.PhysicalState(scenario)
    processes = ph.QemuProcesses(scenario, state)
    shown: dict[str, str] = {}
    for r in log:
        processes.apply(r)
        state.apply(r)
        if isinstance(r, ev.VmStatusChanged):
            shown[r.vm] = r.host if r.new != "Down" else ""
    assert processes.on_host("pacific") == []
    ha = [vm.name for vm in scenario.vms if vm.ha]
    assert ha and all(processes.hosts[vm] == {shown[vm]} != {""} for vm in ha)


def test_the_physical_rules_import_nothing_above_the_model():
    """The engine and the log readers both import physical.py, so it may not import either."""
    tree = ast.parse(Path(ph.__file__).read_text())
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {f"{n.module}.{a.name}" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names}
    ours = {name.removeprefix("hacourse.").split(".")[0] for name in imported if name.startswith("hacourse.")}
    assert ours <= {"events", "model", "rules", "status"}, ours
