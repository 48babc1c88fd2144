"""`expect:` entries, part of the scenario format: what an entry may say, checked by the loader
in the same pass as the rest of the file, described in the JSON Schema and in
docs/scenario-format.md. `hacourse.grading.expectations` turns checked entries into judges of a run.

An entry is about one thing: a host, a VM or the SPM (by name), or a record kind of the event
log (`event:` it appears, `never:` it does not), and says one thing of it. What it names must
exist in the scenario (hosts, VMs, NICs, networks, storage domains, faults), so an entry that
could never be tested is an error, not a check that holds by default.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, SequenceNode

from hacourse import events as ev
from hacourse.actions import ACTIONS
from hacourse.scenario.checker import INVALID, Checker, Path, did_you_mean
from hacourse.scenario.errors import SCHEMA
from hacourse.scenario.fields import Kind
from hacourse.status import FenceMethod, HostStatus, VmStatus

PREDICATES: Mapping[str, Mapping[str, str]] = {
    "host": {
        "becomes": "the host turns STATUS at some point (with `between`/`after`: within that window)",
        "never_becomes": "the host is never STATUS",
        "ends": "the host is STATUS when the run ends",
        "always": "the host is STATUS from start to end",
    },
    "vm": {
        "becomes": "the VM turns STATUS at some point (with `on`: on that host; `between`/`after`: in time)",
        "never_becomes": "the VM is never STATUS",
        "ends": "the VM is STATUS when the run ends (with `on`: on that host)",
        "paused": "true: the VM pauses at some point; false: it never pauses",
        "starts_migrating_before": "the engine starts migrating the VM before the VM named here",
    },
    "spm": {
        "always": "true: the host holds the SPM role from start to end",
        "elected": "true: the host is elected SPM during the run (`between`/`after`: in time); false: never",
        "ends": "true: the host holds the SPM role when the run ends; false: it does not",
    },
}
"""What an expectation about a host, a VM or the SPM may say; one predicate per entry."""

EVENT_KEYS = ("event", "never")
"""`{event: KIND, field: value...}`: a record of that kind with those fields appears;
`{never: KIND, ...}`: none does."""

WINDOW_KEYS = ("between", "after")
ORDER_KEYS = ("before",)  # this entry's first occurrence comes before another entry's
COUNT_KEYS = ("times", "at_least")  # how many times it happens
COMMON_KEYS = ("why", "grade_tolerance", "observe")  # about the entry, not the run: its reason and its exercise
WINDOWED = {("host", "becomes"), ("vm", "becomes"), ("spm", "elected")}
STATUSES = {"host": tuple(s.value for s in HostStatus), "vm": tuple(s.value for s in VmStatus)}
KEY_DOCS = {
    "between": "[lo, hi]: seconds after `after` (or after the start) within which it happens",
    "after": "{fault: N}: the window counts from fault N of `faults:` (its index)",
    "on": "with becomes or ends: on that host",
    "before": ("another entry (host or vm becomes, spm elected: true, or event, with its fields, no window): "
               "this one's first occurrence comes earlier in the log than the other's (both must happen; at "
               "one instant the log's order is the engine's); not with between/after"),
    "times": "N: with becomes or event: it happens exactly N times (in the window, if one is given)",
    "at_least": "N: with becomes or event: it happens N times or more (in the window, if one is given)",
    "why": "the instructor's reason, shown beside a failure",
    "grade_tolerance": "seconds: in an exercise, how far from the run's time an answer may be (default: half "
                       "the `between` window)",
    "observe": "true: in an exercise, shown to the student but not graded",
}

# Fields of event records whose values name something of the scenario or of a fixed vocabulary.
NAMED_FIELDS = {"host": "host", "source": "host", "destination": "host", "vm": "VM", "nic": "NIC",
                "network": "network", "domain": "storage domain"}
FIXED_FIELDS: Mapping[str, tuple[str, tuple[str, ...]]] = {
    "method": ("fence method", tuple(m.value for m in FenceMethod)),
}


def _status_field(kind: str, field: str) -> tuple[str, tuple[str, ...]] | None:
    """The statuses a record's `old`/`new` may take: a host's or a VM's."""
    if field not in ("old", "new"):
        return None
    subject = "vm" if kind.startswith("Vm") else "host" if kind.startswith("Host") else None
    return (f"{subject} status", STATUSES[subject]) if subject else None


