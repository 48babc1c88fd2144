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
# # Lesson 0 · The guide's lab, as an administrator does it
#
# The RHEV 3.3 Evaluation Guide, §6.8, starts from where its previous section left the lab:
# *"after Pacific had been rebooted, the Atlantic host gained the status of SPM ... migrate several
# virtual machines from Atlantic to Pacific"*. Then, logged in to Pacific, the admin finds the
# storage network with `ifconfig`, runs `ifdown storage` and `ifdown p1p1`, and clicks Pacific in
# the Administration Portal's tree pane to watch its virtual machines leave.
#
# You do the same here with the administrator's two tools: a **root shell on each host** and the
# **portal's tabs** (Hosts, Virtual Machines, Events). Under the tabs, **Why?** shows, for any host
# or VM you pick, the chain of the engine's decisions and timers that led to its state.
#
# Each step below has a cell that does it for you (so the notebook runs from top to bottom); you
# can type the same commands in the shell and press the same buttons instead.

# %%
from IPython.display import HTML, display

from hacourse import load_scenario
from hacourse.analysis import intervals
from hacourse.panel.admin import add_admin_tools
from hacourse.panel.widgets import Lesson
from hacourse.views import draw_topology, table_html
from hacourse.views.portal import hosts_tab

scenario = load_scenario("../scenarios/guides-lab.yaml")

# %% [markdown]
# ## 1 · The starting point
#
# Two hosts, the guide's **Atlantic** and **Pacific**. Pacific holds the **SPM** role (thick
# outline); every VM runs on Atlantic. Each host has `em1` on **ovirtmgmt** (the engine talks to
# VDSM over it, and VMs migrate over it) and `p1p1` on **storage** (the iSCSI domain's network).

# %%
draw_topology(scenario);

# %%
HTML(table_html([{"VM": vm.name, "runs on": vm.host, "highly available": vm.ha, "priority": vm.priority,
                  "memory (GiB)": vm.memory_gb, "writes to its disk": vm.writes} for vm in scenario.vms]))

# %% [markdown]
# ## 2 · Your tools
#
# The panel runs the data center from 0:00. The cells below drive it step by step, and each moves the
# timeline's window to the step it is about; after *Run All* it shows the whole lab, 0:00 to the end
# (*follow the clock* brings back the usual window). Beside the buttons, and under the timeline, you find:
#
# - **the shell** (beside the buttons): pick the host (`ssh root@pacific`), type a command and press Enter. It knows
#   `ifconfig`, `ip link`, `brctl show`, `ifdown NAME`, `ifup NAME`, `service vdsmd restart`, `reboot`
#   and `exit`; `clear` empties the screen; anything else answers as bash does.
# - **the portal** (under the timeline): the tree pane (System, then each host) beside the Hosts, Virtual Machines and
#   Events tabs; clicking a host lists its VMs. **Why?** explains a host or a VM.
# - the admin's buttons under the host you pick: **maintenance**, **confirm rebooted**, **select as SPM**;
#   under the VM you pick, **migrate** (to the host the scheduler picks).

# %%
lesson = Lesson(scenario, seed=0, scripted_faults=False)
console, portal = add_admin_tools(lesson, host="pacific")
display(lesson)

# %% [markdown]
# ## 3 · Step 1: reboot Pacific, the SPM
#
# In Pacific's shell: `reboot`. VDSM stops and sanlock releases the SPM lease, so at the engine's
# next SPM poll (`StoragePoolRefreshTimeInSeconds` = 10 s) **Atlantic** is elected SPM: the guide's
# starting point. Pacific's reboot takes longer than the engine's patience
# (`TimeoutToResetVdsInSeconds` = 60 s): it turns **Non Responsive** and is fenced before it is
# back (RHEV 3.3 shows a booting host as Non Responsive too). Pick *host pacific* under **Why?** to
# read the fencing checks.
#
# The reboot also closes your session (`Connection to pacific closed.`): the prompt is your
# workstation's again, and nothing runs on Pacific until `ssh root@pacific` logs you in anew. While
# Pacific is off, ssh answers `No route to host`; while it boots, `Connection refused`.

# %%
lesson.step(60)
print(console.type("reboot"))
lesson.step(300)
lesson.show_window(0, lesson.now)  # the timeline shows this step: the reboot, the hand-over, the fence
HTML(f"SPM now: <b>{intervals.spm_holder(lesson.log, lesson.now, scenario)}</b> &nbsp; Pacific: "
     f"<b>{intervals.host_status_at(lesson.log, 'pacific', lesson.now, scenario)}</b>")

# %% [markdown]
# ## 4 · Step 2: migrate several VMs from Atlantic to Pacific
#
# In the portal: select the VM, **Migrate**, choose Pacific. The scheduler still applies its
# filters to the host you ask for (enough free memory, Up); **Why?** on a VM shows them.

# %%
for vm in ("db1", "mail1", "app1", "web1"):
    lesson.inject("migrate", vm=vm, to="pacific")
lesson.step(300)
lesson.show_window(300, lesson.now)
portal.select_host("pacific")
HTML(portal.vms.value)

# %% [markdown]
# ## 5 · Step 3: find the storage network, and take it down
#
# In Pacific's shell, `ifconfig` lists the NICs and one bridge per logical network, named after it:
# `storage` is the bridge over `p1p1`. The guide runs `ifdown storage` and `ifdown p1p1`. First log
# in again: the reboot of step 1 closed the session.

# %%
print(console.type("ssh root@pacific"))
print(console.type("ifconfig"))

# %%
console.type("ifdown storage")
console.type("ifdown p1p1")
print(console.type("ip link"))

# %% [markdown]
# ## 6 · Step 4: watch Pacific's VMs leave
#
# Pacific is selected in the tree pane. About a minute later (the NIC grace,
# `NicDHCPDelayGraceInMS` = 60 s after the engine's statistics refresh sees `p1p1` down) Pacific turns
# **Non Operational**, and its VMs migrate to Atlantic, highest priority first. The writers, `db1`
# and `app1`, hang on their lost disk, pause on EIO, and continue on Atlantic.

# %%
lesson.step(300)
lesson.show_window(0, lesson.now)  # the whole lab, from the reboot to the VMs back on Atlantic
HTML(portal.hosts.value + portal.vms.value)

# %% [markdown]
# ## 7 · Why did it do that?
#
# Pick a VM under **Why?**: the steps that moved it, each decision with the engine's reasons
# (the migration queue and its slots, the scheduler's filters with their numbers).

# %%
HTML(portal.explain(vm="db1"))

# %% [markdown]
# ## 8 · Check what you saw
#
# These checks read the run's log, as the timeline and the tabs do.

# %%
log, now = lesson.log, lesson.now
rows = {r.name: r for r in hosts_tab(log, scenario, now)}
assert rows["atlantic"].spm and rows["pacific"].status == "NonOperational"
assert rows["pacific"].vms == 0 and rows["pacific"].nics_down == ("p1p1 (storage)",)
assert all(intervals.vm_state_at(log, vm.name, now, scenario).host == "atlantic" for vm in scenario.vms)
print("Atlantic is SPM, Pacific Non Operational with p1p1 down, every VM back on Atlantic.")
