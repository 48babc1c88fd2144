"""The timeline's legend as HTML, for the lesson panel: beside the picture, not in it.

A live timeline changes what it shows at every step; its legend (only what is drawn) changes
with it. Drawn by matplotlib, a legend costs a tenth of a second a step; as HTML it costs
nothing, a screen reader reads it, and a browser test compares its entries with what the figure
draws. The swatches are the figure's own colours, hatches and marks (`timeline.legend_handle`).
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from matplotlib.colors import to_hex
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from hacourse.views.timeline import legend_handle, legend_order

_GLYPHS = {"v": "▼", "X": "✖", "D": "◆", "o": "●", "|": "┃", ">": "▶"}
_HATCH = {
    "xx": "repeating-linear-gradient(45deg,{c} 0 1px,transparent 1px 4px),"
          "repeating-linear-gradient(-45deg,{c} 0 1px,transparent 1px 4px)",
    "///": "repeating-linear-gradient(45deg,{c} 0 1px,transparent 1px 4px)",
    "..": "radial-gradient({c} 1px,transparent 1.2px) 0 0/4px 4px",
}
_BOX = "display:inline-block;width:24px;height:12px;vertical-align:middle;margin-right:6px;"


def _swatch(handle) -> str:
    if isinstance(handle, Patch):
        fill = to_hex(handle.get_facecolor(), keep_alpha=False) if handle.get_fill() else "#ffffff"
        edge = to_hex(handle.get_edgecolor(), keep_alpha=False)
        hatch = handle.get_hatch()
        pattern = f"background:{_HATCH[hatch].format(c=edge)},{fill};" if hatch in _HATCH else f"background:{fill};"
        return f'<span style="{_BOX}{pattern}border:1px solid {edge}"></span>'
    assert isinstance(handle, Line2D)
    color = to_hex(handle.get_color())
    marker = str(handle.get_marker())
    if marker not in ("None", "none", ""):
        glyph = marker.strip("$") if marker.startswith("$") else _GLYPHS.get(marker, "●")
        if handle.get_linestyle() not in ("None", "none", ""):
            glyph = f"{glyph}──{glyph}"
        return f'<span style="{_BOX}color:{color};text-align:center;font-size:13px;line-height:12px">{glyph}</span>'
    style = "dashed" if handle.get_linestyle() == "--" else "solid"
    return f'<span style="{_BOX}height:0;border-top:2px {style} {color};vertical-align:middle"></span>'


def legend_html(keys: Iterable[str]) -> str:
    """`<div class="hacourse-legend">` with one `<li class="hacourse-legend-entry">` per key, in the legend's order."""
    items = []
    for key in legend_order(keys):
        handle = legend_handle(key)
        items.append(f'<li class="hacourse-legend-entry" data-key="{escape(key)}" style="margin:1px 0">'
                     f'{_swatch(handle)}<span class="hacourse-legend-words">{escape(handle.get_label())}</span></li>')
    return ('<div class="hacourse-legend" style="font-family:sans-serif;font-size:14px;line-height:1.5">'
            '<b>legend</b> (what the figure shows)'
            f'<ul style="list-style:none;margin:4px 0;padding:0">{"".join(items)}</ul></div>')
