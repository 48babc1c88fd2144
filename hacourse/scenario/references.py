"""Checks that tie one part of a scenario to another, which JSON Schema cannot express: names
are unique, every reference names something that exists, VMs fit on their host, faults fall
within the run, and the SPM can hold its role.

They read the checked values (a part with a problem is missing or None, and is skipped, so one
mistake gives one problem, not a cascade).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeGuard

from hacourse import model
from hacourse.actions import ACTIONS, TARGETS
from hacourse.profiles import DEFAULT_PROFILE, ERA_VERSION, SCENARIO_KEYS_SINCE
from hacourse.scenario.checker import Checker, Path, allowed_list, did_you_mean
from hacourse.scenario.errors import SEMANTIC
from hacourse.scenario.expect import EVENT_KEYS, NAMED_FIELDS, PREDICATES


def check_references(data: dict, checker: Checker) -> None:
    networks = _unique(data, "networks", checker)
    hosts = _unique(data, "hosts", checker)
    vms = _unique(data, "vms", checker)
    domains = _unique(data, "storage_domains", checker)
    _check_management_network(data, checker)
    _check_era(data, checker)
    for i, domain in _items(data, "storage_domains"):
        _reference(domain.get("network"), networks, "network", ("storage_domains", i, "network"), checker)
    for i, host in _items(data, "hosts"):
        _check_nics(host, networks, ("hosts", i, "nics"), checker)
    _check_spm(data.get("spm"), hosts, checker)
    _check_vms(data, hosts, checker)
    _check_faults(data, {"hosts": hosts, "vms": vms, "storage_domains": domains}, checker)
    _check_expectations(data, {"host": hosts, "VM": vms, "storage domain": domains, "network": networks}, checker)


def _check_era(data: dict, checker: Checker) -> None:
    """A key the profile's engine did not have is refused where it is written, naming the era."""
    profile = data.get("engine_profile") or DEFAULT_PROFILE
    if profile not in ERA_VERSION:
        return  # an unknown profile is a problem of its own
    newer = [p for p, v in ERA_VERSION.items() if v > ERA_VERSION[profile]]
    for key, (since, what) in SCENARIO_KEYS_SINCE.items():
        if ERA_VERSION[profile] >= since:
            continue
        section, _, field = key.partition(".")
        places: list[tuple[Path, object]]
        if section.endswith("[]"):
            places = [((section[:-2], i, field), item) for i, item in _items(data, section[:-2])]
        else:
            places = [((section, field), data.get(section) or {})]
        for path, holder in places:
            if isinstance(holder, dict) and field in holder:
                _report(checker, path, f"not in engine_profile {profile}: {what}; remove it"
                        + (f", or use engine_profile: {newer[0]}" if newer else ""))


def _items(data: dict, section: str) -> Iterable[tuple[int, dict]]:
    return ((i, item) for i, item in enumerate(data.get(section) or ()) if item is not None)


def _report(checker: Checker, path: Path, message: str) -> None:
    checker.report_at(path, message, SEMANTIC)


class Known(dict[str, tuple[int, dict]]):
    """A section's items by name, with their index; `judged` is False when a reference to the
    section cannot be judged (the section is missing or has a problem as a whole, or an item's
    name cannot be read). An item with a problem elsewhere still has its name: references to it,
    and to its neighbours, are judged in the same pass."""

    judged: bool = True


def _unique(data: dict, section: str, checker: Checker) -> Known:
    """The section's items by name; a repeated name is a problem at its second use."""
    known = Known()
    known.judged = section in data and (section,) not in checker.broken
    if any(item is None or item.get("name") is None for item in data.get(section) or ()):
        known.judged = False
    for i, item in _items(data, section):
        name = item.get("name")
        if name is None:
            continue
        if name in known:
            _report(checker, (section, i, "name"),
                    f"duplicate name '{name}'; {section}[{known[name][0]}] already has it")
        else:
            known[name] = (i, item)
    return known


def _reference(name: object, known: Known, what: str, path: Path, checker: Checker) -> TypeGuard[str]:
    """Whether `name` names an item of `known`; a name that does not is a problem."""
    if name is None or name in known or not known.judged:
        return name in known
    _report(checker, path, f"unknown {what} '{name}'; allowed: {allowed_list(list(known))}"
            f"{did_you_mean(name, known)}")
    return False


def _check_management_network(data: dict, checker: Checker) -> None:
    """oVirt clusters have exactly one management network: the engine polls hosts over it."""
    if checker.is_broken(("networks",)):
        return  # a network with a problem might have been the management one
    management = [(i, n) for i, n in _items(data, "networks") if n.get("role") == "management"]
    if not management:
        _report(checker, ("networks",), "no network has role management; a cluster has exactly one, over "
                "which the engine polls its hosts")
    for i, network in management[1:]:
        _report(checker, ("networks", i, "role"),
                f"a second management network ('{network.get('name')}'); a cluster has exactly one, "
                f"and networks[{management[0][0]}] is it")


def _check_nics(host: dict, networks: Known, path: Path, checker: Checker) -> None:
    carried: dict[str, str] = {}
    for nic, network in (host.get("nics") or {}).items():
        if not _reference(network, networks, "network", path + (nic,), checker):
            continue
        if network in carried:
            _report(checker, path + (nic,), f"network '{network}' is already on NIC {carried[network]}; "
                    "a host carries each network on one NIC")
        carried.setdefault(network, nic)


def _check_spm(spm: object, hosts: Known, checker: Checker) -> None:
    if not _reference(spm, hosts, "host", ("spm",), checker):
        return
    if hosts[spm][1].get("spm_priority") == -1:
        eligible = [name for name, (_, host) in hosts.items() if host.get("spm_priority", 0) != -1]
        _report(checker, ("spm",), f"host '{spm}' has spm_priority -1 (never SPM); allowed: hosts with "
                f"spm_priority 0..10: {allowed_list(eligible)}")


