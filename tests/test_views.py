"""Figures checked by their data: lanes, labels, span colours and the topology graph, not pixels."""

from __future__ import annotations

import re
from html import escape

import matplotlib.pyplot as plt
import pytest
from matplotlib.colors import to_rgba

from hacourse import load_scenario, parse_scenario, simulate
from hacourse.analysis import audit, episodes, intervals
from hacourse.model import Fault
from hacourse.scenario import vary
from hacourse.study.generate import generate_scenario
from hacourse.views import (
    draw_timeline,
    draw_topology,
    drawn_marks,
    drawn_spans,
    events_html,
    lane_labels,
    palette,
    save_timeline_figure,
    table_html,
    timeline_figure,
    timeline_lanes,
    timeline_text_html,
    topology_graph,
)
from hacourse.views.live import LiveTimeline
from tests.seed import SEED


@pytest.fixture(scope="module")
def seed():
    return load_scenario(SEED)


@pytest.fixture(scope="module")
def log(seed):
    return simulate(seed, seed=0)


@pytest.fixture(scope="module")
def timeline(seed, log):
    fig = timeline_figure(log, seed)
    return fig.axes[0]


def _spans(ax, lane: str, status: str | None = None):
    return [s for s in drawn_spans(ax) if s.lane == lane and (status is None or s.status == status)]


def test_lanes_are_spm_then_hosts_then_vms_with_ha_and_priority(seed, timeline):
    vm_labels = ["db1 (HA, high)", "mail1 (HA, high)", "app1 (medium)", "app2 (medium)", "web1 (low)",
                 "log1 (low)", "dns1 (HA, medium)"]
    assert lane_labels(timeline) == ["SPM", "atlantic", "pacific", *vm_labels]


def test_pacific_lane_turns_non_operational_orange_when_the_log_says(log, timeline):
    nonop = episodes.nic_rule(log, "pacific").non_operational
    up, = _spans(timeline, "host:pacific", "Up")
    orange, = _spans(timeline, "host:pacific", "NonOperational")
    assert (up.start, up.end) == (0.0, nonop)
    assert orange.start == nonop
    assert orange.color == to_rgba(palette.STATUS_COLORS["NonOperational"])
    assert up.color == to_rgba(palette.STATUS_COLORS["Up"])
    strip, = _spans(timeline, "host:pacific", "NIC down")
    assert strip.start == 60.0
    assert [s.status for s in _spans(timeline, "host:atlantic")] == ["Up"]


def test_spm_lane_shows_atlantic_throughout(log, timeline):
    spm, = _spans(timeline, "spm")
    assert (spm.status, spm.start) == ("SPM", 0.0)
    assert any(t.get_text() == "SPM on atlantic" for t in timeline.texts)


def test_each_migration_is_framed_from_its_transfer_start_to_its_end_an_arrow_at_its_end(log, timeline):
    arrows = {line.get_gid().removeprefix("vm:").split("|")[0]: line.get_xdata()[0] for line in timeline.lines
              if (line.get_gid() or "").endswith("|arrow")}
    for m in intervals.migration_spans(log):
        copy, = _spans(timeline, f"vm:{m.vm}", "migrating (copying memory)")
        assert (copy.start, copy.end) == (m.transfer_start, m.end)
        assert arrows[m.vm] == m.end
        waits = _spans(timeline, f"vm:{m.vm}", "waiting for a migration slot")
        assert [(w.start, w.end) for w in waits] == ([(m.requested, m.transfer_start)] if m.queued_s else [])
    assert not _spans(timeline, "vm:dns1", "migrating (copying memory)")


def test_each_migration_is_numbered_in_the_engines_order_high_priority_first(log, timeline):
    """Pacific's VMs leave in the engine's order: the HA, high-priority ones get the first slots."""
    numbered = {t.get_text(): t.get_gid().removeprefix("label|span|vm:") for t in timeline.texts
                if t.get_text().startswith("#")}
    assert {numbered["#1 → atlantic"], numbered["#2 → atlantic"]} == {"db1", "mail1"}


