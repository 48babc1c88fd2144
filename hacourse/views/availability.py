"""How many nines, drawn: availability per class with its 95 % interval, and the downtime by phase.

`draw_availability(report)` takes the report of `hacourse.study.availability.availability_report`
and draws two panels on one figure; it returns the figure, whose axes a test reads back.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from hacourse.analysis.availability import CLASSES

if TYPE_CHECKING:
    from matplotlib.figure import Figure


COLORS = {"ha": "#1e88e5", "non_ha": "#ef6c00"}


def draw_availability(report: Mapping, figure: Figure | None = None) -> Figure | None:
    """Left: each class's unavailability (1 - A, log scale: a nine per decade) with its interval;
    right: the VM-hours per VM-year each phase of downtime took. Where matplotlib cannot be had
    (the static site's Pyodide kernel), a line says so and None is returned."""
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        from IPython.display import HTML, display

        from hacourse.views.without_matplotlib import server_only_note

        display(HTML(server_only_note("This page's Python has no matplotlib, so this figure needs the server "
                                      "version; the table above has its numbers.")))
        return None
    fig = figure or plt.figure(figsize=(10, 4))
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.4]})
    classes = report["classes"]
    for i, (cls, c) in enumerate(classes.items()):
        down = max(1.0 - c["availability"], 1e-9)
        if c["ci95"]:
            lo, hi = max(1.0 - c["ci95"][1], 1e-9), max(1.0 - c["ci95"][0], 1e-9)
            left.errorbar([i], [down], yerr=[[down - lo], [hi - down]], fmt="o", color=COLORS[cls], capsize=6)
        else:
            left.plot([i], [down], "o", color=COLORS[cls])
        nines = "no downtime" if c["nines"] is None else f"{c['availability']:.5%}\n({c['nines']:.1f} nines)"
        left.annotate(nines, (i, down), textcoords="offset points", xytext=(8, 0), fontsize="small", va="center",
                      ha="left")
    left.set_yscale("log")
    left.set_xticks(range(len(classes)), [f"{CLASSES[c]} VMs" for c in classes])
    left.set_xlim(-0.5, len(classes) - 0.05)  # room right of the last point for its two-line label
    left.set_ylabel("unavailability, 1 - A (log scale)")
    left.set_title(f"Availability, 95% interval\n({report['ci_method']})", fontsize="small", loc="left")
    left.grid(alpha=0.3, which="both", axis="y")
    phases = report["downtime_by_phase"]
    vm_years = report["years"] * max(1, len(report["vms"]))
    names = list(phases)[::-1]
    right.barh(names, [phases[p] / 3600 / vm_years for p in names], color="#8e24aa")
    right.set_xlabel("hours per VM-year")
    right.set_title("Where the downtime went", fontsize="small", loc="left")
    right.grid(alpha=0.3, axis="x")
    fig.tight_layout()
    return fig
