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
# # Any scenario in the lesson panel
#
# This notebook opens the scenario a link names, so an instructor can hand out any scenario,
# shipped or their own, as a lesson panel. In the Voila app the link carries it:
# `.../voila/render/notebooks/open-scenario.ipynb?scenario=pacific-mgmt-down` opens a shipped
# scenario by name, `?scenario=../courses/week3/flapping.yaml` a file of the repository (relative
# to this folder). Without a link, the environment variable `HACOURSE_SCENARIO` says which, and
# without either, lesson 1's scenario opens. In a notebook of your own, `Lesson("my-lab.yaml")`
# does the same. On the course site (the browser version, no server) the same query works on
# `.../lab/index.html?path=notebooks/open-scenario.ipynb&scenario=pacific-mgmt-down`, and
# `hacourse link my-lab.yaml` prints a link that carries your own file, checked as a file is.

# %%
from hacourse.panel.widgets import open_requested

open_requested()
