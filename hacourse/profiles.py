"""Engine profiles: the defaults of one engine era, keyed as the real config keys.

A profile is data, not code: each key is declared once, in `EngineConfig`, with its type, its
unit and its default in each era (`era(rhev-3.3's, ovirt_45=...)`), and one source. The engine
reads the frozen `EngineConfig` that `config_of` builds (`config.NicDHCPDelayGraceInMS`): a
misspelt key is an AttributeError, never a silent default. `PROFILES` is the same data by the
real keys, for the loader, the schema and the docs, so a scenario's `engine_config:` overrides a
single key by its real name.

To add a key: one line in `EngineConfig` (the loader, schema, docs and `PROFILES` follow).
Sources are abbreviated as in shared/reference/ovirt-behaviour.md: [CFG] is ovirt-engine's
0000_config.sql, [V] vdsm's config.py.in, [SL] sanlock's timeouts.h.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

DEFAULT_PROFILE = "rhev-3.3"
ERA_VERSION = {"rhev-3.3": (3, 3), "ovirt-4.5": (4, 5)}
"""The oVirt version of each profile: what its engine had."""
SCENARIO_KEYS_SINCE: dict[str, tuple[tuple[int, int], str]] = {
    "vms[].lease": ((4, 1), "VM storage leases came with oVirt 4.1"),
    "vms[].resume_behavior": ((4, 2), "a VM's resume behaviour after an I/O-error pause came with oVirt 4.2"),
    "hosts[].kdump_detection": ((3, 5), "kdump detection before a power fence came with oVirt 3.5"),
    # [E3.3.0] has no FencingPolicy and no cluster column for it: fencing is always on, with no skip;
    # [E3.5.0] FencingPolicy.java, dbscripts upgrade 03_05_0850 (skip if the storage lease is live),
    # 03_05_0900 (skip if connectivity is broken, with its threshold), 03_05_0910 (fencing enabled)
    "cluster.fencing_policy": ((3, 5), ("the cluster fencing policy (enable fencing, skip if the storage lease is "
                                        "live, skip if connectivity is broken) came with oVirt 3.5; a 3.3 engine "
                                        "always fences")),
}
"""Scenario keys of features an older engine did not have: refused under its profile, so a 3.3 run
never applies a 4.x setting ([E3.3.0] has no VM leases, no resume behaviour, no kdump detection, no
cluster fencing policy). `tests/test_profiles.py` walks every scenario key against this table."""


class _Absent:
    """An era that has no such key: the field is None there, and `engine_config:` refuses it."""

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Any = _Absent()
_SAME: Any = object()


def era(rhev_33: object = ABSENT, ovirt_45: object = _SAME, *, key: str | None = None) -> Any:
    """One key's defaults: rhev-3.3's, and ovirt-4.5's when it differs (`ABSENT`: not in that era).
    `key` is the real name when it is no Python name (`node.session.timeo.replacement_timeout`)."""
    defaults = {"rhev-3.3": rhev_33, "ovirt-4.5": rhev_33 if ovirt_45 is _SAME else ovirt_45}
    return dataclasses.field(metadata={"defaults": defaults, "key": key})


@dataclass(frozen=True, slots=True)
class EngineConfig:
    """The effective engine configuration of a run: one field per real config key, its unit in its
    comment (seconds unless said). A key its era does not have is None."""

    profile: str
    # --- engine host monitoring (VdsManager / HostMonitoring) ---
    VdsRefreshRate: int = era(3)  # s between host polls; [CFG] updated 2 -> 3 in 3.3
    NumberVmRefreshesBeforeSave: int = era(5)  # polls per statistics refresh (15 s); [CFG]
    NicDHCPDelayGraceInMS: int = era(60)  # seconds despite the name; [CFG], HostMonitoring.checkVdsInterfaces
    MaxStorageVdsTimeoutCheckSec: int = era(30)  # s; lastCheck older than this = domain problematic; [CFG]
    StorageDomainFailureTimeoutInMinutes: int = era(5)  # min; spelled StorageDomainFalureTimeoutInMinutes in 3.x; [CFG]
    VDSAttemptsToResetCount: int = era(2)  # failed polls tolerated before the time grace counts; [CFG]
    TimeoutToResetVdsInSeconds: int = era(60)  # s, base of the grace before NonResponsive; [CFG]
    DelayResetForSpmInSeconds: int = era(20)  # s extra grace for the SPM; [CFG]
    DelayResetPerVmInSeconds: float = era(0.5)  # s extra grace per running VM; [CFG]
    AutoRecoverySchedule: int = era(300)  # cron 0 0/5 * * * ? as a period in s; AutoRecoveryManager
    StoragePoolRefreshTimeInSeconds: int = era(10)  # s, SpmStatus poll; [CFG]
    # --- VDSM (host agent) ---
    sd_health_check_delay: int = era(10)  # s, domain monitor period; [V] monitor.py
    max_outgoing_migrations: int = era(3, ovirt_45=2)  # source semaphore, min(3, cores); [V4.13] config.py.in;
    # 4.5: Minimal downtime policy maxMigrations; [CFG] MigrationPolicies
    max_incoming_migrations: int | None = era(ovirt_45=2)  # no incoming limit in 3.x (absent); [V4.16] clientIF.py;
    # 4.5: the engine sends maxMigrations as incomingLimit too; [E] MigrateVmCommand
    migration_max_bandwidth: int = era(32, ovirt_45=62)  # MiB/s per migration; [V4.13] config.py.in;
    # 4.5 AUTO: 1000 Mbps / 8 / 2; [E] MigrateVmCommand.getMaxBandwidth
    migration_downtime: int = era(500)  # ms, end of the downtime ramp; [V4.13] config.py.in
    migration_downtime_steps: int = era(10, ovirt_45=5)  # steps of the ramp; [V4.13] config.py.in; [V4.50]
    # common/config.py.in (used by 4.x only without the engine's schedule: migration_convergence legacy_ramp)
    migration_convergence: str = era("legacy_ramp", ovirt_45="minimal_downtime")  # 3.3: VDSM's time-based
    # downtime ramp, [V4.13] vm.py; 4.5: the engine's per-iteration stalling schedule, [E] ConvergenceSchedule
    # (legacy_ramp under 4.5: VDSM 4.50's own fallback schedule, per iteration, [V4.50] migration.py)
    migration_initial_downtime: int = era(30, ovirt_45=100)  # ms before the first ramp step: old QEMU
    # max_downtime; [Q] migration.c; 4.5: Minimal downtime policy; [CFG] MigrationPolicies
    migration_timeout: int | None = era(300, ovirt_45=ABSENT)  # s without progress -> abort, no overall limit;
    # [V4.13] vm.py MigrationMonitorThread, config.py.in. VDSM 4.16-4.30 had migration_progress_timeout,
    # migration_max_time_per_gib_mem and migration_downtime_delay instead; 4.40+ has none of them (vdsm
    # d8ff8959d): a 4.5 migration is aborted only by its convergence schedule (engine/migration.py)
    vm_kill_paused_timeout: int | None = era(ovirt_45=80)  # s, 8 x sanlock io_timeout, for resume_behavior kill
    # (4.2+, so absent in 3.3); [V] virt/utils.py
    # --- sanlock (SPM lease) ---
    io_timeout: int = era(10)  # s; [V] config [sanlock] io_timeout; renewal fails at 8x, host dead at 8x + 60 s; [SL]
    # --- iSCSI / multipath on the host (not set by VDSM; open-iscsi defaults of the era) ---
    node_session_timeo_replacement_timeout: int = era(  # s I/O is held after the session fails; open-iscsi
        120, key="node.session.timeo.replacement_timeout")
    node_conn0_timeo_noop_out_interval: int = era(  # s; open-iscsi 5 + 5 since 2007, every era (etc/iscsid.conf)
        5, key="node.conn[0].timeo.noop_out_interval")
    node_conn0_timeo_noop_out_timeout: int = era(5, key="node.conn[0].timeo.noop_out_timeout")  # s; iscsi_settings.h
    no_path_retry_queue_s: int = era(0, ovirt_45=80)  # s; multipath 'no_path_retry fail' in 3.x; [V4.16]
    # multipath.py; 4.5: no_path_retry 16 x polling_interval 5; [V] mpathconf.py
    # --- fencing ---
    HostStorageLeaseAliveCheckingInterval: int | None = era(ovirt_45=90)  # s; only with skip_if_sd_active, so
    # 3.5+ as the policy is; [CFG] (first in [E3.5.0] 0000_config.sql)
    vdsm_restart_s: int = era(10)  # s to restart VDSM (3.3: respawn --minlifetime 10; 4.x systemd Restart=always):
    # an assumption
    ssh_connect_timeout_s: int = era(10)  # s until SSH soft fencing gives up on a silent host: an assumption
    kdump_s: int = era(180)  # s the crash kernel takes to write the memory and reboot: an ASSUMPTION
    # (makedumpfile's filtered dump of a 32-64 GiB host takes minutes; it grows with the memory in use)
    host_boot_s: int = era(120)  # s power on -> VDSM answers: an ASSUMPTION, short on purpose; servers take 3-10 min
    # (a 3.3.1 host took ~10 min after a power loss); docs/fidelity.md section 9
    # --- HA restart: 3.3 runs RunVm at once from the fence flow and the VM-down event, one try, no
    # runner (rules.ha_runner_interval_s); the runner and its retries are 4.x keys (below) ---
    vm_leases: bool | None = era(ovirt_45=True)  # VM storage leases arrived in 4.1 (a 3.3 scenario may not ask
    # for one, SCENARIO_KEYS_SINCE); 4.5: VdsManager.restartVmsWithLeaseIfNeeded
    NumberVdsRefreshesBeforeTryToStartUnknownVms: int | None = era(ovirt_45=10)  # polls; [CFG], used with VM leases
    NumberVdsRefreshesBeforeRetryToStartUnknownVms: int | None = era(ovirt_45=100)  # polls (+1); [CFG]
    # --- behaviour switches that differ between eras (data, not branches) ---
    migrate_paused_vms: str = era("none", ovirt_45="not_eio")  # 3.2-3.4 reject any Paused VM
    # (MIGRATE_PAUSED_VM_IS_UNSUPPORTED); 3.5+ reject only EIO-paused VMs; VmValidator.canMigrate
    migrate_multiple_vms_all_or_nothing: bool | None = era(ovirt_45=True)  # MigrateMultipleVmsCommand.validate, 4.4+
    eio_fails_migration: bool = era(False, ovirt_45=True)  # 3.3: a writer whose I/O fails migrates paused, continued
    # on the destination (GUIDE); 4.5: VDSM refuses an EIO-paused VM, QEMU's failed final flush fails it;
    # vdsm 9101fa94e, 85ac19fab
    default_resume_behavior: str | None = era(ovirt_45="auto_resume")  # 4.2+; before, every VM behaved as
    # AUTO_RESUME (rules.resume_behavior); 4.5: VmBase default, HA VMs with a lease are forced to kill
    force_select_spm: bool | None = era(ovirt_45=True)  # the admin's 'Select as SPM' (ForceSelectSPMCommand) came
    # with oVirt 3.5: refused at run time under 3.3; [E] SpmStopOnIrs, the chosen host tried first
    ssh_soft_fence_checks_power: bool | None = era(ovirt_45=True)  # 4.x SshSoftFencingCommand asks the fence
    # agent first and does not soft-fence a host it reports off; [E4.4.0+] pm/SshSoftFencingCommand
    # (isHostPoweredOff); [E3.3.0] SshSoftFencingCommand has no such check
    unfenced_spm_pool_not_operational: bool | None = era(True, ovirt_45=ABSENT)  # 3.3: a treatment that cannot
    # fence the SPM (no power management, no proxy) sets its data center NotOperational; [E3.3.0]
    # VdsNotRespondingTreatmentCommand.HandleError. Since 3.6 only within DisableFenceAtStartupInSec, which
    # the model never is; [E3.6.0] and [E4.5.6] pm/VdsNotRespondingTreatmentCommand.executeCommand
    # --- maintenance ---
    HostPreparingForMaintenanceIdleTime: int | None = era(ovirt_45=300)  # s a host may prepare idle before another
    # try; [CFG]; 3.4+ (f902c115394, BZ 966503): a 3.3 host stays PreparingForMaintenance until the admin acts
    # --- oVirt 4.x only ---
    ServerRebootTimeout: int | None = era(ovirt_45=600)  # s Reboot after a PM start, the host unmonitored;
    # [E4.5.6] VdsCommand.sleepOnReboot (no probe meanwhile: there is no ServerRebootSleepTime in any tag)
    AutoStartVmsRunnerIntervalInSeconds: int | None = era(ovirt_45=1)  # s; [CFG]; HaAutoStartVmsRunner
    RetryToRunAutoStartVmShortIntervalInSeconds: int | None = era(ovirt_45=30)  # s; [CFG]
    NumOfTriesToRunFailedAutoStartVmInShortIntervals: int | None = era(ovirt_45=10)  # tries; [CFG]
    RetryToRunAutoStartVmLongIntervalInSeconds: int | None = era(ovirt_45=1800)  # s; [CFG], 4.4+
    MaxTimeAutoStartBlockedOnPriority: int | None = era(ovirt_45=600)  # s; HaAutoStartVmsRunner, 4.4+
    # --- kdump detection before a power fence (3.5+; [E4.5.6] VdsKdumpDetectionCommand, fence_kdump listener) ---
    FenceKdumpMessageInterval: int | None = era(ovirt_45=5)  # s between fence_kdump messages and the engine's
    # reads of the listener's session; [CFG]
    KdumpStartedTimeout: int | None = era(ovirt_45=30)  # s to wait for a first message before power fencing; [CFG]
    KDUMP_FINISHED_TIMEOUT: int | None = era(ovirt_45=30)  # s after the last message the listener marks the dump
    # finished; ovirt-fence-kdump-listener.conf.in

    def by_key(self) -> dict[str, object]:
        """The profile's keys by their real names and their values here: for a reader that takes a
        key from its user (a sweep's `--set KEY=...`, an exercise's settings)."""
        return {config_key(f): getattr(self, f.name) for f in _KEYS if f.name in _ERA_KEYS[self.profile]}


_KEYS = tuple(f for f in dataclasses.fields(EngineConfig) if f.name != "profile")


def config_key(f: dataclasses.Field) -> str:
    """A field's real config key."""
    return f.metadata["key"] or f.name


