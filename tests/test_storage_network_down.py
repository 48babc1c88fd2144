"""The seed story (RHEV 3.3 guide §6.8): Pacific, a non-SPM host, loses its storage network.

Each test reads one thing a student sees in the event log.
"""

from __future__ import annotations

import pytest

from hacourse import load_scenario, simulate
from hacourse.profiles import config_of
from tests.seed import SEED, of, variant

CONFIG = config_of("rhev-3.3")
FAULT_AT = 60.0
STATS_PERIOD = CONFIG.VdsRefreshRate * CONFIG.NumberVmRefreshesBeforeSave


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(SEED)


@pytest.fixture(scope="module")
def log(scenario):
    return simulate(scenario, seed=0)


def non_operational_at(log, host="pacific"):
    changes = of(log, "HostStatusChanged", host=host, new="NonOperational")
    return changes[0].t if changes else None


@pytest.mark.parametrize("seed", range(6))
def test_pacific_turns_non_operational_one_grace_after_the_engine_sees_the_nic_down(scenario, seed):
    log = simulate(scenario, seed=seed)
    seen = of(log, "HostNicProblemDetected", host="pacific", nic="p1p1")[0]
    assert FAULT_AT <= seen.t < FAULT_AT + STATS_PERIOD  # the next statistics refresh
    assert non_operational_at(log) == seen.t + CONFIG.NicDHCPDelayGraceInMS
    change = of(log, "HostStatusChanged", host="pacific", new="NonOperational")[0]
    assert change.reason.startswith("NETWORK_INTERFACE_IS_DOWN")


def test_vms_that_write_pause_on_eio_after_the_iscsi_timeouts_and_the_others_never_pause(log, scenario):
    eio_after = (
        CONFIG.node_conn0_timeo_noop_out_interval
        + CONFIG.node_conn0_timeo_noop_out_timeout
        + CONFIG.node_session_timeo_replacement_timeout
    )
    writers = {v.name for v in scenario.vms if v.writes and v.host == "pacific"}
    paused = {r.vm: r for r in of(log, "VmStatusChanged", new="Paused")}
    assert set(paused) == writers
    for record in paused.values():
        assert record.t == FAULT_AT + eio_after
        assert "EIO" in record.reason and record.host == "pacific"
    assert {r.vm for r in of(log, "VmIoBlocked")} == writers


def test_high_priority_vms_leave_pacific_first(log, scenario):
    priority = {v.name: v.priority for v in scenario.vms}
    order = [r.vm for r in of(log, "MigrationStarted", source="pacific")]
    assert [priority[v] for v in order] == sorted((priority[v] for v in order), reverse=True)
    assert {order[0], order[1]} == {"db1", "mail1"}  # the HA VMs, priority High


def test_migrations_start_when_pacific_turns_non_operational(log):
    starts = of(log, "MigrationStarted", source="pacific")
    assert {r.t for r in starts} == {non_operational_at(log)}
    assert all(r.destination == "atlantic" for r in starts)


def test_no_more_than_max_outgoing_migrations_copy_at_once(log):
    limit = CONFIG.max_outgoing_migrations
    active, peak = set(), 0
    for r in log:
        if r.event == "MigrationTransferStarted":
            active.add(r.vm)
            peak = max(peak, len(active))
        elif r.event in ("MigrationFinished", "MigrationFailed"):
            active.discard(r.vm)
    assert peak == limit  # six VMs leave: the limit is reached, never passed


def test_an_idle_vm_migrates_in_about_its_memory_over_the_bandwidth(log, scenario):
    """1 GiB at 32 MiB/s is 32 s of copying, plus setup and a few short rounds (reference §5.4)."""
    web1 = of(log, "MigrationFinished", vm="web1")[0]
    assert 32 <= web1.duration_s <= 38
    assert web1.downtime_ms < 500  # the downtime ramp tops out at migration_downtime = 500 ms


def test_a_vm_whose_writes_hang_is_migrated_paused_and_continued_on_atlantic(log):
    db1 = [r for r in log if getattr(r, "vm", None) == "db1"]
    kinds = [(r.event, getattr(r, "new", None)) for r in db1]
    assert kinds.index(("VmStatusChanged", "Paused")) < kinds.index(("MigrationFinished", None))
    resumed = of(log, "VmStatusChanged", vm="db1", new="Up", host="atlantic")[0]
    assert resumed.old == "Paused" and "continued" in resumed.reason
    finished = of(log, "MigrationFinished", vm="db1")[0]
    paused = of(log, "VmStatusChanged", vm="db1", new="Paused")[0]
    assert finished.downtime_ms == round((finished.t - paused.t) * 1000)


def test_every_pacific_vm_ends_up_on_atlantic(log, scenario):
    last = {}
    for r in of(log, "VmStatusChanged"):
        last[r.vm] = r
    for vm in scenario.vms:
        assert (last[vm.name].new, last[vm.name].host) == ("Up", "atlantic")


def test_no_vm_ever_runs_on_two_hosts(log):
    where = {}
    for r in of(log, "VmStatusChanged"):
        where[r.vm] = r.host
        hosts_of = {}
        for vm, host in where.items():
            hosts_of.setdefault(vm, set()).add(host)
        assert all(len(h) == 1 for h in hosts_of.values())
    migrating = {r.vm for r in of(log, "MigrationStarted")}
    finished = {r.vm for r in of(log, "MigrationFinished")}
    assert migrating == finished  # every handover ended with one owner


def test_the_spm_stays_on_atlantic_and_nothing_is_fenced(log):
    assert [r.host for r in of(log, "SpmStarted")] == ["atlantic"]
    assert of(log, "SpmStopped") == []
    assert of(log, "HostFenced") == []


