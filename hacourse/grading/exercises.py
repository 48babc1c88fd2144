"""Graded exercises: each check reads the student's answer and the event log of a run, and says
what is right, or what is wrong and why, in the words of the lesson.

The checks call the plain Python API (`simulate` on a `Scenario`), never widget state, so an
autograder runs them headless in a second. Each wrong answer gets the feedback written for its
kind of mistake (`Feedback.kind`), built from what the log shows for that answer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from hacourse import events as ev
from hacourse.analysis.audit import clock, events_table
from hacourse.analysis.intervals import migration_spans
from hacourse.engine import simulate
from hacourse.model import Scenario, priority_label
from hacourse.scenario import ScenarioError, load_scenario, vary
from hacourse.scenario.checker import did_you_mean
from hacourse.scenario.starter import shipped_scenarios
from hacourse.status import RestartResult

SEEDS = range(5)  # checks that depend on a tie run every one of these seeds


@dataclass(frozen=True)
class Feedback:
    """What a check found: `passed`, the kind of answer (`correct` or the mistake's name), and why."""

    passed: bool
    kind: str
    message: str

    def __str__(self) -> str:
        return ("Right: " if self.passed else "Not yet: ") + self.message + ("" if self.message.endswith(".") else ".")


def _right(message: str) -> Feedback:
    return Feedback(True, "correct", message)


def _wrong(kind: str, message: str) -> Feedback:
    return Feedback(False, kind, message)


def shipped(name: str, changes: Mapping[str, object] | None = None) -> Scenario:
    """A shipped scenario with some settings changed (`hosts.pacific.spm_priority`, `faults`, ...:
    the settings of `hacourse.scenario.vary`); raises ScenarioError, naming the setting, when a
    change is not valid."""
    scenario = load_scenario(shipped_scenarios()[name])
    # The shipped promises (`expect:`) are about the shipped story, not this variant.
    return vary(scenario, {"expect": [], **(changes or {})}, source=f"{name} (exercise)")


def story(scenario: Scenario, seed: int = 0, only: Sequence[str] = ()) -> str:
    """The run as the Events tab shows it, oldest first; `only` keeps some record kinds."""
    rows = reversed(events_table(simulate(scenario, seed=seed)))
    return "\n".join(f"{row.time:>6}  {row.message}" for row in rows if not only or row.kind in only)


def _invalid(error: ScenarioError) -> Feedback:
    problems = "; ".join(f"{p.path}: {p.message}" if p.path else p.message for p in error.problems)
    return _wrong("invalid", f"that answer does not make a valid scenario: {problems}")


def _verb(names: Sequence[str], singular: str) -> str:
    return singular if len(names) == 1 else singular.removesuffix("s")


def _names(names: Sequence[str]) -> str:
    return ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else "".join(names)


# ---- 1. predict the migration order (lesson 1) ----------------------------------------------

MIGRATION_ORDER = "pacific-storage-down"


def check_migration_order(answer: Sequence[str], seed: int = 0) -> Feedback:
    """`answer`: the VMs in the order the engine starts migrating them off Pacific."""
    scenario = shipped(MIGRATION_ORDER)
    log = simulate(scenario, seed=seed)
    vms = {vm.name: vm for vm in scenario.vms}
    started = [m.vm for m in migration_spans(log)]
    if isinstance(answer, str) or not isinstance(answer, Sequence) or not all(isinstance(v, str) for v in answer):
        return _wrong("format", "write the answer as a list of VM names, e.g. ['db1', 'web1', ...]")
    for name in answer:
        if name not in vms:
            return _wrong("unknown-vm", f"there is no VM '{name}'{did_you_mean(name, vms)}; the VMs are "
                          f"{_names(list(vms))}")
    twice = sorted({v for v in answer if answer.count(v) > 1})
    if twice:
        return _wrong("duplicate", f"{_names(twice)} {_verb(twice, 'appears')} more than once; each VM migrates once")
    stayed = [v for v in answer if v not in started]
    if stayed:
        where = _names([f"{v} runs on {vms[v].host}" for v in stayed])
        return _wrong("not-migrated", f"{where}, which stays Up: the engine migrates only the VMs of the "
                      "host that turned NonOperational")
    missing = [v for v in started if v not in answer]
    if missing:
        return _wrong("missing", f"{_names(missing)} {_verb(missing, 'migrates')} too: with resilience_policy "
                      f"{scenario.cluster.resilience_policy}, every VM of the NonOperational host leaves, "
                      "HA or not (migrate_ha_only would move only the HA ones)")

    def label(v: str) -> str:
        return f"{v} ({priority_label(vms[v].priority)}, {vms[v].priority})"

    if [vms[v].priority for v in answer] == [vms[v].priority for v in started]:
        ties = [group for p in dict.fromkeys(vms[v].priority for v in started)
                if len(group := [v for v in started if vms[v].priority == p]) > 1]
        said = "; ".join(f"{_names(g)} share priority {priority_label(vms[g[0]].priority)}" for g in ties)
        return _right("The engine sorts the VMs of a NonOperational host by priority, highest first, and "
                      f"asks for all their migrations at once ({clock(migration_spans(log)[0].requested)}). "
                      + (f"Within a priority the order is not specified ({said}); this run (seed {seed}) "
                         f"started {_names(started)}, in that order; any order within a priority counts."
                         if ties else ""))
    finished = [r.vm for r in log if isinstance(r, ev.MigrationFinished)]
    if list(answer) == finished:
        return _wrong("finish-order", "that is the order in which the VMs arrived on Atlantic (MigrationFinished). "
                      "The question is the order in which the engine started them (MigrationStarted): a small "
                      "VM started late can finish before a big one started first, and a VM whose writes hang "
                      "finishes only once its I/O failed")
    if list(answer) == sorted(answer, key=lambda v: vms[v].memory_gb):
        return _wrong("memory", "you put the smallest VMs first, as if the engine cleared the host fastest that "
                      "way; it does not look at size when it orders migrations, only at each VM's priority "
                      "(the HA flag does not order them either)")
    place = next(i for i, (a, s) in enumerate(zip(answer, started, strict=False)) if vms[a].priority != vms[s].priority)
    there = priority_label(vms[started[place]].priority)
    return _wrong("priority", f"at place {place + 1} you put {label(answer[place])}, but the engine started a "
                  f"{there}-priority VM there ({label(started[place])}). It sorts the VMs of a NonOperational "
                  "host by priority, highest first, HA or not")


# ---- 2. SPM priorities: keep the SPM off a host (lesson 2) -----------------------------------

SPM_SCENARIO = "spm-storage-down"
SPM_AVOID = "pacific"  # the host that must never hold the SPM role


def spm_scenario(priorities: Mapping[str, int], also_lost: Sequence[str] = ()) -> Scenario:
    """spm-storage-down with these `spm_priority` values; `also_lost` hosts lose storage too."""
    faults = load_scenario(shipped_scenarios()[SPM_SCENARIO]).faults
    lost = [{"at": faults[0].at, "action": "ifdown", "host": h, "nic": "storage"} for h in also_lost]
    settings = {f"hosts.{host}.spm_priority": priority for host, priority in priorities.items()}
    return shipped(SPM_SCENARIO, {**settings, "faults": [*faults, *lost]})


def _elected(log: Sequence[ev.Record]) -> list[ev.SpmStarted]:
    return [r for r in log if isinstance(r, ev.SpmStarted) and not ev.is_initial(r)]


def check_spm_priorities(priorities: Mapping[str, int]) -> Feedback:
    """`priorities`: each host's spm_priority, so that the SPM never lands on SPM_AVOID."""
    hosts = [h.name for h in shipped(SPM_SCENARIO).hosts]
    if not isinstance(priorities, Mapping) or sorted(priorities) != sorted(hosts):
        return _wrong("format", f"give one spm_priority for each of {_names(hosts)}, e.g. "
                      + str(dict.fromkeys(hosts, 5)))
    try:
        scenario = spm_scenario(priorities)
    except ScenarioError as error:
        if any(p.path == "spm" for p in error.problems):
            return _wrong("spm-never", "atlantic holds the SPM role when the run starts, so it cannot have "
                          "-1 (never SPM); only the hosts that must never hold it get -1")
        return _invalid(error)
    other = next(h for h in hosts if h not in (scenario.spm, SPM_AVOID))
    for seed in SEEDS:
        elected = _elected(simulate(scenario, seed=seed))
        if not elected:
            return _wrong("no-spm", f"no host took over the SPM role after {scenario.spm} lost its storage: "
                          f"{other} has {priorities[other]} and {SPM_AVOID} {priorities[SPM_AVOID]}, and -1 "
                          "means never. A data center without an SPM cannot create or delete disks, snapshots "
                          "or templates: another host must be able to take over")
        if elected[0].host == SPM_AVOID:
            tie = priorities[SPM_AVOID] == priorities[other]
            why = (f"{SPM_AVOID} and {other} have the same priority, so the election is a coin toss (the seed's)"
                   if tie else f"{SPM_AVOID}'s priority {priorities[SPM_AVOID]} is higher than {other}'s "
                   f"{priorities[other]}")
            return _wrong("avoided-host-elected", f"in the run with seed {seed}, {SPM_AVOID} became the SPM at "
                          f"{clock(elected[0].t)} ({elected[0].reason}): {why}")
    for seed in SEEDS:
        elected = _elected(simulate(spm_scenario(priorities, also_lost=[other]), seed=seed))
        if elected and elected[0].host == SPM_AVOID:
            return _wrong("not-never", f"{other} took over in every run, but {SPM_AVOID} is still a candidate: when "
                          f"{other} lost its storage too, {SPM_AVOID} (priority {priorities[SPM_AVOID]}) became "
                          f"the SPM at {clock(elected[0].t)}. A low priority only puts a host last in line; "
                          "only -1 means never")
    first = _elected(simulate(scenario, seed=0))[0]
    return _right(f"{other} became the SPM at {clock(first.t)} once the old lease was dead, in every run, and "
                  f"{SPM_AVOID} never did, not even when {other} lost its storage too: spm_priority -1 takes a "
                  "host out of every election. The price: with both other hosts gone, no host holds the role "
                  "until storage returns")


# ---- 3. a fencing policy for a flapping management switch (lesson 3) -------------------------

FLAPPING = "pacific-mgmt-down"


def flapping_faults(host: str = "pacific", nic: str = "ovirtmgmt", first: float = 60, down_s: float = 100,
                    up_s: float = 100, times: int = 3) -> list[dict]:
    """The switch port of `host`'s NIC flaps: `times` x (ifdown, `down_s` later ifup, `up_s` later ...)."""
    faults = []
    for n in range(times):
        at = first + n * (down_s + up_s)
        faults += [{"at": at, "action": "ifdown", "host": host, "nic": nic},
                   {"at": at + down_s, "action": "ifup", "host": host, "nic": nic}]
    return faults


def fencing_scenario(policy: Mapping[str, object], power_loss: bool = False) -> Scenario:
    """pacific-mgmt-down on ovirt-4.5 with this cluster fencing policy; its management link flaps,
    or (`power_loss`) Pacific really loses power at 60 s."""
    faults = [{"at": 60, "action": "power_off", "host": "pacific"}] if power_loss else flapping_faults()
    cluster = {"resilience_policy": "migrate", "fencing_policy": dict(policy)}
    return shipped(FLAPPING, {"engine_profile": "ovirt-4.5", "faults": faults, "cluster": cluster})


def _last_status(log: Sequence[ev.Record]) -> dict[str, ev.VmStatusChanged]:
    """Each VM's last status change: where and how it ended."""
    return {r.vm: r for r in log if isinstance(r, ev.VmStatusChanged)}


def _went_down(log: Sequence[ev.Record], vms: Sequence[str]) -> list[ev.VmStatusChanged]:
    return [r for r in log if isinstance(r, ev.VmStatusChanged) and r.vm in vms and r.new == "Down"]


def check_fencing_policy(policy: Mapping[str, object]) -> Feedback:
    """`policy`: the cluster's fencing_policy, so that HA VMs stay up while the switch flaps and
    are still restarted when the host really dies."""
    if not isinstance(policy, Mapping):
        return _wrong("format", "write the policy as a dict, e.g. {'enabled': True, 'skip_if_sd_active': False}")
    try:
        flapping, power_loss = fencing_scenario(policy), fencing_scenario(policy, power_loss=True)
    except ScenarioError as error:
        return _invalid(error)
    ha = [vm.name for vm in flapping.vms if vm.ha and vm.host == "pacific"]
    log = simulate(flapping)
    fenced = [r for r in log if isinstance(r, ev.HostFenced) and r.host == "pacific"]
    if fenced:
        down = _went_down(log, ha)
        return _wrong("fenced-on-flap", f"while the switch port flapped, pacific was fenced at {clock(fenced[0].t)} "
                      f"({fenced[0].method}), so {_names(ha)}, which ran fine, went Down at {clock(down[0].t)} and "
                      "had to boot again elsewhere. Pacific still reached its storage the whole time: look for "
                      "the policy option that notices a host is alive by its storage lease")
    power = simulate(power_loss)
    final = _last_status(power)
    not_up = [vm for vm in ha if final[vm].new != "Up"]
    if not_up:
        skipped = next((r for r in power if isinstance(r, ev.FencingSkipped)), None)
        reason = skipped.reason if skipped else "no fence was confirmed"
        if policy.get("enabled") is False:
            return _wrong("fencing-disabled", "the flapping no longer hurts, but when pacific really lost its "
                          f"power, fencing was disabled, so the engine never confirmed it was off: {_names(not_up)} "
                          "stayed Unknown and were never restarted. Disabling fencing gives up HA")
        if "skip_if_connectivity_broken" in reason:
            return _wrong("threshold", f"when pacific really lost its power, fencing was skipped ({reason}). In a "
                          "two-host cluster one unreachable host is already 50 %, so this option also skips the "
                          f"fence of a host that died, and {_names(not_up)} were never restarted")
        return _wrong("no-restart", f"when pacific really lost its power, {_names(not_up)} were not restarted: "
                      f"{reason}")
    skips = [r for r in log if isinstance(r, ev.FencingSkipped)]
    restarted = [r for r in power if isinstance(r, ev.HaRestartAttempted) and r.outcome == RestartResult.STARTED]
    fence = next(r for r in power if isinstance(r, ev.HostFenced))
    return _right(f"while the switch port flapped, fencing was skipped {len(skips)} times ({skips[0].reason}) and "
                  f"{_names(ha)} never went Down; after a real power loss pacific stopped renewing its lease, "
                  f"was fenced at {clock(fence.t)} and {_names(ha)} restarted from {clock(restarted[0].t)}")


# ---- 4. why did this VM stay paused? (paused VMs) ---------------------------------------------

PAUSED = "paused-vms-resume"
PAUSED_VM = "report1"
PAUSED_CHOICES: Mapping[str, str] = {
    "a": "Storage never came back to pacific.",
    "b": "Its resume_behavior is leave_paused: it waits for an administrator to resume it.",
    "c": "The engine could not migrate it away, because it was paused on an I/O error.",
    "d": "It is not highly available, so the engine leaves it alone.",
}


def paused_scenario(changes: Mapping[str, object] | None = None) -> Scenario:
    """paused-vms-resume with some of report1's settings changed (`resume_behavior`, `ha`, ...)."""
    return shipped(PAUSED, {f"vms.{PAUSED_VM}.{key}": value for key, value in (changes or {}).items()})


def _resumed(log: Sequence[ev.Record], vm: str) -> ev.VmStatusChanged | None:
    return next((r for r in log if isinstance(r, ev.VmStatusChanged) and r.vm == vm and r.old == "Paused"
                 and r.new == "Up"), None)


def check_paused_reason(choice: str) -> Feedback:
    """`choice`: the letter of PAUSED_CHOICES that explains why report1 stayed paused."""
    scenario = shipped(PAUSED)
    log = simulate(scenario)
    key = choice.strip().lower().rstrip(")") if isinstance(choice, str) else None
    if key not in PAUSED_CHOICES:
        return _wrong("format", f"answer with one letter: {', '.join(PAUSED_CHOICES)}")
    back = next(r for r in log if isinstance(r, ev.NicUp) and r.host == "pacific")
    app1 = _resumed(log, "app1")
    if app1 is None:  # the scenario's story: app1 (auto_resume) continues when storage returns
        raise RuntimeError(f"{PAUSED}: app1 never resumed; the exercise no longer fits its scenario")
    if key == "a":
        return _wrong("storage-never-back", f"storage did come back: {back.nic} on pacific went up at "
                      f"{clock(back.t)}, and app1, paused the same way, resumed at {clock(app1.t)}")
    if key == "c":
        started = sum(isinstance(r, ev.MigrationStarted) for r in log)
        return _wrong("migration", f"the engine migrated no VM at all ({started} MigrationStarted in the log): the "
                      f"cluster's resilience_policy is {scenario.cluster.resilience_policy}. And app1, paused the "
                      f"same way, resumed where it was at {clock(app1.t)}")
    if key == "d":
        return _wrong("ha", f"app1 is not highly available either, and it resumed at {clock(app1.t)}. HA decides "
                      "whether the engine restarts a VM that went Down, not whether a paused VM continues")
    return _right(f"{PAUSED_VM} has resume_behavior leave_paused. When storage returned at {clock(back.t)}, app1 "
                  f"(auto_resume) continued at {clock(app1.t)}, while {PAUSED_VM} stayed Paused for an "
                  "administrator; db1 (kill) had been destroyed after vm_kill_paused_timeout and restarted")


def check_paused_fix(changes: Mapping[str, object]) -> Feedback:
    """`changes`: new settings of report1, so that it continues by itself, without a reboot, once
    storage returns."""
    if not isinstance(changes, Mapping):
        return _wrong("format", "write the change as a dict of report1's settings, e.g. {'ha': True}")
    try:
        scenario = paused_scenario(changes)
    except ScenarioError as error:
        return _invalid(error)
    log = simulate(scenario)
    back = next(r for r in log if isinstance(r, ev.NicUp) and r.host == "pacific")
    last = _last_status(log)[PAUSED_VM]
    killed = next((r for r in log if isinstance(r, ev.VmStatusChanged) and r.vm == PAUSED_VM and r.new == "Down"),
                  None)
    if killed and last.new == "Up":
        return _wrong("rebooted", f"{PAUSED_VM} runs again, on {last.host} from {clock(last.t)}, but it was killed "
                      f"at {clock(killed.t)} and booted afresh: what it held in memory is lost. Find the "
                      "setting that continues it where it stopped")
    if killed:
        return _wrong("killed", f"resume_behavior kill destroyed {PAUSED_VM} at {clock(killed.t)}, and as it is "
                      f"not highly available nobody started it again: it ended {last.new}")
    if last.new == "Paused":
        hint = (" HA does not resume a paused VM: it restarts VMs that went Down." if changes.get("ha") else "")
        return _wrong("still-paused", f"{PAUSED_VM} is still Paused when the run ends, although storage returned at "
                      f"{clock(back.t)}: with leave_paused it waits for an administrator.{hint}")
    resumed = _resumed(log, PAUSED_VM)
    if resumed is None or resumed.host != "pacific":
        return _wrong("other", f"{PAUSED_VM} ended {last.new} on {last.host}; it should continue on pacific")
    return _right(f"{PAUSED_VM} continued on pacific at {clock(resumed.t)}, {resumed.t - back.t:g} s after storage "
                  "returned, with its memory intact: VDSM resumes a VM paused on EIO once the storage domain is "
                  "back, when its resume_behavior is auto_resume (the default since 4.2)")
