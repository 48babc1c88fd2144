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
# # Lesson 2 · The storage network goes down on the SPM host
#
# In lesson 1 the host that lost its storage was an ordinary one. Now it is **Atlantic**, the host that
# holds the **SPM** role (Storage Pool Manager): the one host of the data center allowed to change the
# storage's metadata (create a disk, take a snapshot, extend a thin volume). The RHEV 3.3 Evaluation
# Guide says only that in this case *"that host is fenced"*. This lesson shows what that means on a
# data center that stores its SPM lease with **sanlock**, as every iSCSI data domain of that era did:
# nobody power-cycles Atlantic; sanlock kills VDSM on it, the engine turns it Non Operational, its VMs
# migrate as in lesson 1, and another host becomes SPM, but only after a wait that you will measure.

# %% [markdown] tags=["lab-only"]
# Run the cells from the top (*Run → Run All Cells* works too).

# %%
from itertools import pairwise

from IPython.display import HTML

from hacourse import load_scenario, sanlock, simulate
from hacourse.analysis import audit, episodes, intervals
from hacourse.model import priority_label
from hacourse.panel.widgets import Lesson
from hacourse.views import (
    details_html,
    draw_timeline,
    draw_topology,
    drawn_marks,
    drawn_spans,
    table_html,
    zoom,
)

scenario = load_scenario("../scenarios/spm-storage-down.yaml")
config = scenario.config()

# %% [markdown]
# ## 1 · The data center
#
# Three hosts in one cluster, each with `em1` on **ovirtmgmt** and `p1p1` on the required **storage**
# network to the iSCSI domain `iscsi-share`. **Atlantic** is the SPM (thick outline). Each host has an
# **SPM priority** (`spm_priority`, from -1 to 10; the UI offers Never = -1, Low = 2, Normal = 5,
# High = 7): when the engine must pick a new SPM, it takes the highest. **Indian** is set to *Never*.
# Four VMs run on Atlantic, one on Pacific.

# %%
draw_topology(scenario);

# %%
HTML(table_html([{"host": h.name, "SPM priority": h.spm_priority, "memory (GiB)": h.memory_gb,
                  "SPM now": h.name == scenario.spm} for h in scenario.hosts])
     + "<br>"
     + table_html([{"VM": vm.name, "runs on": vm.host, "highly available": vm.ha,
                    "priority": f"{priority_label(vm.priority)} ({vm.priority})", "memory (GiB)": vm.memory_gb,
                    "writes to its disk": vm.writes} for vm in scenario.vms]))

# %% [markdown]
# ## 2 · Predict, then run
#
# Write down your answers before you run anything. Sections 5 and 6 reveal them.
#
# 1. **Who and when.** Which host becomes the new SPM, and how long after the `ifdown` on Atlantic?
# 2. **Why not Indian?** Indian is Up and reaches the storage as well as Pacific does. Could it become
#    SPM? What if Pacific failed too?
# 3. **Why wait?** The engine knows within seconds that Atlantic is in trouble. Why does it not hand the
#    SPM role to another host at once?
# 4. **Atlantic itself.** Is Atlantic Non Operational (as Pacific was in lesson 1) or Non Responsive? Is
#    it power-cycled?

# %% [markdown]
# ## 3 · Your control panel
#
# The same panel as in lesson 1: the data center runs from 0:00 and nothing breaks until you press a
# toggle. Watch the **SPM lane** at the top of the timeline: who holds the role, and the hatched
# *no SPM* stretch in between.
#
# Suggested run: press **+1 min**, then **`ifdown storage on atlantic`**, then **+15 s** again and again,
# watching Atlantic's lane, the SPM lane and the Events tab, until the SPM lane names a new host.

# %%
lesson = Lesson(scenario, seed=0, scripted_faults=False, window=zoom.spm_handover)  # the hand-over, enlarged in place
lesson

