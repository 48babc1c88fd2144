"""The data domain: the array, each host's path to it (iSCSI session, VDSM domain monitor), and
the engine's problem timer for it.

Two rules make a host lose its data domain, and the lesson shows both:
- VDSM's domain monitor stops completing checks; the engine, at its statistics refresh, sees
  `lastCheck` older than `MaxStorageVdsTimeoutCheckSec` and starts the per-domain
  `StorageDomainFailureTimeoutInMinutes` timer ([E] IrsProxyImpl).
- the guest's writes hang on the failed iSCSI session for the NOP-out detection plus
  `replacement_timeout` (plus multipath queueing in 4.x), then fail: the VM pauses on EIO.
Simplified: one data domain, which is also the master domain.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hacourse import rules
from hacourse.engine.clock import Epoch, last_tick, next_tick
from hacourse.engine.network import Signal
from hacourse.events import (
    StorageArrayFailed,
    StorageArrayRecovered,
    StorageConnectionLost,
    StorageConnectionRestored,
    StorageDomainReportedProblematic,
    StorageDomainStatusChanged,
    StorageDomainTimerCancelled,
    StorageDomainTimerExpired,
    StorageDomainTimerStarted,
    VmIoBlocked,
)
from hacourse.status import HostStatus

if TYPE_CHECKING:
    from hacourse.engine.host import Host
    from hacourse.engine.lifecycle import HostLifecycle
    from hacourse.engine.network import Nic
    from hacourse.engine.simulation import Simulation
    from hacourse.engine.spm import Spm


class StorageDomain:
    """The data domain (also the master domain): whether the array answers, who reaches it, and
    the engine's problem timer. `available` is the array's own state, a Signal like a NIC's
    carrier; a host reaches the domain while its storage link works and the array answers."""

    def __init__(self, sim: Simulation, name: str) -> None:
        self.sim = sim
        self.name = name
        self.available = Signal(sim.env, True)
        self.status = "Active"  # its status in the data center: Active, Unknown, Inactive
        self.timer = DomainProblemTimer(sim, self)
        self.paths = {name: HostStorage(sim, host, self) for name, host in sim.hosts.items()}

    def path_changed(self, host: Host, nic: Nic | None = None) -> None:
        """Power, a NIC or VDSM changed on `host`: its path to the domain may be lost or back."""
        self.paths[host.name].path_changed()

    def reached_by(self, host: Host) -> bool:
        return self.available.value and host.storage_link_up

    def set_status(self, new: str, reason: str) -> None:
        if new != self.status:
            old, self.status = self.status, new
            self.sim.record(StorageDomainStatusChanged, domain=self.name, old=old, new=new, reason=reason)

    def pool_changed(self, pool: str) -> None:
        """SetStoragePoolStatusCommand: a pool without a working SPM shows its Active domains Unknown;
        a new SPM reports them Active again ([E3.3.0] bll/storage/SetStoragePoolStatusCommand)."""
        if pool == "Up" and self.status != "Active":
            self.set_status("Active", "the SPM reports it active")
        elif pool != "Up" and self.status == "Active":
            self.set_status("Unknown", "the data center has no working SPM")

    def host_sees_it(self, host: str) -> None:
        """A host reports the Inactive domain healthy: the engine moves it back to Active
        ([E3.3.0] IrsBrokerCommand.UpdateVdsDomainsData)."""
        if self.status == "Inactive":
            self.set_status("Active", f"{host} reports it healthy again")

    def set_available(self, available: bool) -> None:
        """The array fails or comes back, for every host at once."""
        if self.available.set(available):
            self.sim.record(StorageArrayRecovered if available else StorageArrayFailed, domain=self.name)
            for host in self.sim.hosts.values():
                host.physically_changed()


class HostStorage:
    """One host's path to the data domain: the iSCSI session and VDSM's domain monitor."""

    def __init__(self, sim: Simulation, host: Host, domain: StorageDomain) -> None:
        self.sim = sim
        self.host = host
        self.domain = domain
        self.connected = True
        self.io_failed = False  # queued I/O has failed: writers pause on EIO
        self.lost_at: float | None = None
        self.io_settled = sim.env.event()  # hanging I/O either failed (EIO) or completed
        self.reported_problematic = False
        self.session = Epoch()  # advanced when the session fails or comes back: older timers are stale

    @property
    def monitor_phase(self) -> float:
        """When VDSM's domain monitor checks, within its period: fixed per host and run."""
        period = int(self.sim.config.sd_health_check_delay)
        return self.sim.phase(f"domain-monitor:{self.host.name}", period)

    @property
    def eio_after_s(self) -> float:
        return rules.eio_after_s(self.sim.config)

    def path_changed(self) -> None:
        if self.connected and not self.host.reaches_storage:
            self.sim.env.process(self._session_lost())
        elif not self.connected and self.host.reaches_storage:
            self._session_restored()

    def _session_lost(self):
        env, sim = self.sim.env, self.sim
        self.connected, self.lost_at = False, env.now
        session = self.session.advance()
        domain = self.domain.name
        sim.record(StorageConnectionLost, host=self.host.name, domain=domain, eio_after_s=self.eio_after_s)
        for vm in sim.vms_on(self.host.name):
            if vm.spec.writes and vm.pause_reason is None and self.host.power.value:
                vm.writes_hang()
                sim.record(VmIoBlocked, vm=vm.name, host=self.host.name)
        sim.env.process(self._report_problem(session))
        yield env.timeout(self.eio_after_s)
        if self.session.current(session):
            self.io_failed = True
            for vm in sim.vms_on(self.host.name):
                if vm.io_blocked:
                    vm.io_error()
            self._settle()

    def _session_restored(self) -> None:
        sim = self.sim
        self.connected, self.io_failed, self.lost_at = True, False, None
        self.session.advance()
        sim.record(StorageConnectionRestored, host=self.host.name, domain=self.domain.name)
        for vm in sim.vms_on(self.host.name):
            vm.writes_complete()
        self._settle()
        sim.env.process(self._domain_valid_again())

    def _settle(self) -> None:
        settled, self.io_settled = self.io_settled, self.sim.env.event()
        settled.succeed()

    def _report_problem(self, session: int):
        """Engine side: the first statistics refresh that sees lastCheck > MaxStorageVdsTimeoutCheckSec."""
        sim, env = self.sim, self.sim.env
        last_ok = last_tick(env.now, sim.config.sd_health_check_delay, self.monitor_phase)
        stale_at = last_ok + sim.config.MaxStorageVdsTimeoutCheckSec + 1e-6
        seen_at = next_tick(max(stale_at, env.now), sim.stats_period, sim.stats_phase(self.host.name))
        yield env.timeout(seen_at - env.now)
        if not self.session.current(session) or not self.host.answers_engine:
            return
        self.reported_problematic = True
        sim.record(StorageDomainReportedProblematic, host=self.host.name, domain=self.domain.name,
                   last_check_s=round(env.now - last_ok, 3))
        self.domain.timer.host_reports_problem(self.host.name)

    def report_not_connected(self):
        """A host that came Up without the storage pool (InitVdsOnUp let it, the master domain being
        Unknown or Inactive) does not report the domain at all: at its next statistics refresh the
        engine counts it in problem ([E3.3.0] IrsBrokerCommand.UpdateVdsDomainsData)."""
        sim, env = self.sim, self.sim.env
        seen = next_tick(env.now, sim.stats_period, sim.stats_phase(self.host.name))
        yield env.timeout(seen - env.now)
        if self.connected or self.reported_problematic or self.host.status != HostStatus.UP:
            return
        self.reported_problematic = True
        since = self.lost_at if self.lost_at is not None else env.now
        sim.record(StorageDomainReportedProblematic, host=self.host.name, domain=self.domain.name,
                   last_check_s=round(env.now - since, 3))
        self.domain.timer.host_reports_problem(self.host.name)

    def _domain_valid_again(self):
        """VDSM's next domain check succeeds: the domain flips INVALID -> VALID on this host."""
        sim, env = self.sim, self.sim.env
        check = next_tick(env.now, sim.config.sd_health_check_delay, self.monitor_phase)
        yield env.timeout(check - env.now)
        if not self.connected:
            return
        for vm in sim.vms_on(self.host.name):  # VDSM contEIOVms
            vm.storage_valid_again()
        self.domain.host_sees_it(self.host.name)
        if self.reported_problematic:
            seen = next_tick(env.now, sim.stats_period, sim.stats_phase(self.host.name))
            yield env.timeout(seen - env.now)
            if self.connected:
                self.reported_problematic = False
                self.domain.timer.host_recovered(self.host.name)


