"""Every knob acts: each key a profile offers changes what the model does in some scenario.

For every profile and every key of it, the probes (the shipped scenarios, the regression
scenarios and the small scenarios in tests/knobs/) are run with that profile, once as they are
and once with the key set to another allowed value, through the loader like a student's
`engine_config:` override. The key acts if some probe's event log changes. A key that changes no
log is a setting that validates and does nothing: give it its real use in the engine, or remove
it from the profile (and so from the schema and the docs, which are generated from it).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
import yaml

from hacourse import parse_scenario, simulate, to_jsonl
from hacourse.profiles import ERA_VERSION, PROFILES, SCENARIO_KEYS_SINCE
from hacourse.scenario.definition import CONFIG_CHOICES

ROOT = Path(__file__).resolve().parent.parent
PROBES = sorted((ROOT / "scenarios").glob("*.yaml")) + sorted((ROOT / "tests" / "regressions").glob("*.yaml")) \
    + sorted((ROOT / "tests" / "knobs").glob("*.yaml"))

NOT_ACTING_YET: dict[tuple[str, str], str] = {}
"""(profile, key) -> why it changes nothing today; strict xfail, so a fix is noticed."""


def other_values(key: str, value: object) -> list[object]:
    """Allowed values of `key` other than `value`, the likeliest to matter first."""
    if isinstance(value, bool):
        return [not value]
    if isinstance(value, str):
        choices = CONFIG_CHOICES.get(key) or sorted({p[key] for p in PROFILES.values() if key in p})
        return [c for c in choices if c != value]
    if value is None or value == 0:
        return [1, 60, 1800]
    if isinstance(value, int):
        return [v for v in (value * 2, max(1, value // 2), value * 10, 1) if v != value]
    return [value * 2, value / 2, value * 10, 1]


@cache
def probe_data(path: Path) -> dict:
    data = yaml.safe_load(path.read_text())
    data.pop("expect", None)
    return data


def without_newer_keys(data: dict, profile: str) -> dict:
    """The probe without the scenario keys its profile's era did not have (the loader refuses them)."""
    for key, (since, _) in SCENARIO_KEYS_SINCE.items():
        if ERA_VERSION[profile] >= since:
            continue
        section, _, field = key.partition(".")
        if section.endswith("[]"):
            data[section[:-2]] = [{k: v for k, v in item.items() if k != field} for item in data.get(section[:-2]) or ()]
        elif isinstance(data.get(section), dict):
            data[section] = {k: v for k, v in data[section].items() if k != field}
    return data


@cache
def run_probe(path: Path, profile: str, key: str | None = None, value: object = None) -> str:
    """The probe's event log (JSON Lines, seed 0) under `profile`, with `key` overridden."""
    data = without_newer_keys(dict(probe_data(path)), profile)
    data["engine_profile"] = profile
    config = {k: v for k, v in (data.get("engine_config") or {}).items() if k in PROFILES[profile]}
    if key is not None:
        config[key] = value
    data["engine_config"] = config
    scenario = parse_scenario(yaml.safe_dump(data, sort_keys=False), source=f"{path.name} ({key}={value!r})")
    return to_jsonl(simulate(scenario, seed=0))


def what_it_changes(profile: str, key: str) -> str | None:
    """The first probe and value whose log differs from the probe's own, or None."""
    default = PROFILES[profile][key]
    for path in PROBES:
        base_value = (probe_data(path).get("engine_config") or {}).get(key, default)
        for value in other_values(key, base_value):
            if run_probe(path, profile, key, value) != run_probe(path, profile, key, base_value):
                return f"{path.name}: {key}={value!r}"
    return None


def _case(profile: str, key: str) -> object:
    reason = NOT_ACTING_YET.get((profile, key))
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
    return pytest.param(profile, key, id=f"{profile}:{key}", marks=marks)


def test_there_are_probes():
    assert len(PROBES) >= 10


@pytest.mark.parametrize(("profile", "key"), [_case(p, k) for p in PROFILES for k in PROFILES[p]])
def test_every_knob_changes_the_log_of_some_scenario(profile, key):
    found = what_it_changes(profile, key)
    assert found is not None, (
        f"{key} of profile {profile} changes no probe's event log: give it its real use or remove it")
