"""The lesson panel's SVG figures: what a student sees and hovers, and that they need no matplotlib.

The panel runs in a browser kernel (JupyterLite) where matplotlib, numpy and Pillow are not
available: it must import and draw without them. The pictures are read as data (`Picture`) and
as the SVG the browser gets (parsed as XML: a broken document draws nothing).
"""

from __future__ import annotations

import itertools
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from hacourse import load_scenario, simulate
from hacourse.panel.widgets import Lesson
from hacourse.views import live, zoom
from hacourse.views.labels import overlapping
from hacourse.views.lanes import ADMIN, FAULT, REFUSED
from tests.seed import ROOT, SEED

SVG = "{http://www.w3.org/2000/svg}"
SCENARIOS = ROOT / "scenarios"


def test_the_panel_imports_and_draws_without_matplotlib_numpy_or_pillow():
    code = ("import sys\n"
            "for name in ('matplotlib', 'numpy', 'PIL'):\n"
            "    sys.modules[name] = None  # an import of any of them fails, as in Pyodide\n"
            "from hacourse import load_scenario\n"
            "from hacourse.panel.widgets import Lesson\n"
            f"lesson = Lesson(load_scenario({str(SEED)!r}), seed=0, scripted_faults=False)\n"
            "lesson.step(60); lesson.inject('ifdown', 'pacific', 'storage'); lesson.step(120)\n"
            "assert lesson.timeline.value.startswith('<svg') and lesson.topology.value.startswith('<svg')\n"
            "assert not {'matplotlib', 'numpy', 'PIL'} & {n.split('.')[0] for n, m in sys.modules.items() if m}\n")
    done = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=120,
                          cwd=ROOT)
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def lesson_at_3_min():
    lesson = Lesson(load_scenario(SEED), seed=0, scripted_faults=False)
    lesson.step(60)
    lesson.inject("ifdown", "pacific", "storage")
    lesson.step(120)
    return lesson


def test_the_figures_are_svg_documents_a_browser_can_parse(lesson_at_3_min):
    for value in (lesson_at_3_min.timeline.value, lesson_at_3_min.topology.value):
        root = ET.fromstring(value)
        assert root.tag == f"{SVG}svg" and root.get("viewBox")


def test_hovering_any_span_or_mark_tells_state_since_until_and_why(lesson_at_3_min):
    root = ET.fromstring(lesson_at_3_min.timeline.value)
    hovered = [e for e in root.iter() if (e.get("class") or "").split(" ")[0] in ("hacourse-span", "hacourse-mark")]
    assert hovered
    for element in hovered:
        title = element.find(f"{SVG}title")
        assert title is not None and title.text, ET.tostring(element)[:200]
    titles = {e.get("data-lane") + "|" + e.get("data-key"): e.find(f"{SVG}title").text for e in hovered}
    pacific = titles["host:pacific|NonOperational"]
    assert pacific.startswith("pacific: NonOperational\nsince 2:") and "until 3:00 (still, at now)" in pacific
    assert "why: " in pacific
    assert "since 1:00" in titles["host:pacific|NIC down"]
    assert titles["host:pacific|engine saw the NIC down"].startswith("engine sees p1p1 down\nat 1:0")


def test_the_topology_dashes_the_down_link_and_names_the_down_nic(lesson_at_3_min):
    root = ET.fromstring(lesson_at_3_min.topology.value)
    down = [set(e.get("data-edge").split("|")) for e in root.iter(f"{SVG}polyline") if e.get("data-up") == "false"]
    assert down == [{"nic:pacific:p1p1", "net:storage"}]
    heading = next(e for e in root.iter(f"{SVG}text") if e.get("class") == "hacourse-topo-heading")
    assert "NIC down: p1p1 on pacific" in heading.text
    host = next(e for e in root.iter(f"{SVG}g") if e.get("data-node") == "host:pacific")
    assert host.get("data-status") == "NonOperational"


