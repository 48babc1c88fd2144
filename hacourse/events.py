"""The event log: typed, immutable records of what happened, in the order it happened.

A run's single output. Every table, plot and check reads a list of these records and
nothing else. JSON Lines is the wire form: one object a line, keys in field order
(`t`, `event`, then the record's fields), so two runs with one seed are byte-identical.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import ClassVar

from hacourse.status import Reason, RestartResult, SkipCause, kind_of

SUBJECTS = {"host": "host", "vm": "vm", "domain": "storage_domain", "data_center": "data_center"}
"""The fields that name what a record is about, and the kind of thing each names."""


@dataclass(frozen=True)
class Fact:
    """A physical fact the log records, declared once with its value at t=0. The records that set
    it say so (`Record.sets`), and `hacourse.physical.PhysicalState` keeps every fact in one table
    fed by them; a reader asks the table, never a list of record kinds."""

    name: str
    about: str  # "host"; "nic": a NIC of a host, keyed (host, nic); "storage_domain"
    default: bool  # its value for every host, NIC or domain until a record sets it

    def subject(self, r: Record) -> object:
        """Whose fact a record sets: a host's name, (host, NIC), a domain's name."""
        values = r.to_dict()
        if self.about == "nic":
            return (values["host"], values["nic"])
        return values["domain" if self.about == "storage_domain" else self.about]


POWERED = Fact("powered", "host", True)  # every host starts powered
NIC_UP = Fact("nic_up", "nic", True)  # every NIC starts with carrier
ARRAY_UP = Fact("array_up", "storage_domain", True)  # every storage array starts answering
FENCE_AGENT_UP = Fact("fence_agent_up", "host", True)  # a host's fence agent (IPMI, iLO) starts answering
VDSM_ENABLED = Fact("vdsm_enabled", "host", True)  # vdsmd may run: not stopped and masked by hand
KDUMPING = Fact("kdumping", "host", False)  # no host starts in its crash kernel


def facts() -> tuple[Fact, ...]:
    """Every physical fact that a record kind sets, in the order the kinds are declared."""
    return tuple(dict.fromkeys(k.sets[0] for k in KINDS.values() if k.sets is not None))


@dataclass(frozen=True)
class Record:
    t: float  # seconds of simulated time

    event: ClassVar[str] = "Record"
    about: ClassVar[str | None] = None
    """What the record is about ("host", "vm", "storage_domain", "data_center"): the kind its first
    field of `SUBJECTS` names, unless the class says otherwise. Readers filter by it."""
    sets: ClassVar[tuple[Fact, bool] | None] = None
    """The physical fact the record sets, and to what (None: it sets none)."""
    said: ClassVar[tuple[str, str] | None] = None
    """A kind's Events-tab severity and sentence, a template over its fields, when the kind
    declares them itself (a kind added with its fact); `analysis/audit.py` renders them."""

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        cls.event = cls.__name__
        KINDS[cls.__name__] = cls
        if "about" not in vars(cls):
            cls.about = next((SUBJECTS[name] for name in vars(cls).get("__annotations__", {}) if name in SUBJECTS),
                             None)

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"t": self.t, "event": self.event}
        for f in fields(self)[1:]:
            out[f.name] = getattr(self, f.name)
        return out


KINDS: dict[str, type[Record]] = {}


@dataclass(frozen=True)
class SimulationStarted(Record):
    scenario: str
    engine_profile: str
    seed: int


@dataclass(frozen=True)
class FaultInjected(Record):
    """An admin command or a failure, as the student or the scenario issued it. `action` names a
    kind of `hacourse.actions`; `target` is its NIC, storage domain or VM, `to` a destination host
    (written to the log only when given, so older logs read the same)."""

    action: str
    host: str | None
    target: str | None
    to: str | None = None

    def to_dict(self) -> dict[str, object]:
        out = super().to_dict()
        if self.to is None:
            del out["to"]
        return out


@dataclass(frozen=True)
class NicDown(Record):
    sets = (NIC_UP, False)

    host: str
    nic: str
    network: str


@dataclass(frozen=True)
class NicUp(Record):
    sets = (NIC_UP, True)

    host: str
    nic: str
    network: str


@dataclass(frozen=True)
class HostPoweredOff(Record):
    sets = (POWERED, False)

    host: str
    reason: str


@dataclass(frozen=True)
class HostPoweredOn(Record):
    sets = (POWERED, True)

    host: str
    reason: str


@dataclass(frozen=True)
class StorageArrayFailed(Record):
    """The storage array (or its switch) stops answering every host: a physical fact."""

    sets = (ARRAY_UP, False)

    domain: str


@dataclass(frozen=True)
class StorageArrayRecovered(Record):
    sets = (ARRAY_UP, True)

    domain: str


@dataclass(frozen=True)
class FenceAgentStopped(Record):
    """The host's fence agent (its IPMI/iLO board or the switch port it hangs on) stops answering:
    a physical fact; a power fence through it fails."""

    sets = (FENCE_AGENT_UP, False)
    said = ("Warning", "The fence agent of host {host} stopped answering: power fencing it would fail.")

    host: str


@dataclass(frozen=True)
class FenceAgentAnswers(Record):
    sets = (FENCE_AGENT_UP, True)
    said = ("Normal", "The fence agent of host {host} answers again.")

    host: str


@dataclass(frozen=True)
class VdsmStopped(Record):
    """vdsmd was stopped and masked on the host (`systemctl stop vdsmd; systemctl mask vdsmd`, as
    ovirt-system-tests' test_vdsm_recovery does): a physical fact. Nothing starts it again, neither
    systemd nor an SSH soft fence nor a reboot, until it is unmasked and started."""

    sets = (VDSM_ENABLED, False)
    said = ("Warning", "vdsmd was stopped and masked on host {host}: nothing restarts it.")

    host: str


@dataclass(frozen=True)
class VdsmUnmasked(Record):
    sets = (VDSM_ENABLED, True)
    said = ("Normal", "vdsmd was unmasked and started on host {host}.")

    host: str


@dataclass(frozen=True)
class HostKdumpStarted(Record):
    """The host's kernel crashed and kdump's crash kernel writes its memory to disk, sending
    fence_kdump messages to the engine's listener meanwhile: a physical fact. Nothing of the host
    runs (no VDSM, sanlock or qemu: the model records its OS as off, as for a reboot)."""

    sets = (KDUMPING, True)
    said = ("Warning", "The kernel of host {host} crashed: its crash kernel dumps the memory (kdump).")

    host: str


@dataclass(frozen=True)
class HostKdumpFinished(Record):
    sets = (KDUMPING, False)
    said = ("Normal", "The kdump of host {host} ended: {outcome}.")

    host: str
    outcome: str


@dataclass(frozen=True)
class KdumpDetection(Record):
    """The engine's kdump detection before a power fence ([E] VdsKdumpDetectionCommand): the
    fence_kdump listener's session for the host, read every FenceKdumpMessageInterval; its result
    as the audit log words it (KDUMP_FLOW_DETECTED_ON_VDS, _NOT_DETECTED_, _FINISHED_)."""

    said = ("Normal", "Kdump detection on host {host}: {result}.")

    host: str
    result: str


@dataclass(frozen=True)
class VmProcessDied(Record):
    """The VM's qemu process died on its host: a physical fact; the engine hears it from VDSM."""

    vm: str
    host: str


@dataclass(frozen=True)
class HostNicProblemDetected(Record):
    """The engine's statistics refresh first saw a required network's NIC down: the grace starts."""

    host: str
    nic: str
    network: str
    grace_s: float


@dataclass(frozen=True)
class HostNicProblemCleared(Record):
    host: str
    nic: str
    network: str


@dataclass(frozen=True)
class HostStatusChanged(Record):
    host: str
    old: str
    new: str
    reason: str


@dataclass(frozen=True)
class StorageConnectionLost(Record):
    """The host's iSCSI session failed; I/O now hangs until the replacement timeout."""

    host: str
    domain: str
    eio_after_s: float


@dataclass(frozen=True)
class StorageConnectionRestored(Record):
    host: str
    domain: str


@dataclass(frozen=True)
class StorageDomainReportedProblematic(Record):
    """VDSM's domain monitor on the host has not completed a check for too long."""

    host: str
    domain: str
    last_check_s: float


@dataclass(frozen=True)
class StorageDomainTimerStarted(Record):
    domain: str
    fires_at: float


@dataclass(frozen=True)
class StorageDomainTimerCancelled(Record):
    domain: str
    reason: str


@dataclass(frozen=True)
class StorageDomainStatusChanged(Record):
    """The domain's status in the data center: Active, Unknown while the pool has no working SPM,
    Inactive when every Up host reported it in problem (the engine blames the domain)."""

    domain: str
    old: str
    new: str
    reason: str


@dataclass(frozen=True)
class StorageDomainTimerExpired(Record):
    domain: str
    action: str


@dataclass(frozen=True)
class SpmStarted(Record):
    host: str
    reason: str


@dataclass(frozen=True)
class SpmStopped(Record):
    host: str
    reason: str


@dataclass(frozen=True)
class DataCenterStatusChanged(Record):
    """The storage pool's status as the engine shows it on the data center: Up with a working SPM,
    NonResponsive while the SPM is lost or sought (from the pool poll that finds it so), NotOperational
    when its SPM cannot be fenced (3.3 only)."""

    data_center: str
    old: str
    new: str
    reason: str


@dataclass(frozen=True)
class SpmLeaseExpired(Record):
    """sanlock on the host failed to renew its lease for id_renewal_fail_seconds."""

    host: str
    domain: str


@dataclass(frozen=True)
class VmStatusChanged(Record):
    vm: str
    host: str
    old: str
    new: str
    reason: str


@dataclass(frozen=True)
class VmIoBlocked(Record):
    """The VM's disk writes hang on the lost iSCSI path; it still runs until they fail."""

    vm: str
    host: str


@dataclass(frozen=True)
class MigrationStarted(Record):
    """The engine sent the migrate command (audit VM_MIGRATION_START); VDSM may still queue it."""

    vm: str
    source: str
    destination: str
    reason: str


@dataclass(frozen=True)
class MigrationTransferStarted(Record):
    """VDSM on the source got a migration slot and began copying memory."""

    vm: str
    source: str
    destination: str
    bandwidth_mib_s: float


@dataclass(frozen=True)
class MigrationFinished(Record):
    vm: str
    source: str
    destination: str
    downtime_ms: int
    duration_s: float


@dataclass(frozen=True)
class MigrationFailed(Record):
    vm: str
    source: str
    destination: str
    reason: str


@dataclass(frozen=True)
class HostFenced(Record):
    host: str
    method: str


@dataclass(frozen=True)
class FenceAttempted(Record):
    """One step of the non-responding treatment and its outcome."""

    host: str
    method: str
    result: str


@dataclass(frozen=True)
class FencingSkipped(Record):
    host: str
    reason: str

    @property
    def cause(self) -> SkipCause | None:
        return kind_of(self.reason, SkipCause)


@dataclass(frozen=True)
class HaRestartAttempted(Record):
    vm: str
    host: str
    result: str

    @property
    def outcome(self) -> RestartResult | None:
        return kind_of(self.result, RestartResult)


def is_initial(record: Record) -> bool:
    """A record that sets the state at t=0 (hosts Up, the SPM, the VMs), not a change that happened."""
    return getattr(record, "reason", None) == Reason.INITIAL


@dataclass(frozen=True)
class ActionRefused(Record):
    """The engine's validation (canDoAction) rejected an admin action: nothing changed.

    `code` is the engine's message name (`VDS_CANNOT_MAINTENANCE_VDS_IS_IN_MAINTENANCE`), what
    tests and checks compare; `reason` says it in words, as the portal's error dialog would."""

    action: str
    target: str
    code: str
    reason: str


@dataclass(frozen=True)
class Decision(Record):
    """A decision the engine took and why: what `hacourse explain` reads; not shown in the Events tab.

    The real engine keeps these in engine.log at DEBUG level; here they are records of the run
    like the others, so an explanation is a pure function of the log. Their table fields are
    tuples of tuples (JSON arrays on the wire, tuples again when read back).
    """

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, list):
                object.__setattr__(self, f.name, tuple(tuple(v) if isinstance(v, list) else v for v in value))


