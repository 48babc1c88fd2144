"""The lesson's control panel: run the cluster, break it by hand, watch the engine react.

`Lesson` wraps a live `Simulation`. The fault controls come from the table of fault kinds and
admin actions (`hacourse.actions`): each host gets one toggle per NIC, named after the command
it runs ("ifdown storage on pacific": pressed = the network is down, release it for `ifup`),
and a power toggle; a kind without an undo is a button. The clock moves by play/pause (a timer
in the browser), by step buttons or by `lesson.step(seconds)`. After every action the timeline
(and its text form under it, for screen readers and browser tests), the topology picture and
the Events tab are redrawn from the log, and the toggles show the model's state at that time:
the panel keeps no state of its own, so a student's run can be replayed from its log.

Figures come from `hacourse.views.live` (matplotlib Figures outside pyplot, so nothing
auto-displays or leaks; the timeline's unchanging frame is drawn once) and show as PNG `Image`
widgets; callbacks run inside an `Output` so an error shows in the lesson. Tests drive the
panel in plain Python: `lesson.control("+1 min").click()`.
"""

from __future__ import annotations

import ipywidgets as widgets

from hacourse.actions import ACTIONS, TARGETS, ActionKind
from hacourse.actions import controls as action_controls
from hacourse.analysis import audit
from hacourse.engine import Simulation
from hacourse.model import Scenario
from hacourse.scenario import vary
from hacourse.views import events_html, timeline_text_html
from hacourse.views.live import LiveTimeline, LiveTopology

STEPS = (("+15 s", 15.0), ("+1 min", 60.0), ("+5 min", 300.0))
SPEEDS = (("5 s", 5.0), ("15 s", 15.0), ("30 s", 30.0), ("1 min", 60.0), ("2 min", 120.0))
DPI = 80
EVENTS_SHOWN = 40


def _horizon(now: float, duration: float) -> float:
    """The timeline's right edge: the next 5 minutes past now, so the future has room."""
    return min(duration, max(300.0, (now // 300 + 1) * 300))


class Lesson:
    """A control panel over one `Simulation` of `scenario`; display it as a cell's last expression.

    With `scripted_faults=False` the scenario's own `faults:` are dropped and the student
    injects them with the buttons, at the simulated time of their choice.
    """

    def __init__(self, scenario: Scenario, seed: int | None = None, *, scripted_faults: bool = True,
                 tick_ms: int = 700) -> None:
        self.scenario = scenario if scripted_faults else vary(scenario, {"faults": []})
        self.seed = seed
        self.sim = Simulation(self.scenario, seed)
        self._syncing = False
        self._views()

        button = widgets.Layout(width="auto")
        self.clock = widgets.HTML()
        self.errors = widgets.Output()
        self.fault_controls: list[tuple[ActionKind, dict[str, str], widgets.Widget]] = []
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

        self.timeline = widgets.Image(format="png", layout=widgets.Layout(width="100%", max_width="1100px"))
        self.timeline_text = widgets.HTML(layout=widgets.Layout(max_width="1100px"))
        self.topology = widgets.Image(format="png", layout=widgets.Layout(width="48%", max_width="620px"))
        self.events = widgets.HTML(layout=widgets.Layout(width="52%"))
        clock_row = widgets.HBox([self.play, self.speed, *self.step_buttons.values(), self.reset_button])
        self.widget = widgets.VBox([
            self.clock, clock_row, *rows, self.timeline, self.timeline_text,
            widgets.HBox([self.topology, self.events]), self.errors,
        ])
        self.refresh()

    # --- what tests and notebooks use ----------------------------------------------------

    @property
    def log(self) -> list:
        return self.sim.log

    @property
    def now(self) -> float:
        return self.sim.now

    @property
    def timeline_axes(self):
        """The Axes of the timeline as last drawn (read it with `hacourse.views.drawn_spans`)."""
        return self._timeline.ax

    @property
    def topology_figure(self):
        return self._topology.fig

    def controls(self) -> list[widgets.Widget]:
        return [*(w for _, _, w in self.fault_controls), *self.step_buttons.values(), self.reset_button]

    def control(self, description: str) -> widgets.Widget:
        """The button or toggle with this description (what a browser test finds by its name)."""
        found = [w for w in self.controls() if w.description == description]
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
        finished = now >= self.scenario.duration
        for b in self.step_buttons.values():
            b.disabled = finished
        self.clock.value = (f"<b>t = {audit.clock(now)}</b>{' (end of the scenario)' if finished else ''}"
                            f" &nbsp;·&nbsp; {audit.status_line(log, now, self.scenario)}")
        self.timeline.value = self._timeline.render(log, now, _horizon(now, self.scenario.duration))
        self.timeline_text.value = timeline_text_html(log, self.scenario, now)
        self.topology.value = self._topology.render(log, now)
        self.events.value = ("<b>Events</b> (newest first)"
                             + events_html(audit.events_table(log, until=now), limit=EVENTS_SHOWN, height_px=420))

    # --- callbacks -----------------------------------------------------------------------

    def _views(self) -> None:
        self._timeline = LiveTimeline(self.scenario, DPI)
        self._topology = LiveTopology(self.scenario, DPI)

    def _capture(self, callback):
        """Run a callback inside the error Output: in a notebook a traceback shows in the panel."""
        return self.errors.capture()(callback)

    def _stepper(self, seconds: float):
        return self._capture(lambda _: self.step(seconds))

    def _on_tick(self, change) -> None:
        if not self._syncing and change["new"] > change["old"]:
            self._capture(lambda: self.step(self.speed.value))()

    def _fault_rows(self, layout: widgets.Layout) -> list[widgets.Widget]:
        """The controls of the table's kinds (`hacourse.actions`), one row per thing they act on
        (each host, then each storage domain or VM): a toggle for a pair such as ifdown/ifup,
        a button for a kind without an undo."""
        rows: dict[str, list[widgets.Widget]] = {}
        for kind in ACTIONS.values():
            if kind.control is None:
                continue
            for targets in action_controls(kind, self.scenario):
                rows.setdefault(targets[kind.targets[0]], []).append(self._fault_control(kind, targets, layout))
        return [widgets.HBox([widgets.HTML(f"<b>{name}</b>", layout=widgets.Layout(width="90px")), *controls])
                for name, controls in rows.items()]

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
                    widget.value = kind.control.pressed(self.sim, targets)
                    widget.button_style = "danger" if widget.value else ""
        finally:
            self._syncing = False

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)
