"""One checked way to change a scenario: sweeps, the lesson panel and exercises all vary a
scenario through `vary`, which the loader's own checks judge.

    vary(scenario, {"engine_config.NicDHCPDelayGraceInMS": 30, "vms.db1.memory_gb": 8,
                    "faults": []})

A setting is a dotted path into the scenario as its file is written: `cluster.fencing_policy.enabled`,
`faults[0].at` (an index, negative from the end), `vms.db1.memory_gb` or `hosts.pacific.nics.em1`
(an item of a named list by its name). Below `engine_config.` or `nics.` the rest of the path is
the key itself, dots included: `engine_config.node.session.timeo.replacement_timeout`.

The changes are made on the scenario's plain data (what its file would hold), and the result is
checked as a file is: a VM larger than its host, a fault after the end or `'60s'` for a number is
refused with the loader's message, naming the setting and what is allowed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from hacourse import model
from hacourse.scenario.checker import Path, allowed_list, did_you_mean
from hacourse.scenario.definition import SCENARIO
from hacourse.scenario.engine_config import EngineConfig
from hacourse.scenario.errors import SCHEMA, Problem, ScenarioError
from hacourse.scenario.fields import Kind, ListOf, MapOf, Nullable, Record

_FIRST = re.compile(r"([A-Za-z_][\w-]*)")
_NEXT = re.compile(r"\.([^.\[\]]+)|\[(-?\d+)\]")


def vary(scenario: model.Scenario, changes: Mapping[str, object], *, source: str | None = None) -> model.Scenario:
    """A copy of `scenario` with each setting of `changes` set to its value, checked as the loader
    checks a file; raises ScenarioError naming every setting that is not allowed.

    A value is plain data (numbers, text, lists, mappings) or a model object (`model.Fault(...)`);
    the original scenario is left as it was.
    """
    from hacourse.scenario.loader import check_data

    where = source or f"{scenario.source} (varied)"
    data = to_data(scenario)
    problems: list[Problem] = []
    for setting, value in changes.items():
        try:
            _set(data, setting, value)
        except _BadSetting as bad:
            problems.append(Problem(where, None, None, bad.path, bad.message, SCHEMA))
    if problems:
        raise ScenarioError(problems)
    return check_data(data, where, keep_source=scenario.source)


def to_data(scenario: model.Scenario) -> dict[str, Any]:
    """The scenario as its file would hold it: plain mappings, lists, text and numbers; a key left
    at its default is left out, as an instructor would leave it out."""
    return SCENARIO.plain(scenario)


class _BadSetting(Exception):
    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message


def _steps(setting: str) -> list[tuple[str | int, int]]:
    """The setting's steps (a name or an index) with the offset where each ends."""
    if not isinstance(setting, str):
        raise _BadSetting(str(setting), f"a setting is a dotted path written as text, found {setting!r}")
    first = _FIRST.match(setting)
    if first is None:
        raise _BadSetting(setting, "a setting starts with a key of the scenario, e.g. engine_config.KEY, "
                          "cluster.resilience_policy, faults[0].at")
    steps: list[tuple[str | int, int]] = [(first.group(1), first.end())]
    pos = first.end()
    while pos < len(setting):
        step = _NEXT.match(setting, pos)
        if step is None:
            raise _BadSetting(setting, f"expected .name or [index] at '{setting[pos:]}'")
        steps.append((step.group(1) or int(step.group(2)), step.end()))
        pos = step.end()
    return steps


def _set(data: dict, setting: str, value: object) -> None:
    """Set one dotted path of the plain data, led by the definition's kinds."""
    steps = _steps(setting)
    container: Any = data
    kind: Kind = SCENARIO
    done: Path = ()
    n = 0
    while True:
        while isinstance(kind, Nullable):
            kind = kind.kind
        step, end = steps[n]
        last = n == len(steps) - 1
        if isinstance(kind, EngineConfig | MapOf):
            key = setting[end - len(str(step)):]  # the rest of the path is the key, dots included
            item_kind = kind.kinds.get(key) if isinstance(kind, EngineConfig) else kind.value
            container[key] = _plain(value, item_kind)
            return
        if isinstance(kind, Record):
            if not isinstance(step, str):
                raise _BadSetting(setting, f"{_shown(done)} is {kind.what}, not a list: write .key, not [{step}]")
            field = kind.fields.get(step)
            if last or field is None:  # an unknown key is set as written: the check names what is allowed
                container[step] = _plain(value, field.kind if field else None)
                return
            if step not in container or container[step] is None:
                container[step] = {} if not isinstance(_bare(field.kind), ListOf) else []
            container, kind = container[step], field.kind
        elif isinstance(kind, ListOf):
            index = _index(container, step, kind, setting, done)
            if last:
                container[index] = _plain(value, kind.item)
                return
            container, kind = container[index], kind.item
            step = index
        else:
            raise _BadSetting(setting, f"{_shown(done)} is a single value; it has no part '{step}'")
        done += (step,)
        n += 1


def _index(items: list, step: str | int, kind: ListOf, setting: str, done: Path) -> int:
    if isinstance(step, int):
        if not -len(items) <= step < len(items):
            raise _BadSetting(setting, f"index {step} is out of range: {_shown(done)} has {len(items)} "
                              f"{kind.what}" + (f" ([0] to [{len(items) - 1}])" if items else ""))
        return step % len(items)
    names = [item.get("name") for item in items if isinstance(item, dict)]
    if step in names:
        return names.index(step)
    named = [n for n in names if isinstance(n, str)]
    raise _BadSetting(setting, f"no item named '{step}' in {_shown(done)}; allowed: "
                      f"{allowed_list(named)}{did_you_mean(step, named)}")


def _shown(done: Path) -> str:
    from hacourse.scenario.checker import render_path

    return render_path(done) or "the scenario"


def _bare(kind: Kind | None) -> Kind | None:
    while isinstance(kind, Nullable):
        kind = kind.kind
    return kind


def _plain(value: object, kind: Kind | None) -> object:
    """A value as a file would hold it; model objects through their kind's `plain`."""
    if kind is not None and not isinstance(value, str | int | float | bool | type(None)):
        return kind.plain(value)
    if isinstance(value, Mapping):
        return {k: _plain(v, None) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v, None) for v in value]
    return value
