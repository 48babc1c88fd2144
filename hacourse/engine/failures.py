"""Faults drawn from `failure_rates:`: every target lives its own life of failures and repairs.

Each target of a rate (each host, each NIC, each storage domain, each VM) is one generator that
sleeps until its next failure, applies the fault as a scripted fault is applied (a `FaultInjected`
record, the actor that reacts), sleeps until its repair and applies that. Nothing wakes in
between, so a simulated year costs what its faults cost, not its length. Each target draws from
a stream of its own (`failures:<fault>:<target>`): adding a VM does not move another's failures.

Times to failure are Weibull with the rate's `shape` scaled to the mean `mtbf_h` (shape 1 is the
exponential); times to repair are exponential with mean `mttr_h`. Simplified: the time to failure
counts from the repair (a host's clock does not stop while it waits for a person).
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from typing import TYPE_CHECKING

from hacourse.actions import ACTIONS, entry_of, undo_of
from hacourse.model import FailureRate, Fault, Scenario

if TYPE_CHECKING:
    from hacourse.engine.simulation import Simulation

HOUR_S = 3600.0


def targets(rate: FailureRate, scenario: Scenario) -> Iterator[dict[str, str]]:
    """The targets of a rate, in the scenario's order: its faults' target keys and names, only
    those the fault applies to (its kind's `where`: `fence_device_down` strikes only hosts with
    power management)."""
    where = ACTIONS[rate.fault].where
    for target in _each(rate, scenario):
        if where is None or ACTIONS[rate.fault].applies_to(entry_of(scenario, where.key, target[where.key])):
            yield target


def _each(rate: FailureRate, scenario: Scenario) -> Iterator[dict[str, str]]:
    if rate.each == "host":
        yield from ({"host": h.name} for h in scenario.hosts)
    elif rate.each == "nic":
        yield from ({"host": h.name, "nic": nic} for h in scenario.hosts for nic in h.nics)
    elif rate.each == "storage_domain":
        yield from ({"storage_domain": d.name} for d in scenario.storage_domains)
    else:
        yield from ({"vm": v.name} for v in scenario.vms)


def time_to_failure(rate: FailureRate, rng: random.Random) -> float:
    """Seconds to the next failure: Weibull(shape) with mean `mtbf_h` (exponential at shape 1)."""
    mean = rate.mtbf_h * HOUR_S
    if rate.shape == 1.0:
        return rng.expovariate(1.0 / mean)
    return rng.weibullvariate(mean / math.gamma(1.0 + 1.0 / rate.shape), rate.shape)


def time_to_repair(rate: FailureRate, rng: random.Random) -> float:
    return rng.expovariate(1.0 / (float(rate.mttr_h or 0.0) * HOUR_S))


class Failures:
    """The drawn faults of a run: one sleeping life per target of every rate."""

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        for rate in sim.scenario.failure_rates:
            for target in targets(rate, sim.scenario):
                stream = sim.rng(f"failures:{rate.fault}:{'/'.join(target.values())}")
                sim.env.process(self._life(rate, target, stream))

    def _life(self, rate: FailureRate, target: dict[str, str], rng: random.Random):
        sim, env = self.sim, self.sim.env
        repair = rate.repair or undo_of(rate.fault)
        while True:
            yield env.timeout(time_to_failure(rate, rng))
            struck = sim.operator.struck(target)
            sim.apply(Fault(env.now, rate.fault, **target))
            sim.operator.failed(rate.fault, target, struck)
            if repair is None:
                sim.operator.repaired(struck)  # nothing to wait for: the engine or the operator acts now
                continue
            yield env.timeout(time_to_repair(rate, rng))
            sim.apply(Fault(env.now, repair, **target))
            sim.operator.repaired(struck)
