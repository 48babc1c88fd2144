"""Every sentence of a notebook that says what a run does, held to the run (issue 20).

One section per notebook. Each test quotes the sentence it checks (in its docstring), runs the
notebook's scenario the way its cells do, with the notebook's seed and, where the sentence speaks
of chance, with several seeds, under every profile the notebook offers. A change of the engine
that makes a lesson's words wrong turns one of these red, naming the notebook and the sentence.
Numbers a cell prints from the run are not repeated here: the cell computes them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import pytest

from hacourse import events as ev
from hacourse import load_scenario, parse_scenario, sanlock, simulate
from hacourse.analysis import episodes, intervals
from hacourse.engine import Simulation
from hacourse.model import Fault, Scenario
from hacourse.panel.shell import HostShell
from hacourse.scenario import ScenarioError, vary
from hacourse.status import FenceMethod, HostStatus, VmStatus
from tests.seed import ROOT

SCENARIOS = ROOT / "scenarios"
ERAS = ("rhev-3.3", "ovirt-4.5")


def scenario(name: str, **settings: object) -> Scenario:
    base = load_scenario(SCENARIOS / f"{name}.yaml")
    return vary(base, settings) if settings else base


def of(log: Sequence[ev.Record], kind: type, **match: object) -> list:
    return [r for r in log if isinstance(r, kind) and all(getattr(r, k) == v for k, v in match.items())]


def statuses(log: Sequence[ev.Record], host: str, after: float = 0.0) -> list[str]:
    return [r.new for r in of(log, ev.HostStatusChanged, host=host) if r.t >= after]


def on_host_at_end(log, sc: Scenario) -> dict[str, str]:
    return {vm.name: intervals.vm_state_at(log, vm.name, sc.duration, sc).host for vm in sc.vms}


# --- notebooks/00-the-guides-lab: guides-lab, rhev-3.3, the cells' own steps ---------------------

@pytest.fixture(scope="module")
def guides_lab():
    """The lesson's cells: `reboot` in Pacific's shell at 1:00, five minutes, the admin migrates four VMs
    to Pacific, five minutes, `ssh root@pacific` again, `ifdown storage` and `ifdown p1p1`, five minutes."""
    sc = scenario("guides-lab", faults=[], expect=[])
    sim = Simulation(sc, 0)
    shell = HostShell(sim, "pacific")
    sim.run_until(60)
    shell.run("reboot")
    sim.run_until(360)
    for vm in ("db1", "mail1", "app1", "web1"):
        sim.inject("migrate", vm=vm, to="pacific")
    sim.run_until(660)
    assert shell.run("ssh root@pacific").startswith("Last login")  # the reboot closed the session
    shell.run("ifdown storage")
    shell.run("ifdown p1p1")
    sim.run_until(960)
    return sim.log, sc


def test_lesson_0_atlantic_is_elected_spm_at_the_next_spm_poll_after_the_reboot(guides_lab):
    """'at the engine's next SPM poll (StoragePoolRefreshTimeInSeconds = 10 s) Atlantic is elected SPM'"""
    log, sc = guides_lab
    started = of(log, ev.SpmStarted, host="atlantic")[0]
    assert 60 <= started.t <= 60 + sc.config().StoragePoolRefreshTimeInSeconds


def test_lesson_0_pacific_turns_non_responsive_and_is_fenced_before_it_is_back(guides_lab):
    """'Pacific's reboot takes longer than the engine's patience: it turns Non Responsive and is
    fenced before it is back'; and (3.3) a booting host shows Non Responsive."""
    log, _ = guides_lab
    after = statuses(log, "pacific", after=60)
    assert after.index(HostStatus.NON_RESPONSIVE) < after.index(HostStatus.UP)
    fenced = of(log, ev.HostFenced, host="pacific")[0]
    up = next(r for r in of(log, ev.HostStatusChanged, host="pacific", new=HostStatus.UP) if r.t > 60)
    assert fenced.method == FenceMethod.POWER_MANAGEMENT and fenced.t < up.t
    while_booting = [r.new for r in of(log, ev.HostStatusChanged, host="pacific") if fenced.t <= r.t < up.t]
    assert while_booting[0] == HostStatus.NON_RESPONSIVE


def test_lesson_0_the_admins_migrations_land_on_pacific_and_step_4_brings_every_vm_back(guides_lab):
    """Step 2 migrates four VMs to Pacific; the check of section 8: every VM back on Atlantic."""
    log, sc = guides_lab
    landed = {r.vm for r in of(log, ev.MigrationFinished, destination="pacific")}
    assert landed == {"db1", "mail1", "app1", "web1"}
    assert set(on_host_at_end(log, sc).values()) == {"atlantic"}


def test_lesson_0_pacific_turns_non_operational_a_grace_after_the_refresh_and_its_vms_leave_by_priority(guides_lab):
    """'About a minute later (the NIC grace, 60 s after the engine's statistics refresh sees p1p1 down)
    Pacific turns Non Operational, and its VMs migrate to Atlantic, highest priority first.'"""
    log, sc = guides_lab
    rule = episodes.nic_rule(log, "pacific")
    assert rule.went_down == 660 and rule.non_operational - rule.engine_saw == rule.grace_s == 60
    leaving = [m for m in episodes.migration_order(log, sc) if m["source"] == "pacific"]
    assert [m["priority"] for m in leaving] == sorted((m["priority"] for m in leaving), reverse=True)
    assert {m["destination"] for m in leaving} == {"atlantic"}


