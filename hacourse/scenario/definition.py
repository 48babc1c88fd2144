"""The scenario format, defined once: this table checks files, generates the JSON Schema
(`hacourse/scenario.schema.json`) and the key tables of docs/scenario-format.md.

Keys are the model's field names, so a checked file builds `hacourse.model` dataclasses
directly, and a default stated here or in the model is the one the docs and the editor show.
"""

from __future__ import annotations

from hacourse import model
from hacourse.profiles import DEFAULT_PROFILE, PROFILES
from hacourse.scenario.engine_config import EngineConfig
from hacourse.scenario.expect import Expectation
from hacourse.scenario.failure_rates import OPERATOR, FailureRateRecord
from hacourse.scenario.faults import ControlChoice, FaultRecord
from hacourse.scenario.fields import (
    Boolean,
    Choice,
    Either,
    Field,
    Integer,
    ListOf,
    MapOf,
    Nullable,
    Number,
    Record,
    Text,
)

CONFIG_CHOICES = {
    "default_resume_behavior": model.RESUME_BEHAVIORS,
    "migrate_paused_vms": ("none", "not_eio"),  # 3.3 refuses any paused VM; 3.5+ only EIO-paused ones
}
"""Allowed names of the engine-config keys whose value is a mode rather than a number."""

NETWORK = Record("a logical network", model.LogicalNetwork, {
    "name": Field(Text(), "the network's name, as hosts' `nics:` and storage domains refer to it",
                  required=True),
    "role": Field(Choice(model.NETWORK_ROLES), "what the network carries; a cluster has one management "
                  "network, over which the engine polls hosts"),
    "required": Field(Boolean(), "a host that loses a required network turns NonOperational "
                      "(after NicDHCPDelayGraceInMS)"),
})

STORAGE_DOMAIN = Record("a storage domain", model.StorageDomain, {
    "name": Field(Text(), "the storage domain's name", required=True),
    "type": Field(Choice(model.STORAGE_TYPES), "the storage type; the model has iSCSI only"),
    "network": Field(Text(), "the logical network over which hosts reach the storage", required=True),
})

HOST = Record("a host", model.Host, {
    "name": Field(Text(), "the host's name", required=True),
    "memory_gb": Field(Number(above=0), "the host's RAM in GiB; the VMs placed on it must fit",
                       required=True),
    "nics": Field(MapOf(Text(), min_items=1, what="NIC names"),
                  "NIC name -> the logical network it carries, e.g. {em1: ovirtmgmt, p1p1: storage}",
                  required=True),
    "spm_priority": Field(Integer(-1, 10), "SPM election priority: -1 never, 2 low, 5 normal, 7 high, "
                          "up to 10"),
    "power_management": Field(Boolean(), "whether the host has a fence agent (IPMI, iLO, ...) that the "
                              "engine can use to restart it"),
    "cpu_cores": Field(Integer(1), "CPU cores; VDSM allows at most min(3, cores) outgoing migrations"),
    "kdump_detection": Field(Boolean(), "the host's 'Kdump integration' (oVirt 3.5+, with power management): "
                             "before a power fence the engine waits up to KdumpStartedTimeout for the host's "
                             "fence_kdump messages, and a host that is dumping is not fenced; rhev-3.3 has no "
                             "kdump detection"),
})

VM = Record("a VM", model.Vm, {
    "name": Field(Text(), "the VM's name", required=True),
    "host": Field(Text(), "the host the VM runs on at t=0", required=True),
    "memory_gb": Field(Number(above=0), "guest RAM in GiB; drives migration time", required=True),
    "ha": Field(Boolean(), "highly available: the engine restarts it if it goes down unexpectedly"),
    "priority": Field(Either(Choice(tuple(model.PRIORITY_NAMES), model.PRIORITY_NAMES), Integer(0, 100)),
                      "migration and restart priority: low (1), medium (50), high (100) or 0..100"),
    "writes": Field(Boolean(), "writes to its disks all the time: pauses on EIO when storage is lost"),
    "dirty_rate_mib_s": Field(Number(minimum=0), "guest memory dirtied per second in MiB/s; a high rate "
                              "needs more pre-copy rounds"),
    "resume_behavior": Field(Nullable(Choice(model.RESUME_BEHAVIORS)),
                         "what happens after an I/O-error pause when storage returns (4.2+); null: the "
                         "profile's default_resume_behavior"),
    "lease": Field(Boolean(), "an HA VM with a storage lease (4.1+); forced to resume_behavior kill"),
})