def test_vm_lanes_show_pauses_in_yellow_and_name_the_hosts(log, timeline):
    for p in episodes.pauses(log):
        paused, = _spans(timeline, f"vm:{p.vm}", "Paused")
        assert (paused.start, paused.end) == (p.start, p.end)
        assert paused.color == to_rgba(palette.STATUS_COLORS["Paused"])
    texts = [t.get_text() for t in timeline.texts]
    assert texts.count("atlantic") >= 6 and "pacific" in texts


def test_the_fault_is_marked_and_the_legend_explains_every_colour(timeline):
    faults = [line for line in timeline.lines if line.get_gid() == "fault"]
    assert [line.get_xdata()[0] for line in faults] == [60.0]
    legend = [t.get_text() for t in timeline.get_legend().get_texts()]
    for entry in ("Up", "NonOperational", "Paused", "MigratingFrom", "copying memory (#: its order)",
                  "waiting for a migration slot", "required NIC down", "fault injected"):
        assert entry in legend
    assert timeline.get_xlabel().startswith("simulated time")
    assert [t.get_text() for t in timeline.get_xticklabels()][:3] == ["0:00", "1:00", "2:00"]


def test_a_timeline_up_to_now_stops_there_and_marks_it(seed, log):
    ax = draw_timeline(log, seed, until=100.0, now=100.0, xmax=300.0, ax=plt.figure().add_subplot())
    try:
        assert max(s.end for s in drawn_spans(ax)) == 100.0
        assert ax.get_xlim() == (0.0, 300.0)
        assert [line.get_xdata()[0] for line in ax.lines if line.get_gid() == "now"] == [100.0]
        assert not _spans(ax, "host:pacific", "NonOperational")
    finally:
        plt.close(ax.figure)


