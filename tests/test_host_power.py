"""A host that loses power answers the engine again only once its OS has booted."""

from __future__ import annotations

from pathlib import Path

import pytest

from hacourse import Simulation
from tests.seed import of, variant

REGRESSION = Path(__file__).resolve().parent / "regressions" / "vdsm-answers-before-the-os-booted.yaml"


@pytest.mark.parametrize("seed", range(3))
def test_a_power_cycle_right_after_sanlock_killed_vdsm_keeps_the_host_silent_until_it_booted(seed):
    storage_lost = variant(REGRESSION, faults=[{"at": 60, "action": "ifdown", "host": "atlantic", "nic": "storage"}])
    sim = Simulation(storage_lost, seed=seed)
    while not of(sim.log, "SpmLeaseExpired"):
        sim.run_until(sim.now + 1)
    sim.inject("power_off", "atlantic")  # VDSM's restart (vdsm_restart_s) is still pending
    sim.run_until(sim.now + 1)
    sim.inject("power_on", "atlantic")
    powered_on = sim.now
    log = sim.run()
    answered = [r for r in of(log, "HostStatusChanged", host="atlantic", new="Initializing") if r.t > powered_on]
    assert answered and answered[0].t >= powered_on + sim.config.host_boot_s
    assert not of(log, "HostFenced", host="atlantic", method="ssh-soft-fencing")  # no SSH while it boots