def found_value(value: object) -> str:
    return f"'{value}'" if isinstance(value, str) else written(value)


def written(entry: object) -> str:
    """An entry in YAML flow style, the way it reads in a scenario file."""
    text = yaml.safe_dump(entry, default_flow_style=True, sort_keys=False, width=10_000).strip()
    return text.removesuffix("\n...").replace("'on':", "on:")


def record_fields(kind: str) -> list[str]:
    return [f.name for f in dataclasses.fields(ev.KINDS[kind])][1:]


class _Entry:
    """One entry being checked: reports at its keys' nodes, remembers whether it is sound."""

    def __init__(self, node: MappingNode, path: Path, checker: Checker, entry: dict) -> None:
        self.node, self.path, self.checker, self.entry = node, path, checker, entry
        self.nodes = {key: value_node for key, _, value_node in checker.pairs(node, path)}  # keys as written
        self.ok = True

    def bad(self, key: object, message: str, kind: str = SCHEMA) -> bool:
        at = self.nodes.get(str(key), self.node) if key is not None else self.node
        self.checker.report(at, self.path + ((str(key),) if key is not None else ()), message, kind)
        self.ok = False
        return False

    def name(self, key: str, value: object, allowed: list[str] | tuple[str, ...], what: str) -> bool:
        if value in allowed:
            return True
        return self.bad(key, f"unknown {what} {found_value(value)}; allowed: {', '.join(allowed) or '(none)'}"
                        f"{did_you_mean(value, allowed)}")


class Expectation(Kind):
    """An `expect:` entry: its shape and its vocabulary (statuses, record kinds and their fields,
    fence methods, actions). Names of the scenario's hosts, VMs, NICs and faults are checked
    with the other references (`references.check_expectations`)."""

    def _check(self, node: Node, path: Path, checker: Checker) -> Any:
        if not isinstance(node, MappingNode):
            return self.mismatch(node, path, checker)
        raw = checker.construct(node, path)
        if raw is INVALID:
            return INVALID
        if not isinstance(raw, dict):  # a tagged mapping, `!!set {a, b}`
            return self.mismatch(node, path, checker)
        # YAML 1.1, which the loader follows, reads a bare `on:` key as true: here it is `on`.
        entry = {("on" if k is True else k): v for k, v in raw.items()}
        checked = _Entry(node, path, checker, entry)
        _read(checked)
        return entry if checked.ok else INVALID

    def json_schema(self) -> dict:
        window = {
            "between": {"description": KEY_DOCS["between"], "type": "array", "items": {"type": "number",
                        "minimum": 0}, "minItems": 2, "maxItems": 2},
            "after": {"description": KEY_DOCS["after"], "type": "object",
                      "properties": {"fault": {"type": "integer", "minimum": 0}}, "required": ["fault"],
                      "additionalProperties": False},
            "why": {"description": KEY_DOCS["why"], "type": "string"},
            "grade_tolerance": {"description": KEY_DOCS["grade_tolerance"], "type": "number", "minimum": 0},
            "observe": {"description": KEY_DOCS["observe"], "type": "boolean"},
        }
        said = {
            # The other entry's shape only: the loader checks it as an entry (names, statuses, fields).
            "before": {"description": KEY_DOCS["before"], "type": "object",
                       "oneOf": [{"required": ["host", "becomes"]}, {"required": ["vm", "becomes"]},
                                 {"required": ["spm", "elected"]}, {"required": ["event"]}]},
            **{key: {"description": KEY_DOCS[key], "type": "integer", "minimum": 1} for key in COUNT_KEYS},
        }
        return {"anyOf": _forms({**window, **said})}

    def describe(self) -> str:
        return "an expected outcome (a mapping; see \"Expected outcomes\")"


