"""`engine_config:`, the overrides of a profile's defaults: its keys and their kinds are read
from the profiles themselves (`hacourse.profiles`), so a key added to a profile is at
once allowed, checked and listed in the JSON Schema and the docs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from yaml.nodes import MappingNode, Node

from hacourse.scenario.checker import Checker, Path, allowed_list, did_you_mean
from hacourse.scenario.fields import INVALID, Boolean, Choice, Integer, Kind, Nullable, Number


def config_kind(values: Sequence[object], choices: Sequence[str] | None) -> Kind:
    """The kind of one engine-config key, read from its values in the profiles: a count or a
    timer is a number >= 0 (integer if every profile gives an integer), a switch a boolean, a
    mode one of its known names; a key that some profile leaves unset (None) may be null."""
    given = [v for v in values if v is not None]
    kind: Kind
    if given and all(isinstance(v, bool) for v in given):
        kind = Boolean()
    elif given and all(isinstance(v, str) for v in given):
        kind = Choice(choices or sorted({str(v) for v in given}))
    elif all(isinstance(v, int) for v in given):
        kind = Integer(minimum=0)
    else:
        kind = Number(minimum=0)
    return Nullable(kind) if len(given) < len(values) else kind


class EngineConfig(Kind):
    """`engine_config:` overrides: each key must be a key of the scenario's profile, with a
    value of the kind that the profiles give it (timeouts and limits are never negative)."""

    def __init__(
        self, profiles: Mapping[str, Mapping[str, object]], default_profile: str,
        choices: Mapping[str, Sequence[str]],
    ) -> None:
        self.profiles = profiles
        self.default_profile = default_profile
        keys = list(dict.fromkeys(k for profile in profiles.values() for k in profile))
        self.kinds = {
            key: config_kind([p[key] for p in profiles.values() if key in p], choices.get(key)) for key in keys
        }

    def _check(self, node: Node, path: Path, checker: Checker) -> Any:
        if not isinstance(node, MappingNode):
            return self.mismatch(node, path, checker)
        profile = checker.profile if checker.profile in self.profiles else None
        allowed = list(self.profiles[profile]) if profile is not None else list(self.kinds)
        of_profile = f" for profile {profile}" if profile is not None else ""
        result = {}
        for key, key_node, value_node in checker.pairs(node, path):
            if key not in allowed:
                checker.report(
                    key_node, path, f"unknown engine-config key '{key}'{of_profile}; allowed: "
                    f"{allowed_list(allowed)}{did_you_mean(key, allowed)}"
                )
                continue
            value = self.kinds[key].check(value_node, path + (key,), checker)
            if value is not INVALID:
                result[key] = value
        return result

    def build(self, value: Any) -> Any:
        return {key: self.kinds[key].build(v) for key, v in value.items()}

    def plain(self, value: Any) -> Any:
        if not isinstance(value, Mapping):
            return value
        return {key: self.kinds[key].plain(v) if key in self.kinds else v for key, v in value.items()}

    def json_schema(self) -> dict:
        properties = {}
        for key, kind in self.kinds.items():
            defaults = "; ".join(f"{name}: {json.dumps(p[key])}" for name, p in self.profiles.items() if key in p)
            properties[key] = {"description": f"defaults: {defaults}", **kind.json_schema()}
            if key in self.profiles[self.default_profile]:
                properties[key]["default"] = self.profiles[self.default_profile][key]
        return {"type": "object", "properties": properties, "additionalProperties": False}

    def describe(self) -> str:
        return "a mapping of engine-config keys of the chosen profile to values"