@dataclass(frozen=True)
class PlacementDecided(Decision):
    """The scheduler's answer for one VM ([E] SchedulingManager): filters, then weights.

    `filtered` holds `(host, filter, detail)` for each host a filter removed: `Source` (the
    host the VM leaves), `Status` (not Up), `Memory` (with the numbers); `weights` holds
    `(host, free_memory_gb)` of the hosts left, best first; `chosen` is "" when none passed.
    In clusters of more than `EXPLAINED_HOSTS` hosts only the chosen host is listed and
    `unlisted` counts the others.
    """

    vm: str
    purpose: str  # "migration", "manual migration", "HA restart" or "run" (the admin's RunVm)
    memory_gb: float
    chosen: str
    filtered: tuple = ()
    weights: tuple = ()
    unlisted: int = 0


@dataclass(frozen=True)
class EvacuationPlanned(Decision):
    """The migration queue of a host the engine empties: the order (VM, priority) and the slots.

    `refused` holds `(vm, reason)` for the VMs the engine's validation rejected; `slots` is VDSM's
    outgoing limit on the source (`max_outgoing_migrations`, at most the host's cores)."""

    host: str
    reason: str
    policy: str  # the cluster's resilience policy, or "maintenance"
    order: tuple = ()
    refused: tuple = ()
    slots: int = 0


