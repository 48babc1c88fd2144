"""The lesson's control panel: run the cluster, break it by hand, watch the engine react.

`Lesson` wraps a live `Simulation`. The fault controls come from the table of fault kinds and
admin actions (`hacourse.actions`), grouped by what they act on: pick a host (its network, its
power, the admin's actions on it), pick a VM; the lesson's own fault comes first. A toggle is
named after the command a click runs next ("ifdown storage on pacific"; pressed, red, the
network is down and it reads "ifup storage on pacific", in the engine's or the shell's words);
a kind without an undo is a button. A host's shell can sit beside the controls
(`add_beside_controls`), so typing and watching the timeline need no scrolling at 1366x768. A note
beside them (under the shell) says what is in effect now and what changed without a click (a fence's reboot
undoes an `ifdown`: the toggle releases itself, and the note says why). The clock moves by
play/pause (a timer in the browser), by step buttons or by `lesson.step(seconds)`. After every
action the timeline (and its text form under it, for screen readers and browser tests), the
topology picture and the Events tab (newest first, the latest Warnings and Errors pinned on
top, a severity filter) are redrawn from the log, and the toggles show the model's state at
that time: the panel keeps no state of its own, so a student's run can be replayed from its log.

Figures come from `hacourse.views.live`: SVG written in pure Python and drawn by the browser
(`HTML` widgets), so the same panel runs on a server and in a browser kernel (JupyterLite),
and hovering a span or a mark says what it is. Callbacks run inside an `Output` so an error
shows in the lesson. Tests drive the
panel in plain Python: `lesson.control("+1 min").click()`.

The timeline shows a window of the run: by default it follows the clock (the last
`FOLLOW_S` seconds up to the next 5 minutes); the window slider moves and zooms it over a
long run. The panel is a list of sections (`Lesson.sections`, `add_section`), so other tools
(a host shell, portal tabs) can join it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import ipywidgets as widgets

from hacourse.actions import ACTIONS, TARGETS, ActionKind, Side, offered
from hacourse.analysis import audit
from hacourse.engine import Simulation
from hacourse.model import Scenario
from hacourse.panel import page_query
from hacourse.scenario import ScenarioError, vary
from hacourse.scenario.gallery import find_scenario, listing, requested_scenario
from hacourse.views import events_html, timeline_text_html, zoom
from hacourse.views.legend import legend_html
from hacourse.views.live import LiveTimeline, LiveTopology
from hacourse.views.notes import panel_notes_html
from hacourse.views.tables import SEVERITY_FILTERS

STEPS = (("+15 s", 15.0), ("+1 min", 60.0), ("+5 min", 300.0))
SPEEDS = (("5 s", 5.0), ("15 s", 15.0), ("30 s", 30.0), ("1 min", 60.0), ("2 min", 120.0))
EVENTS_SHOWN = 40
FOLLOW_S = 900.0  # a window that follows the clock shows at most the last 15 minutes


def _horizon(now: float, duration: float) -> float:
    """The timeline's right edge: the next 5 minutes past now, so the future has room."""
    return min(duration, max(300.0, (now // 300 + 1) * 300))


def _window_stops(duration: float) -> list[tuple[str, float]]:
    """The window slider's stops: every 15 s, or coarser so that a long run has at most 400."""
    step = 15.0
    while duration / step > 400:
        step *= 2
    n = int(duration // step)
    return [(audit.clock(i * step), i * step) for i in range(n + 1)] + (
        [(audit.clock(duration), float(duration))] if n * step < duration else [])


def _snap(stops: list[tuple[str, float]], t: float) -> float:
    return min((v for _, v in stops), key=lambda v: abs(v - t))


def _snap_up(stops: list[tuple[str, float]], t: float) -> float:
    """The first stop at or after `t` (the last stop if none)."""
    return next((v for _, v in stops if v >= t), stops[-1][1])


def _pressed_words(released: str, undo: str, words: Mapping[str, str]) -> str:
    """What a pressed toggle runs next, as the engine or the shell says it: `ifdown X on h` -> `ifup X
    on h`, `power off h` -> `power on h`, `maintenance h` -> `activate h` (the undo kind's label)."""
    for down, up in (("ifdown ", "ifup "), ("power off ", "power on ")):
        if released.startswith(down):
            return up + released.removeprefix(down)
    label = ACTIONS[undo].label
    return label(words) if callable(label) else label.format(**words)


class Lesson:
    """A control panel over one `Simulation` of `scenario`; display it as a cell's last expression.

    `scenario` is a Scenario, a scenario file (`Lesson("my-lab.yaml")`) or a shipped scenario's
    name (`Lesson("pacific-mgmt-down")`). With `scripted_faults=False` the scenario's own
    `faults:` are dropped and the student injects them with the buttons, at the simulated time
    of their choice. `window` is the moment the lesson is about: a stretch `(start, end)` in
    seconds that the timeline shows from the start, or a finder of `hacourse.views.zoom`
    (`zoom.spm_handover`) whose stretch, once it happened, the timeline enlarges in place.
    """

    def __init__(self, scenario: Scenario | str | Path, seed: int | None = None, *, scripted_faults: bool = True,
                 tick_ms: int = 700, window: zoom.Finder | tuple[float, float] | None = None) -> None:
        if not isinstance(scenario, Scenario):
            scenario = find_scenario(scenario)
        self.lesson_fault = scenario.faults[0] if scenario.faults else None  # the fault the lesson is about
        self.scenario = scenario if scripted_faults else vary(scenario, {"faults": [], "expect": []})
        self.seed = seed
        self.sim = Simulation(self.scenario, seed)
        self.listeners: list = []  # callables run after each redraw: sections that show the log too
        self._syncing = False
        self._words: dict[int, tuple[str, str]] = {}  # a toggle's words: released, pressed (what a click runs)
        self._finder = window if callable(window) else None
        self._holds_now = True  # the window chosen reached now: later steps stay in view (see _draw_timeline)
        self._views()

        button = widgets.Layout(width="auto")
        self.clock = widgets.HTML()
        self.errors = widgets.Output()
        self.fault_controls: list[tuple[ActionKind, dict[str, str], widgets.Widget]] = []
        self.pickers: dict[str, widgets.ToggleButtons] = {}  # target key (host, vm, ...) -> its picker
        rows = self._fault_rows(button)

        self.step_buttons = {}
        for text, seconds in STEPS:
            b = widgets.Button(description=text, layout=button, tooltip=f"Advance the simulated clock by {text[1:]}")
            b.on_click(self._stepper(seconds))
            self.step_buttons[text] = b
        self.play = widgets.Play(value=0, min=0, max=10**6, step=1, interval=tick_ms, description="play",
                                 show_repeat=False)
        self.play.observe(self._on_tick, "value")
        self.speed = widgets.SelectionSlider(options=SPEEDS, value=15.0, description="per tick",
                                             continuous_update=False, layout=widgets.Layout(width="260px"))
        self.reset_button = widgets.Button(description="reset", icon="undo", layout=button,
                                           button_style="warning", tooltip="Start the run again from 0:00")
        self.reset_button.on_click(self._capture(lambda _: self.reset()))

        self.notes = widgets.HTML()
        self._stops = _window_stops(self.scenario.duration)
        self.window = widgets.SelectionRangeSlider(
            options=self._stops, index=(0, len(self._stops) - 1), description="time window",
            continuous_update=False, layout=widgets.Layout(width="520px"),
            style={"description_width": "initial"})
        self.window.observe(self._on_window, "value")
        self.follow = widgets.Checkbox(value=True, description="follow the clock", indent=False,
                                       layout=widgets.Layout(width="auto"))
        self.follow.observe(self._on_follow, "value")
        self.timeline = widgets.HTML(layout=widgets.Layout(width="100%", max_width="960px"))
        self.legend = widgets.HTML(layout=widgets.Layout(min_width="250px", width="250px"))
        self.timeline_text = widgets.HTML(layout=widgets.Layout(max_width="1100px"))
        self.topology = widgets.HTML(layout=widgets.Layout(flex="1 1 560px", max_width="960px"))
        self.severity = widgets.ToggleButtons(options=list(SEVERITY_FILTERS), value="all", description="show",
                                              style={"button_width": "auto"})
        self.severity.observe(self._capture(lambda _: self._show_events()), "value")
        self.events = widgets.HTML()
        clock_row = widgets.HBox([self.play, self.speed, *self.step_buttons.values(), self.reset_button])
        self.beside = widgets.VBox([self.notes], layout=widgets.Layout(flex="1 1 300px", max_width="760px"))
        self.controls_area = widgets.HBox([widgets.VBox(rows, layout=widgets.Layout(flex="0 1 auto", max_width="600px")),
                                           self.beside],
                                          layout=widgets.Layout(flex_flow="row wrap", align_items="flex-start"))
        self.controls_area.add_class("hacourse-controls")
        self.sections: list[widgets.Widget] = [
            self.clock, clock_row, self.controls_area, widgets.HBox([self.window, self.follow]),
            widgets.HBox([widgets.VBox([self.timeline],
                                       layout=widgets.Layout(flex="1 1 auto", max_width="960px")),
                          self.legend]),
            self.timeline_text,
            widgets.HBox([self.topology, widgets.VBox([self.severity, self.events],  # side by side, or wrapped
                                                      layout=widgets.Layout(flex="1 1 420px"))],
                         layout=widgets.Layout(flex_flow="row wrap")),
            self.errors,
        ]
        self.widget = widgets.VBox(self.sections)
        if window is not None and not callable(window):
            self.show_window(*window)
        self.refresh()

    def add_beside_controls(self, tool: widgets.Widget) -> None:
        """Put a tool (a host's shell) to the right of the controls, above the notes and the timeline,
        so that typing and watching need no scrolling at 1366x768 (on a narrow screen the column
        wraps under the controls, and the timeline follows the tool)."""
        self.beside.layout.flex = "1 1 480px"
        self.beside.layout.min_width = "420px"
        self.beside.children = (*self.beside.children[:-1], tool, self.notes)

    def add_section(self, section: widgets.Widget, before: widgets.Widget | None = None) -> None:
        """Add a part to the panel, at the end (above the error area) or before `before`."""
        at = self.sections.index(before) if before is not None else len(self.sections) - 1
        self.sections.insert(at, section)
        self.widget.children = tuple(self.sections)

    # --- what tests and notebooks use ----------------------------------------------------

    @property
    def log(self) -> list:
        return self.sim.log

    @property
    def now(self) -> float:
        return self.sim.now

    @property
    def timeline_picture(self):
        """The timeline as last drawn, as data (`views.svg.Picture`: spans, marks, words, the window)."""
        return self._timeline.picture

    def controls(self) -> list[widgets.Widget]:
        return [*(w for _, _, w in self.fault_controls), *self.step_buttons.values(), self.reset_button]

    def control(self, description: str) -> widgets.Widget:
        """The button or toggle with this description (what a browser test finds by its name).

        A toggle answers to both of its names: "ifdown storage on pacific" and, pressed,
        "ifup storage on pacific".
        """
        found = [w for w in self.controls() if description == w.description or description in self._words.get(id(w), ())]
        if not found:
            names = ", ".join(repr(w.description) for w in self.controls())
            raise KeyError(f"no control {description!r}; controls: {names}")
        return found[0]

    def step(self, seconds: float) -> None:
        """Advance the simulated clock (capped at the scenario's duration) and redraw."""
        self.sim.run_until(self.sim.now + seconds)
        if self.sim.now >= self.scenario.duration:
            self.play.playing = False
        self.refresh()

    def inject(self, action: str, host: str | None = None, nic: str | None = None, **targets: str) -> None:
        """Apply a fault or an admin action now (what the controls do) and redraw."""
        self.sim.inject(action, host, nic, **targets)
        self.refresh()

    def reset(self) -> None:
        self.play.playing = False
        self._syncing = True
        try:
            self.follow.value = True  # back at 0:00, the window follows the clock again
        finally:
            self._syncing = False
        self.sim = Simulation(self.scenario, self.seed)
        self._views()
        self._syncing = True
        try:
            self.play.value = 0
        finally:
            self._syncing = False
        self.refresh()

    def refresh(self) -> None:
        """Redraw everything from the log up to now."""
        log, now = self.sim.log, self.sim.now
        self._sync_toggles()
        self._draw_timeline()  # first: what the click is for reaches the page first
        finished = now >= self.scenario.duration
        for b in self.step_buttons.values():
            b.disabled = finished
        self.clock.value = (f"<b>t = {audit.clock(now)}</b>{' (end of the scenario)' if finished else ''}"
                            f" &nbsp;·&nbsp; {audit.status_line(log, now, self.scenario)}")
        self.notes.value = panel_notes_html(log, now, self._in_effect())
        self.topology.value = self._topology.render(log, now)
        self._show_events()
        for listener in self.listeners:
            listener()

    def show_window(self, start: float, end: float) -> None:
        """Show [start, end] of the run on the timeline (what the window slider does); stops following."""
        self.follow.value = False
        self.window.value = (_snap(self._stops, start), _snap(self._stops, end))

    def _draw_timeline(self) -> None:
        log, now = self.sim.log, self.sim.now
        if self.follow.value:
            end = _horizon(now, self.scenario.duration)
            start = _snap(self._stops, max(0.0, end - FOLLOW_S))
            self._syncing = True
            try:
                self.window.value = (start, _snap(self._stops, end))
            finally:
                self._syncing = False
        else:
            start, end = self.window.value
            if now > end and self._holds_now:  # a window chosen up to now keeps now in view: it grows, same start
                end = _snap_up(self._stops, _horizon(now, self.scenario.duration))
                self._syncing = True
                try:
                    self.window.value = (start, end)
                finally:
                    self._syncing = False
        moment = self._finder(log, now) if self._finder is not None else None
        stretch = f"{audit.clock(moment[0])}-{audit.clock(moment[1])}" if moment else ""
        self.timeline.value = self._timeline.render(log, now, end, start, magnify=moment,
                                                    highlight_words=f"enlarged: {stretch}")
        keys = set(self._timeline.legend_keys)
        self.legend.value = legend_html(keys)
        self.timeline_text.value = timeline_text_html(log, self.scenario, now)

    def _show_events(self) -> None:
        self.events.value = ("<b>Events</b> (newest first)" + events_html(
            audit.events_table(self.sim.log, until=self.sim.now), limit=EVENTS_SHOWN, height_px=380,
            least=SEVERITY_FILTERS[self.severity.value], pinned=3))

    def _in_effect(self) -> list[str]:
        """The pressed toggles' commands: what is broken now, off the toggles (which show the model)."""
        return [self._words[id(w)][0] for _, _, w in self.fault_controls
                if isinstance(w, widgets.ToggleButton) and w.value and id(w) in self._words]

    # --- callbacks -----------------------------------------------------------------------

    def _views(self) -> None:
        self._timeline = LiveTimeline(self.scenario)
        self._topology = LiveTopology(self.scenario)

    def _capture(self, callback):
        """Run a callback inside the error Output: in a notebook a traceback shows in the panel."""
        return self.errors.capture()(callback)

    def _stepper(self, seconds: float):
        return self._capture(lambda _: self.step(seconds))

    def _on_window(self, change) -> None:
        if not self._syncing:
            self._holds_now = change["new"][1] >= self.sim.now  # else a look back at the past: it stays put
            self.follow.value = False
            self._capture(self._draw_timeline)()

    def _on_follow(self, change) -> None:
        if change["new"] and not self._syncing:
            self._capture(self._draw_timeline)()

    def _on_tick(self, change) -> None:
        if not self._syncing and change["new"] > change["old"]:
            self._capture(lambda: self.step(self.speed.value))()

    def _fault_rows(self, layout: widgets.Layout) -> list[widgets.Widget]:
        """The controls of the table's kinds (`hacourse.actions.offered`), grouped by what they act on:
        pick a host (its network, its power and hardware, the admin's actions on it), pick a VM, the
        storage. Only the picked host's and VM's controls show; the lesson's own fault comes first and
        its host is picked to begin with. A toggle for a pair such as ifdown/ifup, a button for a kind
        without an undo; every control is a button, reachable with the Tab key."""
        boxes: dict[str, dict[str, dict[str, list[widgets.Widget]]]] = {}  # target key -> name -> group -> controls
        for kind, targets in sorted(offered(self.scenario), key=lambda kt: not self._is_lesson_fault(*kt)):
            key = kind.targets[0]
            group = ("network" if "nic" in kind.targets else "admin" if kind.side == Side.ADMIN
                     else "power" if key == "host" else "faults")
            boxes.setdefault(key, {}).setdefault(targets[key], {}).setdefault(group, []).append(
                self._fault_control(kind, targets, layout))
        wrap = widgets.Layout(flex_flow="row wrap")  # buttons wrap rather than cut their words short
        rows: list[widgets.Widget] = []
        for key, by_name in boxes.items():
            shown = {name: widgets.VBox([widgets.HBox([widgets.HTML(f"<i>{group}</i>",
                                                                    layout=widgets.Layout(width="64px")), *controls],
                                                      layout=wrap)
                                         for group, controls in groups.items()])
                     for name, groups in by_name.items()}
            wanted = getattr(self.lesson_fault, key, None)  # the lesson's own host or VM, control or not
            first = wanted if wanted in by_name else next(iter(by_name))
            picker = widgets.ToggleButtons(options=list(by_name), value=first, style={"button_width": "auto"},
                                           tooltip=f"Pick the {TARGETS[key].what} whose controls show below")
            picker.add_class(f"hacourse-pick-{key}")
            named = widgets.HBox([widgets.HTML(f'<b style="display:block;font-size:12px;line-height:13px">{TARGETS[key].what}</b>',
                                               layout=widgets.Layout(width="64px")),
                                  picker], layout=widgets.Layout(flex_flow="row wrap", align_items="center"))
            # the name beside the buttons: one line, not two

            def show(change, shown=shown) -> None:
                for name, box in shown.items():
                    box.layout.display = None if name == change["new"] else "none"
            picker.observe(show, "value")
            show({"new": first})
            self.pickers[key] = picker
            rows.append(widgets.VBox([named, *shown.values()], layout=widgets.Layout(margin="0 0 4px 0")))
        return rows

    def _is_lesson_fault(self, kind: ActionKind, targets: dict[str, str]) -> bool:
        """The control that does what the lesson's scenario file does first (its first fault)."""
        fault = self.lesson_fault
        if fault is None or kind.name != fault.action:
            return False
        return all(getattr(fault, key, None) in (None, value, targets.get("nic_name"))
                   for key, value in targets.items() if key in TARGETS)

    def _fault_control(self, kind: ActionKind, words: dict[str, str], layout: widgets.Layout) -> widgets.Widget:
        control = kind.control
        assert control is not None
        targets = {key: value for key, value in words.items() if key in TARGETS}
        description, tooltip = control.label.format(**words), control.tooltip.format(**words)
        if control.undo is None:
            widget = widgets.Button(description=description, layout=layout, icon=control.icon, tooltip=tooltip)
            widget.on_click(self._capture(lambda _: self.inject(kind.name, **targets)))
        else:
            widget = widgets.ToggleButton(description=description, layout=layout, icon=control.icon,
                                          tooltip=tooltip)
            widget.observe(self._toggle_handler(kind.name, control.undo, targets), "value")
            self._words[id(widget)] = (description, _pressed_words(description, control.undo, words))
        self.fault_controls.append((kind, targets, widget))
        return widget

    def _toggle_handler(self, action: str, undo: str, targets: dict[str, str]):
        def on_change(change) -> None:
            if not self._syncing:
                self._capture(lambda: self.inject(action if change["new"] else undo, **targets))()
        return on_change

    def _sync_toggles(self) -> None:
        """Show the model's state on the toggles (a scripted fault presses them too)."""
        self._syncing = True
        try:
            for kind, targets, widget in self.fault_controls:
                if kind.control is not None and kind.control.pressed is not None:
                    self._show_state(widget, kind.control.pressed(self.sim, targets), kind.control.undo or "")
        finally:
            self._syncing = False

    def _show_state(self, toggle: widgets.ToggleButton, pressed: bool, undo: str) -> None:
        """The toggle's words say what a click runs next; its colour and tooltip, what holds now."""
        words = self._words.setdefault(id(toggle), (toggle.description, toggle.description))  # no undo: one name
        now = f"'{words[0]}' is in effect now" if pressed else "nothing of this is in effect now"
        with toggle.hold_sync():  # one message to the page for the four changes, not four
            toggle.value = pressed
            toggle.description = words[pressed]
            toggle.button_style = "danger" if pressed else ""
            toggle.tooltip = f"{now}; a click runs '{words[pressed]}' at the current simulated time."

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


def open_requested(environ: Mapping[str, str] | None = None) -> object:
    """The lesson panel on the scenario a link asks for (`requested_scenario`). A name that finds
    nothing, or a carried file with problems, prints what is wrong and the gallery, and shows no
    panel: no traceback in a student's page. In the browser's kernel the page's link is read first."""
    if environ is None and page_query.in_browser():
        return page_query.from_the_page(open_requested)
    try:
        scenario, name = requested_scenario(environ)
    except ScenarioError as error:
        print(f"{error}\n\nThe shipped scenarios:\n{listing()}")
        return None
    print(f"{scenario.name}  (scenario: {name})")
    return Lesson(scenario)
