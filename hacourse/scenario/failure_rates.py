"""The `failure_rates:` and `operator:` sections: faults drawn over years instead of listed at times.

    failure_rates:
      - {fault: power_off, repair: power_on, each: host, mtbf_h: 8760, mttr_h: 4}
      - {fault: vm_crash, each: vm, mtbf_h: 4380}
    operator: {restart_non_ha_after_h: 0.5, confirm_rebooted_after_h: 0.5}

A fault is a failure kind of the actions table (`hacourse.actions`); its repair is the kind the
table names as its undo (the release of its toggle: `power_on` after `power_off`). `each:` is
the target the fault takes, so the table decides which entries make sense. The engine's side
is `hacourse.engine.failures`.
"""

from __future__ import annotations

from yaml.nodes import Node

from hacourse import actions, model
from hacourse.actions import undo_of
from hacourse.scenario.checker import Checker, Path
from hacourse.scenario.fields import Choice, Field, Nullable, Number, Record

TYPICAL_RATES = (
    # hosts: an unplanned outage a year, repaired in hours; decreasing hazard (Weibull shape 0.7-0.8)
    # as Schroeder & Gibson found for node failures (DSN 2006); docs/fidelity.md, "Failure rates"
    {"fault": "power_off", "repair": "power_on", "each": "host", "mtbf_h": 8760, "mttr_h": 4, "shape": 0.75},
    {"fault": "link_down", "repair": "link_up", "each": "nic", "mtbf_h": 17520, "mttr_h": 2},  # an assumption
    {"fault": "storage_down", "repair": "storage_up", "each": "storage_domain", "mtbf_h": 43800, "mttr_h": 1},
    {"fault": "vm_crash", "each": "vm", "mtbf_h": 4380},  # an assumption
)
"""The "typical" rates (`hacourse generate --failure-rates typical`); their sources and what is only
an assumption: docs/fidelity.md, "Failure rates over years"."""
TYPICAL_OPERATOR = {"restart_non_ha_after_h": 0.5, "confirm_rebooted_after_h": 0.5}  # on call: half an hour

EACH_TARGETS = {"host": ("host",), "nic": ("host", "nic"), "storage_domain": ("storage_domain",), "vm": ("vm",)}
"""What `each:` names, and the targets a fault must take to happen to each of them."""


def drawable() -> list[str]:
    """The failure kinds a rate may draw: the table's faults that are not another fault's repair."""
    repairs = {undo_of(name) for name in actions.ACTIONS}
    return [k.name for k in actions.ACTIONS.values()
            if k.side == actions.Side.FAULT and k.name not in repairs and tuple(k.targets) in EACH_TARGETS.values()]


def each_of(fault: str) -> str | None:
    """The `each:` a fault takes: the target kind its required targets name."""
    kind = actions.ACTIONS.get(fault)
    return next((each for each, targets in EACH_TARGETS.items() if kind and tuple(kind.targets) == targets), None)


class RepairOfFault:
    """`each:` is the target the fault takes; `repair:` is the fault's undo and comes with
    `mttr_h`; a fault nothing repairs takes neither."""

    def check(self, record: dict, given: set[str], node: Node, path: Path, checker: Checker) -> None:
        fault = record.get("fault")
        if fault is None:
            return  # missing or unknown: reported already
        each, undo = each_of(fault), undo_of(fault)
        if record.get("each") is not None and record["each"] != each:
            checker.report(checker.node_at(path + ("each",)) or node, path + ("each",),
                           f"fault '{fault}' happens to a {each}, not a {record['each']}; write each: {each}")
        if undo is None:
            for key in ("repair", "mttr_h"):
                if key in given:
                    checker.report(checker.node_at(path + (key,)) or node, path + (key,),
                                   f"fault '{fault}' has no repair kind: the engine's HA or the operator brings "
                                   f"its VM back; leave out '{key}'")
            return
        if record.get("repair") is not None and record["repair"] != undo:
            checker.report(checker.node_at(path + ("repair",)) or node, path + ("repair",),
                           f"repair '{record['repair']}' does not undo '{fault}'; write repair: {undo}")
        if "mttr_h" not in given:
            checker.report(node, path, f"fault '{fault}' needs 'mttr_h': the mean hours until its repair "
                                       f"({undo}); e.g. mttr_h: 4")

    def json_schema(self) -> list[dict]:
        rules = []
        for fault in drawable():
            undo = undo_of(fault)
            then: dict = {"properties": {"each": {"const": each_of(fault)}}}
            if undo is None:
                then["not"] = {"anyOf": [{"required": ["repair"]}, {"required": ["mttr_h"]}]}
            else:
                then["properties"]["repair"] = {"const": undo}
                then["required"] = ["mttr_h"]
            rules.append({"if": {"properties": {"fault": {"const": fault}}, "required": ["fault"]}, "then": then})
        return rules


class FailureRateRecord(Record):
    """A `failure_rates:` entry; its fault names are read from the actions table when checked."""

    def __init__(self) -> None:
        self.what = "a failure rate"
        self.cls = model.FailureRate
        self.rules = (RepairOfFault(),)

    @property  # read from the action table when asked (as the faults' record does), not given once
    def fields(self) -> dict[str, Field]:  # type: ignore[override]
        faults = drawable()
        repairs = [r for r in (undo_of(f) for f in faults) if r]
        return {
            "fault": Field(Choice(faults), "the failure drawn: a fault kind of \"Faults and admin actions\"",
                           required=True),
            "each": Field(Choice(tuple(EACH_TARGETS)), "what fails, each on its own: every host, every NIC of "
                          "every host, every storage domain or every VM", required=True),
            "mtbf_h": Field(Number(above=0), "mean hours between failures of one target (from its repair to its "
                            "next failure)", required=True),
            "repair": Field(Nullable(Choice(repairs)), "the repair: the fault's undo (power_on after power_off); "
                            "left out, the undo"),
            "mttr_h": Field(Nullable(Number(above=0)), "mean hours from the failure to its repair (exponential); "
                            "needed when the fault has a repair"),
            "shape": Field(Number(above=0), "Weibull shape of the time to failure: 1 is exponential (the "
                           "default); below 1, failures cluster early (field studies of disks and nodes: 0.7-0.8)"),
        }


OPERATOR = Record("an operator", model.Operator, {
    "restart_non_ha_after_h": Field(Nullable(Number(minimum=0)), "hours after a repair (or a VM's crash) until "
                                    "the operator starts the non-HA VMs it took down; null: nobody does"),
    "confirm_rebooted_after_h": Field(Nullable(Number(minimum=0)), "hours after a drawn fault strikes a host "
                                      "without power management until the operator, finding it off and "
                                      "NonResponsive, confirms it rebooted; null: nobody does"),
})
