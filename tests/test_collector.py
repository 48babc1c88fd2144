"""A run pauses Python's cyclic garbage collector and leaves it as it found it."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from hacourse import load_scenario, simulate
from hacourse.engine.collector import collector_paused

SEED_SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "pacific-storage-down.yaml"


@pytest.fixture
def collector_on():
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_the_collector_is_off_inside_nested_pauses_and_back_after_the_last(collector_on):
    with collector_paused:
        assert not gc.isenabled()
        with collector_paused:
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_collector_switched_off_by_the_caller_stays_off(collector_on):
    gc.disable()
    with collector_paused:
        pass
    assert not gc.isenabled()


def test_a_run_leaves_the_collector_on_even_when_it_fails(collector_on):
    simulate(load_scenario(SEED_SCENARIO), seed=0)
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector_paused:
        raise RuntimeError("a run that fails half way")
    assert gc.isenabled()
