"""Faults and admin actions, one table: every kind says here what it takes and what it does.

A `faults:` entry of a scenario, a live `Simulation.inject`, a control of the lesson panel and
a `FaultInjected` record all name a kind of this table (`ACTIONS`). Each kind declares

- the targets it takes (`host`, `nic`, `storage_domain`, `vm`, an optional `to` host), which
  are the keys of its `faults:` entry and the fields of `model.Fault`;
- how it applies to the model: one callable that calls the actor that reacts (a NIC's
  `set_up`, `Host.power_off`);
- whether it is a failure or an administrator's action, and one sentence on what happens (the
  JSON Schema and docs/scenario-format.md print it);
- its wording: the Events tab's sentence and the fault's label on the timeline, made from the
  record's typed fields and never parsed back;
- its control in the lesson panel: a button, or a toggle whose release runs its `undo` kind.

The scenario loader, the JSON Schema, the docs, the reference checks, the engine and the
widgets read this table, so adding a kind is one `register(...)` here plus the actor method it
calls (docs/architecture.md, "How to add a fault kind or an admin action").

This module sits beside `hacourse.model` and reads `hacourse.events`; it imports no engine,
view or widget module. Its callables receive the running `Simulation` and call its actors.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from hacourse.events import FENCE_AGENT_UP, VDSM_ENABLED, FaultInjected, FenceAgentAnswers, FenceAgentStopped

if TYPE_CHECKING:
    from hacourse.engine.simulation import Simulation
    from hacourse.model import Fault, Scenario


class Side(StrEnum):
    FAULT = "fault"  # hardware or software fails, or is repaired: a cable, the power, a process
    ADMIN = "admin action"  # what an administrator does in the portal or in a host's shell


@dataclass(frozen=True)
class Target:
    """A key of a `faults:` entry that names a thing of the scenario (and a field of `model.Fault`)."""

    key: str
    what: str  # the thing's kind, in messages: "unknown host 'x'"
    section: str | None  # the scenario section whose names it takes; None: the entry host's NICs
    doc: str


TARGETS: Mapping[str, Target] = {t.key: t for t in (
    Target("host", "host", "hosts", "the host it happens on"),
    Target("nic", "NIC or network", None, "a NIC name of the host, or the network that NIC carries"),
    Target("storage_domain", "storage domain", "storage_domains", "the storage domain it happens to"),
    Target("vm", "VM", "vms", "the VM it happens to"),
    Target("to", "host", "hosts", "the host to move to; left out, the scheduler chooses"),
)}
"""Every target a kind may take, in the order a `faults:` entry lists them."""

RECORD_TARGET = ("nic", "storage_domain", "vm")
"""The targets that a `FaultInjected` record carries in its `target` field (a kind takes at
most one of them); `host` and `to` have fields of their own."""


Wording = str | Callable[[Mapping[str, str]], str]
"""A sentence formatted with a fault's targets (`"ifdown {nic} on {host}"`), or a function of
them, for wording that depends on an optional target (`to`)."""


def _worded(wording: Wording, targets: Mapping[str, str]) -> str:
    return wording(targets) if callable(wording) else wording.format_map(targets)


@dataclass(frozen=True)
class Control:
    """A kind's control in the lesson panel: one per combination of its targets in the scenario
    (each host, each NIC of each host, each VM, ...). `label` and `tooltip` are formatted with
    the targets (`{host}`, `{nic}`, ...; `{nic_name}` is the NIC when `{nic}` is its network).

    A toggle pair has `undo` (the kind its release runs) and `pressed`, which reads from the
    running model whether the kind's state holds now, so that a scripted fault presses it too.
    Without `undo` the control is a button.
    """

    label: str
    tooltip: str
    icon: str = ""
    undo: str | None = None
    pressed: Callable[[Simulation, Mapping[str, str]], bool] | None = None


@dataclass(frozen=True)
class Where:
    """Where a kind applies beyond having its targets: the entries of its `key` target (a host, a
    VM) that it can act on, tested on the entry as the scenario file writes it (a key left out
    has the model's default). The loader refuses a fault elsewhere, the panel offers no control
    there, the property search draws none there."""

    key: str  # the target whose entry is tested: "host", "vm", ...
    allowed: str  # the entries it applies to, in words: "hosts with power management"
    test: Callable[[Mapping[str, Any]], bool]


@dataclass(frozen=True)
class ActionKind:
    """One kind of fault or admin action; see the module docstring."""

    name: str
    side: Side
    targets: tuple[str, ...]  # required target keys
    apply: Callable[[Simulation, Fault], None]
    doc: str  # what happens, one sentence, for the schema and the docs
    said: Wording  # the Events tab's sentence
    label: Wording  # the timeline's fault label
    optional: tuple[str, ...] = ()  # target keys it may take
    control: Control | None = None
    where: Where | None = None  # None: wherever its targets exist

    def applies_to(self, entry: Mapping[str, Any]) -> bool:
        """Whether the kind acts on this entry of its `where` target (always, without a `where`)."""
        return self.where is None or bool(self.where.test(entry))

    def misapplied(self, name: str, entries: Mapping[str, Mapping[str, Any]]) -> str | None:
        """The loader's words when the `where` target named `name` is not one the kind applies to
        (`entries`: that section's entries by name); None when it applies or is unknown."""
        if self.where is None or name not in entries or self.applies_to(entries[name]):
            return None
        allowed = [n for n, entry in entries.items() if self.applies_to(entry)]
        return (f"action '{self.name}' applies only to {self.where.allowed}; {TARGETS[self.where.key].what} "
                f"'{name}' is not one; allowed: {', '.join(allowed) or 'none in this scenario'}")

    def __post_init__(self) -> None:
        unknown = [k for k in self.takes if k not in TARGETS]
        if unknown:
            raise ValueError(f"kind {self.name!r}: unknown target {unknown[0]!r}; allowed: {', '.join(TARGETS)}")
        if "nic" in self.takes and "host" not in self.targets:
            raise ValueError(f"kind {self.name!r}: a 'nic' is a NIC of the entry's host, so it needs 'host'")
        if len([k for k in self.takes if k in RECORD_TARGET]) > 1:
            raise ValueError(f"kind {self.name!r}: takes at most one of {', '.join(RECORD_TARGET)}")

    @property
    def takes(self) -> tuple[str, ...]:
        return self.targets + self.optional

    def record_fields(self, fault: Fault) -> dict[str, Any]:
        """The `FaultInjected` fields of a fault of this kind: action, host, target (and `to`)."""
        target = next((getattr(fault, k) for k in self.takes if k in RECORD_TARGET), None)
        fields: dict[str, Any] = {"action": self.name, "host": fault.host, "target": target}
        if fault.to is not None:
            fields["to"] = fault.to
        return fields

    def targets_of(self, record: FaultInjected | Fault) -> dict[str, str]:
        """The targets a record or a fault names, by key (a record's `target` under its key)."""
        if isinstance(record, FaultInjected):
            key = next((k for k in self.takes if k in RECORD_TARGET), None)
            values = {"host": record.host, key: record.target, "to": getattr(record, "to", None)}
        else:
            values = {k: getattr(record, k) for k in TARGETS}
        return {k: v for k, v in values.items() if k in self.takes and v is not None}

    def says(self, record: FaultInjected) -> str:
        """The Events tab's sentence for a record of this kind."""
        return _worded(self.said, self.targets_of(record))

    def labelled(self, record: FaultInjected | Fault) -> str:
        """The short label of a record or fault of this kind (timeline, expectation messages)."""
        return _worded(self.label, self.targets_of(record))

    def problems(self, given: Mapping[str, object]) -> list[tuple[str | None, str]]:
        """What is wrong with the targets given to this kind: (the key at fault, message) pairs,
        in the loader's words; [] when every required target is there and no other is."""
        found: list[tuple[str | None, str]] = []
        for key in TARGETS:
            if key in self.targets and given.get(key) is None:
                found.append((None, f"action '{self.name}' needs '{key}': {TARGETS[key].doc}"))
            elif key not in self.takes and given.get(key) is not None:
                users = ", ".join(k.name for k in ACTIONS.values() if key in k.takes)
                found.append((key, f"action '{self.name}' takes no '{key}'; '{key}' goes with action: {users}"))
        return found


ACTIONS: dict[str, ActionKind] = {}
"""Every kind by name, in the order the docs, the schema and the lesson panel list them."""


def register(kind: ActionKind) -> ActionKind:
    """Add a kind to the table (a second kind of one name is a mistake, not an override)."""
    if kind.name in ACTIONS:
        raise ValueError(f"action {kind.name!r} is registered already")
    ACTIONS[kind.name] = kind
    return kind


def unregister(name: str) -> None:
    """Remove a kind (a test's throwaway kind, when the test ends)."""
    del ACTIONS[name]


def kind_of(name: str) -> ActionKind:
    """The kind named `name`; an unknown name is a ValueError naming the allowed ones."""
    if name not in ACTIONS:
        raise ValueError(f"unknown action {name!r}; allowed: {', '.join(ACTIONS)}")
    return ACTIONS[name]


def undo_of(name: str) -> str | None:
    """The kind that undoes `name`: its toggle's release (`power_on` for `power_off`); None: none does."""
    kind = ACTIONS.get(name)
    return kind.control.undo if kind is not None and kind.control is not None else None


def event_text(record: FaultInjected) -> str:
    """The Events tab's sentence for a fault record. A log may name a kind the table no longer
    has (a test's throwaway kind): then its fields, plainly."""
    kind = ACTIONS.get(record.action)
    return kind.says(record) if kind else f"{record.action}: {_plain(record)}."


def fault_label(record: FaultInjected | Fault) -> str:
    """The short label of a fault record or a scenario's fault (timeline marks, expectation
    messages), as its kind words it."""
    kind = ACTIONS.get(record.action)
    return kind.labelled(record) if kind else f"{record.action} {_plain(record)}"


def _plain(record: FaultInjected | Fault) -> str:
    values = (getattr(record, key, None) for key in ("host", "target", *TARGETS))
    return " ".join(dict.fromkeys(str(v) for v in values if v is not None))


def controls(kind: ActionKind, scenario: Scenario) -> Iterator[dict[str, str]]:
    """The targets of each control of `kind` in the lesson panel over `scenario`: every host,
    every NIC of every host (named by its network when only that NIC carries it), every VM,
    every storage domain. An optional target (`to`) is left to the engine."""
    yield from _combinations(kind.targets, scenario, {})


def offered(scenario: Scenario) -> Iterator[tuple[ActionKind, dict[str, str]]]:
    """The lesson panel's controls over `scenario`: each kind with a control (only those its
    `lesson: controls:` lists, when it lists them), once per combination of targets it applies to."""
    chosen = scenario.lesson.controls
    for kind in ACTIONS.values():
        if kind.control is None or (chosen is not None and kind.name not in chosen):
            continue
        for targets in controls(kind, scenario):
            if kind.where is None or kind.applies_to(entry_of(scenario, kind.where.key, targets[kind.where.key])):
                yield kind, targets


def entry_of(scenario: Scenario, key: str, name: str) -> dict[str, Any]:
    """A target's entry in the scenario (a host's, a VM's) as plain data, for `Where.test`."""
    item = next(i for i in getattr(scenario, TARGETS[key].section or "hosts") if i.name == name)
    return dict(vars(item))


def _combinations(keys: tuple[str, ...], scenario: Scenario, chosen: dict[str, str]) -> Iterator[dict[str, str]]:
    if not keys:
        yield dict(chosen)
        return
    key, rest = keys[0], keys[1:]
    if key == "nic":
        nics = scenario.host(chosen["host"]).nics
        networks = list(nics.values())
        for nic, network in nics.items():
            name = network if networks.count(network) == 1 else nic
            yield from _combinations(rest, scenario, {**chosen, "nic": name, "nic_name": nic})
        return
    for name in names(scenario, TARGETS[key].section or ""):
        yield from _combinations(rest, scenario, {**chosen, key: name})


def names(scenario: Scenario, section: str) -> list[str]:
    """The names of a scenario section that targets refer to (hosts, VMs, storage domains)."""
    return [item.name for item in getattr(scenario, section)]


# --- the kinds ------------------------------------------------------------------------------

def _set_link(up: bool) -> Callable[[Simulation, Fault], None]:
    def apply(sim: Simulation, fault: Fault) -> None:
        host = sim.hosts[fault.target_host]
        nic = host.nic(fault.target_nic)
        if host.power.value and nic.set_up(up):  # a powered-off host's NIC stays as it is
            host.physically_changed(nic)
    return apply


def _nic_down(sim: Simulation, targets: Mapping[str, str]) -> bool:
    return not sim.hosts[targets["host"]].nic(targets["nic"]).configured_up


def _set_cable(ok: bool) -> Callable[[Simulation, Fault], None]:
    def apply(sim: Simulation, fault: Fault) -> None:
        host = sim.hosts[fault.target_host]
        nic = host.nic(fault.target_nic)
        if nic.set_cable(ok):
            host.physically_changed(nic)
    return apply


def _cable_cut(sim: Simulation, targets: Mapping[str, str]) -> bool:
    return not sim.hosts[targets["host"]].nic(targets["nic"]).cable


def _array_down(sim: Simulation, targets: Mapping[str, str]) -> bool:
    return not sim.domain.available.value


def _powered_off(sim: Simulation, targets: Mapping[str, str]) -> bool:
    return not sim.hosts[targets["host"]].power.value


register(ActionKind(
    "ifdown", Side.FAULT, ("host", "nic"), _set_link(False),
    doc="the NIC loses carrier, as `ifdown p1p1` on the host would do; `nic` is a NIC name or the name "
        "of the network that NIC carries (`ifdown storage`)",
    said="Admin ran 'ifdown {nic}' on host {host}.", label="ifdown {nic} on {host}",
    control=Control("ifdown {nic} on {host}", "Runs 'ifdown {nic}' on {host} (NIC {nic_name}) at the current "
                    "simulated time; press again for 'ifup {nic}'.", icon="plug", undo="ifup", pressed=_nic_down),
))
register(ActionKind(
    "ifup", Side.FAULT, ("host", "nic"), _set_link(True),
    doc="the NIC comes back",
    said="Admin ran 'ifup {nic}' on host {host}.", label="ifup {nic} on {host}",
))
register(ActionKind(
    "power_off", Side.FAULT, ("host",), lambda sim, fault: sim.hosts[fault.target_host].power_off("power lost"),
    doc="the host loses power: its VMs die with it and it answers on no network; the engine finds out "
        "by its own timers",
    said="Admin ran 'power_off' on host {host}.", label="power_off on {host}",
    control=Control("power off {host}", "Cuts {host}'s power now; press again to power it on.",
                    icon="power-off", undo="power_on", pressed=_powered_off),
))
register(ActionKind(
    "power_on", Side.FAULT, ("host",), lambda sim, fault: sim.hosts[fault.target_host].power_on("power restored"),
    doc="power returns: the host boots, every NIC comes up (an earlier `ifdown` does not survive a boot), "
        "and VDSM answers after `host_boot_s`",
    said="Admin ran 'power_on' on host {host}.", label="power_on on {host}",
))


register(ActionKind(
    "link_down", Side.FAULT, ("host", "nic"), _set_cable(False),
    doc="the NIC's cable is pulled or its switch port fails: the NIC loses carrier, and unlike `ifdown` a "
        "reboot does not bring it back (a fenced host whose management link is down does not come back)",
    said="The link of {nic} on host {host} went down (cable or switch port).", label="link down {nic} on {host}",
    control=Control("cut the cable of {nic} on {host}", "Pulls the cable of {host}'s NIC {nic_name} ({nic}) now: "
                    "a reboot does not fix it; press again to plug it back.", icon="unlink", undo="link_up",
                    pressed=_cable_cut),
))
register(ActionKind(
    "link_up", Side.FAULT, ("host", "nic"), _set_cable(True),
    doc="the cable or switch port is repaired: the NIC has carrier again unless it was also `ifdown`ed",
    said="The link of {nic} on host {host} is back.", label="link up {nic} on {host}",
))
register(ActionKind(
    "storage_down", Side.FAULT, ("storage_domain",), lambda sim, fault: sim.domain.set_available(False),
    doc="the storage array (or its switch) fails for every host at once: every host's I/O to the domain "
        "hangs, then fails; the hosts' links stay up",
    said="Fault: the storage array of domain {storage_domain} fails (storage_down).",
    label="storage down {storage_domain}",
    control=Control("storage {storage_domain} down", "The storage array of {storage_domain} fails now, for every "
                    "host; press again to bring it back.", icon="database", undo="storage_up",
                    pressed=_array_down),
))
register(ActionKind(
    "storage_up", Side.FAULT, ("storage_domain",), lambda sim, fault: sim.domain.set_available(True),
    doc="the storage array answers again",
    said="Repair: the storage array of domain {storage_domain} is back (storage_up).", label="storage up {storage_domain}",
))
register(ActionKind(
    "vm_crash", Side.FAULT, ("vm",), lambda sim, fault: sim.vms[fault.target_vm].qemu_died(),
    doc="the VM's qemu process dies (what oVirt's own system test does to check HA): VDSM reports it Down "
        "with an error; an HA VM is restarted, any other stays Down",
    said="The qemu process of VM {vm} died.", label="qemu of {vm} dies",
    control=Control("kill qemu of {vm}", "Kills the qemu process of VM {vm} now, as oVirt's system test does.",
                    icon="bolt"),
))


def _vdsm_masked(sim: Simulation, targets: Mapping[str, str]) -> bool:
    return not sim.hosts[targets["host"]].fact(VDSM_ENABLED)


register(ActionKind(
    "stop_vdsm", Side.FAULT, ("host",), lambda sim, fault: sim.hosts[fault.target_host].stop_vdsm(),
    doc="vdsmd is stopped and masked on the host (ovirt-system-tests' test_vdsm_recovery): the engine "
        "loses VDSM, an SSH soft fence cannot restart it, and a power fence's reboot does not either",
    said="Fault: vdsmd stopped and masked on host {host}.", label="vdsmd masked {host}",
    control=Control("stop and mask vdsmd on {host}", "Stops vdsmd on {host} and masks it, so nothing "
                    "restarts it; press again to unmask and start it.", icon="bolt", undo="start_vdsm",
                    pressed=_vdsm_masked),
))
register(ActionKind(
    "start_vdsm", Side.FAULT, ("host",), lambda sim, fault: sim.hosts[fault.target_host].start_vdsm(),
    doc="vdsmd is unmasked and started again (it answers once the host is booted)",
    said="Repair: vdsmd unmasked and started on host {host}.", label="vdsmd started {host}",
))


register(ActionKind(
    "kdump", Side.FAULT, ("host",), lambda sim, fault: sim.hosts[fault.target_host].kernel_crashed(),
    doc="the host's kernel crashes into kdump: its VMs, VDSM and sanlock die with it, the crash kernel writes "
        "the memory out (`kdump_s`) and reboots the host; under ovirt-4.5 a host with `kdump_detection` is "
        "not power fenced while it dumps (the engine waits for the dump, then for the host), elsewhere the "
        "power fence cuts the dump short",
    said="Fault: the kernel of host {host} crashes (kdump).", label="kernel crash (kdump) on {host}",
    control=Control("crash the kernel of {host}", "{host}'s kernel panics now: kdump writes its memory out and "
                    "reboots it.", icon="bug"),
))


def _agent_down(sim: Simulation, targets: Mapping[str, str]) -> bool:
    return not sim.hosts[targets["host"]].fact(FENCE_AGENT_UP)


_PM_HOSTS = Where("host", "hosts with power management", lambda host: host.get("power_management", True))

register(ActionKind(
    "fence_device_down", Side.FAULT, ("host",), lambda sim, fault: sim.hosts[fault.target_host].set_fact(
        FenceAgentStopped), where=_PM_HOSTS,
    doc="the host's fence agent (IPMI, iLO) stops answering: a power fence of the host fails, so a "
        "NonResponsive host stays NonResponsive and its HA VMs wait until the admin confirms it rebooted",
    said="Fault: the fence agent of host {host} stops answering.", label="fence agent down {host}",
    control=Control("fence agent of {host} down", "The fence agent of {host} stops answering now; press "
                    "again to bring it back.", icon="bolt", undo="fence_device_up", pressed=_agent_down),
))
register(ActionKind(
    "fence_device_up", Side.FAULT, ("host",), lambda sim, fault: sim.hosts[fault.target_host].set_fact(
        FenceAgentAnswers), where=_PM_HOSTS,
    doc="the host's fence agent answers again",
    said="Repair: the fence agent of host {host} answers again.", label="fence agent up {host}",
))


# --- the administrator's actions (hacourse.engine.admin: the engine's checks; a refusal is logged) ---

def _in_maintenance(sim: Simulation, targets: Mapping[str, str]) -> bool:
    return sim.hosts[targets["host"]].status in ("PreparingForMaintenance", "Maintenance")


register(ActionKind(
    "maintenance", Side.ADMIN, ("host",), lambda sim, fault: sim.admin.maintenance(fault.target_host),
    doc="the admin moves the host to maintenance: PreparingForMaintenance, the SPM role handed over, every "
        "VM migrated off by priority through the scheduler, Maintenance once no VM is left (refused, with "
        "the engine's reason, where the engine refuses it)",
    said="Admin asked to move host {host} to maintenance.", label="maintenance {host}",
    control=Control("maintenance {host}", "Moves {host} to maintenance now (its VMs migrate away); "
                    "press again to activate it.", icon="wrench", undo="activate", pressed=_in_maintenance),
))
register(ActionKind(
    "activate", Side.ADMIN, ("host",), lambda sim, fault: sim.admin.activate(fault.target_host),
    doc="the admin activates the host: Unassigned, then Initializing at the next poll, then Up, or Non "
        "Operational if a required network or the storage is still missing",
    said="Admin asked to activate host {host}.", label="activate {host}",
))
register(ActionKind(
    "confirm_rebooted", Side.ADMIN, ("host",), lambda sim, fault: sim.admin.confirm_rebooted(fault.target_host),
    doc="the admin's \"Confirm 'Host has been Rebooted'\" for a host without power management: its VMs "
        "are set Down, HA VMs restarted elsewhere, the SPM role released",
    said="Admin confirmed that host {host} has been rebooted.", label="confirm rebooted {host}",
    control=Control("confirm {host} rebooted", "Confirm 'Host has been Rebooted' for {host}: the engine then "
                    "takes its VMs as Down and restarts the highly available ones.", icon="check"),
))
register(ActionKind(
    "migrate", Side.ADMIN, ("vm",), lambda sim, fault: sim.admin.migrate(fault.target_vm, fault.to),
    optional=("to",),
    doc="the admin migrates the VM, to `to` or to the host the scheduler chooses (its filters and weights "
        "apply either way)",
    said=lambda t: f"Admin asked to migrate VM {t['vm']}" + (f" to host {t['to']}." if "to" in t else "."),
    label=lambda t: f"migrate {t['vm']}" + (f" to {t['to']}" if "to" in t else ""),
    control=Control("migrate {vm}", "Migrates {vm} now to the host the scheduler chooses.", icon="exchange"),
))
register(ActionKind(
    "run_vm", Side.ADMIN, ("vm",), lambda sim, fault: sim.admin.run_vm(fault.target_vm),
    doc="the admin runs a VM the engine shows Down (RunVm): the scheduler chooses the host; refused for a VM "
        "that is not Down or fits nowhere",
    said="Admin asked to run VM {vm}.", label="run {vm}",
))
register(ActionKind(
    "select_spm", Side.ADMIN, ("host",), lambda sim, fault: sim.admin.select_spm(fault.target_host),
    doc="the admin's 'Select as SPM' (ForceSelectSPM, oVirt 3.5 and later; refused on rhev-3.3): the "
        "current SPM stops and the election tries this host first",
    said="Admin asked to select host {host} as SPM.", label="select {host} as SPM",
    control=Control("select {host} as SPM", "Select as SPM: the engine stops the current SPM and elects "
                    "{host} (oVirt 3.5 and later).", icon="star"),
))
register(ActionKind(
    "reboot", Side.ADMIN, ("host",), lambda sim, fault: sim.admin.reboot(fault.target_host),
    doc="`reboot` in the host's shell: the OS goes down at once, its VMs' processes with it, and boots "
        "again (`host_boot_s`); the engine finds out by its own timers",
    said="Admin ran 'reboot' on host {host}.", label="reboot {host}",
))
register(ActionKind(
    "restart_vdsm", Side.ADMIN, ("host",), lambda sim, fault: sim.admin.restart_vdsm(fault.target_host),
    doc="`service vdsmd restart` (`systemctl restart vdsmd` on 4.x) in the host's shell: VDSM stops and "
        "starts again after `vdsm_restart_s`; the VMs keep running",
    said="Admin restarted vdsmd on host {host}.", label="restart vdsmd on {host}",
))
