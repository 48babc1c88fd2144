"""Scenario variants for the engine tests: the shipped seed file with a few keys changed."""

from __future__ import annotations

from pathlib import Path

import yaml

from hacourse import parse_scenario
from hacourse.model import Scenario

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "scenarios" / "pacific-storage-down.yaml"


def variant(path: Path = SEED, **changes: object) -> Scenario:
    """The scenario at `path` with top-level keys replaced; `engine_config` entries are merged.
    Its `expect:` entries go unless given: they tell the original story, not the variant's."""
    data = yaml.safe_load(path.read_text())
    data.pop("expect", None)
    for key, value in changes.items():
        if key == "engine_config":
            data.setdefault("engine_config", {}).update(value)
        else:
            data[key] = value
    return parse_scenario(yaml.safe_dump(data, sort_keys=False), source=f"{path.name} (variant)")


def of(log: list, kind: str, **match: object) -> list:
    """Records of one kind whose fields equal `match`."""
    return [r for r in log if r.event == kind and all(getattr(r, k) == v for k, v in match.items())]