def test_the_topology_is_written_again_only_when_it_changed():
    scenario = load_scenario(SEED)
    log = simulate(scenario, seed=0)
    topology = live.LiveTopology(scenario)
    first = topology.render(log, 200.0)
    assert topology.render(log, 200.0) is first
    assert topology.render(log, 0.0) != first


def _run_admin_scenario() -> Lesson:
    lesson = Lesson(load_scenario(SCENARIOS / "admin-migrate-select-spm.yaml"), seed=0)
    lesson.step(150)
    return lesson


def test_admin_actions_are_drawn_as_the_admins_and_a_refused_one_as_refused():
    lesson = _run_admin_scenario()
    picture = lesson.timeline_picture
    lines = {(key, t) for key, t in picture.lines}
    assert (ADMIN, 30.0) in lines and (ADMIN, 121.0) in lines  # migrate db1, select indian as SPM
    assert (REFUSED, 31.0) in lines and (REFUSED, 120.0) in lines  # db1 moving already; pacific never SPM
    assert not any(key == FAULT for key, _ in lines)  # no fault in this story
    written = {kind: [] for kind in (ADMIN, REFUSED)}
    for kind, text, _ in picture.words:
        written.get(kind, []).append(text)
    assert written[ADMIN] == ["migrate db1 to indian", "migrate web1", "select indian as SPM"]
    assert written[REFUSED] == ["refused: migrate db1 +2 more", "refused: select pacific as SPM"]  # 0:31-0:33: one label
    assert "admin action" in lesson.legend.value and "fault injected" not in lesson.legend.value
    title = re.search(r'data-key="admin action refused" data-t="120"><title>([^<]*)', lesson.timeline.value)
    assert title and "why: " in title.group(1)


def test_a_short_reboot_is_drawn_wide_enough_to_see():
    lesson = Lesson(load_scenario(SCENARIOS / "guides-lab.yaml"), seed=0)
    lesson.step(300)  # the fence's 5 s Reboot at 2:10, in a window of 15 minutes
    reboots = [s for s in lesson.timeline_picture.spans if s.status == "Reboot"]
    assert reboots
    for span in re.finditer(r'data-key="Reboot" data-start="[^"]*" data-end="[^"]*" x="[^"]*" y="[^"]*" '
                            r'width="([^"]*)"', lesson.timeline.value):
        assert float(span.group(1)) >= 6.0


def _lesson_2(**options) -> Lesson:
    lesson = Lesson(load_scenario(SCENARIOS / "spm-storage-down.yaml"), seed=0, scripted_faults=False, **options)
    lesson.step(60)
    lesson.inject("ifdown", "atlantic", "storage")
    return lesson


def test_lesson_2s_hand_over_is_enlarged_in_place_once_it_happened():
    """The busy seconds (sanlock gives up at 2:09, Non Operational at 2:27) take a good share of the
    timeline's width, shaded and ticked finer, among the minutes around them: one picture, no inset
    below the fold."""
    lesson = _lesson_2(window=zoom.spm_handover)
    lesson.step(60)
    assert lesson.timeline_picture.band is None  # 2:00: the SPM still holds its lease
    lesson.step(15)
    assert lesson.timeline_picture.band == (122.0, 135.0)  # unfolding: enlarged up to now, nothing shaded past it
    lesson.step(105)
    picture = lesson.timeline_picture
    assert picture.band == (124.0, 152.0) and picture.factor > 4
    shade = re.search(r'class="hacourse-highlight" x="([^"]*)" y="[^"]*" width="([^"]*)"', picture.svg)
    assert shade, "the enlarged stretch is not shaded"
    band = (float(shade.group(1)), float(shade.group(1)) + float(shade.group(2)))
    assert band[1] - band[0] > 0.35 * (float(_attr(picture, "data-right")) - float(_attr(picture, "data-left")))
    atlantic = [s.status for s in picture.spans if s.lane == "host:atlantic" and 124 <= s.start < 152]
    assert atlantic == ["Connecting", "Initializing", "Up", "NonOperational"]
    words = [text for kind, text, _ in picture.words if kind == "span"]
    assert "Connecting" in words and "Init" in words and "NonOperational" in words
    assert "2:04-2:32 enlarged ×7" in [text for kind, text, _ in picture.words if kind == "band"]
    ticks = [float(t) for t in re.findall(r'class="hacourse-tick" x="([^"]*)"', lesson.timeline.value)]
    assert sum(band[0] <= x <= band[1] for x in ticks) >= 3  # finer ticks in the band
    assert not overlapping(picture.words), overlapping(picture.words)
    assert set(picture.keys) == set(re.findall(r'<li class="hacourse-legend-entry" data-key="([^"]*)"',
                                               lesson.legend.value))


