"""Non-responding treatment ([E] VdsNotRespondingTreatmentCommand): soft fence, then power fence.

The engine fences only a host it cannot reach, and only what its fencing policy allows; HA VMs
are restarted elsewhere only once a power fence confirmed the host is off.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hacourse import rules, sanlock
from hacourse.engine.clock import last_tick
from hacourse.events import (
    FENCE_AGENT_UP,
    KDUMPING,
    FenceAttempted,
    FenceChecksEvaluated,
    FencingSkipped,
    HostFenced,
    KdumpDetection,
)
from hacourse.status import FenceMethod, HostStatus, SkipCause

if TYPE_CHECKING:
    from hacourse.engine.host import Host
    from hacourse.engine.lifecycle import HostLifecycle
    from hacourse.engine.monitoring import HostMonitor
    from hacourse.engine.simulation import Simulation
    from hacourse.engine.spm import Spm
    from hacourse.engine.storage import StorageDomain


class Fencing:
    def __init__(self, sim: Simulation) -> None:
        self.sim = sim

    def connect(self, *, spm: Spm, lifecycle: HostLifecycle, monitor: HostMonitor, domain: StorageDomain) -> None:
        """The collaborators it calls, given once every actor is built (`Simulation.__init__`)."""
        self.spm, self.lifecycle, self.monitor, self.domain = spm, lifecycle, monitor, domain

    def treat(self, host: Host, last_seen: float) -> None:
        self.sim.env.process(self._treat(host, last_seen))

    def skip_reason(self, host: Host) -> str | None:
        """The cluster's fencing policy before any fence; records the checks and their values."""
        policy = self.sim.scenario.cluster.fencing_policy
        checks = [("fencing enabled", "yes" if policy.enabled else "no", "pass" if policy.enabled else "skip")]
        reason: str | None = None if policy.enabled else SkipCause.DISABLED
        if policy.enabled and policy.skip_if_connectivity_broken:
            hosts = list(self.sim.hosts.values())
            broken, share = rules.broken_connectivity([h.status for h in hosts])
            limit = policy.hosts_with_broken_connectivity_threshold
            value = f"{broken} of {len(hosts)} hosts ({share:.0f} %) Connecting or NonResponsive, threshold {limit} %"
            checks.append(("skip_if_connectivity_broken", value, "skip" if share >= limit else "pass"))
            if share >= limit:
                reason = (f"{SkipCause.CONNECTIVITY_BROKEN}: {broken} of {len(hosts)} hosts ({share:.0f} %) have "
                          f"connectivity problems, threshold {limit} %")
        elif policy.enabled:
            checks.append(("skip_if_connectivity_broken", "off", "pass"))
        self.sim.record(FenceChecksEvaluated, host=host.name, step="before soft fencing", checks=tuple(checks),
                        outcome="skip fencing" if reason else "SSH soft fencing")
        return reason

    def _skip(self, host: Host, reason: str) -> None:
        """No fence. If the host is the SPM, the data center cannot get a new one: 3.3 says so by
        setting it NotOperational ([E3.3.0] VdsNotRespondingTreatmentCommand.HandleError); 4.x leaves
        it NonResponsive, as its pool poll set it."""
        self.sim.record(FencingSkipped, host=host.name, reason=reason)
        if self.spm.holder == host.name and self.sim.config.unfenced_spm_pool_not_operational:
            self.spm.set_dc_status("NotOperational", f"the SPM {host.name} cannot be fenced")

    def _treat(self, host: Host, last_seen: float):
        sim, env, config = self.sim, self.sim.env, self.sim.config
        reason = self.skip_reason(host)
        if reason:
            self._skip(host, reason=reason)
            return
        # Step 1: SSH soft fencing restarts VDSM; it needs the management network and a booted host.
        # 4.x asks the fence agent first (through a proxy) and skips it for a host reported off.
        if (config.ssh_soft_fence_checks_power and host.spec.power_management and host.fact(FENCE_AGENT_UP)
                and not host.power.value and not host.fact(KDUMPING) and self._proxy(host) is not None):
            # (a host in its crash kernel is powered: the agent reports it on)
            sim.record(FenceAttempted, host=host.name, method=FenceMethod.SSH_SOFT,
                       result="skipped: the fence agent reports the host powered off")
        elif host.os_up and host.link_up("management"):
            sim.record(FenceAttempted, host=host.name, method=FenceMethod.SSH_SOFT,
                       result="vdsm-tool service-restart vdsmd over SSH")
            host.restart_vdsm()
            back = host.status_changed
            yield env.timeout(config.TimeoutToResetVdsInSeconds) | back
            if host.status != HostStatus.NON_RESPONSIVE:
                sim.record(HostFenced, host=host.name, method=FenceMethod.SSH_SOFT)
                return
        else:
            yield env.timeout(config.ssh_connect_timeout_s)  # the SSH connection times out
            if host.status != HostStatus.NON_RESPONSIVE:
                return
            why = ("the host runs its crash kernel (kdump): no SSH" if host.fact(KDUMPING)
                   else "host is powered off" if not host.power.value else "host is still booting: no SSH" if not host.os_up
                   else "no SSH connection over the management network")
            sim.record(FenceAttempted, host=host.name, method=FenceMethod.SSH_SOFT, result=f"failed: {why}")
        checks = [("power management", "configured" if host.spec.power_management else "none",
                   "pass" if host.spec.power_management else "skip")]
        if not host.spec.power_management:
            sim.record(FenceChecksEvaluated, host=host.name, step="before power fencing", checks=tuple(checks),
                       outcome="wait for the admin to confirm 'host has been rebooted'")
            self._skip(host,
                       reason=f"{SkipCause.NO_POWER_MANAGEMENT}: the engine cannot prove the host is down; its VMs "
                              "stay Unknown until an admin confirms 'host has been rebooted'")
            return
        if host.spec.kdump_detection and config.KdumpStartedTimeout is not None:
            if (yield from self._kdump_detection(host)):
                return  # the dump finished: no power fence; the host reboots by itself
            if host.status != HostStatus.NON_RESPONSIVE:
                return
        live = False  # skip_if_sd_active's answer: the proxy's VDSM finds the host's storage lease live
        if sim.scenario.cluster.fencing_policy.skip_if_sd_active:
            interval = config.HostStorageLeaseAliveCheckingInterval
            assert interval is not None  # the policy and its interval came with 3.5 (profiles.SCENARIO_KEYS_SINCE)
            alive_check = last_seen + interval
            yield env.timeout(max(0.0, alive_check - env.now))
            if host.status != HostStatus.NON_RESPONSIVE:
                return
            lost = self.domain.paths[host.name].lost_at  # renewals stop when storage or power is lost
            renewed = env.now if lost is None else last_tick(lost, self.spm.renewal_s, self.spm.renewal_phase(host.name))
            live = env.now - renewed < sanlock.renewal_fail_s(config)  # HOST_STATUS_LIVE on the proxy's VDSM
            age = f"last lease renewal {env.now - renewed:.0f} s ago, live below {sanlock.renewal_fail_s(config):g} s"
            checks.append(("skip_if_sd_active", age, "skip" if live else "pass"))
        else:
            checks.append(("skip_if_sd_active", "off", "pass"))
        proxy = self._proxy(host)
        checks.append(("fence proxy", proxy.name if proxy else "no Up host", "pass" if proxy else "skip"))
        outcome = ("skip fencing" if proxy is None else f"power management restart through {proxy.name}"
                   + (", whose VDSM refuses the stop" if live else ""))
        sim.record(FenceChecksEvaluated, host=host.name, step="before power fencing", checks=tuple(checks),
                   outcome=outcome)
        if proxy is None:
            self._skip(host, reason=SkipCause.NO_PROXY)
            return
        # Step 2: RestartVds through the proxy ([E3.3.0] RestartVdsCommand): StopVds (the host shows
        # Reboot), the agent confirms "off" at its first status check, RestartVdsVms and
        # FenceVdsManualy (VMs Down, HA VMs restarted, the SPM role freed), then StartVds.
        # A StopVds that does not stop the host puts back the status it found, NonResponsive
        # (FenceVdsBaseCommand.executeCommand, finally, [E3.3.0] and [E4.5.6]). Simplified: the agent
        # answers at once, as everywhere in the model, so that Reboot lasts no time (the real one
        # lasts the agent's calls through the proxy, seconds).
        host.set_status(HostStatus.REBOOT, f"power management restart through {proxy.name}")
        if live:  # 3.5+: the proxy's VDSM refuses the 'off' (vdsm API.fenceNode: "Skipping execution of action")
            host.set_status(HostStatus.NON_RESPONSIVE, f"StopVds through {proxy.name} skipped by the fencing "
                            "policy: the status StopVds found is put back")
            self._skip(host, reason=f"{SkipCause.SD_ACTIVE}: {proxy.name}'s VDSM refused the stop: the host renewed "
                                    f"its storage lease within {sanlock.RENEWAL_FAIL} x io_timeout")
            return
        if not host.fact(FENCE_AGENT_UP):  # the stop fails; RestartVds fails with it (no retry)
            self._restart_failed(host, f"the fence agent of {host.name} does not answer; reboot the host by hand "
                                       "and confirm 'host has been rebooted'",
                                 f"StopVds through {proxy.name} failed: the status StopVds found is put back")
            return
        if host.fact(KDUMPING):
            host.end_kdump("cut short by the power fence; the dump is lost")
        host.power_off("fence agent: stop")
        yield env.timeout(rules.FENCE_FIRST_STATUS_CHECK_S)
        if not host.fact(FENCE_AGENT_UP):
            self._agent_lost(host, "StopVds", "before it confirmed the host off: the engine cannot know the "
                             "host is off, so nothing is restarted; confirm 'host has been rebooted' by hand")
            return
        sim.record(HostFenced, host=host.name, method=FenceMethod.POWER_MANAGEMENT)
        self.lifecycle.confirmed_down(host)
        if not host.fact(FENCE_AGENT_UP):
            self._agent_lost(host, "StartVds", "so the host stays off; start it by hand")
            return
        reboot_timeout = rules.server_reboot_timeout_s(config)
        if reboot_timeout is None:  # 3.3 StartVdsCommand.setStatus: NonResponsive while it boots
            host.set_status(HostStatus.NON_RESPONSIVE, "power management start: the host boots")
        host.power_on("fence agent: start")
        if reboot_timeout is not None:
            yield env.timeout(rules.FENCE_FIRST_STATUS_CHECK_S)  # the agent confirms "on"
            if not host.fact(FENCE_AGENT_UP):
                self._agent_lost(host, "StartVds", "before it confirmed the host on; the host boots by itself")
                return
            yield from self._sleep_on_reboot(host, reboot_timeout)

    def _agent_lost(self, host: Host, step: str, then: str) -> None:
        """The agent stopped answering during RestartVds: the status check of `step` fails, the step
        fails and the restart with it, and the engine shows the host NonResponsive ([E4.5.6]
        SingleAgentFenceActionExecutor.waitForStatus returns the failed status call;
        FenceVdsBaseCommand puts back the status it found; RestartVdsCommand: NonResponsive on
        failure; [E3.3.0] FenceVdsBaseCommand.handleWaitFailure alike)."""
        self._restart_failed(host, f"the fence agent of {host.name} stopped answering during {step}, {then}",
                             f"power management restart failed at {step}")

    def _restart_failed(self, host: Host, why: str, status_reason: str) -> None:
        """RestartVds failed, whichever step: the power fence's failure is logged and the host is
        NonResponsive (RestartVdsCommand: NonResponsive on failure), with no retry."""
        self.sim.record(FenceAttempted, host=host.name, method=FenceMethod.POWER_MANAGEMENT, result=f"failed: {why}")
        if host.status != HostStatus.NON_RESPONSIVE:
            host.set_status(HostStatus.NON_RESPONSIVE, status_reason)

    def _proxy(self, host: Host) -> Host | None:
        """The host the engine sends fence commands through: another host that is Up."""
        return next((h for h in self.sim.hosts.values() if h is not host and h.status == HostStatus.UP), None)

    def _kdump_detection(self, host: Host):
        """[E4.5.6] VdsKdumpDetectionCommand, after a failed soft fence of a host with power management
        and kdump integration: every FenceKdumpMessageInterval it reads the fence_kdump listener's
        session for the host. No session within KdumpStartedTimeout: on to the power fence. A
        session: the host is Kdumping, its VMs are restarted and the engine does what a confirmed
        fence does (FenceVdsManualy: VMs Down, HA VMs restarted, the SPM role freed); once the
        listener marks the dump finished (KDUMP_FINISHED_TIMEOUT after its last message), the host
        is NonResponsive and is not fenced: it reboots by itself. Whether the host answers VDSM
        is not asked meanwhile (the status keeps the host monitor out). Simplified: the listener
        is alive, and its 5 s sync with the database is not modelled."""
        sim, env, config = self.sim, self.sim.env, self.sim.config
        interval = float(config.FenceKdumpMessageInterval or 5)
        give_up = env.now + float(config.KdumpStartedTimeout or 0)
        detected = False
        while True:
            session = host.kdump_session(float(config.KDUMP_FINISHED_TIMEOUT or 0))
            if session is None and not detected and env.now > give_up:
                sim.record(KdumpDetection, host=host.name, result="kdump flow not detected within "
                           f"KdumpStartedTimeout ({config.KdumpStartedTimeout} s): on to the power fence")
                return False
            if session is not None and not detected:
                detected = True
                sim.record(KdumpDetection, host=host.name, result="kdump flow detected: fence_kdump messages "
                           "from the host")
                host.set_status(HostStatus.KDUMPING, "kdump flow detected: the host dumps its memory")
                sim.record(HostFenced, host=host.name, method=FenceMethod.KDUMP)
                self.lifecycle.confirmed_down(host)  # restartVdsVms, FenceVdsManualy
            if session == "finished":
                sim.record(KdumpDetection, host=host.name, result="kdump flow finished: no power fence, the "
                           "host reboots by itself")
                host.set_status(HostStatus.NON_RESPONSIVE, "kdump flow finished")
                if host.answers_engine:
                    self.monitor.contact_back(host)
                return True
            yield env.timeout(interval)

    def _sleep_on_reboot(self, host: Host, timeout: float):
        """4.x ([E4.5.6] VdsCommand.sleepOnReboot): the host stays Reboot for `ServerRebootTimeout`
        whatever happens, its network errors ignored (`inServerRebootTimeout`) and the host not
        monitored (Reboot is not `VDSStatus.isEligibleForHostMonitoring`); then it is set
        NonResponsive and the host monitor takes over: a host whose VDSM answers comes back, one
        that does not (its management link is down) stays NonResponsive."""
        yield self.sim.env.timeout(timeout)
        if host.status != HostStatus.REBOOT:
            return
        host.set_status(HostStatus.NON_RESPONSIVE, "reboot finished: VDSM answers" if host.answers_engine
                        else f"no answer within ServerRebootTimeout ({timeout:g} s) after the restart")
        if host.answers_engine:
            self.monitor.contact_back(host)