def _forms(extra: dict) -> list[dict]:
    """The entry's forms in JSON Schema, each with the `extra` keys (windows, order, counts, why)."""
    forms = []
    for subject, predicates in PREDICATES.items():
        properties: dict[str, Any] = {subject: {"description": f"the {subject}'s name" if subject != "spm"
                                                else "the host's name", "type": "string"}}
        for predicate, doc in predicates.items():
            properties[predicate] = {"description": doc, **_value_schema(subject, predicate)}
        if subject == "vm":
            properties["on"] = {"description": KEY_DOCS["on"], "type": "string"}
        form: dict[str, Any] = {"type": "object", "properties": {**properties, **extra}, "required": [subject],
                "oneOf": [{"required": [p]} for p in predicates], "additionalProperties": False}
        if subject == "vm":
            # A YAML 1.1 reader (PyYAML) sees the key `on` as true; an editor (YAML 1.2) as text.
            del form["additionalProperties"]
            form["propertyNames"] = {"enum": [*form["properties"], True]}
        forms.append(form)
    kinds = {"event": {"description": "a record of this kind appears", "enum": sorted(ev.KINDS)},
             "never": {"description": "no record of this kind appears", "enum": sorted(ev.KINDS)}}
    forms.append({"type": "object", "properties": {**kinds, **extra},
                  "oneOf": [{"required": [key]} for key in EVENT_KEYS],
                  "additionalProperties": {"description": "a field of the record and the value it must have",
                                           "type": ["string", "number", "boolean"]},
                  "allOf": [_fields_schema(kind) for kind in sorted(ev.KINDS)]})
    return forms


def _fields_schema(kind: str) -> dict:
    """When an entry names record kind `kind`: the keys it may have, and the allowed values of
    the fields whose values come from a fixed vocabulary."""
    fields = record_fields(kind)
    more = [*WINDOW_KEYS, *COMMON_KEYS, *ORDER_KEYS, *COUNT_KEYS]
    then: dict[str, Any] = {"propertyNames": {"enum": [*EVENT_KEYS, *fields, *more]}}
    named = {field: vocabulary for field in fields if (vocabulary := field_vocabulary(kind, field))}
    if named:
        then["properties"] = {field: {"enum": list(values)} for field, (_, values) in named.items()}
    names = {"anyOf": [{"properties": {key: {"const": kind}}, "required": [key]} for key in EVENT_KEYS]}
    return {"if": names, "then": then}


def field_vocabulary(kind: str, field: str) -> tuple[str, tuple[str, ...]] | None:
    """What a record field's value may be, when it comes from a fixed list: (what, names)."""
    if field == "action" and kind == "FaultInjected":
        return "action", tuple(ACTIONS)
    return FIXED_FIELDS.get(field) or _status_field(kind, field)


def _value_schema(subject: str, predicate: str) -> dict:
    if subject == "spm" or predicate == "paused":
        return {"const": True} if (subject, predicate) == ("spm", "always") else {"type": "boolean"}
    if predicate == "starts_migrating_before":
        return {"type": "string"}
    return {"enum": list(STATUSES[subject])}


