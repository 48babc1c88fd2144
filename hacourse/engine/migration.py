"""Live migration: the engine's order and scheduling, VDSM's slots, and a pre-copy duration model.

The duration model is standard pre-copy, not QEMU: round 1 sends the guest's memory at the
per-migration bandwidth, each later round sends what the guest dirtied meanwhile, and the
switch-over happens once a round would fit in the current downtime limit (reference §5.4).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import simpy

from hacourse import rules
from hacourse.engine.placement import decide
from hacourse.events import (
    EvacuationPlanned,
    MigrationFailed,
    MigrationFinished,
    MigrationStarted,
    MigrationTransferStarted,
)
from hacourse.profiles import EngineConfig
from hacourse.rules import MIGRATION_SETUP_S
from hacourse.status import PauseCode, VmStatus

if TYPE_CHECKING:
    from hacourse.engine.host import Host
    from hacourse.engine.network import Nic
    from hacourse.engine.simulation import Simulation
    from hacourse.engine.storage import StorageDomain
    from hacourse.engine.vm import Vm


DEVICE_STATE_S = 0.1  # device state copied during the switch-over; an estimate, reference §5.4
MINIMAL_DOWNTIME_SCHEDULE = ((1, 150), (2, 200), (3, 300), (4, 400), (6, 500))
"""4.x 'Minimal downtime' stalling schedule: after iteration N, downtime ms ([CFG] MigrationPolicies)."""


@dataclass(frozen=True)
class EndLost:
    """Interrupt cause: the source or the destination of a migration lost what the copy needs.
    Its text is the MigrationFailed reason."""

    host: str
    what: ClassVar[str]

    def __str__(self) -> str:
        return f"{self.host} lost {self.what}"


class EndLostPower(EndLost):
    what = "power"


class EndLostMigrationLink(EndLost):
    what = "its migration network"


class EndLostQemu(EndLost):
    what = "the VM's qemu process"


@dataclass(frozen=True)
class PreCopyPlan:
    """When the switch-over would happen, or why the migration gives up."""

    duration_s: float  # from the start of the transfer to the guest resumed on the destination
    downtime_ms: int
    aborted: str | None = None


def plan_precopy(memory_gb: float, dirty_mib_s: float, config: EngineConfig) -> PreCopyPlan:
    bw = float(config.migration_max_bandwidth)
    memory = memory_gb * 1024
    # VDSM 4.13 aborts after migration_timeout without progress, with no overall limit; VDSM 4.40+ has no
    # timer of its own ([V4.50] migration.py MonitorThread): only the convergence schedule aborts
    progress_timeout = float("inf") if config.migration_timeout is None else float(config.migration_timeout)
    elapsed, remaining, iteration = MIGRATION_SETUP_S, memory, 1
    best, best_at = remaining, elapsed
    while True:
        limit_ms = downtime_limit_ms(config, memory_gb, elapsed - MIGRATION_SETUP_S, iteration)
        if limit_ms is None:
            return PreCopyPlan(elapsed, 0, "downtime schedule exhausted: migration aborted")
        round_s = remaining / bw
        if round_s * 1000 <= limit_ms:
            downtime_s = round_s + DEVICE_STATE_S
            return PreCopyPlan(elapsed + downtime_s, round(downtime_s * 1000))
        elapsed += round_s
        remaining = min(memory, dirty_mib_s * round_s)
        iteration += 1
        if remaining < best:
            best, best_at = remaining, elapsed
        if elapsed - best_at > progress_timeout:
            return PreCopyPlan(elapsed, 0, "no progress for migration_timeout: migration aborted")


def downtime_limit_ms(config: EngineConfig, memory_gb: float, elapsed: float, iteration: int) -> float | None:
    """The downtime QEMU may use now: 3.x VDSM ramps it with time, 4.x follows the policy per iteration."""
    if config.migration_convergence == "minimal_downtime":
        limit = config.migration_initial_downtime
        for after, ms in MINIMAL_DOWNTIME_SCHEDULE:
            if iteration > after:
                limit = ms
        if iteration > rules.PRE_COPY_ITERATIONS_4X["minimal_downtime"]:
            return None  # last resort of the policy: abort
        return limit
    steps = config.migration_downtime_steps
    if config.migration_timeout is None:
        return vdsm_fallback_downtime_ms(config, iteration)
    # VDSM 4.13: the ramp lasts migration_timeout / 2, scaled by the memory above 2 GiB ([V4.13] vm.py
    # MigrationDowntimeThread, _migrationTimeout)
    ramp_s = config.migration_timeout / 2 * max(memory_gb, 2) / 2
    step = int(elapsed // (ramp_s / steps))
    if step == 0:
        return config.migration_initial_downtime
    return config.migration_downtime * min(step, steps) / steps


def vdsm_fallback_downtime_ms(config: EngineConfig, iteration: int) -> float | None:
    """VDSM 4.40+ given no convergence schedule by the engine ([V4.50] migration.py
    _legacy_convergence_schedule): `migration_downtime_steps` downtimes growing exponentially to
    `migration_downtime`, one more per iteration, the last held until iteration 43, then abort."""
    steps, top = config.migration_downtime_steps, config.migration_downtime
    if steps > 1:
        offset = top / steps
        base = (top - offset) ** (1 / (steps - 1))
        downtimes = [int(offset + base**i) for i in range(steps)]
    else:
        downtimes = [top]
    if iteration > rules.PRE_COPY_ITERATIONS_4X["legacy_ramp"]:
        return None
    return downtimes[min(iteration - 1, len(downtimes) - 1)]


class Migrations:
    """Engine side: which VMs leave a host, in which order, to which host."""

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        self.ties = sim.rng("ties")
        self.in_flight: dict[str, Vm] = {}  # VMs whose migration was started and may still run
        self.vm_order = {name: i for i, name in enumerate(sim.vms)}

    def connect(self, *, domain: StorageDomain) -> None:
        """The collaborators it calls, given once every actor is built (`Simulation.__init__`)."""
        self.domain = domain

    def evacuate(self, host: Host, reason: str, policy: str | None = None) -> None:
        """SetNonOperationalVdsCommand: migrate by the cluster's resilience policy, by VM priority.
        MaintenanceVds (`policy="maintenance"`) migrates every VM, whatever the resilience policy."""
        sim = self.sim
        policy = policy or sim.scenario.cluster.resilience_policy
        if policy == "do_not_migrate":
            if sim.vms_on(host.name):
                sim.record(EvacuationPlanned, host=host.name, reason=reason, policy=policy)
            return
        vms = [v for v in sim.vms_on(host.name) if v.status in (VmStatus.UP, VmStatus.PAUSED)
               and v.migration is None]
        if policy == "migrate_ha_only":
            vms = [v for v in vms if v.spec.ha]
        vms.sort(key=lambda v: v.name)
        self.ties.shuffle(vms)  # equal priorities: the real order is unspecified (DB row order)
        vms.sort(key=lambda v: -v.spec.priority)
        refusals = {v.name: self.refusal(v) for v in vms}
        refused = [name for name, why in refusals.items() if why]
        if vms:
            sim.record(EvacuationPlanned, host=host.name, reason=reason, policy=policy,
                       order=tuple((v.name, v.spec.priority) for v in vms),
                       refused=tuple((name, refusals[name]) for name in refused), slots=host.outgoing.capacity)
        if refused and sim.config.migrate_multiple_vms_all_or_nothing:
            why = f"MigrateMultipleVms rejected as a whole: {refused[0]} cannot migrate ({refusals[refused[0]]})"
            for vm in vms:
                sim.record(MigrationFailed, vm=vm.name, source=host.name, destination="", reason=why)
            return
        for vm in vms:
            if refusals[vm.name]:
                sim.record(MigrationFailed, vm=vm.name, source=host.name, destination="",
                           reason=refusals[vm.name])
            else:
                self.migrate(vm, host, reason)

    def refusal(self, vm: Vm) -> str | None:
        rule = self.sim.config.migrate_paused_vms
        if vm.status == VmStatus.PAUSED and rule == "none":
            return "MIGRATE_PAUSED_VM_IS_UNSUPPORTED: paused VMs cannot be migrated (3.2-3.4)"
        if vm.status == VmStatus.PAUSED and vm.pause_reason == PauseCode.EIO:
            return "MIGRATE_PAUSED_EIO_VM_IS_NOT_SUPPORTED: VM is paused on an I/O error"
        return None

    def choose_destination(self, vm: Vm, source: Host) -> Host | None:
        """Filters: Up, same cluster, not the source, enough free memory. Weight: most free memory.

        Simplified from the 'none' policy (EvenDistribution CPU x2, memory x1): CPU load is not modelled.
        """
        return decide(self.sim, vm, "migration", exclude=source)

    def migrate(self, vm: Vm, source: Host, reason: str) -> None:
        sim = self.sim
        dest = self.choose_destination(vm, source)
        if dest is None:
            sim.record(MigrationFailed, vm=vm.name, source=source.name, destination="",
                       reason="no host passed the scheduling filters (Memory: not enough free memory)")
            return
        self.start(vm, source, dest, reason)

    def start(self, vm: Vm, source: Host, dest: Host, reason: str) -> None:
        """The engine sends the migrate command to the scheduler's `dest`: its memory is reserved there."""
        sim = self.sim
        dest.reserve(vm.spec.memory_gb)
        sim.record(MigrationStarted, vm=vm.name, source=source.name, destination=dest.name, reason=reason)
        if vm.status == VmStatus.UP:
            vm.set_status(VmStatus.MIGRATING_FROM, f"migrating to {dest.name}")
        vm.migrating(sim.env.process(self._run(vm, source, dest)), dest.name)
        self.in_flight[vm.name] = vm

    def _run(self, vm: Vm, source: Host, dest: Host):
        """VDSM on the source: wait for a slot, copy memory, switch over."""
        sim, env = self.sim, self.sim.env
        started = None
        try:
            with source.outgoing.request() as out_slot:
                yield out_slot
                slots = dest.incoming
                incoming = slots.request() if slots else None
                try:
                    if incoming is not None:
                        yield incoming
                    if vm.pause_reason == PauseCode.EIO and sim.config.eio_fails_migration:
                        self._fail(vm, source, dest, "VDSM refuses to migrate a VM paused on an I/O error "
                                   "(it paused while it waited for a migration slot)")
                        return
                    started = env.now
                    bw = sim.config.migration_max_bandwidth
                    sim.record(MigrationTransferStarted, vm=vm.name, source=source.name,
                               destination=dest.name, bandwidth_mib_s=bw)
                    plan = plan_precopy(vm.spec.memory_gb, vm.spec.dirty_rate_mib_s, sim.config)
                    if plan.aborted:
                        yield env.timeout(plan.duration_s)
                        self._fail(vm, source, dest, plan.aborted)
                        return
                    yield env.timeout(plan.duration_s - plan.downtime_ms / 1000)
                    paused_at = yield from self._switch_over(vm, source)
                    if paused_at is None:
                        self._fail(vm, source, dest, "the final disk flush failed (EIO): migration failed, "
                                   "the VM stays paused on the source")
                        return
                    yield env.timeout(plan.downtime_ms / 1000)
                    self._finish(vm, source, dest, paused_at, started)
                finally:
                    if slots is not None and incoming is not None:
                        slots.release(incoming)
        except simpy.Interrupt as stop:  # an EndLost
            self._fail(vm, source, dest, str(stop.cause))

    def _switch_over(self, vm: Vm, source: Host):
        """The guest stops on the source and QEMU flushes its disks. Hanging writes must fail first.
        3.3 (the guide): the VM is then migrated paused and continued on the destination. 4.x: the
        failed flush fails the migration (None); the VM stays paused on its host."""
        sim, env = self.sim, self.sim.env
        if vm.io_blocked:
            yield self.domain.paths[source.name].io_settled
        if vm.pause_reason is not None:
            return None if sim.config.eio_fails_migration else vm.paused_at
        return env.now

    def _finish(self, vm: Vm, source: Host, dest: Host, paused_at: float, started: float) -> None:
        sim = self.sim
        dest.release(vm.spec.memory_gb)
        vm.migration_ended()
        downtime_ms = round((sim.env.now - paused_at) * 1000)
        sim.record(MigrationFinished, vm=vm.name, source=source.name, destination=dest.name,
                   downtime_ms=downtime_ms, duration_s=round(sim.env.now - started, 3))
        vm.landed(dest, source)

    def _fail(self, vm: Vm, source: Host, dest: Host, reason: str) -> None:
        sim = self.sim
        dest.release(vm.spec.memory_gb)
        vm.migration_ended()
        sim.record(MigrationFailed, vm=vm.name, source=source.name, destination=dest.name, reason=reason)
        if vm.status == VmStatus.MIGRATING_FROM:
            vm.set_status(VmStatus.UP, "migration failed; still running on the source")

    def qemu_died(self, vm: Vm) -> None:
        """The migrating VM's qemu process died on the source: nothing is left to copy."""
        if vm.migration is not None and vm.migration.is_alive and vm.host is not None:
            vm.migration.interrupt(EndLostQemu(vm.host))

    def host_changed(self, host: Host, nic: Nic | None = None) -> None:
        """A host that lost power or its migration link ends the migrations it is an end of."""
        if not host.power.value:
            self.interrupt_all(host, EndLostPower(host.name))
        elif not host.link_up(self.sim.migration_role):
            self.interrupt_all(host, EndLostMigrationLink(host.name))

    def interrupt_all(self, host: Host, cause: EndLost) -> None:
        """A migration needs both ends: a host that loses power or its migration link stops them.
        Only the migrations in flight are looked at (in the scenario's VM order), not every VM."""
        for name in sorted(self.in_flight, key=self.vm_order.__getitem__):
            vm = self.in_flight[name]
            if vm.migration is None or not vm.migration.is_alive:
                del self.in_flight[name]
            elif vm.host == host.name or vm.migration_dest == host.name:
                vm.migration.interrupt(cause)

