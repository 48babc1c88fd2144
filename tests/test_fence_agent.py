"""A host's fence agent stops answering (`fence_device_down`): a fact the engine reads as it is
during the run. tests/fidelity/fence-agent-down.yaml holds the story for seeds 0-9; here, where
the kind applies and the promise the invariants keep about it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from hacourse import events as ev
from hacourse import parse_scenario, simulate
from hacourse.actions import offered
from hacourse.invariants import check_all
from hacourse.scenario import ScenarioError

STORY = Path(__file__).resolve().parent / "fidelity" / "fence-agent-down.yaml"


def _story(**host_changes: object) -> str:
    data = yaml.safe_load(STORY.read_text())
    data.pop("expect")
    for host in data["hosts"]:
        host.update(host_changes.get(host["name"], {}))
    return yaml.safe_dump(data, sort_keys=False)


def test_the_fence_agent_kinds_apply_to_hosts_with_power_management_only():
    with pytest.raises(ScenarioError) as error:
        parse_scenario(_story(pacific={"power_management": False}), "x.yaml")
    assert [f"{p.path}: {p.message}" for p in error.value.problems][:1] == [
        ("faults[0].host: action 'fence_device_down' applies only to hosts with power management; "
        "host 'pacific' is not one; allowed: atlantic")]
    data = yaml.safe_load(_story(pacific={"power_management": False}))
    data["faults"] = []
    panel = [(k.name, t["host"]) for k, t in offered(parse_scenario(yaml.safe_dump(data))) if k.name.startswith("fence")]
    assert panel == [("fence_device_down", "atlantic")]


def test_a_power_fence_through_an_agent_that_does_not_answer_breaks_a_promise():
    data = yaml.safe_load(_story())
    data["faults"] = [f for f in data["faults"] if f["action"] == "power_off"]  # the agent answers: fenced
    scenario = parse_scenario(yaml.safe_dump(data))
    log = simulate(scenario, seed=0)
    fenced = next(r for r in log if r.event == "HostFenced")
    assert check_all(log, scenario) == []
    forged = [*log[:log.index(fenced)], ev.FenceAgentStopped(fenced.t - 1, host="pacific"), *log[log.index(fenced):]]
    [broken] = [v for v in check_all(forged, scenario) if v.rule == "fencing-policy"]
    assert "its fence agent did not answer" in broken.message
