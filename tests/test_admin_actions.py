"""The administrator's actions, read off the log as the portal would show them: what each does,
and what the engine refuses (a refusal is a record, never a crash)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from hacourse import events as ev
from hacourse import load_scenario, simulate
from hacourse.analysis import intervals
from hacourse.engine import Simulation
from hacourse.panel.shell import HostShell
from hacourse.status import HostStatus
from tests.seed import ROOT, SEED

SCENARIOS = ROOT / "scenarios"


def _log(name: str, seed: int = 0):
    scenario = load_scenario(SCENARIOS / f"{name}.yaml")
    return scenario, simulate(scenario, seed=seed)


def _statuses(log, host: str) -> list[str]:
    return [r.new for r in log if isinstance(r, ev.HostStatusChanged) and r.host == host]


def _refusals(log) -> dict[tuple[str, str], str]:
    return {(r.action, r.target): r.code for r in log if isinstance(r, ev.ActionRefused)}


@pytest.mark.parametrize("seed", range(3))
def test_maintenance_of_the_spm_hands_the_role_over_then_empties_the_host(seed):
    _, log = _log("maintenance-spm-host", seed)
    assert _statuses(log, "atlantic") == ["Up", "PreparingForMaintenance", "Maintenance", "Unassigned",
                                          "Initializing", "Up"]
    preparing = next(r for r in log if isinstance(r, ev.HostStatusChanged) and r.new == "PreparingForMaintenance")
    stopped = next(r for r in log if isinstance(r, ev.SpmStopped))
    elected = next(r for r in log if isinstance(r, ev.SpmStarted) and r.t > 0)
    maintenance = next(r for r in log if isinstance(r, ev.HostStatusChanged) and r.new == "Maintenance")
    assert preparing.t == stopped.t == 60 and elected.host == "pacific"
    finished = [r for r in log if isinstance(r, ev.MigrationFinished) and r.source == "atlantic"]
    assert sorted(m.vm for m in finished) == ["db1", "mail1", "web1"]
    assert all(m.destination == "pacific" for m in finished)
    assert maintenance.t >= max(m.t for m in finished)  # only once no VM is left
    order = [r.vm for r in log if isinstance(r, ev.MigrationStarted)]
    assert order == ["db1", "mail1", "web1"]  # by VM priority, as for a Non Operational host


def test_refusals_carry_the_engines_message_and_change_nothing():
    _, log = _log("maintenance-spm-host")
    assert _refusals(log) == {
        ("select_spm", "pacific"): "UNSUPPORTED_ACTION",
        ("maintenance", "pacific"): "CANNOT_MAINTENANCE_VDS_RUN_VMS_NO_OTHER_RUNNING_VDS",
        ("activate", "pacific"): "VDS_ALREADY_UP",
    }
    assert _statuses(log, "pacific") == ["Up"]
    refused = next(r for r in log if isinstance(r, ev.ActionRefused) and r.action == "select_spm")
    assert "ForceSelectSPM came with oVirt 3.5" in refused.reason


def test_a_vm_that_fits_nowhere_keeps_the_host_preparing_and_the_engine_tries_again():
    _, log = _log("maintenance-stuck")
    assert "Maintenance" not in _statuses(log, "pacific")
    plans = [r for r in log if isinstance(r, ev.EvacuationPlanned) and r.host == "pacific"]
    app1_done = next(r.t for r in log if isinstance(r, ev.MigrationFinished) and r.vm == "app1")
    assert [p.t for p in plans] == [60, pytest.approx(app1_done + 300)]  # HostPreparingForMaintenanceIdleTime
    failures = [r for r in log if isinstance(r, ev.MigrationFailed) and r.vm == "big1"]
    assert len(failures) == 2
    memory = [r for r in log if isinstance(r, ev.PlacementDecided) and r.vm == "big1"]
    assert all(f[:2] == ("atlantic", "Memory") for r in memory for f in r.filtered if f[0] == "atlantic")
    assert _statuses(log, "pacific")[-1] == "Up"  # the admin activated it: big1 still runs there
    assert intervals.vm_state_at(log, "big1", 900).host == "pacific"


def test_confirm_rebooted_sets_vms_down_restarts_ha_ones_and_frees_the_host_for_maintenance():
    scenario, log = _log("confirm-rebooted-no-pm")
    confirm = [r for r in log if isinstance(r, ev.FaultInjected) and r.action == "confirm_rebooted"]
    assert [c.t for c in confirm] == [30, 360]
    assert _refusals(log) == {("confirm_rebooted", "pacific"): "ACTION_TYPE_FAILED_VDS_NOT_MATCH_VALID_STATUS"}
    down = {r.vm: r.t for r in log if isinstance(r, ev.VmStatusChanged) and r.new == "Down"}
    assert down == {"db1": 360, "mail1": 360, "web1": 360}
    restarts = [r for r in log if isinstance(r, ev.HaRestartAttempted)]
    assert {r.vm for r in restarts} == {"db1", "mail1"} and min(r.t for r in restarts) >= 360
    assert intervals.spm_holder(log, scenario.duration, scenario) == "atlantic"
    assert _statuses(log, "pacific")[-1] == "Maintenance"


def test_select_spm_on_45_moves_the_role_to_the_chosen_host():
    _, log = _log("admin-migrate-select-spm")
    started = [r for r in log if isinstance(r, ev.SpmStarted) and r.t > 0]
    assert [(r.host, r.reason) for r in started] == [
        ("indian", "elected: selected as SPM by the admin (ForceSelectSPM)")]
    stopped = next(r for r in log if isinstance(r, ev.SpmStopped))
    assert stopped.host == "atlantic" and stopped.t == 121


def test_manual_migrations_go_through_the_scheduler_and_its_refusals():
    _, log = _log("admin-migrate-select-spm")
    assert _refusals(log) == {
        ("migrate", "db1"): "ACTION_TYPE_FAILED_VM_IS_BEING_MIGRATED",
        ("migrate", "big1"): "ACTION_TYPE_FAILED_NO_VDS_AVAILABLE_IN_CLUSTER",
        ("migrate", "web1"): "ACTION_TYPE_FAILED_MIGRATION_TO_SAME_HOST",
        ("select_spm", "pacific"): "CANNOT_FORCE_SELECT_SPM_VDS_MARKED_AS_NEVER_SPM",
    }
    big = next(r for r in log if isinstance(r, ev.PlacementDecided) and r.vm == "big1")
    assert big.purpose == "manual migration" and big.chosen == ""
    assert big.filtered == (("pacific", "Memory", "needs 20 GiB, 14 GiB free (16 - 2 used - 0 pending)"),)
    web = next(r for r in log if isinstance(r, ev.PlacementDecided) and r.vm == "web1")
    assert web.chosen == "indian" and web.weights[0][0] == "indian"


@pytest.fixture
def seed_sim():
    sim = Simulation(replace(load_scenario(SEED), faults=()), 0)
    sim.run_until(30)
    return sim


def test_an_unknown_vm_is_the_loaders_message_not_a_crash(seed_sim):
    with pytest.raises(ValueError, match="unknown VM 'nope'"):
        seed_sim.inject("migrate", vm="nope")


def test_reboot_from_the_shell_hands_the_spm_over_and_the_host_comes_back(seed_sim):
    shell = HostShell(seed_sim, "atlantic")
    out = shell.run("reboot")
    assert "The system is going down for reboot NOW!" in out
    assert shell.run("ssh root@atlantic") == "ssh: connect to host atlantic port 22: No route to host"
    seed_sim.run_until(600)
    assert shell.run("ssh root@atlantic").startswith("Last login")
    log = seed_sim.log
    assert next(r for r in log if isinstance(r, ev.SpmStopped)).t == 30
    assert next(r for r in log if isinstance(r, ev.SpmStarted) and r.t > 0).host == "pacific"
    on = next(r for r in log if isinstance(r, ev.HostPoweredOn))
    assert on.t == 40  # the machine resets after the services stop
    assert seed_sim.hosts["atlantic"].status == HostStatus.UP
    assert "UP BROADCAST RUNNING" in shell.run("ifconfig em1")


def test_service_vdsmd_restart_restarts_vdsm_and_the_engine_reinitializes_the_host(seed_sim):
    shell = HostShell(seed_sim, "pacific")
    assert "vdsm start" in shell.run("service vdsmd restart")
    seed_sim.run_until(120)
    statuses = _statuses(seed_sim.log, "pacific")
    assert statuses[-3:] == ["Connecting", "Initializing", "Up"]
    assert not [r for r in seed_sim.log if isinstance(r, ev.VmStatusChanged) and r.new == "Down"]
