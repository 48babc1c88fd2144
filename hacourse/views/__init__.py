"""Views: figures and tables drawn from the event log (and the scenario, for the static picture).

The only layer that draws. The lesson panel's path is pure Python (HTML tables, the SVG
timeline and topology of `views.live`), so it runs in a browser kernel without matplotlib; the
matplotlib figures (`draw_timeline`, `timeline_figure`, `draw_topology`, ...) are imported when
first asked for. Drawing functions take an optional `ax`, return it, and never call
`plt.show()`, so a notebook, the CLI and the tests all draw with the same function.
"""

from __future__ import annotations

from importlib import import_module
from importlib.util import find_spec
from typing import Any

from hacourse.views.lanes import timeline_lanes
from hacourse.views.svg import Picture
from hacourse.views.tables import details_html, events_html, table_html
from hacourse.views.text import timeline_text_html
from hacourse.views.topology import topology_graph

_MATPLOTLIB = {  # name -> module: these need matplotlib, imported on first use
    "draw_timeline": "hacourse.views.timeline",
    "lane_labels": "hacourse.views.timeline",
    "save_timeline_figure": "hacourse.views.timeline",
    "timeline_figure": "hacourse.views.timeline",
    "draw_topology": "hacourse.views.topology",
    "topology_figure": "hacourse.views.topology",
}


_WITHOUT = ("draw_timeline", "draw_topology")  # drawn by views/without_matplotlib.py where matplotlib is missing


def __getattr__(name: str) -> Any:
    if name in _MATPLOTLIB:
        if name in _WITHOUT and find_spec("matplotlib") is None:  # the browser's kernel: the SVG renderer
            return getattr(import_module("hacourse.views.without_matplotlib"), name)
        return getattr(import_module(_MATPLOTLIB[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def drawn_spans(figure: Any) -> list:
    """The spans a drawn timeline shows: of the panel's SVG `Picture`, or of a matplotlib Axes."""
    if isinstance(figure, Picture):
        return list(figure.spans)
    from hacourse.views.timeline import drawn_spans as of_axes

    return of_axes(figure)


def drawn_marks(figure: Any) -> list:
    """The marks (fences, HA restarts, ...) a drawn timeline shows: of a `Picture` or an Axes."""
    if isinstance(figure, Picture):
        return list(figure.marks)
    from hacourse.views.timeline import drawn_marks as of_axes

    return of_axes(figure)


__all__ = [
    "Picture",
    "details_html",
    "draw_timeline",
    "draw_topology",
    "drawn_marks",
    "drawn_spans",
    "events_html",
    "lane_labels",
    "save_timeline_figure",
    "table_html",
    "timeline_figure",
    "timeline_lanes",
    "timeline_text_html",
    "topology_figure",
    "topology_graph",
]
