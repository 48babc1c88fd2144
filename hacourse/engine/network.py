"""Links that go up and down, and the waits that race them.

As in SimPy's `Cable` example the network is an object: a NIC owns its state and the event
that fires when it changes; actors race `env.timeout(...)` against `nic.came_up()` instead of
checking a flag after a sleep of their own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import simpy

from hacourse.events import NicDown, NicUp

if TYPE_CHECKING:
    from hacourse.engine.simulation import Simulation


class Signal:
    """A boolean that other actors can wait on (a NIC's carrier, a host's power)."""

    def __init__(self, env: simpy.Environment, value: bool = True) -> None:
        self.env = env
        self.value = value
        self._changed = env.event()

    def set(self, value: bool) -> bool:
        """Change the value; returns whether it changed (an ifdown of a down NIC does nothing)."""
        if value == self.value:
            return False
        self.value = value
        changed, self._changed = self._changed, self.env.event()
        changed.succeed(value)
        return True

    def changed(self) -> simpy.Event:
        return self._changed

    def becomes(self, value: bool) -> simpy.Event:
        """An event that fires once the signal holds `value` (at once if it already does)."""
        return self.env.process(self._wait_for(value))

    def _wait_for(self, value: bool):
        while self.value != value:
            yield self._changed


class Nic:
    """A host NIC carrying one logical network; `ifdown`/`ifup` flip its carrier."""

    def __init__(self, sim: Simulation, host: str, name: str, network: str) -> None:
        self.sim = sim
        self.host = host
        self.name = name
        self.network = network
        self.carrier = Signal(sim.env, True)
        self.configured_up = True  # ifup/ifdown: the OS's setting, which a reboot restores to up
        self.cable = True  # the cable or the switch port: a reboot does not bring it back

    @property
    def up(self) -> bool:
        return self.carrier.value

    def set_up(self, up: bool) -> bool:
        """`ifup`/`ifdown`: the NIC has carrier only if its cable is also good."""
        self.configured_up = up
        return self._carrier()

    def set_cable(self, ok: bool) -> bool:
        """The cable is pulled or the switch port fails (`link_down`), or it is repaired."""
        self.cable = ok
        return self._carrier()

    def _carrier(self) -> bool:
        up = self.configured_up and self.cable
        if not self.carrier.set(up):
            return False
        self.sim.record(NicUp if up else NicDown, host=self.host, nic=self.name, network=self.network)
        return True
