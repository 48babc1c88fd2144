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


@dataclass(frozen=True)
class Record:
    t: float  # seconds of simulated time

    event: ClassVar[str] = "Record"

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        cls.event = cls.__name__
        KINDS[cls.__name__] = cls

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
    host: str
    nic: str
    network: str


@dataclass(frozen=True)
class NicUp(Record):
    host: str
    nic: str
    network: str


@dataclass(frozen=True)
class HostPoweredOff(Record):
    host: str
    reason: str


@dataclass(frozen=True)
class HostPoweredOn(Record):
    host: str
    reason: str


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
