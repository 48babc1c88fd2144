""""Why did it do that?": the engine's recorded reasons, read back for one VM or host."""

from __future__ import annotations

import subprocess
import sys

import pytest

from hacourse import events as ev
from hacourse import load_scenario, simulate
from hacourse.analysis.explain import explain_host, explain_text, explain_vm, state_line
from hacourse.panel.admin import PortalTabs
from hacourse.panel.widgets import Lesson
from tests.seed import ROOT

SCENARIOS = ROOT / "scenarios"


def _run(name: str, seed: int = 0):
    scenario = load_scenario(SCENARIOS / f"{name}.yaml")
    return scenario, simulate(scenario, seed=seed)


@pytest.mark.parametrize("seed", range(3))
def test_a_vm_that_fits_nowhere_names_the_memory_filter_and_the_numbers(seed):
    scenario, log = _run("three-hosts-capacity", seed)
    steps = explain_vm(log, "big1")
    placement = next(s for s in steps if s.kind == "PlacementDecided")
    assert placement.what.startswith("Scheduler (migration) found no host for big1 (16 GiB)")
    assert "Memory filter" in placement.what
    reasons = "\n".join(placement.why)
    for host, total in (("atlantic", 16), ("indian", 12)):
        line = next(w for w in placement.why if w.startswith(f"{host}: removed by the Memory filter"))
        assert "needs 16 GiB" in line and f"({total} - " in line and "pending)" in line
    assert "pacific: removed by the Source filter" in reasons
    assert explain_text(steps, state_line(log, scenario, scenario.duration, vm="big1")).startswith(
        "big1 at 30:00: Up on pacific")


def test_a_placed_vm_shows_the_weights_of_the_hosts_that_passed():
    _, log = _run("three-hosts-capacity")
    decided = [r for r in log if isinstance(r, ev.PlacementDecided) and r.chosen]
    for r in decided:
        assert r.weights[0][0] == r.chosen  # the most free memory wins
        assert [w for _, w in r.weights] == sorted((w for _, w in r.weights), reverse=True)
    destinations = {r.vm: r.destination for r in log if isinstance(r, ev.MigrationStarted)}
    assert {r.vm: r.chosen for r in decided} == destinations


def test_the_migration_queue_says_who_waits_for_a_slot():
    _, log = _run("pacific-storage-down")
    plan = next(r for r in log if isinstance(r, ev.EvacuationPlanned))
    assert plan.host == "pacific" and plan.slots == 3
    assert [p for _, p in plan.order] == sorted((p for _, p in plan.order), reverse=True)
    last = plan.order[-1][0]
    queue = next(s for s in explain_vm(log, last) if s.kind == "EvacuationPlanned")
    assert f"{last} is number 6 of 6 in the queue: it waits for one of the 3 slots" in queue.why


def test_an_spm_election_names_each_excluded_host_and_why():
    _, log = _run("spm-storage-down")
    elections = [r for r in log if isinstance(r, ev.SpmElectionDecided)]
    stopped = elections[0]  # the last SPM did not answer SpmStop: selection stops until it does or is fenced
    assert stopped.candidates == () and dict(stopped.excluded)["atlantic"].startswith("SpmStop to the last SPM")
    waiting = next(r for r in elections if r.candidates)
    chosen = elections[-1]
    assert waiting.chosen == "" and waiting.lease_free_at > waiting.t  # the old owner's lease is not free yet
    assert dict(waiting.excluded) == {"atlantic": "Connecting, not Up", "indian": "SPM priority -1 (never)"}
    assert chosen.chosen == "pacific" and dict(chosen.candidates) == {"pacific": 5}
    assert dict(chosen.excluded)["atlantic"] == "NonOperational, not Up"
    text = explain_text(explain_host(log, "pacific"), "pacific")
    assert "atlantic: excluded, Connecting, not Up" in text and "indian: excluded, SPM priority -1 (never)" in text
    assert "SPM lease free only at" in text and "SPM election chose pacific" in text
    assert "atlantic: excluded, SpmStop to the last SPM failed: stopping spm selection" in text


def test_fencing_without_power_management_shows_the_check_that_stopped_it():
    _, log = _run("pacific-power-loss-no-pm")
    checks = [r for r in log if isinstance(r, ev.FenceChecksEvaluated) and r.host == "pacific"]
    assert [c.step for c in checks] == ["before soft fencing", "before power fencing"]
    assert ("power management", "none", "skip") in checks[-1].checks
    assert "confirm 'host has been rebooted'" in checks[-1].outcome