def _read(e: _Entry) -> None:
    entry = e.entry
    keys = [str(k) for k in entry]
    if "why" in entry and not isinstance(entry["why"], str):
        e.bad("why", f"expected text, found {found_value(entry['why'])}")
    if "observe" in entry and not isinstance(entry["observe"], bool):
        e.bad("observe", f"expected true or false, found {found_value(entry['observe'])}")
    tolerance = entry.get("grade_tolerance", 0)
    if isinstance(tolerance, bool) or not isinstance(tolerance, int | float) or tolerance < 0:
        e.bad("grade_tolerance", f"expected a number of seconds, 0 or more (e.g. grade_tolerance: 5), found "
              f"{found_value(tolerance)}")
    if any(k in entry for k in EVENT_KEYS):
        _event(e)
        return
    subjects = [k for k in keys if k in PREDICATES]
    if len(subjects) != 1:
        found = f"found {', '.join(subjects)}" if subjects else f"found keys {', '.join(keys) or 'none'}"
        e.bad(None, "an expectation is about one thing: start it with host, vm or spm (a name), or event or "
              f"never (a record kind); {found}")
        return
    _subject(e, subjects[0])


def _subject(e: _Entry, subject: str) -> None:
    entry = e.entry
    predicates = PREDICATES[subject]
    allowed = [subject, *predicates, *WINDOW_KEYS, *(("on",) if subject == "vm" else ()), *COMMON_KEYS,
               *ORDER_KEYS, *COUNT_KEYS]
    for key in entry:
        if key not in allowed:
            e.bad(key, f"unknown key {found_value(key)} in a {subject} expectation; allowed: "
                  f"{', '.join(allowed)}{did_you_mean(key, allowed)}")
    if not isinstance(entry[subject], str):
        e.bad(subject, f"expected a name, found {found_value(entry[subject])}")
    said = [k for k in entry if k in predicates]
    if len(said) != 1:
        e.bad(None, f"a {subject} expectation says exactly one of: {', '.join(predicates)}; "
              f"found {', '.join(said) if said else 'none'}")
    predicate = said[0] if len(said) == 1 else None
    value = entry.get(predicate)
    if predicate is not None:
        _value(e, subject, predicate, value, entry[subject])
    on = entry.get("on")
    if on is not None and predicate not in ("becomes", "ends", None):
        e.bad("on", f"'on' goes with becomes or ends, not with {predicate}")
    windowed = ((subject, predicate) in WINDOWED and value is not False) or (predicate == "paused" and value)
    _window(e, windowed=bool(windowed) or predicate is None)
    timed = (subject, predicate) in WINDOWED and value is not False
    _order_and_count(e, timed=timed or predicate is None, countable=predicate in ("becomes", None))


def _value(e: _Entry, subject: str, predicate: str, value: object, name: object) -> None:
    """Whether the predicate's value is one it allows; reports it when not."""
    if subject == "spm" and predicate == "always" and value is not True:
        e.bad(predicate, f"expected true, found {found_value(value)}; to say a host never holds the role, "
              "write elected: false")
    elif subject == "spm" or predicate == "paused":
        if not isinstance(value, bool):
            e.bad(predicate, f"expected true or false, found {found_value(value)}")
    elif predicate == "starts_migrating_before":
        if value == name:
            e.bad(predicate, "a VM cannot start migrating before itself; name another VM")
        elif not isinstance(value, str):
            e.bad(predicate, f"expected the name of a VM, found {found_value(value)}")
    elif subject in STATUSES:
        e.name(predicate, value, STATUSES[subject], f"{subject} status")


def _event(e: _Entry) -> None:
    entry = e.entry
    said = [k for k in EVENT_KEYS if k in entry]
    if len(said) != 1:
        e.bad(None, "an event expectation has event (a record appears) or never (none does), not both")
        return
    key = said[0]
    kind = entry[key]
    if not e.name(key, kind, sorted(ev.KINDS), "record kind"):
        _window(e, windowed=True)
        return
    fields = record_fields(kind)
    allowed = [key, *fields, *WINDOW_KEYS, *COMMON_KEYS, *ORDER_KEYS, *COUNT_KEYS]
    for k, value in entry.items():
        if k not in allowed:
            e.bad(k, f"{kind} has no field {found_value(k)}; allowed: {', '.join(allowed)}"
                  f"{did_you_mean(k, allowed)}")
        elif k in fields:
            vocabulary = field_vocabulary(kind, k)
            if vocabulary is not None:
                e.name(k, value, vocabulary[1], vocabulary[0])
    _window(e, windowed=True)
    _order_and_count(e, timed=key == "event", countable=key == "event")


