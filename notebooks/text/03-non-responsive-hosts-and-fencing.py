# ---
# jupyter:
#   jupytext:
#     formats: notebooks///ipynb,notebooks/text///py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.7
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lesson 3 · Hosts that stop answering: Non Responsive, fencing and HA restarts
#
# In lessons 1 and 2 the engine could still talk to the host in trouble: the host was **Non
# Operational**, and its VMs could be *migrated* away. Now the engine loses the host itself: its
# management network goes down, or its power. The engine cannot tell a dead host from a host that
# merely stopped answering, while its VMs may still be running and writing to their disks. It must not
# start a second copy of a VM that might still run. This lesson shows how the engine gets out of that
# corner: a grace, **Non Responsive**, **fencing** (restart VDSM over SSH, then power-cycle the host
# through its power management), and only then the restart of the **highly available** VMs elsewhere.

# %% [markdown] tags=["lab-only"]
# Run the cells from the top (*Run → Run All Cells* works too).

# %%
from IPython.display import HTML

from hacourse import load_scenario, simulate
from hacourse.analysis import audit, episodes, facts, intervals
from hacourse.model import Fault, priority_label
from hacourse.panel.widgets import Lesson
from hacourse.scenario import vary
from hacourse.views import (
    details_html,
    draw_timeline,
    draw_topology,
    drawn_marks,
    drawn_spans,
    events_html,
    table_html,
    zoom,
)

scenario = load_scenario("../scenarios/pacific-mgmt-down.yaml")
config = scenario.config()

# %% [markdown]
# ## 1 · The data center
#
# The two hosts of lesson 1. Each has **power management** configured: a fence agent (an IPMI or iLO
# card) through which the engine can switch the host off and on. The engine never talks to a fence agent
# itself: it asks VDSM on another host, the *fence proxy*, to do it. Three VMs run on Pacific, two of
# them highly available (HA); one HA VM runs on Atlantic. Atlantic is the SPM.

# %%
draw_topology(scenario);

# %%
HTML(table_html([{"VM": vm.name, "runs on": vm.host, "highly available": vm.ha,
                  "priority": f"{priority_label(vm.priority)} ({vm.priority})", "memory (GiB)": vm.memory_gb}
                 for vm in scenario.vms]))

# %% [markdown]
# ## 2 · Predict, then run
#
# Write down your answers. Sections 5 to 7 reveal them.
#
# 1. **Timing.** Pacific's management network goes down. How long until the engine declares Pacific
#    Non Responsive? Would it take longer if Pacific ran more VMs, or were the SPM?
# 2. **The VMs.** Which of Pacific's VMs run again, where, and when? Why does the engine not restart them
#    on Atlantic as soon as Pacific stops answering?
# 3. **Pacific itself.** After all this, is Pacific's management network still down?
# 4. **No power management.** What changes if Pacific has no fence agent?
# 5. **Two hosts.** With the fencing policy that new clusters get in the UI, what happens when one host
#    of a two-host cluster loses its power?

# %% [markdown]
# ## 3 · Your control panel
#
# The panel of lessons 1 and 2. This time break the management network: **`ifdown ovirtmgmt on pacific`**.
#
# Suggested run: press **+1 min**, then **`ifdown ovirtmgmt on pacific`**, then **+15 s** a few times,
# watching Pacific's lane and the Events tab; then **+1 min** until the HA VMs run on Atlantic. Watch the
# toggle too. Then press **reset** and try **power off pacific** instead.

# %%
lesson = Lesson(scenario, seed=0, scripted_faults=False, window=zoom.fence)  # the fence, enlarged in place
lesson

