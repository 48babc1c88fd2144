"""The lesson "How many nines does HA buy?": the seed's cluster with its switches, and its runs in words.

`nines_cluster(...)` is the data center of the lesson with what the student switches (HA, power
management, a spare host, the engine era, the host failure rates); `compare` runs several of them
over the same years and seeds; `say` turns a report into sentences, so that every sentence the
notebook shows about a run is computed from that run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import Executor

from hacourse.analysis.availability import CLASSES
from hacourse.model import Scenario
from hacourse.scenario import parse_scenario
from hacourse.scenario.failure_rates import TYPICAL_OPERATOR, TYPICAL_RATES
from hacourse.study.availability import availability_report
from hacourse.study.sweep import InProcess

YEARS, SEEDS = 10, range(5)
"""What each variant runs: ten simulated years, five independent seeds."""


def nines_cluster(ha: bool = True, power_management: bool = True, spare_host: bool = False,
                  profile: str = "ovirt-4.5", host_mtbf_h: float = 8760, host_mttr_h: float = 4) -> Scenario:
    """Atlantic and Pacific, 32 GiB each and nearly full, and an optional empty spare (Indian);
    `ha` makes db1, mail1, app1 and dns1 highly available (web1 never is); the typical failure
    rates, with the hosts' own MTBF and MTTR; an operator on call."""
    pm = "true" if power_management else "false"
    flag = "true" if ha else "false"
    hosts = ["atlantic", "pacific"] + (["indian"] if spare_host else [])
    rates = [dict(rate) for rate in TYPICAL_RATES]
    rates[0].update(mtbf_h=host_mtbf_h, mttr_h=host_mttr_h)
    lines = [
        "name: How many nines does HA buy?",
        f"engine_profile: {profile}",
        "networks: [{name: ovirtmgmt, role: management}, {name: storage, role: storage}]",
        "storage_domains: [{name: iscsi-share, type: iscsi, network: storage}]",
        "spm: atlantic",
        "hosts:",
        *(f"  - {{name: {h}, memory_gb: 32, power_management: {pm}, nics: {{em1: ovirtmgmt, p1p1: storage}}}}"
          for h in hosts),
        "vms:",
        f"  - {{name: db1, host: pacific, memory_gb: 16, ha: {flag}, priority: high, writes: true}}",
        f"  - {{name: mail1, host: pacific, memory_gb: 8, ha: {flag}, priority: medium}}",
        "  - {name: web1, host: pacific, memory_gb: 4, priority: low}",
        f"  - {{name: app1, host: atlantic, memory_gb: 24, ha: {flag}, priority: medium, writes: true}}",
        f"  - {{name: dns1, host: atlantic, memory_gb: 2, ha: {flag}, priority: high}}",
        "failure_rates:",
        *("  - {" + ", ".join(f"{k}: {v}" for k, v in rate.items()) + "}" for rate in rates),
        "operator: {" + ", ".join(f"{k}: {v}" for k, v in TYPICAL_OPERATOR.items()) + "}",
    ]
    return parse_scenario("\n".join(lines) + "\n", "nines-lab")


def run(scenario: Scenario, executor: Executor | None = None) -> dict:
    """One variant's report: `YEARS` years, `SEEDS` seeds (in this process unless told)."""
    return availability_report(scenario, YEARS, SEEDS, executor=executor or InProcess())


def compare(variants: Mapping[str, Scenario], executor: Executor | None = None) -> dict[str, dict]:
    """Each variant's report, by its name, in the order given."""
    return {name: run(scenario, executor) for name, scenario in variants.items()}


def rows(reports: Mapping[str, Mapping]) -> list[dict[str, str]]:
    """One row per variant and class: availability, nines, interval, hours down per VM-year, the
    phase that took most of the downtime."""
    out = []
    for name, report in reports.items():
        top = max(report["downtime_by_phase"].items(), key=lambda kv: kv[1], default=("-", 0))[0]
        for cls, c in report["classes"].items():
            members = [v for v in report["vms"].values() if v["ha"] == (cls == "ha")]
            hours = sum(v["downtime_s"] for v in members) / len(members) / 3600 / report["years"]
            out.append({"variant": name, "VMs": CLASSES[cls], "availability": f"{c['availability']:.5%}",
                        "nines": "-" if c["nines"] is None else f"{c['nines']:.1f}",
                        "95% interval": _interval(c), "hours down per VM-year": f"{hours:.2f}",
                        "most downtime in": top})
    return out


def _interval(c: Mapping) -> str:
    return f"{c['ci95'][0]:.5%} - {c['ci95'][1]:.5%}" if c["ci95"] else "-"


