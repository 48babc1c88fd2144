"""Periodic timers without periodic processes.

The real engine polls every host every `VdsRefreshRate` seconds. The model never runs that
loop: an actor that needs "the next poll after now" computes the tick's time and sleeps
until then, so a run's cost follows the faults, not the number of hosts times the polls.
"""

from __future__ import annotations

import math

EPSILON = 1e-9


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
