"""One colour per status, shared by every figure, so a colour means the same thing everywhere.

Host and VM statuses share a name where the engine does (Up, Down); the rest differ on purpose:
orange is Non Operational (the engine still reaches the host, the host cannot serve), red is
Non Responsive (the engine cannot reach it), yellow is a Paused VM, navy a VM the engine has lost
track of (Unknown), magenta a host being power-cycled (Reboot). A required NIC that is down is
near-black, never a status colour.

The colours were chosen so that every two statuses the engine uses stay apart (CIELAB distance
of 20 or more) for normal vision and under simulated deuteranopia, protanopia and tritanopia
(tests/test_palette.py checks it): a student who tells colours apart poorly still reads the lanes.
"""

from __future__ import annotations

STATUS_COLORS: dict[str, str] = {
    "Up": "#279452",
    "NonOperational": "#ee7100",
    "NonResponsive": "#d3142c",
    "Connecting": "#ffab9b",
    "Initializing": "#32bfff",
    "Reboot": "#a759b3",
    "Kdumping": "#770066",
    "Down": "#8a8a8a",
    "Unassigned": "#fffff2",
    "PreparingForMaintenance": "#83adc6",
    "Maintenance": "#b1d361",
    "Paused": "#f0df06",
    "MigratingFrom": "#1e5bd6",
    "MigratingTo": "#90caf9",
    "Unknown": "#1a1a8c",
    "WaitForLaunch": "#b6e9ff",
}
OTHER_STATUS = "#cfd8dc"  # a status the palette does not know yet still gets drawn and named
SPM_COLOR = "#37474f"
NO_SPM_COLOR = "#ffcdd2"
NIC_DOWN_COLOR = "#212121"  # a required NIC down: a strip under the lane, a dashed link
FAULT_COLOR = "#b71c1c"
ADMIN_COLOR = "#1565c0"  # an admin action: the engine was asked, nothing broke
REFUSED_COLOR = "#78909c"  # an admin action the engine refused (nothing changed)
NOW_COLOR = "#000000"
MIGRATION_EDGE = "#0d47a1"
WAITING_VEIL = "#ffffff"  # laid over a VM's status while its migration waits for a slot: the status, paled
WAITING_VEIL_OPACITY = 0.65
FENCE_SELF_COLOR = "#6a1b9a"  # sanlock kills VDSM on the host itself
FENCE_SOFT_COLOR = "#0d47a1"  # VDSM restarted over SSH
FENCE_POWER_COLOR = "#000000"  # the fence agent cut the power (also: fencing skipped)
HA_RESTART_COLOR = "#1b5e20"
HA_FAILED_COLOR = "#c62828"
LINK_COLOR = "#607d8b"
GRACE_COLOR = "#212121"  # the bracket of a grace the engine waits out


def status_color(status: str) -> str:
    return STATUS_COLORS.get(status, OTHER_STATUS)


def blend(color: str, over: str, opacity: float) -> str:
    """`over` laid at `opacity` on `color` (both #rrggbb): the colour a student sees."""
    a = [int(color[i:i + 2], 16) for i in (1, 3, 5)]
    b = [int(over[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * opacity):02x}" for x, y in zip(a, b, strict=True))


def waiting_tint(status: str = "MigratingFrom") -> str:
    """A VM's status colour under the veil of a migration waiting for its slot."""
    return blend(status_color(status), WAITING_VEIL, WAITING_VEIL_OPACITY)


def text_color(background: str) -> str:
    """Black or white, whichever reads better on `background` (a #rrggbb colour)."""
    r, g, b = (int(background[i:i + 2], 16) for i in (1, 3, 5))
    return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 150 else "white"
