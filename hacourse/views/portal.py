"""The Administration Portal's Hosts and Virtual Machines tabs, read off the log at one moment.

The guide's admin watches two tabs beside the Events tab: Hosts (each host's status, which one
is the SPM, how many VMs it runs) and Virtual Machines (each VM's status, its host, a migration
in progress). Clicking a host in the tree pane narrows the Virtual Machines tab to that host's
VMs: "click Pacific to watch its VMs leave". Rows are data (`hosts_tab`, `vms_tab`); the HTML
functions draw them, with `data-` attributes a browser test reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from hacourse import events as ev
from hacourse import rules
from hacourse.analysis import intervals
from hacourse.model import Scenario, priority_label

_TABLE = "border-collapse:collapse;font-size:12px;font-family:sans-serif;width:100%;"
_CELL = "padding:2px 8px;border-bottom:1px solid #eceff1;text-align:left;vertical-align:top;"
_STATUS_COLOR = {"Up": "#2e7d32", "NonOperational": "#ef6c00", "NonResponsive": "#c62828",
                 "Connecting": "#ef6c00", "Paused": "#ef6c00", "Down": "#c62828", "Unknown": "#c62828",
                 "MigratingFrom": "#1565c0", "Maintenance": "#455a64", "PreparingForMaintenance": "#1565c0"}


@dataclass(frozen=True)
class HostRow:
    name: str
    status: str
    spm: bool
    vms: int  # VMs whose process the engine shows on this host
    nics_down: tuple[str, ...]  # "p1p1 (storage)"
    memory_gb: float


@dataclass(frozen=True)
class VmRow:
    name: str
    status: str
    host: str
    migration: str  # "" or "to atlantic: 45 %" / "to atlantic: waiting for a slot"
    ha: bool
    priority: str


def hosts_tab(log: Sequence[ev.Record], scenario: Scenario, t: float) -> list[HostRow]:
    """The Hosts tab at `t`, in the scenario's order."""
    hosts = intervals.host_intervals(log, scenario, until=t)
    vms = vm_hosts(log, scenario, t)
    spm = intervals.spm_holder(log, t, scenario)
    down = [n for n in intervals.nic_down_intervals(log, t) if n.end >= t]
    rows = []
    for h in scenario.hosts:
        spans = hosts.get(h.name)
        status = spans[-1].status if spans else "Up"
        rows.append(HostRow(h.name, status, h.name == spm, sum(1 for host in vms.values() if host == h.name),
                            tuple(f"{n.nic} ({n.network})" for n in down if n.host == h.name), h.memory_gb))
    return rows


def vm_hosts(log: Sequence[ev.Record], scenario: Scenario, t: float) -> dict[str, str]:
    """`{vm: host}` for each VM the engine shows running (not Down) at `t`."""
    out = {}
    for vm, spans in intervals.vm_intervals(log, scenario, until=t).items():
        if spans and spans[-1].status != "Down":
            out[vm] = spans[-1].host
    return out


def vms_tab(log: Sequence[ev.Record], scenario: Scenario, t: float, host: str | None = None) -> list[VmRow]:
    """The Virtual Machines tab at `t` (only `host`'s VMs when a host is selected in the tree)."""
    spans = intervals.vm_intervals(log, scenario, until=t)
    moving = {m.vm: m for m in intervals.migration_spans(log, t) if m.outcome == intervals.MigrationOutcome.RUNNING}
    bandwidth = {r.vm: r.bandwidth_mib_s for r in log if isinstance(r, ev.MigrationTransferStarted) and r.t <= t}
    rows = []
    for vm in scenario.vms:
        now = spans.get(vm.name, [])[-1:] or None
        status, where = (now[0].status, now[0].host) if now else ("Up", vm.host)
        if host is not None and (where != host or status == "Down"):
            continue
        migration = ""
        if vm.name in moving:
            m = moving[vm.name]
            if m.transfer_start is None:
                migration = f"to {m.destination}: waiting for a slot"
            else:
                copied = max(0.0, t - m.transfer_start - rules.MIGRATION_SETUP_S) * bandwidth.get(vm.name, 0.0)
                migration = f"to {m.destination}: {min(99, int(100 * copied / (vm.memory_gb * 1024)))} %"
        rows.append(VmRow(vm.name, status, where if status != "Down" else "", migration, vm.ha,
                          priority_label(vm.priority)))
    return rows


def _status(status: str) -> str:
    color = _STATUS_COLOR.get(status, "#455a64")
    return f'<span style="color:{color};font-weight:bold">{escape(status)}</span>'


def _table(kind: str, heads: Sequence[str], rows: Sequence[str], empty: str) -> str:
    head = "".join(f'<th style="{_CELL}">{escape(h)}</th>' for h in heads)
    body = "".join(rows) or f'<tr><td style="{_CELL}" colspan="{len(heads)}"><i>{escape(empty)}</i></td></tr>'
    return (f'<div class="hacourse-portal-{kind}"><table style="{_TABLE}"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table></div>")


def hosts_tab_html(rows: Sequence[HostRow]) -> str:
    out = []
    for r in rows:
        cells = [f"<b>{escape(r.name)}</b>", _status(r.status), "SPM" if r.spm else "Normal", str(r.vms),
                 escape(", ".join(r.nics_down)) or "–", f"{r.memory_gb:g} GiB"]
        tds = "".join(f'<td style="{_CELL}">{c}</td>' for c in cells)
        out.append(f'<tr class="hacourse-host" data-host="{escape(r.name)}" data-status="{escape(r.status)}"'
                   f' data-spm="{"yes" if r.spm else "no"}" data-vms="{r.vms}">{tds}</tr>')
    return _table("hosts", ("Name", "Status", "SPM", "Virtual Machines", "NICs down", "Memory"), out, "No hosts.")


def vms_tab_html(rows: Sequence[VmRow], host: str | None = None) -> str:
    out = []
    for r in rows:
        cells = [f"<b>{escape(r.name)}</b>", _status(r.status), escape(r.host) or "–", escape(r.migration) or "–",
                 "yes" if r.ha else "no", escape(r.priority)]
        tds = "".join(f'<td style="{_CELL}">{c}</td>' for c in cells)
        out.append(f'<tr class="hacourse-vm" data-vm="{escape(r.name)}" data-status="{escape(r.status)}"'
                   f' data-host="{escape(r.host)}">{tds}</tr>')
    title = f"<div><i>Virtual machines on {escape(host)}</i></div>" if host else ""
    empty = f"No virtual machines run on {host}." if host else "No virtual machines."
    return title + _table("vms", ("Name", "Status", "Host", "Migration", "HA", "Priority"), out, empty)