def test_lesson_0_the_writers_pause_on_eio_and_continue_on_atlantic(guides_lab):
    """'The writers, db1 and app1, hang on their lost disk, pause on EIO, and continue on Atlantic.'"""
    log, sc = guides_lab
    writers = {vm.name for vm in sc.vms if vm.writes and vm.name in ("db1", "mail1", "app1", "web1")}
    paused = [p for p in episodes.pauses(log, sc) if p.start >= 660]
    assert writers == {"db1", "app1"} == {p.vm for p in paused}
    assert {p.resumed_on for p in paused} == {"atlantic"}


def test_lesson_0_after_run_all_the_timeline_shows_the_whole_lab():
    """Section 2: 'each [cell] moves the timeline's window to the step it is about; after Run All it shows
    the whole lab, 0:00 to the end': the reboot, the fence and the ifdown are all in the drawn window."""
    from hacourse.panel.admin import add_admin_tools
    from hacourse.panel.widgets import Lesson

    lesson = Lesson(scenario("guides-lab"), seed=0, scripted_faults=False)
    console, _ = add_admin_tools(lesson, host="pacific")
    lesson.step(60)
    console.type("reboot")
    lesson.step(300)
    lesson.show_window(0, lesson.now)
    assert lesson.timeline_picture.xmin <= 60 <= lesson.timeline_picture.xmax
    for vm in ("db1", "mail1", "app1", "web1"):
        lesson.inject("migrate", vm=vm, to="pacific")
    lesson.step(300)
    lesson.show_window(300, lesson.now)
    console.type("ssh root@pacific")
    console.type("ifdown storage")
    console.type("ifdown p1p1")
    lesson.step(300)
    lesson.show_window(0, lesson.now)
    picture = lesson.timeline_picture
    fenced = of(lesson.log, ev.HostFenced, host="pacific")[0].t
    for t in (60, fenced, 660, lesson.now):
        assert picture.xmin <= t <= picture.xmax, (t, picture.xmin, picture.xmax)
    assert any(s.lane == "host:pacific" and s.status == HostStatus.NON_OPERATIONAL for s in picture.spans)


# --- notebooks/01-storage-network-down-non-spm: pacific-storage-down, both eras -------------------

@pytest.mark.parametrize("era", ERAS)
@pytest.mark.parametrize("seed", range(5))
def test_lesson_1_the_engine_sees_the_nic_0_to_15_s_after_the_click_then_waits_60_s(era, seed):
    """'it sees the NIC down 0–15 s after your click'; Non Operational 'at the first refresh at least
    NicDHCPDelayGraceInMS = 60 later'; Answer 2: 'Any time from 60 to 75 s is right'."""
    sc = scenario("pacific-storage-down", engine_profile=era)
    rule = episodes.nic_rule(simulate(sc, seed=seed), "pacific")
    assert 0 <= rule.engine_saw - rule.went_down <= 15
    assert rule.non_operational - rule.engine_saw == rule.grace_s == 60
    assert 60 <= rule.non_operational - rule.went_down <= 75


@pytest.mark.parametrize("era", ERAS)
def test_lesson_1_the_nic_rule_beats_the_storage_domain_timer_and_nothing_is_fenced(era):
    """'that slower rule would also make Pacific Non Operational, but the NIC rule gets there first';
    'The SPM stays on Atlantic, and nothing is fenced.'"""
    sc = scenario("pacific-storage-down", engine_profile=era)
    log = simulate(sc, seed=0)
    nonop = episodes.first_status(log, "pacific", HostStatus.NON_OPERATIONAL)
    assert "NETWORK_INTERFACE_IS_DOWN" in nonop.reason
    assert all(t.t >= nonop.t for t in of(log, ev.StorageDomainTimerExpired))
    assert not of(log, ev.HostFenced) and not of(log, ev.SpmStopped)
    assert statuses(log, "pacific").count(HostStatus.NON_RESPONSIVE) == 0


@pytest.mark.parametrize("era", ERAS)
def test_lesson_1_the_engine_asks_for_every_migration_at_once_by_priority_and_slots_limit_the_copies(era):
    """'The engine asks for all of them at once, sorted by VM priority'; VDSM copies at most
    max_outgoing_migrations at a time, each at migration_max_bandwidth; 'the others wait for a slot'."""
    sc = scenario("pacific-storage-down", engine_profile=era)
    log = simulate(sc, seed=0)
    order = episodes.migration_order(log, sc)
    assert len({m["requested"] for m in order}) == 1
    assert [m["priority"] for m in order] == sorted((m["priority"] for m in order), reverse=True)
    config = sc.config()
    assert {r.bandwidth_mib_s for r in of(log, ev.MigrationTransferStarted)} == {config.migration_max_bandwidth}
    copying = [(m.transfer_start, m.end) for m in intervals.migration_spans(log) if m.transfer_start is not None]
    most = max(sum(1 for s, e in copying if s <= t < e) for t, _ in copying)
    assert most == config.max_outgoing_migrations < len(order)
    assert any(m["queued_s"] > 0 for m in order)