# %% [markdown]
# ## 4 · What you are watching, and which setting decides it
#
# **Connecting (pale salmon).** The engine polls VDSM every `VdsRefreshRate` = 3 s. At the first poll that
# fails the host turns Connecting: the engine is in its grace, hoping the host comes back.
#
# **Non Responsive (red), after a grace that depends on the host.** The grace ends
# `TimeoutToResetVdsInSeconds` = **60 s** + `DelayResetPerVmInSeconds` = **0.5 s** per running VM
# + `DelayResetForSpmInSeconds` = **20 s** if the host is the SPM (a busy host and the SPM get more time)
# after the last poll VDSM answered, and needs more than `VDSAttemptsToResetCount` = 2 failed polls. Then
# the host is Non Responsive and its VMs turn **Unknown**: the engine no longer knows whether
# they run.
#
# **Soft fencing, then power fencing.** The engine's non-responding treatment first tries *soft
# fencing*: restart VDSM over SSH (`vdsm-tool service-restart vdsmd`), since a hung VDSM is the cheapest
# fault to cure. SSH travels over the management network, so here its connection times out (the model
# gives it `ssh_connect_timeout_s` = 10 s, an assumption: the sources give no figure). Next comes *power
# fencing* through Atlantic, the proxy: the fence agent's **stop** (Pacific shows **Reboot**, magenta, after
# those seconds of Non Responsive), then the
# engine asks the agent for the power status, first **5 s** after the stop (`SLEEP_BEFORE_FIRST_ATTEMPT`),
# then every `FenceStopStatusDelayBetweenRetriesInSec` = 10 s up to 18 times; an agent reports "off" at
# once, so the first check confirms it. Only that confirmation (⚑ *fenced (power-management)* on Pacific's
# lane) proves that none of Pacific's VMs can still run: they all turn **Down**, then the agent's **start**
# boots Pacific again (RHEV 3.3 shows it Non Responsive while it boots).
#
# **HA VMs restart on Atlantic at once; the others stay Down.** In RHEV 3.3 the fence flow itself starts
# each HA VM as soon as the stop is confirmed (`RestartVdsVms`), on an Up host with room (↻ on the VM's
# lane): **WaitForLaunch** (pale blue), then Up. A VM that is not highly available stays Down until
# someone starts it: nothing restarts it automatically.
#
# **Notice what fencing cost.** With only the management network down, Pacific's VMs were running fine
# the whole time. The engine could not know that; fencing killed them so that the HA ones could safely
# run again. `web1` is the price.
#
# **Pacific comes back whole.** `ifdown` is not persistent: the reboot brings `em1` up again (the toggle
# pops out by itself, and the line under the buttons says why), VDSM answers after the boot (`host_boot_s` = 120 s, an assumption), and Pacific
# goes through Initializing to Up, empty.

# %% [markdown] tags=["lab-only"]
# ## The procedure, in code
#
# A second panel driven by its own controls: `ifdown ovirtmgmt on pacific` at 1:00, then five minutes.
# The check reads the figure: Pacific's lane must show Connecting, then Reboot, and the ⚑ of the fence;
# each HA VM's lane Unknown, then (Down and restarted in the same instant) the ↻ of its restart,
# WaitForLaunch and Up again, after the fence agent's stop went out; `web1`'s lane must end Down. And the toggle must have popped out with the reboot.

# %% tags=["lab-only"]
replay = Lesson(scenario, seed=0, scripted_faults=False)
replay.control("+1 min").click()
replay.control("ifdown ovirtmgmt on pacific").value = True
for _ in range(5):
    replay.control("+1 min").click()
replay

# %% tags=["lab-only"]
shown = drawn_spans(replay.timeline_picture)
pacific = [s for s in shown if s.lane == "host:pacific"]
assert [s.status for s in pacific][1:4] == ["Connecting", "NonResponsive", "Reboot"]
reboot = next(s for s in pacific if s.status == "Reboot")
marks = drawn_marks(replay.timeline_picture)
assert [m.kind for m in marks if m.lane == "host:pacific"] == ["fenced (power-management)"]
for vm in (vm for vm in scenario.vms if vm.host == "pacific"):
    lane = [s for s in shown if s.lane == f"vm:{vm.name}"]
    expected = ["Up", "Unknown", "WaitForLaunch", "Up"] if vm.ha else ["Up", "Unknown", "Down"]
    assert [s.status for s in lane] == expected, (vm.name, [s.status for s in lane])
    assert lane[2].start >= reboot.start
    assert [m.kind for m in marks if m.lane == f"vm:{vm.name}"] == (["HA restart"] if vm.ha else [])
assert replay.control("ifdown ovirtmgmt on pacific").value is False
print(f"At {audit.clock(replay.now)} the figure shows Pacific Connecting, Non Responsive, then Reboot from {audit.clock(reboot.start)} "
      "and fenced; the HA VMs restarted at once, WaitForLaunch and Up; web1 Down; and the ovirtmgmt toggle released.")

