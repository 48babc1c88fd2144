"""First cut of the loader: reads the issue-2 shape into a Scenario (full validation follows)."""

from __future__ import annotations

from pathlib import Path

import yaml

from hacourse import model
from hacourse.profiles import DEFAULT_PROFILE, PROFILES
from hacourse.scenario.errors import Problem, ScenarioError


def load_scenario(path: str | Path) -> model.Scenario:
    """Read and validate one scenario file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError([Problem(str(path), None, None, "", f"cannot read file: {exc.strerror}")]) from None
    return parse_scenario(text, str(path))


def parse_scenario(text: str, source: str = "<string>") -> model.Scenario:
    """Validate scenario text and build the Scenario; raises ScenarioError with every problem."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        col = mark.column + 1 if mark else None
        raise ScenarioError([Problem(source, line, col, "", f"YAML syntax error: {exc}")]) from None
    if not isinstance(data, dict):
        raise ScenarioError([Problem(source, 1, 1, "", "a scenario is a mapping of keys")])
    try:
        return _build(data, source)
    except (KeyError, TypeError, ValueError) as exc:
        raise ScenarioError([Problem(source, None, None, "", f"invalid scenario: {exc!r}")]) from None


def _priority(value: object) -> int:
    return model.PRIORITY_NAMES[value] if isinstance(value, str) else int(value)


def _build(data: dict, source: str) -> model.Scenario:
    profile = data.get("engine_profile", DEFAULT_PROFILE)
    if profile not in PROFILES:
        raise ValueError(f"engine_profile {profile!r}")
    cluster = dict(data.get("cluster") or {})
    fencing = model.FencingPolicy(**(cluster.pop("fencing_policy", None) or {}))
    return model.Scenario(
        name=data["name"],
        description=data.get("description", ""),
        seed=int(data.get("seed", 0)),
        expect=tuple(data.get("expect") or ()),
        hosts=tuple(model.Host(**{**h, "nics": dict(h["nics"])}) for h in data["hosts"]),
        vms=tuple(model.Vm(**{**v, "priority": _priority(v.get("priority", 1))}) for v in data.get("vms") or ()),
        networks=tuple(model.LogicalNetwork(**n) for n in data["networks"]),
        storage_domains=tuple(model.StorageDomain(**s) for s in data.get("storage_domains") or ()),
        spm=data.get("spm"),
        duration=float(data.get("duration", 1800)),
        engine_profile=profile,
        engine_config=dict(data.get("engine_config") or {}),
        cluster=model.Cluster(**cluster, fencing_policy=fencing),
        faults=tuple(model.Fault(**f) for f in data.get("faults") or ()),
        source=source,
    )
