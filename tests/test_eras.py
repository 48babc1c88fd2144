"""Issue 19, correction 6: a key offered under a profile exists in that profile's era.

Every scenario key and every engine_config key is listed below with the oVirt version that brought
it and, where it is gone, the version that dropped it, and the source at the tag that says so. The
test walks both tables against what the loader offers: a key a profile offers must exist in its
era, a key an era did not have must be refused (profiles.SCENARIO_KEYS_SINCE for scenario keys,
`era(...)` ABSENT for engine keys), and a key missing from the tables fails until someone looks
it up. Versions are oVirt's; VDSM's map 4.13 -> 3.3, 4.14 -> 3.4, 4.16 -> 3.5, 4.17 -> 3.6,
4.18 -> 4.0, 4.19 -> 4.1, 4.20 -> 4.2, 4.30 -> 4.3, 4.40 -> 4.4, 4.50 -> 4.5.

[E3.3.0] is ovirt-engine at tag ovirt-engine-3.3.0 (packaging/dbscripts/upgrade/pre_upgrade/
0000_config.sql for engine keys), [V4.13] vdsm at v4.13.0 (vdsm/config.py.in), [V4.50] vdsm at
v4.50.7 (lib/vdsm/common/config.py.in).
"""

from __future__ import annotations

import pytest

from hacourse.profiles import ERA_VERSION, PROFILES, SCENARIO_KEYS_SINCE
from hacourse.scenario.definition import SCENARIO
from hacourse.scenario.fields import ListOf, Nullable, Record

Version = tuple[int, int]
EVERY_ERA: Version = (3, 3)  # as old as the oldest profile
MODEL = "model"  # a parameter the model needs that is no product's setting (an assumption or an era's switch)