def test_save_timeline_figure_writes_a_png_and_leaves_pyplot_alone(seed, log, tmp_path):
    open_before = plt.get_fignums()
    path = save_timeline_figure(log, seed, tmp_path / "timeline.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 20_000
    assert plt.get_fignums() == open_before


def test_big_clusters_get_a_lane_only_for_what_changed():
    scenario = parse_scenario(generate_scenario(60, 200, 0, storage_down_share=0.05))
    log = simulate(scenario)
    lanes = timeline_lanes(log, scenario)
    hosts = [lane for lane in lanes if lane.kind == "host"]
    changed = {h for h, spans in intervals.host_intervals(log, scenario).items() if any(s.status != "Up" for s in spans)}
    assert {lane.label for lane in hosts} == changed | {scenario.spm}
    rest = next(lane for lane in lanes if lane.key == "hosts:rest")
    assert rest.label == f"+{60 - len(hosts)} hosts"
    assert len(lanes) < 40


def test_huge_clusters_share_one_lane_per_group():
    scenario = parse_scenario(generate_scenario(200, 1000, 0))
    log = simulate(scenario)
    lanes = timeline_lanes(log, scenario)
    assert [lane.kind for lane in lanes] == ["spm", "share", "summary", "share", "summary"]
    share = lanes[1]
    statuses = dict(share.shares)
    assert statuses["NonOperational"][-1] > 0.5  # most hosts that changed end NonOperational
    for i in range(len(share.share_times)):  # fractions of one group add up to 1 at every time
        assert sum(fractions[i] for fractions in statuses.values()) == pytest.approx(1.0)


def _marks(ax, lane: str):
    return [(m.kind, m.t) for m in drawn_marks(ax) if m.lane == lane]


def _legend(ax) -> list[str]:
    return [t.get_text() for t in ax.get_legend().get_texts()]


def _figure(name: str, scenario=None):
    scenario = scenario or load_scenario(SEED.parent / f"{name}.yaml")
    log = simulate(scenario, seed=0)
    return log, scenario, timeline_figure(log, scenario).axes[0]


def test_lesson_3_flags_the_power_fence_on_pacific_and_the_ha_restarts_on_their_vms():
    log, mgmt, ax = _figure("pacific-mgmt-down")
    treated = episodes.fence_episode(log, "pacific")
    assert _marks(ax, "host:pacific") == [("fenced (power-management)", treated.fenced)]
    for v in episodes.vm_recovery(log, mgmt, "pacific"):
        assert _marks(ax, f"vm:{v.vm}") == ([("HA restart", v.restarted)] if v.ha else [])
    restart = next(m for m in drawn_marks(ax) if m.lane == "vm:db1")
    assert restart.text == "HA restart on atlantic"
    assert {"fenced (power-management)", "HA restart started"} <= set(_legend(ax))
    assert _marks(ax, "host:atlantic") == []


def test_lesson_2_marks_sanlock_giving_up_the_lease_and_fencing_the_spm_host_itself():
    log, spm, ax = _figure("spm-storage-down")
    h = episodes.spm_handover(log, spm)
    assert _marks(ax, "host:atlantic")[-2:] == [("SPM lease expired", h.lease_expired),
                                                ("fenced (self)", h.lease_expired)]
    assert {"SPM lease expired (sanlock)", "fenced (self)"} <= set(_legend(ax))
    flags = [line for line in ax.lines if (line.get_gid() or "").startswith("mark|host:atlantic|")]
    assert len({tuple(line.get_transform().transform((h.lease_expired, 0))) for line in flags[-2:]}) == 2  # side by side


def test_a_skipped_fence_is_flagged_with_its_reason_written_beside_it():
    *_, ax = _figure("pacific-power-loss-no-pm")
    skipped = next(m for m in drawn_marks(ax) if m.kind == "fencing skipped")
    assert skipped.lane == "host:pacific" and "no power management" in skipped.text
    assert "fencing skipped: no power management" in [t.get_text() for t in ax.texts]
    assert "fencing skipped (why: beside it)" in _legend(ax)
    assert not [m for m in drawn_marks(ax) if m.kind.startswith("fenced")]


def test_a_failed_ha_restart_is_marked_red_on_the_vm_lane():
    """db1 with a VM lease on a host without power: the engine tries, finds the lease held, retries later."""
    mgmt = load_scenario(SEED.parent / "pacific-mgmt-down.yaml")
    leased = vary(mgmt, {"engine_profile": "ovirt-4.5", "hosts[1].power_management": False,
                                  "vms[0].lease": True,
                                  "faults[0]": Fault(at=60, action="power_off", host="pacific")})
    *_, ax = _figure("", leased)
    kinds = [kind for kind, _ in _marks(ax, "vm:db1")]
    assert kinds[0] == "HA restart failed" and kinds[-1] == "HA restart"
    failed = next(line for line in ax.lines if (line.get_gid() or "").startswith("mark|vm:db1|HA restart failed|"))
    assert failed.get_color() == palette.HA_FAILED_COLOR
    assert "HA restart failed (retried later)" in _legend(ax)


def test_a_status_taken_at_the_end_of_a_partial_log_is_not_drawn_as_an_empty_span():
    mgmt = load_scenario(SEED.parent / "pacific-mgmt-down.yaml")
    log = simulate(mgmt, seed=0)
    t = episodes.fence_episode(log, "pacific").non_responsive
    ax = draw_timeline([r for r in log if r.t <= t], mgmt, until=t, now=t, ax=plt.figure().add_subplot())
    try:
        assert all(s.end > s.start for s in drawn_spans(ax))
        assert not _spans(ax, "host:pacific", "NonResponsive")
    finally:
        plt.close(ax.figure)


def test_fences_and_ha_restarts_of_a_huge_cluster_show_on_its_share_lanes():
    scenario = parse_scenario(generate_scenario(200, 1000, 0))
    log = simulate(scenario)
    lanes = {lane.key: lane for lane in timeline_lanes(log, scenario)}
    fenced = [r for r in log if r.event == "HostFenced"]
    restarts = [r for r in log if r.event == "HaRestartAttempted" and r.result == "started"]
    assert fenced and restarts
    assert [m.kind for m in lanes["hosts:share"].marks] == [f"fenced ({r.method})" for r in fenced]
    assert {m.kind for m in lanes["vms:share"].marks} == {"HA restart"}
    assert lanes["vms:share"].marks[0].text == f"{len(restarts)} VMs: HA restart"


def _text_lanes(html: str) -> dict[str, tuple[dict[str, str], str]]:
    """`{lane: (data attributes, words)}` of a timeline's text form, as a screen reader or a browser test reads it."""
    out = {}
    for lane, attrs, inner in re.findall(r'<li class="hacourse-lane" data-lane="([^"]+)"([^>]*)>(.*?)</li>', html):
        out[lane] = (dict(re.findall(r'data-(\w+)="([^"]*)"', attrs)), re.sub(r"<[^>]+>", "", inner))
    return out


def test_the_timeline_as_text_reads_each_lane_at_that_time(seed, log):
    rule = episodes.nic_rule(log, "pacific")
    html = timeline_text_html(log, seed, 150.0)
    assert html.startswith('<div class="hacourse-timeline-text"') and "at 2:30" in html
    lanes = _text_lanes(html)
    assert list(lanes) == ["spm", "host:atlantic", "host:pacific", *(f"vm:{vm.name}" for vm in seed.vms)]
    data, words = lanes["host:pacific"]
    assert data == {"status": "NonOperational"}
    assert words.startswith(f"pacific: NonOperational since {audit.clock(rule.non_operational)}")
    assert "p1p1 (storage) down since 1:00" in words
    assert lanes["spm"] == ({"host": "atlantic"}, "SPM: atlantic since 0:00")
    data, words = lanes["vm:db1"]
    assert data == {"status": "MigratingFrom", "host": "pacific"} and "migrating pacific → atlantic" in words
    at_end = _text_lanes(timeline_text_html(log, seed))
    for vm in (vm.name for vm in seed.vms if vm.host == "pacific"):
        data, words = at_end[f"vm:{vm}"]
        assert data == {"status": "Up", "host": "atlantic"} and "ran on pacific → atlantic" in words, words


def test_the_timeline_as_text_names_fences_and_ha_restarts():
    log, mgmt, _ = _figure("pacific-mgmt-down")
    treated = episodes.fence_episode(log, "pacific")
    lanes = _text_lanes(timeline_text_html(log, mgmt))
    assert f"fenced (power-management) at {audit.clock(treated.fenced)}" in lanes["host:pacific"][1]
    assert "HA restart on atlantic" in lanes["vm:db1"][1]
    assert lanes["vm:web1"][0] == {"status": "Down", "host": "pacific"}
    no_pm, scenario, _ = _figure("pacific-power-loss-no-pm")
    assert "fencing skipped at" in _text_lanes(timeline_text_html(no_pm, scenario))["host:pacific"][1]


def test_the_timeline_as_text_of_a_big_cluster_lists_what_changed_and_counts_the_rest():
    scenario = parse_scenario(generate_scenario(60, 200, 0, storage_down_share=0.05))
    html = timeline_text_html(simulate(scenario), scenario)
    lanes = _text_lanes(html)
    vms = [lane for lane in lanes if lane.startswith("vm:")]
    assert 0 < len(vms) <= 30 and all("ran on" in lanes[v][1] or lanes[v][0]["status"] != "Up" for v in vms)
    assert f"+{200 - len(vms)} unchanged VMs" in html
    assert len([lane for lane in lanes if lane.startswith("host:")]) <= 30


def test_topology_graph_marks_the_down_nic_the_spm_and_where_vms_run(seed, log):
    g = topology_graph(seed, log, t=200.0)
    assert g.nodes["nic:pacific:p1p1"]["up"] is False
    assert g.nodes["nic:pacific:p1p1"]["color"] == palette.NIC_DOWN_COLOR
    assert g.edges["nic:pacific:p1p1", "net:storage"]["up"] is False
    assert g.edges["nic:atlantic:p1p1", "net:storage"]["up"] is True
    assert g.nodes["host:pacific"]["status"] == "NonOperational"
    assert g.nodes["host:atlantic"]["spm"] and not g.nodes["host:pacific"]["spm"]
    assert g.nodes["vm:mail1"]["host"] == "atlantic"
    assert g.nodes["vm:web1"]["label"] == "web1 → atlantic"
    assert {n for n, d in g.nodes(data=True) if d["kind"] == "storage"} == {"sd:iscsi-share"}
    start = topology_graph(seed, log, t=0.0)
    assert all(d["up"] for _, _, d in start.edges(data=True))
    assert {d["host"] for n, d in start.nodes(data=True) if d["kind"] == "vm" and n != "vm:dns1"} == {"pacific"}


def test_topology_drawing_dashes_the_down_link(seed, log):
    ax = draw_topology(seed, log, 200.0, ax=plt.figure().add_subplot())
    try:
        down = next(c for c in ax.collections if c.get_gid() == "links:down")
        assert len(down.get_segments()) == 1
        assert down.get_linestyle()[0][1] is not None  # a dash pattern
        assert "NIC down: p1p1 on pacific" in ax.get_title(loc="left")
        assert any(t.get_gid() == "host:pacific" and "NonOperational" in t.get_text() for t in ax.texts)
    finally:
        plt.close(ax.figure)


def _as_drawn(figure):
    return sorted((s.lane, s.status, s.start, s.end) for s in drawn_spans(figure))


def test_the_panels_svg_draws_the_spans_of_the_full_figure(seed, log):
    live = LiveTimeline(seed)
    for now in (30.0, 150.0, 240.0):
        part = [r for r in log if r.t <= now]
        assert live.render(part, now, 300.0).startswith("<svg")
        full = timeline_figure(part, seed, until=now, now=now, xmax=300.0)
        assert _as_drawn(live.picture) == _as_drawn(full.axes[0])


def test_events_html_lists_newest_first_and_escapes(log):
    rows = audit.events_table(log)
    html = events_html(rows, limit=5)
    where = [html.index(escape(r.message)) for r in rows[:5]]
    assert where == sorted(where)
    assert html.count('<tr class="event') == 5 and f"{len(rows) - 5} older events not shown" in html
    assert "&lt;b&gt;" in table_html([{"name": "<b>", "t": 61.0}], times=["t"])
    assert "1:01" in table_html([{"name": "x", "t": 61.0}], times=["t"])


def test_the_error_that_matters_is_not_pushed_below_the_fold_by_migrations_of_the_same_second(log):
    t = next(r.t for r in audit.events_table(log) if "moved from Up to NonOperational" in r.message)
    rows = audit.events_table(log, until=t)  # the Events tab at the moment Pacific turns Non Operational
    non_operational = next(r for r in rows if "moved from Up to NonOperational" in r.message)
    same_second = [r for r in rows if r.t == t]
    assert len(same_second) > 3  # the migrations logged with it
    html = events_html(rows, limit=40, pinned=3)
    pinned, listed = html.split('<div class="hacourse-events"', 1)
    assert escape(non_operational.message) in pinned
    first_of_its_second = min(listed.index(escape(r.message)) for r in same_second)
    assert listed.index(escape(non_operational.message)) == first_of_its_second


def test_the_severity_filter_hides_what_is_less_severe(log):
    rows = audit.events_table(log)
    errors_only = events_html(rows, least="Error")
    assert 'class="event event-normal"' not in errors_only and 'class="event event-warning"' not in errors_only
    assert 'class="event event-error"' in errors_only
    assert 'class="event event-normal"' in events_html(rows)


def test_a_burst_of_warnings_does_not_unpin_the_error(log):
    t = next(r.t for r in audit.events_table(log) if "paused due to storage I/O" in r.message)
    rows = audit.events_table(log, until=t)  # pauses (Warnings) came after Pacific's Error
    pinned = events_html(rows, pinned=3).split('<div class="hacourse-events"', 1)[0]
    assert "moved from Up to NonOperational" in pinned


def test_the_spm_lane_names_the_stretch_without_an_spm_in_the_words_that_fit():
    """Lesson 2's finished run: 'no SPM' between the two holders (the longer words, when sanlock frees
    the lease, where the stretch has room for them)."""
    scenario = load_scenario(SEED.parent / "spm-storage-down.yaml")
    ax = timeline_figure(simulate(scenario, seed=0), scenario).axes[0]
    spm = [t.get_text() for t in ax.texts if t.get_gid() == "label|span|spm"]
    assert spm[0] == "SPM on atlantic" and spm[-1] == "SPM on pacific"
    assert len(spm) == 3 and spm[1].startswith("no SPM")
