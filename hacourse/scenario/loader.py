"""Load scenario files: every problem of a file at once, or one validated `model.Scenario`."""

from __future__ import annotations

import gc
import math
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from hacourse import model
from hacourse.profiles import PROFILES
from hacourse.scenario.checker import Checker, compose
from hacourse.scenario.checker import Path as FieldPath
from hacourse.scenario.definition import SCENARIO
from hacourse.scenario.errors import FILE, SYNTAX, Problem, ScenarioError
from hacourse.scenario.references import check_references


def load_scenario(path: str | Path) -> model.Scenario:
    """Read and validate one scenario file; raises ScenarioError listing every problem."""
    return parse_scenario(_read(path), str(path))


def parse_scenario(text: str, source: str = "<string>") -> model.Scenario:
    """Validate scenario text and build the Scenario; raises ScenarioError listing every problem."""
    with _collector_paused():
        return _build(text, source)


def _build(text: str, source: str) -> model.Scenario:
    """The work of `parse_scenario`; its nodes and checked values die with this call, inside
    the collector's pause, so the collector never walks them."""
    checker = Checker(source)
    data = _check(text, checker)
    if checker.problems:
        raise ScenarioError(sorted(checker.problems, key=_position))
    return SCENARIO.build(data, source=source)


def check_data(data: object, source: str, keep_source: str | None = None) -> model.Scenario:
    """Check plain data (what `yaml.safe_load` gives) as a file is checked, and build the Scenario;
    problems name `source` and the field, without a line. The Scenario remembers `keep_source`."""
    checker = Checker(source)
    for path, value in _not_plain(data, ()):
        checker.report(None, path, f"{value!r} (a {type(value).__name__}) cannot be written in a scenario; a "
                       "scenario is plain data (text, numbers, true/false, lists, mappings)", kind=SYNTAX)
    if checker.problems:
        raise ScenarioError(checker.problems)
    with _collector_paused():
        return _build_data(data, checker, keep_source or source)


def _build_data(data: object, checker: Checker, source: str) -> model.Scenario:
    checked = _check_root(_as_node(data), checker)
    checker.root = None  # the nodes die here, inside the collector's pause
    if checker.problems:
        raise ScenarioError(sorted(checker.problems, key=_position))
    return SCENARIO.build(checked, source=source)


def validate_files(paths: Iterable[str | Path]) -> list[Problem]:
    """Every problem of every file, in order; an unreadable file is one problem, not a crash."""
    problems: list[Problem] = []
    for path in paths:
        try:
            load_scenario(path)
        except ScenarioError as error:
            problems.extend(error.problems)
    return problems


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic collector off while a file becomes nodes and a Scenario, back on after.

    A 20,000-host file is over a million nodes, all alive until the Scenario is built; each
    automatic collection walks them all to free nothing (reference counting frees the rest).
    That was two thirds of the load's time. The pause lasts one load, a second at most.
    """
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def _read(path: str | Path) -> str:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ScenarioError([Problem(str(path), None, None, "", f"cannot read the file: {exc.strerror or exc}",
                                     FILE)]) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ScenarioError([Problem(str(path), line, column, "", f"not UTF-8 text ({exc.reason}); save the "
                                     "file as UTF-8", FILE)]) from None


def _check(text: str, checker: Checker) -> dict:
    root = compose(text, checker)
    if root is None:
        if not checker.problems:
            checker.report(None, (), "the file is empty; a scenario needs at least: "
                           + ", ".join(n for n, f in SCENARIO.fields.items() if f.required))
        return {}
    return _check_root(root, checker)


def _check_root(root: Node, checker: Checker) -> dict:
    checker.root = root
    checker.profile = _profile(root)
    data = SCENARIO.check(root, (), checker)
    if isinstance(data, dict):
        check_references(data, checker)
    return data


def _not_plain(value: object, path: FieldPath) -> Iterable[tuple[FieldPath, object]]:
    """The values that a YAML file could not hold (a set, an object), with where they are."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _not_plain(key, path) if not isinstance(key, str | int | float | bool) else ()
            yield from _not_plain(item, path + (str(key),))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _not_plain(item, path + (i,))
    elif not isinstance(value, str | int | float | bool | type(None)):
        yield path, value


_TAG = "tag:yaml.org,2002:"


def _as_node(value: object) -> Node:
    """Plain data as the node a file with that data would give (without a position), so that
    `vary` goes through the very checks a file does. `_not_plain` has refused anything else."""
    if isinstance(value, dict):
        return MappingNode(_TAG + "map", [(ScalarNode(_TAG + "str", str(k)), _as_node(v)) for k, v in value.items()])
    if isinstance(value, list):
        return SequenceNode(_TAG + "seq", [_as_node(v) for v in value])
    if value is None:
        return ScalarNode(_TAG + "null", "null")
    if isinstance(value, bool):
        return ScalarNode(_TAG + "bool", "true" if value else "false")
    if isinstance(value, int):
        return ScalarNode(_TAG + "int", str(value))
    if isinstance(value, float):
        text = ".nan" if math.isnan(value) else (("-" if value < 0 else "") + ".inf") if math.isinf(value) else repr(value)
        return ScalarNode(_TAG + "float", text)
    return ScalarNode(_TAG + "str", str(value))


def _profile(root: object) -> str | None:
    """The scenario's engine_profile, read first because engine_config's keys depend on it."""
    if not isinstance(root, MappingNode):
        return None
    for key, value in root.value:
        if isinstance(key, ScalarNode) and key.value == "engine_profile":
            return value.value if isinstance(value, ScalarNode) and value.value in PROFILES else None
    return SCENARIO.default("engine_profile")


def _position(problem: Problem) -> tuple[int, int]:
    return (problem.line or 0, problem.column or 0)