def _attr(picture, name: str) -> str:
    found = re.search(rf'{name}="([^"]*)"', picture.svg)
    assert found, name
    return found.group(1)


def test_a_lesson_can_open_on_the_stretch_it_is_about():
    lesson = _lesson_2(window=(120.0, 240.0))
    assert not lesson.follow.value and lesson.timeline_picture.get_xlim() == (120.0, 240.0)


def _words_on(picture, lane: str) -> list[tuple[str, object]]:
    return [(text, box) for kind, text, box in picture.words if kind == "span" and _lane_of(picture, box) == lane]


def _lane_of(picture, box) -> str:
    """The lane whose row holds a box's middle (read back from the SVG's spans)."""
    rows = {m.group(1): (float(m.group(2)), float(m.group(2)) + 24) for m in re.finditer(
        r'class="hacourse-span hcsvg-hover" data-lane="([^"]*)"[^>]* y="([^"]*)" ', picture.svg)}
    middle = (box.y0 + box.y1) / 2
    return next((lane for lane, (top, bottom) in rows.items() if top <= middle <= bottom), "")


def test_lesson_1s_migrations_read_in_the_engines_order_copying_apart_from_waiting():
    """2:06, Pacific Non Operational: three slots, so the HA high-priority VMs copy first (#1, #2,
    solid, an arrowhead to Atlantic), the others wait (#4.., paled, dashed) for a slot."""
    lesson = Lesson(load_scenario(SEED), seed=0, scripted_faults=False)
    lesson.step(60)
    lesson.inject("ifdown", "pacific", "storage")
    lesson.step(135)
    picture = lesson.timeline_picture
    written = {lane: [t for t, _ in _words_on(picture, lane)] for lane in ("vm:db1", "vm:mail1", "vm:app2", "vm:web1")}
    assert {"#1 → atlantic", "#2 → atlantic"} == {written["vm:db1"][-1], written["vm:mail1"][-1]}
    assert written["vm:app2"][-1] == "#4 waits for a slot" and written["vm:web1"][-1].endswith("waits for a slot")
    root = ET.fromstring(lesson.timeline.value)
    groups = {(g.get("data-lane"), g.get("data-key")): g for g in root.iter(f"{SVG}g") if g.get("data-key")}
    waiting = groups[("vm:app2", "waiting for a migration slot")]
    assert waiting.find(f"{SVG}rect").get("stroke-dasharray")  # dashed, paled: not moving yet
    copying = groups[("vm:db1", "migrating (copying memory)")]
    assert copying.find(f"{SVG}path") is not None  # the arrowhead
    assert "the engine's migration #1" in copying.find(f"{SVG}title").text
    assert [text for kind, text, _ in picture.words if kind == "grace"] == ["60 s grace"]  # over its bracket
    assert not overlapping(picture.words), overlapping(picture.words)


