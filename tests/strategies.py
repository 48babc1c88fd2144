"""Random data centers and fault schedules for the property tests, written as scenario files.

A drawn scenario is plain data (the YAML a user would write) and goes through `parse_scenario`,
so the loader is exercised too. A failing example is saved with `save_failing` as a file that
reproduces it and can be copied to tests/regressions/.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import yaml
from hypothesis import strategies as st

from hacourse import parse_scenario
from hacourse.actions import ACTIONS, TARGETS, ActionKind
from hacourse.model import RESILIENCE_POLICIES, RESUME_BEHAVIORS, Scenario
from hacourse.profiles import PROFILES

ROOT = Path(__file__).resolve().parent.parent
FAILING_DIR = ROOT / "test-output" / "failing-scenarios"

HOST_MEMORY_GB = (4, 8, 16, 32, 64)
VM_MEMORY_GB = (0.5, 1, 2, 4, 8)
DURATIONS = (600, 1200, 1800, 3600)
CONFIG_CHOICES: dict[str, tuple] = {
    # keys whose value changes the story most; each override is drawn or left at the profile's default
    "NicDHCPDelayGraceInMS": (0, 30, 60, 120),
    "node.session.timeo.replacement_timeout": (5, 20, 120),
    "migration_max_bandwidth": (4, 32, 62, 1000),
    "TimeoutToResetVdsInSeconds": (30, 60),
    "StorageDomainFailureTimeoutInMinutes": (1, 5),
    "host_boot_s": (30, 120),
    "io_timeout": (5, 10),
}


@st.composite
def clusters(draw: st.DrawFn, min_hosts: int = 2, max_hosts: int = 8, max_vms: int = 40) -> dict:
    """A data center as scenario data, without faults: hosts, networks, VMs, policies, profile."""
    profile = draw(st.sampled_from(tuple(PROFILES)))
    networks = [
        {"name": "ovirtmgmt", "role": "management"},
        {"name": "storage", "role": "storage", "required": draw(st.booleans())},
    ]
    nics = {"em1": "ovirtmgmt", "p1p1": "storage"}
    if draw(st.booleans()):
        networks.append({"name": "migration", "role": "migration", "required": draw(st.booleans())})
        nics["p2p1"] = "migration"
    if draw(st.booleans()):
        networks.append({"name": "vmnet", "role": "vm", "required": draw(st.booleans())})
        nics["p3p1"] = "vmnet"
    hosts = []
    for i in range(draw(st.integers(min_hosts, max_hosts))):
        hosts.append(
            {
                "name": f"host{i + 1}",
                "memory_gb": draw(st.sampled_from(HOST_MEMORY_GB)),
                "nics": dict(nics),
                "spm_priority": draw(st.integers(-1, 10)),
                "power_management": draw(st.booleans()),
                "cpu_cores": draw(st.sampled_from((1, 2, 4, 16))),
            }
        )
        if profile == "ovirt-4.5" and hosts[-1]["power_management"] and draw(st.booleans()):
            hosts[-1]["kdump_detection"] = True  # 3.5+: refused under rhev-3.3
    free = {h["name"]: float(h["memory_gb"]) for h in hosts}
    vms = []
    for i in range(draw(st.integers(0, max_vms))):
        memory = draw(st.sampled_from(VM_MEMORY_GB))
        first = draw(st.integers(0, len(hosts) - 1))
        order = [hosts[(first + k) % len(hosts)]["name"] for k in range(len(hosts))]
        host = next((h for h in order if free[h] >= memory), None)
        if host is None:
            continue  # the cluster is full: the loader would refuse an overcommitted host
        free[host] -= memory
        ha = draw(st.booleans())
        vm = {
            "name": f"vm{i + 1}",
            "host": host,
            "memory_gb": memory,
            "ha": ha,
            "priority": draw(st.one_of(st.sampled_from(("low", "medium", "high")), st.integers(0, 100))),
            "writes": draw(st.booleans()),
            "dirty_rate_mib_s": draw(st.sampled_from((0, 2, 20, 200))),
        }
        if profile == "ovirt-4.5" and draw(st.booleans()):  # 4.2+ and 4.1+: refused under rhev-3.3
            vm["resume_behavior"] = draw(st.sampled_from(RESUME_BEHAVIORS))
        if profile == "ovirt-4.5" and ha and draw(st.booleans()):
            vm["lease"] = True
        vms.append(vm)
    eligible = [h["name"] for h in hosts if h["spm_priority"] != -1]
    config = {
        key: draw(st.sampled_from(values)) for key, values in CONFIG_CHOICES.items() if draw(st.booleans())
    }
    cluster: dict[str, object] = {"resilience_policy": draw(st.sampled_from(RESILIENCE_POLICIES))}
    if profile == "ovirt-4.5":  # the cluster fencing policy came with 3.5: refused under rhev-3.3
        cluster["fencing_policy"] = {
            "enabled": draw(st.booleans()),
            "skip_if_sd_active": draw(st.booleans()),
            "skip_if_connectivity_broken": draw(st.booleans()),
            "hosts_with_broken_connectivity_threshold": draw(st.sampled_from((25, 50, 75, 100))),
        }
    return {
        "name": "random cluster",
        "engine_profile": profile,
        "duration": draw(st.sampled_from(DURATIONS)),
        "seed": draw(st.integers(0, 2**16)),
        "engine_config": config,
        "cluster": cluster,
        "networks": networks,
        "storage_domains": [{"name": "data", "type": "iscsi", "network": "storage"}],
        "spm": draw(st.sampled_from([None, *eligible])) if eligible else None,
        "hosts": hosts,
        "vms": vms,
    }


def fault_lists(data: dict, max_faults: int = 8) -> st.SearchStrategy[list[dict]]:
    """Faults on the cluster's hosts at random times: ifdown/ifup of any NIC (by NIC or network
    name), power off/on. Times are whole or half seconds, and many fall on a few shared moments,
    so faults often overlap or share an instant (an ifdown and its ifup at once, say)."""
    duration = data["duration"]
    any_time = st.integers(0, 2 * duration).map(lambda half_seconds: half_seconds / 2)

    @st.composite
    def faults(draw: st.DrawFn) -> list[dict]:
        moments = draw(st.lists(any_time, min_size=1, max_size=3))
        return draw(st.lists(fault(st.one_of(st.sampled_from(moments), any_time)), max_size=max_faults))

    def names(key: str, fault: dict) -> list[str]:
        """What a target of a fault may name in this data center (`hacourse.actions.TARGETS`)."""
        if TARGETS[key].section is None:  # a NIC of the fault's host, by name or by its network
            nics = next(h["nics"] for h in data["hosts"] if h["name"] == fault["host"])
            return sorted(nics) + sorted(set(nics.values()))
        return [item["name"] for item in data.get(TARGETS[key].section) or ()]

    def applying(kind: ActionKind, key: str, fault: dict) -> list[str]:
        """The names a target of `kind` may take: those it applies to (`ActionKind.where`)."""
        if kind.where is None or kind.where.key != key:
            return names(key, fault)
        entries = {item["name"]: item for item in data.get(TARGETS[key].section or "") or ()}
        return [name for name in names(key, fault) if kind.applies_to(entries[name])]

    # every kind of the table whose targets this data center has, where it applies (no VM kind
    # without VMs, no power-management kind without a host that has it)
    kinds = [k for k in ACTIONS.values() if all(applying(k, key, {"host": data["hosts"][0]["name"]})
                                                  for key in k.targets)]

    @st.composite
    def fault(draw: st.DrawFn, at: st.SearchStrategy[float]) -> dict:
        kind = draw(st.sampled_from(kinds))
        out = {"at": draw(at), "action": kind.name}
        for key in kind.targets:
            out[key] = draw(st.sampled_from(applying(kind, key, out)))
        for key in kind.optional:
            if draw(st.booleans()):
                out[key] = draw(st.sampled_from(names(key, out)))
        return out

    return faults().map(lambda drawn: truthful(sorted(drawn, key=lambda f: f["at"])))


def truthful(faults: list[dict]) -> list[dict]:
    """The admin confirms 'Host has been Rebooted' only for a host that is off: an admin who vouches
    for a host that still runs its VMs makes them run twice, in the model as in oVirt. A confirmation
    drawn for a host that is on gets that host's power loss at the same instant, before it (dropping
    it instead left the kind undrawn: a power_off of the same host earlier is a rare draw)."""
    off: set[str] = set()
    kept = []
    for f in faults:
        if f["action"] == "power_off":
            off.add(f["host"])
        elif f["action"] == "power_on":
            off.discard(f["host"])
        elif f["action"] == "confirm_rebooted" and f["host"] not in off:
            kept.append({"at": f["at"], "action": "power_off", "host": f["host"]})
            off.add(f["host"])
        kept.append(f)
    return kept


@st.composite
def scenario_data(draw: st.DrawFn, max_hosts: int = 8, max_vms: int = 40, max_faults: int = 8) -> dict:
    data = draw(clusters(max_hosts=max_hosts, max_vms=max_vms))
    data["faults"] = draw(fault_lists(data, max_faults))
    return data


def to_yaml(data: dict) -> str:
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml when present: the search runs faster
    return yaml.dump(data, Dumper=dumper, sort_keys=False, default_flow_style=None, width=110)


def load(data: dict) -> Scenario:
    return parse_scenario(to_yaml(data), source="<hypothesis>")


def save_failing(data: dict, why: str) -> Path:
    """Write the example as a scenario file under test-output/failing-scenarios/ and return its path."""
    text = to_yaml(data)
    path = FAILING_DIR / f"{hashlib.sha1(text.encode()).hexdigest()[:12]}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    comment = "".join(f"# {line}\n" for line in why.splitlines())
    path.write_text(f"# Found by the property tests; copy to tests/regressions/ to keep it.\n{comment}{text}")
    return path