# %% [markdown]
# ## 4 · What you are watching
#
# **What you see, in order** (the timeline enlarges the busy seconds in place: the shaded stretch):
#
# 1. **About a minute of nothing.** Atlantic keeps its green lane and the SPM; the portal says nothing.
# 2. **A diamond and a purple flag on Atlantic's lane** (⚑ *fenced (self)*, as in the Events tab):
#    Atlantic's agent, VDSM, was killed *on Atlantic, by Atlantic*. No power is cut; the VMs keep
#    running.
# 3. **Atlantic flickers: Connecting, Initializing, a moment of Up, then Non Operational** (orange).
#    In some runs Non Operational comes first and the flicker after it (section 6). Atlantic is never Non Responsive and never power-cycled.
# 4. **Its VMs migrate to Pacific**, highest priority first, as in lesson 1; the writers pause on their
#    lost disk and continue on Pacific.
# 5. **The SPM lane goes hatched (*no SPM*) for about a minute, then names Pacific.** Indian is never
#    chosen.
#
# **Why, in the guide's words.** Only the SPM may change the storage's metadata, and two SPMs at once
# would corrupt it. The role is a *lease* on the storage that its holder must renew by writing there,
# every 2 × `io_timeout` (VDSM's `[sanlock] io_timeout` = **10 s**). Without `p1p1` Atlantic cannot
# renew. So that it can never write metadata with a lapsed lease, sanlock on Atlantic kills VDSM
# **8 × `io_timeout` = 80 s** after the last good renewal: that is the self-fencing (step 2). VDSM
# restarts within seconds, without storage, and the engine finds Atlantic unable to serve: Non Operational
# (step 3), reachable but useless, so its VMs are migrated (step 4). Another host may take the lease only
# once it is surely dead: **8 × `io_timeout` + the watchdog's 60 s = 140 s** after Atlantic's last
# renewal. Until then nobody is SPM (step 5). Then the engine elects the highest SPM priority among the
# Up hosts that reach the storage: Pacific; Indian's priority -1 means *never*.
#
# **Try next:** press the toggle again (`ifup storage on atlantic`) and advance 5 minutes. Atlantic comes
# back at the next auto-recovery (`AutoRecoverySchedule`, every 5 min), but the SPM stays where it is:
# the engine moves the role only when its holder fails, never back to a "preferred" host on its own.

# %% [markdown]
# ### For the curious: inside the engine
#
# *Skip this on a first reading; section 5 answers the questions without it.*
#
# - **The flicker of step 3.** While VDSM restarts, the engine's polls fail (Connecting, as in lesson 3,
#   but far shorter than the grace before Non Responsive). The new VDSM reports Initializing; the engine
#   then tries to connect it to the storage pool (`InitVdsOnUp`), which fails. But the data center has no
#   SPM now, so its master domain shows **Unknown**, and for that case the engine's code says "not failing
#   the operation": Atlantic comes back **Up**, without storage. At its next statistics refresh the NIC
#   rule of lesson 1 sees `p1p1` down for longer than its grace: **Non Operational,
#   `NETWORK_INTERFACE_IS_DOWN`**.
# - **Two rules race.** `storage` is a required network, so that NIC rule (`NicDHCPDelayGraceInMS` = 60 s
#   after the engine sees `p1p1` down) runs from the start too. Depending on the phase of the engine's
#   statistics refresh and of sanlock's renewals (both drawn from the run's seed), Atlantic turns Non
#   Operational through the NIC rule first, and the engine then stops the SPM itself (`ResetIrs`: an SPM
#   that leaves Up loses the role); or sanlock kills VDSM first. Section 6 runs both.
# - **The election.** The engine polls the SPM every `StoragePoolRefreshTimeInSeconds` = **10 s**; the
#   first poll that finds the role vacant sets the data center Non Responsive (its domain Unknown) and
#   elects among the **Up** hosts that reach the storage and whose `spm_priority` is not -1 the highest
#   priority, ties broken at random (`GetUpAndPrioritizedVds`); the new SPM must then *acquire the
#   lease*, which sanlock grants only at `host_dead_seconds`.

