"""The rest of the HA story (issue 4), each behaviour read off the event log of a shipped scenario."""

from __future__ import annotations

import pytest

from hacourse import load_scenario, rules, simulate
from hacourse.profiles import config_of
from hacourse.scenario import ScenarioError
from tests.seed import ROOT, of, variant

SCENARIOS = ROOT / "scenarios"
RHEV = config_of("rhev-3.3")
OVIRT = config_of("ovirt-4.5")


def run(name: str, seed: int = 0, **changes):
    path = SCENARIOS / f"{name}.yaml"
    return simulate(variant(path, **changes) if changes else load_scenario(path), seed=seed)


def first(log, kind, **match):
    found = of(log, kind, **match)
    assert found, f"no {kind} {match} in the log"
    return found[0]


def spm_holders_over_time(log):
    holders, timeline = set(), []
    for r in log:
        if r.event == "SpmStarted":
            holders.add(r.host)
        elif r.event == "SpmStopped":
            holders.discard(r.host)
        timeline.append(set(holders))
    return timeline


# --- 1. the SPM host loses its storage network ---------------------------------------------

@pytest.mark.parametrize("seed", range(4))
def test_the_spm_self_fences_after_the_lease_renewal_timeout_and_another_host_takes_over(seed):
    log = run("spm-storage-down", seed=seed)
    io = RHEV.io_timeout
    expired = first(log, "SpmLeaseExpired", host="atlantic")
    assert 60 + 8 * io - 2 * io <= expired.t <= 60 + 8 * io  # 8 x io_timeout after the last renewal
    # the engine may stop using it first (NIC rule, ResetIrs); sanlock kills VDSM either way
    assert first(log, "SpmStopped", host="atlantic").t <= expired.t
    assert first(log, "HostFenced", host="atlantic").method == "self"
    started = first(log, "SpmStarted", host="pacific")
    assert started.t >= expired.t + 6 * io  # the old lease is dead only 14 x io_timeout after renewal
    assert all(len(h) <= 1 for h in spm_holders_over_time(log))


def test_a_host_with_spm_priority_minus_one_never_becomes_spm():
    for seed in range(8):
        log = run("spm-storage-down", seed=seed)
        assert "indian" not in {r.host for r in of(log, "SpmStarted")}


def test_the_old_spm_comes_back_up_without_storage_then_the_nic_rule_makes_it_non_operational_and_its_vms_leave():
    """InitVdsOnUp does not fail a host while the master domain is Unknown (the data center has no
    SPM): Atlantic is Up again after the VDSM restart, until the NIC rule acts at its next statistics."""
    log = run("spm-storage-down")
    path = [r.new for r in of(log, "HostStatusChanged", host="atlantic")][1:]
    assert path[:4] == ["Connecting", "Initializing", "Up", "NonOperational"]
    up = first(log, "HostStatusChanged", host="atlantic", new="Up", old="Initializing")
    assert "master domain is Unknown" in up.reason
    nonop = first(log, "HostStatusChanged", host="atlantic", new="NonOperational")
    assert nonop.reason.startswith("NETWORK_INTERFACE_IS_DOWN")
    assert nonop.t - up.t <= RHEV.VdsRefreshRate * RHEV.NumberVmRefreshesBeforeSave
    left = {r.vm for r in of(log, "MigrationFinished", source="atlantic")}
    assert left == {"db1", "mail1", "app1", "web1"}


def test_the_spm_never_moves_back_by_itself_when_its_old_host_recovers():
    log = run("spm-storage-down", faults=[{"at": 60, "action": "ifdown", "host": "atlantic", "nic": "storage"},
                                          {"at": 700, "action": "ifup", "host": "atlantic", "nic": "storage"}])
    back = [r for r in of(log, "HostStatusChanged", host="atlantic", new="Up") if r.t > 700]
    assert back and "storage pool connected" in back[0].reason
    assert [r.host for r in of(log, "SpmStarted")] == ["atlantic", "pacific"]


# --- 2. management network or power lost: Non Responsive, fencing, HA restart -----------------

