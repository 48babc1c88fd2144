"""A host's kernel crashes into kdump (`kdump`). tests/fidelity/kdump-*.yaml hold the two eras'
stories for seeds 0-9; here, what kdump detection costs a host that is not dumping, the dump a
power fence cuts short, and the promise the invariants keep about Kdumping."""

from __future__ import annotations

from pathlib import Path

import yaml

from hacourse import events as ev
from hacourse import parse_scenario, simulate
from hacourse.invariants import check_all
from hacourse.physical import PhysicalState

STORY = Path(__file__).resolve().parent / "fidelity" / "kdump-detection-4x.yaml"


def _run(faults: list[dict], **pacific: object) -> tuple[list[ev.Record], object]:
    data = yaml.safe_load(STORY.read_text())
    data.pop("expect")
    data["faults"] = faults
    data["hosts"][1].update(pacific)
    scenario = parse_scenario(yaml.safe_dump(data, sort_keys=False))
    log = simulate(scenario, seed=0)
    assert check_all(log, scenario) == []
    return log, scenario


def _fenced_at(log: list[ev.Record]) -> float:
    return next(r.t for r in log if isinstance(r, ev.HostFenced) and r.method == "power-management")


def test_kdump_detection_delays_the_power_fence_of_a_host_that_is_not_dumping():
    power_loss = [{"at": 30, "action": "power_off", "host": "pacific"}]
    with_detection, _ = _run(power_loss)
    without, _ = _run(power_loss, kdump_detection=False)
    # no fence_kdump message: the engine waits KdumpStartedTimeout (30 s) in steps of 5 s, then fences
    assert _fenced_at(with_detection) - _fenced_at(without) == 35
    [result] = [r.result for r in with_detection if isinstance(r, ev.KdumpDetection)]
    assert result.startswith("kdump flow not detected")


def test_a_power_fence_cuts_the_dump_short_without_kdump_detection():
    log, scenario = _run([{"at": 30, "action": "kdump", "host": "pacific"}], kdump_detection=False)
    [ended] = [r for r in log if isinstance(r, ev.HostKdumpFinished)]
    assert ended.outcome.startswith("cut short by the power fence") and ended.t < _fenced_at(log)
    assert not PhysicalState.at(log, ended.t, scenario).fact(ev.KDUMPING, "pacific")


def test_a_host_left_kdumping_breaks_the_liveness_promise():
    log, scenario = _run([{"at": 30, "action": "kdump", "host": "pacific"}])
    end = next(r for r in log if isinstance(r, ev.HostStatusChanged) and r.old == "Kdumping")
    stuck = [r for r in log if r is not end and r.t <= end.t]  # the engine never learns the dump finished
    [broken] = [v for v in check_all(stuck, scenario, until=end.t + 600) if v.rule == "liveness"]
    assert "Kdumping" in broken.message