def test_lesson_1_under_3_3_the_writers_pause_130_s_after_the_ifdown_and_continue_on_atlantic():
    """'the iSCSI layer holds the I/O for replacement_timeout = 120 s (after 5 + 5 s ...)'; 'it is moved
    paused, and continued on Atlantic'; Answer 3: 'VMs that do not write never paused'."""
    sc = scenario("pacific-storage-down")
    assert sc.engine_profile == "rhev-3.3"
    log = simulate(sc, seed=0)
    fault = intervals.injected_faults(log)[0]
    paused = episodes.pauses(log, sc)
    assert {p.vm for p in paused} == {vm.name for vm in sc.vms if vm.writes}
    assert {p.start - fault.t for p in paused} == {130}
    assert {(p.host, p.resumed_on) for p in paused} == {("pacific", "atlantic")}
    assert set(on_host_at_end(log, sc).values()) == {"atlantic"}


def test_lesson_1_under_4_5_the_writers_stay_paused_on_pacific():
    """'oVirt 4.x does not move such a VM ... The writer stays Paused on Pacific'."""
    sc = scenario("pacific-storage-down", engine_profile="ovirt-4.5")
    log = simulate(sc, seed=0)
    paused = episodes.pauses(log, sc)
    assert {p.vm for p in paused} == {vm.name for vm in sc.vms if vm.writes}
    assert all(p.host == "pacific" and p.end is None for p in paused)
    ends = on_host_at_end(log, sc)
    assert {vm.name for vm in sc.vms if ends[vm.name] == "pacific"} == {p.vm for p in paused}


@pytest.mark.parametrize("era", ERAS)
def test_lesson_1_after_ifup_pacific_comes_back_at_the_next_auto_recovery_and_the_vms_stay(era):
    """'press the toggle again (ifup) and advance 5 minutes. Pacific comes back only at the engine's next
    auto-recovery run (AutoRecoverySchedule, every 5 minutes), through Unassigned and Initializing to Up;
    the VMs stay on Atlantic.'"""
    sc = scenario("pacific-storage-down", engine_profile=era, faults=[], expect=[])
    sim = Simulation(sc, 0)
    sim.run_until(60)
    sim.inject("ifdown", "pacific", "storage")
    sim.run_until(420)
    moved = {vm for vm, host in on_host_at_end(sim.log, sc).items() if host == "atlantic"}
    sim.inject("ifup", "pacific", "storage")
    sim.run_until(720)
    back = [r for r in of(sim.log, ev.HostStatusChanged, host="pacific") if r.t > 420]
    assert [r.new for r in back] == [HostStatus.UNASSIGNED, HostStatus.INITIALIZING, HostStatus.UP]
    assert back[0].t % sc.config().AutoRecoverySchedule == 0
    assert {vm for vm in moved if intervals.vm_state_at(sim.log, vm, sim.now, sc).host == "atlantic"} == moved


def test_lesson_1_with_fast_failing_storage_the_writers_pause_first_and_3_3_refuses_to_migrate_them():
    """'With fast failure (replacement_timeout: 5) the writers pause before Pacific turns Non Operational,
    and RHEV 3.3 then refuses to migrate them at all.'"""
    sc = scenario("pacific-storage-down", **{"engine_config.node.session.timeo.replacement_timeout": 5})
    log = simulate(sc, seed=0)
    nonop = episodes.first_status(log, "pacific", HostStatus.NON_OPERATIONAL)
    writers = {vm.name for vm in sc.vms if vm.writes}
    assert all(p.start < nonop.t for p in episodes.pauses(log, sc))
    assert not {r.vm for r in of(log, ev.MigrationFinished)} & writers
    assert on_host_at_end(log, sc) == {vm.name: "pacific" if vm.name in writers else "atlantic" for vm in sc.vms}


# --- notebooks/02-spm-storage-down: spm-storage-down, rhev-3.3 ------------------------------------

def _race(seed: int):
    sc = scenario("spm-storage-down")
    log = simulate(sc, seed=seed)
    return sc, log, episodes.spm_handover(log, sc)


@pytest.mark.parametrize("seed", range(8))
def test_lesson_2_sanlock_kills_vdsm_80_s_after_the_last_renewal_and_the_next_spm_waits_for_the_lease(seed):
    """'At 8 × io_timeout (80 s) after the last good renewal, sanlock kills VDSM'; the new SPM may acquire
    the lease only at host_dead_seconds (140 s) after the old owner's last renewal, at the engine's next
    SpmStatus poll; 'the election time depends only on Atlantic's last renewal, never on which rule was first'."""
    sc, log, handover = _race(seed)
    config = sc.config()
    fault = intervals.injected_faults(log)[0]
    assert fault.t - sanlock.renewal_s(config) <= handover.last_renewal <= fault.t
    killed = of(log, ev.HostFenced, host="atlantic", method=FenceMethod.SELF)
    assert [k.t for k in killed] == [handover.lease_expired]
    assert handover.new == "pacific"
    assert 0 <= handover.started - handover.lease_free <= config.StoragePoolRefreshTimeInSeconds


