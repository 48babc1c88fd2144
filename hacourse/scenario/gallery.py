"""The shipped scenarios as a gallery, and any scenario opened by name, by path or by a link.

`hacourse new --list` prints `listing()`; `Lesson("my-lab.yaml")` and `Lesson("pacific-mgmt-down")`
find their scenario with `find_scenario`; `notebooks/open-scenario.ipynb` opens the one a link
asks for (`requested()`): on Voila the page's query string (`?scenario=NAME`), which Voila hands to
the kernel as `QUERY_STRING`; elsewhere (JupyterLab, a course's JupyterHub) the environment
variable `HACOURSE_SCENARIO`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import parse_qs

import yaml

from hacourse.model import Scenario
from hacourse.scenario import ScenarioError, load_scenario
from hacourse.scenario.checker import allowed_list, did_you_mean
from hacourse.scenario.errors import FILE, Problem
from hacourse.scenario.starter import shipped_scenarios

QUERY_KEY = "scenario"  # ?scenario=NAME in a Voila link
ENV_KEY = "HACOURSE_SCENARIO"
DEFAULT = "pacific-storage-down"  # lesson 1's scenario: what a link without a choice opens
SUFFIXES = (".yaml", ".yml")


def listing() -> str:
    """The shipped scenarios, one line each: the name (for --from, Lesson, a link) and its title."""
    shipped = shipped_scenarios()
    width = max(map(len, shipped), default=0)
    lines = []
    for name, file in shipped.items():
        data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        lines.append(f"{name:<{width}}  {data.get('name', '')}")
    return "\n".join(lines)


def find_scenario(name_or_path: str | Path) -> Scenario:
    """A scenario file (`my-lab.yaml`, relative to the current folder) or a shipped scenario by
    name (`pacific-mgmt-down`); raises ScenarioError naming what exists when neither is found."""
    path = Path(name_or_path)
    if path.suffix in SUFFIXES and path.is_file():
        return load_scenario(path)
    shipped = shipped_scenarios()
    key = path.name.removesuffix(path.suffix) if path.suffix in SUFFIXES else str(name_or_path)
    if key in shipped and (path.suffix not in SUFFIXES or len(path.parts) == 1):
        return load_scenario(shipped[key])
    where = f"no file {path}" if path.suffix in SUFFIXES else f"no shipped scenario '{key}'"
    raise ScenarioError([Problem(str(name_or_path), None, None, "", f"{where}; give a scenario file (.yaml) or "
                                 f"one of the shipped scenarios: {allowed_list(sorted(shipped))}"
                                 f"{did_you_mean(key, shipped)}", FILE)])


def requested(environ: Mapping[str, str] | None = None) -> str:
    """The scenario a link or the environment asks for: `?scenario=` of a Voila page, else
    HACOURSE_SCENARIO, else lesson 1's."""
    environ = os.environ if environ is None else environ
    asked = parse_qs(environ.get("QUERY_STRING", "")).get(QUERY_KEY)
    return (asked[0] if asked else "") or environ.get(ENV_KEY, "") or DEFAULT
