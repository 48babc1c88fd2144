"""hacourse: a discrete-event model of an oVirt/RHV cluster's high-availability behaviour.

The public API that lessons use; importing it does not import matplotlib or ipywidgets.

    scenario = load_scenario("scenarios/pacific-storage-down.yaml")
    log = simulate(scenario, seed=0)          # a list of typed records
    sim = Simulation(scenario, seed=0)        # or step by step, injecting faults live
    sim.run_until(120); sim.inject("ifdown", "pacific", "storage"); sim.run_until(600)
    longer = vary(scenario, {"engine_config.NicDHCPDelayGraceInMS": 120})   # a checked variant
"""

from hacourse.engine import Simulation, simulate
from hacourse.events import from_jsonl, to_jsonl
from hacourse.model import Fault, Scenario
from hacourse.scenario import ScenarioError, load_scenario, parse_scenario, vary

__all__ = [
    "Fault",
    "Scenario",
    "ScenarioError",
    "Simulation",
    "from_jsonl",
    "load_scenario",
    "parse_scenario",
    "simulate",
    "to_jsonl",
    "vary",
]
