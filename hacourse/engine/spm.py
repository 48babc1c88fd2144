"""The Storage Pool Manager: one host holds the SPM lease; losing it means losing VDSM.

Two views are kept apart, as in the real system: the engine's (`holder`, what SpmStarted and
SpmStopped report) and sanlock's (`lease_owner`, who holds the SPM resource on storage).
sanlock renews the host's lease every `renewal_s`; after `renewal_fail_s` without a renewal it
kills the processes holding leases (VDSM on the SPM), and only after `host_dead_s` may another
host take the lease (`hacourse.sanlock`). So the old SPM always stops before a new one starts.

The engine also waits for proof ([E3.3.0] IrsBrokerCommand.handleSpmStatusResult, [E]
IrsProxyImpl): while the master domain names a previous SPM (`previous`), selection stops if that
host is NonResponsive, and goes on only once SpmStop to it succeeded (the engine can talk to it)
or a fence confirmed it off (FenceVdsManualy clears the SPM id). A free lease alone is not proof:
without power management the role is never handed over.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from hacourse import sanlock
from hacourse.engine.clock import last_tick, next_tick, sleep_to_next_tick
from hacourse.engine.placement import EXPLAINED_HOSTS
from hacourse.events import (
    DataCenterStatusChanged,
    HostFenced,
    SpmElectionDecided,
    SpmLeaseExpired,
    SpmStarted,
    SpmStopped,
)
from hacourse.status import FenceMethod, HostStatus

if TYPE_CHECKING:
    from hacourse.engine.host import Host
    from hacourse.engine.network import Nic
    from hacourse.engine.simulation import Simulation
    from hacourse.engine.storage import StorageDomain


class Spm:
    def __init__(self, sim: Simulation, holder: str | None) -> None:
        self.sim = sim
        self.holder = holder
        self.lease_owner = holder
        self.previous = holder  # the SPM the master domain's metadata names, until released or fenced
        self.lease_free_at = 0.0  # when another host may acquire the SPM lease
        self.electing = False
        self.watching: set[str] = set()
        self.preferred: str | None = None  # ForceSelectSPM: tried first at the next election
        self.dc_status = "Up" if holder else "NonResponsive"  # the data center's (storage pool's) status

    def connect(self, *, domain: StorageDomain) -> None:
        """The collaborators it calls, given once every actor is built (`Simulation.__init__`)."""
        self.domain = domain

    def set_dc_status(self, new: str, reason: str) -> None:
        """The data center shows what the engine knows of its SPM ([E] StoragePoolStatus), as its pool
        poll finds it (every StoragePoolRefreshTimeInSeconds): not at the instant the SPM stops."""
        if new != self.dc_status:
            old, self.dc_status = self.dc_status, new
            self.sim.record(DataCenterStatusChanged, data_center="Default", old=old, new=new, reason=reason)
            self.domain.pool_changed(new)

    def contact_changed(self, host: Host) -> None:
        """The engine lost or regained the SPM host: its next SpmStatus poll tells the data center."""
        if host.name == self.holder:
            self.sim.env.process(self._spm_status_poll(host))

    def _spm_status_poll(self, host: Host):
        env = self.sim.env
        period = self.sim.config.StoragePoolRefreshTimeInSeconds
        yield sleep_to_next_tick(env, period)
        if self.holder != host.name:
            return
        if host.answers_engine and self.lease_owner != host.name:
            # SpmStatus: Free. The host lost power since it took the role and booted without its lease.
            # This poll sets an Up pool NonResponsive, then resets the IRS proxy ([E] proceedStoragePoolStats).
            if self.dc_status == "Up":
                self.set_dc_status("NonResponsive", f"SpmStatus on {host.name}: not SPM")
            self.stop(host.name, f"SpmStatus on {host.name}: not SPM any more (it booted without its lease)")
            return
        if self.dc_status == "NotOperational":
            return
        if host.answers_engine:
            self.set_dc_status("Up", f"SpmStatus on {host.name} answers again")
        else:
            self.set_dc_status("NonResponsive", f"SpmStatus on the SPM {host.name} failed")

    @property
    def renewal_s(self) -> float:
        return sanlock.renewal_s(self.sim.config)

    def renewal_phase(self, host: str) -> float:
        """When the host's sanlock renews, within its period: fixed per host and run."""
        return self.sim.phase(f"sanlock:{host}", int(self.renewal_s))

    def storage_changed(self, host: Host, nic: Nic | None = None) -> None:
        if host.name == self.lease_owner and not host.reaches_storage and host.name not in self.watching:
            self.watching.add(host.name)
            self.sim.env.process(self._lease_renewal_fails(host))

    def _lease_renewal_fails(self, host: Host):
        """sanlock's recovery: renewals fail; at `renewal_fail_s` it kills VDSM, which restarts.

        A host without power runs nothing: no sanlock to give up, no VDSM to kill. Its lease simply
        stops being renewed, and is dead `host_dead_s` after the last renewal; the engine, which
        cannot tell, still calls it SPM until a fence confirms it off."""
        sim, env = self.sim, self.sim.env
        try:
            last_renewal = last_tick(env.now, self.renewal_s, self.renewal_phase(host.name))
            expire_at = last_renewal + sanlock.renewal_fail_s(sim.config)
            while host.power.value:
                yield env.timeout(max(0.0, expire_at - env.now)) | host.power.changed() | host.nics_changed()
                if host.reaches_storage or self.lease_owner != host.name:
                    return
                if env.now >= expire_at - 1e-9 and host.power.value:
                    sim.record(SpmLeaseExpired, host=host.name, domain=self.domain.name)
                    self.lease_owner = None
                    self.lease_free_at = last_renewal + sanlock.host_dead_s(sim.config)
                    self.stop(host.name, "sanlock lease renewal failed: VDSM killed (SPM self-fencing)",
                              spm_stop=False)
                    sim.record(HostFenced, host=host.name, method=FenceMethod.SELF)
                    host.restart_vdsm()
                    self.start_election()
                    return
            if self.lease_owner == host.name:  # powered off: renewals just stop
                self.lease_owner = None
                self.lease_free_at = last_renewal + sanlock.host_dead_s(sim.config)
        finally:
            self.watching.discard(host.name)

    def host_gone(self, host: Host, stopped_renewing_at: float, reason: str = "SPM host fenced") -> None:
        """A fence confirmed the host off (RestartVds -> FenceVdsManualy, or the admin's 'host has been
        rebooted'): if it was or had been SPM, the SPM id is cleared on storage and selection may go
        on; its lease is free `host_dead_s` after its last renewal. For the SPM, FenceVdsManualy also
        sets the data center's status from its master domain's at once ([E3.3.0]/[E4.5.6]
        StorageHandlingCommandBase.calcStoragePoolStatusByDomainsStatus: Active -> Up, else
        NonResponsive; the model has no domain in Maintenance)."""
        if self.lease_owner == host.name:
            last_renewal = last_tick(stopped_renewing_at, self.renewal_s, self.renewal_phase(host.name))
            self.lease_owner = None
            self.lease_free_at = max(self.lease_free_at, last_renewal + sanlock.host_dead_s(self.sim.config))
        if self.previous == host.name:
            self.previous = None
        if self.holder == host.name:  # FenceVdsManualy.activateDataCenter, at once
            master = self.domain.status
            self.set_dc_status("Up" if master == "Active" else "NonResponsive",
                               f"the SPM host was fenced: the data center's status follows its master domain ({master})")
        self.stop(host.name, reason)
        self.start_election()

    def prefer(self, host: str) -> None:
        """ForceSelectSPM: SpmStop on the current SPM; the election tries `host` first."""
        self.preferred = host
        if self.holder is not None:
            self.stop(self.holder, f"ForceSelectSPM: the admin selected {host} as SPM")
        self.start_election()

    def stop(self, host: str, reason: str, spm_stop: bool = True) -> None:
        """The engine stops using `host` as SPM (SpmStop). It frees the lease only if storage is reachable.
        The data center shows it at the next pool poll, when the selection of a new SPM begins (`_elect`)."""
        if self.holder != host:
            return
        self.holder = None
        self.sim.record(SpmStopped, host=host, reason=reason)
        if spm_stop:  # not when sanlock has just killed its VDSM: nothing there to stop
            self._spm_stop(self.sim.hosts[host])
        self.start_election()

    def _spm_stop(self, host: Host) -> bool:
        """SpmStop to the previous SPM: it succeeds if the engine can talk to its VDSM, which then
        releases the lease if it still holds it and reaches storage."""
        if not host.answers_engine:
            return False
        if self.lease_owner == host.name and host.reaches_storage:
            self.lease_owner = None
            self.lease_free_at = self.sim.env.now
        if self.previous == host.name:
            self.previous = None
        return True

    def start_election(self) -> None:
        if not self.electing and self.holder is None:
            self.electing = True
            self.sim.env.process(self._elect())

    def _elect(self):
        """The engine's SpmStatus poll fails; it picks an Up host by SPM priority once the lease is free."""
        sim, env = self.sim, self.sim.env
        try:
            period = sim.config.StoragePoolRefreshTimeInSeconds
            yield sleep_to_next_tick(env, period)
            last = None
            while self.holder is None:
                # [E] IrsProxyImpl.getHostFromVds: "update pool status to problematic while selecting spm"
                self.set_dc_status("NonResponsive", "no SPM: searching for a new one")
                previous = self.sim.hosts[self.previous] if self.previous else None
                if previous is not None and (previous.status == HostStatus.NON_RESPONSIVE
                                             or not self._spm_stop(previous)):
                    why = ("the last SPM is NonResponsive: stopping spm selection until it is fenced"
                           if previous.status == HostStatus.NON_RESPONSIVE
                           else "SpmStop to the last SPM failed: stopping spm selection")
                    last = self._decided([], "", last, stopped_by=(previous.name, why))
                    yield previous.status_changed | previous.reachability_changed()
                    yield sleep_to_next_tick(env, period)
                    continue
                candidates = [h for h in sim.hosts.values() if h.status == HostStatus.UP
                              and h.spec.spm_priority > -1 and h.reaches_storage]
                free = self.lease_owner is None and env.now >= self.lease_free_at
                if candidates and free:
                    candidates.sort(key=lambda h: h.name)
                    sim.rng("ties").shuffle(candidates)  # priority DESC, then RANDOM() ([E] vds_sp.sql)
                    candidates.sort(key=lambda h: -h.spec.spm_priority)
                    forced, self.preferred = self.preferred, None
                    candidates.sort(key=lambda h: h.name != forced)  # ForceSelectSPM's host goes first
                    self._decided(candidates, candidates[0].name, last)
                    self.holder = self.lease_owner = self.previous = candidates[0].name
                    top = candidates[0].spec.spm_priority
                    tied = sum(h.spec.spm_priority == top for h in candidates)
                    reason = ("elected: selected as SPM by the admin (ForceSelectSPM)" if forced == self.holder
                              else f"elected: highest SPM priority ({top}) among Up hosts that reach storage"
                              + (f", drawn at random among the {tied} hosts with it (ORDER BY vds_spm_priority "
                                 "DESC, RANDOM())" if tied > 1 else ""))
                    sim.record(SpmStarted, host=self.holder, reason=reason)
                    self.set_dc_status("Up", f"SPM started on {self.holder}")
                    return
                candidates.sort(key=lambda h: (-h.spec.spm_priority, h.name))
                last = self._decided(candidates, "", last)
                if self.lease_owner is not None:
                    return  # sanlock still holds it: the lease watcher restarts the election
                wait = max(period, self.lease_free_at - env.now) if candidates else period
                if not math.isfinite(wait):
                    return
                yield env.timeout(next_tick(env.now + wait - 1e-6, period) - env.now)
        finally:
            self.electing = False

    def _decided(self, candidates: list[Host], chosen: str, last: tuple | None,
                 stopped_by: tuple[str, str] | None = None) -> tuple:
        """Record this try's reasons (`SpmElectionDecided`) unless they are those of the previous try."""
        sim = self.sim
        eligible = {h.name for h in candidates}
        excluded = [stopped_by] if stopped_by else []
        for h in sim.hosts.values() if stopped_by is None else ():  # a stopped selection looks at no host
            if h.name in eligible or len(excluded) >= EXPLAINED_HOSTS:
                continue
            if h.status != HostStatus.UP:
                excluded.append((h.name, f"{h.status}, not Up"))
            elif h.spec.spm_priority <= -1:
                excluded.append((h.name, "SPM priority -1 (never)"))
            else:
                excluded.append((h.name, f"cannot reach the storage domain {self.domain.name}"))
        owner = self.lease_owner or ""
        free_at = max(self.lease_free_at, sim.env.now) if not owner else 0.0
        ranked = tuple((h.name, h.spec.spm_priority) for h in candidates[:EXPLAINED_HOSTS])
        key = (chosen, ranked, tuple(excluded), owner, free_at if free_at > sim.env.now else None)
        if key != last:
            sim.record(SpmElectionDecided, chosen=chosen, candidates=ranked, excluded=tuple(excluded),
                       lease_owner=owner, lease_free_at=round(free_at, 3))
        return key
