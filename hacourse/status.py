"""The engine's status names, as ovirt-engine spells them.

Each stateful entity keeps one of these and changes it only through its own
`set_status`, which checks the move against a table and appends the record.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar


class HostStatus(StrEnum):
    """A subset of `VDSStatus` ([E] common/businessentities/VDSStatus.java)."""

    UP = "Up"
    CONNECTING = "Connecting"
    NON_RESPONSIVE = "NonResponsive"
    NON_OPERATIONAL = "NonOperational"
    INITIALIZING = "Initializing"
    REBOOT = "Reboot"
    DOWN = "Down"
    PREPARING_FOR_MAINTENANCE = "PreparingForMaintenance"  # the admin's maintenance: VMs leaving
    MAINTENANCE = "Maintenance"  # no VMs, not monitored for failures, no SPM, no scheduling
    UNASSIGNED = "Unassigned"  # ActivateVds: until the next poll initializes the host
    KDUMPING = "Kdumping"  # 3.5+: fence_kdump messages show the host dumping its memory (VdsKdumpDetection)


class VmStatus(StrEnum):
    """A subset of `VMStatus` as the engine shows it."""

    UP = "Up"
    PAUSED = "Paused"
    MIGRATING_FROM = "MigratingFrom"
    UNKNOWN = "Unknown"
    DOWN = "Down"
    WAIT_FOR_LAUNCH = "WaitForLaunch"

K = TypeVar("K", bound=StrEnum)


class Reason(StrEnum):
    """The status reasons that code branches on; every other reason is free text for the reader.

    A record's `reason` is compared with these members (never searched for words), so rewording
    one changes it here, for the engine that writes it and the checks that read it alike.
    """

    INITIAL = "initial state"  # the records that set the state at t=0 (see `events.is_initial`)
    PAUSED_EIO = "paused on I/O error (EIO): storage unreachable"  # VDSM's event, heard at once
    PAUSED_EIO_REPORTED = "VDSM reports the VM paused on I/O error (EIO)"  # learnt when contact returns


EIO_PAUSES = frozenset({Reason.PAUSED_EIO, Reason.PAUSED_EIO_REPORTED})
"""The reasons of a move to Paused because writes failed (audit VM_PAUSED_EIO)."""


class PauseCode(StrEnum):
    """Why VDSM says a VM is paused (`onIOError`'s pause code; the model has only EIO)."""

    EIO = "EIO"


class FenceMethod(StrEnum):
    """How a host was fenced (FenceAttempted.method, HostFenced.method)."""

    SSH_SOFT = "ssh-soft-fencing"  # SshSoftFencingCommand: VDSM restarted over SSH
    POWER_MANAGEMENT = "power-management"  # RestartVds through a proxy's fence agent
    MANUAL = "manual"  # FenceVdsManualy: the admin confirmed 'Host has been Rebooted'
    SELF = "self"  # sanlock killed VDSM on the SPM when its lease renewal failed
    KDUMP = "kdump"  # VdsKdumpDetection: fence_kdump messages show the host dumping; FenceVdsManualy runs


PROVES_DOWN = frozenset({FenceMethod.POWER_MANAGEMENT, FenceMethod.MANUAL, FenceMethod.KDUMP})
"""The fences after which the engine takes the host's VMs as down (and frees its SPM role)."""


class RestartResult(StrEnum):
    """The kind of an HA restart attempt's result (`HaRestartAttempted.outcome`); the wording after
    the kind ("; retry in 30 s") is detail for the reader."""

    STARTED = "started"
    NO_ROOM = "no host with enough free memory"
    LEASE_HELD = "VM lease still held by"


class SkipCause(StrEnum):
    """Why the non-responding treatment did not fence (`FencingSkipped.cause`); detail may follow."""

    DISABLED = "fencing is disabled in the cluster's fencing policy"
    CONNECTIVITY_BROKEN = "skip_if_connectivity_broken"
    SD_ACTIVE = "skip_if_sd_active"
    NO_POWER_MANAGEMENT = "no power management"
    NO_PROXY = "no Up host can act as fence proxy"


def kind_of(text: str, kinds: type[K]) -> K | None:
    """The member of `kinds` that `text` was written from (`f"{kind}; detail"`), None for free text.

    The one place a written result is read back, against the members that wrote it."""
    return next((k for k in kinds if text.startswith(k)), None)
