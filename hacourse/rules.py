"""Rules of the real system that the engine follows and the invariants and analysis check.

Pure functions of the scenario's data, written once: the engine imports them to act, the
checks import them to judge, and neither needs the other's state.
"""

from __future__ import annotations

from collections.abc import Collection

from hacourse.model import Host, Vm
from hacourse.profiles import EngineConfig
from hacourse.status import HostStatus

VM_BOOT_S = 10.0  # WaitForLaunch to Up after a (re)start; an assumption, not an oVirt constant
MIGRATION_SETUP_S = 2.0  # destination migrationCreate before memory moves; an estimate, reference §5.4 and §8.9
PRE_COPY_ITERATIONS_4X = {"minimal_downtime": 10, "legacy_ramp": 43}
"""The most pre-copy iterations a 4.x migration runs before its convergence schedule aborts it: the
Minimal downtime policy's last step (6) and four more ([CFG] MigrationPolicies, engine/migration.py),
or VDSM 4.50's own schedule when the engine sends none, its last stalling limit 42 and one more
([V4.50] migration.py _legacy_convergence_schedule). VDSM 4.40+ has no timer of its own."""
FENCE_FIRST_STATUS_CHECK_S = 5.0  # SLEEP_BEFORE_FIRST_ATTEMPT 5000 ms; [E3.3.0] FenceVdsBaseCommand.waitForStatus
"""The fence agent's first status check after a stop or start. An agent (IPMI) reports the new
power state at once, so the model's fence is confirmed at that first check; the engine's
further tries (`FenceStop/StartStatusRetries` x `...DelayBetweenRetriesInSec`, 18 x 10 s) only
matter for an agent that fails, which the model does not have."""


def ha_runner_interval_s(config: EngineConfig) -> float | None:
    """The 4.x `HaAutoStartVmsRunner` period. None in 3.3: the fence flow (`RestartVdsVms`) and the
    VM-down event (`runFailedAutoStartVM`) run RunVm at once, and a failed RunVm is not retried
    ([E3.3.1] VdsEventListener, AutoStartVmsRunner)."""
    return config.AutoStartVmsRunnerIntervalInSeconds


def restart_short_tries(config: EngineConfig) -> int:
    """RunVm tries before the long retry interval (3.3: one)."""
    tries = config.NumOfTriesToRunFailedAutoStartVmInShortIntervals
    return 1 if tries is None else int(tries)


def restart_short_retry_s(config: EngineConfig) -> float:
    retry = config.RetryToRunAutoStartVmShortIntervalInSeconds
    return 0 if retry is None else retry


def restart_long_retry_s(config: EngineConfig) -> float | None:
    """The 4.4+ retry period after the short tries (None: give up)."""
    return config.RetryToRunAutoStartVmLongIntervalInSeconds


def restart_priority_block_s(config: EngineConfig) -> float:
    """4.4+: how long a VM may be held back behind higher-priority VMs still in the runner's list,
    launching or waiting for a try (0: no ordering)."""
    return float(config.MaxTimeAutoStartBlockedOnPriority or 0)


def server_reboot_timeout_s(config: EngineConfig) -> float | None:
    """4.x `sleepOnReboot` after a power-management start: the host stays Reboot for `ServerRebootTimeout`,
    unmonitored and its network errors ignored, then NonResponsive until VDSM answers.
    None in 3.3: StartVds sets the host NonResponsive while it boots ([E3.3.0] StartVdsCommand)."""
    return config.ServerRebootTimeout


def kill_paused_timeout_s(config: EngineConfig) -> float:
    """VDSM's `vm_kill_paused_timeout`, for resume_behavior kill (4.2+). Absent in 3.3, which has no
    kill behaviour, so no VM there reaches a reader of it."""
    return float(config.vm_kill_paused_timeout or 0)


def eio_after_s(config: EngineConfig) -> float:
    """How long writes hang on a lost iSCSI path before they fail (EIO): NOP-out detection
    (interval + timeout), the session's replacement_timeout, then multipath queueing
    (reference §4.1)."""
    return (config.node_conn0_timeo_noop_out_interval + config.node_conn0_timeo_noop_out_timeout
            + config.node_session_timeo_replacement_timeout + config.no_path_retry_queue_s)


def resume_behavior(vm: Vm, config: EngineConfig) -> str:
    """What VDSM does with the VM once paused on EIO: its own setting, else kill for an HA VM with a
    lease (forced, `VmHandler.autoSelectResumeBehavior`), else the profile's default (reference §4.2)."""
    if vm.resume_behavior:
        return vm.resume_behavior
    return "kill" if vm.ha and vm.lease else config.default_resume_behavior or "auto_resume"  # 3.3: no setting


def outgoing_slots(config: EngineConfig, host: Host) -> int:
    """VDSM's concurrent outgoing migrations: `min(max_outgoing_migrations, cores)`, at least one
    (reference §5.1)."""
    return max(1, min(int(config.max_outgoing_migrations), host.cpu_cores))


def incoming_slots(config: EngineConfig) -> int | None:
    """VDSM's concurrent incoming migrations (None: no limit, as in 3.x; reference §5.1)."""
    limit = config.max_incoming_migrations
    return int(limit) if limit else None


CONNECTIVITY_PROBLEMS = frozenset({HostStatus.CONNECTING, HostStatus.NON_RESPONSIVE})


def broken_connectivity(statuses: Collection[str]) -> tuple[int, float]:
    """How many hosts have connectivity problems (Connecting or NonResponsive), and their share
    in % of all hosts: what skip_if_connectivity_broken compares with its threshold
    (`isConnectivityBrokenThresholdReached`, reference §3.1)."""
    broken = sum(s in CONNECTIVITY_PROBLEMS for s in statuses)
    return broken, 100 * broken / len(statuses)
