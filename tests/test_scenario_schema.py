"""The JSON Schema that editors use agrees with the loader, because both come from one table.

JSON Schema sees structure only: a wrong key, type, range or allowed name. References between
sections (a VM's host must exist), duplicate names and keys, memory sums and fault times against
the duration are the loader's alone; the corpus marks those files `# schema: accepts`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from hacourse.actions import TARGETS
from hacourse.model import Fault
from hacourse.scenario import ScenarioError, json_schema, parse_scenario, write_starter
from hacourse.scenario.definition import SCENARIO
from hacourse.scenario.fields import Record
from hacourse.scenario.schema import DOCS_PATH, SCHEMA_PATH, docs_with_tables, schema_text
from hacourse.scenario.starter import shipped_scenarios
from tests.test_scenario_loader import BROKEN, ISSUE_2_SHAPE, header

VALIDATOR = jsonschema.Draft202012Validator(json_schema())


def schema_errors(text: str) -> list[str] | None:
    """The schema's complaints about a file's data, or None when YAML cannot read it as data."""
    try:
        data = yaml.safe_load(text)
    except (yaml.YAMLError, ValueError, TypeError):
        return None
    return [e.message for e in VALIDATOR.iter_errors(data)]


def loader_kinds(text: str) -> set[str]:
    try:
        parse_scenario(text)
    except ScenarioError as error:
        return {p.kind for p in error.problems}
    return set()


def test_the_shipped_schema_file_is_up_to_date():
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_text(), "run: python -m hacourse.scenario"


def test_the_docs_key_tables_are_up_to_date():
    docs = DOCS_PATH.read_text(encoding="utf-8")
    assert docs_with_tables(docs) == docs, "run: python -m hacourse.scenario"


def test_the_schema_is_a_valid_draft_2020_12_schema():
    jsonschema.Draft202012Validator.check_schema(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def test_every_record_of_the_definition_builds_its_model_dataclass():
    """A key that the model lacks would only fail when a file used it; catch it here."""
    def records(record: Record):
        yield record
        for field in record.fields.values():
            kind = getattr(field.kind, "item", getattr(field.kind, "kind", field.kind))
            if isinstance(kind, Record):
                yield from records(kind)
    for record in records(SCENARIO):
        model_fields = {f for f in record.cls.__dataclass_fields__ if f != "source"}
        # A fault's keys are the targets that some kind of the actions table takes; the model has all.
        untaken = set(TARGETS) - set(record.fields) if record.cls is Fault else set()
        assert set(record.fields) | untaken == model_fields, record.what


@pytest.mark.parametrize("path", BROKEN, ids=lambda p: p.stem)
def test_the_schema_judges_each_broken_file_as_its_header_says(path):
    [verdict] = header(path, "schema")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        assert verdict == "unreadable"
        return
    errors = schema_errors(text)
    kinds = loader_kinds(text)
    if verdict == "unreadable":
        assert "syntax" in kinds
        assert errors is None or "tag" in str(header(path, "expect"))
    elif verdict == "rejects":
        assert errors and "schema" in kinds
    else:
        assert verdict.startswith("accepts") and errors == [] and kinds == {"semantic"}


def valid_texts(tmp_path: Path) -> dict[str, str]:
    texts = {"issue-2 shape": ISSUE_2_SHAPE}
    texts |= {name: path.read_text(encoding="utf-8") for name, path in shipped_scenarios().items()}
    texts["starter"] = write_starter(tmp_path / "starter.yaml").read_text(encoding="utf-8")
    return texts


def test_the_schema_accepts_every_valid_scenario(tmp_path):
    for name, text in valid_texts(tmp_path).items():
        assert loader_kinds(text) == set(), name
        assert schema_errors(text) == [], name


def _as_an_editor_reads_it(data: object) -> object:
    """The data as a YAML 1.2 reader (an editor's language server) has it: the key `on` is text, where
    PyYAML (YAML 1.1) reads it as true."""
    if isinstance(data, dict):
        return {("on" if key is True else key): _as_an_editor_reads_it(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_as_an_editor_reads_it(value) for value in data]
    return data


def test_the_schema_accepts_on_in_a_vm_entry_as_an_editor_reads_it():
    """`{vm: big1, ends: Up, on: pacific}`: the vm form's propertyNames lacked `on`, so an editor
    underlined a valid entry (issue 19)."""
    using_on = {name: path for name, path in shipped_scenarios().items()
                if any(True in entry for entry in yaml.safe_load(path.read_text(encoding="utf-8")).get("expect") or ())}
    assert "maintenance-stuck" in using_on
    for name, path in using_on.items():
        data = _as_an_editor_reads_it(yaml.safe_load(path.read_text(encoding="utf-8")))
        assert [e.message for e in VALIDATOR.iter_errors(data)] == [], name
    bad = {"vm": "big1", "ends": "Up", "onn": "pacific"}
    assert list(VALIDATOR.iter_errors(_as_an_editor_reads_it({**yaml.safe_load(
        shipped_scenarios()["maintenance-stuck"].read_text(encoding="utf-8")), "expect": [bad]})))


def test_the_scenario_files_point_editors_at_the_schema():
    for path in shipped_scenarios().values():
        match = re.match(r"# yaml-language-server: \$schema=(\S+)", path.read_text(encoding="utf-8"))
        assert match, f"{path} has no yaml-language-server line"
        assert (path.parent / match.group(1)).resolve() == SCHEMA_PATH


def _all_keys() -> list[str]:
    keys: set[str] = set()
    def walk(record: Record):
        keys.update(record.fields)
        for field in record.fields.values():
            kind = getattr(field.kind, "item", getattr(field.kind, "kind", field.kind))
            if isinstance(kind, Record):
                walk(kind)
    walk(SCENARIO)
    return sorted(keys) + ["NicDHCPDelayGraceInMS", "max_incoming_migrations", "migrate_paused_vms", "nmae", "em1"]


WORDS = ["", "high", "low", "urgent", "migrate", "storage", "ovirtmgmt", "pacific", "atlantic", "ifdown",
         "power_off", "rhev-3.3", "kill", "iscsi", "management", "not_eio", "db1"]
SCALARS = (st.none() | st.booleans() | st.integers(-3, 130) | st.sampled_from([0.5, 2.0, -1.5, 1e9])
           | st.sampled_from(WORDS))
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(st.sampled_from(_all_keys()), inner, max_size=3), max_leaves=6)


def _places(data: object, path: tuple = ()) -> list[tuple]:
    """Every place in the data that a mutation can touch."""
    places = [path]
    if isinstance(data, dict):
        for key, value in data.items():
            places += _places(value, path + (key,))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            places += _places(value, path + (i,))
    return places


@pytest.mark.slow  # a 300-example property search; the fast lane leaves it out
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_the_schema_rejects_exactly_what_the_loader_finds_structurally_wrong(data):
    """Mutate the seed shape at random (drop a key, change a value, add a key): the schema rejects
    the result if and only if the loader reports a structural (`schema`) problem."""
    scenario = yaml.safe_load(ISSUE_2_SHAPE)
    for _ in range(data.draw(st.integers(1, 3))):
        place = data.draw(st.sampled_from(_places(scenario)))
        parent = scenario
        for part in place[:-1]:
            parent = parent[part]
        how = data.draw(st.sampled_from(["replace", "drop", "add"]))
        if not place:
            scenario = data.draw(VALUES) if how == "replace" else scenario
        elif how == "replace":
            parent[place[-1]] = data.draw(VALUES)
        elif how == "drop":
            del parent[place[-1]]
        elif isinstance(parent[place[-1]], dict):
            parent[place[-1]][data.draw(st.sampled_from(_all_keys()))] = data.draw(VALUES)
    text = yaml.safe_dump(scenario, sort_keys=False)
    kinds = loader_kinds(text)
    assert "syntax" not in kinds and "file" not in kinds
    rejected = bool(schema_errors(text))
    event(f"schema {'rejects' if rejected else 'accepts'}; loader kinds {sorted(kinds)}")
    assert rejected == ("schema" in kinds), text