@dataclass(frozen=True)
class SpmElectionDecided(Decision):
    """One try of the engine's SPM selection ([E] IrsProxyImpl): who could take the role, who not.

    `candidates` holds `(host, spm_priority)` of the eligible hosts, in the engine's order;
    `excluded` holds `(host, reason)`; sanlock's SPM lease is held by `lease_owner` (a host that
    still renews it) or may be taken from `lease_free_at` (sanlock's host_dead_seconds after the old owner's
    last renewal); `chosen` is "" when this try elected nobody (the engine tries again later)."""

    chosen: str
    candidates: tuple = ()
    excluded: tuple = ()
    lease_owner: str = ""
    lease_free_at: float = 0.0


@dataclass(frozen=True)
class HaRestartHeldBack(Decision):
    """The HA runner held a VM's due restart back behind higher-priority VMs still in its list,
    launching or waiting for a try ([E4.5.6] HaAutoStartVmsRunner `isBlockedOnPriority`, 4.4+). It
    runs once they have left the list (Up) or after `limit_s` held back in all
    (`MaxTimeAutoStartBlockedOnPriority`). Recorded when a hold starts."""

    vm: str
    behind: tuple = ()
    limit_s: float = 0.0


@dataclass(frozen=True)
class FenceChecksEvaluated(Decision):
    """The non-responding treatment's checks at one step, with their values ([E] VdsNotRespondingTreatmentCommand).

    `checks` holds `(check, value, verdict)` where verdict is "pass" or "skip"; `outcome` is what
    the engine does next."""

    host: str
    step: str  # "before soft fencing" or "before power fencing"
    checks: tuple = ()
    outcome: str = ""


def to_jsonl(log: Iterable[Record]) -> str:
    """The log as JSON Lines: stable key order, no whitespace, one record a line."""
    return "".join(json.dumps(r.to_dict(), separators=(",", ":")) + "\n" for r in log)


def from_jsonl(text: str) -> list[Record]:
    """Read a log written by `to_jsonl` back into records."""
    out: list[Record] = []
    for line in text.splitlines():
        if line.strip():
            data = json.loads(line)
            kind = KINDS[data.pop("event")]
            out.append(kind(**data))
    return out
