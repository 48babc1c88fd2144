"""The person on call (`operator:`): starts the non-HA VMs a drawn fault took down once it is
repaired (and an HA VM the engine gave up restarting: rhev-3.3 tries once), and confirms a
powered-off host without power management as rebooted.

The operator acts through the administrator's commands (`run_vm`, `confirm_rebooted`), applied as
faults are, so the log shows each action as a `FaultInjected` record and the engine's checks and
refusals apply. The operator is paged by the drawn fault (`hacourse.engine.failures`) and acts
after the configured delays. A VM the engine does not show Down yet (its host not heard again)
is looked at again every `RECHECK_S`, one that fits nowhere is run again every `RETRY_S`, for up
to `GIVE_UP_S`. Simplified: one operator, never busy, who never confirms a host that still has power.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hacourse.model import Fault
from hacourse.status import HostStatus, VmStatus

if TYPE_CHECKING:
    from hacourse.engine.simulation import Simulation

HOUR_S = 3600.0
RECHECK_S = 60.0  # how often the operator looks again while an incident is open; an assumption
RETRY_S = 900.0  # how long the operator waits before running again a VM that fit nowhere; an assumption
GIVE_UP_S = 86400.0  # how long the operator keeps looking at one incident; an assumption


class Operator:
    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        self.spec = sim.scenario.operator

    def struck(self, target: dict[str, str]) -> list[str]:
        """The VMs a fault on `target` may take down: the VM itself, those on the host, or all of
        them when a storage domain fails."""
        if "vm" in target:
            return [target["vm"]]
        if "host" in target:
            return [vm.name for vm in self.sim.vms_on(target["host"])]
        return list(self.sim.vms)

    def failed(self, fault: str, target: dict[str, str], struck: list[str]) -> None:
        """A drawn fault struck: a host without power management will need the operator's word."""
        host = target.get("host")
        if (self.spec.confirm_rebooted_after_h is not None and host is not None and "nic" not in target
                and not self.sim.hosts[host].spec.power_management):
            self.sim.env.process(self._confirm(host))

    def repaired(self, struck: list[str]) -> None:
        """The fault is repaired (or needs none): start the non-HA VMs it took down, after the delay."""
        if self.spec.restart_non_ha_after_h is None:
            return
        waiting = set(struck)
        if waiting:
            self.sim.env.process(self._restart(waiting))

    def _confirm(self, name: str):
        sim, host = self.sim, self.sim.hosts[name]
        yield sim.env.timeout(float(self.spec.confirm_rebooted_after_h or 0.0) * HOUR_S)
        looked = 0.0
        while not host.power.value and looked <= GIVE_UP_S:
            if host.status == HostStatus.NON_RESPONSIVE:
                sim.apply(Fault(sim.env.now, "confirm_rebooted", host=name))
                return
            yield sim.env.timeout(RECHECK_S)
            looked += RECHECK_S

    def _restart(self, waiting: set[str]):
        """Run each VM of the incident the engine shows Down and will not restart itself; look again
        every minute while some are Unknown or queued for an HA restart, and every `RETRY_S` at one
        that fit nowhere."""
        sim = self.sim
        yield sim.env.timeout(float(self.spec.restart_non_ha_after_h or 0.0) * HOUR_S)
        started, next_try = sim.env.now, dict.fromkeys(waiting, sim.env.now)
        while waiting and sim.env.now - started <= GIVE_UP_S:
            for name in sorted(waiting):
                vm = sim.vms[name]
                given_up = not vm.spec.ha or name not in sim.ha.queue  # the engine will not restart it
                if vm.status == VmStatus.DOWN and given_up and next_try[name] <= sim.env.now:
                    sim.apply(Fault(sim.env.now, "run_vm", vm=name))
                    next_try[name] = sim.env.now + RETRY_S
                if vm.status not in (VmStatus.DOWN, VmStatus.UNKNOWN):
                    waiting.discard(name)
            if waiting:
                yield sim.env.timeout(RECHECK_S)
