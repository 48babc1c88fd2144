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

from hacourse import load_scenario, parse_scenario, simulate
from hacourse.analysis import facts
from hacourse.analysis.availability import availability
from hacourse.scenario import vary
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
draw_sweep(rows, BANDWIDTH, "ha_vm_down_s", hue="engine_profile",
           ylabel="HA VM-seconds not running (log scale)", symlog=1);

# %% [markdown]
# Notice:
# - Under **rhev-3.3** every migration switches over in the end, even at 16 MiB/s: VDSM 4.13 aborts
#   a migration only after `migration_timeout` (300 s) without progress, and its downtime ramp lets
#   a slow one finish, late. `db1`'s writes fail 130 s after the storage path (NOP-out detection plus
#   `replacement_timeout`) while its memory is still being copied: it pauses on EIO and runs again only
#   when its migration switches over on Atlantic. A faster network, a shorter pause.
# - Under **ovirt-4.5** the line is flat: `db1` never runs again, whatever the bandwidth, as lessons 1
#   and 3 show. VDSM 4.40+ has no migration timer of its own (its `migration_progress_timeout` and
#   `migration_max_time_per_gib_mem` went with the legacy migrations): a migration ends when the
#   engine's convergence schedule lets it switch over, or aborts it. So even at 16 MiB/s the VMs that
#   do not write finish, late; the writers' migrations fail: multipath queues their writes 80 s longer
#   (`no_path_retry_queue_s`), the switch-over waits for them, and when they fail QEMU's final disk
#   flush fails and the migration with it (a writer still waiting for a slot is refused: VDSM does not
#   migrate a VM paused on EIO).
#   `db1` stays paused on Pacific to the end of the run; only its `resume_behavior` decides what
#   happens when the storage returns. A faster migration network cannot help a VM whose writes fail.
#
# `tests/test_lesson_claims.py` runs this sweep and holds each of these sentences to it.

# %% [markdown]
# ## 2 · When should the engine stop fencing?
#
# A generated cluster of 40 hosts and 400 VMs. At 10 minutes four hosts lose their storage network,
# and a growing number of other hosts lose their management network: a partial network partition.
# The engine cannot reach those hosts; it fences (power-cycles) each one, and every VM on it goes
# down, to be restarted elsewhere only if it is highly available and fits.
#
# Since oVirt 3.5 the cluster's **fencing policy** can hold the engine back:
# `skip_if_connectivity_broken` skips fencing while at least `hosts_with_broken_connectivity_threshold`
# % (50) of the hosts are unreachable. A 3.3 engine has no fencing policy (the `rhev-3.3` profile
# refuses a `fencing_policy:`, naming the era): it fences every unreachable host it can. So the sweep
# compares three engines: `rhev-3.3` as it was, `ovirt-4.5` with the policy's default (off), and
# `ovirt-4.5` with `skip_if_connectivity_broken`.

# %%
SKIP = "cluster.fencing_policy.skip_if_connectivity_broken"
ENGINES = ["rhev-3.3", "ovirt-4.5", "ovirt-4.5 + skip_if_connectivity_broken"]


def cluster(management_down: int, engine: str):
    era, _, policy = engine.partition(" + ")
    run = parse_scenario(generate_scenario(40, 400, seed=0, duration=3600, management_down=management_down,
                                           engine_profile=era))
    return vary(run, {SKIP: True}) if policy else run


partition = sweep(cluster, {"management_down": [1, 5, 10, 15, 20, 25, 30], "engine": ENGINES}, seeds=range(3))
draw_sweep(partition, "management_down", "vms_down_at_end", hue="engine",
           ylabel="VMs Down at the end (lost)");

# %% [markdown]
# What the figure shows, read off the rows:

# %%
def rows_of(engine: str, down: int | None = None) -> list[dict]:
    return [r for r in partition if r["engine"] == engine and down in (None, r["management_down"])]


half = min(r["management_down"] for r in rows_of(ENGINES[2]) if r["hosts_fenced"] == 0)
same_below = all({k: v for k, v in policy.items() if k != "engine"} == {k: v for k, v in off.items() if k != "engine"}
                 for policy, off in zip(rows_of(ENGINES[2]), rows_of(ENGINES[1]), strict=True)
                 if policy["management_down"] < half)
