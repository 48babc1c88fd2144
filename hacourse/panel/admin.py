"""The administrator's two tools as widgets: a root shell on each host, and the portal's tabs.

`ShellConsole` is a terminal over `hacourse.panel.shell.HostShell`: pick the host (`ssh root@pacific`),
type a command, press Enter; the transcript keeps every command and its output, the newest lines
always in view (older ones folded above them), and `clear` or `reset` empties it. `PortalTabs`
is the Administration Portal's tree pane and its Hosts, Virtual Machines and Events tabs, drawn
from the log; selecting a host in the tree narrows the Virtual Machines tab to its VMs. Under the
tabs, "Why?" shows for a picked VM or host the chain of the engine's decisions and timers that
led to its state (`hacourse.analysis.explain`); picking an event shows the chain that led to it.

Both take a callable that returns the live `Simulation` (a lesson's `reset` makes a new one) and
keep no state the log does not have, apart from the shell's transcript. Callbacks run inside
an `Output`, so an error shows in the lesson. Tests drive them in plain Python:
`console.type("ifconfig")`, `tabs.select_host("pacific")`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from html import escape

import ipywidgets as widgets

from hacourse import events as ev
from hacourse.analysis import audit, intervals
from hacourse.analysis.explain import explain_host, explain_vm, state_line
from hacourse.engine import Simulation
from hacourse.panel.shell import WORKSTATION_PROMPT, HostShell
from hacourse.status import HostStatus, VmStatus
from hacourse.views import events_html
from hacourse.views.explain import explain_html
from hacourse.views.portal import hosts_tab, hosts_tab_html, vms_tab, vms_tab_html

TRANSCRIPT_LINES = 400
NO_EVENT = "(pick an event)"
_TERMINAL = ("background:#1e1e1e;color:#e0e0e0;font-family:monospace;font-size:12px;line-height:1.35;"
             "padding:6px;margin:0;white-space:pre;overflow-x:auto;")
SCREEN_LINES = 16
"""The screen shows the newest lines, as a terminal does; the older ones are folded above it (one
click opens them). No scrolling is needed to see what a command just printed, in Lab, Voila or a
screenshot alike."""
CLEARS = ("clear", "reset")
TAB_STYLE = ("<style>.hacourse-portal .lm-TabBar-tab, .hacourse-portal .p-TabBar-tab "
             "{flex: 0 0 auto !important; min-width: max-content !important;}</style>")
"""The portal's tab titles whole ("Virtual Machines"): a tab is as wide as its title, in Lab and Voila."""


class ShellConsole:
    """A terminal on the hosts of a live simulation; display it, or `type` into it."""

    def __init__(self, get_sim: Callable[[], Simulation], on_change: Callable[[], None] | None = None,
                 host: str | None = None) -> None:
        self._get_sim = get_sim
        self._on_change = on_change
        self._shells: dict[tuple[int, str], HostShell] = {}
        self.transcript: list[str] = []
        hosts = list(get_sim().hosts)
        self.host = widgets.Dropdown(options=[(f"ssh root@{h}", h) for h in hosts], value=host or hosts[0],
                                     layout=widgets.Layout(width="180px"))
        self.host.observe(self._on_host, "value")
        self.command = widgets.Text(placeholder="type a command (ifconfig, ifdown storage, ...) and press Enter",
                                    continuous_update=False, layout=widgets.Layout(width="520px"))
        self.command.observe(self._on_command, "value")
        self.screen = widgets.HTML(layout=widgets.Layout(width="100%", max_width="1100px"))
        self.errors = widgets.Output()
        self.widget = widgets.VBox([widgets.HBox([self.host, self.command]), self.screen, self.errors])
        self.widget.add_class("hacourse-shell")
        self._greet()

    @property
    def shell(self) -> HostShell:
        """The session on the selected host (a new one after the lesson's reset)."""
        sim = self._get_sim()
        key = self._key()
        if key not in self._shells:
            self._shells = {k: v for k, v in self._shells.items() if k[0] == id(sim)}
            self._shells[key] = HostShell(sim, self.host.value, on_change=self._on_change)
        return self._shells[key]

    def type(self, line: str) -> str:
        """Run `line` on the selected host as if typed and Enter pressed; returns its output."""
        if line.strip() in CLEARS:  # the terminal's own: it empties the screen, the session stays
            self.transcript = []
            self._draw()
            return ""
        prompt = self.shell.prompt
        output = self.shell.run(line)
        self.transcript.append(prompt + line)
        if output:
            self.transcript.append(output.rstrip("\n"))
        self.transcript = self.transcript[-TRANSCRIPT_LINES:]
        self._draw()
        return output

    def _greet(self) -> None:
        """Picking a host in the list is `ssh root@HOST` typed on the workstation."""
        fresh = self._key() not in self._shells
        shell = self.shell
        said = shell.banner if fresh else shell.connect()
        self.transcript += [f"{WORKSTATION_PROMPT}ssh root@{shell.host}", said]
        self._draw()

    def _key(self) -> tuple[int, str]:
        return id(self._get_sim()), self.host.value

    def _draw(self) -> None:
        lines = "\n".join(self.transcript + [self.shell.prompt]).split("\n")
        older, newest = lines[:-SCREEN_LINES], lines[-SCREEN_LINES:]
        folded = ""
        if older:
            folded = (f'<details class="hacourse-shell-older"><summary style="font-size:12px">{len(older)} earlier '
                      f'lines</summary><pre style="{_TERMINAL}">{escape(chr(10).join(older))}</pre></details>')
        self.screen.value = (f'{folded}<pre class="hacourse-shell-screen" style="{_TERMINAL}">'
                             f'{escape(chr(10).join(newest))}</pre>')

    def _on_host(self, _change) -> None:
        self.errors.capture()(self._greet)()

    def _on_command(self, change) -> None:
        line = change["new"]
        if not line:
            return
        self.command.value = ""
        self.errors.capture()(lambda: self.type(line))()

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


