"""How many nines: a scenario's drawn failures over years, availability per VM and per class with
a 95 % interval, and where the downtime went (by phase, by the fault that caused it).

    report = availability_report(scenario, years=10, seeds=range(10))

Availability is the guests' truth (`hacourse.analysis.availability`): the fraction of VM-time the
guest ran; the portal's view is beside it. The interval: with several seeds, a Student t interval
over the seeds' class availabilities (independent runs); with one seed and several years, batch
means over one-year batches (consecutive years of one run, close to independent when a year is
much longer than any repair); with one seed and one year, none.
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor

from hacourse.analysis.availability import CLASSES, availability
from hacourse.analysis.downtime import PHASES, downtime
from hacourse.engine import simulate
from hacourse.model import Scenario
from hacourse.scenario import vary

YEAR_S = 365.0 * 86400.0
T95 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145,
       2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048,
       2.045, 2.042)
"""Student's t, two-sided 95 %, for 1..30 degrees of freedom (beyond: 1.96)."""


def over_years(scenario: Scenario, years: float) -> Scenario:
    """The scenario run for `years` of 365 days (through `vary`, checked as a file is)."""
    return vary(scenario, {"duration": years * YEAR_S})


def year_run(scenario: Scenario, years: float, seed: int, check: bool = False) -> dict[str, object]:
    """One seed's run over `years`: per VM its downtime in both views, per class its availability
    overall and per one-year batch, the downtime by cause and phase, and (with `check`) the
    invariants' violations. Plain data, so a worker process can hand it back."""
    run = over_years(scenario, years)
    log = simulate(run, seed)
    vms = availability(log, run)
    by_cause, by_phase = downtime(log, run, vms)
    batches = max(1, int(years))
    edges = [run.duration * i / batches for i in range(batches + 1)]
    classes: dict[str, dict[str, object]] = {}
    for cls, members in _classes(vms.values()).items():
        span = sum(v.span_s for v in members)
        classes[cls] = {
            "availability": 1.0 - sum(v.downtime_s for v in members) / span,
            "portal_availability": 1.0 - sum(v.portal_downtime_s for v in members) / span,
            "batches": [1.0 - sum(v.downtime_between(a, b) for v in members) / ((b - a) * len(members))
                        for a, b in itertools.pairwise(edges)],
        }
    violations: list[str] = []
    if check:
        from hacourse.invariants import check_all

        violations = [str(v) for v in check_all(log, run, run.duration)]
    return {
        "seed": seed,
        "records": len(log),
        "vms": {v.vm: {"downtime_s": v.downtime_s, "portal_downtime_s": v.portal_downtime_s, "ha": v.ha,
                       "span_s": v.span_s} for v in vms.values()},
        "classes": classes,
        "downtime_by_cause": by_cause,
        "downtime_by_phase": by_phase,
        "violations": violations,
    }


def _classes(vms: Iterable) -> dict[str, list]:
    out: dict[str, list] = {"ha": [], "non_ha": []}
    for v in vms:
        out["ha" if v.ha else "non_ha"].append(v)
    return {cls: members for cls, members in out.items() if members}


def t_interval(values: Sequence[float]) -> tuple[float, float] | None:
    """The 95 % Student t interval of the mean of independent values (None: fewer than two)."""
    if len(values) < 2:
        return None
    mean, sd = statistics.fmean(values), statistics.stdev(values)
    t = T95[len(values) - 2] if len(values) - 1 <= len(T95) else 1.96
    half = t * sd / math.sqrt(len(values))
    return mean - half, min(1.0, mean + half)


def nines(a: float) -> float | None:
    """-log10(1 - A): 0.999 is 3 nines (None: no downtime at all)."""
    return None if a >= 1.0 else round(-math.log10(1.0 - a), 2)


def availability_report(scenario: Scenario, years: float, seeds: Sequence[int], check: bool = False,
                        executor: Executor | None = None) -> dict[str, object]:
    """Every seed's year run (on `executor`, by default a process pool) folded into one report:
    the issue's JSON shape (`years`, `vms`, `classes`, `downtime_by_cause`, `downtime_by_phase`)
    plus how the interval was made, the seeds, and any invariant violations."""
    seeds = list(seeds)
    if executor is None and len(seeds) > 1:
        with ProcessPoolExecutor() as pool:
            return availability_report(scenario, years, seeds, check, pool)
    if executor is None:
        runs = [year_run(scenario, years, seeds[0], check)]
    else:
        runs = [f.result() for f in [executor.submit(year_run, scenario, years, s, check) for s in seeds]]
    return fold(runs, years)


