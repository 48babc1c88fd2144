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
# # Lesson 1 · The storage network goes down on a host that is not the SPM
#
# This lesson follows the RHEV 3.3 Evaluation Guide, §6.8 *"Demonstrating virtual machine high
# availability when storage networks are down (Host: non-SPM)"*. In the guide an admin logs in to the
# host **Pacific** and runs `ifdown storage` and `ifdown p1p1`. Pacific can no longer reach the iSCSI
# storage; the engine notices, declares Pacific **Non Operational** and moves every virtual machine to
# **Atlantic**, the highly available ones first.
#
# You will do the same on a simulated data center whose timers and limits are those of the real
# engine of that era (the `rhev-3.3` profile), watch what happens second by second, and learn which
# configuration key decides each step.

# %% [markdown] tags=["lab-only"]
# Run the cells from the top (*Run → Run All Cells* works too).

# %%
from IPython.display import HTML, display

from hacourse import load_scenario, simulate
from hacourse.analysis import audit, episodes
from hacourse.model import priority_label
from hacourse.panel.admin import ShellConsole
from hacourse.panel.widgets import Lesson
from hacourse.views import details_html, draw_timeline, draw_topology, drawn_spans, table_html

scenario = load_scenario("../scenarios/pacific-storage-down.yaml")

# %% [markdown]
# ## 1 · The data center
#
# Two hosts in one cluster. Each has two NICs: `em1` carries **ovirtmgmt**, the network over which the
# engine talks to VDSM (the agent on each host) and over which VMs migrate; `p1p1` carries **storage**,
# the network to the iSCSI storage domain `iscsi-share` where every VM's disk lives. Both networks are
# *required* in the cluster (the default for a new logical network): a host that loses one cannot serve
# the cluster.
#
# **Atlantic** holds the **SPM** role (Storage Pool Manager, thick outline): the one host allowed to
# change the storage's metadata. Pacific is an ordinary host. All but one of the VMs run on Pacific.

# %%
draw_topology(scenario);

# %%
HTML(table_html([{"VM": vm.name, "runs on": vm.host, "highly available": vm.ha,
                  "priority": f"{priority_label(vm.priority)} ({vm.priority})", "memory (GiB)": vm.memory_gb,
                  "writes to its disk": vm.writes} for vm in scenario.vms]))

# %% [markdown]
# ## 2 · Predict, then run
#
# Before you touch anything, write down your answers. Section 5 reveals them.
#
# 1. **Order.** Which VMs leave Pacific first? Do all of them move at once?
# 2. **Timing.** How long after `ifdown` does Pacific turn Non Operational: a few seconds, about a
#    minute, or five minutes?
# 3. **Writers.** `db1`, `app1` and `log1` write to their disks all the time. What happens to them
#    while their storage is gone, and is any of their writes lost?

# %% [markdown]
# ## 3 · Your control panel
#
# The panel runs the data center from simulated time 0:00; nothing breaks until you break it.
#
# - **`ifdown storage on pacific`** runs the guide's command on Pacific at the current simulated time
#   (the `storage` bridge and its NIC `p1p1` go down together). Pressed, it turns red and reads
#   **`ifup storage on pacific`**: a button always names what your next click runs.
#   The controls are grouped by what they act on: pick a **host** (Pacific, the lesson's, is picked)
#   to see its network, its power (**power off** pulls the plug) and the admin's actions on it; pick
#   a **VM** for its own.
#   The line under the buttons says what is in effect, and warns when the engine changes something
#   without your click.
# - **Pacific's shell** (`ssh root@pacific`, beside the buttons) is the guide's own way: type
#   `ifconfig` to find the storage network (the `storage` bridge over the NIC `p1p1`), then
#   `ifdown storage` and `ifdown p1p1`. The shell and the toggle act on the same host: either is enough.
# - **+15 s**, **+1 min**, **+5 min** advance the clock; ▶ plays it (the slider sets how far each
#   tick goes); **reset** starts again.
# - Below: the **timeline** (one lane per host, one per VM, the SPM on top), the **data center** as
#   it is now, and the **Events** tab as the administration portal shows it, newest first (the latest
#   warnings and errors also pinned on top; **show** filters by severity). The **time window** slider
#   moves and zooms the timeline; *follow the clock* brings it back to now.
#
# Suggested run: press **+1 min**, then in Pacific's shell `ifconfig`, `ifdown storage`, `ifdown p1p1`
# (or press **`ifdown storage on pacific`**), then **+15 s** a few times,
# watching Pacific's lane and the Events tab; then **+1 min** until every VM is on Atlantic.

