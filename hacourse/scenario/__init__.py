"""Scenario files: YAML data in, one validated `hacourse.model.Scenario` out.

Every problem of a file is reported at once, each with its file, line and column, what was
found and what is allowed (`ScenarioError.problems`).
"""

from hacourse.scenario.errors import Problem, ScenarioError
from hacourse.scenario.loader import load_scenario, parse_scenario

__all__ = ["Problem", "ScenarioError", "load_scenario", "parse_scenario"]