# %% [markdown] tags=["lab-only"]
# ## The procedure, in code
#
# A second panel driven by its own controls: `ifdown storage on atlantic` at 1:00, then four minutes. The
# check reads the figure: Atlantic's lane must show Non Operational and the ⚑ of its self-fencing, and the
# SPM lane a stretch without SPM followed by the SPM on Pacific, its SPM spans never overlapping.

# %% tags=["lab-only"]
replay = Lesson(scenario, seed=0, scripted_faults=False)
replay.control("+1 min").click()
replay.control("ifdown storage on atlantic").value = True
for _ in range(4):
    replay.control("+1 min").click()
replay

# %% tags=["lab-only"]
shown = drawn_spans(replay.timeline_picture)
assert any(s.lane == "host:atlantic" and s.status == "NonOperational" for s in shown)
assert "fenced (self)" in [m.kind for m in drawn_marks(replay.timeline_picture) if m.lane == "host:atlantic"]
held = sorted((s for s in shown if s.lane == "spm" and s.status == "SPM"), key=lambda s: s.start)
vacant = [s for s in shown if s.lane == "spm" and s.status == "no SPM"]
assert vacant and all(a.end <= b.start for a, b in pairwise(held))
assert "SPM on pacific" in [text for _, text, _ in replay.timeline_picture.words]
print(f"At {audit.clock(replay.now)} the figure shows Atlantic Non Operational, no SPM from "
      f"{audit.clock(vacant[0].start)} to {audit.clock(vacant[0].end)}, then the SPM on Pacific.")

# %% [markdown]
# ## 5 · The answers
#
# From the run of the scenario file itself (`ifdown storage` on Atlantic at 1:00):

# %%
log = simulate(scenario, seed=0)
draw_timeline(log, scenario);

# %% jupyter={"source_hidden": true}
handover = episodes.spm_handover(log, scenario)
fault = intervals.injected_faults(log)[0]
io = config.io_timeout
HTML(details_html(
    "Answer 1 · who becomes SPM, and when (click to open)",
    f"<p><b>{handover.new.capitalize()}, at {audit.clock(handover.started)}</b>, "
    f"{handover.started - fault.t:g} s after the <code>ifdown</code> at {audit.clock(fault.t)}.</p><ul>"
    f"<li>Atlantic's last good lease renewal was at {audit.clock(handover.last_renewal)} (sanlock renews every "
    f"2 × <code>io_timeout</code> = {2 * io:g} s, so up to {2 * io:g} s before the fault).</li>"
    f"<li>At {audit.clock(handover.lease_expired)}, 8 × <code>io_timeout</code> = {8 * io:g} s after it, sanlock "
    "gave up and killed VDSM on Atlantic.</li>"
    f"<li>The engine stopped using Atlantic as SPM at {audit.clock(handover.stopped)} "
    f"(<i>{handover.stop_reason}</i>).</li>"
    f"<li>The lease was free at {audit.clock(handover.lease_free)}, 8 × <code>io_timeout</code> + the watchdog's 60 s = "
    f"{sanlock.host_dead_s(config):g} s "
    "after the last renewal; the engine's next SpmStatus poll (every <code>StoragePoolRefreshTimeInSeconds</code> "
    f"= {config.StoragePoolRefreshTimeInSeconds} s) elected {handover.new.capitalize()} at {audit.clock(handover.started)}.</li>"
    f"</ul><p>The data center had no SPM for {handover.without_spm_s:g} s. Running VMs did not notice: only "
    "changes to the storage's structure (new disks, snapshots, extending thin disks) wait for an SPM.</p>"))

# %% jupyter={"source_hidden": true}
HTML(details_html(
    "Answer 2 · why not Indian",
    table_html([{"host": h.name, "SPM priority": h.spm_priority,
                 f"status at {audit.clock(handover.started)}": intervals.host_status_at(log, h.name, handover.started, scenario)}
                for h in scenario.hosts])
    + "<p>The engine considers only hosts that are <b>Up</b> and whose <code>spm_priority</code> is above -1, "
      "highest first, ties broken at random (<code>GetUpAndPrioritizedVds</code>). Atlantic is Non Operational; "
      "Indian's -1 means <i>never</i>, whatever else happens: had Pacific failed too, the data center would "
      "have stayed without an SPM. Free memory plays no part in the choice.</p>"))

