"""Moments a lesson enlarges: a few seconds where much happens, too narrow to read in a window of minutes
(lesson 2's SPM hand-over, `spm_handover`; lesson 3's fence, `fence`).

A finder reads the log up to now and returns the stretch `(start, end)` to enlarge, or None while
the moment has not come. The lesson panel's timeline enlarges that stretch in place
(`Lesson(window=...)`, `svg.render_timeline(magnify=...)`), shaded and ticked finer, so the
student sees the whole run and the moment at once, in one picture.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from hacourse import events as ev
from hacourse.status import FenceMethod, HostStatus, RestartResult, VmStatus

Finder = Callable[[Sequence[ev.Record], float], "tuple[float, float] | None"]

PAD_S = 5.0
SETTLED_S = 20.0  # a status held this long ends the moment
NARROWEST_S = 20.0
RESTARTS_S = 120.0  # HA restarts started this long after a fence are part of its moment (4.x: at the runner's next try)


def _padded(start: float, end: float) -> tuple[float, float]:
    start, end = start - PAD_S, end + PAD_S
    if end - start < NARROWEST_S:
        middle = (start + end) / 2
        start, end = middle - NARROWEST_S / 2, middle + NARROWEST_S / 2
    return max(0.0, start), end


def settled(log: Sequence[ev.Record], host: str, since: float, now: float) -> float | None:
    """When `host` took, after `since`, the first status it then held for `SETTLED_S` (or up to now); the
    status it had at `since` counts (an SPM moved by the admin stays Up)."""
    changes = [since, *(r.t for r in log if isinstance(r, ev.HostStatusChanged) and r.host == host and since < r.t <= now)]
    for t, following in zip(changes, [*changes[1:], None], strict=True):
        if (following if following is not None else now) - t >= SETTLED_S:
            return t
    return None


def spm_handover(log: Sequence[ev.Record], now: float) -> tuple[float, float] | None:
    """Lesson 2's moment: the SPM host's role stops (its sanlock lease expired, or the engine moved it)
    and the host goes through fence, Connecting, Initializing and Up until it settles (Non
    Operational), in some twenty seconds."""
    stop = next((r for r in log if isinstance(r, ev.SpmStopped) and r.t <= now and not ev.is_initial(r)), None)
    if stop is None:
        return None
    end = settled(log, stop.host, stop.t, now)
    return _padded(stop.t, end if end is not None else now)


def fence(log: Sequence[ev.Record], now: float) -> tuple[float, float] | None:
    """Lesson 3's moment: a Non Responsive host fenced by the engine (power management, SSH, a
    confirmed reboot; sanlock's own is `spm_handover`'s), from its turning Non Responsive to its HA
    VMs restarted elsewhere being Up, in some thirty seconds."""
    fenced = next((r for r in log if isinstance(r, ev.HostFenced) and r.t <= now and r.method != FenceMethod.SELF),
                  None)
    if fenced is None:
        return None
    start = max((r.t for r in log if isinstance(r, ev.HostStatusChanged) and r.host == fenced.host
                 and r.new == HostStatus.NON_RESPONSIVE and r.t < fenced.t), default=fenced.t)
    restarted = {r.vm for r in log if isinstance(r, ev.HaRestartAttempted) and fenced.t <= r.t <= min(now, fenced.t + RESTARTS_S)
                 and r.outcome == RestartResult.STARTED}
    up = [next((r.t for r in log if isinstance(r, ev.VmStatusChanged) and r.vm == vm and r.t >= fenced.t
                and r.new == VmStatus.UP and r.t <= now), now) for vm in sorted(restarted)]
    return _padded(start, max([fenced.t, *up]))


def fixed(start: float, end: float) -> Finder:
    """The same stretch always, once the clock has reached its start."""
    def find(log: Sequence[ev.Record], now: float) -> tuple[float, float] | None:
        return (start, end) if now >= start else None
    return find
