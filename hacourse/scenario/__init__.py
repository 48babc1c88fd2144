"""Scenario files: YAML data in, one validated `hacourse.model.Scenario` out.

Every problem of a file is reported at once, each with its file, line and column, what was
found and what is allowed (`ScenarioError.problems`). The format is defined once, in
`definition.py`; the JSON Schema that editors use is generated from it (`generate.py`).
`vary` changes a scenario from Python through the same checks (sweeps, the lesson panel and
exercises use it).
"""

from hacourse.scenario.errors import Problem, ScenarioError
from hacourse.scenario.loader import load_scenario, parse_scenario, validate_files
from hacourse.scenario.schema import json_schema
from hacourse.scenario.starter import write_starter
from hacourse.scenario.vary import to_data, vary

__all__ = [
    "Problem",
    "ScenarioError",
    "json_schema",
    "load_scenario",
    "parse_scenario",
    "to_data",
    "validate_files",
    "vary",
    "write_starter",
]