def test_lesson_2_both_rules_win_among_the_seeds_section_7_shows():
    """'Depending on the phase ... Atlantic turns Non Operational through the NIC rule first ... or sanlock
    kills VDSM first. Section 6 runs both.' (seeds 0-7) and how each case goes on."""
    first = {}
    for seed in range(8):
        _, log, handover = _race(seed)
        nonop = episodes.first_status(log, "atlantic", HostStatus.NON_OPERATIONAL)
        after = statuses(log, "atlantic")[statuses(log, "atlantic").index(HostStatus.UP) + 1:]
        if nonop.t < handover.lease_expired:  # the NIC rule won: the engine stops the SPM then (ResetIrs)
            first[seed] = "nic"
            assert handover.stopped == nonop.t
            assert after[:5] == [HostStatus.NON_OPERATIONAL, HostStatus.CONNECTING, HostStatus.INITIALIZING,
                                 HostStatus.UP, HostStatus.NON_OPERATIONAL]
        else:  # sanlock won: Connecting, Initializing, Up (master domain Unknown), then Non Operational
            first[seed] = "sanlock"
            assert after[:4] == [HostStatus.CONNECTING, HostStatus.INITIALIZING, HostStatus.UP,
                                 HostStatus.NON_OPERATIONAL]
        assert statuses(log, "atlantic")[-1] == HostStatus.NON_OPERATIONAL
        assert HostStatus.NON_RESPONSIVE not in statuses(log, "atlantic")
        assert not of(log, ev.HostPoweredOff, host="atlantic")
    assert set(first.values()) == {"nic", "sanlock"}, first


def test_lesson_2_the_vms_leave_for_pacific_the_writers_continue_there_and_indian_is_never_spm():
    """'A Non Operational host's VMs leave by priority, here to Pacific, the Up host with the most free
    memory. The writers pause on EIO and continue on Pacific.' Answer 2: Indian's -1 means never."""
    sc, log, _ = _race(0)
    order = episodes.migration_order(log, sc)
    assert {m["destination"] for m in order} == {"pacific"}
    assert [m["priority"] for m in order] == sorted((m["priority"] for m in order), reverse=True)
    paused = episodes.pauses(log, sc)
    assert paused and {(p.host, p.resumed_on) for p in paused} == {("atlantic", "pacific")}
    for seed in range(8):
        assert "indian" not in {r.host for r in of(_race(seed)[1], ev.SpmStarted)}


def test_lesson_2_after_ifup_atlantic_comes_back_and_the_spm_stays_on_pacific():
    """'press the toggle again and advance 5 minutes. Atlantic comes back at the next auto-recovery, but
    the SPM stays where it is'."""
    sc = scenario("spm-storage-down", faults=[], expect=[])
    sim = Simulation(sc, 0)
    sim.run_until(60)
    sim.inject("ifdown", "atlantic", "storage")
    sim.run_until(360)
    sim.inject("ifup", "atlantic", "storage")
    sim.run_until(720)
    assert intervals.host_status_at(sim.log, "atlantic", sim.now, sc) == HostStatus.UP
    assert intervals.spm_holder(sim.log, sim.now, sc) == "pacific"


# --- notebooks/03-non-responsive-hosts-and-fencing -------------------------------------------------

@pytest.fixture(scope="module")
def mgmt_down():
    sc = scenario("pacific-mgmt-down")
    return sc, simulate(sc, seed=0)


def test_lesson_3_connecting_at_the_first_failed_poll_then_non_responsive_after_the_grace(mgmt_down):
    """'At the first poll that fails the host turns Connecting'; Non Responsive after
    TimeoutToResetVdsInSeconds + DelayResetPerVmInSeconds per VM (+ the SPM's 20 s), at a poll."""
    sc, log = mgmt_down
    config = sc.config()
    fault = intervals.injected_faults(log)[0]
    treated = episodes.fence_episode(log, "pacific")
    assert 0 <= treated.connecting - fault.t <= config.VdsRefreshRate
    vms = len(episodes.vm_recovery(log, sc, "pacific"))
    grace = int(config.TimeoutToResetVdsInSeconds + config.DelayResetPerVmInSeconds * vms)
    assert grace <= treated.non_responsive - (treated.connecting - config.VdsRefreshRate) < grace + config.VdsRefreshRate


def test_lesson_3_soft_fencing_fails_then_the_agent_confirms_the_stop_5_s_later(mgmt_down):
    """'Soft fencing ... here its connection times out'; 'the engine asks the agent for the power status,
    first 5 s after the stop ... the first check confirms it'."""
    _, log = mgmt_down
    treated = episodes.fence_episode(log, "pacific")
    assert treated.soft_fencing.startswith("failed")
    assert treated.method == FenceMethod.POWER_MANAGEMENT
    assert treated.fenced - treated.stop_sent == 5


def test_lesson_3_ha_vms_restart_on_atlantic_as_the_fence_confirms_and_web1_stays_down(mgmt_down):
    """'In RHEV 3.3 the fence flow itself starts each HA VM as soon as the stop is confirmed ... on an Up
    host with room'; 'A VM that is not highly available stays Down'; 'web1 is the price'."""
    sc, log = mgmt_down
    treated = episodes.fence_episode(log, "pacific")
    for v in episodes.vm_recovery(log, sc, "pacific"):
        assert v.down == treated.fenced
        if v.ha:
            assert v.restarted == treated.fenced and v.on == "atlantic"
        else:
            assert v.restarted is None and intervals.final_vm_status(log, sc)[v.vm] == VmStatus.DOWN
    assert [v.vm for v in episodes.vm_recovery(log, sc, "pacific") if not v.ha] == ["web1"]


def test_lesson_3_pacific_boots_non_responsive_and_comes_back_whole_and_empty(mgmt_down):
    """'the agent's start boots Pacific again (RHEV 3.3 shows it Non Responsive while it boots)'; 'the
    reboot brings em1 up again ... Pacific goes through Initializing to Up, empty'."""
    sc, log = mgmt_down
    treated = episodes.fence_episode(log, "pacific")
    after = statuses(log, "pacific", after=treated.fenced)
    assert after == [HostStatus.NON_RESPONSIVE, HostStatus.INITIALIZING, HostStatus.UP]
    assert of(log, ev.NicUp, host="pacific", nic="em1")
    final = intervals.final_vm_status(log, sc)
    assert not [vm for vm, host in on_host_at_end(log, sc).items() if host == "pacific" and final[vm] != VmStatus.DOWN]


