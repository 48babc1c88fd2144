"""What the panel tells the student beside the controls: what is broken now, and what the engine undid.

A toggle that releases itself is a surprise unless someone says why: in lesson 3 the fence
agent power-cycles Pacific, and `ifdown` does not survive a reboot, so `em1` comes back up and
the `ifdown ovirtmgmt` toggle pops out. Both notes are pure functions of the log (a change is
"without a click" when no `FaultInjected` on that host at that instant asked for it), so a
replayed run shows the same notes.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from hacourse import events as ev
from hacourse.analysis import audit

SHOWN = 3
_BOX = "font-family:sans-serif;font-size:13px;line-height:1.4;margin:2px 0;"


def _asked(log: Sequence[ev.Record], until: float) -> set[tuple[float, str]]:
    """(t, host) of every fault or action the student or the scenario injected (ifdown, link_down,
    power_off, ...): what changes on that host at that instant was asked for."""
    return {(r.t, r.host) for r in log if isinstance(r, ev.FaultInjected) and r.host is not None and r.t <= until}


def _why(log: Sequence[ev.Record], host: str, t: float) -> str:
    """The power change on `host` at or just before `t` that explains a NIC coming back, in words."""
    for r in reversed([r for r in log if r.t <= t]):
        if isinstance(r, ev.HostPoweredOn) and r.host == host:
            return f"{host} was powered on again ({r.reason}) and an ifdown does not survive a reboot"
    return "the host came back"


def unasked_changes(log: Sequence[ev.Record], now: float) -> list[tuple[float, str]]:
    """(t, words) of the NIC and power changes up to `now` that no click asked for, newest first."""
    asked = _asked(log, now)
    out = []
    for r in log:
        if r.t > now:
            break
        if isinstance(r, ev.NicUp) and (r.t, r.host) not in asked:
            why = _why(log, r.host, r.t)
            out.append((r.t, (f"{r.nic} ({r.network}) on {r.host} came up without a click: {why}. "
                             "Its toggle released itself.")))
        elif isinstance(r, ev.NicDown) and (r.t, r.host) not in asked:
            out.append((r.t, f"{r.nic} ({r.network}) on {r.host} went down without a click."))
        elif isinstance(r, ev.HostPoweredOff) and (r.t, r.host) not in asked:
            out.append((r.t, f"The engine cut {r.host}'s power ({r.reason}): its power toggle shows it."))
        elif isinstance(r, ev.HostPoweredOn) and (r.t, r.host) not in asked:
            out.append((r.t, f"{r.host}'s power came back on ({r.reason})."))
        elif r.sets is not None and r.about == "host" and (r.t, r.to_dict()["host"]) not in asked:
            out.append((r.t, f"{audit.events_table([r])[0].message} (without a click)"))  # any other fact of a host
    return out[::-1]


def panel_notes_html(log: Sequence[ev.Record], now: float, down: Sequence[str]) -> str:
    """The note under the controls: `down` (the commands in effect now) and the latest changes
    the engine made on its own, as `<div class="hacourse-notes">` with one `<li>` per note."""
    lines = []
    if down:
        lines.append(f'<li class="hacourse-note-state">In effect now: {escape("; ".join(down))}.</li>')
    for t, words in unasked_changes(log, now)[:SHOWN]:
        lines.append(f'<li class="hacourse-note-engine">⚠ at {audit.clock(t)}: {escape(words)}</li>')
    if not lines:
        lines.append('<li class="hacourse-note-state">No toggle is pressed: none of its faults is in effect.</li>')
    return f'<div class="hacourse-notes" style="{_BOX}"><ul style="margin:0;padding-left:18px">{"".join(lines)}</ul></div>'
