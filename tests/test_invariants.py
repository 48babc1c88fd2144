"""Each promise, broken on purpose: a hand-written log that breaks it is caught, the honest one is not.

The logs start from the seed scenario's first instant (Atlantic SPM; db1, mail1, app1 ... on
Pacific) and add the records a broken engine would write.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hacourse import Simulation, load_scenario, model, simulate
from hacourse import events as ev
from hacourse.engine.migration import plan_precopy
from hacourse.invariants import check_all
from hacourse.invariants.liveness import fence_bound_s, host_bounds_s, migrating_bound_s, migration_bound_s
from hacourse.invariants.recovery import restart_bound_s
from hacourse.profiles import config_of
from tests.seed import SEED, variant

SCENARIOS = sorted((Path(__file__).resolve().parent.parent / "scenarios").glob("*.yaml"))


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(SEED)


@pytest.fixture(scope="module")
def start(scenario):
    """The records of t=0: hosts Up, Atlantic SPM, every VM Up where the file puts it."""
    return [r for r in simulate(scenario) if r.t == 0]


def rules(violations) -> set[str]:
    return {v.rule for v in violations}


def vm(t, name, host, old, new, reason="test"):
    return ev.VmStatusChanged(t, name, host, old, new, reason)


def host(t, name, old, new, reason="test"):
    return ev.HostStatusChanged(t, name, old, new, reason)


def storage_down(t, name):
    return ev.NicDown(t, name, "p1p1", "storage")


def fence(t, name="pacific"):
    return [host(t, name, "NonResponsive", "Reboot"), ev.HostPoweredOff(t, name, "fence agent: stop"),
            ev.HostFenced(t + 60, name, "power-management")]


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_every_shipped_scenario_keeps_every_promise(path, seed):
    scenario = load_scenario(path)
    assert check_all(simulate(scenario, seed=seed), scenario, until=scenario.duration) == []


def test_a_partial_run_is_judged_only_up_to_where_it_went(scenario):
    sim = Simulation(scenario, seed=0)
    sim.run_until(200)  # Pacific's VMs are migrating; the storage-domain timer is still running
    assert check_all(sim.log, scenario, until=sim.now) == []


# --- no VM runs twice ---------------------------------------------------------------------


def test_a_vm_restarted_while_its_unfenced_host_still_runs_it_runs_twice(scenario, start):
    log = start + [
        ev.NicDown(60, "pacific", "em1", "ovirtmgmt"),
        host(60, "pacific", "Up", "Connecting"),
        host(120, "pacific", "Connecting", "NonResponsive"),
        vm(120, "mail1", "pacific", "Up", "Unknown"),
        vm(150, "mail1", "pacific", "Unknown", "Down"),  # no fence: Pacific still has power
        vm(150, "mail1", "atlantic", "Down", "WaitForLaunch"),
    ]
    assert rules(check_all(log, scenario)) == {"single-owner", "restart-confirmed"}


def test_a_vm_restarted_after_a_power_fence_runs_once(scenario, start):
    log = start + [
        host(60, "pacific", "Up", "Connecting"),
        host(120, "pacific", "Connecting", "NonResponsive"),
        vm(120, "mail1", "pacific", "Up", "Unknown"),
        *fence(120),
        vm(180, "mail1", "pacific", "Unknown", "Down"),
        vm(180, "mail1", "atlantic", "Down", "WaitForLaunch"),  # 3.3: the fence flow runs RunVm at once
    ]
    assert check_all(log, scenario) == []


def migration(t, name, source="pacific", dest="atlantic"):
    return [ev.MigrationStarted(t, name, source, dest, "test"), vm(t, name, source, "Up", "MigratingFrom"),
            ev.MigrationTransferStarted(t, name, source, dest, 32.0)]


def test_a_migration_ends_with_exactly_one_owner(scenario, start):
    finished = ev.MigrationFinished(100, "web1", "pacific", "atlantic", 100, 40.0)
    honest = start + migration(60, "web1") + [finished, vm(100, "web1", "atlantic", "MigratingFrom", "Up")]
    stays = start + migration(60, "web1") + [finished, vm(100, "web1", "pacific", "MigratingFrom", "Up")]
    assert check_all(honest, scenario) == []
    assert "single-owner" in rules(check_all(stays, scenario))


# --- one SPM ---------------------------------------------------------------------------------


def test_a_second_spm_while_the_first_holds_the_role(scenario, start):
    log = start + [ev.SpmStarted(50, "pacific", "test")]
    assert rules(check_all(log, scenario)) == {"single-spm"}


def test_the_spm_is_elected_only_on_a_host_that_reaches_storage(scenario, start):
    log = start + [storage_down(40, "pacific"), ev.SpmStopped(50, "atlantic", "test"),
                   ev.SpmStarted(60, "pacific", "test")]
    assert "spm-storage" in rules(check_all(log, scenario))


def test_a_new_spm_waits_until_the_old_holders_lease_is_dead(scenario, start):
    io = scenario.config().io_timeout
    lost = [storage_down(100, "atlantic"), ev.SpmStopped(150, "atlantic", "test")]
    early = start + lost + [ev.SpmStarted(160, "pacific", "test")]
    late = start + lost + [ev.SpmStarted(100 + 12 * io, "pacific", "test")]
    assert "single-spm" in rules(check_all(early, scenario))
    assert "single-spm" not in rules(check_all(late, scenario))


def test_an_spm_that_cannot_reach_storage_loses_the_role_within_8_io_timeouts(scenario, start):
    io = scenario.config().io_timeout
    log = start + [storage_down(100, "atlantic")]
    assert check_all(log, scenario, until=100 + 8 * io - 1) == []
    found = check_all(log, scenario, until=400)
    assert [(v.t, v.rule) for v in found] == [(100 + 8 * io, "spm-storage")]


# --- writes and storage ----------------------------------------------------------------------


def test_a_writing_vm_must_be_paused_once_its_writes_failed(scenario, start):
    eio = 130  # 5 + 5 + 120 + 0 s in rhev-3.3
    log = start + [storage_down(60, "pacific")]
    assert check_all(log, scenario, until=60 + eio - 1) == []
    writers = sorted(v.message.split()[1] for v in check_all(log, scenario, until=300))
    assert writers == ["app1", "db1", "log1"]  # the VMs that write; mail1, web1 and app2 run on
    paused = log + [vm(60 + eio, name, "pacific", "Up", "Paused") for name in ("app1", "db1", "log1")]
    assert check_all(paused, scenario, until=300) == []


def test_a_writer_that_died_with_its_host_is_not_judged_by_the_engines_stale_up(scenario, start):
    """Found by the search: power back on, NICs not up yet, and the engine still shows app1 Up."""
    log = start + [storage_down(60, "pacific"), ev.HostPoweredOff(100, "pacific", "power lost"),
                   ev.HostPoweredOn(250, "pacific", "power restored")]
    assert check_all(log, scenario, until=250) == []


def test_the_engine_shows_a_pause_only_once_it_hears_the_host_again(scenario, start):
    """VDSM pauses app1 while the engine cannot reach pacific: a stale Up is no lie until pacific answers."""
    deaf = start + [ev.NicDown(50, "pacific", "em1", "ovirtmgmt"), host(51, "pacific", "Up", "Connecting"),
                    storage_down(60, "pacific")]
    assert "writes-pause" not in rules(check_all(deaf, scenario, until=300))
    answers = deaf + [ev.NicUp(305, "pacific", "em1", "ovirtmgmt"), host(306, "pacific", "Connecting", "Up")]
    poll = scenario.config().VdsRefreshRate
    found = [(v.t, v.rule) for v in check_all(answers, scenario, until=400) if "app1" in v.message]
    assert found == [(306 + poll, "writes-pause")]


def test_a_paused_vm_does_not_resume_on_a_host_without_storage(scenario, start):
    log = start + [storage_down(60, "pacific"), vm(190, "app1", "pacific", "Up", "Paused"),
                   vm(200, "app1", "pacific", "Paused", "Up")]
    assert "resume-storage" in rules(check_all(log, scenario))


# --- fencing and HA restarts ---------------------------------------------------------------


def test_a_host_is_fenced_only_when_nonresponsive(scenario, start):
    log = start + [host(60, "pacific", "Up", "Reboot"), ev.HostFenced(120, "pacific", "power-management")]
    assert rules(check_all(log, scenario)) == {"fencing-policy"}


def test_fencing_respects_the_cluster_policy(start):
    disabled = variant(engine_profile="ovirt-4.5", cluster={"fencing_policy": {"enabled": False}})
    log = start + [host(60, "pacific", "Up", "Connecting"),
                   host(120, "pacific", "Connecting", "NonResponsive"), *fence(120)]
    assert check_all(log, load_scenario(SEED)) == []  # rhev-3.3 has no policy: it always fences
    assert check_all(log, variant(engine_profile="ovirt-4.5")) == []
    found = check_all(log, disabled)
    assert rules(found) == {"fencing-policy"} and "disables fencing" in found[0].message


def test_fencing_skips_a_host_whose_storage_lease_is_live(start):
    sd_active = variant(engine_profile="ovirt-4.5", cluster={"fencing_policy": {"skip_if_sd_active": True}})
    log = start + [ev.NicDown(0, "pacific", "em1", "ovirtmgmt"), host(0, "pacific", "Up", "Connecting"),
                   host(63, "pacific", "Connecting", "NonResponsive"), *fence(90)]
    assert "fencing-policy" in rules(check_all(log, sd_active))  # Pacific still renews its lease


def test_a_power_blip_does_not_renew_the_storage_lease(start):
    """Found by the search: power on and off at one instant; sanlock never ran in between."""
    sd_active = variant(engine_profile="ovirt-4.5", cluster={"fencing_policy": {"skip_if_sd_active": True}})
    log = start + [ev.HostPoweredOff(0, "pacific", "power lost"), host(0, "pacific", "Up", "Connecting"),
                   host(63, "pacific", "Connecting", "NonResponsive"), ev.HostPoweredOn(100, "pacific", "on"),
                   ev.HostPoweredOff(100, "pacific", "off"), *fence(130)]
    assert "fencing-policy" not in rules(check_all(log, sd_active))


def test_an_ha_vm_is_back_within_the_bound_once_a_healthy_host_has_room(scenario, start):
    bound = restart_bound_s(scenario.config(), 0)  # 3.3: RunVm at once, then the boot
    down = start + [host(60, "pacific", "Up", "Connecting"),
                    host(120, "pacific", "Connecting", "NonResponsive"),
                    vm(120, "db1", "pacific", "Up", "Unknown"), *fence(120),
                    vm(180, "db1", "pacific", "Unknown", "Down"),
                    host(180, "pacific", "Reboot", "NonResponsive")]  # 3.3 StartVds: it boots
    assert check_all(down, scenario, until=180 + bound - 1) == []
    late = check_all(down, scenario, until=180 + bound + 1)
    assert [(v.t, v.rule) for v in late] == [(180 + bound, "ha-restart-bound")]
    back = down + [vm(180, "db1", "atlantic", "Down", "WaitForLaunch"),
                   vm(180 + bound, "db1", "atlantic", "WaitForLaunch", "Up")]
    assert check_all(back, scenario, until=600) == []


def test_the_engine_may_not_claim_there_is_no_room_when_there_is(scenario, start):
    log = start + [vm(100, "db1", "pacific", "Up", "Down"),
                   ev.HaRestartAttempted(100, "db1", "", "no host with enough free memory; giving up")]
    found = check_all(log, scenario)
    assert rules(found) == {"ha-restart-bound"} and "atlantic had" in found[0].message


# --- the log is well formed ----------------------------------------------------------------


def test_time_never_goes_back(scenario, start):
    log = start + [storage_down(60, "pacific"), storage_down(50, "atlantic")]
    assert "time-order" in rules(check_all(log, scenario))


def test_a_status_change_starts_where_the_last_one_left(scenario, start):
    log = start + [host(60, "pacific", "NonOperational", "Up"), vm(60, "db1", "pacific", "Paused", "Up")]
    assert [v.rule for v in check_all(log, scenario)] == ["well-formed", "well-formed"]


def test_a_migration_finishes_only_after_it_started(scenario, start):
    log = start + [ev.MigrationFinished(100, "web1", "pacific", "atlantic", 100, 40.0)]
    assert "well-formed" in rules(check_all(log, scenario))


def test_a_source_never_sends_more_migrations_than_vdsm_allows(scenario, start):
    limit = scenario.config().max_outgoing_migrations
    names = ["db1", "mail1", "app1", "app2", "web1", "log1"][: limit + 1]
    log = start + [r for name in names for r in migration(60, name)]
    assert [v.rule for v in check_all(log, scenario)] == ["migration-slots"]


# --- every transient state ends; the SPM moves only on proof (issue 12) ----------------------------


def test_a_fenced_host_left_in_reboot_for_ever_breaks_liveness(scenario, start):
    """The old model kept a fenced host whose management link stayed down in Reboot for ever."""
    bound = host_bounds_s(scenario.config(), len(scenario.vms))["Reboot"]
    log = start + [host(60, "pacific", "Up", "Connecting"), host(123, "pacific", "Connecting", "NonResponsive"),
                   *fence(133)]
    assert "liveness" not in rules(check_all(log, scenario, until=133 + bound - 1))
    late = [v for v in check_all(log, scenario, until=133 + bound + 1) if v.rule == "liveness"]
    assert [v.t for v in late] == [133 + bound] and "still Reboot" in late[0].message


def test_a_host_connecting_past_its_grace_breaks_liveness(scenario, start):
    bound = host_bounds_s(scenario.config(), len(scenario.vms))["Connecting"]
    log = start + [host(60, "pacific", "Up", "Connecting")]
    assert [v.rule for v in check_all(log, scenario, until=60 + bound + 1)] == ["liveness"]


def test_a_non_responsive_host_whose_fencing_never_ends_breaks_liveness(scenario, start):
    bound = fence_bound_s(scenario.config())
    log = start + [host(60, "pacific", "Up", "Connecting"), host(123, "pacific", "Connecting", "NonResponsive")]
    found = [v for v in check_all(log, scenario, until=123 + bound + 1) if v.rule == "liveness"]
    assert len(found) == 1 and "fencing of pacific" in found[0].message
    skipped = log + [ev.FencingSkipped(133, "pacific", "no power management")]
    assert "liveness" not in rules(check_all(skipped, scenario, until=123 + bound + 1))


def test_a_vm_stuck_in_migrating_from_breaks_liveness(scenario, start):
    """A migration VDSM never aborts: web1 left MigratingFrom neither by a switch-over nor by a failure."""
    bound = migrating_bound_s(scenario)
    log = start + migration(60, "web1")
    assert "liveness" not in rules(check_all(log, scenario, until=60 + bound - 1))
    late = [v for v in check_all(log, scenario, until=60 + bound + 1) if v.rule == "liveness"]
    assert [v.t for v in late] == [60 + bound] and "web1 is still MigratingFrom" in late[0].message


def test_the_migrating_bound_follows_the_eras_migration_timeouts():
    """3.3 (VDSM 4.13) aborts after migration_timeout without progress, which a guest dirtying faster
    than the link runs into; 4.x VDSM has no timer: the convergence schedule's iterations bound it,
    each copying at most the guest's memory (issue 19, correction 6)."""
    vm = model.Vm("db1", "pacific", 8, dirty_rate_mib_s=40)  # faster than 3.3's 32 MiB/s link
    old, new = config_of("rhev-3.3"), config_of("ovirt-4.5")
    assert migration_bound_s(vm, config_of("rhev-3.3", {"migration_timeout": 600})) - migration_bound_s(vm, old) == pytest.approx(300)
    round_s = 8 * 1024 / new.migration_max_bandwidth
    fallback = config_of("ovirt-4.5", {"migration_convergence": "legacy_ramp"})
    assert migration_bound_s(vm, fallback) - migration_bound_s(vm, new) == pytest.approx((43 - 10) * round_s)
    plan = plan_precopy(vm.memory_gb, vm.dirty_rate_mib_s, new)
    assert plan.aborted == "downtime schedule exhausted: migration aborted"
    assert plan.duration_s <= migration_bound_s(vm, new)


def test_a_new_spm_while_the_old_one_is_non_responsive_and_unfenced_breaks_spm_proof(scenario, start):
    """Atlantic, the SPM, is cut off; its lease is long dead; still no proof that it is down."""
    log = start + [ev.HostPoweredOff(60, "atlantic", "power lost"), host(60, "atlantic", "Up", "Connecting"),
                   host(143, "atlantic", "Connecting", "NonResponsive"),
                   ev.SpmStopped(300, "atlantic", "test"), ev.SpmStarted(310, "pacific", "test")]
    assert "spm-proof" in rules(check_all(log, scenario, until=310))
    fenced = log[:-2] + [*fence(200, "atlantic"), ev.SpmStopped(300, "atlantic", "test"),
                         ev.SpmStarted(310, "pacific", "test")]
    assert "spm-proof" not in rules(check_all(fenced, scenario, until=310))
