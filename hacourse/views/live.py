"""The lesson panel's figures, redrawn many times a minute: the timeline and the data center picture.

A click must show its effect within about a tenth of a second. Both figures are SVG written in
pure Python (`views.svg`, `views.svg_topology`): the browser draws them, so the same panel runs
on a server and in a browser kernel (JupyterLite), crisp at any size. The timeline is written
anew at each step (a few milliseconds; the lanes, `timeline_lanes`, cost more than the drawing);
the topology only when what it shows changed. `LiveTimeline.picture` keeps what the last render
shows, as data (`svg.Picture`), for tests and for the lesson's own checks.
"""

from __future__ import annotations

from collections.abc import Sequence

from hacourse import events as ev
from hacourse.model import Scenario
from hacourse.views.lanes import instants, timeline_lanes, timeline_span
from hacourse.views.svg import Picture, render_timeline
from hacourse.views.svg_topology import render_topology
from hacourse.views.topology import topology_graph


class LiveTimeline:
    """The timeline of a run in progress, redrawn as the clock advances.

    The legend lists what the figure shows at this moment (`legend_keys`); the page shows it
    beside the picture (`views.legend.legend_html`). `render` shows the window [`xmin`, `xmax`].
    """

    def __init__(self, scenario: Scenario, label: str = "timeline", kinds: tuple[str, ...] | None = None) -> None:
        self.scenario = scenario
        self.label = label
        self.kinds = kinds  # the kinds of lane it shows (`Lane.kind`: spm, host, vm, ...); None: all
        self.picture: Picture | None = None
        self.renders = 0

    @property
    def legend_keys(self) -> set[str]:
        return self.picture.keys if self.picture is not None else set()

    def render(self, log: Sequence[ev.Record], now: float, xmax: float, xmin: float | None = None,
               *, title: str | None = None, highlight: tuple[float, float] | None = None,
               highlight_words: str = "", magnify: tuple[float, float] | None = None) -> str:
        self.renders += 1
        lanes = timeline_lanes(log, self.scenario, now)
        if self.kinds is not None:
            lanes = [lane for lane in lanes if lane.kind in self.kinds]
        t0, end = timeline_span(log, self.scenario, now)
        xmin = t0 if xmin is None else max(t0, xmin)
        self.picture = render_timeline(lanes, instants(log, end), xmin=xmin, xmax=max(xmin + 1.0, xmax), now=now,
                                       title=self.scenario.name if title is None else title, label=self.label,
                                       serial=self.renders, highlight=highlight, highlight_words=highlight_words,
                                       magnify=magnify)
        return self.picture.svg


class LiveTopology:
    """The topology picture of a run in progress, written again only when what it shows has changed."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self._shown: tuple | None = None
        self._svg = ""

    def render(self, log: Sequence[ev.Record], now: float) -> str:
        g = topology_graph(self.scenario, log, now)
        shown = (tuple((n, d["label"], d["color"]) for n, d in g.nodes(data=True)),
                 tuple((a, b, d["up"]) for a, b, d in g.edges(data=True)))
        if shown != self._shown:
            self._svg, self._shown = render_topology(g), shown
        return self._svg