def test_lesson_3_without_power_management_pacific_stays_non_responsive_until_the_admin_powers_it_on():
    """Section 6: 'Pacific stays Non Responsive ... and its VMs Unknown, HA ones included, until the admin
    powers it on'; then 'the engine restarts the HA ones'."""
    sc = scenario("pacific-power-loss-no-pm")
    log = simulate(sc, seed=0)
    stuck = episodes.fence_episode(log, "pacific")
    power_on = intervals.injected_faults(log)[1]
    assert stuck.skipped and stuck.fenced is None
    assert intervals.host_status_at(log, "pacific", power_on.t - 1, sc) == HostStatus.NON_RESPONSIVE
    for v in episodes.vm_recovery(log, sc, "pacific"):
        assert v.down >= power_on.t
        assert (v.up is not None) == v.ha


def test_lesson_3_the_default_policy_never_fences_in_two_hosts_and_75_percent_does():
    """Section 7: 1 host of 2 reaches the 50 % threshold: fencing skipped, db1 Unknown to the end; with 75 %
    the run fences Pacific and db1 runs on Atlantic."""
    pair = scenario("two-hosts-fencing-policy")
    log = simulate(pair, seed=0)
    assert episodes.fence_episode(log, "pacific").skipped
    assert intervals.final_vm_status(log, pair)["db1"] == VmStatus.UNKNOWN
    higher = vary(pair, {"cluster.fencing_policy.hosts_with_broken_connectivity_threshold": 75})
    higher_log = simulate(higher, seed=0)
    fenced = episodes.fence_episode(higher_log, "pacific")
    assert fenced.fenced is not None
    assert next(v for v in episodes.vm_recovery(higher_log, higher, "pacific") if v.vm == "db1").on == "atlantic"


def _eras(name: str, **settings: object) -> dict[str, tuple[list, Scenario]]:
    out = {}
    for era in ERAS:
        sc = scenario(name, engine_profile=era, **settings)
        out[era] = (simulate(sc, seed=0), sc)
    return out


def test_lesson_3_eras_4_5_copies_two_at_a_time_faster_and_its_writers_pause_80_s_later_and_stay():
    """Section 8: 4.5 allows 2 per host at 62 MiB/s against 3 at 32; 'db1 and app1 hold both slots until
    their hanging writes fail'; 'Writers stay on Pacific'; 'Writes hang longer': 80 s of multipath queueing."""
    eras = _eras("pacific-storage-down")
    (old, old_sc), (new, new_sc) = eras["rhev-3.3"], eras["ovirt-4.5"]
    assert {r.bandwidth_mib_s for r in of(new, ev.MigrationTransferStarted)} == {62}
    assert {r.bandwidth_mib_s for r in of(old, ev.MigrationTransferStarted)} == {32}
    paused_new = {p.vm: p for p in episodes.pauses(new, new_sc)}
    mail1 = of(new, ev.MigrationFinished, vm="mail1")[0]
    copying = {m.vm for m in intervals.migration_spans(new)
               if m.transfer_start is not None and m.transfer_start <= mail1.t < m.end}
    assert copying == {"db1", "app1"} and copying <= set(paused_new)
    failed = min(p.start for p in paused_new.values())
    for r in of(new, ev.MigrationTransferStarted):
        assert r.vm in ("db1", "mail1", "app1") or r.t >= failed
    paused_old = {p.vm: p for p in episodes.pauses(old, old_sc)}
    assert {vm: paused_new[vm].start - p.start for vm, p in paused_old.items()} == dict.fromkeys(paused_old, 80)
    assert all(p.end is None and p.host == "pacific" for p in paused_new.values())


def test_lesson_3_eras_with_fast_failing_storage_3_3_refuses_each_paused_vm_and_4_5_moves_none():
    """'3.3 refuses each paused VM (MIGRATE_PAUSED_VM_IS_UNSUPPORTED) and migrates the others'; '4.5 ...
    one EIO-paused VM rejects the whole command, and no VM leaves Pacific'."""
    eras = _eras("pacific-storage-down", **{"engine_config.node.session.timeo.replacement_timeout": 5,
                                            "engine_config.no_path_retry_queue_s": 0})
    (old, sc), (new, _) = eras["rhev-3.3"], eras["ovirt-4.5"]
    writers = {vm.name for vm in sc.vms if vm.writes}
    assert {r.vm for r in of(old, ev.MigrationFinished)} == {vm.name for vm in sc.vms if vm.host == "pacific"} - writers
    assert not of(new, ev.MigrationFinished) and not of(new, ev.MigrationStarted)