# %% [markdown]
# ## 5 · The answers
#
# From the run of the scenario file itself (`ifdown ovirtmgmt` on Pacific at 1:00):

# %%
log = simulate(scenario, seed=0)
draw_timeline(log, scenario);

# %% jupyter={"source_hidden": true}
fault = intervals.injected_faults(log)[0]
treated = episodes.fence_episode(log, "pacific")
vms = episodes.vm_recovery(log, scenario, "pacific")
spm = intervals.spm_holder(log, treated.connecting, scenario) == "pacific"
grace = int(config.TimeoutToResetVdsInSeconds + config.DelayResetForSpmInSeconds * spm
            + config.DelayResetPerVmInSeconds * len(vms))
HTML(details_html(
    "Answer 1 · the timing (click to open)",
    f"<p><code>ifdown ovirtmgmt</code> at {audit.clock(fault.t)}; Connecting at {audit.clock(treated.connecting)}; "
    f"<b>Non Responsive at {audit.clock(treated.non_responsive)}</b>, {treated.non_responsive - fault.t:g} s later. "
    f"The grace is <code>TimeoutToResetVdsInSeconds</code> {config.TimeoutToResetVdsInSeconds} + "
    f"<code>DelayResetPerVmInSeconds</code> {config.DelayResetPerVmInSeconds:g} × {len(vms)} VMs"
    f"{' + <code>DelayResetForSpmInSeconds</code> ' + str(config.DelayResetForSpmInSeconds) if spm else ''}"
    f" = {grace} s (the engine drops the fraction), counted from the last poll VDSM answered, and ends at "
    f"the next poll ({config.VdsRefreshRate} s apart). Yes: with 40 VMs it would be "
    f"{config.DelayResetPerVmInSeconds * 40:g} s longer, and "
    f"{config.DelayResetForSpmInSeconds} s longer again on the SPM.</p>"))

# %% jupyter={"source_hidden": true}
HTML(details_html(
    "Answer 2 · the VMs",
    table_html([{"VM": v.vm, "HA": v.ha, "Unknown at": v.unknown, "Down at": v.down, "restarted at": v.restarted,
                 "Up again at": v.up, "on": v.on} for v in vms],
               times=["Unknown at", "Down at", "restarted at", "Up again at"])
    + f"<p>Soft fencing: <i>{treated.soft_fencing}</i>. The fence agent's stop went out through Atlantic at "
      f"{audit.clock(treated.stop_sent)}; the agent confirmed Pacific off at {audit.clock(treated.fenced)} "
      f"({treated.fenced - treated.stop_sent:g} s later, the agent's first status check): only then are its "
      "VMs known to be Down. In the same instant the fence flow restarted the HA ones on Atlantic; the "
      "others stay Down. Restarting them while Pacific was only "
      "Non Responsive could have run each twice, two copies writing to one disk: that is why the engine "
      "waits for the fence.</p>"))

# %% jupyter={"source_hidden": true}
back = [r for r in log if r.t >= treated.fenced and getattr(r, "host", None) == "pacific"
        and r.event in ("HostPoweredOn", "NicUp", "HostStatusChanged")]
HTML(details_html(
    "Answer 3 · Pacific afterwards",
    events_html(audit.events_table(back)[::-1], height_px=None)
    + "<p>The fence agent's start boots Pacific; the boot brings every NIC up, as <code>ifdown</code> does not "
      f"survive a reboot. Pacific is Up again at {audit.clock(treated.up_again)}, with no VMs.</p>"))

# %% [markdown]
# ## 6 · A host without power management
#
# `pacific-power-loss-no-pm`: Pacific loses its power at 1:00, and has no fence agent. At 15:00 the admin
# switches it on again.

# %%
no_pm = load_scenario("../scenarios/pacific-power-loss-no-pm.yaml")
no_pm_log = simulate(no_pm, seed=0)
draw_timeline(no_pm_log, no_pm);