def test_management_network_down_makes_the_host_non_responsive_after_the_fence_grace():
    log = run("pacific-mgmt-down")
    connecting = first(log, "HostStatusChanged", host="pacific", new="Connecting")
    non_responsive = first(log, "HostStatusChanged", host="pacific", new="NonResponsive")
    grace = RHEV.TimeoutToResetVdsInSeconds + RHEV.DelayResetPerVmInSeconds * 3
    poll = RHEV.VdsRefreshRate
    assert connecting.t == 60  # the poll at the fault's instant fails
    assert grace - poll <= non_responsive.t - connecting.t <= grace + poll


def test_the_spm_gets_twenty_more_seconds_of_grace():
    plain = run("pacific-mgmt-down")
    spm = run("pacific-mgmt-down", spm="pacific")
    def grace(log):
        return (first(log, "HostStatusChanged", new="NonResponsive").t
                - first(log, "HostStatusChanged", new="Connecting").t)
    assert grace(spm) - grace(plain) == pytest.approx(RHEV.DelayResetForSpmInSeconds, abs=3)


def test_soft_fencing_cannot_reach_a_host_without_management_network_so_power_management_restarts_it():
    log = run("pacific-mgmt-down")
    soft = first(log, "FenceAttempted", host="pacific", method="ssh-soft-fencing")
    assert soft.result.startswith("failed")
    fenced = first(log, "HostFenced", host="pacific")
    assert fenced.method == "power-management"
    assert fenced.t - soft.t == rules.FENCE_FIRST_STATUS_CHECK_S  # the agent's first status check says "off"


def test_ha_vms_restart_elsewhere_only_after_the_fence_and_non_ha_vms_stay_down():
    log = run("pacific-mgmt-down")
    fenced = first(log, "HostFenced", host="pacific")
    restarted = of(log, "HaRestartAttempted", result="started")
    assert {r.vm for r in restarted} == {"db1", "mail1"}
    assert all(r.t >= fenced.t for r in restarted)
    assert all(r.host == "atlantic" for r in restarted)
    web1 = list(of(log, "VmStatusChanged", vm="web1"))
    assert web1[-1].new == "Down"


def test_the_fence_restart_brings_the_host_back_with_its_nic_up():
    """An ifdown does not survive a reboot: the fenced host comes back Up."""
    log = run("pacific-mgmt-down")
    fenced = first(log, "HostFenced", host="pacific")
    assert first(log, "NicUp", host="pacific", nic="em1").t >= fenced.t
    path = [r.new for r in of(log, "HostStatusChanged", host="pacific")]
    assert path[-4:] == ["Reboot", "NonResponsive", "Initializing", "Up"]  # 3.3 StartVds: NonResponsive


def test_without_power_management_the_host_stays_non_responsive_and_ha_vms_wait():
    log = run("pacific-power-loss-no-pm")
    skipped = first(log, "FencingSkipped", host="pacific")
    assert "power management" in skipped.reason
    power_on = first(log, "HostPoweredOn", host="pacific")
    assert all(r.t > power_on.t for r in of(log, "HaRestartAttempted"))
    assert of(log, "HostFenced") == []


def test_after_a_power_loss_no_vm_is_ever_up_on_two_hosts():
    for name in ("pacific-power-loss", "pacific-power-loss-no-pm", "pacific-mgmt-down"):
        log = run(name)
        where = {}
        for r in of(log, "VmStatusChanged"):
            if r.new in ("Up", "MigratingFrom", "Paused", "WaitForLaunch", "Unknown"):
                if r.vm in where and where[r.vm] != r.host:
                    assert r.old in ("Down", "MigratingFrom", "Paused"), (name, r)
                where[r.vm] = r.host
            else:
                where.pop(r.vm, None)


def test_two_host_cluster_skips_fencing_at_the_fifty_percent_threshold():
    log = run("two-hosts-fencing-policy")
    skipped = first(log, "FencingSkipped", host="pacific")
    assert "skip_if_connectivity_broken" in skipped.reason and "50 %" in skipped.reason
    assert of(log, "HaRestartAttempted") == [] and of(log, "HostFenced") == []