def say(report: Mapping) -> str:
    """The run in sentences: each class's availability and interval, and where most downtime went."""
    seeds, years = report["seeds"], report["years"]
    parts = [f"Over {years:g} simulated years and {len(seeds)} seeds:"]
    for cls, c in report["classes"].items():
        nines = "no downtime at all" if c["nines"] is None else f"{c['nines']:.1f} nines"
        parts.append(f"the {CLASSES[cls]} VMs ran {c['availability']:.4%} of the time ({nines}; 95% interval "
                     f"{_interval(c)}).")
    phases = report["downtime_by_phase"]
    total = sum(phases.values())
    if total:
        top, seconds = max(phases.items(), key=lambda kv: kv[1])
        cause, by_cause = max(report["downtime_by_cause"].items(), key=lambda kv: kv[1])
        parts.append(f"Most of the downtime ({seconds / total:.0%}) was spent {_phase_words(top)}; "
                     f"the fault behind most of it was {cause} ({by_cause / total:.0%}).")
    return " ".join(parts)


def _phase_words(phase: str) -> str:
    return {"detection": "before the engine noticed", "paused": "paused on a storage error",
            "fencing": "while the engine fenced the host", "restart": "restarting"}.get(phase, phase)


def difference(reports: Mapping[str, Mapping], a: str, b: str, cls: str = "ha") -> str:
    """What switching from variant `a` to `b` did to one class, in a sentence computed from the runs."""
    ra, rb = reports[a]["classes"].get(cls), reports[b]["classes"].get(cls)
    if ra is None or rb is None:
        return f"'{a}' and '{b}' do not both have {CLASSES[cls]} VMs."
    down_a, down_b = 1 - ra["availability"], 1 - rb["availability"]
    hours = (down_a - down_b) * 8760
    if ra["ci95"] and rb["ci95"] and (ra["ci95"][1] < rb["ci95"][0] or rb["ci95"][1] < ra["ci95"][0]):
        apart = "the intervals do not overlap"
    else:
        apart = "the intervals overlap: with these runs the difference may be chance"
    more = "less" if hours > 0 else "more"
    return (f"From '{a}' to '{b}', each {CLASSES[cls]} VM is down {abs(hours):.2f} hours a year {more} "
            f"({ra['availability']:.4%} -> {rb['availability']:.4%}); {apart}.")


def grew_most(reports: Mapping[str, Mapping], a: str, b: str) -> str:
    """Which phase of downtime changed most from variant `a` to `b`, in a sentence from the runs."""
    pa, pb = reports[a]["downtime_by_phase"], reports[b]["downtime_by_phase"]
    vm_years = reports[a]["years"] * len(reports[a]["vms"])
    change = {p: (pb.get(p, 0.0) - pa.get(p, 0.0)) / 3600 / vm_years for p in {*pa, *pb}}
    if not change:
        return f"Neither '{a}' nor '{b}' had any downtime."
    phase, hours = max(change.items(), key=lambda kv: abs(kv[1]))
    return (f"From '{a}' to '{b}', the phase that changed most is {_phase_words(phase)}: "
            f"{'+' if hours >= 0 else '-'}{abs(hours):.2f} hours per VM-year.")


HA_ABLE = ("db1", "mail1", "app1", "dns1")
"""The VMs the `ha` switch makes highly available (web1 never is)."""


def hours_down(report: Mapping, vms: Sequence[str] = HA_ABLE) -> float:
    """Mean hours a year each of `vms` was down (its guest not running), over the report's runs."""
    return sum(report["vms"][v]["downtime_s"] for v in vms) / len(vms) / 3600 / report["years"]


def what_ha_buys(reports: Mapping[str, Mapping], without: str = "no HA", with_: str = "as built") -> str:
    """The same four VMs without HA and with it, in a sentence computed from the runs."""
    a, b = hours_down(reports[without]), hours_down(reports[with_])
    names = ", ".join(HA_ABLE[:-1]) + f" and {HA_ABLE[-1]}"
    return (f"Without HA, {names} were down {a:.2f} hours a year each; with HA, {b:.2f} hours: HA saved "
            f"{a - b:.2f} hours a year per VM ({(a - b) / a:.0%} of their downtime)." if a > 0 else
            f"Without HA, {names} were never down in these runs.")


def variants(names: Sequence[str] = ("as built", "no HA", "no power management", "a spare host",
                                     "rhev-3.3")) -> dict[str, Scenario]:
    """The lesson's variants by name, each one switch away from the cluster as built."""
    switches: dict[str, dict] = {"as built": {}, "no HA": {"ha": False}, "no power management":
                                 {"power_management": False}, "a spare host": {"spare_host": True},
                                 "rhev-3.3": {"profile": "rhev-3.3"}}
    return {name: nines_cluster(**switches[name]) for name in names}
