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
# # 4 · How many nines does HA buy?
#
# The other lessons follow one failure minute by minute. An architect asks the long-run question:
# over years of power losses, cut cables, a dead storage array and crashed guests, **what share of
# the time do my VMs run**, how much of it does HA buy, or power management, or a spare host, and
# where does the rest go: waiting for the engine to notice, for a fence, for a repair, for a person,
# for memory to restart in?
#
# Here the faults are not listed: they are *drawn* (`failure_rates:` in the scenario), each host,
# NIC, storage domain and VM failing and being repaired at random, at rates from field studies
# (docs/fidelity.md, section 11). A person on call restarts the VMs HA does not. Each variant runs
# ten simulated years, five times with different seeds; the interval says how sure the runs are.
#
# A VM counts as available while its guest really runs (its qemu process runs, has booted, is not
# paused), not while the portal shows it Up.

# %%
from IPython.display import HTML, display

from hacourse.panel.nines import NinesPanel
from hacourse.study.nines_lab import compare, difference, grew_most, rows, say, variants, what_ha_buys
from hacourse.views.availability import draw_availability
from hacourse.views.tables import table_html

# %% [markdown]
# ## The data center
#
# Atlantic and Pacific, 32 GiB each, nearly full: db1 (16 GiB), mail1 (8) and web1 (4) on Pacific,
# app1 (24) and dns1 (2) on Atlantic. All but web1 are highly available; both hosts have power
# management. The drawn failures:

# %%
built = variants(["as built"])["as built"]
HTML(table_html([{"fault": r.fault, "each": r.each, "mean hours between": r.mtbf_h,
                  "mean hours to repair": r.mttr_h or "-", "Weibull shape": r.shape} for r in built.failure_rates]))

# %% [markdown]
# **Predict** before you run: how many hours a year will each HA VM be down? And web1, which is
# not highly available? Which will cost more: switching HA off, or switching power management off?

# %%
reports = compare(variants())
HTML(f"<p>{say(reports['as built'])}</p>")

# %%
fig = draw_availability(reports["as built"])

# %% [markdown]
# The left panel shows how far from 100 % each class is, on a log scale where every step down is one
# more nine; the bar is the 95 % interval over the five seeds. The right panel shows where the
# downtime went.
#
# ## One switch at a time
#
# Each row is the cluster with one thing changed, over the same years and seeds:

# %%
HTML(table_html(rows(reports)))

# %%
display(HTML(f"<p>{what_ha_buys(reports)}</p>"))
for variant in ("no power management", "a spare host", "rhev-3.3"):
    display(HTML(f"<p>{difference(reports, 'as built', variant)} {grew_most(reports, 'as built', variant)}</p>"))

# %% [markdown]
# What to look for:
# - Without power management the engine cannot prove that a host which stopped answering is off,
#   so it restarts nothing on its own: a person must confirm the host rebooted, or the host must
#   come back. Which phase grew, the sentences above say.
# - The hosts are nearly full: when Pacific fails, db1 and mail1 do not fit on Atlantic. Look at
#   `waiting for capacity` with and without the spare host, and whether the intervals overlap.
# - The portal's view is not the truth: a VM shown Unknown may run the whole time, and a VM shown Up
#   may have died with its host a minute ago. Availability here counts the guest running.
#
# ## Your turn
#
# Switch HA, power management, the spare host, the era and the hosts' failure and repair rates,
# predict, then run. Each run takes a few seconds.

# %%
NinesPanel()
