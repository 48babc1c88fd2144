"""What a student reads off the seed run: the analysis functions on real engine logs."""

from __future__ import annotations

import itertools
import subprocess
import sys
from dataclasses import replace

import pytest

from hacourse import Simulation, load_scenario, rules, simulate
from hacourse import events as ev
from hacourse.analysis import audit, episodes, facts, intervals
from tests.seed import SEED, variant


@pytest.fixture(scope="module")
def seed():
    return load_scenario(SEED)


@pytest.fixture(scope="module")
def log(seed):
    return simulate(seed, seed=0)


def _tiles(spans, start: float, end: float) -> bool:
    """Intervals that cover [start, end] with no gap and no overlap."""
    return (spans[0].start == start and spans[-1].end == end
            and all(a.end == b.start for a, b in itertools.pairwise(spans)))


def test_pacific_turns_non_operational_one_grace_after_the_engine_sees_its_nic_down(seed, log):
    rule = episodes.nic_rule(log, "pacific")
    assert (rule.nic, rule.network, rule.went_down) == ("p1p1", "storage", 60.0)
    assert 0 <= rule.engine_saw - rule.went_down <= 15  # the next statistics refresh, every 15 s
    assert rule.non_operational == pytest.approx(rule.engine_saw + rule.grace_s)
    spans = intervals.host_intervals(log, seed)["pacific"]
    assert [s.status for s in spans] == ["Up", "NonOperational"]
    assert spans[1].start == rule.non_operational
    assert spans[1].reason.startswith("NETWORK_INTERFACE_IS_DOWN")


def test_atlantic_stays_up_and_keeps_the_spm(seed, log):
    assert [s.status for s in intervals.host_intervals(log, seed)["atlantic"]] == ["Up"]
    assert intervals.spm_intervals(log, seed) == [intervals.SpmInterval("atlantic", 0.0, intervals.end_of(log))]
    assert episodes.nic_rule(log, "atlantic") is None


def test_intervals_tile_the_run_for_every_host_and_vm(seed, log):
    end = intervals.end_of(log)
    for spans in [*intervals.host_intervals(log, seed).values(), *intervals.vm_intervals(log, seed).values()]:
        assert _tiles(spans, 0.0, end)


def test_the_log_alone_gives_the_same_intervals_as_log_and_scenario(seed, log):
    """The engine logs the state at t=0, so the scenario only adds names the log never mentions."""
    def drop_reason(spans):
        return [(s.start, s.end, s.status) for s in spans]

    with_scenario = intervals.host_intervals(log, seed)
    alone = intervals.host_intervals(log)
    assert {h: drop_reason(s) for h, s in alone.items()} == {h: drop_reason(s) for h, s in with_scenario.items()}
    assert intervals.vm_intervals(log).keys() == intervals.vm_intervals(log, seed).keys()


def test_a_change_logged_at_the_last_record_is_the_state_at_the_end():
    """Lesson 3's log up to the instant Pacific turns Non Responsive: that instant shows it, and its VMs Unknown."""
    mgmt = load_scenario(SEED.parent / "pacific-mgmt-down.yaml")
    full = simulate(mgmt, seed=0)
    t = episodes.fence_episode(full, "pacific").non_responsive
    log = [r for r in full if r.t <= t]  # what the lesson's panel holds at that click
    assert intervals.end_of(log) == t
    assert intervals.host_status_at(log, "pacific", t, mgmt) == "NonResponsive"
    assert intervals.host_intervals(log, mgmt)["pacific"][-1] == intervals.HostInterval(
        "pacific", t, t, "NonResponsive", episodes.first_status(log, "pacific", "NonResponsive").reason)
    for vm in ("db1", "mail1", "web1"):
        state = intervals.vm_state_at(log, vm, intervals.end_of(log), mgmt)
        assert (state.status, state.host, state.start, state.end) == ("Unknown", "pacific", t, t)
        assert _tiles(intervals.vm_intervals(log, mgmt)[vm], 0.0, t)
    assert audit.status_line(log, t, mgmt).startswith("pacific NonResponsive")
    assert intervals.host_status_at(full, "pacific", t - 1, mgmt) == "Connecting"  # a moment before: not yet


