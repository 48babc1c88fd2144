"""The engine's host monitoring ([E] VdsManager, HostMonitoring), one short actor per change.

The real engine polls each host every `VdsRefreshRate` s and reads full statistics every
`NumberVmRefreshesBeforeSave` polls. Here an actor starts when something changes (a NIC, VDSM,
power) and sleeps to the poll at which the engine would notice it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hacourse.engine.clock import next_tick, sleep_to_next_tick
from hacourse.events import HostNicProblemCleared, HostNicProblemDetected
from hacourse.status import HostStatus as S

if TYPE_CHECKING:
    from hacourse.engine.host import Host
    from hacourse.engine.lifecycle import HostLifecycle
    from hacourse.engine.network import Nic
    from hacourse.engine.simulation import Simulation
    from hacourse.engine.spm import Spm


class HostMonitor:
    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        self.watching_nic: set[tuple[str, str]] = set()
        self.unreachable_since: dict[str, float] = {}  # last successful poll of a silent host

    def connect(self, *, lifecycle: HostLifecycle, spm: Spm) -> None:
        """The collaborators it calls, given once every actor is built (`Simulation.__init__`)."""
        self.lifecycle, self.spm = lifecycle, spm

    # --- required network's NIC down -> NonOperational (HostMonitoring.checkVdsInterfaces) ---

    def nic_changed(self, host: Host, nic: Nic | None) -> None:
        if nic is None:
            return
        key = (host.name, nic.name)
        net = self.sim.scenario.network(nic.network)
        if not nic.up and net.required and key not in self.watching_nic:
            self.watching_nic.add(key)
            self.sim.env.process(self._nic_grace(host, nic))

    def _nic_grace(self, host: Host, nic: Nic):
        """checkVdsInterfaces runs at each statistics refresh of an **Up** host: the first that sees the
        NIC down notes the time (kept while the host is not Up), the first at least the grace later acts
        ([E3.3.0] VdsUpdateRunTimeInfo.checkVdsInterfaces, `hostDownTimes`)."""
        sim, env = self.sim, self.sim.env
        try:
            grace = sim.config.NicDHCPDelayGraceInMS  # seconds despite the name
            phase = sim.stats_phase(host.name)
            came_up = nic.carrier.becomes(True)
            first_seen = None
            check = next_tick(env.now, sim.stats_period, phase)
            while not nic.up:
                yield env.timeout(check - env.now) | came_up
                if nic.up:
                    break
                if host.status != S.UP or not host.answers_engine:
                    yield host.status_changed | came_up  # the check runs again once the host is Up
                    check = next_tick(env.now, sim.stats_period, phase)
                    continue
                if first_seen is None:
                    first_seen = env.now
                    sim.record(HostNicProblemDetected, host=host.name, nic=nic.name, network=nic.network,
                               grace_s=grace)
                    check = next_tick(first_seen + grace, sim.stats_period, phase)
                    continue
                self.lifecycle.set_non_operational(host, f"NETWORK_INTERFACE_IS_DOWN: {nic.name} ({nic.network})")
                return
            if first_seen is not None:
                sim.record(HostNicProblemCleared, host=host.name, nic=nic.name, network=nic.network)
        finally:
            self.watching_nic.discard((host.name, nic.name))

    # --- engine loses VDSM -> Connecting -> NonResponsive (VdsManager.handleNetworkException) ---

    def reachability_changed(self, host: Host, nic: Nic | None = None) -> None:
        if not host.answers_engine and host.name not in self.unreachable_since:
            poll = self.sim.config.VdsRefreshRate
            first_fail = next_tick(self.sim.env.now, poll)  # a poll at this very instant already fails
            self.unreachable_since[host.name] = first_fail - poll
            self.sim.env.process(self._lost_contact(host, first_fail))
            self.spm.contact_changed(host)
        elif host.answers_engine and host.name in self.unreachable_since:
            del self.unreachable_since[host.name]
            self.sim.env.process(self._contact_back(host))
            self.spm.contact_changed(host)

    def time_to_fence(self, host: Host) -> float:
        """`TimeoutToResetVdsInSeconds + DelayResetForSpmInSeconds*isSPM + DelayResetPerVmInSeconds*nVMs`."""
        c = self.sim.config
        is_spm = self.spm.holder == host.name
        n_vms = len(self.sim.vms_on(host.name))
        return int(c.TimeoutToResetVdsInSeconds + c.DelayResetForSpmInSeconds * is_spm
                   + c.DelayResetPerVmInSeconds * n_vms)

    def _lost_contact(self, host: Host, first_fail: float):
        sim, env = self.sim, self.sim.env
        poll = sim.config.VdsRefreshRate
        last_ok = first_fail - poll  # the last poll that answered; the host may be back before this starts
        yield env.timeout(first_fail - env.now)
        if host.answers_engine or host.status in (S.REBOOT, S.NON_RESPONSIVE, S.MAINTENANCE, S.UNASSIGNED):
            return  # a host in maintenance is not treated for failures; an activated one at its next poll
        host.connecting("engine cannot reach VDSM (network exception)")
        attempts_needed = sim.config.VDSAttemptsToResetCount + 1
        grace_end = last_ok + self.time_to_fence(host)
        t = max(first_fail + poll * (attempts_needed - 1), next_tick(grace_end + 1e-6, poll))
        deadline = env.timeout(t - env.now)
        while not deadline.processed and not host.answers_engine:
            yield deadline | host.reachability_changed()
        if host.answers_engine or host.status != S.CONNECTING:
            return
        self.lifecycle.not_responding(host)

    def _contact_back(self, host: Host):
        """VDSM answers again: a host that was cut off recovers through Initializing."""
        sim, env = self.sim, self.sim.env
        poll = sim.config.VdsRefreshRate
        yield sleep_to_next_tick(env, poll)
        if not host.answers_engine:
            return
        if host.status == S.CONNECTING and host.vdsm_restarted:
            self.lifecycle.initialize(host, "VDSM restarted and is recovering")
        elif host.status == S.CONNECTING and host.before_connecting == S.NON_OPERATIONAL:
            host.set_status(S.NON_OPERATIONAL, "VDSM answers again; the host is still NonOperational")
            self.lifecycle.learn_vm_states(host)
        elif host.status == S.CONNECTING and host.before_connecting == S.PREPARING_FOR_MAINTENANCE:
            host.set_status(S.PREPARING_FOR_MAINTENANCE, "VDSM answers again; still preparing for maintenance")
            self.lifecycle.learn_vm_states(host)
        elif host.status == S.CONNECTING:
            host.set_status(S.UP, "VDSM answers again")
            self.lifecycle.activated(host)
        elif host.status == S.NON_RESPONSIVE:  # in Reboot the fence flow probes VDSM itself
            self.lifecycle.initialize(host, "VDSM answers; host initializing")

    def contact_back(self, host: Host) -> None:
        """The fence flow hands a rebooted host that answers back to the monitor: next poll."""
        self.sim.env.process(self._contact_back(host))