def test_lesson_3_eras_fencing_confirms_in_5_s_in_both_and_4_5_restarts_by_priority_and_shows_reboot_longer():
    """'Fencing confirms as fast in both'; 'here mail1 (medium) starts once db1 (high) is Up'; '4.x keeps
    it in Reboot ... 3.3 shows it Non Responsive while it boots'."""
    eras = _eras("pacific-mgmt-down")
    for era, (log, _) in eras.items():
        treated = episodes.fence_episode(log, "pacific")
        assert treated.fenced - treated.stop_sent == 5, era
    log, sc = eras["ovirt-4.5"]
    recovered = {v.vm: v for v in episodes.vm_recovery(log, sc, "pacific")}
    assert recovered["mail1"].restarted >= recovered["db1"].up
    fenced = episodes.fence_episode(log, "pacific").fenced
    assert intervals.host_status_at(log, "pacific", fenced, sc) == HostStatus.REBOOT
    out_of_reboot = next(r for r in of(log, ev.HostStatusChanged, host="pacific", old=HostStatus.REBOOT))
    assert out_of_reboot.t >= fenced + sc.config().host_boot_s  # 4.x: Reboot until the host answers
    old, _ = eras["rhev-3.3"]
    assert statuses(old, "pacific", after=episodes.fence_episode(old, "pacific").fenced)[0] == HostStatus.NON_RESPONSIVE


def test_lesson_3_each_paused_vm_follows_its_resume_behaviour():
    """Section 9: 'auto_resume continues, leave_paused waits for the admin, kill is destroyed once paused
    for vm_kill_paused_timeout = 80 s, and, being HA, restarted elsewhere'."""
    sc = scenario("paused-vms-resume")
    log = simulate(sc, seed=0)
    final = intervals.final_vm_status(log, sc)
    behaviour = {vm.name: vm.resume_behavior for vm in sc.vms}
    for p in episodes.pauses(log, sc):
        if behaviour[p.vm] == "auto_resume":
            assert p.resumed_on == p.host and final[p.vm] == VmStatus.UP
        elif behaviour[p.vm] == "leave_paused":
            assert p.end is None and final[p.vm] == VmStatus.PAUSED
        else:
            timeout = sc.config().vm_kill_paused_timeout
            assert timeout < p.end - p.start <= timeout * 3 / 2
            assert final[p.vm] == VmStatus.UP and intervals.vm_state_at(log, p.vm, sc.duration, sc).host != p.host
    assert {behaviour[p.vm] for p in episodes.pauses(log, sc)} == {"auto_resume", "leave_paused", "kill"}


def test_lesson_3_a_vm_lease_restarts_db1_after_a_power_loss_and_never_while_pacific_runs_it():
    """Section 9: 'With the power lost ... succeeds once the lease has expired. With only the management
    network down, db1 still runs on Pacific and keeps renewing its lease: the engine never starts a second copy.'"""
    leased = scenario("pacific-mgmt-down", engine_profile="ovirt-4.5", **{"hosts[1].power_management": False,
                                                                           "vms[0].lease": True})
    power = vary(leased, {"faults[0]": Fault(at=60, action="power_off", host="pacific")})
    lost = next(v for v in episodes.vm_recovery(simulate(power, seed=0), power, "pacific") if v.vm == "db1")
    assert lost.on == "atlantic"
    log = simulate(leased, seed=0)
    assert not [r for r in of(log, ev.HaRestartAttempted, vm="db1") if r.outcome == "started"]
    assert intervals.final_vm_status(log, leased)["db1"] == VmStatus.UNKNOWN


# --- notebooks/availability-study ----------------------------------------------------------------

BANDWIDTH = "engine_config.migration_max_bandwidth"


@pytest.fixture(scope="module")
def bandwidth_rows():
    from hacourse.study.sweep import sweep
    return sweep(scenario("pacific-storage-down"),
                 {"engine_profile": list(ERAS), BANDWIDTH: [16, 24, 32, 48, 64, 96]}, seeds=range(5))


def test_study_under_4_5_db1_never_runs_again_at_any_bandwidth(bandwidth_rows):
    """The note: under ovirt-4.5 the line is flat, db1 stays paused on Pacific to the end at every
    bandwidth; even at 16 MiB/s the others finish (VDSM 4.40+ has no timer), only the writers' fail."""
    new = [r for r in bandwidth_rows if r["engine_profile"] == "ovirt-4.5"]
    assert all(r["ha_recovery_s"] is None for r in new)
    assert len({r["ha_vm_down_s"] for r in new}) == 1
    assert {r["migrations_failed"] for r in new} == {r["vms_paused"] for r in new}
    assert all(r["migrations_failed"] < r["migrations"] for r in new)


def test_study_under_3_3_every_migration_switches_over_and_a_faster_network_means_a_shorter_pause(bandwidth_rows):
    """The note: VDSM 4.13 lets every migration switch over in the end, even at 16 MiB/s; db1 pauses on EIO
    and runs again when its migration switches over: a faster network, a shorter pause."""
    old = [r for r in bandwidth_rows if r["engine_profile"] == "rhev-3.3"]
    assert all(r["migrations_failed"] == 0 and r["ha_recovery_s"] is not None for r in old)
    means = []
    for bw in (16, 24, 32, 48, 64, 96):
        values = [r["ha_vm_down_s"] for r in old if r[BANDWIDTH] == bw]
        means.append(sum(values) / len(values))
    assert means == sorted(means, reverse=True) and means[0] > 1000 * means[-1]


def test_study_the_writers_pause_130_s_after_the_fault_under_3_3_and_80_s_later_under_4_5():
    """The note: under rhev-3.3 db1's writes fail 130 s after the storage path; ovirt-4.5's multipath
    queues them 80 s longer."""
    for era, after in (("rhev-3.3", 130), ("ovirt-4.5", 210)):
        sc = scenario("pacific-storage-down", engine_profile=era)
        log = simulate(sc, seed=0)
        db1 = next(p for p in episodes.pauses(log, sc) if p.vm == "db1")
        assert db1.start - intervals.injected_faults(log)[0].t == after, era