# key -> (since, until or None, source); `until` is the first version without it
ENGINE_KEYS: dict[str, tuple[Version | str, Version | None, str]] = {
    # --- ovirt-engine ---
    "VdsRefreshRate": (EVERY_ERA, None, "[E3.3.0] 0000_config.sql"),
    "NumberVmRefreshesBeforeSave": (EVERY_ERA, None, "[E3.3.0] 0000_config.sql"),
    "NicDHCPDelayGraceInMS": (EVERY_ERA, None, "[E3.3.0] 0000_config.sql"),
    "MaxStorageVdsTimeoutCheckSec": (EVERY_ERA, None, "[E3.3.0] 0000_config.sql"),
    "StorageDomainFailureTimeoutInMinutes": (EVERY_ERA, None, ("[E3.3.0] 0000_config.sql, spelled "
                                              "StorageDomainFalureTimeoutInMinutes there; both in [E3.5.0]")),
    "VDSAttemptsToResetCount": (EVERY_ERA, None, "[E3.3.0] 0000_config.sql"),
    "TimeoutToResetVdsInSeconds": (EVERY_ERA, None, "[E3.3.0] 0000_config.sql"),
    "DelayResetForSpmInSeconds": (EVERY_ERA, None, "[E3.3.0] 0000_config.sql"),
    "DelayResetPerVmInSeconds": (EVERY_ERA, None, "[E3.3.0] 0000_config.sql"),
    "AutoRecoverySchedule": (EVERY_ERA, None, "[E3.3.0] 0000_config.sql"),
    "StoragePoolRefreshTimeInSeconds": (EVERY_ERA, None, "[E3.3.0] 0000_config.sql"),
    "ServerRebootTimeout": (EVERY_ERA, None, ("[E3.3.0] 0000_config.sql (offered under 4.5 only: 3.3's StartVds "
                             "does not keep the host Reboot)")),
    "HostPreparingForMaintenanceIdleTime": ((3, 4), None, ("[E3.4.0] 0000_config.sql, commit f902c115394 "
                                             "(BZ 966503); not in [E3.3.0]")),
    "HostStorageLeaseAliveCheckingInterval": ((3, 5), None, "[E3.5.0] 0000_config.sql; not in [E3.3.0]"),
    "FenceKdumpMessageInterval": ((3, 5), None, "[E3.5.0] 0000_config.sql"),
    "KdumpStartedTimeout": ((3, 5), None, "[E3.5.0] 0000_config.sql"),
    "KDUMP_FINISHED_TIMEOUT": ((3, 5), None, "ovirt-fence-kdump-listener.conf.in, [E3.5.0]"),
    "NumberVdsRefreshesBeforeTryToStartUnknownVms": ((4, 1), None, "[E4.1.0] 0000_config.sql (VM leases)"),
    "NumberVdsRefreshesBeforeRetryToStartUnknownVms": ((4, 1), None, "[E4.1.0] 0000_config.sql"),
    "AutoStartVmsRunnerIntervalInSeconds": ((3, 4), None, "[E3.4.0] 0000_config.sql"),
    "RetryToRunAutoStartVmShortIntervalInSeconds": ((4, 4), None, "[E4.4.0] 0000_config.sql"),
    "NumOfTriesToRunFailedAutoStartVmInShortIntervals": ((4, 4), None, "[E4.4.0] 0000_config.sql"),
    "RetryToRunAutoStartVmLongIntervalInSeconds": ((4, 4), None, "[E4.4.0] 0000_config.sql"),
    "MaxTimeAutoStartBlockedOnPriority": ((4, 4), None, "[E4.4.0] 0000_config.sql"),
    "ServerRebootSleepTime": ("nowhere", None, ("in no ovirt-engine tag's ConfigValues: [E4.5.6] "
                               "VdsCommand.sleepOnReboot sleeps ServerRebootTimeout, and a Reboot host is not "
                               "monitored (VDSStatus.isEligibleForHostMonitoring)")),
    # --- VDSM ---
    "sd_health_check_delay": (EVERY_ERA, None, "[V4.13] config.py.in; [V4.50]"),
    "max_outgoing_migrations": (EVERY_ERA, None, "[V4.13] config.py.in; [V4.50]"),
    "max_incoming_migrations": ((4, 0), None, "[V4.18] lib/vdsm/config.py.in; [V4.50]"),
    "migration_max_bandwidth": (EVERY_ERA, None, "[V4.13] config.py.in; [V4.50]"),
    "migration_downtime": (EVERY_ERA, None, "[V4.13] config.py.in; [V4.50]"),
    "migration_downtime_steps": (EVERY_ERA, None, "[V4.13] config.py.in; [V4.50]"),
    "migration_timeout": (EVERY_ERA, (3, 5), "[V4.13] config.py.in; replaced in [V4.16]"),
    "migration_downtime_delay": ((3, 5), (4, 4), ("[V4.16] config.py.in; removed with the legacy migrations, "
                                  "vdsm d8ff8959d (2019), none in [V4.50]")),
    "migration_progress_timeout": ((3, 5), (4, 4), ("[V4.16] config.py.in; removed by vdsm d8ff8959d, none in "
                                    "[V4.50]")),
    "migration_max_time_per_gib_mem": ((3, 5), (4, 4), ("[V4.16] config.py.in; removed by vdsm d8ff8959d, none "
                                        "in [V4.50]")),
    "vm_kill_paused_timeout": ((4, 2), None, ("[V4.50] lib/vdsm/virt/utils.py vm_kill_paused_timeout() "
                                "(8 x sanlock io_timeout), with resume behaviour kill")),
    # --- sanlock, open-iscsi: the host's own daemons, settable in every era ---
    "io_timeout": (EVERY_ERA, None, ("sanlock timeouts.h DEFAULT_IO_TIMEOUT (daemon -o); [V4.50] [sanlock] "
                    "io_timeout")),
    "node.session.timeo.replacement_timeout": (EVERY_ERA, None, "open-iscsi etc/iscsid.conf"),
    "node.conn[0].timeo.noop_out_interval": (EVERY_ERA, None, "open-iscsi etc/iscsid.conf"),
    "node.conn[0].timeo.noop_out_timeout": (EVERY_ERA, None, "open-iscsi etc/iscsid.conf"),
    # --- features as switches: a switch is offered from the version of its feature ---
    "vm_leases": ((4, 1), None, "VM leases: [E4.1.0] VmLease"),
    "default_resume_behavior": ((4, 2), None, "VmResumeBehavior, oVirt 4.2"),
    "force_select_spm": ((3, 5), None, "ForceSelectSPMCommand, [E3.5.0]"),
    "ssh_soft_fence_checks_power": ((4, 4), None, "[E4.4.0] SshSoftFencingCommand.isHostPoweredOff"),
    "unfenced_spm_pool_not_operational": (EVERY_ERA, (3, 6), ("[E3.3.0] VdsNotRespondingTreatmentCommand.HandleError; "
                                          "[E3.6.0] pm/VdsNotRespondingTreatmentCommand.executeCommand: "
                                          "only at the engine's start or in the quiet time")),
    "migrate_multiple_vms_all_or_nothing": ((4, 4), None, "[E4.4.0] MigrateMultipleVmsCommand.validate"),
    # --- the model's parameters and the eras' behaviour switches (docs/fidelity.md, section 9) ---
    "no_path_retry_queue_s": (MODEL, None, "multipath no_path_retry x polling_interval, in seconds"),
    "vdsm_restart_s": (MODEL, None, "an assumption"),
    "ssh_connect_timeout_s": (MODEL, None, "an assumption"),
    "kdump_s": (MODEL, None, "an assumption"),
    "host_boot_s": (MODEL, None, "an assumption"),
    "migration_convergence": (MODEL, None, "VDSM's downtime ramp (3.x) or the engine's schedule (4.x)"),
    "migration_initial_downtime": (MODEL, None, "QEMU's max_downtime before the first step"),
    "migrate_paused_vms": (MODEL, None, "VmValidator.canMigrate of each era"),
    "eio_fails_migration": (MODEL, None, "VDSM and QEMU of each era"),
}

