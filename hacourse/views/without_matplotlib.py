"""The lessons' still pictures where matplotlib cannot be had: the browser's Pyodide kernel (the
static site, scripts/build_site.sh), for which no matplotlib wheel exists on PyPI.

`hacourse.views.draw_timeline` and `draw_topology` are these when matplotlib is missing: the same
run drawn by the lesson panel's SVG renderer (`views.svg`, `views.svg_topology`), shown at once
under a line saying that the matplotlib figure (the one a file is made of) needs the server
version. They return the `svg.Picture`, so a lesson's `drawn_spans(...)` reads it as it reads an
Axes. Arguments only a matplotlib figure has (`ax`, lane caps) are accepted and ignored.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hacourse import events as ev
from hacourse.analysis import audit, intervals
from hacourse.model import Scenario
from hacourse.views.lanes import instants, timeline_lanes, timeline_span
from hacourse.views.legend import legend_html
from hacourse.views.svg import Picture, render_timeline
from hacourse.views.svg_topology import render_topology
from hacourse.views.topology import topology_graph


def server_only_note(words: str) -> str:
    """The line a picture this page cannot draw with matplotlib gets instead: one look, one class
    (`hacourse-no-matplotlib`), whatever view writes it (timeline, sweep, availability)."""
    return f'<p class="hacourse-no-matplotlib" style="font-size:12px;color:#555">{words}</p>'


NOTE = server_only_note("Drawn by the lesson panel's renderer: this page's Python has no matplotlib, so the "
                        "figure a file is made of (<code>hacourse run --plot</code>) needs the server version.")


def _show(html: str) -> None:
    from IPython.display import HTML, display

    display(HTML(html))


def draw_timeline(log: Sequence[ev.Record], scenario: Scenario | None = None, *, until: float | None = None,
                  now: float | None = None, xmax: float | None = None, xmin: float | None = None,
                  **_matplotlib_only: Any) -> Picture:
    """The timeline of `log` up to `until` (default: the whole run), shown as SVG with its legend."""
    t0, end = timeline_span(log, scenario, until)
    lanes = timeline_lanes(log, scenario, until)
    picture = render_timeline(lanes, instants(log, end), xmin=t0 if xmin is None else max(t0, xmin),
                              xmax=end if xmax is None else xmax, now=now,
                              title=scenario.name if scenario is not None else None)
    _show(f'<div style="max-width:960px">{picture.svg}{legend_html(picture.keys)}{NOTE}</div>')
    return picture


def draw_topology(scenario: Scenario, log: Sequence[ev.Record] = (), t: float | None = None,
                  **_matplotlib_only: Any) -> str:
    """The data center at time `t` (default: the end of `log`), shown as SVG; returns the SVG."""
    at = intervals.end_of(log) if t is None else t
    svg = render_topology(topology_graph(scenario, log, t), heading=f"Data center at {audit.clock(at)}")
    _show(f'<div style="max-width:960px">{svg}{NOTE}</div>')
    return svg