STUDY_SKIP = "cluster.fencing_policy.skip_if_connectivity_broken"
STUDY_ENGINES = ("rhev-3.3", "ovirt-4.5", "ovirt-4.5 + skip_if_connectivity_broken")


def study_cluster(management_down: int, engine: str):
    """The study's section 2: the generated cluster under an engine, with the 3.5+ policy or without."""
    from hacourse.study.generate import generate_scenario

    era, _, policy = engine.partition(" + ")
    run = parse_scenario(generate_scenario(40, 400, seed=0, duration=3600, management_down=management_down,
                                           engine_profile=era))
    return vary(run, {STUDY_SKIP: True}) if policy else run


@pytest.fixture(scope="module")
def partition_rows():
    from hacourse.study.sweep import sweep

    return sweep(study_cluster, {"management_down": [1, 5, 10, 15, 20, 25, 30], "engine": list(STUDY_ENGINES)},
                 seeds=range(3))


def test_study_rhev_3_3_refuses_the_fencing_policy():
    """'A 3.3 engine has no fencing policy (the rhev-3.3 profile refuses a fencing_policy:, naming the era)'."""
    with pytest.raises(ScenarioError, match=r"cluster.fencing_policy: not in engine_profile rhev-3.3: .*oVirt 3.5"):
        vary(study_cluster(30, "rhev-3.3"), {STUDY_SKIP: True})


def test_study_the_policy_changes_nothing_below_half_and_fences_none_from_20_hosts_on(partition_rows):
    """'Below 20 unreachable hosts (half of 40) the policy changes nothing: every row is the same with it and
    without it. From 20 on, the engine with the policy ... fences none: 0 VMs lost'; 'Without the policy both
    eras fence every unreachable host'."""
    by = {(r["management_down"], r["engine"], r["seed"]): r for r in partition_rows}
    off, on = STUDY_ENGINES[1:]
    for (down, engine, seed), row in by.items():
        if engine != on:
            assert row["hosts_fenced"] == down, (down, engine, seed)
        elif down < 20:
            assert {k: v for k, v in row.items() if k != "engine"} == \
                {k: v for k, v in by[(down, off, seed)].items() if k != "engine"}
        else:
            assert row["hosts_fenced"] == 0 and row["vms_down_at_end"] == 0
    assert min(down for (down, engine, _), row in by.items() if engine == on and row["hosts_fenced"] == 0) == 20


def test_study_rhev_3_3_gives_up_the_ha_vms_that_the_4x_runner_restarts(partition_rows):
    """'With 30 hosts fenced, rhev-3.3 ends with 51-58 HA VMs Down ..., ovirt-4.5 with 0. A 3.3 engine tries
    each HA VM once, when its host is fenced: ... no room, and it gives up. The 4.x engine's runner tries again
    ... every 30 s 10 times, then every 30 minutes, and finds room once the fenced hosts are Up again (they
    stay Reboot for 10 minutes after their restart)'."""
    at_30 = [r for r in partition_rows if r["management_down"] == 30]
    assert all(r["ha_vms_down_at_end"] > 0 for r in at_30 if r["engine"] == "rhev-3.3")
    assert all(r["ha_vms_down_at_end"] == 0 for r in at_30 if r["engine"] == "ovirt-4.5")
    runs = {era: study_cluster(30, era) for era in STUDY_ENGINES[:2]}
    logs = {era: simulate(sc, seed=0) for era, sc in runs.items()}
    given_up = [r for r in of(logs["rhev-3.3"], ev.HaRestartAttempted) if "giving up" in r.result]
    assert given_up and all("no host with enough free memory" in r.result for r in given_up)
    tries = Counter(r.vm for r in of(logs["rhev-3.3"], ev.HaRestartAttempted))
    assert max(tries.values()) == 1  # one try each
    retried = {r.vm for r in of(logs["ovirt-4.5"], ev.HaRestartAttempted) if "try in" in r.result}
    started = {r.vm: r.t for r in of(logs["ovirt-4.5"], ev.HaRestartAttempted) if r.result == "started"}
    assert retried and retried <= set(started)
    back_up = min(r.t for r in of(logs["ovirt-4.5"], ev.HostStatusChanged, new=HostStatus.UP) if r.t > 0)
    assert any(started[vm] >= back_up for vm in retried)  # room once the fenced hosts are Up again
    assert any("next try in 1800 s" in r.result for r in of(logs["ovirt-4.5"], ev.HaRestartAttempted))
    fenced = of(logs["ovirt-4.5"], ev.HostStatusChanged, new=HostStatus.REBOOT)
    assert back_up - fenced[0].t >= runs["ovirt-4.5"].config().ServerRebootTimeout