# %% jupyter={"source_hidden": true}
stuck = episodes.fence_episode(no_pm_log, "pacific")
power_on = intervals.injected_faults(no_pm_log)[1]
HTML(details_html(
    "Answer 4 · no power management",
    f"<p>Soft fencing: <i>{stuck.soft_fencing}</i>. Then: <i>{stuck.skipped}</i>. Pacific stays Non Responsive "
    f"from {audit.clock(stuck.non_responsive)} and its VMs Unknown, HA ones included, for "
    f"{power_on.t - stuck.non_responsive:g} s, until the admin powers it on at {audit.clock(power_on.t)}. Once "
    "VDSM answers and reports that the VMs are not running, they turn Down and the engine restarts the HA "
    "ones:</p>"
    + table_html([{"VM": v.vm, "HA": v.ha, "Down at": v.down, "restarted at": v.restarted, "Up again at": v.up,
                   "on": v.on} for v in episodes.vm_recovery(no_pm_log, no_pm, "pacific")],
                 times=["Down at", "restarted at", "Up again at"])
    + "<p>The engine cannot prove a host without a fence agent is off, so it never restarts its VMs "
      "elsewhere on its own. A real admin who knows the host is off would use <i>Confirm 'Host has been "
      "rebooted'</i> instead of waiting; the VM leases of section 9 are the other way out.</p>"))

# %% [markdown]
# ## 7 · Two hosts and the fencing policy
#
# Since oVirt 3.5 a cluster has a **fencing policy** (a 3.3 engine has none and fences every Non Responsive
# host it can: the `rhev-3.3` profile refuses a `fencing_policy:`). New clusters made in the UI get
# `skip_if_connectivity_broken` on, with `hosts_with_broken_connectivity_threshold` = **50 %**: when that
# share of the cluster's hosts is Connecting or Non Responsive, the engine suspects its own network rather
# than the hosts, and fences none. `two-hosts-fencing-policy` (an `ovirt-4.5` cluster with that policy):
# Pacific loses its power.

# %%
pair = load_scenario("../scenarios/two-hosts-fencing-policy.yaml")
pair_log = simulate(pair, seed=0)
draw_timeline(pair_log, pair, until=pair.duration);  # to the end of the run: nothing more happens

# %% jupyter={"source_hidden": true}
policy = pair.cluster.fencing_policy
skipped = episodes.fence_episode(pair_log, "pacific")
higher = vary(pair, {"cluster.fencing_policy.hosts_with_broken_connectivity_threshold": 75})
higher_log = simulate(higher, seed=0)
fenced = episodes.fence_episode(higher_log, "pacific")
db1 = next(v for v in episodes.vm_recovery(higher_log, higher, "pacific") if v.vm == "db1")
HTML(details_html(
    "Answer 5 · two hosts",
    f"<p>1 host of {len(pair.hosts)} is {100 / len(pair.hosts):g} %, which reaches the threshold of "
    f"{policy.hosts_with_broken_connectivity_threshold} %: <i>{skipped.skipped}</i>. Pacific stays Non Responsive "
    f"and <code>db1</code> Unknown to the end: {intervals.final_vm_status(pair_log, pair)['db1']}. In a two-host cluster "
    "<b>any</b> single failure reaches 50 %, so the default policy never fences there.</p>"
    f"<p>With the threshold at 75 % the same run fences Pacific ({fenced.method}, confirmed at "
    f"{audit.clock(fenced.fenced)}) and <code>db1</code> runs on {db1.on} at {audit.clock(db1.up)}. The stop waited "
    f"until {audit.clock(fenced.stop_sent)}: with <code>skip_if_sd_active</code> on, the engine first waits "
    f"<code>HostStorageLeaseAliveCheckingInterval</code> = {pair.config().HostStorageLeaseAliveCheckingInterval} s "
    "after the last poll VDSM answered, then sends the stop through the proxy, whose VDSM refuses it while "
    "Pacific still renews its storage lease (a host that does is alive: it shows Reboot for that moment, as "
    "StopVds sets it, and is Non Responsive again, not fenced).</p>"))

# %% [markdown]
# ## 8 · Two engine eras side by side
#
# The scenarios so far run the `rhev-3.3` profile: the timers and limits of the Evaluation Guide's engine.
# A scenario's `engine_profile: ovirt-4.5` switches to today's defaults. Here are three scenarios under
# both profiles, each table read off the two runs' logs.
#
# **Lesson 1's seed scenario** (`pacific-storage-down`), and its timeline under `ovirt-4.5`:

