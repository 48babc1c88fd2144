"""Periodic timers without periodic processes, and how a timer is cancelled.

The real engine polls every host every `VdsRefreshRate` seconds. The model never runs that
loop: an actor that needs "the next poll after now" computes the tick's time and sleeps
until then, so a run's cost follows the faults, not the number of hosts times the polls.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import simpy

EPSILON = 1e-9
AFTER_NOW_S = 1e-6
"""How far past now "the next tick" starts: a tick at this very instant has already run."""


def next_tick(now: float, period: float, phase: float = 0.0) -> float:
    """The first tick `phase + k * period` at or after `now`.

    Rule for simultaneous events: a fault at the very time of a tick is seen by that tick.
    """
    k = math.ceil((now - phase) / period - EPSILON)
    return phase + k * period


def last_tick(now: float, period: float, phase: float = 0.0) -> float:
    """The last tick at or before `now`."""
    k = math.floor((now - phase) / period + EPSILON)
    return phase + k * period


def sleep_to_next_tick(env: simpy.Environment, period: float) -> simpy.Timeout:
    """Sleep until the next poll of a `period`-second timer, strictly after now: the engine's
    pollers (SpmStatus, AutoRecovery, the HA runner, the host poll) act on their next tick."""
    return env.timeout(next_tick(env.now + AFTER_NOW_S, period) - env.now)


class Epoch:
    """The one way the model cancels a timer: by telling it, when it wakes, that it is stale.

    SimPy cannot take back a `timeout`. An actor that sleeps keeps the token of the epoch it
    started in (`token = epoch.advance()`) and acts on waking only if `epoch.current(token)`;
    whatever makes its wait moot (storage back, a new pause, the timer cancelled) advances the epoch.
    """

    def __init__(self) -> None:
        self._n = 0

    def advance(self) -> int:
        self._n += 1
        return self._n

    @property
    def token(self) -> int:
        """The epoch now, for a timer that only a later `advance` makes stale."""
        return self._n

    def current(self, token: int) -> bool:
        return token == self._n