def test_lesson_2s_spm_lane_says_who_holds_the_role_and_why_nobody_does_never_past_now():
    lesson = _lesson_2()
    lesson.step(135)  # 3:15: the SPM on Pacific since 3:10, a sliver of the 5-minute window
    picture = lesson.timeline_picture
    spm = _words_on(picture, "spm")
    assert [text for text, _ in spm] == ["SPM on pacific", "no SPM", "SPM on atlantic"]  # the newest placed first
    assert spm[0][1].x1 <= picture.now_x
    assert 'rx="3" fill="#fff"' in lesson.timeline.value  # on a white label: written beside its sliver
    assert not overlapping(picture.words), overlapping(picture.words)
    assert all(box.x1 <= picture.now_x + 1 for kind, _, box in picture.words if kind not in ("mark", "bracket"))
    enlarged = _lesson_2(window=zoom.spm_handover)
    enlarged.step(255)  # 5:15, the hand-over enlarged: room for why nobody held the role
    said = [text for text, _ in _words_on(enlarged.timeline_picture, "spm")]
    assert said == ["SPM on pacific", "no SPM: pacific may take the lease at 3:09", "SPM on atlantic"]


def test_an_enlarged_stretch_keeps_time_in_order_and_the_window_whole():
    """Time still runs left to right, the window still spans the plot, the band takes its share and
    the ticks' labels keep apart, whatever the band (in, across or outside the window)."""
    from hacourse.views.lanes import timeline_lanes
    from hacourse.views.svg import BAND_MOST, BAND_SHARE, TICK_GAP, _Canvas

    scenario = load_scenario(SCENARIOS / "spm-storage-down.yaml")
    lanes = timeline_lanes(simulate(scenario, seed=0), scenario, 300.0)
    for band in [(124.0, 152.0), (0.0, 10.0), (290.0, 400.0), (500.0, 600.0), (10.0, 290.0)]:
        c = _Canvas(lanes, 0.0, 300.0, "t", band)
        xs = [c.x(t) for t in range(301)]
        assert all(a < b for a, b in itertools.pairwise(xs)), band
        assert (round(xs[0], 6), round(xs[-1], 6)) == (round(c.left, 6), round(c.right, 6))
        if c.band is not None:
            share = (c.x(c.band[1]) - c.x(c.band[0])) / (c.right - c.left)
            natural = (c.band[1] - c.band[0]) / 300.0
            assert abs(share - min(BAND_SHARE, BAND_MOST * natural)) < 1e-9, (band, share)
        ticks = [c.x(t) for t in c.ticks()]
        assert all(b - a >= TICK_GAP for a, b in itertools.pairwise(ticks)), (band, c.ticks())
    assert _Canvas(lanes, 0.0, 300.0, "t", (500.0, 600.0)).band is None
    assert _Canvas(lanes, 0.0, 300.0, "t", (10.0, 290.0)).band is None  # wide already: drawn as it is


def test_lesson_3s_fence_is_enlarged_in_place_from_non_responsive_to_the_ha_vms_up():
    """ifdown ovirtmgmt at 1:00: Pacific Non Responsive at 2:00, the power fence's Reboot at 2:10, the HA
    VMs restarted on Atlantic at 2:15 and Up at 2:25: the stretch the lesson teaches, enlarged."""
    lesson = Lesson(load_scenario(SCENARIOS / "pacific-mgmt-down.yaml"), seed=0, scripted_faults=False,
                    window=zoom.fence)
    lesson.step(60)
    lesson.inject("ifdown", "pacific", "ovirtmgmt")
    lesson.step(60)
    assert lesson.timeline_picture.band is None  # Non Responsive, not fenced yet
    lesson.step(120)
    picture = lesson.timeline_picture
    assert picture.band == (115.0, 150.0) and picture.factor > 4
    pacific = [s.status for s in picture.spans if s.lane == "host:pacific" and 115 <= s.start < 150]
    assert pacific == ["NonResponsive", "Reboot", "NonResponsive"]
    assert [m.kind for m in picture.marks if m.lane == "host:pacific"] == ["fenced (power-management)"]
    assert {m.lane for m in picture.marks if m.kind == "HA restart"} == {"vm:db1", "vm:mail1"}
    assert not overlapping(picture.words), overlapping(picture.words)