def fold(runs: Sequence[Mapping], years: float) -> dict[str, object]:
    """The report of several seeds' runs: per-VM and per-cause figures are means per run."""
    n = len(runs)
    names = list(runs[0]["vms"])
    vms = {}
    for name in names:
        down = statistics.fmean(r["vms"][name]["downtime_s"] for r in runs)
        portal = statistics.fmean(r["vms"][name]["portal_downtime_s"] for r in runs)
        span = runs[0]["vms"][name]["span_s"]
        vms[name] = {"availability": 1.0 - down / span, "downtime_s": round(down, 3), "ha": runs[0]["vms"][name]["ha"],
                     "portal_availability": 1.0 - portal / span}
    if n > 1:
        method = f"Student t interval over {n} independent seeds"
    elif int(years) > 1:
        method = f"batch means: Student t interval over {int(years)} one-year batches of one run"
    else:
        method = "none: one seed and one year; give --seeds or --years 2 or more"
    classes = {}
    for cls in CLASSES:
        present = [r["classes"][cls] for r in runs if cls in r["classes"]]
        if not present:
            continue
        values = [c["availability"] for c in present]
        a = statistics.fmean(values)
        interval = t_interval(values) if n > 1 else t_interval(present[0]["batches"])
        classes[cls] = {"availability": a, "nines": nines(a), "ci95": list(interval) if interval else None,
                        "portal_availability": statistics.fmean(c["portal_availability"] for c in present),
                        "vms": sum(1 for v in vms.values() if v["ha"] == (cls == "ha"))}
    causes = sorted({c for r in runs for c in r["downtime_by_cause"]})
    phases = [p for p in PHASES if any(p in r["downtime_by_phase"] for r in runs)]
    return {
        "years": years,
        "seeds": [r["seed"] for r in runs],
        "vms": vms,
        "classes": classes,
        "ci_method": method,
        "downtime_by_cause": {c: round(sum(r["downtime_by_cause"].get(c, 0.0) for r in runs) / n, 3) for c in causes},
        "downtime_by_phase": {p: round(sum(r["downtime_by_phase"].get(p, 0.0) for r in runs) / n, 3) for p in phases},
        "violations": {str(r["seed"]): r["violations"] for r in runs if r["violations"]},
    }


def report_text(report: Mapping) -> str:
    """The report as tables a class can read."""
    years, seeds = report["years"], report["seeds"]
    runs = f"{len(seeds)} seeds" if len(seeds) > 1 else f"seed {seeds[0]}"
    lines = [f"Availability over {years:g} simulated years, {runs}: the fraction of VM-time the guests ran",
             f"95% interval: {report['ci_method']}", ""]
    rows: list[tuple[str, ...]] = [("class", "VMs", "availability", "nines", "95% interval", "portal shows running")]
    for cls, c in report["classes"].items():
        ci = f"{c['ci95'][0]:.6f} - {c['ci95'][1]:.6f}" if c["ci95"] else "-"
        rows.append((CLASSES[cls], str(c["vms"]), f"{c['availability']:.6f}",
                     "-" if c["nines"] is None else f"{c['nines']:.2f}", ci, f"{c['portal_availability']:.6f}"))
    lines += _table(rows)
    vm_years = years * max(1, len(report["vms"]))
    for title, key in (("Where the downtime went", "downtime_by_phase"), ("What caused it", "downtime_by_cause")):
        total = sum(report[key].values())
        lines += ["", f"{title} (VM-hours per run; per VM-year in brackets):"]
        rows = [(name, f"{s / 3600:.2f}", f"({s / 3600 / vm_years:.3f})", f"{100 * s / total:.0f}%" if total else "-")
                for name, s in report[key].items()] or [("no downtime", "", "", "")]
        lines += _table(rows, header=False)
    lines += ["", "Per VM (means per run):"]
    rows = [("VM", "HA", "availability", "down h/year", "portal shows running")]
    rows += [(name, "yes" if v["ha"] else "no", f"{v['availability']:.6f}", f"{v['downtime_s'] / 3600 / years:.2f}",
              f"{v['portal_availability']:.6f}") for name, v in report["vms"].items()]
    lines += _table(rows)
    if report["violations"]:
        lines += ["", "Invariant violations:"] + [f"  seed {s}: {v}" for s, vs in report["violations"].items() for v in vs]
    return "\n".join(lines)


def _table(rows: Sequence[Sequence[str]], header: bool = True) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = ["  " + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    if header:
        out.insert(1, "  " + "  ".join("-" * w for w in widths))
    return out
