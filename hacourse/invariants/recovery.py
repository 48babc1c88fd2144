"""A lost host's treatment: fencing only as the policy allows, restarts only once the last run is
known to be over, and HA VMs back within a bound once a host has room."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from hacourse import events as ev
from hacourse import rules, sanlock
from hacourse.invariants.world import Violation, World, instants, overdue
from hacourse.model import Scenario
from hacourse.physical import CUT_OFF, TOL
from hacourse.profiles import EngineConfig
from hacourse.status import PROVES_DOWN, FenceMethod, RestartResult
from hacourse.status import HostStatus as H
from hacourse.status import VmStatus as V


def check_fencing(log: Sequence[ev.Record], scenario: Scenario, until: float) -> list[Violation]:
    """A power-management fence hits only a NonResponsive host with a fence agent, through an Up
    proxy, and only as the cluster's fencing policy allows: fencing enabled; with
    skip_if_connectivity_broken, fewer than the threshold's share of hosts Connecting or
    NonResponsive when the host became NonResponsive; with skip_if_sd_active, not while the host's
    storage lease is live (it reached storage less than `sanlock.live_at_least_s` ago; reference §3.2)."""
    out: list[Violation] = []
    policy = scenario.cluster.fencing_policy
    live_s = sanlock.live_at_least_s(scenario.config())
    world = World(scenario)
    broken_share: dict[str, float] = {}
    decision: dict[str, tuple[str, bool, bool]] = {}  # host -> (status left, lease live, proxy Up)

    def share() -> float:
        return rules.broken_connectivity(world.host_status.values())[1]

    for t, group in instants(log):
        turned = []
        for r in group:
            world.apply(r)
            if isinstance(r, ev.HostStatusChanged) and r.new == H.NON_RESPONSIVE:
                broken_share[r.host] = share()
                turned.append(r.host)
            elif isinstance(r, ev.HostStatusChanged) and r.new == H.REBOOT:
                stopped = world.physical.lease_stopped(r.host, t)
                live = stopped is None or t - stopped < live_s - TOL
                proxy = any(s == H.UP for h, s in world.host_status.items() if h != r.host)
                decision[r.host] = (r.old, live, proxy)
            elif isinstance(r, ev.HostFenced) and r.method == FenceMethod.POWER_MANAGEMENT:
                old, live, proxy = decision.pop(r.host, (world.host_status[r.host], True, False))
                why = []
                if old != H.NON_RESPONSIVE:
                    why.append(f"it was {old}, not NonResponsive")
                if not scenario.host(r.host).power_management:
                    why.append("it has no power management")
                elif not world.physical.fact(ev.FENCE_AGENT_UP, r.host):
                    why.append("its fence agent did not answer")
                if not policy.enabled:
                    why.append("the fencing policy disables fencing")
                if not proxy:
                    why.append("no other host was Up to act as fence proxy")
                if policy.skip_if_sd_active and live:
                    why.append("skip_if_sd_active and its storage lease was live")
                if (policy.skip_if_connectivity_broken
                        and broken_share.get(r.host, 0) >= policy.hosts_with_broken_connectivity_threshold):
                    why.append(f"skip_if_connectivity_broken and {broken_share[r.host]:.0f} % of the hosts "
                               f"had connectivity problems (threshold "
                               f"{policy.hosts_with_broken_connectivity_threshold} %)")
                if why:
                    out.append(Violation(t, "fencing-policy",
                                         f"{r.host} was power-fenced although " + "; ".join(why)))
        for host in turned:
            broken_share[host] = min(broken_share[host], share())
    return out


def check_restart_after_confirmed_down(log: Sequence[ev.Record], scenario: Scenario,
                                       until: float) -> list[Violation]:
    """A VM is started again (WaitForLaunch) only once its last run is known to be over: a power
    or manual fence of its host, or a Down that the engine heard from a host it can reach, or an expired VM
    lease (4.1+): its host has not reached storage for `sanlock.dead_no_sooner_than_s`."""
    out: list[Violation] = []
    leased = {v.name for v in scenario.vms if v.lease}
    dead = sanlock.dead_no_sooner_than_s(scenario.config())
    world = World(scenario)
    fenced: set[str] = set()
    confirmed: set[str] = set()
    for r in log:
        if isinstance(r, ev.HostFenced) and r.method in PROVES_DOWN:
            fenced |= world.vms_on[r.host]
        elif isinstance(r, ev.VmStatusChanged) and r.new == V.DOWN:
            stopped = world.physical.lease_stopped(r.host, r.t)
            lease_free = r.vm in leased and stopped is not None and r.t - stopped >= dead - TOL
            if r.vm in fenced or lease_free or world.host_status[r.host] not in CUT_OFF:
                confirmed.add(r.vm)
        elif isinstance(r, ev.VmStatusChanged) and r.new == V.WAIT_FOR_LAUNCH:
            if r.vm not in confirmed:
                out.append(Violation(r.t, "restart-confirmed", f"VM {r.vm} restarted on {r.host} although "
                                     f"{world.vm_host[r.vm] or 'its host'} was never confirmed down"))
            confirmed.discard(r.vm)
            fenced.discard(r.vm)
        world.apply(r)
    return out


def restart_bound_s(config: EngineConfig, failed_tries: int) -> float:
    """How long an HA VM may stay Down while a healthy host has room for it: the runner's next tick
    (`AutoStartVmsRunnerIntervalInSeconds`), a pending retry wait
    (`RetryToRunAutoStartVmShortIntervalInSeconds` while short tries remain,
    `RetryToRunAutoStartVmLongIntervalInSeconds` after), and the boot to Up (`VM_BOOT_S`)."""
    short_tries = rules.restart_short_tries(config)
    wait = (rules.restart_short_retry_s(config) if failed_tries < short_tries
            else rules.restart_long_retry_s(config) or 0)
    return float((rules.ha_runner_interval_s(config) or 0) + wait + rules.VM_BOOT_S)


def check_ha_restart_bound(log: Sequence[ev.Record], scenario: Scenario, until: float) -> list[Violation]:
    """Every HA VM that is Down is Up again within `restart_bound_s` of the moment a healthy host
    with room for it appears (and stays), unless the engine has used up its tries (3.3: one try, no
    long retries). The clock stops while a higher-priority HA VM is still in the runner's list,
    launching or waiting for a try (4.4+ ordering), until the VM has been held back
    `MaxTimeAutoStartBlockedOnPriority` (counted here as its time Down while a higher one was in
    the list, at least the engine's count). A try that finds no room is checked too: no Up host may
    have had enough free memory at that instant (tries that failed for another reason, such as a
    VM lease still held, are not counted)."""
    out: list[Violation] = []
    config = scenario.config()
    short_tries = rules.restart_short_tries(config)
    gives_up = not rules.restart_long_retry_s(config)
    block = rules.restart_priority_block_s(config)
    ha = {v.name: v for v in scenario.vms if v.ha}
    world = World(scenario)
    owed: dict[str, float | None] = {}  # Down HA VM -> since when a healthy host has had room for it
    failed: dict[str, int] = defaultdict(int)
    in_list: set[str] = set()  # the runner's list: Down and not given up, or launching
    held_s: dict[str, float] = defaultdict(float)  # time Down while a higher-priority VM was in the list
    slack = rules.ha_runner_interval_s(config) or 0
    last_t = 0.0

    def above(vm: str) -> bool:
        return any(ha[o].priority > ha[vm].priority for o in in_list)

    def blocked(vm: str) -> bool:
        return block > 0 and above(vm) and held_s[vm] <= block + slack

    def judge(now: float, strict: bool) -> None:
        for vm, since in sorted(owed.items()):
            due = None if since is None else since + restart_bound_s(config, failed[vm])
            if due is not None and overdue(due, now, strict):
                out.append(Violation(due, "ha-restart-bound", f"HA VM {vm} is still {world.vm_status[vm]}: a "
                                     f"healthy host has had room for it since {since:g} s"))
                del owed[vm]

    for t, group in instants(log):
        for vm in owed:
            if block > 0 and world.vm_status[vm] == V.DOWN and vm in in_list and above(vm):
                held_s[vm] += t - last_t
        last_t = t
        judge(t, strict=True)
        for r in group:
            if isinstance(r, ev.HaRestartAttempted) and r.vm in ha and not r.host and r.outcome == RestartResult.NO_ROOM:
                roomy = [h for h in world.host_status
                         if world.host_status[h] == H.UP and world.free_gb(h) >= ha[r.vm].memory_gb - 1e-9]
                if roomy:
                    out.append(Violation(t, "ha-restart-bound", f"no room found for {r.vm} "
                                         f"({ha[r.vm].memory_gb:g} GiB), but {roomy[0]} had "
                                         f"{world.free_gb(roomy[0]):g} GiB free"))
                failed[r.vm] += 1
                if gives_up and failed[r.vm] >= short_tries:
                    owed.pop(r.vm, None)
                    in_list.discard(r.vm)
            world.apply(r)
            if isinstance(r, ev.VmStatusChanged) and r.vm in ha:
                if r.new == V.DOWN:
                    owed[r.vm], failed[r.vm], held_s[r.vm] = None, 0, 0.0
                    in_list.add(r.vm)
                elif r.new != V.WAIT_FOR_LAUNCH:
                    owed.pop(r.vm, None)
                    in_list.discard(r.vm)
        healthy = [h for h in world.host_status if world.healthy(h)] if owed else []
        most_free = max((world.free_gb(h) for h in healthy), default=0.0)
        for vm, since in owed.items():
            room = world.vm_status[vm] == V.WAIT_FOR_LAUNCH or (
                not blocked(vm) and most_free >= ha[vm].memory_gb - 1e-9)
            owed[vm] = (t if since is None else since) if room else None
    judge(until, strict=True)  # the run never processed `until` (world.overdue)
    return out
