"""The data center picture of the lesson panel as SVG, from `topology.topology_graph` (pure Python).

Buses, links (dashed and dark when a NIC is down), NICs, hosts filled with their status colour
(a thick outline on the SPM), the VMs beside their host, the engine and the storage. Hovering a
host, a NIC or a VM says its state in words.
"""

from __future__ import annotations

from html import escape

import networkx as nx

from hacourse.views import palette
from hacourse.views.fonts import FAMILY, text_width

SX, SY = 64.0, 84.0  # pixels per unit of the graph's layout, across and up
MARGIN = 26.0
HEAD_PX = 28.0
VM_SHIFT = 16.0  # VMs sit right of their host's box, which is wider here than the layout assumes


def _f(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


def _title(text: str) -> str:
    return f"<title>{escape(text)}</title>"


def _lines(x: float, y: float, lines: list[str], size: float, fill: str, bold: bool = False) -> str:
    """Centred lines of text around (x, y)."""
    weight = ' font-weight="bold"' if bold else ""
    first = y - (len(lines) - 1) * size * 0.6 + 0.35 * size
    return "".join(f'<text x="{_f(x)}" y="{_f(first + i * size * 1.2)}" font-size="{size}" text-anchor="middle" '
                   f'fill="{fill}"{weight}>{escape(line)}</text>' for i, line in enumerate(lines))


def render_topology(g: nx.Graph, heading: str = "Data center now") -> str:
    """The graph as an SVG string; the heading names the NICs that are down."""
    pos = {n: d["pos"] for n, d in g.nodes(data=True)}
    xs = [p[0] for p in pos.values()] + [x for _, d in g.nodes(data=True) if d["kind"] == "network"
                                         for x in d["span"]]
    ys = [p[1] for p in pos.values()]
    x0, x1, y0, y1 = min(xs) - 0.4, max(xs) + 1.9, min(ys) - 0.45, max(ys) + 0.45  # VM names run right of hosts
    width, height = (x1 - x0) * SX + 2 * MARGIN, (y1 - y0) * SY + HEAD_PX + MARGIN

    def px(x: float, y: float) -> tuple[float, float]:
        return MARGIN + (x - x0) * SX, HEAD_PX + (y1 - y) * SY

    out: list[str] = []
    for n, d in g.nodes(data=True):
        if d["kind"] == "network":
            (a, b), y = d["span"], d["pos"][1]
            (ax, py), (bx, _) = px(a, y), px(b, y)
            out.append(f'<g class="hacourse-topo-network" data-node="{escape(n)}">{_title(d["label"])}'
                       f'<path d="M{_f(ax)} {_f(py)}H{_f(bx)}" stroke="#8d6e63" stroke-width="5" '
                       f'stroke-linecap="round"/></g>'
                       f'<text x="{_f(bx)}" y="{_f(py - 6)}" font-size="12" text-anchor="end" '
                       f'fill="#5d4037">{escape(d["label"])}</text>')
    for a, b, d in g.edges(data=True):
        points = " ".join(f"{_f(p[0])},{_f(p[1])}" for p in (px(*q) for q in d["points"]))
        style = (f'stroke="{palette.LINK_COLOR}" stroke-width="1.6"' if d["up"] else
                 f'stroke="{palette.NIC_DOWN_COLOR}" stroke-width="2.6" stroke-dasharray="6 4"')
        out.append(f'<polyline class="hacourse-topo-link" data-up="{str(d["up"]).lower()}" '
                   f'data-edge="{escape(a)}|{escape(b)}" points="{points}" fill="none" {style}/>')
    for n, d in g.nodes(data=True):
        x, y = px(*d["pos"])
        kind = d["kind"]
        if kind == "nic":
            said = f"{d['label']} on {d['host']} ({d['network']}): {'up' if d['up'] else 'down'}"
            out.append(f'<g class="hacourse-topo-nic" data-node="{escape(n)}" data-up="{str(d["up"]).lower()}">'
                       f'{_title(said)}'
                       f'<circle cx="{_f(x)}" cy="{_f(y)}" r="16" fill="{d["color"]}" stroke="#546e7a"/>'
                       f'{_lines(x, y, [d["label"]], 11, palette.text_color(d["color"]))}</g>')
        elif kind in ("host", "engine", "storage"):
            lines = d["label"].split("\n")
            size = 14 if kind == "host" else 12
            w = max(text_width(line, size, kind == "host") for line in lines) + 22
            h = len(lines) * size * 1.2 + 14
            spm = d.get("spm", False)
            stroke = ('stroke="#212121" stroke-width="3.5"' if spm else 'stroke="#78909c" stroke-width="1.2"')
            rx = 8 if kind == "host" else 3
            status = f' data-status="{escape(d["status"])}"' if kind == "host" else ""
            out.append(f'<g class="hacourse-topo-{kind}" data-node="{escape(n)}"{status}>'
                       f'{_title(" · ".join(lines))}<rect x="{_f(x - w / 2)}" y="{_f(y - h / 2)}" width="{_f(w)}" '
                       f'height="{_f(h)}" rx="{rx}" fill="{d["color"]}" {stroke}/>'
                       f'{_lines(x, y, lines, size, palette.text_color(d["color"]), kind == "host")}</g>')
        elif kind in ("vm", "more"):
            x += VM_SHIFT
            dot = (f'<circle cx="{_f(x)}" cy="{_f(y)}" r="5.5" fill="{d["color"]}" stroke="#546e7a"/>'
                   if kind == "vm" else "")
            where = f" on {d['host']}: {d['status']}" if kind == "vm" else ""
            out.append(f'<g class="hacourse-topo-{kind}" data-node="{escape(n)}">{_title(d["label"] + where)}{dot}'
                       f'<text x="{_f(x + 10)}" y="{_f(y + 4.5)}" font-size="13" fill="#212121">'
                       f'{escape(d["label"])}</text></g>')
    down = [f"{d['label']} on {d['host']}" for _, d in g.nodes(data=True) if d["kind"] == "nic" and not d["up"]]
    note = f" · NIC down: {', '.join(down[:3])}{f' and {len(down) - 3} more' if len(down) > 3 else ''}" if down else ""
    return (f'<svg class="hacourse-topology" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_f(width)} '
            f'{_f(height)}" width="100%" style="max-width:{_f(width)}px;display:block;font-family:{FAMILY}" '
            f'role="img" aria-label="{escape(heading + note)}"><rect width="100%" height="100%" fill="#fff"/>'
            f'<text class="hacourse-topo-heading" x="6" y="19" font-size="15">{escape(heading + note)}</text>'
            f'{"".join(out)}</svg>')