lost_33 = [r["ha_vms_down_at_end"] for r in rows_of(ENGINES[0], 30)]
lost_45 = [r["ha_vms_down_at_end"] for r in rows_of(ENGINES[1], 30)]
new = cluster(30, ENGINES[1]).config()
HTML(f"<ul><li>Below {half} unreachable hosts (half of 40) the policy changes "
     f"{'nothing' if same_below else 'something'}: every row is the same with it and without it. From "
     f"{half} on, the engine with the policy suspects its own network rather than the hosts and fences none: "
     f"{max(r['vms_down_at_end'] for r in rows_of(ENGINES[2]) if r['management_down'] >= half)} VMs lost, "
     "but the HA VMs stay <i>Unknown</i> to the engine until the network returns.</li>"
     f"<li>Without the policy both eras fence every unreachable host, but they do not lose the same HA VMs. "
     f"With 30 hosts fenced, rhev-3.3 ends with {min(lost_33)}-{max(lost_33)} HA VMs Down (of "
     f"{sum(vm.ha for vm in cluster(30, ENGINES[0]).vms)}; seeds 0-2), ovirt-4.5 with {max(lost_45)}. A 3.3 "
     "engine tries each HA VM once, when its host is fenced: with 30 hosts rebooting at once there is no room, "
     f"and it gives up. The 4.x engine's runner tries again, every {new.RetryToRunAutoStartVmShortIntervalInSeconds} s "
     f"{new.NumOfTriesToRunFailedAutoStartVmInShortIntervals} times, then every "
     f"{new.RetryToRunAutoStartVmLongIntervalInSeconds // 60} minutes, and finds room once the fenced hosts are Up "
     f"again (they stay Reboot for {new.ServerRebootTimeout // 60} minutes after their restart; lesson 3).</li></ul>")

# %%
HTML(table_html([r for r in partition if r["management_down"] == 30 and r["seed"] == 0],
                ["management_down", "engine", "hosts_fenced", "vms_down_at_end", "ha_vms_down_at_end",
                 "ha_vm_down_s", "ha_vm_portal_down_s"], labels=LABELS))

# %% [markdown]
# The two last columns count the HA VMs' lost seconds two ways, and under `ovirt-4.5` they disagree about
# the policy. Counted from the guests (`ha_vm_down_s`), the policy saves what fencing cost. Counted from the
# portal (`ha_vm_portal_down_s`), the policy's run loses *more*: the HA VMs of the hosts the engine did not
# fence stay Unknown to it to the end of the hour, as the management network never comes back in this
# run, though their hosts only lost the engine's network and their guests run on all along. Where the HA
# VMs' lost seconds went (seed 0, 30 hosts unreachable), by what their host lost:

# %%
def down_by_fault(engine: str) -> dict:
    """The HA VMs' seconds not running in one run, by what their host lost at 10 minutes."""
    run = cluster(30, engine)
    log = simulate(run, seed=0)
    lost = {f.host: f.nic for f in run.faults}
    guests = availability(log, run)
    out = {"engine": engine, "storage": 0.0, "ovirtmgmt": 0.0, "nothing": 0.0}
    for vm in run.vms:
        if vm.ha:
            out[lost.get(vm.host, "nothing")] += guests[vm.name].downtime_s
    return {**out, "all HA VMs": sum(out[k] for k in ("storage", "ovirtmgmt", "nothing")),
            **facts.ha_vms_at_end(log, run)}


split = [down_by_fault(engine) for engine in ENGINES[1:]]
HTML(table_html(split, ["engine", "storage", "ovirtmgmt", "nothing", "all HA VMs", "Up as the engine shows them",
                        "Unknown to the engine", "whose guest still runs"]))

# %% [markdown]
# The `storage` column is the same with the policy and without it: the HA VMs that write, on the hosts
# that lost their storage network, pause on I/O errors and under `ovirt-4.5` cannot leave (lesson 1), and no
# fencing policy touches a host the engine still hears. The policy only spares the VMs of the hosts that
# lost their management network (`ovirtmgmt`): without it, the engine fenced those hosts and their VMs
# really died until the runner restarted them; with it, every HA VM the engine shows Unknown still runs.
# The policy traded the engine's sight for the guests' lives. An availability figure read off the portal
# would have said the opposite.

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