# %%
ERAS = ("rhev-3.3", "ovirt-4.5")


def both_eras(base, settings=None):
    """The scenario under each profile, run with seed 0: `{profile: (log, scenario)}`."""
    runs = {}
    for era in ERAS:
        variant = vary(base, {"engine_profile": era, **(settings or {})})
        runs[era] = (simulate(variant, seed=0), variant)
    return runs


storage_down = load_scenario("../scenarios/pacific-storage-down.yaml")
eras = both_eras(storage_down)
HTML(table_html(facts.compare_runs(eras)))

# %%
draw_timeline(*eras["ovirt-4.5"]);

# %% [markdown]
# - **Fewer, faster migrations.** 4.5's default migration policy, *Minimal downtime*, allows
#   `max_outgoing_migrations` = **2** per host (and 2 incoming), against VDSM's 3 in 3.3; each gets
#   `migration_max_bandwidth` = **62 MiB/s** (1 Gb/s ÷ 8 ÷ 2), against 32. Yet the others wait: once
#   `mail1` is across, `db1` and `app1` hold both slots until their hanging writes fail (next point).
# - **Writers stay on Pacific.** When their writes fail, QEMU's final disk flush fails and so does their
#   migration; VDSM also refuses a VM already paused on an I/O error. 3.3 moved them paused and continued
#   them on Atlantic; 4.5 leaves them Paused on Pacific, where their resume behaviour decides.
# - **Writes hang longer.** A 4.x host's multipath queues I/O for 80 s (`no_path_retry_queue_s`) after the
#   iSCSI timeouts (NOP-out 5 + 5 s, then `replacement_timeout` 120 s, as in 3.3), so the writers pause
#   later.
# - **Another downtime schedule.** 3.3's VDSM raises the allowed switch-over downtime in time steps, from
#   QEMU's 30 ms up to `migration_downtime` 500 ms over `migration_timeout` / 2 per 2 GiB (75 s per GiB); 4.5's
#   policy starts at 100 ms and raises it per pre-copy iteration (150, 200, 300, 400, 500 ms). The VMs
#   that never paused switch over within these limits.
#
# **The same storage failure with fast-failing storage** (`replacement_timeout` 5 s, and no multipath
# queueing): the writers pause *before* Pacific turns Non Operational, and the eras disagree on what a
# paused VM may do.

# %%
fast = both_eras(storage_down, {"engine_config.node.session.timeo.replacement_timeout": 5,
                                "engine_config.no_path_retry_queue_s": 0})
HTML(table_html(facts.compare_runs(fast)))

# %% [markdown]
# - **3.3 refuses each paused VM** (`MIGRATE_PAUSED_VM_IS_UNSUPPORTED`) and migrates the others.
# - **4.5 refuses only VMs paused on EIO, but all at once.** Since 4.4 the engine moves a Non Operational
#   host's VMs with one `MigrateMultipleVms` command, whose validation is all-or-nothing: one EIO-paused VM
#   rejects the whole command, and **no** VM leaves Pacific.
#
# **Lesson 3's management-network failure** (`pacific-mgmt-down`):

# %%
HTML(table_html(facts.compare_runs(both_eras(scenario))))

# %% [markdown]
# - **Fencing confirms as fast in both.** The first status check comes 5 s after the stop, then every
#   10 s up to 18 times: 3.3 already had these values.
# - **HA restarts go through a runner, in priority order.** 3.3's fence flow starts every HA VM at once, and
#   a VM that finds no room is not tried again. 4.x queues them for a runner that wakes every
#   `AutoStartVmsRunnerIntervalInSeconds` = **1 s**. Since 4.4 it restarts by VM priority, and a
#   lower-priority VM waits while a higher one is still in the runner's list (starting, or waiting for its
#   next try because it fits nowhere), for at most `MaxTimeAutoStartBlockedOnPriority` = 600 s: here
#   `mail1` (medium) starts once `db1` (high) is Up. A failed restart is retried
#   `NumOfTriesToRunFailedAutoStartVmInShortIntervals` = 10 times every 30 s, then every 30 minutes, at
#   those times only: a host coming Up does not make the runner try sooner.
# - **The restarted host shows Reboot longer.** 4.x keeps it in Reboot, without polling it, for
#   `ServerRebootTimeout` = 600 s, however soon it has booted; 3.3 shows it Non Responsive while it boots.

