"""The data center as a picture: engine, networks, storage, hosts with their NICs, VMs per host.

`topology_graph` returns a networkx graph whose nodes and edges carry what to draw (kind,
status, colour, position, whether a link is up); `draw_topology` draws it. The state is the
scenario at time 0 replayed through the log up to `t`: a NIC that is down is drawn red and its
link dashed, a host is filled with its status colour, the SPM host has a thick dark outline.

The layout is a network diagram rather than a force layout: each logical network is a
horizontal bus, management-side networks above the hosts (towards the engine), storage
networks below them (towards the storage domain), so no two links cross and a broken
storage link sits right under the host it cuts off.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import networkx as nx

from hacourse import events as ev
from hacourse.analysis import audit, intervals
from hacourse.model import Scenario
from hacourse.views import palette

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

MAX_HOSTS = 8  # hosts drawn one by one; the rest become one box
MAX_VMS_PER_HOST = 8
HOST_SPACING = 4.0
HOST_Y, NIC_ABOVE_Y, NIC_BELOW_Y = 1.0, 1.75, 0.25
BUS_STEP = 0.35
FULL = (0.01, 0.01, 0.98, 0.92)  # axes rectangle of a stand-alone topology figure


def _shown_hosts(scenario: Scenario, status: dict[str, str], nic_up: dict, spm: str | None) -> list[str]:
    """All hosts of a small cluster; of a big one, the hosts in trouble (and the SPM) first."""
    names = [h.name for h in scenario.hosts]
    if len(names) <= MAX_HOSTS:
        return names
    down = {host for (host, _), up in nic_up.items() if not up}
    troubled = [h for h in names if status.get(h, "Up") != "Up" or h == spm or h in down]
    calm = [h for h in names if h not in troubled]
    return (troubled + calm)[:MAX_HOSTS]


def topology_graph(scenario: Scenario, log: Sequence[ev.Record] = (), t: float | None = None) -> nx.Graph:
    """The data center at time `t` (default: the end of the log) as a graph with drawing attributes.

    Node attributes: kind (engine, network, storage, host, nic, vm, more), label, color, pos;
    host: status, spm; nic: host, up, network; vm: status, host; network: role, span (x0, x1).
    Edge attributes: kind (port, link, runs), up, points (the polyline drawn).
    """
    t = intervals.end_of(log) if t is None else t
    status = {h: spans[-1].status for h, spans in intervals.host_intervals(log, scenario, until=t).items() if spans}
    vm_now = {v: spans[-1] for v, spans in intervals.vm_intervals(log, scenario, until=t).items() if spans}
    nic_up = intervals.nic_states(log, t, scenario)
    off = intervals.powered_off(log, t)
    spm = intervals.spm_holder(log, t, scenario) if log else scenario.spm
    moving = {m.vm: m.destination for m in intervals.migration_spans(log, t) if m.outcome == intervals.MigrationOutcome.RUNNING}

    shown = _shown_hosts(scenario, status, nic_up, spm)
    x_of = {h: i * HOST_SPACING for i, h in enumerate(shown)}
    hidden = len(scenario.hosts) - len(shown)
    x0, x1 = -1.2, max(x_of.values(), default=0.0) + (HOST_SPACING if hidden else 0.0) + 2.8
    middle = sum(x_of.values()) / max(1, len(x_of))
    below = [n for n in scenario.networks if n.role == "storage"]
    above = [n for n in scenario.networks if n.role != "storage"]
    bus_y = {n.name: NIC_ABOVE_Y + 0.6 + BUS_STEP * i for i, n in enumerate(above)}
    bus_y.update({n.name: NIC_BELOW_Y - 0.6 - BUS_STEP * i for i, n in enumerate(below)})

    g = nx.Graph()
    for n in scenario.networks:
        g.add_node(f"net:{n.name}", kind="network", role=n.role, span=(x0, x1),
                   label=f"{n.name} ({n.role}{', required' if n.required else ''})",
                   color="#fff8e1", pos=((x0 + x1) / 2, bus_y[n.name]))
    mgmt = next((n.name for n in above if n.role == "management"), above[0].name if above else None)
    top = max(bus_y.values(), default=NIC_ABOVE_Y) + 0.7
    g.add_node("engine", kind="engine", label="oVirt engine", color="#eceff1", pos=(middle, top))
    if mgmt:
        g.add_edge("engine", f"net:{mgmt}", kind="link", up=True, points=[(middle, top), (middle, bus_y[mgmt])])
    bottom = min(bus_y.values(), default=NIC_BELOW_Y) - 0.75
    domains = scenario.storage_domains
    for i, sd in enumerate(domains):
        x = middle + 2.6 * (i - (len(domains) - 1) / 2)
        g.add_node(f"sd:{sd.name}", kind="storage", label=f"{sd.name}\n{sd.type} storage domain",
                   color="#e3f2fd", pos=(x, bottom))
        if sd.network in bus_y:
            g.add_edge(f"sd:{sd.name}", f"net:{sd.network}", kind="link", up=True,
                       points=[(x, bottom), (x, bus_y[sd.network])])

    vms_by_host: dict[str, list[str]] = {h: [] for h in shown}
    for vm in scenario.vms:
        where = vm_now[vm.name].host if vm.name in vm_now else vm.host
        if where in vms_by_host:
            vms_by_host[where].append(vm.name)
    for h in shown:
        host, x, st, powered = scenario.host(h), x_of[h], status.get(h, "Up"), h not in off
        notes = [st] + (["SPM"] if h == spm else []) + ([] if powered else ["power off"])
        g.add_node(f"host:{h}", kind="host", label=f"{h}\n{' · '.join(notes)}", status=st, spm=h == spm,
                   color=palette.status_color(st), pos=(x, HOST_Y))
        nics_above = [nic for nic, net in host.nics.items() if net not in {n.name for n in below}]
        nics_below = [nic for nic in host.nics if nic not in nics_above]
        for group, y in ((nics_above, NIC_ABOVE_Y), (nics_below, NIC_BELOW_Y)):
            for j, nic in enumerate(group):
                net = host.nics[nic]
                up = nic_up.get((h, nic), True) and powered
                nx_ = x + (j - (len(group) - 1) / 2) * 0.8
                g.add_node(f"nic:{h}:{nic}", kind="nic", label=nic, host=h, up=up, network=net,
                           color="#ffffff" if up else palette.NIC_DOWN_COLOR, pos=(nx_, y))
                g.add_edge(f"host:{h}", f"nic:{h}:{nic}", kind="port", up=True, points=[(x, HOST_Y), (nx_, y)])
                if net in bus_y:
                    g.add_edge(f"nic:{h}:{nic}", f"net:{net}", kind="link", up=up,
                               points=[(nx_, y), (nx_, bus_y[net])])
        names = vms_by_host[h]
        step = min(0.3, (NIC_ABOVE_Y - NIC_BELOW_Y + 0.3) / max(1, min(len(names), MAX_VMS_PER_HOST + 1)))
        for k, name in enumerate(names[:MAX_VMS_PER_HOST]):
            iv = vm_now.get(name)
            st_vm = iv.status if iv else "Up"
            text = name + (f" → {moving[name]}" if name in moving else "")
            if st_vm not in ("Up", "MigratingFrom"):
                text += f" ({st_vm})"
            g.add_node(f"vm:{name}", kind="vm", label=text, status=st_vm, host=h,
                       color=palette.status_color(st_vm), pos=(x + 1.1, NIC_ABOVE_Y - 0.05 - step * k))
        if len(names) > MAX_VMS_PER_HOST:
            g.add_node(f"more:{h}", kind="more", label=f"+{len(names) - MAX_VMS_PER_HOST} more VMs",
                       color="#ffffff", pos=(x + 1.1, NIC_ABOVE_Y - 0.05 - step * MAX_VMS_PER_HOST))
    if hidden:
        g.add_node("more:hosts", kind="more", label=f"+{hidden} more hosts", color="#ffffff",
                   pos=(max(x_of.values()) + HOST_SPACING * 0.75, HOST_Y))
    return g


_BOX_STYLE = {"engine": "square,pad=0.5", "storage": "round4,pad=0.5", "host": "round,pad=0.6"}


def draw_topology(scenario: Scenario, log: Sequence[ev.Record] = (), t: float | None = None, *,
                  ax: Axes | None = None) -> Axes:
    """Draw the data center at time `t` on `ax` and return it."""
    import matplotlib.pyplot as plt

    g = topology_graph(scenario, log, t)
    if ax is None:
        ax = plt.figure(figsize=topology_size(g)).add_subplot()
    return draw_graph(g, ax, heading=f"Data center at {audit.clock(intervals.end_of(log) if t is None else t)}")


def draw_graph(g: nx.Graph, ax: Axes, *, heading: str = "Data center") -> Axes:
    """Draw a graph made by `topology_graph`; the title is `heading` and the NICs that are down."""
    from matplotlib.collections import LineCollection

    for n, d in g.nodes(data=True):
        if d["kind"] == "network":
            (a, b), y = d["span"], d["pos"][1]
            ax.plot([a, b], [y, y], color="#8d6e63", linewidth=4, solid_capstyle="round", gid=n, zorder=1)
            ax.text(b, y + 0.06, d["label"], ha="right", va="bottom", fontsize=10, color="#5d4037")
    for up, style, color, width in ((True, "solid", palette.LINK_COLOR, 1.3),
                                    (False, "dashed", palette.NIC_DOWN_COLOR, 2.2)):
        segments = [d["points"] for _, _, d in g.edges(data=True) if d["up"] is up]
        if segments:
            ax.add_collection(LineCollection(segments, colors=color, linewidths=width, linestyles=style,
                                             gid="links:up" if up else "links:down", zorder=2))
    pos = nx.get_node_attributes(g, "pos")
    for kind, size in (("nic", 720), ("vm", 120)):
        nodes = [n for n, d in g.nodes(data=True) if d["kind"] == kind]
        if nodes:
            nx.draw_networkx_nodes(g, pos, nodelist=nodes, node_size=size, ax=ax, edgecolors="#546e7a",
                                   node_color=[g.nodes[n]["color"] for n in nodes]).set_gid(f"nodes:{kind}")
    for n, d in g.nodes(data=True):
        x, y = d["pos"]
        if d["kind"] == "nic":
            ax.text(x, y, d["label"], ha="center", va="center", fontsize=9, color=palette.text_color(d["color"]))
        elif d["kind"] in _BOX_STYLE:
            spm = d.get("spm", False)
            ax.text(x, y, d["label"], ha="center", va="center", zorder=3, gid=n,
                    fontsize=11 if d["kind"] == "host" else 10, fontweight="bold" if d["kind"] == "host" else None,
                    color=palette.text_color(d["color"]),
                    bbox={"boxstyle": _BOX_STYLE[d["kind"]], "facecolor": d["color"],
                          "edgecolor": "#212121" if spm else "#78909c", "linewidth": 3.0 if spm else 1.0})
        elif d["kind"] in ("vm", "more"):
            ax.text(x + 0.14, y, d["label"], ha="left", va="center", fontsize=10, gid=n)
    xs = [p[0] for p in pos.values()] + [x for _, d in g.nodes(data=True) if d["kind"] == "network" for x in d["span"]]
    ys = [p[1] for p in pos.values()]
    ax.set_xlim(min(xs) - 0.4, max(xs) + 0.4)
    ax.set_ylim(min(ys) - 0.45, max(ys) + 0.45)
    ax.set_axis_off()
    down = [f"{d['label']} on {d['host']}" for _, d in g.nodes(data=True) if d["kind"] == "nic" and not d["up"]]
    note = f" · NIC down: {', '.join(down[:3])}{f' and {len(down) - 3} more' if len(down) > 3 else ''}" if down else ""
    ax.set_title(f"{heading}{note}", loc="left", fontsize=12)
    return ax


def topology_size(g: nx.Graph) -> tuple[float, float]:
    """Inches: wide enough for each host with its VM list, tall enough for the buses."""
    hosts = sum(1 for _, d in g.nodes(data=True) if d["kind"] in ("host", "more") and d["pos"][1] == HOST_Y)
    ys = [d["pos"][1] for _, d in g.nodes(data=True)]
    return max(7.0, 1.1 + 3.2 * hosts), 1.0 + 1.05 * (max(ys) - min(ys) + 0.9)


def topology_figure(scenario: Scenario, log: Sequence[ev.Record] = (), t: float | None = None, *,
                    dpi: float = 100, fig: Figure | None = None) -> Figure:
    """A stand-alone Figure of the topology (not registered with pyplot); pass `fig` to redraw into it."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if fig is None:
        fig = Figure(dpi=dpi)
        FigureCanvasAgg(fig)
    g = topology_graph(scenario, log, t)
    fig.clear()
    fig.set_size_inches(topology_size(g))
    heading = f"Data center at {audit.clock(intervals.end_of(log) if t is None else t)}"
    draw_graph(g, fig.add_axes(FULL), heading=heading)
    return fig
