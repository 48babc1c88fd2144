"""A run pauses Python's cyclic garbage collector and leaves it as it found it."""

from __future__ import annotations

import gc
import sys
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


class _Kernel:
    kernel = object()  # what an IPython shell inside a Jupyter kernel has


@pytest.fixture
def inside_a_kernel(monkeypatch):
    fake = type(sys)("IPython")
    fake.get_ipython = _Kernel
    monkeypatch.setitem(sys.modules, "IPython", fake)
    yield
    collector_paused.in_kernels = False


def test_inside_a_jupyter_kernel_the_collector_is_left_alone_unless_asked(collector_on, inside_a_kernel):
    with collector_paused:
        assert gc.isenabled()
    collector_paused.in_kernels = True
    with collector_paused:
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_pause_that_began_outside_a_kernel_ends_with_the_collector_on(collector_on, monkeypatch):
    with collector_paused:
        fake = type(sys)("IPython")
        fake.get_ipython = _Kernel
        monkeypatch.setitem(sys.modules, "IPython", fake)  # a kernel appears meanwhile
        with collector_paused:
            assert not gc.isenabled()
    assert gc.isenabled()