def test_the_storage_domain_timer_is_armed_but_finds_pacific_already_non_operational(log):
    reported = of(log, "StorageDomainReportedProblematic", host="pacific")[0]
    assert reported.last_check_s > CONFIG.MaxStorageVdsTimeoutCheckSec
    timer = of(log, "StorageDomainTimerStarted")[0]
    assert timer.fires_at == reported.t + 60 * CONFIG.StorageDomainFailureTimeoutInMinutes
    expired = of(log, "StorageDomainTimerExpired")[0]
    assert expired.t == timer.fires_at and "nothing to do" in expired.action
    assert len(of(log, "HostStatusChanged", host="pacific", new="NonOperational")) == 1


def test_a_nic_back_within_the_grace_period_keeps_pacific_up():
    scenario = variant(
        faults=[
            {"at": 60, "action": "ifdown", "host": "pacific", "nic": "p1p1"},
            {"at": 100, "action": "ifup", "host": "pacific", "nic": "p1p1"},
        ]
    )
    log = simulate(scenario)
    assert non_operational_at(log) is None
    assert of(log, "HostNicProblemCleared", host="pacific")
    assert of(log, "VmStatusChanged", new="Paused") == []  # I/O resumed before the EIO deadline


def test_a_fault_at_the_instant_of_a_statistics_refresh_is_seen_by_that_refresh():
    """Rule for simultaneous events: the fault applies first, then the monitor at the same instant."""
    for at in range(60, 75, 3):
        log = simulate(variant(faults=[{"at": at, "action": "ifdown", "host": "pacific", "nic": "p1p1"}]))
        seen = of(log, "HostNicProblemDetected")[0].t
        assert at <= seen < at + STATS_PERIOD
        if (seen - at) % STATS_PERIOD == 0:
            assert seen == at


@pytest.mark.parametrize("grace", [30, 60, 120, 240])
def test_engine_config_overrides_the_nic_grace(grace):
    log = simulate(variant(engine_config={"NicDHCPDelayGraceInMS": grace}))
    seen = of(log, "HostNicProblemDetected")[0].t
    assert non_operational_at(log) - seen == pytest.approx(grace, abs=STATS_PERIOD)
    assert non_operational_at(log) - seen >= grace


def test_when_storage_is_not_a_required_network_the_storage_domain_timer_decides():
    scenario = variant(
        networks=[
            {"name": "ovirtmgmt", "role": "management"},
            {"name": "storage", "role": "storage", "required": False},
        ]
    )
    log = simulate(scenario)
    reported = of(log, "StorageDomainReportedProblematic")[0].t
    assert of(log, "HostNicProblemDetected") == []
    assert non_operational_at(log) == reported + 300  # about 5.5 min after the fault, not 70 s
    change = of(log, "HostStatusChanged", host="pacific", new="NonOperational")[0]
    assert change.reason.startswith("STORAGE_DOMAIN_UNREACHABLE")


def test_fast_eio_pauses_writers_before_the_engine_acts_and_3_3_refuses_to_migrate_them():
    """Reference §7 variant: replacement_timeout tuned low; paused VMs stay on Pacific (3.3 rule)."""
    log = simulate(variant(engine_config={"node.session.timeo.replacement_timeout": 5}))
    refused = of(log, "MigrationFailed", source="pacific")
    assert {r.vm for r in refused} == {"db1", "app1", "log1"}
    assert all("MIGRATE_PAUSED_VM_IS_UNSUPPORTED" in r.reason for r in refused)
    assert {r.vm for r in of(log, "MigrationFinished")} == {"mail1", "app2", "web1"}


def test_ovirt_4_5_copies_two_at_a_time_faster_and_rejects_the_whole_batch_with_an_eio_paused_vm():
    log = simulate(variant(engine_profile="ovirt-4.5"))
    transfers = of(log, "MigrationTransferStarted")
    assert {r.bandwidth_mib_s for r in transfers} == {62}
    first_wave = [r for r in transfers if r.t == transfers[0].t]
    assert len(first_wave) == 2
    fast = simulate(
        variant(engine_profile="ovirt-4.5", engine_config={"node.session.timeo.replacement_timeout": 5, "no_path_retry_queue_s": 0})
    )
    failed = of(fast, "MigrationFailed")
    assert len(failed) == 6 and all("MigrateMultipleVms" in r.reason for r in failed)
    assert of(fast, "MigrationStarted") == []


@pytest.mark.parametrize(("policy", "leaving"), [("migrate", 6), ("migrate_ha_only", 2), ("do_not_migrate", 0)])
def test_the_resilience_policy_decides_which_vms_leave(policy, leaving):
    log = simulate(variant(cluster={"resilience_policy": policy}))
    assert len(of(log, "MigrationStarted")) == leaving


def test_a_hosts_statistics_refresh_keeps_its_phase_for_the_whole_run():
    """Two NIC faults on one host are seen at refreshes a whole number of periods apart."""
    for seed in range(5):
        log = simulate(variant(faults=[{"at": 60, "action": "ifdown", "host": "pacific", "nic": "p1p1"},
                                       {"at": 90, "action": "ifup", "host": "pacific", "nic": "p1p1"},
                                       {"at": 401, "action": "ifdown", "host": "pacific", "nic": "p1p1"}]),
                       seed=seed)
        seen = [r.t for r in of(log, "HostNicProblemDetected", host="pacific", nic="p1p1")]
        assert len(seen) == 2
        assert (seen[1] - seen[0]) % STATS_PERIOD == 0