_ERA_KEYS = {
    profile: {f.name for f in _KEYS if f.metadata["defaults"][profile] is not ABSENT}
    for profile in ("rhev-3.3", "ovirt-4.5")
}
_FIELD_OF = {config_key(f): f.name for f in _KEYS}

PROFILES: Mapping[str, Mapping[str, float | int | bool | None | str]] = MappingProxyType({
    profile: MappingProxyType({config_key(f): f.metadata["defaults"][profile] for f in _KEYS
                               if f.name in names})
    for profile, names in _ERA_KEYS.items()
})


def config_of(profile: str, overrides: Mapping[str, object] | None = None) -> EngineConfig:
    """The effective configuration: the profile's defaults with the overrides (by real key) on top.
    A key the profile does not have is refused at once (the loader says so earlier, with a line)."""
    values: dict[str, object] = {f.name: None for f in _KEYS}
    values.update({_FIELD_OF[key]: value for key, value in PROFILES[profile].items()})
    for key, value in (overrides or {}).items():
        if key not in PROFILES[profile]:
            raise KeyError(f"unknown engine-config key {key!r} for profile {profile}")
        values[_FIELD_OF[key]] = value
    # the values are checked against each key's kind by the loader (scenario/engine_config.py), not here
    return EngineConfig(profile, **values)  # type: ignore[arg-type]