# %%
lesson = Lesson(scenario, seed=0, scripted_faults=False)
shell = ShellConsole(lambda: lesson.sim, on_change=lesson.refresh, host="pacific")
lesson.add_beside_controls(shell.widget)
display(lesson)

# %% [markdown]
# ## 4 · What you are watching, and which setting decides it
#
# **The NIC goes down (dark strip along the bottom of Pacific's lane).** The kernel drops `p1p1`; Pacific's iSCSI
# session fails. Nothing changes in the administration portal yet.
#
# **The engine notices, but only at its next statistics refresh (▼).** The engine polls each host every
# `VdsRefreshRate` = 3 s, but reads NIC states only every `NumberVmRefreshesBeforeSave` = 5th poll,
# that is every 15 s. So it sees the NIC down 0–15 s after your click, depending on where the host's
# refresh cycle was.
#
# **A grace, then Non Operational (orange).** Seeing a required network's NIC down, the engine only notes
# the time. It declares the host Non Operational at the first refresh at least
# `NicDHCPDelayGraceInMS` = **60** later (seconds, despite the name: the grace lets a NIC that waits for
# DHCP come up). The Events tab shows it as an error. Meanwhile VDSM on Pacific reports the storage
# domain problematic (its last check is older than `MaxStorageVdsTimeoutCheckSec` = 30 s), which arms the
# engine's storage-domain timer of `StorageDomainFailureTimeoutInMinutes` = **5**: that slower rule
# would also make Pacific Non Operational, but the NIC rule gets there first.
#
# **Every VM leaves, by priority (blue).** A Non Operational host's VMs are migrated away under the
# cluster's resilience policy (*Migrate Virtual Machines*, the default). The engine asks for all of them
# at once, sorted by **VM priority**, highest first: the guide's HA VMs leave first because they were
# given High priority, not because they are HA. VDSM on the source copies at most
# `max_outgoing_migrations` = **3** at a time, each at `migration_max_bandwidth` = **32 MiB/s**; the
# others wait for a slot (dotted) and start as soon as one frees.
#
# **Writers hang, then pause (yellow).** A VM that writes to its disk sees the write hang: the iSCSI
# layer holds the I/O for `replacement_timeout` = **120 s** (after 5 + 5 s to notice the path is dead),
# then fails it; QEMU pauses the guest on that error (EIO) and keeps the failed request. Such a VM can
# only finish its migration once the write failed: it is moved *paused*, and **continued** on Atlantic,
# where the storage is reachable; the kept request is retried there. This is the guide's
# *"in rare cases, they will be paused, and then continued on the host they have been migrated to"*.
# That is RHEV 3.3, the guide's era. **oVirt 4.x does not move such a VM**: QEMU flushes the disks when it
# stops the guest for the switch-over and the failed flush fails the migration, and VDSM refuses to migrate
# a VM paused on an I/O error (even one that paused while it waited for a slot). The writer stays Paused
# on Pacific, and its resume behaviour decides: `auto_resume` continues it there when the storage returns,
# `kill` destroys it (and the engine restarts it elsewhere if it is HA). Run the scenario with
# `engine_profile: ovirt-4.5` to see it.
#
# **The SPM stays on Atlantic, and nothing is fenced.** Pacific still answers the engine over
# ovirtmgmt, so it is Non Operational (reachable but unable to serve), not Non Responsive.
#
# **Try next:** press the toggle again (`ifup`) and advance 5 minutes. Pacific comes back only at the
# engine's next auto-recovery run (`AutoRecoverySchedule`, every 5 minutes), through Unassigned and Initializing to Up;
# the VMs stay on Atlantic.

# %% [markdown] tags=["lab-only"]
# ## The guide's procedure, in code
#
# The same steps with the panel's own controls, on a second panel (yours above is untouched):
# `ifdown` at 1:00, then four minutes. The check below reads the figure, not the engine: Pacific's lane
# must show Non Operational, and the VM lanes the migrations.

