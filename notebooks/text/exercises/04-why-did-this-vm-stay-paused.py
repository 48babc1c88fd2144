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
# # Exercise 4 · Why did this VM stay paused?
#
# The `paused-vms-resume` scenario (oVirt 4.5): Pacific loses its storage network at 1:00 and
# gets it back at 10:00. The VMs that write to their disks pause on I/O errors. When storage
# returns, app1 runs again, but **report1 stays paused** to the end. The VMs and the run:

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
from hacourse.grading import exercises

scenario = exercises.shipped(exercises.PAUSED)
print("cluster resilience_policy:", scenario.cluster.resilience_policy)
for vm in scenario.vms:
    print(f"{vm.name:8} HA: {vm.ha!s:5}  writes: {vm.writes!s:5}  resume_behavior: {vm.resume_behavior}")
print(exercises.story(scenario, only=["NicDown", "NicUp", "VmStatusChanged", "MigrationStarted"]))

# %% [markdown] nbgrader={"grade": false, "grade_id": "question-1", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Part 1.** Why did report1 stay paused? Set `reason` to one letter.

# %% nbgrader={"grade": false, "grade_id": "choices", "locked": true, "schema_version": 3, "solution": false, "task": false}
for letter, text in exercises.PAUSED_CHOICES.items():
    print(f"{letter}) {text}")

# %% nbgrader={"grade": false, "grade_id": "answer-1", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
reason = "b"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "check-1", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
feedback = exercises.check_paused_reason(reason)
print(feedback)
assert feedback.passed, "read the feedback above, change your answer and run both cells again"

# %% [markdown] nbgrader={"grade": false, "grade_id": "question-2", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Part 2.** Change report1's settings so that it continues **by itself, without a reboot**,
# once storage returns. `changes` holds the VM keys to change, as the scenario format spells
# them (`resume_behavior`, `ha`, `priority`, ...).

# %% nbgrader={"grade": false, "grade_id": "answer-2", "locked": false, "schema_version": 3, "solution": true, "task": false}
changes = {}
### BEGIN SOLUTION
changes = {"resume_behavior": "auto_resume"}
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "check-2", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
feedback = exercises.check_paused_fix(changes)
print(feedback)
assert feedback.passed, "read the feedback above, change your answer and run both cells again"
