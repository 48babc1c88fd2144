"""One colour per status, shared by every figure, so a colour means the same thing everywhere.

Host and VM statuses share a name where the engine does (Up, Down); the rest differ on purpose:
orange is Non Operational (the engine still reaches the host, the host cannot serve), red is
Non Responsive (the engine cannot reach it), yellow is a Paused VM.
"""

from __future__ import annotations

STATUS_COLORS: dict[str, str] = {
    "Up": "#2e9d48",
    "NonOperational": "#ef6c00",
    "NonResponsive": "#c62828",
    "Connecting": "#a1887f",
    "Initializing": "#80cbc4",
    "Reboot": "#8e24aa",
    "Down": "#9e9e9e",
    "Maintenance": "#b0bec5",
    "Paused": "#fbc02d",
    "MigratingFrom": "#1e88e5",
    "MigratingTo": "#64b5f6",
    "Unknown": "#5e35b1",
    "WaitForLaunch": "#a5d6a7",
}
OTHER_STATUS = "#cfd8dc"  # a status the palette does not know yet still gets drawn and named
SPM_COLOR = "#37474f"
NO_SPM_COLOR = "#ffcdd2"
NIC_DOWN_COLOR = "#b71c1c"
FAULT_COLOR = "#b71c1c"
NOW_COLOR = "#000000"
MIGRATION_EDGE = "#0d47a1"
FENCE_SELF_COLOR = "#6a1b9a"  # sanlock kills VDSM on the host itself
FENCE_SOFT_COLOR = "#0d47a1"  # VDSM restarted over SSH
FENCE_POWER_COLOR = "#000000"  # the fence agent cut the power (also: fencing skipped)
HA_RESTART_COLOR = "#1b5e20"
HA_FAILED_COLOR = "#c62828"
LINK_COLOR = "#607d8b"


def status_color(status: str) -> str:
    return STATUS_COLORS.get(status, OTHER_STATUS)


def text_color(background: str) -> str:
    """Black or white, whichever reads better on `background` (a #rrggbb colour)."""
    r, g, b = (int(background[i:i + 2], 16) for i in (1, 3, 5))
    return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 150 else "white"