def test_the_spm_holder_at_a_handover_instant_is_the_one_after_it():
    spm = load_scenario(SEED.parent / "spm-storage-down.yaml")
    log = simulate(spm, seed=0)
    h = episodes.spm_handover(log, spm)
    assert intervals.spm_holder(log, h.stopped, spm) is None and intervals.spm_holder(log, h.stopped - 1, spm) == "atlantic"
    until_new = [r for r in log if r.t <= h.started]
    assert intervals.spm_holder(until_new, h.started, spm) == "pacific"
    assert intervals.spm_intervals(until_new, spm)[-1] == intervals.SpmInterval("pacific", h.started, h.started)


def test_every_pacific_vm_ends_up_on_atlantic(seed, log):
    for vm in seed.vms:
        last = intervals.vm_intervals(log, seed)[vm.name][-1]
        assert (last.host, last.status) == ("atlantic", "Up"), vm.name


def test_high_priority_vms_are_asked_to_leave_first(seed, log):
    rows = episodes.migration_order(log, seed)
    assert {r["vm"] for r in rows} == {vm.name for vm in seed.vms if vm.host == "pacific"}
    priorities = [r["priority"] for r in rows]
    assert priorities == sorted(priorities, reverse=True)
    assert [r["order"] for r in rows] == list(range(1, len(rows) + 1))
    assert all(r["outcome"] == "finished" and r["destination"] == "atlantic" for r in rows)


def test_no_more_than_max_outgoing_migrations_copy_at_once(seed, log):
    limit = seed.config().max_outgoing_migrations
    spans = intervals.migration_spans(log)
    copying = [(m.transfer_start, m.end) for m in spans]
    for t in sorted({t for span in copying for t in span}):
        assert sum(1 for a, b in copying if a <= t < b) <= limit
    queued = [m for m in spans if m.queued_s > 0]
    assert len(spans) - len(queued) == limit  # the first three start at once, the rest wait for a slot
    for m in queued:  # a slot frees when another migration ends
        assert any(other.end == m.transfer_start for other in spans if other is not m)


def test_writing_vms_pause_on_eio_and_are_continued_on_atlantic(seed, log):
    paused = episodes.pauses(log, seed)
    writers = {vm.name for vm in seed.vms if vm.host == "pacific" and vm.writes}
    assert {p.vm for p in paused} == writers
    for p in paused:
        assert p.host == "pacific" and "EIO" in p.reason
        assert p.resumed_on == "atlantic" and p.end is not None


def test_nic_states_follow_ifdown(seed, log):
    before, after = intervals.nic_states(log, 59.0, seed), intervals.nic_states(log, 60.0, seed)
    assert all(before.values())
    assert [key for key, up in after.items() if not up] == [("pacific", "p1p1")]
    assert intervals.nic_down_intervals(log) == [intervals.NicDownInterval("pacific", "p1p1", "storage", 60.0, intervals.end_of(log))]


def test_events_table_is_newest_first_with_the_engine_wording(log):
    rows = audit.events_table(log)
    assert [r.t for r in rows] == sorted((r.t for r in rows), reverse=True)
    decisions = [r for r in log if isinstance(r, ev.Decision)]
    assert decisions  # the scheduler's reasons are in the log, for `hacourse explain`
    assert len(rows) == len(log) - 1 - len(decisions)  # every record but SimulationStarted and the reasons
    nonop = next(r for r in rows if r.kind == "HostStatusChanged" and "NonOperational" in r.message)
    assert nonop.severity == audit.ERROR and nonop.time == "2:06"
    assert any(r.message.startswith("Migration started (VM: db1, Source: pacific, Destination: atlantic")
               for r in rows)
    assert any(r.severity == audit.WARNING and "paused due to storage I/O problem" in r.message for r in rows)
    assert audit.events_table(log, until=60.0, limit=3)[0].t == 60.0
    link = next(r for r in rows if r.kind == "NicDown")  # the ifdown itself, at the fault time
    assert link.t == 60.0 and "changed state" not in link.message  # not worded as the engine's 3.5+ event
    assert len(audit.events_table(log, limit=3)) == 3


