"""The administrator's commands, with the engine's own checks: what the portal would refuse is refused.

Each method is one engine command ([E] MaintenanceNumberOfVdssCommand + MaintenanceVdsCommand,
ActivateVdsCommand, FenceVdsManualyCommand, MigrateVmToServerCommand, ForceSelectSPMCommand)
or what root does in a host's shell (`reboot`, restarting vdsmd). A command the engine's
validation (canDoAction) rejects leaves an `ActionRefused` record with the engine's message
name and its words, and changes nothing; a student's impossible click is a lesson, not a crash.

Simplified: no async tasks on the SPM, no pinned (non-migratable) VMs and no Contending pool
status, so the refusals that depend on them never happen; Confirm 'Host has been Rebooted'
takes the admin at their word (the model has no second copy of a VM to corrupt the disk with).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hacourse.engine.clock import sleep_to_next_tick
from hacourse.engine.placement import decide
from hacourse.events import ActionRefused
from hacourse.status import HostStatus as S
from hacourse.status import VmStatus

if TYPE_CHECKING:
    from hacourse.engine.ha import HaRestarter
    from hacourse.engine.host import Host
    from hacourse.engine.lifecycle import HostLifecycle
    from hacourse.engine.migration import Migrations
    from hacourse.engine.simulation import Simulation
    from hacourse.engine.spm import Spm


REBOOT_RESET_S = 10.0
"""Seconds from `reboot` to the machine's reset (services stopping); an estimate, not an oVirt value."""
MAINTENANCE_FROM = frozenset({S.UP, S.NON_OPERATIONAL, S.NON_RESPONSIVE, S.PREPARING_FOR_MAINTENANCE})
"""Statuses MaintenanceNumberOfVdss accepts, of those the model has (also Maintenance, refused
further on, and Down, Error, InstallFailed); Connecting, Initializing, Reboot and Unassigned are
refused: [E3.3.0] MaintenanceNumberOfVdssCommand.canDoAction, [E4.5.6] .validate."""
CONFIRM_REBOOTED_FROM = frozenset({S.NON_RESPONSIVE, S.REBOOT, S.NON_OPERATIONAL, S.MAINTENANCE})
"""FenceVdsManualyCommand.IsLegalStatus, the statuses the model has; Connecting is refused for
intermittent connectivity ([E3.3.0] bll/storage/FenceVdsManualyCommand.canDoAction)."""


