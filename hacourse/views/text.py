"""The timeline as text: what each lane says at one moment, for screen readers and browser tests.

The timeline figure is a picture; a student who cannot see it, and a test that drives the lesson
in a browser, read this instead. It is the same log read at time `t`: one line per host (its
status and since when, a NIC that is down, the last fence or skipped fence), the SPM holder, one
line per VM (its status, where it runs and since when, the hosts it ran on, a running migration,
its last HA restart). Each line is an `<li class="hacourse-lane">` whose `data-lane` is the lane's
key in the figure (`host:pacific`, `vm:db1`, `spm`), with `data-status` and `data-host` for
what a test asserts; the block is `<div class="hacourse-timeline-text">`.

Big clusters list the hosts and VMs that changed first, at most `MAX_LINES` of each, and count
the rest, as the figure does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

from hacourse import events as ev
from hacourse.analysis import audit, intervals
from hacourse.model import Scenario
from hacourse.status import Reason, RestartResult

MAX_LINES = 30
_STYLE = "font-family:sans-serif;font-size:12px;line-height:1.35;margin:2px 0 6px 0;"
_LIST = "margin:2px 0;padding-left:18px;"


def _line(lane: str, html: str, **data: str) -> str:
    attrs = "".join(f' data-{key}="{escape(value)}"' for key, value in data.items())
    return f'<li class="hacourse-lane" data-lane="{escape(lane)}"{attrs}>{html}</li>'


def _capped(lines: list[tuple[bool, str]], what: str) -> list[str]:
    """Changed lines first (in lane order), at most MAX_LINES; the rest counted in one line."""
    if len(lines) <= MAX_LINES:
        return [text for _, text in lines]
    changed = [text for moved, text in lines if moved]
    shown = changed[:MAX_LINES]
    rest = len(lines) - len(shown)
    calm = "unchanged" if len(changed) <= MAX_LINES else "more"
    return [*shown, f'<li class="hacourse-lane-rest">+{rest} {calm} {what}</li>']


def _since(spans: Sequence, key: Callable) -> float:
    """When the last run of spans alike in `key` began (a new reason for the same status is no change)."""
    i = len(spans) - 1
    while i > 0 and key(spans[i - 1]) == key(spans[-1]):
        i -= 1
    return spans[i].start


def _host_events(log: Sequence[ev.Record], t: float) -> dict[str, str]:
    """The last fence or skipped fence of each host up to `t`, in words."""
    last: dict[str, str] = {}
    for r in log:
        if r.t > t:
            break
        if isinstance(r, ev.HostFenced):
            last[r.host] = f"fenced ({escape(r.method)}) at {audit.clock(r.t)}"
        elif isinstance(r, ev.FencingSkipped):
            last[r.host] = f"fencing skipped at {audit.clock(r.t)}: {escape(r.reason)}"
    return last


def _vm_events(log: Sequence[ev.Record], t: float) -> dict[str, str]:
    """The last HA restart attempt of each VM up to `t`, in words."""
    last: dict[str, str] = {}
    for r in log:
        if r.t > t:
            break
        if isinstance(r, ev.HaRestartAttempted):
            last[r.vm] = (f"HA restart on {escape(r.host)} at {audit.clock(r.t)}" if r.outcome == RestartResult.STARTED
                          else f"HA restart failed at {audit.clock(r.t)}: {escape(r.result)}")
    return last


def timeline_text_html(log: Sequence[ev.Record], scenario: Scenario | None = None, t: float | None = None) -> str:
    """The timeline's lanes at time `t` (default: the end of the log) as an HTML block (see the module docstring)."""
    t = intervals.end_of(log) if t is None else t
    hosts = intervals.host_intervals(log, scenario, until=t)
    vms = intervals.vm_intervals(log, scenario, until=t)
    nics_down = [n for n in intervals.nic_down_intervals(log, t) if n.end >= t]
    moving = {m.vm: m for m in intervals.migration_spans(log, t) if m.outcome == intervals.MigrationOutcome.RUNNING}
    host_events, vm_events = _host_events(log, t), _vm_events(log, t)
    spm = intervals.spm_holder(log, t, scenario)
    spm_since = max((s.start for s in intervals.spm_intervals(log, scenario, t) if s.host == spm), default=None)

    host_lines = []
    for host, spans in hosts.items():
        if not spans:
            continue
        now = spans[-1]
        parts = [f"<b>{escape(host)}</b>: {escape(now.status)} since {audit.clock(_since(spans, lambda s: s.status))}"]
        if now.reason != Reason.INITIAL and now.status != "Up":
            parts[0] += f" ({escape(now.reason)})"
        parts += [f"{escape(n.nic)} ({escape(n.network)}) down since {audit.clock(n.start)}"
                  for n in nics_down if n.host == host]
        if host in host_events:
            parts.append(host_events[host])
        if host == spm:
            parts.append("SPM")
        changed = len(spans) > 1 or now.status != "Up" or host in host_events or host == spm
        host_lines.append((changed, _line(f"host:{host}", " · ".join(parts), status=now.status)))

    vm_lines = []
    for vm, runs in vms.items():
        if not runs:
            continue
        last = runs[-1]
        ran = [s.host for s in runs]
        ran = [h for i, h in enumerate(ran) if i == 0 or ran[i - 1] != h]
        since = _since(runs, lambda s: (s.host, s.status))
        parts = [f"<b>{escape(vm)}</b>: {escape(last.status)} on {escape(last.host)} since {audit.clock(since)}"]
        if len(ran) > 1:
            parts.append("ran on " + " → ".join(escape(h) for h in ran))
        if vm in moving:
            m = moving[vm]
            state = "copying" if m.transfer_start is not None else "waiting for a slot"
            parts.append(f"migrating {escape(m.source)} → {escape(m.destination)} ({state})")
        if vm in vm_events:
            parts.append(vm_events[vm])
        changed = len(runs) > 1 or last.status != "Up" or vm in vm_events
        vm_lines.append((changed, _line(f"vm:{vm}", " · ".join(parts), status=last.status, host=last.host)))

    holder = (f"SPM: {escape(spm)} since {audit.clock(spm_since)}" if spm is not None and spm_since is not None
              else "SPM: none" if spm is None else f"SPM: {escape(spm)}")
    spm_line = _line("spm", holder, host=spm or "")
    return (f'<div class="hacourse-timeline-text" role="region" aria-label="The timeline as text" style="{_STYLE}">'
            f'<div class="hacourse-timeline-text-heading"><b>The timeline as text, at {audit.clock(t)}</b></div>'
            f'<ul class="hacourse-timeline-spm" style="{_LIST}">{spm_line}</ul>'
            f'<div><b>Hosts</b></div><ul class="hacourse-timeline-hosts" style="{_LIST}">'
            f'{"".join(_capped(host_lines, "hosts"))}</ul>'
            f'<div><b>VMs</b></div><ul class="hacourse-timeline-vms" style="{_LIST}">'
            f'{"".join(_capped(vm_lines, "VMs"))}</ul></div>')
