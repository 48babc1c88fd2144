"""How many nines: drawn failures over years checked against the arithmetic where it is known."""

from __future__ import annotations

import json

import pytest

from hacourse import events as ev
from hacourse import parse_scenario, simulate
from hacourse.analysis.availability import availability
from hacourse.analysis.downtime import downtime
from hacourse.cli import main
from hacourse.study.availability import availability_report, over_years
from hacourse.study.sweep import InProcess

CLUSTER = """
name: {name}
engine_profile: ovirt-4.5
networks: [{{name: ovirtmgmt, role: management}}, {{name: storage, role: storage}}]
storage_domains: [{{name: iscsi-share, type: iscsi, network: storage}}]
spm: atlantic
"""

ONE_HOST = CLUSTER.format(name="one host without HA") + """
hosts:
  - {name: atlantic, memory_gb: 64, power_management: false, nics: {em1: ovirtmgmt, p1p1: storage}}
vms:
  - {name: web1, host: atlantic, memory_gb: 1}
failure_rates:
  - {fault: power_off, repair: power_on, each: host, mtbf_h: 1000, mttr_h: 100}
operator: {restart_non_ha_after_h: 0}
"""

TWO_HOSTS = CLUSTER.format(name="two hosts with power management, one HA VM") + """
hosts:
  - {name: atlantic, memory_gb: 64, nics: {em1: ovirtmgmt, p1p1: storage}}
  - {name: pacific, memory_gb: 64, nics: {em1: ovirtmgmt, p1p1: storage}}
vms:
  - {name: db1, host: pacific, memory_gb: 4, ha: true}
failure_rates:
  - {fault: power_off, repair: power_on, each: host, mtbf_h: 2000, mttr_h: 8}
"""

NO_SPARE = TWO_HOSTS.replace("memory_gb: 4, ha: true}", "memory_gb: 40, ha: true}\n"
                             "  - {name: app1, host: atlantic, memory_gb: 40, ha: true}")


def test_one_host_without_ha_reproduces_mtbf_over_mtbf_plus_mttr():
    """The two-state Markov answer A = MTBF / (MTBF + MTTR) = 1000 / 1100, within the interval of
    ten independent 20-year runs; the host's boot and the VM's restart add minutes to 100 hours."""
    report = availability_report(parse_scenario(ONE_HOST), years=20, seeds=range(10), executor=InProcess())
    non_ha = report["classes"]["non_ha"]
    low, high = non_ha["ci95"]
    assert low <= 1000 / 1100 <= high
    assert high - low < 0.02  # an interval that could miss
    assert report["ci_method"] == "Student t interval over 10 independent seeds"
    assert set(report["downtime_by_cause"]) == {"power_off"}


def test_two_hosts_with_power_management_lose_only_minutes_per_failure_of_the_vms_host():
    scenario = over_years(parse_scenario(TWO_HOSTS), 50)
    log = simulate(scenario, 0)
    db1 = availability(log, scenario)["db1"]
    on, strikes, both_off = "pacific", 0, 0.0
    off: dict[str, float] = {}
    for r in log:
        if isinstance(r, ev.VmStatusChanged) and r.vm == "db1":
            on = r.host
        elif isinstance(r, ev.HostPoweredOff):
            strikes += r.host == on
            off[r.host] = r.t
        elif isinstance(r, ev.HostPoweredOn):
            other = next((t for h, t in off.items() if h != r.host), None)
            if other is not None:
                both_off += r.t - max(other, off[r.host])
            del off[r.host]
    assert strikes > 50
    long_stops = [(a, b) for a, b in db1.down_spans() if b - a > 600]
    minutes = (db1.downtime_s - sum(b - a for a, b in long_stops)) / strikes / 60
    assert minutes < 5  # detection + fence + restart
    assert (len(long_stops) <= 2 and both_off > 0) or not long_stops  # hours only while both hosts were down


def test_without_spare_memory_ha_vms_wait_for_capacity():
    spare = availability_report(parse_scenario(TWO_HOSTS), years=20, seeds=range(4), executor=InProcess())
    full = availability_report(parse_scenario(NO_SPARE), years=20, seeds=range(4), executor=InProcess())
    assert "waiting for capacity" not in spare["downtime_by_phase"]
    waiting = full["downtime_by_phase"]["waiting for capacity"]
    assert waiting > 0.5 * sum(full["downtime_by_phase"].values())
    assert full["classes"]["ha"]["availability"] < spare["classes"]["ha"]["availability"]


