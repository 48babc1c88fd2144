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
# # Availability study · many runs, one question each
#
# The lessons follow one run second by second. Here we ask questions that need many runs: *how fast
# must the migration network be?*, *when should the engine stop fencing?* A **sweep** runs one
# scenario over a grid of settings and several seeds (each seed moves the engine's poll phases, as
# two real clusters never poll in step) and returns one row per run: the settings, the seed, and what
# the run did to availability, read off its event log.
#
# The runs go to a pool of worker processes on this machine. The same call takes a Dask cluster's
# executor when a class outgrows one machine (see the end).

# %%
from IPython.display import HTML

from hacourse import load_scenario, parse_scenario
from hacourse.study.generate import generate_scenario
from hacourse.study.sweep import OUTCOMES, sweep
from hacourse.views.sweep import LABELS, draw_sweep, label_of
from hacourse.views.tables import table_html

# %% [markdown]
# ## 1 · How fast must the migration network be?
#
# Lesson 1's data center: Pacific loses its storage network, turns Non Operational, and every VM
# migrates to Atlantic. The VMs that write pause on I/O errors first. We vary the per-migration
# bandwidth VDSM allows (`migration_max_bandwidth`, MiB/s) under both engine eras, with five seeds each.

# %%
BANDWIDTH = "engine_config.migration_max_bandwidth"
rows = sweep(load_scenario("../scenarios/pacific-storage-down.yaml"),
             {"engine_profile": ["rhev-3.3", "ovirt-4.5"], BANDWIDTH: [16, 24, 32, 48, 64, 96]},
             seeds=range(5))
HTML(table_html(rows[:6], labels=LABELS))

# %% [markdown]
# What the outcome columns count:

# %%
HTML(table_html([{"column": label_of(name), "key": name, "meaning": meaning} for name, meaning in OUTCOMES.items()]))

# %% [markdown]
# `ha_vm_down_s` adds up, over the highly available VMs, the seconds each guest did not run: no qemu
# process, still booting, or paused (the physical truth; `ha_vm_portal_down_s` is what the portal
# showed). Each dot is one run, the line the mean over the seeds;
# the scale is logarithmic, as the slowest setting loses a thousand times more than the fastest.

# %%
ax = draw_sweep(rows, BANDWIDTH, "ha_vm_down_s", hue="engine_profile",
                ylabel="HA VM-seconds not running (log scale)")
ax.set_yscale("symlog", linthresh=1)

# %% [markdown]
# Notice:
# - At 16 MiB/s under **ovirt-4.5** no migration converges in time: each exceeds
#   `migration_max_time_per_gib_mem` and aborts (`migrations_failed`); `db1` stays paused on Pacific
#   to the end of the run. VDSM 4.13 (**rhev-3.3**) has no such cap: it aborts only after
#   `migration_timeout` (300 s) without progress, and its downtime ramp lets every migration switch
#   over in the end, late.
# - Under **rhev-3.3**, `db1`'s writes fail 130 s after the storage path (NOP-out detection plus
#   `replacement_timeout`) while its memory is still being copied: it pauses on EIO and runs again
#   only when the migration switches over on Atlantic. A faster network, a shorter pause.
# - Under **ovirt-4.5** multipath queues the writes 80 s longer (`no_path_retry_queue_s`). The copy
#   is done before they fail, but the switch-over waits for the hanging writes to settle, then
#   happens at once: from 32 MiB/s on, `db1` is paused only for the switch-over itself.

# %% [markdown]
# ## 2 · When should the engine stop fencing?
#
# A generated cluster of 40 hosts and 400 VMs. At 10 minutes four hosts lose their storage network,
# and a growing number of other hosts lose their management network: a partial network partition.
# The engine cannot reach those hosts; by default it fences (power-cycles) each one, and every VM on
# it goes down, to be restarted elsewhere only if it is highly available and fits. The cluster's
# fencing policy `skip_if_connectivity_broken` skips fencing while at least
# `hosts_with_broken_connectivity_threshold` % (50) of the hosts are unreachable.

# %%
def cluster(management_down: int):
    return parse_scenario(generate_scenario(40, 400, seed=0, duration=3600, management_down=management_down))


SKIP = "cluster.fencing_policy.skip_if_connectivity_broken"
partition = sweep(cluster, {"management_down": [1, 5, 10, 15, 20, 25, 30], SKIP: [False, True]},
                  seeds=range(3))
draw_sweep(partition, "management_down", "vms_down_at_end", hue=SKIP,
           ylabel="VMs Down at the end (lost)");

# %% [markdown]
# Below half of the cluster the policy changes nothing: the hosts are fenced and their VMs lost. From
# 20 unreachable hosts on, the engine suspects its own network rather than the hosts and fences none:
# no VM is lost, but the HA VMs stay *Unknown* to the engine until the network returns. Without the
# policy, fencing 30 hosts leaves too little memory to restart every HA VM:

# %%
HTML(table_html([r for r in partition if r["management_down"] == 30 and r["seed"] == 0],
                ["management_down", SKIP, "hosts_fenced", "vms_down_at_end", "ha_vms_down_at_end",
                 "ha_vm_down_s"], labels=LABELS))

# %% [markdown]
# ## 3 · Bigger sweeps on a Dask cluster
#
# `sweep` takes any `concurrent.futures.Executor`. With `pip install "hacourse[sweep]"` and a Dask
# scheduler (yours or the class's), the same call spreads the runs over every worker:
#
# ```python
# from distributed import Client
# client = Client("tcp://scheduler:8786")          # or Client() for a local cluster
# rows = sweep(cluster, {"management_down": range(1, 36)}, seeds=range(20),
#              executor=client.get_executor())
# ```
#
# The rows are the same whichever machine ran them: each is a pure function of the scenario, the
# settings and the seed.