# %% [markdown]
# ## 9 · Going further
#
# **What a paused VM does when its storage returns** (`paused-vms-resume`, `ovirt-4.5`): Pacific loses its
# storage at 1:00, the cluster's resilience policy is *do not migrate*, so the writers pause on Pacific; the
# storage returns at 10:00. Each VM follows its `resume_behavior` (since 4.2): `auto_resume` (the default)
# continues, `leave_paused` waits for the admin, `kill` is destroyed once paused longer than
# `vm_kill_paused_timeout` = 80 s (VDSM checks every 40 s, so 80 to 120 s after the pause) and, being HA,
# restarted elsewhere.

# %%
resume = load_scenario("../scenarios/paused-vms-resume.yaml")
resume_log = simulate(resume, seed=0)
behavior = {vm.name: vm.resume_behavior for vm in resume.vms}
HTML(table_html([{"VM": p.vm, "resume_behavior": behavior[p.vm], "paused at": p.start, "paused until": p.end,
                  "then": intervals.final_vm_status(resume_log, resume)[p.vm],
                  "on": intervals.vm_state_at(resume_log, p.vm, resume.duration, resume).host}
                 for p in episodes.pauses(resume_log, resume)], times=["paused at", "paused until"]))

# %% [markdown]
# **VM leases** (4.1+). An HA VM can hold a lease on a storage domain (`lease: true`): the engine may then
# restart it *without* a fence, once the lease shows the VM no longer runs. Pacific without power management,
# `ovirt-4.5`, `db1` with a lease; two failures:

# %%
leased = vary(scenario, {"engine_profile": "ovirt-4.5", "hosts[1].power_management": False,
                                  "vms[0].lease": True})
cases = {"power lost": vary(leased, {"faults[0]": Fault(at=60, action="power_off", host="pacific")}),
         "ovirtmgmt down": leased}
rows = []
for case, variant in cases.items():
    run = simulate(variant, seed=0)
    db1 = next(v for v in episodes.vm_recovery(run, variant, "pacific") if v.vm == "db1")
    rows.append({"failure": case, "db1 Unknown at": db1.unknown, "declared Down at": db1.down,
                 "Up again at": db1.up, "on": db1.on, "at the end": intervals.final_vm_status(run, variant)["db1"]})
HTML(table_html(rows, times=["db1 Unknown at", "declared Down at", "Up again at"]))

# %% [markdown]
# With the power lost, nothing renews `db1`'s lease. The engine first tries to start it
# `NumberVdsRefreshesBeforeTryToStartUnknownVms` = 10 polls (30 s) after Pacific turned Non Responsive, while
# the lease is still alive, then every `NumberVdsRefreshesBeforeRetryToStartUnknownVms` = 100 polls (about
# 5 minutes), and succeeds once the lease has expired. With only the management network down, `db1` still runs on Pacific and keeps renewing its
# lease: the engine never starts a second copy. The lease, not the network, decides.

# %% [markdown]
# > **What the model simplifies**
# >
# > - A poll of an unreachable host fails at once; the real engine may first wait for its RPC timeouts
# >   (`vdsConnectionTimeout` 20 s, the 30 s JSON-RPC heartbeat), so Connecting can come seconds later.
# > - Soft fencing over SSH fails at once without the management network (a real SSH client waits for its
# >   timeout); kdump detection and the fence agent's own failures are not modelled.
# > - The fence agent confirms "off" at its first status check, 5 s after the stop (an agent that fails is
# >   not modelled); the host boots in `host_boot_s` = 120 s (an oVirt 3.3.1 host took about 10 minutes
# >   after a power loss) and an HA VM powers up in 10 s: assumptions, not oVirt constants.
# > - There is no *Confirm 'Host has been rebooted'* action; the admin can only switch the host on.
# > - The cluster fencing policy appeared in oVirt 3.5, so `rhev-3.3` has none: its engine fences every Non
# >   Responsive host it can, and the loader refuses a `fencing_policy:` under that profile, naming the era.
# > - Time 0:00 is not the engine's start, so `DisableFenceAtStartupInSec` (5 minutes without fencing after
# >   the engine starts) never applies.