EVENT_LIST_DELAY_S = 0.4
"""How long after a redraw the event picker's list follows it, in a kernel (see PortalTabs._list_events_soon)."""


class PortalTabs:
    """The portal's tree pane (System, then each host) and its Hosts / Virtual Machines / Events tabs."""

    TITLES = ("Hosts", "Virtual Machines", "Events")

    def __init__(self, get_sim: Callable[[], Simulation], events_shown: int = 40) -> None:
        self._get_sim = get_sim
        self.events_shown = events_shown
        sim = get_sim()
        self.tree = widgets.Select(options=[("System", "")] + [(f"  {h}", h) for h in sim.hosts], value="",
                                   rows=min(8, len(sim.hosts) + 1), layout=widgets.Layout(width="150px"))
        self.tree.observe(self._on_select, "value")
        self.hosts = widgets.HTML()
        self.vms = widgets.HTML()
        self.events = widgets.HTML()
        self.tabs = widgets.Tab(children=[self.hosts, self.vms, self.events], titles=self.TITLES,
                                layout=widgets.Layout(flex="1 1 auto", min_width="480px"))
        subjects = [(f"host {h}", f"host:{h}") for h in sim.hosts] + [(f"VM {v}", f"vm:{v}") for v in sim.vms]
        self.subject = widgets.Dropdown(options=[("(pick a host or a VM)", "")] + subjects, value="",
                                        description="Why?", layout=widgets.Layout(width="300px"))
        self.subject.observe(self._on_subject, "value")
        self.event = widgets.Dropdown(options=[(NO_EVENT, -1)], value=-1, description="or an event:",
                                      style={"description_width": "initial"}, layout=widgets.Layout(width="640px"))
        self.event.observe(self._on_event, "value")
        self._syncing = False
        self._pending_list: asyncio.TimerHandle | None = None
        self.why = widgets.HTML(layout=widgets.Layout(max_width="1100px"))
        self.errors = widgets.Output()
        self.widget = widgets.VBox([widgets.HTML(TAB_STYLE), widgets.HBox([self.tree, self.tabs]),
                                    widgets.HBox([self.subject, self.event]), self.why, self.errors])
        self.widget.add_class("hacourse-portal")
        self.refresh()

    def select_host(self, host: str | None) -> None:
        """Click a host in the tree pane (None: System): the Virtual Machines tab shows its VMs."""
        self.tree.value = host or ""

    def explain(self, vm: str | None = None, host: str | None = None) -> str:
        """Pick a VM or a host in "Why?": the chain of decisions that led to its state now."""
        self.subject.value = f"vm:{vm}" if vm else f"host:{host}"
        return self.why.value

    def explain_event(self, index: int) -> str:
        """Pick the log's record `index` among the events: the chain that led to it, for its VM or host."""
        self._flush_event_list()
        self.event.value = index
        return self.why.value

    def refresh(self) -> None:
        sim = self._get_sim()
        log, scenario, now = sim.log, sim.scenario, sim.now
        host = self.tree.value or None
        self.hosts.value = hosts_tab_html(hosts_tab(log, scenario, now))
        self.vms.value = vms_tab_html(vms_tab(log, scenario, now, host), host)
        self.events.value = events_html(audit.events_table(log, until=now), limit=self.events_shown, height_px=320)
        self._list_events_soon()
        if self.event.value >= 0:
            record = log[self.event.value]
            vm, host = getattr(record, "vm", None), getattr(record, "host", None) or None
            headline = f"the event at {audit.clock(record.t)}: {audit.events_table([record])[0].message}"
            upto = log[:self.event.value + 1]  # the chain up to this record, not what followed at its time
            since = last_up(log[:self.event.value], vm=vm, host=host)
            self.why.value = (explain_html(explain_vm(upto, vm, record.t), headline, since) if vm
                              else explain_html(explain_host(upto, host, record.t), headline, since) if host
                              else "")
            return
        kind, _, name = self.subject.value.partition(":")
        if not name:
            self.why.value = ""
        elif kind == "vm":
            state = intervals.vm_state_at(log, name, now, scenario)
            since = last_up(log, vm=name) if state is not None and state.status != VmStatus.UP else None
            self.why.value = explain_html(explain_vm(log, name, now), state_line(log, scenario, now, vm=name), since)
        else:
            since = last_up(log, host=name) if intervals.host_status_at(log, name, now, scenario) != HostStatus.UP else None
            self.why.value = explain_html(explain_host(log, name, now), state_line(log, scenario, now, host=name),
                                          since)

    def _list_events_soon(self) -> None:
        """The event picker's list, a moment after the rest of the redraw when a kernel's loop runs.
        Rebuilding the <select>'s forty options cost JupyterLab about 50 ms of each clock click
        before the new timeline showed (lesson 0's three clicks: median 170 ms with it, 120 ms
        without); sent after the redraw, the student sees the timeline first and the list a moment
        later. Without a running loop (a script, the tests) the list is made at once."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._flush_event_list()
            return
        if self._pending_list is None:
            self._pending_list = loop.call_later(EVENT_LIST_DELAY_S, self._flush_event_list)

    def _flush_event_list(self) -> None:
        if self._pending_list is not None:
            self._pending_list.cancel()
            self._pending_list = None
        sim = self._get_sim()
        self._list_events(sim.log, sim.now)

    def _list_events(self, log, now: float) -> None:
        """The newest events, as the Events tab lists them, to pick one from (the choice is kept)."""
        shown = [(i, r) for i, r in enumerate(log)
                 if r.t <= now and not isinstance(r, ev.SimulationStarted | ev.Decision)][-self.events_shown:]
        options = [(NO_EVENT, -1)] + [(f"{audit.clock(r.t)}  {audit.events_table([r])[0].message[:100]}", i)
                                      for i, r in reversed(shown)]
        keep = self.event.value if any(i == self.event.value for _, i in options) else -1
        self._syncing = True
        try:
            self.event.options = options
            self.event.value = keep
        finally:
            self._syncing = False

    def _on_subject(self, change) -> None:
        if self._syncing:
            return

        def pick() -> None:
            if change["new"]:
                self._syncing = True
                try:
                    self.event.value = -1
                finally:
                    self._syncing = False
            self.refresh()
        self.errors.capture()(pick)()

    def _on_event(self, change) -> None:
        if self._syncing:
            return

        def pick() -> None:
            if change["new"] >= 0:
                self._syncing = True
                try:
                    self.subject.value = ""
                finally:
                    self._syncing = False
            self.refresh()
        self.errors.capture()(pick)()

    def _on_select(self, change) -> None:
        def select() -> None:
            if change["new"]:
                self.tabs.selected_index = 1
                self.subject.value = f"host:{change['new']}"
            self.refresh()
        self.errors.capture()(select)()

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


def last_up(log, vm: str | None = None, host: str | None = None) -> float | None:
    """When the VM (or else the host) last turned Up in `log`: where its own chain of causes starts.
    None when it never did after its initial state (everything since 0:00 is its chain)."""
    ups = [r.t for r in log if ((isinstance(r, ev.VmStatusChanged) and vm is not None and r.vm == vm)
                                or (isinstance(r, ev.HostStatusChanged) and vm is None and r.host == host))
           and r.new in (HostStatus.UP, VmStatus.UP) and not ev.is_initial(r)]
    return ups[-1] if ups else None


def add_admin_tools(lesson, host: str | None = None) -> tuple[ShellConsole, PortalTabs]:
    """Give a `Lesson` the admin's two tools as sections: a shell on `host` (the first host if None)
    and the portal's tabs, redrawn with the rest of the panel after each step or command."""
    tabs = PortalTabs(lambda: lesson.sim)
    console = ShellConsole(lambda: lesson.sim, on_change=lesson.refresh, host=host)
    lesson.listeners.append(tabs.refresh)
    lesson.add_beside_controls(console.widget)  # typing and watching the timeline without scrolling
    if host is not None and lesson.lesson_fault is None and "host" in lesson.pickers:
        lesson.pickers["host"].value = host  # no fault of its own: the host the admin works on
    lesson.add_section(tabs.widget)
    return console, tabs
