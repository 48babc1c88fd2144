"""Bringing VMs back: HA restarts on other hosts, and paused VMs resuming by their resume behaviour."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hacourse import rules, sanlock
from hacourse.engine.clock import next_tick
from hacourse.engine.placement import decide
from hacourse.events import HaRestartAttempted
from hacourse.rules import VM_BOOT_S
from hacourse.status import RestartResult, VmStatus

if TYPE_CHECKING:
    from hacourse.engine.simulation import Simulation
    from hacourse.engine.vm import Vm


class HaRestarter:
    """`AutoStartVmsRunner`: every interval, try to run the queued HA VMs, highest priority first."""

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        self.queue: dict[str, int] = {}  # VM name -> attempts so far
        self.retry_at: dict[str, float] = {}
        self.running = False
        self.poked = sim.env.event()  # a new VM or a host coming Up cuts the runner's long sleep short

    def enqueue(self, vm: Vm) -> None:
        """An HA VM went Down unexpectedly. 3.3 runs RunVm at once, once; 4.x queues it for the runner."""
        if vm.spec.ha and vm.name not in self.queue:
            self.queue[vm.name] = 0
            self.retry_at[vm.name] = self.sim.env.now
            if rules.ha_runner_interval_s(self.sim.config) is None:
                self._try_run(vm)
            elif not self.running:
                self.running = True
                self.sim.env.process(self._runner())
            self._poke()

    def restart_unknown_with_lease(self, vm: Vm, host_name: str) -> None:
        """4.1+: an HA VM with a storage lease on a NonResponsive host restarts without fencing."""
        if self.sim.config["vm_leases"] and vm.spec.ha and vm.spec.lease:
            self.sim.env.process(self._lease_restart(vm, host_name))

    def _lease_restart(self, vm: Vm, host_name: str):
        """Try after NumberVdsRefreshesBeforeTryToStartUnknownVms polls, then every ...Retry... polls.

        The start succeeds only once the old host stopped renewing the VM's lease for
        `sanlock.host_dead_s`; a host that still runs the VM (only its management network is down)
        keeps renewing it, so the VM can never run twice.
        """
        sim, env, config = self.sim, self.sim.env, self.sim.config
        poll = config["VdsRefreshRate"]
        wait = config["NumberVdsRefreshesBeforeTryToStartUnknownVms"] * poll
        storage = sim.storage[host_name]
        while vm.status == VmStatus.UNKNOWN and vm.host == host_name:
            yield env.timeout(wait)
            if vm.status != VmStatus.UNKNOWN or vm.host != host_name:
                return
            stopped = storage.lost_at
            if stopped is not None and env.now - stopped >= sanlock.host_dead_s(config):
                vm.known_down(f"its VM lease expired on {host_name}: safe to restart")
                return
            sim.record(HaRestartAttempted, vm=vm.name, host="",
                       result=f"{RestartResult.LEASE_HELD} {host_name}; retry later")
            wait = (config["NumberVdsRefreshesBeforeRetryToStartUnknownVms"] + 1) * poll

    def wake(self) -> None:
        """A host came Up: queued VMs may fit now, so retry them at the next runner tick."""
        for name in self.retry_at:
            self.retry_at[name] = min(self.retry_at[name], self.sim.env.now)
        self._poke()

    def _poke(self) -> None:
        if not self.poked.triggered:
            self.poked.succeed()

    def _runner(self):
        sim, env, config = self.sim, self.sim.env, self.sim.config
        interval = rules.ha_runner_interval_s(config)
        try:
            while self.queue:
                yield env.timeout(next_tick(env.now + 1e-6, interval) - env.now)
                for name in sorted(self.queue, key=lambda n: (-sim.vms[n].spec.priority, n)):
                    if self.retry_at[name] <= env.now and not self._blocked(name):
                        self._try_run(sim.vms[name])
                if self.queue:
                    wake = min(self.retry_at.values())
                    if wake > env.now + interval:
                        self.poked = env.event()
                        yield env.timeout(wake - env.now - interval) | self.poked
        finally:
            self.running = False

    def _blocked(self, name: str) -> bool:
        """4.4+: a VM waits while a higher-priority one is still launching (MaxTimeAutoStartBlockedOnPriority)."""
        limit = rules.restart_priority_block_s(self.sim.config)
        if not limit:
            return False
        me = self.sim.vms[name]
        return any(v.status == VmStatus.WAIT_FOR_LAUNCH and v.spec.priority > me.spec.priority
                   and self.sim.env.now - v.launched_at < limit for v in self.sim.vms.values())

    def _try_run(self, vm: Vm) -> None:
        sim, config = self.sim, self.sim.config
        host = decide(sim, vm, "HA restart")
        self.queue[vm.name] += 1
        if host is None:
            tries = self.queue[vm.name]
            allowed = rules.restart_short_tries(config)
            if tries >= allowed:
                long_retry = rules.restart_long_retry_s(config)
                result = f"{RestartResult.NO_ROOM}; " + (
                    f"next try in {long_retry} s" if long_retry else "giving up (no more tries)")
                sim.record(HaRestartAttempted, vm=vm.name, host="", result=result)
                if long_retry:
                    self.retry_at[vm.name] = sim.env.now + long_retry
                else:
                    self._forget(vm.name)
            else:
                retry = rules.restart_short_retry_s(config)
                sim.record(HaRestartAttempted, vm=vm.name, host="",
                           result=f"{RestartResult.NO_ROOM}; retry in {retry} s")
                self.retry_at[vm.name] = sim.env.now + retry
            return
        self._forget(vm.name)
        sim.record(HaRestartAttempted, vm=vm.name, host=host.name, result=RestartResult.STARTED)
        launch = vm.launched(host.name, "highly available VM restarted by the engine")
        sim.env.process(self._boot(vm, launch))

    def _forget(self, name: str) -> None:
        self.queue.pop(name, None)
        self.retry_at.pop(name, None)

    def _boot(self, vm: Vm, launch: int):
        yield self.sim.env.timeout(VM_BOOT_S)
        if vm.launches.current(launch) and vm.status == VmStatus.WAIT_FOR_LAUNCH:
            vm.set_status(VmStatus.UP, "powered up after HA restart")
            vm.arrived(self.sim.hosts[vm.host])