class DomainProblemTimer:
    """The engine's per-domain `StorageDomainFailureTimeoutInMinutes` timer ([E] IrsProxyImpl)."""

    def __init__(self, sim: Simulation, domain: StorageDomain) -> None:
        self.sim = sim
        self.domain = domain
        self.reporting: set[str] = set()
        self.epoch = Epoch()
        self.armed = False

    def connect(self, *, lifecycle: HostLifecycle, spm: Spm) -> None:
        """The collaborators it calls, given once every actor is built (`Simulation.__init__`)."""
        self.lifecycle, self.spm = lifecycle, spm

    def host_reports_problem(self, host: str) -> None:
        first = not self.reporting
        self.reporting.add(host)
        if first:
            started = self.epoch.advance()
            self.armed = True
            minutes = self.sim.config.StorageDomainFailureTimeoutInMinutes
            fires_at = self.sim.env.now + 60 * minutes
            self.sim.record(StorageDomainTimerStarted, domain=self.domain.name, fires_at=fires_at)
            self.sim.env.process(self._expire(started, 60 * minutes))

    def host_recovered(self, host: str) -> None:
        self.reporting.discard(host)
        if not self.reporting and self.armed:
            self.epoch.advance()
            self.armed = False
            self.sim.record(StorageDomainTimerCancelled, domain=self.domain.name,
                            reason="every reporting host recovered")

    def _expire(self, started: int, delay: float):
        yield self.sim.env.timeout(delay)
        if not self.epoch.current(started):
            return
        self.armed = False
        sim = self.sim
        up = [h for h in sim.hosts.values() if h.status == HostStatus.UP]
        reporting_up = [h for h in up if h.name in self.reporting]
        if len(reporting_up) < len(up):
            names = ", ".join(h.name for h in reporting_up)
            action = (f"Up hosts that cannot reach it turn NonOperational: {names}" if names else
                      "no Up host still reports it, nothing to do (its hosts already left Up)")
            sim.record(StorageDomainTimerExpired, domain=self.domain.name, action=action)
            for h in reporting_up:
                self.lifecycle.set_non_operational(h, "STORAGE_DOMAIN_UNREACHABLE")
        else:
            sim.record(StorageDomainTimerExpired, domain=self.domain.name,
                       action="every Up host reports it in problem: the domain is blamed, not the hosts")
            self.domain.set_status("Inactive", "every Up host reported it in problem")
            self.spm.set_dc_status("NonResponsive", "its master domain is Inactive and no other data domain "
                                  "can take the master role")
