"""The engine's status names, as ovirt-engine spells them.

Each stateful entity keeps one of these and changes it only through its own
`set_status`, which checks the move against a table and appends the record.
"""

from __future__ import annotations

from enum import StrEnum


class HostStatus(StrEnum):
    """A subset of `VDSStatus` ([E] common/businessentities/VDSStatus.java)."""

    UP = "Up"
    CONNECTING = "Connecting"
    NON_RESPONSIVE = "NonResponsive"
    NON_OPERATIONAL = "NonOperational"
    INITIALIZING = "Initializing"
    REBOOT = "Reboot"
    DOWN = "Down"


class VmStatus(StrEnum):
    """A subset of `VMStatus` as the engine shows it."""

    UP = "Up"
    PAUSED = "Paused"
    MIGRATING_FROM = "MigratingFrom"
    UNKNOWN = "Unknown"
    DOWN = "Down"
    WAIT_FOR_LAUNCH = "WaitForLaunch"