def _order_and_count(e: _Entry, timed: bool, countable: bool) -> None:
    """`times`/`at_least` go with what happens a number of times (becomes, event); `before` with what
    happens at a time, and names another such entry, checked as one."""
    entry = e.entry
    counts = [k for k in COUNT_KEYS if k in entry]
    if counts and not countable:
        e.bad(counts[0], f"'{counts[0]}' goes with becomes or event (something that can happen several times)")
    if len(counts) > 1:
        e.bad(counts[1], "say times (exactly N) or at_least (N or more), not both")
    for key in counts:
        n = entry[key]
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            e.bad(key, f"expected a whole number, 1 or more, found {found_value(n)}; to say it never happens, "
                  "write never: KIND or never_becomes: STATUS")
    if "before" not in entry:
        return
    if not timed:
        e.bad("before", "'before' goes with becomes, spm elected: true or event (something that happens at a time)")
        return
    given = [k for k in WINDOW_KEYS if k in entry]
    if given:
        e.bad(given[0], f"'{given[0]}' does not go with before: the entry says which comes first, not when")
    _other(e)


def _other(e: _Entry) -> None:
    """The entry under `before:`: a timed entry of its own, without window, reason, order or count."""
    value, node = e.entry["before"], e.nodes.get("before")
    example = "before: {vm: mail1, becomes: WaitForLaunch}"
    if not isinstance(value, dict) or not isinstance(node, MappingNode):
        e.bad("before", f"expected another entry, e.g. {example}; found {found_value(value)}")
        return
    other = _Entry(node, e.path + ("before",), e.checker, {("on" if k is True else k): v for k, v in value.items()})
    e.entry["before"] = other.entry
    extra = [k for k in other.entry if k in (*WINDOW_KEYS, *COMMON_KEYS, *ORDER_KEYS, *COUNT_KEYS)]
    if extra:
        other.bad(extra[0], f"the entry under before says only what happens; '{extra[0]}' goes on the outer entry")
    else:
        _read(other)
        subject = next((k for k in PREDICATES if k in other.entry), None)
        timed = "event" in other.entry or (subject is not None and any(
            (subject, p) in WINDOWED and other.entry[p] is not False for p in PREDICATES[subject] if p in other.entry))
        if other.ok and not timed:
            other.bad(None, f"the entry under before must happen at a time: host or vm becomes, spm elected: "
                      f"true, or event (e.g. {example})")
    e.ok = e.ok and other.ok


def _window(e: _Entry, windowed: bool) -> None:
    entry = e.entry
    given = [k for k in WINDOW_KEYS if k in entry]
    if given and not windowed:
        e.bad(given[0], f"'{given[0]}' goes with becomes, paused: true, spm elected: true, event or never")
    if "between" in entry:
        span = entry["between"]
        if (not isinstance(span, list) or len(span) != 2
                or not all(isinstance(x, int | float) and not isinstance(x, bool) for x in span)
                or not 0 <= span[0] <= span[1]):
            e.bad("between", f"expected [lo, hi], two numbers of seconds with 0 <= lo <= hi, found {found_value(span)}")
    if "after" in entry:
        after = entry["after"]
        faults = e.checker.node_at(("faults",))
        count = len(faults.value) if isinstance(faults, SequenceNode) else 0
        fault = after.get("fault") if isinstance(after, dict) and list(after) == ["fault"] else None
        if not isinstance(fault, int) or isinstance(fault, bool) or not 0 <= fault < count:
            allowed = f"0 to {count - 1} (its index in faults)" if count else "none: the scenario has no faults"
            e.bad("after", f"expected {{fault: N}}, N from {allowed}; found {found_value(after)}")