class Admin:
    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        self.preparing: set[str] = set()  # hosts whose PreparingForMaintenance actor runs

    def connect(self, *, spm: Spm, migrations: Migrations, lifecycle: HostLifecycle, ha: HaRestarter) -> None:
        """The collaborators it calls, given once every actor is built (`Simulation.__init__`)."""
        self.spm, self.migrations, self.lifecycle, self.ha = spm, migrations, lifecycle, ha

    def refuse(self, action: str, target: str, code: str, reason: str) -> None:
        self.sim.record(ActionRefused, action=action, target=target, code=code, reason=reason)

    # --- maintenance ------------------------------------------------------------------------

    def maintenance(self, name: str) -> None:
        """MaintenanceNumberOfVdss: PreparingForMaintenance, the SPM role handed over, VMs migrated off
        by priority; Maintenance once no VM is left. A NonResponsive host goes straight to
        Maintenance, but only if the engine shows no VM on it and it is not the SPM; a Connecting
        host is refused, so a host that stopped answering is still fenced."""
        sim, host = self.sim, self.sim.hosts[name]
        vms = sim.vms_on(name)
        spm = self.spm.holder == name
        if host.status == S.MAINTENANCE:
            return self.refuse("maintenance", name, "VDS_CANNOT_MAINTENANCE_VDS_IS_IN_MAINTENANCE",
                               f"Cannot switch Host {name} to Maintenance mode: it is already in Maintenance.")
        if host.status not in MAINTENANCE_FROM:
            return self.refuse("maintenance", name, "VDS_CANNOT_MAINTENANCE_VDS_IS_NOT_OPERATIONAL",
                               f"Cannot switch Host {name} to Maintenance mode, Host is not operational "
                               f"(it is {host.status}).")
        unreachable = host.status == S.NON_RESPONSIVE
        if unreachable and vms:
            return self.refuse("maintenance", name, "VDS_CANNOT_MAINTENANCE_VDS_IS_NOT_RESPONDING_WITH_VMS",
                               f"Cannot switch Host {name} to Maintenance mode: it is not responding and the "
                               f"engine shows {len(vms)} VMs on it (confirm 'Host has been Rebooted' first).")
        if unreachable and spm:
            return self.refuse("maintenance", name, "VDS_CANNOT_MAINTENANCE_VDS_IS_NOT_RESPONDING_AND_IS_SPM",
                               f"Cannot switch Host {name} to Maintenance mode: it is not responding and it is "
                               "the SPM.")
        others = [h for h in sim.hosts.values() if h is not host and h.status == S.UP]
        if vms and not others:
            return self.refuse("maintenance", name, "CANNOT_MAINTENANCE_VDS_RUN_VMS_NO_OTHER_RUNNING_VDS",
                               f"Cannot switch Host {name} to Maintenance mode: its VMs have no other Up "
                               "host in the cluster to migrate to.")
        if unreachable:
            host.set_status(S.MAINTENANCE, "MaintenanceVds: the engine cannot reach the host; no VMs to move")
            return None
        host.set_status(S.PREPARING_FOR_MAINTENANCE, "MaintenanceVds: the admin moves the host to maintenance")
        if spm:
            self.spm.stop(name, "SPM host left Up (ResetIrs): going to maintenance")
        self.migrations.evacuate(host, f"{name} is going to maintenance", policy="maintenance")
        if name not in self.preparing:
            self.preparing.add(name)
            sim.env.process(self._preparing(host))
        return None

    def _preparing(self, host: Host):
        """PreparingForMaintenance until no VM is left, then Maintenance at the next poll; a host
        idle for HostPreparingForMaintenanceIdleTime with VMs still on it gets another try (3.4+).
        3.3 has no such try ([E3.3.0]: VdsUpdateRunTimeInfo.moveVDSToMaintenanceIfNeeded at each poll,
        nothing else): the host prepares until its VMs are gone or the admin acts."""
        sim, env = self.sim, self.sim.env
        poll, idle = sim.config.VdsRefreshRate, sim.config.HostPreparingForMaintenanceIdleTime
        try:
            while host.status in (S.PREPARING_FOR_MAINTENANCE, S.CONNECTING):
                if host.status == S.CONNECTING:  # back to preparing if VDSM answers within the grace
                    yield host.status_changed
                    continue
                vms = sim.vms_on(host.name)
                if not vms:
                    yield sleep_to_next_tick(env, poll)
                    if host.status == S.PREPARING_FOR_MAINTENANCE and not sim.vms_on(host.name):
                        host.set_status(S.MAINTENANCE, "no VMs left: the host is in maintenance")
                    continue
                flights = [vm.migration for vm in vms if vm.migration is not None and vm.migration.is_alive]
                if flights:
                    yield env.any_of([*flights, host.status_changed])
                    continue
                if idle is None:  # 3.3: the next poll looks again
                    yield sleep_to_next_tick(env, poll) | host.status_changed
                    continue
                waited = env.timeout(idle)
                yield waited | host.status_changed
                if waited.processed and host.status == S.PREPARING_FOR_MAINTENANCE:
                    self.migrations.evacuate(host, f"{host.name} is still preparing for maintenance "
                                                  "(HostPreparingForMaintenanceIdleTime)", policy="maintenance")
        finally:
            self.preparing.discard(host.name)

    def activate(self, name: str) -> None:
        """ActivateVds: Unassigned, then the engine's next poll initializes the host (InitVdsOnUp:
        Up, or Non Operational if a required network or the storage is still missing)."""
        host = self.sim.hosts[name]
        if host.status == S.UP:
            return self.refuse("activate", name, "VDS_ALREADY_UP", f"Cannot activate Host {name}: it is already Up.")
        if host.status == S.NON_RESPONSIVE:
            return self.refuse("activate", name, "VDS_NON_RESPONSIVE",
                               f"Cannot activate Host {name}: it is not responding.")
        if host.status not in (S.MAINTENANCE, S.PREPARING_FOR_MAINTENANCE, S.NON_OPERATIONAL):
            return self.refuse("activate", name, "ACTION_TYPE_FAILED_OBJECT_LOCKED",
                               f"Cannot activate Host {name} while it is {host.status}.")
        self.lifecycle.activate_vds(host, "ActivateVds: the admin activates the host")
        return None

    # --- fencing by hand ----------------------------------------------------------------------

    def confirm_rebooted(self, name: str) -> None:
        """FenceVdsManualy: the admin vouches that the host is off or was rebooted: the engine sets
        its VMs Down, queues the HA ones for restart and releases the SPM role."""
        host = self.sim.hosts[name]
        if host.status == S.CONNECTING:
            return self.refuse("confirm_rebooted", name, "ACTION_TYPE_FAILED_VDS_INTERMITENT_CONNECTIVITY",
                               f"Cannot confirm 'Host has been Rebooted' for Host {name}: its connectivity is "
                               "intermittent (Connecting).")
        if host.status not in CONFIRM_REBOOTED_FROM:
            return self.refuse("confirm_rebooted", name, "ACTION_TYPE_FAILED_VDS_NOT_MATCH_VALID_STATUS",
                               f"Cannot confirm 'Host has been Rebooted' for Host {name}: it is {host.status}.")
        self.lifecycle.manually_fenced(host)
        return None

    # --- VMs ----------------------------------------------------------------------------------

    def migrate(self, vm_name: str, to: str | None = None) -> None:
        """MigrateVm / MigrateVmToServer: the engine's checks, then the scheduler's filters (on the
        one host asked for, or on every host)."""
        sim = self.sim
        vm = sim.vms[vm_name]
        if vm.status in (VmStatus.DOWN, VmStatus.WAIT_FOR_LAUNCH, VmStatus.UNKNOWN) or vm.host is None:
            return self.refuse("migrate", vm_name, "ACTION_TYPE_FAILED_VM_IS_NOT_RUNNING",
                               f"Cannot migrate VM {vm_name}: it is {vm.status}.")
        if vm.status == VmStatus.MIGRATING_FROM or vm.migration is not None:
            return self.refuse("migrate", vm_name, "ACTION_TYPE_FAILED_VM_IS_BEING_MIGRATED",
                               f"Cannot migrate VM {vm_name}: it is being migrated already.")
        refusal = self.migrations.refusal(vm)
        if refusal:
            code, _, words = refusal.partition(": ")
            return self.refuse("migrate", vm_name, code, f"Cannot migrate VM {vm_name}: {words}.")
        source = sim.hosts[vm.host]
        if to == source.name:
            return self.refuse("migrate", vm_name, "ACTION_TYPE_FAILED_MIGRATION_TO_SAME_HOST",
                               f"Cannot migrate VM {vm_name}: it already runs on {to}.")
        dest = decide(sim, vm, "manual migration", exclude=source, only=sim.hosts[to] if to else None)
        if dest is None:
            return self.refuse("migrate", vm_name, "ACTION_TYPE_FAILED_NO_VDS_AVAILABLE_IN_CLUSTER",
                               f"Cannot migrate VM {vm_name}: no host passed the scheduling filters"
                               + (f" ({to} was asked for)" if to else "") + ".")
        self.migrations.start(vm, source, dest, "migrated by the admin")
        return None

    def run_vm(self, vm_name: str) -> None:
        """RunVm: a VM the engine shows Down starts on the host the scheduler chooses (WaitForLaunch,
        Up once its guest booted); the portal refuses a VM that is not Down or fits nowhere."""
        sim = self.sim
        vm = sim.vms[vm_name]
        if vm.status != VmStatus.DOWN:
            return self.refuse("run_vm", vm_name, "ACTION_TYPE_FAILED_VM_IS_RUNNING",
                               f"Cannot run VM {vm_name}: it is {vm.status}.")
        host = decide(sim, vm, "run")
        if host is None:
            return self.refuse("run_vm", vm_name, "ACTION_TYPE_FAILED_NO_VDS_AVAILABLE_IN_CLUSTER",
                               f"Cannot run VM {vm_name}: no host passed the scheduling filters.")
        launch = vm.launched(host.name, "started by the admin")
        sim.env.process(self.ha.boot(vm, launch, "powered up after the admin's Run"))
        return None

    # --- SPM ----------------------------------------------------------------------------------

    def select_spm(self, name: str) -> None:
        """ForceSelectSPM (oVirt 3.5 and later): stop the current SPM; the election tries this host first."""
        sim, host = self.sim, self.sim.hosts[name]
        if not sim.config.force_select_spm:
            return self.refuse("select_spm", name, "UNSUPPORTED_ACTION",
                               "This engine has no 'Select as SPM' (ForceSelectSPM came with oVirt 3.5); to move "
                               "the role, put the SPM host into maintenance or set SPM priorities.")
        if host.status != S.UP:
            return self.refuse("select_spm", name, "CANNOT_FORCE_SELECT_SPM_VDS_NOT_UP",
                               f"Cannot force select SPM: Host {name} is {host.status}, not Up.")
        if self.spm.holder == name:
            return self.refuse("select_spm", name, "CANNOT_FORCE_SELECT_SPM_VDS_ALREADY_SPM",
                               f"Cannot force select SPM: Host {name} is already the SPM.")
        if host.spec.spm_priority <= -1:
            return self.refuse("select_spm", name, "CANNOT_FORCE_SELECT_SPM_VDS_MARKED_AS_NEVER_SPM",
                               f"Cannot force select SPM: Host {name} has SPM priority -1 (never).")
        self.spm.prefer(name)
        return None

    # --- root on the host ---------------------------------------------------------------------

    def reboot(self, name: str) -> None:
        """`reboot` in the host's shell: the services stop (VDSM, and sanlock, which releases the host's
        leases: an SPM's role is free at once), the VMs' processes die, the machine resets after
        `REBOOT_RESET_S` and boots (`host_boot_s`); the engine finds out by its own timers."""
        sim, host = self.sim, self.sim.hosts[name]
        if not host.power.value:
            return self.refuse("reboot", name, "HOST_POWERED_OFF", f"Host {name} has no power: nobody can log in.")
        if self.spm.holder == name:
            self.spm.stop(name, "VDSM stopped for a reboot: sanlock released the SPM lease")
        host.power_off("rebooted by the admin: the OS shuts down")
        sim.env.process(self._reset(host))
        return None

    def _reset(self, host: Host):
        yield self.sim.env.timeout(REBOOT_RESET_S)
        host.power_on("rebooted by the admin: the OS boots")

    def restart_vdsm(self, name: str) -> None:
        """`service vdsmd restart` (systemctl on 4.x): VDSM stops and starts; qemu processes stay."""
        host = self.sim.hosts[name]
        if not host.power.value:
            return self.refuse("restart_vdsm", name, "HOST_POWERED_OFF", f"Host {name} has no power.")
        host.restart_vdsm()
        return None