def test_a_threshold_above_fifty_percent_lets_the_two_host_cluster_fence():
    policy = {"enabled": True, "skip_if_connectivity_broken": True,
              "hosts_with_broken_connectivity_threshold": 75}
    log = run("two-hosts-fencing-policy", cluster={"resilience_policy": "migrate", "fencing_policy": policy})
    assert first(log, "HostFenced", host="pacific").method == "power-management"
    assert first(log, "HaRestartAttempted", vm="db1").result == "started"


def test_skip_if_sd_active_spares_a_host_that_still_renews_its_storage_lease():
    policy = {"enabled": True, "skip_if_sd_active": True}
    log = run("pacific-mgmt-down", engine_profile="ovirt-4.5",
              cluster={"resilience_policy": "migrate", "fencing_policy": policy})
    skipped = first(log, "FencingSkipped", host="pacific")
    assert "skip_if_sd_active" in skipped.reason
    last_seen = first(log, "HostStatusChanged", new="Connecting").t - OVIRT.VdsRefreshRate
    assert skipped.t == last_seen + OVIRT.HostStorageLeaseAliveCheckingInterval


def test_rhev_3_3_has_no_fencing_policy_and_fences_the_host_whose_lease_is_live():
    """The cluster fencing policy came with oVirt 3.5 (issue 19, correction 6): a 3.3 scenario may not
    write one, and the 3.3 engine power-fences pacific though it still renews its storage lease."""
    policy = {"enabled": True, "skip_if_sd_active": True}
    with pytest.raises(ScenarioError, match=r"pacific-mgmt-down.yaml \(variant\):\d+:\d+: cluster.fencing_policy: "
                       r"not in engine_profile rhev-3.3: .*came with oVirt 3.5.*use engine_profile: ovirt-4.5"):
        run("pacific-mgmt-down", cluster={"resilience_policy": "migrate", "fencing_policy": policy})
    log = run("pacific-mgmt-down")
    assert first(log, "HostFenced", host="pacific").method == "power-management"
    assert of(log, "FencingSkipped", host="pacific") == []


# --- 3. paused VMs and their resume behaviour -----------------------------------------------

def test_each_paused_vm_follows_its_resume_behaviour_when_storage_returns():
    log = run("paused-vms-resume")
    ifup = first(log, "NicUp", host="pacific").t
    last = {}
    for r in of(log, "VmStatusChanged"):
        last[r.vm] = r
    assert (last["app1"].new, last["app1"].host) == ("Up", "pacific") and last["app1"].t > ifup
    assert last["report1"].new == "Paused"  # leave_paused waits for the admin
    killed = first(log, "VmStatusChanged", vm="db1", new="Down")
    paused = first(log, "VmStatusChanged", vm="db1", new="Paused")
    # VDSM's periodic check, every vm_kill_paused_timeout // 2, kills it once paused longer than the timeout
    timeout = OVIRT.vm_kill_paused_timeout
    assert timeout < killed.t - paused.t <= timeout + timeout // 2 and killed.t < ifup
    assert (last["db1"].new, last["db1"].host) == ("Up", "atlantic")  # HA: restarted elsewhere
    assert of(log, "VmStatusChanged", vm="web1", new="Paused") == []  # it never wrote


def test_a_non_operational_host_returns_through_auto_recovery_after_ifup():
    log = run("paused-vms-resume")
    back = first(log, "HostStatusChanged", host="pacific", old="NonOperational")
    assert back.new == "Unassigned" and back.t % OVIRT.AutoRecoverySchedule == 0  # ActivateVds
    assert of(log, "HostStatusChanged", host="pacific")[-1].new == "Up"


# --- 4. capacity and scheduling ---------------------------------------------------------------

def test_a_vm_that_fits_nowhere_stays_on_its_host_with_a_clear_reason():
    log = run("three-hosts-capacity")
    failed = first(log, "MigrationFailed", vm="big1")
    assert "Memory" in failed.reason
    assert of(log, "VmStatusChanged", vm="big1")[-1].host == "pacific"


def test_the_scheduler_spreads_vms_by_free_memory_and_never_overfills_a_host():
    scenario = load_scenario(SCENARIOS / "three-hosts-capacity.yaml")
    log = simulate(scenario)
    assert {r.destination for r in of(log, "MigrationStarted")} == {"atlantic", "indian"}
    memory = {v.name: v.memory_gb for v in scenario.vms}
    capacity = {h.name: h.memory_gb for h in scenario.hosts}
    where = {}
    for r in of(log, "VmStatusChanged"):
        where[r.vm] = r.host
        for host, cap in capacity.items():
            assert sum(memory[v] for v, h in where.items() if h == host) <= cap