def _check_vms(data: dict, hosts: Known, checker: Checker) -> None:
    """VMs must fit in their host's memory (the model does not overcommit memory); the problem
    is reported once per host, at the VM that no longer fits."""
    placed: dict[str, list[tuple[str, float]]] = {}
    total: dict[str, float] = {}
    for i, vm in _items(data, "vms"):
        host = vm.get("host")
        if not _reference(host, hosts, "host", ("vms", i, "host"), checker):
            continue
        memory = vm.get("memory_gb", 0)
        placed.setdefault(host, []).append((vm.get("name", f"vms[{i}]"), memory))
        before, total[host] = total.get(host, 0), total.get(host, 0) + memory
        capacity = hosts[host][1].get("memory_gb")
        if capacity is not None and before <= capacity < total[host]:
            listed = ", ".join(f"{name} {gb:g}" for name, gb in placed[host])
            _report(checker, ("vms", i, "host"),
                    f"host '{host}' has {capacity:g} GiB of memory, but its VMs need {total[host]:g} GiB "
                    f"({listed}); allowed: at most {capacity:g} GiB of VMs per host")


def _check_faults(data: dict, known: dict[str, Known], checker: Checker) -> None:
    """Each fault within the run, and each target it names (a host, a VM, a storage domain, a
    NIC of its host) in the scenario; the table in `hacourse.actions` says which section a
    target key refers to."""
    duration = data.get("duration", model.Scenario.duration)
    for i, fault in _items(data, "faults"):
        at = fault.get("at")
        if at is not None and at > duration and not checker.is_broken(("duration",)):
            _report(checker, ("faults", i, "at"), f"fault at {at:g} s is after the end of the run; allowed: "
                    f"0 to the duration, {duration:g} s")
        for key, target in TARGETS.items():
            if target.section is not None:
                _reference(fault.get(key), known[target.section], target.what, ("faults", i, key), checker)
        _check_fault_nic(fault, known["hosts"], ("faults", i, "nic"), checker)
        _check_fault_applies(fault, known, i, checker)


def _check_fault_applies(fault: dict, known: dict[str, Known], i: int, checker: Checker) -> None:
    """A kind that applies only to some hosts (or VMs) names one of them (`ActionKind.where`)."""
    action = fault.get("action")
    kind = ACTIONS.get(action) if isinstance(action, str) else None
    if kind is None or kind.where is None or TARGETS[kind.where.key].section is None:
        return
    section, name = known[TARGETS[kind.where.key].section or ""], fault.get(kind.where.key)
    if not isinstance(name, str):
        return  # missing: reported already
    problem = kind.misapplied(name, {key: item for key, (_, item) in section.items()})
    if problem:
        _report(checker, ("faults", i, kind.where.key), problem)


def _check_fault_nic(fault: dict, hosts: Known, path: Path, checker: Checker) -> None:
    """A fault's `nic` is a NIC of its host, by the NIC's name or by the network it carries."""
    host, nic = fault.get("host"), fault.get("nic")
    if nic is None or host is None or host not in hosts:
        return
    index, item = hosts[host]
    nics = item.get("nics") or {}
    if nic in nics or nic in nics.values() or checker.is_broken(("hosts", index, "nics")):
        return
    names = list(nics) + list(dict.fromkeys(nics.values()))
    _report(checker, path, f"host '{host}' has no NIC or network '{nic}'; allowed: NICs {', '.join(nics)}, "
            f"networks {', '.join(dict.fromkeys(nics.values()))}{did_you_mean(nic, names)}")


def _check_expectations(data: dict, known: dict[str, Known], checker: Checker) -> None:
    """Each `expect:` entry names hosts, VMs, NICs, networks and storage domains of the scenario:
    an entry about something that does not exist could never be tested."""
    for i, entry in _items(data, "expect"):
        _check_expectation(entry, ("expect", i), known, checker)


def _check_expectation(entry: dict, path: Path, known: dict[str, Known], checker: Checker) -> None:
    hosts = known["host"]
    if isinstance(entry.get("before"), dict):  # the other entry of an order names things too
        _check_expectation(entry["before"], path + ("before",), known, checker)
    subject = next((s for s in PREDICATES if s in entry), None)
    if subject is not None and not any(k in entry for k in EVENT_KEYS):
        _reference(entry[subject], known["VM" if subject == "vm" else "host"], "VM" if subject == "vm"
                   else "host", path + (subject,), checker)
        _reference(entry.get("on"), hosts, "host", path + ("on",), checker)
        if subject == "vm":
            _reference(entry.get("starts_migrating_before"), known["VM"], "VM",
                       path + ("starts_migrating_before",), checker)
        return
    for key, what in NAMED_FIELDS.items():
        if key == "nic" or key not in entry:
            continue
        _reference(entry[key], known[what], what, path + (key,), checker)
    if "nic" in entry and hosts.judged:
        host = hosts.get(entry["host"]) if "host" in entry else None
        if (host is None and "host" in entry) or (host is not None and checker.is_broken(("hosts", host[0], "nics"))):
            return  # an unknown host is a problem of its own; a host's broken nics: not judged
        nics = (host[1].get("nics") or {}) if host else {n: None for _, h in hosts.values() for n in h.get("nics") or {}}
        if entry["nic"] not in nics:
            whose = f"host '{entry['host']}' has no NIC" if host else "no host has a NIC"
            _report(checker, path + ("nic",), f"{whose} '{entry['nic']}'; allowed: {allowed_list(list(nics))}"
                    f"{did_you_mean(entry['nic'], nics)}")