# %% tags=["lab-only"]
replay = Lesson(scenario, seed=0, scripted_faults=False)
replay.control("+1 min").click()
replay.control("ifdown storage on pacific").value = True
for _ in range(4):
    replay.control("+1 min").click()
display(replay)

# %% tags=["lab-only"]
shown = drawn_spans(replay.timeline_picture)
assert any(s.lane == "host:pacific" and s.status == "NonOperational" for s in shown)
moved = sorted({s.lane.removeprefix("vm:") for s in shown if s.status == "migrating (copying memory)"})
print(f"At {audit.clock(replay.now)} the figure shows Pacific Non Operational and migrations of {', '.join(moved)}.")

# %% [markdown]
# ## 5 · The answers
#
# From the run of the scenario file itself (the `ifdown` at 1:00, as in the guide):

# %%
log = simulate(scenario, seed=0)
draw_timeline(log, scenario);

# %% jupyter={"source_hidden": true}
order = episodes.migration_order(log, scenario)
HTML(details_html(
    "Answer 1 · the order (click to open)",
    table_html(order, ["order", "vm", "ha", "priority", "requested", "transfer_start", "end", "queued_s"],
               times=["requested", "transfer_start", "end"])
    + f"<p>The engine asks for all {len(order)} migrations as Pacific turns Non Operational, highest priority "
      f"first; only {scenario.config().max_outgoing_migrations} copy at once (<code>max_outgoing_migrations"
      "</code>), the rest wait for a slot (<i>queued_s</i>, seconds). The order follows the <b>priority</b> "
      "field, not the HA flag: an HA VM left at Low priority would leave last.</p>"))

# %% jupyter={"source_hidden": true}
rule = episodes.nic_rule(log, "pacific")
HTML(details_html(
    "Answer 2 · the timing",
    f"<p><code>ifdown</code> at {audit.clock(rule.went_down)}; the engine's statistics refresh saw "
    f"<code>{rule.nic}</code> down at {audit.clock(rule.engine_saw)}; {rule.grace_s:g} s later "
    f"(<code>NicDHCPDelayGraceInMS</code>) Pacific turned Non Operational at {audit.clock(rule.non_operational)}: "
    f"<b>{rule.non_operational - rule.went_down:g} s</b> after the <code>ifdown</code>. Any time from 60 to 75 s "
    "is right, depending on the refresh phase. Not five minutes: that is the storage-domain timer, which "
    "decides when the storage fails without a required NIC going down (the array or a switch); here it "
    "fires when Pacific is already Non Operational, and does nothing.</p>"))

# %% jupyter={"source_hidden": true}
paused = episodes.pauses(log, scenario)
HTML(details_html(
    "Answer 3 · the writers",
    table_html([{"VM": p.vm, "paused on": p.host, "paused at": p.start, "continued on": p.resumed_on,
                 "continued at": p.end} for p in paused], times=["paused at", "continued at"])
    + "<p>Their writes hung on the dead path, failed after the iSCSI <code>replacement_timeout</code>, and "
      "QEMU paused them on EIO. They were migrated paused and continued on Atlantic. No write is lost: "
      "the failed request stays queued in QEMU and is retried once the VM runs where the storage is "
      "reachable. VMs that do not write never paused.</p>"))

# %% [markdown]
# > **What the model simplifies**
# >
# > - One storage domain, which is also the master; no thin provisioning, so no SPM involvement here.
# > - Migration time comes from a pre-copy model (memory ÷ bandwidth, then rounds of re-dirtied memory),
# >   not from QEMU; the migrations share the 1 GbE link without slowing each other (3 × 32 MiB/s fits).
# > - The phase of each host's statistics refresh and the order of VMs of equal priority are drawn from
# >   the run's seed; the real order is unspecified. Same seed, same run.
# > - The iSCSI timeouts are RHEL 6's defaults; VDSM does not set them, and tuned hosts fail I/O sooner.
# >   With fast failure (`engine_config: {node.session.timeo.replacement_timeout: 5}`) the writers pause
# >   *before* Pacific turns Non Operational, and RHEV 3.3 then refuses to migrate them at all.
# > - Time 0:00 is not the engine's start, so no start-up grace applies.
