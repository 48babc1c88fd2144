"""Rules of the real system that the engine follows and the invariants and analysis check.

Pure functions of the scenario's data, written once: the engine imports them to act, the
checks import them to judge, and neither needs the other's state.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from hacourse.model import Host, Vm
from hacourse.status import HostStatus

VM_BOOT_S = 10.0  # WaitForLaunch to Up after a (re)start; an assumption, not an oVirt constant


def eio_after_s(config: Mapping[str, Any]) -> float:
    """How long writes hang on a lost iSCSI path before they fail (EIO): NOP-out detection
    (interval + timeout), the session's replacement_timeout, then multipath queueing
    (reference §4.1)."""
    return (config["node.conn[0].timeo.noop_out_interval"] + config["node.conn[0].timeo.noop_out_timeout"]
            + config["node.session.timeo.replacement_timeout"] + config["no_path_retry_queue_s"])


def resume_behavior(vm: Vm, config: Mapping[str, Any]) -> str:
    """What VDSM does with the VM once paused on EIO: its own setting, else kill for an HA VM with a
    lease (forced, `VmHandler.autoSelectResumeBehavior`), else the profile's default (reference §4.2)."""
    if vm.resume_behavior:
        return vm.resume_behavior
    return "kill" if vm.ha and vm.lease else str(config["default_resume_behavior"])


def outgoing_slots(config: Mapping[str, Any], host: Host) -> int:
    """VDSM's concurrent outgoing migrations: `min(max_outgoing_migrations, cores)`, at least one
    (reference §5.1)."""
    return max(1, min(int(config["max_outgoing_migrations"]), host.cpu_cores))


def incoming_slots(config: Mapping[str, Any]) -> int | None:
    """VDSM's concurrent incoming migrations (None: no limit, as in 3.x; reference §5.1)."""
    limit = config["max_incoming_migrations"]
    return int(limit) if limit else None


CONNECTIVITY_PROBLEMS = frozenset({HostStatus.CONNECTING, HostStatus.NON_RESPONSIVE})


def broken_connectivity(statuses: Collection[str]) -> tuple[int, float]:
    """How many hosts have connectivity problems (Connecting or NonResponsive), and their share
    in % of all hosts: what skip_if_connectivity_broken compares with its threshold
    (`isConnectivityBrokenThresholdReached`, reference §3.1)."""
    broken = sum(s in CONNECTIVITY_PROBLEMS for s in statuses)
    return broken, 100 * broken / len(statuses)
