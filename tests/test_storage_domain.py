"""The data domain is an object of its own: when the array stops answering, every host loses it."""

from __future__ import annotations

from hacourse import Simulation, rules
from tests.seed import of, variant


def test_when_the_array_fails_every_host_loses_storage_and_writers_pause_then_resume():
    scenario = variant(faults=[])
    sim = Simulation(scenario, seed=0)
    sim.run_until(30)
    sim.domain.set_available(False)
    log = sim.run_until(30 + rules.eio_after_s(sim.config) + 1)
    assert {r.host for r in of(log, "StorageConnectionLost")} == {h.name for h in scenario.hosts}
    writers = {v.name for v in scenario.vms if v.writes}
    assert {r.vm for r in of(log, "VmStatusChanged", new="Paused")} == writers
    sim.domain.set_available(True)
    log = sim.run_until(sim.now + 60)
    assert {r.host for r in of(log, "StorageConnectionRestored")} == {h.name for h in scenario.hosts}
    assert {r.vm for r in of(log, "VmStatusChanged", old="Paused", new="Up")} == writers
