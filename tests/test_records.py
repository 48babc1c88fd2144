"""Every record kind says what it is about and which physical fact it sets (`hacourse.events`), and
the readers go by that, never by a list of kinds kept by hand: a new kind cannot drop out of them."""

from __future__ import annotations

import typing
from dataclasses import fields
from pathlib import Path

from hacourse import events as ev
from hacourse import load_scenario, simulate
from hacourse.actions import ACTIONS
from hacourse.analysis import audit
from hacourse.analysis.explain import explain_host
from hacourse.physical import PhysicalState
from hacourse.scenario import ScenarioError

ROOT = Path(__file__).resolve().parent.parent
SHOWN_KINDS = [k for k in ev.KINDS.values() if not issubclass(k, ev.SimulationStarted | ev.Decision)]


def _example(kind: type[ev.Record]) -> ev.Record:
    """A record of `kind` with plain values in every field."""
    hints = typing.get_type_hints(kind)
    values = {}
    for f in fields(kind)[1:]:
        hint = str(hints[f.name])
        values[f.name] = 0.0 if "float" in hint or "int" in hint else () if "tuple" in hint else "x"
    return kind(1.0, **values)


def test_every_record_kind_the_events_tab_shows_has_its_own_sentence():
    for kind in SHOWN_KINDS:
        _, message = audit._describe(_example(kind))
        assert not message.startswith(f"{kind.__name__}:"), f"{kind.__name__} has no sentence in analysis/audit.py"


def test_every_record_whose_subject_is_a_host_is_known_as_a_hosts_and_explained_with_it():
    for kind in ev.KINDS.values():
        names = [f.name for f in fields(kind)[1:] if f.name in ev.SUBJECTS]
        if names[:1] == ["host"]:
            assert kind.about == "host", kind.__name__
            if not issubclass(kind, ev.Decision):
                record = _example(kind)
                assert explain_host([record], record.to_dict()["host"]), kind.__name__


def test_every_fact_a_record_sets_is_kept_by_the_physical_state_from_its_default():
    declared = {value for value in vars(ev).values() if isinstance(value, ev.Fact)}
    assert declared == set(ev.facts())  # every fact declared in events.py has a record that sets it
    for kind in ev.KINDS.values():
        if kind.sets is not None:
            fact, value = kind.sets
            state = PhysicalState()
            subject = fact.subject(_example(kind))
            assert state.fact(fact, subject) == fact.default
            state.apply(_example(kind))
            assert state.fact(fact, subject) == value, kind.__name__


def test_explain_host_shows_a_storage_array_failure():
    scenario = load_scenario(ROOT / "tests" / "fidelity" / "storage-array-down.yaml")
    log = simulate(scenario, seed=0)
    host = scenario.hosts[0].name
    kinds = [step.kind for step in explain_host(log, host)]
    assert "StorageArrayFailed" in kinds


def test_an_unknown_action_is_answered_with_every_kind_of_the_table_in_order():
    path = ROOT / "tests" / "broken_scenarios" / "fault-unknown-action.yaml"
    try:
        load_scenario(path)
    except ScenarioError as error:
        message = str(error)
    else:
        raise AssertionError("the loader took an unknown action")
    assert f"allowed: {', '.join(ACTIONS)}" in message
