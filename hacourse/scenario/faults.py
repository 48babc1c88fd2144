"""The `faults:` entry, read from the table of fault kinds and admin actions (`hacourse.actions`).

Its keys are `at`, `action` and the targets that some kind takes; which targets an entry needs
and which it must not have depend on its `action`, as the table says. The record is rebuilt
whenever the table changes, so a kind registered later (a test's throwaway kind) is checked,
generated into the JSON Schema and documented like the shipped ones.
"""

from __future__ import annotations

from typing import Any

from yaml.nodes import Node

from hacourse import actions, model
from hacourse.scenario.checker import Checker, Path
from hacourse.scenario.fields import Choice, Field, Number, Record, Text


class TargetsOfAction:
    """The targets of a `faults:` entry agree with its action: each one the kind needs is
    given, and none it does not take."""

    def check(self, record: dict, given: set[str], node: Node, path: Path, checker: Checker) -> None:
        action = record.get("action")
        kind = actions.ACTIONS.get(action) if isinstance(action, str) else None
        if kind is None:
            return  # no action, or an unknown one: reported already
        for key, message in kind.problems(dict.fromkeys(given, True)):
            at = path if key is None else path + (key,)
            checker.report(checker.node_at(at) or node, at, message)

    def json_schema(self) -> list[dict]:
        rules = []
        for key in _keys():
            needs = [k.name for k in actions.ACTIONS.values() if key in k.targets]
            takes = [k.name for k in actions.ACTIONS.values() if key in k.takes]
            if len(needs) == len(actions.ACTIONS):
                continue  # a key every kind needs is simply required
            forbidden = {"not": {"required": [key]}}
            if needs == takes:
                rules.append({**_when(needs), "then": {"required": [key]}, "else": forbidden})
                continue
            if needs:
                rules.append({**_when(needs), "then": {"required": [key]}})
            rules.append({**_when(takes), "else": forbidden})
        return rules


def _when(kinds: list[str]) -> dict:
    return {"if": {"properties": {"action": {"enum": kinds}}, "required": ["action"]}}


def _keys() -> list[str]:
    """The target keys that at least one kind takes, in the table's order of targets."""
    return [key for key in actions.TARGETS if any(key in k.takes for k in actions.ACTIONS.values())]


class ActionChoice(Choice):
    """The `action` of a `faults:` entry: one of the table's kinds. In the JSON Schema each kind
    is a `const` with its own description, which editors show while completing the name."""

    def __init__(self) -> None:
        super().__init__(tuple(actions.ACTIONS))

    def json_schema(self) -> dict:
        return {"oneOf": [{"const": kind.name, "description": f"{kind.side}: {kind.doc} (takes "
                           f"{', '.join([*kind.targets, *(f'{key} (optional)' for key in kind.optional)])})"}
                          for kind in actions.ACTIONS.values()]}


class ControlChoice(Choice):
    """A kind of the table that has a control in the lesson panel (`lesson: controls:`), read
    from the table when checked, so a kind registered later is allowed too."""

    def __init__(self) -> None:
        super().__init__(())

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(k.name for k in actions.ACTIONS.values() if k.control is not None)

    @values.setter
    def values(self, _: tuple[str, ...]) -> None:
        pass


class FaultRecord(Record):
    """A `faults:` entry: a `model.Fault`, with keys and rules read from the actions table."""

    def __init__(self) -> None:
        self.what = "a fault or admin action"
        self.cls = model.Fault
        self._built_for: tuple[int, ...] = ()
        self._fields: dict[str, Field] = {}

    @property
    def fields(self) -> dict[str, Field]:  # type: ignore[override]
        table = tuple(id(kind) for kind in actions.ACTIONS.values())
        if table != self._built_for:
            self._fields, self._built_for = _fields(), table
        return self._fields

    @property
    def rules(self) -> tuple[Any, ...]:  # type: ignore[override]
        return (TargetsOfAction(),)


def _fields() -> dict[str, Field]:
    every = len(actions.ACTIONS)
    fields = {
        "at": Field(Number(minimum=0), "seconds of simulated time, from 0 to the duration", required=True),
        "action": Field(ActionChoice(), "the failure or admin action; what each does: "
                        "docs/scenario-format.md, \"Faults and admin actions\"", required=True),
    }
    for key in _keys():
        target = actions.TARGETS[key]
        takes = [k.name for k in actions.ACTIONS.values() if key in k.takes]
        needed = sum(key in k.targets for k in actions.ACTIONS.values()) == every
        doc = target.doc if needed else f"for {', '.join(takes)}: {target.doc}"
        fields[key] = Field(Text(), doc, required=needed)
    return fields
