"""sanlock's timings, from its `io_timeout` ([SL] src/timeouts.h and timeouts.c, reference §2.3).

The engine's SPM lease, the fencing policy's "storage lease is live" test, VM leases and the
invariants that judge them all read these, so a host's lease lives and dies by one rule.
"""

from __future__ import annotations

from hacourse.profiles import EngineConfig

RENEWAL = 2  # id_renewal_seconds = delta_renew_max = 2 x io_timeout; [SL] src/timeouts.h
RENEWAL_FAIL = 8  # id_renewal_fail_seconds = 8 x io_timeout: sanlock kills the lease holders; [SL] src/timeouts.h
WATCHDOG_FIRE_TIMEOUT_S = 60  # watchdog_fire_timeout, the same on every host; [SL] src/timeouts.h


def _io(config: EngineConfig) -> float:
    return config.io_timeout


def renewal_s(config: EngineConfig) -> float:
    """How often sanlock renews a host's lease."""
    return RENEWAL * _io(config)


def renewal_fail_s(config: EngineConfig) -> float:
    """After this long without a renewal sanlock gives up: it kills the processes holding leases
    (VDSM on the SPM), and the proxy's VDSM no longer calls the lease live (HOST_STATUS_LIVE)."""
    return RENEWAL_FAIL * _io(config)


def host_dead_s(config: EngineConfig) -> float:
    """After this long without a renewal another host may acquire the dead host's leases:
    `id_renewal_fail_seconds + watchdog_fire_timeout` ([SL] timeouts.c calc_host_dead_seconds),
    140 s at the default io_timeout of 10 s, when the watchdog has surely reset a host that could
    not stop its lease holders."""
    return renewal_fail_s(config) + WATCHDOG_FIRE_TIMEOUT_S


def live_at_least_s(config: EngineConfig) -> float:
    """Counted from when renewals stopped, the lease is surely still live this long: the last
    renewal was at most one renewal period before (`renewal_fail_s - renewal_s`)."""
    return renewal_fail_s(config) - renewal_s(config)


def dead_no_sooner_than_s(config: EngineConfig) -> float:
    """Counted from when renewals stopped, the lease cannot be dead sooner than this
    (`host_dead_s - renewal_s`)."""
    return host_dead_s(config) - renewal_s(config)