# --- 6. the two engine profiles side by side ---------------------------------------------------

def test_ovirt_4_5_migrates_each_vm_faster_but_two_at_a_time():
    old = run("pacific-storage-down")
    new = run("pacific-storage-down", engine_profile="ovirt-4.5")
    for vm in ("web1", "app2", "mail1"):  # VMs that do not write: no wait for EIO
        assert first(new, "MigrationFinished", vm=vm).duration_s < first(old, "MigrationFinished", vm=vm).duration_s
    assert {r.bandwidth_mib_s for r in of(new, "MigrationTransferStarted")} == {OVIRT.migration_max_bandwidth}


def test_ovirt_4_5_restarts_ha_vms_within_seconds_of_the_fence_highest_priority_first():
    log = run("pacific-mgmt-down", engine_profile="ovirt-4.5")
    fenced = first(log, "HostFenced", host="pacific")
    db1 = first(log, "HaRestartAttempted", vm="db1", result="started")
    assert db1.t - fenced.t <= OVIRT.AutoStartVmsRunnerIntervalInSeconds
    # mail1 (Medium) waits while db1 (High) is still launching: MaxTimeAutoStartBlockedOnPriority
    db1_up = first(log, "VmStatusChanged", vm="db1", new="Up", host="atlantic")
    assert first(log, "HaRestartAttempted", vm="mail1", result="started").t >= db1_up.t


def test_rhev_3_3_restarts_ha_vms_as_soon_as_the_fence_confirms_the_stop():
    """3.3's fence flow runs RunVm itself (RestartVdsVms): no runner to wait for, no priority blocking."""
    log = run("pacific-mgmt-down")
    fenced = first(log, "HostFenced", host="pacific")
    started = of(log, "HaRestartAttempted", result="started")
    assert {r.vm for r in started} == {"db1", "mail1"} and {r.t for r in started} == {fenced.t}


# --- VM leases (4.1+): HA restart without fencing, never twice ---------------------------------

def lease_variant(fault: dict):
    return run("pacific-power-loss-no-pm", engine_profile="ovirt-4.5", faults=[fault],
               vms=[{"name": "db1", "host": "pacific", "memory_gb": 4, "ha": True, "priority": "high",
                     "lease": True},
                    {"name": "web1", "host": "pacific", "memory_gb": 1}])


def test_an_ha_vm_with_a_lease_restarts_without_fencing_once_its_lease_expired():
    log = lease_variant({"at": 60, "action": "power_off", "host": "pacific"})
    assert of(log, "HostFenced") == []
    down = first(log, "VmStatusChanged", vm="db1", new="Down")
    assert down.t - 60 >= 14 * OVIRT.io_timeout
    assert of(log, "VmStatusChanged", vm="db1")[-1].host == "atlantic"
    assert of(log, "VmStatusChanged", vm="web1")[-1].new == "Unknown"  # no lease: it waits


def test_an_ha_vm_with_a_lease_is_not_restarted_while_its_host_still_runs_it():
    log = lease_variant({"at": 60, "action": "ifdown", "host": "pacific", "nic": "ovirtmgmt"})
    attempts = of(log, "HaRestartAttempted", vm="db1")
    assert attempts and all("lease still held" in r.result for r in attempts)
    assert of(log, "VmStatusChanged", vm="db1")[-1].new == "Unknown"


def test_rhev_3_3_has_no_vm_leases():
    """VM leases came with 4.1: a 3.3 scenario may not ask for one (issue 19, correction 6)."""
    with pytest.raises(ScenarioError, match=r"vms\[0\]\.lease: not in engine_profile rhev-3.3"):
        run("pacific-power-loss-no-pm",
            vms=[{"name": "db1", "host": "pacific", "memory_gb": 4, "ha": True, "lease": True}],
            faults=[{"at": 60, "action": "power_off", "host": "pacific"}])