def test_status_line_names_the_troubled_host_the_vms_on_the_move_and_the_spm(seed, log):
    assert audit.status_line(log, 30.0, seed) == "all hosts Up · SPM on atlantic"
    line = audit.status_line(log, 150.0, seed)
    assert line.startswith("pacific NonOperational · 6 VMs MigratingFrom") and line.endswith("SPM on atlantic")


def test_an_ifdown_injected_mid_run_starts_the_same_story_then(seed):
    sim = Simulation(replace(seed, faults=()), seed=0)
    sim.run_until(200)
    sim.inject("ifdown", "pacific", "storage")
    sim.run_until(400)
    rule = episodes.nic_rule(sim.log, "pacific")
    assert rule.went_down == 200.0
    assert rule.non_operational == pytest.approx(rule.engine_saw + rule.grace_s)
    assert intervals.host_status_at(sim.log, "pacific", 400.0, seed) == "NonOperational"
    assert intervals.vm_state_at(sim.log, "db1", 100.0, seed).host == "pacific"


def test_clock_prints_minutes_and_seconds():
    assert [audit.clock(t) for t in (0, 59.6, 126, 3600, 3725)] == ["0:00", "1:00", "2:06", "1:00:00", "1:02:05"]


def test_analysis_does_not_import_matplotlib_or_ipywidgets():
    code = ("import sys, hacourse.analysis.audit, hacourse.analysis.episodes, hacourse.analysis.facts, "
            "hacourse.analysis.intervals, hacourse.invariants, hacourse.physical; "
            "print(sorted(m for m in ('matplotlib', 'ipywidgets') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_vm_paused_before_the_engine_asks_is_refused_and_marked():
    """With fast I/O failure the writers pause before Non Operational; 3.3 refuses to migrate them."""
    fast = variant(engine_config={"node.session.timeo.replacement_timeout": 5})
    log = simulate(fast, seed=0)
    refused = [m for m in intervals.migration_spans(log) if m.outcome == "refused"]
    writers = {vm.name for vm in fast.vms if vm.host == "pacific" and vm.writes}
    assert {m.vm for m in refused} == writers
    assert all(m.requested == m.end == episodes.nic_rule(log, "pacific").non_operational for m in refused)
    assert all(p.end is None for p in episodes.pauses(log, fast))  # still paused on Pacific at the end


# ---- lessons 2 and 3: the SPM handover, fencing, HA restarts, two eras side by side ----------

SCENARIOS = SEED.parent


def test_the_spm_moves_to_pacific_only_once_atlantics_lease_is_dead():
    spm = load_scenario(SCENARIOS / "spm-storage-down.yaml")
    io, poll = spm.config().io_timeout, spm.config().StoragePoolRefreshTimeInSeconds
    for seed in range(5):
        h = episodes.spm_handover(simulate(spm, seed=seed), spm)
        assert (h.old, h.new) == ("atlantic", "pacific")
        assert h.lease_expired - h.last_renewal == 8 * io and h.lease_free - h.last_renewal == 14 * io
        assert h.stopped <= h.lease_expired
        assert h.lease_free <= h.started < h.lease_free + poll
        assert h.without_spm_s == h.started - h.stopped


def test_either_sanlock_or_the_nic_rule_stops_the_spm_first_and_the_nic_rule_makes_it_non_operational():
    spm = load_scenario(SCENARIOS / "spm-storage-down.yaml")
    first = set()
    for seed in range(10):
        log = simulate(spm, seed=seed)
        h = episodes.spm_handover(log, spm)
        nonop = episodes.first_status(log, "atlantic", "NonOperational")
        if h.stopped < h.lease_expired:
            assert "ResetIrs" in h.stop_reason and nonop.t == h.stopped
            assert nonop.reason.startswith("NETWORK_INTERFACE_IS_DOWN")
            first.add("nic rule")
        else:
            # VDSM restarts; InitVdsOnUp does not fail a host while the master domain is Unknown (the
            # data center has no SPM), so Atlantic comes Up and the NIC rule turns it NonOperational
            assert "self-fencing" in h.stop_reason
            up = next(r for r in log if isinstance(r, ev.HostStatusChanged) and r.host == "atlantic"
                      and r.new == "Up" and r.t > h.stopped)
            assert "master domain is Unknown" in up.reason and up.t <= nonop.t
            assert nonop.reason.startswith("NETWORK_INTERFACE_IS_DOWN")
            first.add("sanlock")
    assert first == {"nic rule", "sanlock"}


def test_no_handover_and_no_fencing_when_a_non_spm_host_loses_storage(seed, log):
    assert episodes.spm_handover(log, seed) is None
    assert episodes.fence_episode(log, "pacific") is None
    assert episodes.vm_recovery(log, seed, "pacific") == []


def test_pacific_without_its_management_network_is_fenced_and_its_ha_vms_restart_on_atlantic():
    mgmt = load_scenario(SCENARIOS / "pacific-mgmt-down.yaml")
    config = mgmt.config()
    log = simulate(mgmt, seed=0)
    f = episodes.fence_episode(log, "pacific")
    assert f.connecting == 60.0 and f.non_responsive > f.connecting + config.TimeoutToResetVdsInSeconds - 3
    assert f.soft_fencing.startswith("failed") and f.skipped is None
    assert f.stop_sent == f.non_responsive + config.ssh_connect_timeout_s  # SSH gave up first
    assert (f.method, f.fenced - f.stop_sent) == ("power-management", rules.FENCE_FIRST_STATUS_CHECK_S)
    assert f.up_again > f.fenced
    rows = {v.vm: v for v in episodes.vm_recovery(log, mgmt, "pacific")}
    assert set(rows) == {vm.name for vm in mgmt.vms if vm.host == "pacific"}
    for v in rows.values():
        assert (v.unknown, v.down) == (f.non_responsive, f.fenced)
        if v.ha:
            assert v.on == "atlantic" and f.fenced == v.restarted < v.up  # 3.3: RunVm in the fence flow
        else:
            assert (v.restarted, v.up, v.on) == (None, None, None)
    assert intervals.final_vm_status(log, mgmt)["web1"] == "Down"


def test_without_power_management_the_ha_vms_wait_for_the_admin():
    no_pm = load_scenario(SCENARIOS / "pacific-power-loss-no-pm.yaml")
    log = simulate(no_pm, seed=0)
    f = episodes.fence_episode(log, "pacific")
    assert f.fenced is None and "no power management" in f.skipped
    power_on = intervals.injected_faults(log)[1].t
    for v in episodes.vm_recovery(log, no_pm, "pacific"):
        assert v.down > power_on
        assert (v.restarted is not None) == v.ha
    assert intervals.final_vm_status(log, no_pm) == {"db1": "Up", "mail1": "Up", "web1": "Down", "dns1": "Up"}


def test_compare_runs_sets_the_two_eras_side_by_side(seed):
    runs = {p: (simulate(s, seed=0), s) for p in ("rhev-3.3", "ovirt-4.5")
            for s in [variant(engine_profile=p)]}
    rows = {row[""]: row for row in facts.compare_runs(runs)}
    assert (rows["migrations copying at once (most)"]["rhev-3.3"], rows["migrations copying at once (most)"]["ovirt-4.5"]) == (3, 2)
    assert (rows["MiB/s per migration"]["rhev-3.3"], rows["MiB/s per migration"]["ovirt-4.5"]) == ("32", "62")
    assert "host Non Responsive at" not in rows  # no run has the fact: the row is left out