# keys the model still offers where the era had none: each is a known defect, named here so that
# the test fails both when a new one appears and when one is fixed (then delete its line)
OPEN: dict[tuple[str, str], str] = {
}


NOT_MODELLED: dict[str, dict[str, str]] = {
    "rhev-3.3": {"ServerRebootTimeout": "3.3's StartVds does not keep the host in Reboot (rules.py)"},
}
"""Keys an era had that its profile does not offer, and why."""


def exists(key: str, version: Version) -> bool:
    since, until, _ = ENGINE_KEYS[key]
    if since == MODEL:
        return True
    if not isinstance(since, tuple):
        return False
    return since <= version and (until is None or version < until)


def test_every_engine_key_is_looked_up():
    offered = {key for keys in PROFILES.values() for key in keys}
    assert offered - set(ENGINE_KEYS) == set(), "look these keys up and add them to ENGINE_KEYS"


def test_each_profile_offers_the_engine_keys_its_era_had_and_no_other():
    offered_without = sorted((p, k) for p, keys in PROFILES.items() for k in keys if not exists(k, ERA_VERSION[p]))
    assert offered_without == sorted(OPEN), (
        "offered where the era had no such key (refuse it: era(...) ABSENT), or fixed (drop it from OPEN)")
    for profile, version in ERA_VERSION.items():
        missing = [k for k, (since, _, _) in ENGINE_KEYS.items()
                   if since != MODEL and exists(k, version) and k not in PROFILES[profile]
                   and k not in NOT_MODELLED.get(profile, {})]
        assert missing == [], f"{profile}'s era had these keys; offer them or say why not in NOT_MODELLED"