FENCING_POLICY = Record("a fencing policy", model.FencingPolicy, {
    "enabled": Field(Boolean(), "whether the engine fences (power-cycles) NonResponsive hosts"),
    "skip_if_sd_active": Field(Boolean(), "skip fencing while the host still renews its storage lease"),
    "skip_if_connectivity_broken": Field(Boolean(), "skip fencing when many hosts are unreachable at once"),
    "hosts_with_broken_connectivity_threshold": Field(
        Integer(0, 100), "percent of the cluster's hosts unreachable at which fencing is skipped"),
})

CLUSTER = Record("a cluster", model.Cluster, {
    "name": Field(Text(), "the cluster's name"),
    "resilience_policy": Field(Choice(model.RESILIENCE_POLICIES),
                               "which VMs the engine migrates off a NonOperational host"),
    "fencing_policy": Field(FENCING_POLICY, "when the engine fences a NonResponsive host (oVirt 3.5+: "
                            "refused under rhev-3.3, whose engine always fences)"),
})

FAULT = FaultRecord()

LESSON = Record("a lesson", model.Lesson, {
    "controls": Field(Nullable(ListOf(ControlChoice(), min_items=1, what="controls")),
                      "the fault and admin controls the lesson panel offers, by kind (ifdown, power_off, ...); "
                      "left out: every kind with a control, wherever it applies", default=None),
})

SCENARIO = Record("a scenario", model.Scenario, {
    "name": Field(Text(), "a short title, shown above timelines", required=True),
    "description": Field(Text(min_length=0), "what the scenario shows, in a sentence or two"),
    "seed": Field(Integer(0), "the default seed of a run"),
    "engine_profile": Field(Choice(tuple(PROFILES)), "the engine era whose defaults apply"),
    "duration": Field(Number(above=0), "seconds of simulated time to run"),
    "engine_config": Field(EngineConfig(PROFILES, DEFAULT_PROFILE, CONFIG_CHOICES),
                           "overrides of the profile's defaults, keyed as the real engine-config and "
                           "vdsm.conf keys"),
    "cluster": Field(CLUSTER, "the cluster's policies"),
    "networks": Field(ListOf(NETWORK, min_items=1, what="networks"), "the cluster's logical networks",
                      required=True),
    "storage_domains": Field(ListOf(STORAGE_DOMAIN, what="storage domains"), "the data center's storage "
                             "domains", default=()),
    "spm": Field(Nullable(Text()), "the host holding the SPM role at t=0; null: no host holds it at t=0", default=None),
    "hosts": Field(ListOf(HOST, min_items=1, what="hosts"), "the cluster's hosts", required=True),
    "vms": Field(ListOf(VM, what="VMs"), "the VMs and where they run at t=0", default=()),
    "faults": Field(ListOf(FAULT, what="faults"), "failures and admin actions, at times"),
    "failure_rates": Field(ListOf(FailureRateRecord(), what="failure rates"), "failures drawn at random, each "
                           "with its repair, for every target of a kind: see \"Failure rates and the operator\""),
    "operator": Field(OPERATOR, "the person on call who restarts non-HA VMs and confirms hosts rebooted"),
    "lesson": Field(LESSON, "what the lesson panel offers over this scenario"),
    "expect": Field(ListOf(Expectation(), what="expected outcomes"),
                    "expected outcomes, checked by `hacourse check`: see \"Expected outcomes\""),
})
