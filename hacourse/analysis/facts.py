"""A run in a few numbers, to set runs of one scenario side by side (lesson 3, the sweep)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from hacourse import events as ev
from hacourse.analysis.audit import clock
from hacourse.analysis.availability import availability
from hacourse.analysis.episodes import fence_episode, pauses, vm_recovery
from hacourse.analysis.intervals import MigrationOutcome, final_vm_status, migration_spans
from hacourse.model import Scenario
from hacourse.status import HostStatus, VmStatus


def _most_at_once(spans: Sequence[tuple[float, float]]) -> int:
    return max((sum(1 for s, e in spans if s <= t < e) for t, _ in spans), default=0)


def _span_text(values: Sequence[float]) -> str | None:
    if not values:
        return None
    low, high = min(values), max(values)
    return f"{low:g}" if low == high else f"{low:g}–{high:g}"


def _last_of_all(times: Sequence[float | None]) -> float | None:
    """The last of `times`; None when there are none or one of them never came (None)."""
    came = [t for t in times if t is not None]
    return max(came) if came and len(came) == len(times) else None


def run_facts(log: Sequence[ev.Record], scenario: Scenario) -> dict[str, object]:
    """A run in a few numbers, to set runs of one scenario side by side; None where a fact does not apply."""
    moves = migration_spans(log)
    paused = {p.vm for p in pauses(log, scenario)}
    lost = next((r for r in log if isinstance(r, ev.StorageConnectionLost)), None)
    blocked = any(isinstance(r, ev.VmIoBlocked) for r in log)  # writes hung: the storage facts apply
    last_move = max((m.end for m in moves if m.outcome == MigrationOutcome.FINISHED), default=None)
    gone = next((r for r in log if isinstance(r, ev.HostStatusChanged) and r.new == HostStatus.NON_RESPONSIVE), None)
    treated = fence_episode(log, gone.host) if gone else None
    back = [v.up for v in vm_recovery(log, scenario, gone.host) if v.ha] if gone else []
    all_back = _last_of_all(back)
    return {
        "I/O to a lost storage path fails after (s)": lost.eio_after_s if lost and blocked else None,
        "migrations copying at once (most)": _most_at_once(
            [(m.transfer_start, m.end) for m in moves if m.transfer_start is not None]) or None,
        "MiB/s per migration": _span_text([r.bandwidth_mib_s for r in log if isinstance(r, ev.MigrationTransferStarted)]),
        "switch-over downtime of VMs that never paused (ms)": _span_text(
            [m.downtime_ms for m in moves
             if m.outcome == MigrationOutcome.FINISHED and m.vm not in paused and m.downtime_ms is not None]),
        "VMs paused on EIO": len(paused) if blocked else None,
        "migrations refused or failed": sum(m.refused_or_failed for m in moves) if moves else None,
        "last migration ended at": clock(last_move) if last_move is not None else None,
        "host Non Responsive at": clock(gone.t) if gone else None,
        "fence confirmed the host off at": clock(treated.fenced) if treated and treated.fenced else None,
        "HA VMs all running again at": clock(all_back) if all_back is not None else None,
        "VMs Down at the end": sum(status == VmStatus.DOWN for status in final_vm_status(log, scenario).values()),
    }


def compare_runs(runs: Mapping[str, tuple[Sequence[ev.Record], Scenario]]) -> list[dict[str, object]]:
    """`run_facts` of several runs as one table: a row per fact, a column per run; facts no run has are left out."""
    facts = {name: run_facts(log, scenario) for name, (log, scenario) in runs.items()}
    keys = next(iter(facts.values()), {})
    return [{"": key, **{name: f[key] for name, f in facts.items()}} for key in keys
            if any(f[key] is not None for f in facts.values())]



def ha_vms_at_end(log: Sequence[ev.Record], scenario: Scenario) -> dict[str, int]:
    """The HA VMs at the end of a run, as the engine shows them and as their guests are
    (`analysis.availability`): a VM on a host the engine cannot hear is Unknown to it, yet with only
    the management network down its guest runs on there."""
    guests = availability(log, scenario)
    ha = [vm.name for vm in scenario.vms if vm.ha]
    final = final_vm_status(log, scenario)
    return {
        "HA VMs": len(ha),
        "Up as the engine shows them": sum(final[vm] == VmStatus.UP for vm in ha),
        "Unknown to the engine": sum(final[vm] == VmStatus.UNKNOWN for vm in ha),
        "Down as the engine shows them": sum(final[vm] == VmStatus.DOWN for vm in ha),
        "whose guest still runs": sum(guests[vm].runs_at_end for vm in ha),
    }