# scenario keys: a path as SCENARIO_KEYS_SINCE writes it -> (since, source); every other key of the
# format is the course's (names, times, faults, expectations) or a fact of every era, listed in EVERY
SCENARIO_KEYS: dict[str, tuple[Version, str]] = {
    "vms[].lease": ((4, 1), "[E4.1.0] VmLease; none in [E3.3.0]"),
    "vms[].resume_behavior": ((4, 2), "VmResumeBehavior, oVirt 4.2; none in [E3.3.0]"),
    "hosts[].kdump_detection": ((3, 5), "[E3.5.0] VdsKdumpDetectionCommand; none in [E3.3.0]"),
    "cluster.fencing_policy": ((3, 5), ("[E3.5.0] FencingPolicy.java, dbscripts upgrade 03_05_0850, 0900, 0910; "
                                "none in [E3.3.0]")),
}
EVERY: dict[str, str] = {
    "name": "the course's", "description": "the course's", "seed": "the course's", "duration": "the course's",
    "engine_profile": "the course's", "engine_config": "walked key by key above",
    "faults": "the course's (admin actions an era lacks are refused at run time: select_spm)",
    "failure_rates": "the course's",
    "operator": "the course's", "lesson": "the course's", "expect": "the course's", "spm": "[E3.3.0] spm_vds_id",
    "networks[].name": "every era", "networks[].role": ("[E3.3.0] network_cluster: management, migration "
     "(03_03_0010_add_migration_to_network_cluster.sql), VM networks; storage is a non-VM network"),
    "networks[].required": "[E3.3.0] network_cluster.required (VdsUpdateRunTimeInfo)",
    "storage_domains[].name": "every era", "storage_domains[].type": "iSCSI, every era",
    "storage_domains[].network": "every era", "hosts[].name": "every era", "hosts[].memory_gb": "every era",
    "hosts[].nics": "every era", "hosts[].spm_priority": "[E3.3.0] 03_01_0110_add_vds_spm_priority_col.sql",
    "hosts[].power_management": "[E3.3.0] vds_static pm_enabled", "hosts[].cpu_cores": "the hardware",
    "vms[].name": "every era", "vms[].host": "every era", "vms[].memory_gb": "every era",
    "vms[].ha": "[E3.3.0] vm_static.auto_startup", "vms[].priority": "[E3.3.0] vm_static.priority",
    "vms[].writes": "the guest", "vms[].dirty_rate_mib_s": "the guest",
    "cluster.name": "every era", "cluster.resilience_policy": "[E3.3.0] vds_groups.migrate_on_error",
}


def scenario_keys() -> set[str]:
    """Every key of the format as a path: top-level keys, and the fields of the cluster and of each
    item of networks, storage domains, hosts and VMs (faults and expectations are the course's)."""
    out = set()
    for name, field in SCENARIO.fields.items():
        out.add(name)
        kind = field.kind.kind if isinstance(field.kind, Nullable) else field.kind
        if name in ("faults", "failure_rates", "expect", "lesson", "operator"):
            continue
        if isinstance(kind, ListOf) and isinstance(kind.item, Record):
            out |= {f"{name}[].{sub}" for sub in kind.item.fields}
            out.discard(name)
        elif isinstance(kind, Record):
            out |= {f"{name}.{sub}" for sub in kind.fields}
            out.discard(name)
    return out


def test_every_scenario_key_is_looked_up():
    keys = scenario_keys()
    assert keys - set(SCENARIO_KEYS) - set(EVERY) == set(), "look these keys up: SCENARIO_KEYS or EVERY"
    assert set(SCENARIO_KEYS) & set(EVERY) == set()


def test_the_loader_refuses_exactly_the_scenario_keys_an_era_did_not_have():
    assert {key: since for key, (since, _) in SCENARIO_KEYS.items()} == \
        {key: since for key, (since, _) in SCENARIO_KEYS_SINCE.items()}


@pytest.mark.parametrize("key", sorted(SCENARIO_KEYS_SINCE))
def test_each_refused_scenario_key_names_the_version_that_brought_it(key):
    (major, minor), what = SCENARIO_KEYS_SINCE[key]
    assert f"oVirt {major}.{minor}" in what
