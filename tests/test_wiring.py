"""The engine's wiring is written down in `Simulation.__init__` (`_wire`, `watchers`): each actor
is given the collaborators it calls, so a test can give it a double instead and watch the calls."""

from __future__ import annotations

from hacourse.engine import Simulation
from tests.seed import of, variant


class LifecycleDouble:
    """Stands in for `HostLifecycle`: notes the decisions asked of it and makes none."""

    def __init__(self) -> None:
        self.asked: list[tuple[float, str, str]] = []
        self.sim: Simulation | None = None

    def set_non_operational(self, host, reason: str) -> None:
        assert self.sim is not None
        self.asked.append((self.sim.now, host.name, reason))


def test_the_host_monitor_asks_its_lifecycle_for_non_operational_after_the_nic_grace():
    sim = Simulation(variant(faults=[{"at": 60, "action": "ifdown", "host": "pacific", "nic": "storage"}]))
    double = LifecycleDouble()
    double.sim = sim
    sim.monitor.connect(lifecycle=double, spm=sim.spm)  # type: ignore[arg-type]
    log = sim.run_until(200)
    grace = sim.config.NicDHCPDelayGraceInMS
    [(t, host, reason)] = double.asked
    seen = of(log, "HostNicProblemDetected", host="pacific")[0]
    assert (t, host) == (seen.t + grace, "pacific") and reason.startswith("NETWORK_INTERFACE_IS_DOWN")
    assert not of(log, "HostStatusChanged", host="pacific", new="NonOperational")  # the double decided nothing


def test_every_physical_change_of_a_host_is_told_to_the_watchers_in_their_order():
    sim = Simulation(variant(faults=[{"at": 60, "action": "ifdown", "host": "pacific", "nic": "storage"},
                                     {"at": 90, "action": "power_off", "host": "atlantic"}]))
    told: list[tuple[float, str, str | None]] = []
    assert [w.__name__ for w in sim.watchers] == [
        "nic_changed", "path_changed", "storage_changed", "reachability_changed", "host_changed"]
    sim.watchers.append(lambda host, nic: told.append((sim.now, host.name, nic and nic.name)))
    sim.run_until(100)
    assert told == [(60.0, "pacific", "p1p1"), (90.0, "atlantic", None)]