def test_power_fencing_lists_the_policy_checks_and_the_proxy():
    _, log = _run("pacific-power-loss")
    hard = next(r for r in log if isinstance(r, ev.FenceChecksEvaluated) and r.step == "before power fencing")
    assert [c[0] for c in hard.checks] == ["power management", "skip_if_sd_active", "fence proxy"]
    assert hard.checks[-1] == ("fence proxy", "atlantic", "pass")


def test_a_live_lease_stops_the_fence_after_stopvds_and_explain_says_so():
    """4.x: skip_if_sd_active is the proxy's check, so the host shows Reboot before it is NonResponsive again."""
    scenario = load_scenario(ROOT / "tests" / "fidelity" / "stop-refused-live-lease-4x.yaml")
    steps = explain_host(simulate(scenario, seed=0), "pacific")
    whats = [s.what for s in steps]
    reboot = next(i for i, w in enumerate(whats) if "from NonResponsive to Reboot" in w)
    assert "from Reboot to NonResponsive" in whats[reboot + 1] and "skipped by the fencing policy" in whats[reboot + 1]
    assert whats[reboot + 2].startswith("Fencing of host pacific skipped: skip_if_sd_active: atlantic's VDSM refused")
    checks = steps[reboot - 1]
    assert checks.what.endswith("power management restart through atlantic, whose VDSM refuses the stop")
    assert any(w.startswith("skip_if_sd_active: last lease renewal") and w.endswith("-> skip") for w in checks.why)


def test_decisions_stay_out_of_the_events_tab():
    from hacourse.analysis import audit

    _, log = _run("three-hosts-capacity")
    kinds = {row.kind for row in audit.events_table(log)}
    assert not kinds & {"PlacementDecided", "EvacuationPlanned", "SpmElectionDecided", "FenceChecksEvaluated"}


def hacourse(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hacourse.cli", *args], check=False, capture_output=True,
                          text=True, cwd=ROOT, timeout=120)


def test_cli_explain_vm_prints_the_chain():
    out = hacourse("explain", "scenarios/three-hosts-capacity.yaml", "--vm", "big1")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("big1 at 30:00: Up on pacific")
    assert "atlantic: removed by the Memory filter (needs 16 GiB" in out.stdout


def test_cli_explain_host_at_a_time_and_from_a_log(tmp_path):
    log = hacourse("run", "scenarios/spm-storage-down.yaml", "--json").stdout
    (tmp_path / "run.jsonl").write_text(log)
    out = hacourse("explain", str(tmp_path / "run.jsonl"), "--host", "pacific", "--at", "150")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("pacific at 2:30: Up")
    assert "SPM election waits for the SPM lease" in out.stdout and "chose pacific" not in out.stdout


def test_cli_explain_unknown_names_get_a_message_not_a_traceback():
    out = hacourse("explain", "scenarios/three-hosts-capacity.yaml", "--vm", "big2")
    assert out.returncode == 2
    assert "no VM 'big2' in this run; VMs: app1, app2, big1" in out.stderr and "Traceback" not in out.stderr


def test_the_panel_explains_a_picked_vm():
    lesson = Lesson(load_scenario(SCENARIOS / "three-hosts-capacity.yaml"), seed=0)
    tabs = PortalTabs(lambda: lesson.sim)
    lesson.step(300)
    tabs.refresh()
    html = tabs.explain(vm="big1")
    assert 'class="hacourse-why"' in html and "Why? big1 at 5:00: Up on pacific" in html
    assert "needs 16 GiB" in html
    tabs.select_host("pacific")
    assert tabs.subject.value == "host:pacific" and "Engine queued 5 migrations off pacific" in tabs.why.value


def test_the_panel_explains_a_picked_event_at_its_time():
    lesson = Lesson(load_scenario(SCENARIOS / "pacific-storage-down.yaml"), seed=0)
    tabs = PortalTabs(lambda: lesson.sim)
    lesson.step(600)
    tabs.refresh()
    index = next(i for i, r in enumerate(lesson.log)
                 if isinstance(r, ev.HostStatusChanged) and r.new == "NonOperational")
    labels = [label for label, value in tabs.event.options if value == index]
    assert labels and "Host pacific moved from Up to NonOperational" in labels[0]
    html = tabs.explain_event(index)
    assert "Why? the event at 2:06: Host pacific moved from Up to NonOperational" in html
    assert "Engine saw p1p1 (storage) down on pacific" in html and "Engine queued" not in html  # up to that time
    assert tabs.subject.value == ""
    tabs.explain(vm="db1")
    assert tabs.event.value == -1 and "Why? db1 at 10:00" in tabs.why.value
    lesson.step(60)
    tabs.refresh()
    assert tabs.errors.outputs == ()
