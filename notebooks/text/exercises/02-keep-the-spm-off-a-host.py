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
# # Exercise 2 · Keep the SPM off a host
#
# Lesson 2's scenario (`spm-storage-down`): Atlantic holds the Storage Pool Manager role and
# loses its storage network. sanlock cannot renew the SPM lease, VDSM is killed, and once the
# old lease is dead the engine elects a new SPM among the Up hosts that reach storage, by
# `spm_priority` (-1 never, 2 low, 5 normal, 7 high, up to 10; ties are broken by chance).
#
# Pacific sits in the other building, on the slow link to the storage array: **set the SPM
# priorities so that the SPM never lands on Pacific**, while another host still takes over
# when Atlantic fails. The priorities as shipped:

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
from hacourse.grading import exercises

for host in exercises.shipped(exercises.SPM_SCENARIO).hosts:
    print(f"{host.name:9} spm_priority: {host.spm_priority:2}   memory: {host.memory_gb:g} GiB")

# %% [markdown] nbgrader={"grade": false, "grade_id": "question", "locked": true, "schema_version": 3, "solution": false, "task": false}
# Give `priorities` a value for each host. The check runs the scenario with five seeds, and
# once more with Indian losing its storage too: "never" has to hold then as well.

# %% nbgrader={"grade": false, "grade_id": "answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
priorities = {"atlantic": 5, "pacific": 5, "indian": -1}  # as shipped
### BEGIN SOLUTION
priorities = {"atlantic": 5, "pacific": -1, "indian": 5}
### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "try-it", "locked": true, "schema_version": 3, "solution": false, "task": false}
# Try your priorities: the SPM's story in one run (change the seed to see a tie fall the other way).

# %%
print(exercises.story(exercises.spm_scenario(priorities), seed=0,
                      only=["SpmStarted", "SpmStopped", "SpmLeaseExpired", "HostStatusChanged"]))

# %% nbgrader={"grade": true, "grade_id": "check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
feedback = exercises.check_spm_priorities(priorities)
print(feedback)
assert feedback.passed, "read the feedback above, change your answer and run the cells again"
