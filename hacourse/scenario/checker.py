"""The walk over a composed YAML document: where each value came from, and what was wrong.

The loader works on yaml's node graph (`yaml.compose`, safe: no tags are executed) rather than
on `safe_load`'s plain values, because only the nodes remember the line and column that every
problem must name.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from hacourse.scenario.errors import SCHEMA, SEMANTIC, SYNTAX, Problem

Path = tuple[str | int, ...]

_BASE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: 10x faster, same nodes


class SafeLoader(_BASE_LOADER):  # type: ignore[misc, valid-type]
    """libyaml's safe loader, remembering the tag it gave each (kind, text): a big cluster writes
    `128` and `storage` thousands of times, and YAML 1.1's typing rules are regular expressions."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._tags: dict[tuple[type, str | None, tuple[bool, bool]], str] = {}

    def resolve(self, kind: type, value: str | None, implicit: tuple[bool, bool]) -> str:
        key = (kind, value, implicit)
        tag = self._tags.get(key)
        if tag is None:
            tag = self._tags[key] = super().resolve(kind, value, implicit)
        return tag


SAFE_LOADER = SafeLoader
_STR, _INT, _FLOAT, _BOOL, _NULL = (f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null"))
_PLAIN_TAGS = frozenset((_STR, _INT, _FLOAT, _BOOL, _NULL))  # their values are immutable: one per text


class Invalid:
    """The value of a field that had a problem; it is left out of what the checks return."""

    def __repr__(self) -> str:
        return "INVALID"


INVALID = Invalid()


def render_path(path: Path) -> str:
    """`("hosts", 1, "nics")` -> `hosts[1].nics`, the way an instructor would point at it."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def did_you_mean(word: object, allowed: Iterable[str]) -> str:
    """` (did you mean 'storage'?)` when a close spelling exists, else an empty string."""
    if not isinstance(word, str):
        return ""
    close = difflib.get_close_matches(word, list(allowed), n=1, cutoff=0.6)
    if not close:
        close = [a for a in allowed if a.lower() == word.lower()]
    return f" (did you mean '{close[0]}'?)" if close else ""


def allowed_list(allowed: Sequence[str], limit: int = 15) -> str:
    if len(allowed) > limit:
        return f"{len(allowed)} names ({', '.join(allowed[:3])}, ...; see docs/scenario-format.md)"
    return ", ".join(allowed) if allowed else "(none defined)"


class Checker:
    """Collects the problems of one file and remembers the node behind every path it visited."""

    def __init__(self, source: str, profile: str | None = None) -> None:
        self.source = source
        self.profile = profile  # the scenario's engine_profile, once known to be valid
        self.problems: list[Problem] = []
        self.root: Node | None = None  # the document, where `node_at` finds a path's node
        self.broken: set[Path] = set()  # paths that had a problem, so later checks can skip them
        self._constructor = SafeConstructor()
        self._scalars: dict[tuple[str, str], object] = {}

    def report(self, node: Node | None, path: Path, message: str, kind: str = SCHEMA) -> None:
        self.broken.add(path)
        mark = node.start_mark if node is not None else None  # nodes of plain data have no mark
        line = mark.line + 1 if mark is not None else None
        column = mark.column + 1 if mark is not None else None
        self.problems.append(Problem(self.source, line, column, render_path(path), message, kind))

    def is_broken(self, prefix: Path) -> bool:
        """Whether any problem was found at or under `prefix`."""
        return any(path[: len(prefix)] == prefix for path in self.broken)

    def node_at(self, path: Path) -> Node | None:
        """The node of `path` in the document, or of its nearest parent that the file has."""
        node = self.root
        for part in path:
            if isinstance(node, MappingNode):
                child = next((v for k, v in node.value if isinstance(k, ScalarNode) and k.value == part), None)
            elif isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
                child = node.value[part]
            else:
                child = None
            if child is None:
                break
            node = child
        return node

    def report_at(self, path: Path, message: str, kind: str) -> None:
        """Report at the node of `path`, or of the nearest parent that the file has."""
        self.report(self.node_at(path), path, message, kind)

    def construct(self, node: Node, path: Path) -> object:
        """The Python value of a node, with YAML 1.1 resolution as `safe_load` does it."""
        tag = node.tag
        if tag in _PLAIN_TAGS and isinstance(node, ScalarNode):
            key = (tag, node.value)
            value = self._scalars.get(key, INVALID)
            if value is INVALID:
                value = self._scalars[key] = self._construct(node, path)
            return value
        return self._construct(node, path)

    def plain_value(self, node: ScalarNode) -> object:
        """`construct` for a scalar of a plain tag, without reporting: INVALID when it is not one."""
        if node.tag == _STR:
            return node.value
        key = (node.tag, node.value)
        value = self._scalars.get(key, INVALID)
        if value is INVALID and node.tag in _PLAIN_TAGS:
            try:
                value = self._scalars[key] = self._constructor.construct_object(node, deep=True)
            except (ConstructorError, ValueError, TypeError):
                self._constructor.recursive_objects.clear()  # what a failed construction leaves behind
                return INVALID
        return value

    def _construct(self, node: Node, path: Path) -> object:
        try:
            return self._constructor.construct_object(node, deep=True)
        except (ConstructorError, ValueError, TypeError) as exc:  # `!!int ten`, `!!timestamp 2020-99-99`
            problem = exc.problem if isinstance(exc, ConstructorError) else str(exc)
            self.report(node, path, f"cannot read this YAML value ({problem}); a scenario is plain data "
                        "(text, numbers, true/false, lists, mappings)", kind=SYNTAX)
            return INVALID

    def pairs(self, node: MappingNode, path: Path) -> list[tuple[str, Node, Node]]:
        """A mapping's (key text, key node, value node); a key written twice is a problem.

        `<<` merge keys are expanded as `safe_load` does: a key written in the mapping wins over
        a merged one. A key is read as the text written in the file, so `1:` is the key '1'.
        """
        if not any(key_node.tag == _MERGE for key_node, _ in node.value):
            return self._written_pairs(node, path)
        written = {id(key_node) for key_node, _ in node.value}
        self._constructor.flatten_mapping(node)
        seen: dict[str, Node] = {}
        merged: dict[str, tuple[Node, Node]] = {}
        result = []
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                self.report(key_node, path, f"a key must be a plain name, found {found(key_node)}")
                continue
            key = str(key_node.value)
            if id(key_node) not in written:
                merged[key] = (key_node, value_node)
            elif key in seen:
                first = seen[key].start_mark.line + 1
                self.report(key_node, path + (key,), f"duplicate key '{key}' (first at line {first})",
                            kind=SEMANTIC)
            else:
                seen[key] = key_node
                result.append((key, key_node, value_node))
        return [(key, *nodes) for key, nodes in merged.items() if key not in seen] + result

    def _written_pairs(self, node: MappingNode, path: Path) -> list[tuple[str, Node, Node]]:
        """`pairs` of a mapping without merge keys (nearly all of them): the same answer, faster."""
        result: list[tuple[str, Node, Node]] = [
            (key_node.value, key_node, value_node) for key_node, value_node in node.value
            if type(key_node) is ScalarNode
        ]
        if len(result) == len(node.value) and len({key for key, _, _ in result}) == len(result):
            return result
        seen: dict[str, Node] = {}
        result = []
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                self.report(key_node, path, f"a key must be a plain name, found {found(key_node)}")
                continue
            key = str(key_node.value)
            if key in seen:
                first = seen[key].start_mark.line + 1
                self.report(key_node, path + (key,), f"duplicate key '{key}' (first at line {first})",
                            kind=SEMANTIC)
            else:
                seen[key] = key_node
                result.append((key, key_node, value_node))
        return result


_MERGE = "tag:yaml.org,2002:merge"


def found(node: Node) -> str:
    """How a value reads in a message: `a list`, `text 'abc'`, `the integer 5`, `null`."""
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    try:
        value = SafeConstructor().construct_object(node, deep=True)
    except (ConstructorError, ValueError, TypeError):
        value = node
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int):
        return f"the integer {value}"
    if isinstance(value, float):
        return f"the number {value:g}"
    if isinstance(value, str):
        return f"text '{value}'"
    return f"'{node.value}' of YAML type {yaml_tag(node)}"


def yaml_tag(node: Node) -> str:
    """`tag:yaml.org,2002:binary` -> `!!binary`, as it is written in a file."""
    return node.tag.replace("tag:yaml.org,2002:", "!!")


def compose(text: str, checker: Checker) -> Node | None:
    """Parse the text into one node graph; a syntax error becomes a problem with its position."""
    try:
        return yaml.compose(text, Loader=SafeLoader)
    except yaml.MarkedYAMLError as exc:
        from hacourse.scenario.syntax import explain

        line, column, message = explain(exc, text)
        checker.problems.append(Problem(checker.source, line, column, "", message, SYNTAX))
    except yaml.YAMLError as exc:
        checker.problems.append(Problem(checker.source, None, None, "", f"YAML error: {exc}", SYNTAX))
    return None
