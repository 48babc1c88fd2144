"""The timings and rules shared by the engine and the checks, against the reference's numbers."""

import pytest

from hacourse import rules, sanlock
from hacourse.model import Vm
from hacourse.profiles import PROFILES, config_of


def test_sanlock_timings_at_the_default_io_timeout_are_the_reference_seconds():
    config = config_of("rhev-3.3")  # io_timeout 10 s (reference §2.3)
    assert (sanlock.renewal_s(config), sanlock.renewal_fail_s(config), sanlock.host_dead_s(config)) == (20, 80, 140)
    assert sanlock.live_at_least_s(config) == 60 and sanlock.dead_no_sooner_than_s(config) == 120


def test_a_host_is_dead_the_watchdog_timeout_after_renewals_failed_whatever_the_io_timeout():
    config = config_of("rhev-3.3", {"io_timeout": 5})  # calc_host_dead_seconds: 8 x io_timeout + watchdog_fire_timeout (60 s)
    assert sanlock.renewal_fail_s(config) == 40 and sanlock.host_dead_s(config) == 100


def test_writes_fail_after_detection_replacement_timeout_and_multipath_queueing():
    assert rules.eio_after_s(config_of("rhev-3.3")) == 5 + 5 + 120 + 0
    assert rules.eio_after_s(config_of("ovirt-4.5")) == 5 + 5 + 120 + 80


def test_an_ha_vm_with_a_lease_is_forced_to_kill_whatever_the_profile_default():
    config = config_of("ovirt-4.5")
    assert rules.resume_behavior(Vm("a", "h", 1, ha=True, lease=True), config) == "kill"
    assert rules.resume_behavior(Vm("b", "h", 1), config) == "auto_resume"
    assert rules.resume_behavior(Vm("c", "h", 1, resume_behavior="leave_paused"), config) == "leave_paused"


def test_the_engine_config_is_typed_and_a_misspelt_key_fails_at_once():
    config = config_of("ovirt-4.5", {"NicDHCPDelayGraceInMS": 90})
    assert config.NicDHCPDelayGraceInMS == 90 and config.migration_timeout is None  # 4.5 has no migration_timeout
    with pytest.raises(AttributeError):
        config.NicDHCPDelayGraceInMs  # noqa: B018
    with pytest.raises(KeyError, match=r"unknown engine-config key 'migration_timeout' for profile ovirt-4\.5"):
        config_of("ovirt-4.5", {"migration_timeout": 60})
    with pytest.raises(AttributeError):
        config.io_timeout = 5  # type: ignore[misc]


def test_every_profile_key_is_one_field_and_reads_back_by_its_real_name():
    for profile, defaults in PROFILES.items():
        assert config_of(profile).by_key() == dict(defaults)
    assert config_of("rhev-3.3").node_session_timeo_replacement_timeout == PROFILES["rhev-3.3"][
        "node.session.timeo.replacement_timeout"]