def test_study_the_policy_loses_more_ha_vm_seconds_only_in_the_engines_view():
    """'Counted from the guests (ha_vm_down_s), the policy saves what fencing cost. Counted from the portal
    (ha_vm_portal_down_s), the policy's run loses more'; 'The storage column is the same with the policy and
    without it ... The policy only spares the VMs of the hosts that lost their management network:
    without it, the engine fenced those hosts and their VMs really died ...; with it, every HA VM the
    engine shows Unknown still runs'."""
    from hacourse.analysis import facts
    from hacourse.analysis.availability import availability
    from hacourse.study.sweep import outcomes

    runs = {policy: study_cluster(30, engine) for policy, engine in ((False, STUDY_ENGINES[1]), (True, STUDY_ENGINES[2]))}
    logs = {policy: simulate(sc, seed=0) for policy, sc in runs.items()}
    counted = {policy: outcomes(logs[policy], runs[policy]) for policy in runs}
    assert counted[True]["ha_vm_down_s"] < counted[False]["ha_vm_down_s"]
    assert counted[True]["ha_vm_portal_down_s"] > counted[False]["ha_vm_portal_down_s"]

    def down_by_fault(policy: bool) -> Counter:
        lost = {f.host: f.nic for f in runs[policy].faults}
        guests = availability(logs[policy], runs[policy])
        return Counter({nic: sum(guests[vm.name].downtime_s for vm in runs[policy].vms
                                 if vm.ha and lost.get(vm.host) == nic) for nic in ("storage", "ovirtmgmt")})

    without, with_policy = down_by_fault(False), down_by_fault(True)
    assert without["storage"] == with_policy["storage"] > 0
    assert without["ovirtmgmt"] > 0 and with_policy["ovirtmgmt"] == 0
    assert without["storage"] + without["ovirtmgmt"] == pytest.approx(counted[False]["ha_vm_down_s"])
    at_end = {p: facts.ha_vms_at_end(logs[p], runs[p]) for p in runs}
    assert at_end[True]["Unknown to the engine"] > 0
    shown = at_end[True]["Unknown to the engine"] + at_end[True]["Up as the engine shows them"]
    assert at_end[True]["whose guest still runs"] == shown  # every HA VM shown Unknown runs
    assert not of(logs[True], ev.NicUp)  # the management network never comes back in this run
    fenced = {r.host for r in of(logs[False], ev.HostFenced)}
    assert fenced == {f.host for f in runs[False].faults if f.nic == "ovirtmgmt"}  # their VMs really died


def test_lesson_2_what_the_student_sees_first():
    """Section 4, 'What you see': about a minute of nothing after the ifdown; no power cut and the VMs
    keep running; 'The SPM lane goes hatched (no SPM) for about a minute, then names Pacific'."""
    for seed in range(8):
        sc, log, handover = _race(seed)
        fault = intervals.injected_faults(log)[0]
        first = min(r.t for r in log if r.t > fault.t and isinstance(r, ev.HostStatusChanged | ev.HostFenced)
                    and r.host == "atlantic")
        assert 50 <= first - fault.t <= 90, (seed, first - fault.t)
        atlantic_vms = {vm.name for vm in sc.vms if vm.host == "atlantic"}
        assert not [r for r in of(log, ev.VmStatusChanged, new=VmStatus.DOWN) if r.vm in atlantic_vms]
        assert 45 <= handover.without_spm_s <= 90 and handover.new == "pacific", (seed, handover.without_spm_s)


# --- notebooks/exercises: the sentences that say what the exercise's run does ---------------------

def test_exercise_1_db1_arrives_late():
    """Exercise 1: 'Compare the order the migrations started with the order they finished: which VMs
    overtake others, and why does db1 arrive so late?' (db1 starts first and finishes after a later one)."""
    from hacourse.grading import exercises

    sc = exercises.shipped(exercises.MIGRATION_ORDER)
    log = simulate(sc, seed=0)
    started = [r.vm for r in of(log, ev.MigrationStarted)]
    finished = [r.vm for r in of(log, ev.MigrationFinished)]
    assert started[0] == "db1" and finished.index("db1") > 0 and finished != started


def test_exercise_3_the_first_flap_costs_db1_and_mail1_a_reboot_and_pacific_stays_reboot_through_the_later_flaps():
    """Exercise 3: under the default policy 'The first flap already costs db1 and mail1 a reboot: the
    engine fences Pacific and restarts them on Atlantic, and keeps Pacific in Reboot for ten minutes
    (ServerRebootTimeout), through the later flaps, before it takes it back.'"""
    from hacourse.grading import exercises

    flapping = exercises.fencing_scenario({"enabled": True})
    log = simulate(flapping, seed=0)
    flaps = [f.t for f in intervals.injected_faults(log) if f.action == "ifdown"]
    fenced = [r.t for r in of(log, ev.HostFenced, host="pacific")]
    assert len(flaps) >= 2 and flaps[0] < fenced[0] < flaps[1] and len(fenced) == 1
    reboot = of(log, ev.HostStatusChanged, host="pacific", new=HostStatus.REBOOT)[0].t
    left = next(r.t for r in of(log, ev.HostStatusChanged, host="pacific", old=HostStatus.REBOOT))
    assert left - reboot >= flapping.config().ServerRebootTimeout and left > flaps[-1]
    assert of(log, ev.HostStatusChanged, host="pacific")[-1].new == HostStatus.UP
    for vm in ("db1", "mail1"):
        downs = of(log, ev.VmStatusChanged, vm=vm, new=VmStatus.DOWN)
        assert [r.t for r in downs] == [fenced[0]], vm
        assert intervals.vm_state_at(log, vm, flapping.duration, flapping).host == "atlantic"


def test_exercise_4_app1_runs_again_and_report1_stays_paused():
    """Exercise 4: 'When storage returns, app1 runs again, but report1 stays paused to the end.'"""
    from hacourse.grading import exercises

    sc = exercises.shipped(exercises.PAUSED)
    log = simulate(sc, seed=0)
    paused = {p.vm: p for p in episodes.pauses(log, sc)}
    assert paused["app1"].end is not None
    assert paused["report1"].end is None
    assert intervals.final_vm_status(log, sc)["report1"] == VmStatus.PAUSED
