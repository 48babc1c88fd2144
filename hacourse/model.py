"""The validated scenario: one immutable object that the engine runs.

`hacourse.scenario` turns a YAML file into these dataclasses (and reports every problem
of the file at once); the engine only ever sees a `Scenario`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from hacourse.profiles import DEFAULT_PROFILE, EngineConfig, config_of

PRIORITY_NAMES: Mapping[str, int] = MappingProxyType({"low": 1, "medium": 50, "high": 100})
"""VM priority labels as the oVirt GUI sets them; [API] HighAvailability.java, PriorityUtil."""

NETWORK_ROLES = ("management", "storage", "migration", "vm")
RESILIENCE_POLICIES = ("migrate", "migrate_ha_only", "do_not_migrate")
RESUME_BEHAVIORS = ("auto_resume", "leave_paused", "kill")
STORAGE_TYPES = ("iscsi",)


def priority_label(priority: int) -> str:
    """API value -> GUI label: 0-25 Low, 26-74 Medium, 75-100 High ([E] getRoundedPriority)."""
    return "low" if priority <= 25 else "medium" if priority < 75 else "high"


@dataclass(frozen=True)
class LogicalNetwork:
    name: str
    role: str = "vm"
    required: bool = True  # the UI default for new cluster networks; reference README decision 1


@dataclass(frozen=True)
class StorageDomain:
    """An iSCSI data domain; the model has one master domain and no thin provisioning."""

    name: str
    network: str
    type: str = "iscsi"


@dataclass(frozen=True)
class Host:
    name: str
    memory_gb: float
    nics: Mapping[str, str]  # NIC name -> logical network name
    spm_priority: int = 5  # -1 never ... 10; default 5 ([E] create_tables.sql)
    power_management: bool = True
    cpu_cores: int = 16
    kdump_detection: bool = False  # oVirt 3.5+ "Kdump integration"; the database's default
    # (create_tables.sql pm_detect_kdump DEFAULT false), though the portal ticks it for a new host


@dataclass(frozen=True)
class Vm:
    name: str
    host: str
    memory_gb: float
    ha: bool = False
    priority: int = 1  # new VMs default Low (1)
    writes: bool = False  # issues disk writes continuously: pauses on EIO when storage is lost
    dirty_rate_mib_s: float = 2.0  # guest memory dirtied per second, drives pre-copy rounds
    resume_behavior: str | None = None  # None: the profile's default
    lease: bool = False  # an HA VM with a storage lease (4.1+)


@dataclass(frozen=True)
class FencingPolicy:
    """Cluster fencing policy; DB/API defaults ([E] FencingPolicy.java, create_tables.sql)."""

    enabled: bool = True
    skip_if_sd_active: bool = False
    skip_if_connectivity_broken: bool = False
    hosts_with_broken_connectivity_threshold: int = 50


@dataclass(frozen=True)
class Cluster:
    name: str = "Default"
    resilience_policy: str = "migrate"  # migrate_on_error YES is the default ([E] create_tables.sql)
    fencing_policy: FencingPolicy = field(default_factory=FencingPolicy)


@dataclass(frozen=True)
class Lesson:
    """What the lesson panel offers over this scenario: `controls` narrows its fault and admin
    controls to the kinds named (None: every kind with a control, where it applies)."""

    controls: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Fault:
    """A failure or an admin action at a time. `action` names a kind of `hacourse.actions.ACTIONS`,
    which says which of the target fields it takes; the others stay None."""

    at: float
    action: str
    host: str | None = None
    nic: str | None = None  # a NIC name or the name of the network it carries
    storage_domain: str | None = None
    vm: str | None = None
    to: str | None = None  # a destination host

    # The targets its kind requires, typed: the loader (or `Simulation.check_fault`) made sure
    # they are given, so an actor reads `fault.target_host` where the field says `str | None`.
    @property
    def target_host(self) -> str:
        return _required(self.host, "host", self.action)

    @property
    def target_nic(self) -> str:
        return _required(self.nic, "nic", self.action)

    @property
    def target_vm(self) -> str:
        return _required(self.vm, "vm", self.action)

    @property
    def target_storage_domain(self) -> str:
        return _required(self.storage_domain, "storage_domain", self.action)


def _required(value: str | None, key: str, action: str) -> str:
    if value is None:
        raise ValueError(f"action {action!r} needs {key!r}")
    return value


FAILURE_TARGETS = ("host", "nic", "storage_domain", "vm")
"""What `each:` of a `failure_rates:` entry may name: every host, every NIC of every host, every
storage domain or every VM draws its own faults."""


@dataclass(frozen=True)
class FailureRate:
    """Faults of one kind drawn for each target of a kind, each followed by its repair.

    Times to failure are Weibull with `shape` (1: exponential, the memoryless default) and mean
    `mtbf_h`; times to repair are exponential with mean `mttr_h`. `repair` is the fault's undo
    (`power_on` after `power_off`); a fault nothing repairs (`vm_crash`) has neither."""

    fault: str
    each: str
    mtbf_h: float
    repair: str | None = None
    mttr_h: float | None = None
    shape: float = 1.0


@dataclass(frozen=True)
class Operator:
    """The person on call: restarts the non-HA VMs a fault took down once it is repaired, and
    confirms a powered-off host without power management as rebooted; None: never does."""

    restart_non_ha_after_h: float | None = None
    confirm_rebooted_after_h: float | None = None


@dataclass(frozen=True)
class Scenario:
    name: str
    hosts: tuple[Host, ...]
    vms: tuple[Vm, ...]
    networks: tuple[LogicalNetwork, ...]
    storage_domains: tuple[StorageDomain, ...]
    spm: str | None
    duration: float = 1800.0
    engine_profile: str = DEFAULT_PROFILE
    engine_config: Mapping[str, object] = field(default_factory=dict)
    cluster: Cluster = field(default_factory=Cluster)
    faults: tuple[Fault, ...] = ()
    failure_rates: tuple[FailureRate, ...] = ()
    operator: Operator = field(default_factory=Operator)
    lesson: Lesson = field(default_factory=Lesson)
    description: str = ""
    seed: int = 0  # the run's default seed, when the caller gives none
    expect: tuple = ()  # instructors' expected outcomes, kept raw for `hacourse check`
    source: str = "<scenario>"  # the file it was read from, for messages

    def config(self) -> EngineConfig:
        """The effective engine configuration: profile defaults plus `engine_config` overrides."""
        return config_of(self.engine_profile, self.engine_config)

    def host(self, name: str) -> Host:
        return next(h for h in self.hosts if h.name == name)

    def network(self, name: str) -> LogicalNetwork:
        return next(n for n in self.networks if n.name == name)
