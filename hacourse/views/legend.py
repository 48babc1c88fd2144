"""The timeline's legend as HTML, for the lesson panel: beside the picture, not in it.

A live timeline changes what it shows at every step; its legend (only what is drawn) changes
with it. As HTML it costs nothing, a screen reader reads it, and a browser test compares its
entries with what the figure draws. Each swatch is drawn as the figure draws its key
(`lanes.swatch`, `svg.swatch_svg`): the same colours, hatches, marks and lines.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from html import escape

from hacourse.views.lanes import legend_order, swatch
from hacourse.views.svg import swatch_svg

_IDS = itertools.count()


def legend_html(keys: Iterable[str]) -> str:
    """`<div class="hacourse-legend">` with one `<li class="hacourse-legend-entry">` per key, in the legend's order."""
    items = []
    for key in legend_order(keys):
        s = swatch(key)
        items.append(f'<li class="hacourse-legend-entry" data-key="{escape(key)}" style="margin:0">'
                     f'<span style="display:inline-block;width:24px;margin-right:6px">'
                     f'{swatch_svg(s, f"hclg{next(_IDS)}-")}</span>'
                     f'<span class="hacourse-legend-words">{escape(s.words)}</span></li>')
    return ('<div class="hacourse-legend" style="font-family:sans-serif;font-size:13px;line-height:1.35">'
            '<b>legend</b> (what the figure shows)'
            f'<ul style="list-style:none;margin:4px 0;padding:0">{"".join(items)}</ul></div>')