def test_phases_and_causes_add_up_to_the_downtime_and_runs_keep_the_invariants():
    scenario = over_years(parse_scenario(NO_SPARE), 5)
    log = simulate(scenario, 3)
    vms = availability(log, scenario)
    by_cause, by_phase = downtime(log, scenario, vms)
    total = sum(v.downtime_s for v in vms.values())
    assert sum(by_cause.values()) == pytest.approx(total) == pytest.approx(sum(by_phase.values()))
    report = availability_report(parse_scenario(NO_SPARE), years=5, seeds=[3, 4], check=True, executor=InProcess())
    assert report["violations"] == {}


def test_a_year_is_deterministic_per_seed():
    scenario = over_years(parse_scenario(TWO_HOSTS), 1)
    assert simulate(scenario, 7) == simulate(scenario, 7)
    assert simulate(scenario, 7) != simulate(scenario, 8)


def test_the_json_has_the_documented_shape(tmp_path, capsys):
    path = tmp_path / "two.yaml"
    path.write_text(TWO_HOSTS.replace("mtbf_h: 2000", "mtbf_h: 500"), encoding="utf-8")
    assert main(["availability", str(path), "--years", "3", "--seed", "1", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["years"] == 3
    assert set(report["vms"]["db1"]) >= {"availability", "downtime_s", "ha"} and report["vms"]["db1"]["ha"] is True
    ha = report["classes"]["ha"]
    assert set(ha) >= {"availability", "nines", "ci95"} and ha["ci95"][0] <= ha["availability"] <= ha["ci95"][1]
    assert report["ci_method"].startswith("batch means")
    assert set(report["downtime_by_cause"]) == {"power_off"}
    assert sum(report["downtime_by_phase"].values()) == pytest.approx(report["vms"]["db1"]["downtime_s"], abs=0.01)


@pytest.mark.slow
def test_the_text_report_and_the_figure(tmp_path, capsys):
    path = tmp_path / "full.yaml"
    path.write_text(NO_SPARE, encoding="utf-8")
    assert main(["availability", str(path), "--years", "2", "--seeds", "0-1", "--workers", "1",
                 "--plot", str(tmp_path / "n.png")]) == 0
    text = capsys.readouterr().out
    assert "HA  " in text and "waiting for capacity" in text and "Student t interval over 2 independent seeds" in text
    assert (tmp_path / "n.png").stat().st_size > 10_000


def test_a_scenario_without_failure_rates_is_one_line(tmp_path, capsys):
    path = tmp_path / "none.yaml"
    path.write_text(TWO_HOSTS.split("failure_rates:")[0], encoding="utf-8")
    assert main(["availability", str(path)]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "no failure_rates:" in err


def test_the_lesson_panel_runs_the_switched_cluster_and_says_what_it_showed():
    from hacourse.panel.nines import NinesPanel

    panel = NinesPanel()
    panel.spare.value, panel.pm.value = True, False
    assert [h.name for h in panel.scenario().hosts] == ["atlantic", "pacific", "indian"]
    assert not any(h.power_management for h in panel.scenario().hosts)
    panel.run()
    report = panel.report
    assert report["seeds"] == [0, 1, 2, 3, 4] and report["years"] == 10
    ha = report["classes"]["ha"]
    assert f"{ha['availability']:.4%}" in panel.said.value  # the sentence is the run's number
    assert "waiting" in panel.table.value or "restart" in panel.table.value
    assert panel.figure.value[:4] == b"\x89PNG" and not panel.errors.outputs
    assert not panel.button.disabled


def test_each_class_label_of_the_availability_figure_stays_inside_its_panel():
    """The nines written beside each class's point ("99.92404% (3.1 nines)") are read in full: the
    last class's label once ran past its panel's frame in lesson 04."""
    import matplotlib

    matplotlib.use("Agg")
    from hacourse.views.availability import draw_availability

    report = {"classes": {"ha": {"availability": 0.9992404, "nines": 3.1, "ci95": [0.999, 0.9994]},
                          "non_ha": {"availability": 0.99512345, "nines": 2.3, "ci95": [0.994, 0.996]}},
              "ci_method": "t", "downtime_by_phase": {"detection": 3600.0}, "years": 10, "vms": {"db1": {}}}
    figure = draw_availability(report)
    assert figure is not None
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    left = figure.axes[0]
    frame = left.get_window_extent(renderer)
    labels = [text for text in left.texts if "nines" in text.get_text()]
    assert len(labels) == 2
    for label in labels:
        box = label.get_window_extent(renderer)
        assert frame.x0 <= box.x0 and box.x1 <= frame.x1, label.get_text()
