"""The vocabulary of the scenario format: each kind of value checks a YAML node and describes
itself as JSON Schema and as words, so that the loader, the editor's schema and the docs say
the same thing.

Every kind has three faces: `check(node, path, checker)` returns the Python value (or INVALID
after reporting), `json_schema()` returns its JSON Schema, and `describe()` says in words what
is allowed ("an integer from -1 to 10"), for messages and for docs/scenario-format.md.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Mapping, Sequence
from typing import Any

from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from hacourse.scenario.checker import INVALID, Checker, Path, did_you_mean, found, yaml_tag
from hacourse.scenario.errors import SYNTAX

_STR = "tag:yaml.org,2002:str"

_KNOWN_TAGS = frozenset(tag for tag in SafeConstructor.yaml_constructors if tag is not None)


class Kind:
    """A kind of value in a scenario file."""

    def check(self, node: Node, path: Path, checker: Checker) -> Any:
        if node.tag not in _KNOWN_TAGS:
            checker.report(node, path, f"unsupported YAML tag {yaml_tag(node)}; a scenario is plain data (text, "
                           "numbers, true/false, lists, mappings)", kind=SYNTAX)
            return INVALID
        return self._check(node, path, checker)

    def _check(self, node: Node, path: Path, checker: Checker) -> Any:
        raise NotImplementedError

    def quick(self, node: Node, checker: Checker) -> Any:
        """The value of a node that is plainly right (a scalar of a plain tag that this kind
        accepts), found without reporting; INVALID sends it through `check`, which reports."""
        return INVALID

    def json_schema(self) -> dict:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError

    def build(self, value: Any) -> Any:
        """The checked value as the model wants it (a dataclass, a tuple); plain by default."""
        return value

    def plain(self, value: Any) -> Any:
        """The inverse of `build`: a model value as a file would hold it (`hacourse.scenario.vary`)."""
        if isinstance(value, Mapping):
            return {k: self.plain(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.plain(v) for v in value]
        return value

    def mismatch(self, node: Node, path: Path, checker: Checker) -> Any:
        checker.report(node, path, f"expected {self.describe()}, found {found(node)}")
        return INVALID


class _Scalar(Kind):
    def _check(self, node: Node, path: Path, checker: Checker) -> Any:
        if not isinstance(node, ScalarNode):
            return self.mismatch(node, path, checker)
        value = checker.construct(node, path)
        if value is INVALID:
            return INVALID
        return self.accept(value, node, path, checker)

    def quick(self, node: Node, checker: Checker) -> Any:
        if type(node) is not ScalarNode:
            return INVALID
        value = checker.plain_value(node)
        return INVALID if value is INVALID else self.convert(value)

    def accept(self, value: object, node: Node, path: Path, checker: Checker) -> Any:
        converted = self.convert(value)
        return self.refuse(value, node, path, checker) if converted is INVALID else converted

    def convert(self, value: object) -> Any:
        """The value as the model stores it, or INVALID when this kind does not allow it."""
        raise NotImplementedError

    def refuse(self, value: object, node: Node, path: Path, checker: Checker) -> Any:
        return self.mismatch(node, path, checker)


class Text(_Scalar):
    def __init__(self, min_length: int = 1) -> None:
        self.min_length = min_length

    def convert(self, value: object) -> Any:
        return value if isinstance(value, str) and len(value) >= self.min_length else INVALID

    def quick(self, node: Node, checker: Checker) -> Any:
        if type(node) is ScalarNode and node.tag == _STR and len(node.value) >= self.min_length:
            return node.value
        return INVALID

    def json_schema(self) -> dict:
        return {"type": "string", "minLength": self.min_length} if self.min_length else {"type": "string"}

    def describe(self) -> str:
        return "a name (non-empty text)" if self.min_length else "text"


class Boolean(_Scalar):
    def convert(self, value: object) -> Any:
        return value if isinstance(value, bool) else INVALID

    def json_schema(self) -> dict:
        return {"type": "boolean"}

    def describe(self) -> str:
        return "true or false"


@dataclasses.dataclass
class Number(_Scalar):
    """A number with bounds; `integer=True` also accepts 2.0 (JSON Schema's rule) as 2."""

    minimum: float | None = None
    maximum: float | None = None
    above: float | None = None  # exclusive minimum
    integer: bool = False

    def convert(self, value: object) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
            return INVALID
        if self.integer:
            if isinstance(value, float) and not value.is_integer():
                return INVALID
            value = int(value)
        if (
            (self.minimum is not None and value < self.minimum)
            or (self.maximum is not None and value > self.maximum)
            or (self.above is not None and value <= self.above)
        ):
            return INVALID
        return value

    def build(self, value: Any) -> Any:
        return value if self.integer else float(value)

    def json_schema(self) -> dict:
        schema: dict[str, Any] = {"type": "integer" if self.integer else "number"}
        if self.minimum is not None:
            schema["minimum"] = self.minimum
        if self.maximum is not None:
            schema["maximum"] = self.maximum
        if self.above is not None:
            schema["exclusiveMinimum"] = self.above
        return schema

    def describe(self) -> str:
        noun = "an integer" if self.integer else "a number"
        if self.minimum is not None and self.maximum is not None:
            return f"{noun} from {self.minimum:g} to {self.maximum:g}"
        if self.minimum is not None:
            return f"{noun} >= {self.minimum:g}"
        if self.above is not None:
            return f"{noun} > {self.above:g}"
        return noun


class Integer(Number):
    def __init__(self, minimum: float | None = None, maximum: float | None = None) -> None:
        super().__init__(minimum=minimum, maximum=maximum, integer=True)


class Choice(_Scalar):
    """One of a few names; `means` maps a name to the value the model stores (high -> 100)."""

    def __init__(self, values: Sequence[str], means: Mapping[str, Any] | None = None) -> None:
        self.values = tuple(values)
        self.means = means

    def convert(self, value: object) -> Any:
        if isinstance(value, str) and value in self.values:
            return self.means[value] if self.means else value
        return INVALID

    def refuse(self, value: object, node: Node, path: Path, checker: Checker) -> Any:
        if not isinstance(value, str):
            return self.mismatch(node, path, checker)
        checker.report(
            node, path, f"unknown value '{value}'; allowed: {', '.join(self.values)}"
            f"{did_you_mean(value, self.values)}"
        )
        return INVALID

    def json_schema(self) -> dict:
        return {"enum": list(self.values)}

    def describe(self) -> str:
        return "one of " + ", ".join(self.values)


class Either(Kind):
    """The first of several kinds that accepts the value (priority: a name or a number)."""

    def __init__(self, *kinds: Kind) -> None:
        self.kinds = kinds

    def quick(self, node: Node, checker: Checker) -> Any:
        for kind in self.kinds:
            value = kind.quick(node, checker)
            if value is not INVALID:
                return value
        return INVALID

    def _check(self, node: Node, path: Path, checker: Checker) -> Any:
        for kind in self.kinds:
            trial = Checker(checker.source, checker.profile)
            value = kind.check(node, path, trial)
            if not trial.problems:
                return value
        hint = ""
        if isinstance(node, ScalarNode):
            names = [v for k in self.kinds if isinstance(k, Choice) for v in k.values]
            hint = did_you_mean(node.value, names)
        checker.report(node, path, f"expected {self.describe()}, found {found(node)}{hint}")
        return INVALID

    def json_schema(self) -> dict:
        return {"anyOf": [k.json_schema() for k in self.kinds]}

    def describe(self) -> str:
        return " or ".join(k.describe() for k in self.kinds)


class Nullable(Kind):
    """A value that may also be `null`, meaning "use the default" (a profile's or the model's)."""

    def __init__(self, kind: Kind) -> None:
        self.kind = kind

    def quick(self, node: Node, checker: Checker) -> Any:
        if type(node) is ScalarNode and node.tag == "tag:yaml.org,2002:null":
            return None
        return self.kind.quick(node, checker)

    def _check(self, node: Node, path: Path, checker: Checker) -> Any:
        if isinstance(node, ScalarNode) and node.tag == "tag:yaml.org,2002:null":
            return None
        return self.kind.check(node, path, checker)

    def build(self, value: Any) -> Any:
        return None if value is None else self.kind.build(value)

    def plain(self, value: Any) -> Any:
        return None if value is None else self.kind.plain(value)

    def json_schema(self) -> dict:
        return {"anyOf": [self.kind.json_schema(), {"type": "null"}]}

    def describe(self) -> str:
        return f"{self.kind.describe()}, or null"


class ListOf(Kind):
    def __init__(self, item: Kind, min_items: int = 0, what: str = "items") -> None:
        self.item = item
        self.min_items = min_items
        self.what = what

    def _check(self, node: Node, path: Path, checker: Checker) -> Any:
        if not isinstance(node, SequenceNode) or len(node.value) < self.min_items:
            return self.mismatch(node, path, checker)
        # An item with a problem stays in place as None, so indexes still match the file.
        return [
            None if (v := self.item.check(child, path + (i,), checker)) is INVALID else v
            for i, child in enumerate(node.value)
        ]

    def build(self, value: Any) -> Any:
        return tuple(self.item.build(v) for v in value)

    def plain(self, value: Any) -> Any:
        return [self.item.plain(v) for v in value] if isinstance(value, list | tuple) else value

    def json_schema(self) -> dict:
        schema: dict[str, Any] = {"type": "array", "items": self.item.json_schema()}
        if self.min_items:
            schema["minItems"] = self.min_items
        return schema

    def describe(self) -> str:
        least = f"at least {self.min_items} " if self.min_items else ""
        return f"a list of {least}{self.what}"


class MapOf(Kind):
    """A mapping from free names to values of one kind (a host's `nics: {em1: ovirtmgmt}`)."""

    def __init__(self, value: Kind, min_items: int = 0, what: str = "names") -> None:
        self.value = value
        self.min_items = min_items
        self.what = what

    def _check(self, node: Node, path: Path, checker: Checker) -> Any:
        if not isinstance(node, MappingNode):
            return self.mismatch(node, path, checker)
        pairs = checker.pairs(node, path)
        if len(node.value) < self.min_items:
            return self.mismatch(node, path, checker)
        result = {}
        for key, _, value_node in pairs:
            value = self.value.check(value_node, path + (key,), checker)
            if value is not INVALID:
                result[key] = value
        return result

    def build(self, value: Any) -> Any:
        return {k: self.value.build(v) for k, v in value.items()}

    def plain(self, value: Any) -> Any:
        return {k: self.value.plain(v) for k, v in value.items()} if isinstance(value, Mapping) else value

    def json_schema(self) -> dict:
        schema: dict[str, Any] = {"type": "object", "additionalProperties": self.value.json_schema()}
        if self.min_items:
            schema["minProperties"] = self.min_items
        return schema

    def describe(self) -> str:
        least = f"at least {self.min_items} " if self.min_items else ""
        return f"a mapping of {least}{self.what} to {self.value.describe()}"


NO_DEFAULT = object()


@functools.cache
def _model_fields(cls: type) -> dict[str, dataclasses.Field]:
    return {f.name: f for f in dataclasses.fields(cls)}


@dataclasses.dataclass
class Field:
    """One key of a record: its kind, whether it must be given, and why it exists."""

    kind: Kind
    doc: str
    required: bool = False
    default: Any = NO_DEFAULT  # overrides the dataclass default (for fields the model requires)


class Record(Kind):
    """A mapping with known keys that becomes one model dataclass (`cls`); unknown keys are
    problems, with the nearest known key suggested. `rules` tie keys to each other: each has
    `check(record, given, node, path, checker)` and `json_schema()` (a list of `allOf` entries)."""

    def __init__(self, what: str, cls: type, fields: Mapping[str, Field], rules: Sequence[Any] = ()) -> None:
        self.what = what
        self.cls = cls
        self.fields = dict(fields)
        self.rules = tuple(rules)

    def _check(self, node: Node, path: Path, checker: Checker) -> Any:
        if not isinstance(node, MappingNode):
            return self.mismatch(node, path, checker)
        fields = self.fields
        mark = len(checker.problems)
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:  # the common case, fast: plain keys, each once
            key = key_node.value
            field = fields.get(key) if key_node.tag == _STR else None
            if field is None or key in result or type(key_node) is not ScalarNode:
                del checker.problems[mark:]  # anything else: the careful reading below, from the start
                return self._check_pairs(node, path, checker)
            value = field.kind.quick(value_node, checker)
            if value is INVALID:
                value = field.kind.check(value_node, path + (key,), checker)
            result[key] = value
        given = set(result)
        return self._finish({k: v for k, v in result.items() if v is not INVALID}, given, node, path, checker)

    def _check_pairs(self, node: MappingNode, path: Path, checker: Checker) -> Any:
        result: dict[str, Any] = {}
        given: set[str] = set()
        fields = self.fields
        for key, key_node, value_node in checker.pairs(node, path):
            given.add(key)
            field = fields.get(key)
            if field is None:
                meant, colon, value = key.partition(":")
                if colon and meant in fields and value:  # `{memory_gb:8}` is one key to YAML
                    given.add(meant)
                    checker.report(key_node, path, f"unknown key '{key}': a space is missing after the colon; "
                                   f"write `{meant}: {value}`")
                    continue
                checker.report(
                    key_node, path, f"unknown key '{key}'; allowed: {', '.join(self.fields)}"
                    f"{did_you_mean(key, self.fields)}"
                )
                continue
            value = field.kind.check(value_node, path + (key,), checker)
            if value is not INVALID:
                result[key] = value
        return self._finish(result, given, node, path, checker)

    def _finish(self, result: dict, given: set[str], node: Node, path: Path, checker: Checker) -> Any:
        fields = self.fields
        if len(given) < len(fields):
            for name, field in fields.items():
                if field.required and name not in given:
                    checker.report(node, path, f"missing required key '{name}' ({field.doc})")
        for rule in self.rules:
            rule.check(result, given, node, path, checker)
        return result

    def default(self, name: str) -> Any:
        """The value a missing key takes: the field's own, else the model dataclass's."""
        field = self.fields[name]
        if field.default is not NO_DEFAULT:
            return field.default
        model_field = _model_fields(self.cls).get(name)
        if model_field is None:
            return NO_DEFAULT
        if model_field.default is not dataclasses.MISSING:
            return model_field.default
        if model_field.default_factory is not dataclasses.MISSING:
            return model_field.default_factory()
        return NO_DEFAULT

    def build(self, value: Any, **extra: Any) -> Any:
        fields = self.fields
        kwargs = {name: fields[name].kind.build(given) for name, given in value.items()}
        if len(kwargs) < len(fields):
            for name, field in fields.items():  # a default the definition states, not the model
                if name not in kwargs and field.default is not NO_DEFAULT:
                    kwargs[name] = field.default
        return self.cls(**kwargs, **extra)

    def plain(self, value: Any) -> Any:
        """A model object as its entry in a file: the keys that differ from their default."""
        if not isinstance(value, self.cls):
            return super().plain(value)
        data = {}
        for name, field in self.fields.items():
            given = getattr(value, name)
            if given != self.default(name):
                data[name] = field.kind.plain(given)
        return data

    def json_schema(self) -> dict:
        properties = {}
        for name, field in self.fields.items():
            schema = {"description": field.doc, **field.kind.json_schema()}
            default = NO_DEFAULT if field.required else self.default(name)
            if isinstance(default, str | int | float | bool | type(None) | tuple | dict):
                schema["default"] = list(default) if isinstance(default, tuple) else default
            properties[name] = schema
        schema = {
            "type": "object",
            "properties": properties,
            "required": [n for n, f in self.fields.items() if f.required],
            "additionalProperties": False,
        }
        if rules := [entry for rule in self.rules for entry in rule.json_schema()]:
            schema["allOf"] = rules
        return schema

    def describe(self) -> str:
        return f"{self.what} (a mapping)"
