"""Engine profiles: the defaults of one engine era, keyed as the real config keys.

A profile is data, not code: the engine reads every timer and limit from the mapping that
`resolve_config` returns, so a scenario's `engine_config:` can override any single key.
Sources are abbreviated as in shared/reference/ovirt-behaviour.md: [CFG] is ovirt-engine's
0000_config.sql, [V] vdsm's config.py.in, [SL] sanlock's timeouts.h.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

RHEV_33: dict[str, float | int | bool | None] = {
    # --- engine host monitoring (VdsManager / HostMonitoring) ---
    "VdsRefreshRate": 3,  # s between host polls; [CFG] updated 2 -> 3 in 3.3
    "NumberVmRefreshesBeforeSave": 5,  # polls per statistics refresh (15 s); [CFG]
    "NicDHCPDelayGraceInMS": 60,  # seconds despite the name; [CFG], HostMonitoring.checkVdsInterfaces
    "MaxStorageVdsTimeoutCheckSec": 30,  # lastCheck older than this = domain problematic; [CFG]
    "StorageDomainFailureTimeoutInMinutes": 5,  # spelled StorageDomainFalureTimeoutInMinutes in 3.x; [CFG]
    "VDSAttemptsToResetCount": 2,  # failed polls tolerated before the time grace counts; [CFG]
    "TimeoutToResetVdsInSeconds": 60,  # base of the grace before NonResponsive; [CFG]
    "DelayResetForSpmInSeconds": 20,  # extra grace for the SPM; [CFG]
    "DelayResetPerVmInSeconds": 0.5,  # extra grace per running VM; [CFG]
    "AutoRecoverySchedule": 300,  # cron 0 0/5 * * * ? as a period in s; AutoRecoveryManager
    "StoragePoolRefreshTimeInSeconds": 10,  # SpmStatus poll; [CFG]
    # --- VDSM (host agent) ---
    "sd_health_check_delay": 10,  # domain monitor period, s; [V] monitor.py
    "max_outgoing_migrations": 3,  # source semaphore, min(3, cores); [V4.13] config.py.in
    "max_incoming_migrations": None,  # no incoming limit in 3.x; [V4.16] clientIF.py
    "migration_max_bandwidth": 32,  # MiB/s per migration; [V4.13] config.py.in
    "migration_downtime": 500,  # ms, end of the downtime ramp; [V4.13] config.py.in
    "migration_downtime_steps": 10,  # steps of the ramp; [V4.13] config.py.in
    "migration_downtime_delay": 75,  # s per GiB (min 2 GiB) for the whole ramp; [V4.16] config.py.in
    "migration_convergence": "legacy_ramp",  # VDSM's time-based downtime ramp; [V4.16] migration.py
    "migration_initial_downtime": 30,  # ms before the first ramp step: old QEMU max_downtime; [Q] migration.c
    "migration_timeout": 300,  # s without progress -> abort, no overall limit; [V4.13] vm.py MigrationMonitorThread, config.py.in
    "vm_kill_paused_timeout": 80,  # s, 8 x sanlock io_timeout, for resume_behavior kill; [V] virt/utils.py
    # --- sanlock (SPM lease) ---
    "io_timeout": 10,  # s; [V] config [sanlock] io_timeout; renewal fails at 8x, host dead at 8x + 60 s; [SL]
    # --- iSCSI / multipath on the host (not set by VDSM; open-iscsi defaults of the era) ---
    "node.session.timeo.replacement_timeout": 120,  # s I/O is held after the session fails; open-iscsi
    "node.conn[0].timeo.noop_out_interval": 5,  # s; open-iscsi 5 + 5 since 2007, every era (etc/iscsid.conf)
    "node.conn[0].timeo.noop_out_timeout": 5,  # s; open-iscsi iscsi_settings.h
    "no_path_retry_queue_s": 0,  # multipath 'no_path_retry fail' in 3.x; [V4.16] multipath.py
    # --- fencing ---
    "HostStorageLeaseAliveCheckingInterval": 90,  # s; only with skip_if_sd_active; [CFG]
    "vdsm_restart_s": 10,  # s to restart VDSM (3.3: respawn --minlifetime 10; 4.x systemd Restart=always): an assumption
    "ssh_connect_timeout_s": 10,  # s until SSH soft fencing gives up on a silent host: an assumption
    "host_boot_s": 120,  # s power on -> VDSM answers: an ASSUMPTION (a 3.3.1 host took ~10 min after a power loss)
    # --- HA restart: 3.3 runs RunVm at once from the fence flow and the VM-down event, one try, no
    # runner (rules.ha_runner_interval_s); the runner and its retries are 4.x keys ---
    "vm_leases": False,  # VM storage leases arrived in 4.1; a lease: true VM is an ordinary HA VM here
    "NumberVdsRefreshesBeforeTryToStartUnknownVms": 10,  # polls; [CFG], used with VM leases
    "NumberVdsRefreshesBeforeRetryToStartUnknownVms": 100,  # polls (+1); [CFG]
    # --- behaviour switches that differ between eras (data, not branches) ---
    "migrate_paused_vms": "none",  # 3.2-3.4 reject any Paused VM (MIGRATE_PAUSED_VM_IS_UNSUPPORTED)
    "migrate_multiple_vms_all_or_nothing": False,  # 4.4+ MigrateMultipleVms validation
    "eio_fails_migration": False,  # 3.3: a writer whose I/O fails migrates paused, continued on the destination (GUIDE)
    "default_resume_behavior": "auto_resume",  # before 4.2 every VM behaved as AUTO_RESUME
    "force_select_spm": False,  # the admin's 'Select as SPM' (ForceSelectSPMCommand) came with oVirt 3.5
    # --- maintenance ---
    "HostPreparingForMaintenanceIdleTime": 300,  # s a host may prepare idle before another try; [CFG]
}

OVIRT_45: dict[str, float | int | bool | None] = {
    **{k: v for k, v in RHEV_33.items() if k != "migration_timeout"},  # VDSM 4.16 replaced it:
    "migration_progress_timeout": 150,  # s without progress -> abort; [V4.16] config.py.in
    "migration_max_time_per_gib_mem": 64,  # s per GiB -> abort; [V4.16] config.py.in
    "max_outgoing_migrations": 2,  # Minimal downtime policy maxMigrations; [CFG] MigrationPolicies
    "max_incoming_migrations": 2,  # engine sends maxMigrations as incomingLimit too; [E] MigrateVmCommand
    "migration_max_bandwidth": 62,  # AUTO: 1000 Mbps / 8 / 2; [E] MigrateVmCommand.getMaxBandwidth
    "migration_convergence": "minimal_downtime",  # per-iteration stalling schedule; [E] ConvergenceSchedule
    "migration_initial_downtime": 100,  # ms, Minimal downtime policy; [CFG] MigrationPolicies
    "no_path_retry_queue_s": 80,  # no_path_retry 16 x polling_interval 5; [V] mpathconf.py
    "ServerRebootTimeout": 600,  # s Reboot after a PM start, VDSM probed meanwhile; [E] VdsCommand.sleepOnReboot
    "ServerRebootSleepTime": 30,  # s between those probes; [CFG]
    "AutoStartVmsRunnerIntervalInSeconds": 1,  # [CFG]; HaAutoStartVmsRunner
    "RetryToRunAutoStartVmShortIntervalInSeconds": 30,  # [CFG]
    "NumOfTriesToRunFailedAutoStartVmInShortIntervals": 10,  # [CFG]
    "RetryToRunAutoStartVmLongIntervalInSeconds": 1800,  # [CFG], 4.4+
    "MaxTimeAutoStartBlockedOnPriority": 600,  # s; HaAutoStartVmsRunner, 4.4+
    "vm_leases": True,  # VdsManager.restartVmsWithLeaseIfNeeded, 4.1+
    "migrate_paused_vms": "not_eio",  # 3.5+ reject only EIO-paused VMs; VmValidator.canMigrate
    "migrate_multiple_vms_all_or_nothing": True,  # MigrateMultipleVmsCommand.validate, 4.4+
    "eio_fails_migration": True,  # VDSM refuses an EIO-paused VM, QEMU's failed final flush fails it; vdsm 9101fa94e, 85ac19fab
    "default_resume_behavior": "auto_resume",  # VmBase default; HA VMs with a lease are forced to kill
    "force_select_spm": True,  # [E] ForceSelectSPMCommand: SpmStopOnIrs, the chosen host tried first
}

PROFILES: Mapping[str, Mapping[str, float | int | bool | None | str]] = MappingProxyType(
    {"rhev-3.3": MappingProxyType(RHEV_33), "ovirt-4.5": MappingProxyType(OVIRT_45)}
)
DEFAULT_PROFILE = "rhev-3.3"


def resolve_config(profile: str, overrides: Mapping[str, object] | None = None) -> dict[str, object]:
    """The effective configuration: the profile's defaults with the scenario's overrides on top."""
    config = dict(PROFILES[profile])
    config.update(overrides or {})
    return config