# %% jupyter={"source_hidden": true}
spans = intervals.spm_intervals(log, scenario, until=scenario.duration)
assert all(a.end <= b.start for a, b in pairwise(spans))  # never two SPMs at once
HTML(details_html(
    "Answer 3 · why the new SPM must wait",
    table_html([{"SPM": s.host, "from": s.start, "to": s.end} for s in spans], times=["from", "to"])
    + "<p>The SPM is the only host that writes the storage's metadata; two writers at once would corrupt it. "
      "The engine cannot know whether VDSM on Atlantic has really stopped (it may be hung rather than dead), "
      "so the guarantee comes from sanlock and time alone: the old owner kills its lease holders by "
      f"8 × <code>io_timeout</code> ({8 * io:g} s, and a watchdog resets the whole host if they will not die), "
      f"while another host may acquire the lease only after 8 × <code>io_timeout</code> + the watchdog's 60 s "
      f"({sanlock.host_dead_s(config):g} s). "
      "Between the two there is always a gap, so the SPM spans above never overlap.</p>"))

# %% jupyter={"source_hidden": true}
atlantic = intervals.host_intervals(log, scenario)["atlantic"]
HTML(details_html(
    "Answer 4 · Atlantic and its VMs",
    table_html([{"from": s.start, "status": s.status, "reason": s.reason} for s in atlantic], times=["from"])
    + "<p>Atlantic is <b>Non Operational</b>: the engine still talks to it, it only cannot reach the "
      "storage. Its <i>fencing</i> was sanlock killing VDSM, not a power cycle. Its VMs left by priority:</p>"
    + table_html(episodes.migration_order(log, scenario),
                 ["order", "vm", "ha", "priority", "destination", "requested", "end", "outcome"],
                 times=["requested", "end"])))

# %% [markdown]
# ## 6 · Two rules race
#
# The same scenario with other seeds: each seed moves the phase of the engine's statistics refresh and
# of sanlock's renewals, as two real data centers never tick in step.

# %%
def race(seed: int) -> dict:
    run = simulate(scenario, seed=seed)
    h, nonop = episodes.spm_handover(run, scenario), episodes.first_status(run, "atlantic", "NonOperational")
    return {"seed": seed, "Non Operational at": nonop.t, "first reason": nonop.reason.split(":")[0],
            "lease expired": h.lease_expired, "SPM stopped": h.stopped, "new SPM": h.new, "elected at": h.started}


HTML(table_html([race(seed) for seed in range(8)],
                times=["Non Operational at", "lease expired", "SPM stopped", "elected at"]))

# %% [markdown]
# When the NIC rule wins (`NETWORK_INTERFACE_IS_DOWN`), Atlantic leaves Up before sanlock gives up, and the
# engine stops the SPM at that moment (`ResetIrs`); VDSM is still killed a few seconds later, and Atlantic
# goes through Connecting and Initializing back to Up (the master domain is Unknown), until the NIC rule,
# which starts counting afresh, acts again a grace later. When sanlock wins, the kill comes first. Either
# way the new SPM waits until the engine can talk to Atlantic again (its SpmStop must succeed) and for the
# lease: the election time depends only on Atlantic's last renewal, never on which rule was first.

# %% [markdown]
# > **What the model simplifies**
# >
# > - One storage domain, which is also the master; no storage mailbox and no thin provisioning, so no VM
# >   waits for the SPM to extend its disk (on thin disks, writers would eventually pause ENOSPC without one).
# > - sanlock's kill is instant; the real one sends SIGTERM, then SIGKILL, then lets the watchdog reset the
# >   host if VDSM does not exit. VDSM restarts in `vdsm_restart_s` = 10 s, an assumption.
# > - A VDSM restart does not abort the migrations already running.
# > - No SPM tasks are failed over (the engine's `SPMFailOverAttempts`); the election is one poll every
# >   10 s once the lease is free, and ties between equal priorities are drawn from the run's seed.
# > - Time 0:00 is not the engine's start, so no start-up grace applies.
