"""Views: figures and tables drawn from the event log (and the scenario, for the static picture).

The only layer that imports matplotlib. Drawing functions take an optional `ax`, return it, and
never call `plt.show()`, so a notebook, the CLI and the tests all draw with the same function.
"""

from hacourse.views.tables import details_html, events_html, table_html
from hacourse.views.text import timeline_text_html
from hacourse.views.timeline import (
    draw_timeline,
    drawn_marks,
    drawn_spans,
    lane_labels,
    save_timeline_figure,
    timeline_figure,
    timeline_lanes,
)
from hacourse.views.topology import draw_topology, topology_figure, topology_graph

__all__ = [
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
