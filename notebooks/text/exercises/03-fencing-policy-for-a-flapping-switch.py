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
# # Exercise 3 · A fencing policy for a flapping switch
#
# Lesson 3 showed what the engine does with a host it cannot reach: Connecting, Non Responsive,
# soft fencing over SSH, then a power-management restart, and only then the HA VMs restart
# elsewhere. That is right when the host is dead. Here it is not: the switch port of Pacific's
# management NIC **flaps** (down 100 s, up 100 s, three times), while Pacific keeps running its
# VMs and reaching its storage. The cluster runs oVirt 4.5 with the default fencing policy:

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
from hacourse.grading import exercises

flapping = exercises.fencing_scenario({"enabled": True})
print(exercises.story(flapping, only=["FaultInjected", "HostFenced", "FencingSkipped", "VmStatusChanged"]))

# %% [markdown] nbgrader={"grade": false, "grade_id": "question", "locked": true, "schema_version": 3, "solution": false, "task": false}
# The first flap already costs db1 and mail1 a reboot: the engine fences Pacific and restarts
# them on Atlantic, and keeps Pacific in Reboot for ten minutes (`ServerRebootTimeout`), through the
# later flaps, before it takes it back. **Find the cluster fencing policy that keeps the HA
# VMs up while the switch flaps**, and still restarts them when Pacific really loses its power
# (the check runs both). The options, as the scenario format spells them:
#
# | key | default | what it does |
# |---|---|---|
# | `enabled` | `true` | whether the engine fences Non Responsive hosts at all |
# | `skip_if_sd_active` | `false` | skip fencing while the host still renews its storage lease |
# | `skip_if_connectivity_broken` | `false` | skip fencing when many hosts are unreachable at once |
# | `hosts_with_broken_connectivity_threshold` | `50` | the percentage of hosts that counts as "many" |

# %% nbgrader={"grade": false, "grade_id": "answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
policy = {"enabled": True}
### BEGIN SOLUTION
policy = {"enabled": True, "skip_if_sd_active": True}
### END SOLUTION

# %%
print(exercises.story(exercises.fencing_scenario(policy), only=["HostFenced", "FencingSkipped"]))
print(exercises.story(exercises.fencing_scenario(policy, power_loss=True),
                      only=["HostFenced", "FencingSkipped", "HaRestartAttempted"]))

# %% nbgrader={"grade": true, "grade_id": "check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
feedback = exercises.check_fencing_policy(policy)
print(feedback)
assert feedback.passed, "read the feedback above, change your answer and run the cells again"
