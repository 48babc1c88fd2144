"""Bringing VMs back: HA restarts on other hosts, and paused VMs resuming by their resume behaviour."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from hacourse import rules, sanlock
from hacourse.engine.clock import EPSILON, sleep_to_next_tick
from hacourse.engine.placement import decide
from hacourse.events import HaRestartAttempted, HaRestartHeldBack
from hacourse.rules import VM_BOOT_S
from hacourse.status import RestartResult, VmStatus

if TYPE_CHECKING:
    from hacourse.engine.simulation import Simulation
    from hacourse.engine.storage import StorageDomain
    from hacourse.engine.vm import Vm


@dataclass
class ToRestart:
    """One VM in the runner's list ([E] `AutoStartVmToRestart`, `HaVmToRestart`)."""

    tries: int = 0  # numOfRuns: RunVm tries that failed
    run_at: float = 0.0  # timeToRunTheVm: not tried before this
    starting: bool = False  # State.VM_STARTING: RunVm succeeded, the VM is still launching
    blocked_s: float = 0.0  # totalBlockedMs: time held back behind higher priorities so far
    blocked_since: float | None = None  # lastBlockedTime: held back at the previous iteration


class HaRestarter:
    """`AutoStartVmsRunner`: every interval, try to run the queued HA VMs, highest priority first.

    4.x ([E4.5.6] bll/AutoStartVmsRunner.java, HaAutoStartVmsRunner.java): a VM stays in the
    runner's list from its crash until it is Up, including while it waits for its next try; a VM
    whose try is due waits while any higher-priority VM is still in the list, until it has been held
    back `MaxTimeAutoStartBlockedOnPriority`. Nothing but a VM joining the list (`addVmsToRun`: the
    VM-down event, the fence flow, "host has been rebooted") shortens a wait: a host coming Up does
    not. 3.3 has no list: RunVm runs at once, once ([E3.3.0] VdsEventListener.runFailedAutoStartVM).
    """

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        self.queue: dict[str, ToRestart] = {}
        self.running = False
        self.poked = sim.env.event()  # a VM joining the list, or one launching ending, cuts a sleep short

    def connect(self, *, domain: StorageDomain) -> None:
        """The collaborators it calls, given once every actor is built (`Simulation.__init__`)."""
        self.domain = domain

    def enqueue(self, vm: Vm) -> None:
        """An HA VM went Down unexpectedly. 3.3 runs RunVm at once, once; 4.x (re)adds it to the
        runner's list with fresh counters (`processVmsToAdd`)."""
        if not vm.spec.ha:
            return
        if rules.ha_runner_interval_s(self.sim.config) is None:
            if vm.name not in self.queue:
                self.queue[vm.name] = ToRestart(run_at=self.sim.env.now)
                self._try_run(vm, self.queue[vm.name])
            return
        self.queue[vm.name] = ToRestart(run_at=self.sim.env.now)
        if not self.running:
            self.running = True
            self.sim.env.process(self._runner())
        self._poke()

    def restart_unknown_with_lease(self, vm: Vm, host_name: str) -> None:
        """4.1+: an HA VM with a storage lease on a NonResponsive host restarts without fencing."""
        if self.sim.config.vm_leases and vm.spec.ha and vm.spec.lease:
            self.sim.env.process(self._lease_restart(vm, host_name))

    def _lease_restart(self, vm: Vm, host_name: str):
        """Try after NumberVdsRefreshesBeforeTryToStartUnknownVms polls, then every ...Retry... polls.

        The start succeeds only once the old host stopped renewing the VM's lease for
        `sanlock.host_dead_s`; a host that still runs the VM (only its management network is down)
        keeps renewing it, so the VM can never run twice.
        """
        sim, env, config = self.sim, self.sim.env, self.sim.config
        poll = config.VdsRefreshRate
        wait = (config.NumberVdsRefreshesBeforeTryToStartUnknownVms or 0) * poll  # 4.1+ keys, as vm_leases
        storage = self.domain.paths[host_name]
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
            wait = ((config.NumberVdsRefreshesBeforeRetryToStartUnknownVms or 0) + 1) * poll

    def _poke(self) -> None:
        if not self.poked.triggered:
            self.poked.succeed()

    def _runner(self):
        env = self.sim.env
        interval = rules.ha_runner_interval_s(self.sim.config)
        try:
            while self.queue:
                yield sleep_to_next_tick(env, interval)
                self._iteration()
                if self.queue:
                    wake = self._next_due()
                    if wake > env.now + interval:
                        self.poked = env.event()
                        yield env.timeout(wake - env.now - interval) | self.poked
        finally:
            self.running = False

    def _iteration(self) -> None:
        """`startFailedAutoStartVmsImpl`: by priority, highest first; a VM still in the list (waiting
        for a try or launching) holds back every lower one after it (`neededPriority`)."""
        sim, now = self.sim, self.sim.env.now
        needed: int | None = None
        for name in sorted(self.queue, key=lambda n: (-sim.vms[n].spec.priority, n)):
            entry, vm = self.queue[name], sim.vms[name]
            if not entry.starting and entry.run_at <= now + EPSILON and not self._held_back(vm, entry, needed):
                self._try_run(vm, entry)
            if entry.starting and vm.status != VmStatus.WAIT_FOR_LAUNCH:
                self._forget(name)  # Up (a VM that crashed while launching joined the list afresh)
            if name in self.queue:
                needed = max(vm.spec.priority, needed if needed is not None else vm.spec.priority)

    def _held_back(self, vm: Vm, entry: ToRestart, needed: int | None) -> bool:
        """`HaVmToRestart.isBlockedOnPriority`: the time held back adds up over the iterations, and a VM
        held back longer than `MaxTimeAutoStartBlockedOnPriority` runs whatever waits above it."""
        limit = rules.restart_priority_block_s(self.sim.config)
        if not limit:
            return False
        now = self.sim.env.now
        blocked_since = entry.blocked_since
        held_before = blocked_since is not None
        if blocked_since is not None:
            entry.blocked_s += now - blocked_since
            entry.blocked_since = None
        if entry.blocked_s > limit + EPSILON or needed is None or vm.spec.priority >= needed:
            return False
        if not held_before:
            behind = tuple(n for n, e in self.queue.items() if self.sim.vms[n].spec.priority > vm.spec.priority)
            self.sim.record(HaRestartHeldBack, vm=vm.name, behind=tuple(sorted(behind)), limit_s=limit)
        entry.blocked_since = now
        return True

    def _next_due(self) -> float:
        """When the next iteration can change anything: a try falls due, or a hold runs out. A VM
        launching ends its hold by poking the runner."""
        limit = rules.restart_priority_block_s(self.sim.config)
        due = [e.blocked_since + limit - e.blocked_s + 1e-6 if e.blocked_since is not None else e.run_at
               for e in self.queue.values() if not e.starting]
        return min(due, default=float("inf"))

    def _try_run(self, vm: Vm, entry: ToRestart) -> None:
        sim = self.sim
        host = decide(sim, vm, "HA restart")
        if host is None:
            self._failed(vm, entry, RestartResult.NO_ROOM)
            return
        sim.record(HaRestartAttempted, vm=vm.name, host=host.name, result=RestartResult.STARTED)
        if rules.restart_priority_block_s(sim.config):
            entry.starting = True  # VM_STARTING: it holds back lower priorities until it is Up
        else:
            self._forget(vm.name)
        launch = vm.launched(host.name, "highly available VM restarted by the engine")
        sim.env.process(self.boot(vm, launch, "powered up after HA restart"))

    def _failed(self, vm: Vm, entry: ToRestart, why: RestartResult) -> None:
        """`scheduleNextTimeToRun`: the short retry while short tries remain, then the long one (4.4+),
        or give up (3.3: after the one try)."""
        sim, config = self.sim, self.sim.config
        entry.tries += 1
        if entry.tries >= rules.restart_short_tries(config):
            long_retry = rules.restart_long_retry_s(config)
            sim.record(HaRestartAttempted, vm=vm.name, host="", result=f"{why}; " + (
                f"next try in {long_retry} s" if long_retry else "giving up (no more tries)"))
            if not long_retry:
                self._forget(vm.name)
                return
            entry.run_at = sim.env.now + long_retry
        else:
            retry = rules.restart_short_retry_s(config)
            sim.record(HaRestartAttempted, vm=vm.name, host="", result=f"{why}; retry in {retry} s")
            entry.run_at = sim.env.now + retry

    def _forget(self, name: str) -> None:
        self.queue.pop(name, None)

    def boot(self, vm: Vm, launch: int, reason: str):
        """The guest of a launched VM boots: Up after `VM_BOOT_S` (an HA restart, the admin's Run)."""
        yield self.sim.env.timeout(VM_BOOT_S)
        if vm.launches.current(launch) and vm.status == VmStatus.WAIT_FOR_LAUNCH and vm.host is not None:
            vm.set_status(VmStatus.UP, reason)
            vm.arrived(self.sim.hosts[vm.host])
        if vm.name in self.queue:
            self._poke()  # the runner's next iteration sees it Up (or Down) and stops holding others back
