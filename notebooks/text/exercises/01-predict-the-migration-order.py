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
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown] nbgrader={"grade": false, "grade_id": "intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# # Exercise 1 · Predict the migration order
#
# Lesson 1's scenario (`pacific-storage-down`): one minute into the run, the admin takes down
# Pacific's storage network. About a minute later the engine turns Pacific **Non Operational**,
# and, because the cluster's resilience policy is `migrate`, it asks to migrate VMs to Atlantic.
#
# **Before you run anything:** in which order does the engine *start* the migrations?
# Here are the VMs as the scenario defines them.

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
from hacourse.grading import exercises

scenario = exercises.shipped(exercises.MIGRATION_ORDER)
for vm in scenario.vms:
    print(f"{vm.name:6} on {vm.host:9} HA: {vm.ha!s:5}  priority: {vm.priority:3}  "
          f"memory: {vm.memory_gb:g} GiB  writes to disk: {vm.writes}")

# %% [markdown] nbgrader={"grade": false, "grade_id": "question", "locked": true, "schema_version": 3, "solution": false, "task": false}
# Write `answer` as a list of VM names, the first one the engine starts migrating first.
# Leave out the VMs that do not migrate. Where the engine's order is a matter of chance, any
# order of those VMs counts.

# %% nbgrader={"grade": false, "grade_id": "answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
answer = ["db1", "mail1", "app1", "app2", "web1", "log1"]
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
feedback = exercises.check_migration_order(answer)
print(feedback)
assert feedback.passed, "read the feedback above, change your answer and run both cells again"

# %% [markdown] nbgrader={"grade": false, "grade_id": "afterwards", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Afterwards:** the run itself. Compare the order the migrations started with the order they
# finished: which VMs overtake others, and why does db1 arrive so late?

# %%
print(exercises.story(scenario, only=["MigrationStarted", "MigrationFinished", "HostStatusChanged"]))
