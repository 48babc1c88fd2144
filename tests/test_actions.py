"""The recipe of docs/architecture.md, proved: a fault kind added from this module alone.

`storage_switch_down` is a throwaway kind: the switch of a storage domain's network fails, and
every host's NIC on that network loses carrier. Its actor is `_switch_fails` below. Registered
in the table by a fixture (and removed again), it is checked by the loader, listed by the JSON
Schema and the docs, run from a scenario file, injected live and offered in the lesson panel,
with no other file of hacourse touched: the recipe's first branch, a kind that changes a fact the
model has. `cooling_fails` is its second branch, a new physical fact declared here with its
record; `test_power_management` is a kind that applies to hosts with power management only.
"""

from __future__ import annotations

from dataclasses import dataclass

import jsonschema
import pytest
import yaml

from hacourse import Simulation, parse_scenario, simulate
from hacourse import actions as act
from hacourse.analysis.audit import events_table
from hacourse.analysis.explain import explain_host
from hacourse.events import KINDS, Fact, FaultInjected, Record, facts, from_jsonl, to_jsonl
from hacourse.physical import PhysicalState
from hacourse.scenario import ScenarioError, json_schema
from hacourse.scenario.schema import DOCS_PATH, docs_with_tables
from tests.seed import SEED

SWITCH = "storage_switch_down"


def _switch_fails(sim, fault) -> None:
    """The actor: every powered host's NIC on the domain's network loses carrier."""
    network = next(d.network for d in sim.scenario.storage_domains if d.name == fault.storage_domain)
    for host in sim.hosts.values():
        for nic in host.nics.values():
            if nic.network == network and host.power.value and nic.set_up(False):
                host.physically_changed(nic)


def _switch_is_down(sim, targets) -> bool:
    network = next(d.network for d in sim.scenario.storage_domains if d.name == targets["storage_domain"])
    return not any(n.up for h in sim.hosts.values() for n in h.nics.values() if n.network == network)


@pytest.fixture
def switch_kind():
    kind = act.register(act.ActionKind(
        SWITCH, act.Side.FAULT, ("storage_domain",), _switch_fails,
        doc="the switch of the storage domain's network fails: every host loses its NIC on it",
        said="The switch of storage domain {storage_domain} failed.", label="switch of {storage_domain} down",
        control=act.Control("switch down {storage_domain}", "Fails the switch of {storage_domain} now.",
                            pressed=_switch_is_down),
    ))
    yield kind
    act.unregister(SWITCH)


@pytest.fixture
def vm_kind():
    """A second throwaway kind, on a VM, for the messages about targets; it never runs."""
    act.register(act.ActionKind("vm_poke", act.Side.ADMIN, ("vm",), _never_runs, doc="pokes a VM",
                                said="VM {vm} poked.", label="poke {vm}"))
    yield
    act.unregister("vm_poke")


def _never_runs(sim, fault) -> None:
    raise AssertionError("only the loader sees this kind")


def _seed_with(*faults: dict) -> str:
    data = yaml.safe_load(SEED.read_text())
    data["faults"] = list(faults)
    data.pop("expect")  # the seed's expectations time things from its own faults
    return yaml.safe_dump(data, sort_keys=False)


def _problems(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as error:
        parse_scenario(text, "x.yaml")
    return [f"{p.path}: {p.message}" for p in error.value.problems]


def _nic_downs(log) -> list[tuple[float, str, str]]:
    return [(r.t, r.host, r.nic) for r in log if r.event == "NicDown"]


def test_a_scenario_file_uses_the_new_kind_and_the_run_shows_its_effect(switch_kind):
    scenario = parse_scenario(_seed_with({"at": 60, "action": SWITCH, "storage_domain": "iscsi-share"}))
    [fault] = scenario.faults
    assert (fault.action, fault.storage_domain, fault.host) == (SWITCH, "iscsi-share", None)
    log = simulate(scenario, seed=0)
    [injected] = [r for r in log if r.event == "FaultInjected"]
    assert (injected.t, injected.action, injected.host, injected.target) == (60.0, SWITCH, None, "iscsi-share")
    assert _nic_downs(log) == [(60.0, "atlantic", "p1p1"), (60.0, "pacific", "p1p1")]
    assert "The switch of storage domain iscsi-share failed." in [e.message for e in events_table(log)]
    assert act.fault_label(injected) == "switch of iscsi-share down"


def test_the_schema_and_the_docs_generated_now_list_the_new_kind(switch_kind):
    schema = json_schema()
    fault = schema["properties"]["faults"]["items"]
    [entry] = [e for e in fault["properties"]["action"]["oneOf"] if e["const"] == SWITCH]
    assert entry["description"] == ("fault: the switch of the storage domain's network fails: every host loses "
                                    "its NIC on it (takes storage_domain)")
    assert "storage_domain" in fault["properties"]
    validator = jsonschema.Draft202012Validator(schema)
    assert list(validator.iter_errors(yaml.safe_load(_seed_with(
        {"at": 60, "action": SWITCH, "storage_domain": "iscsi-share"})))) == []
    wrong = yaml.safe_load(_seed_with({"at": 60, "action": SWITCH, "storage_domain": "iscsi-share",
                                       "host": "pacific"}))
    assert list(validator.iter_errors(wrong))  # the schema refuses what the loader refuses
    docs = docs_with_tables(DOCS_PATH.read_text(encoding="utf-8"))
    assert f"| `{SWITCH}` | fault | `storage_domain` | the switch of the storage domain's network fails" in docs


def test_the_new_kind_injected_live_does_what_the_file_does(switch_kind):
    scenario = parse_scenario(_seed_with())
    sim = Simulation(scenario, seed=0)
    sim.run_until(60)
    sim.inject(SWITCH, storage_domain="iscsi-share")
    log = sim.run()
    assert _nic_downs(log) == [(60.0, "atlantic", "p1p1"), (60.0, "pacific", "p1p1")]
    with pytest.raises(ValueError, match="unknown storage domain 'iscsi'; allowed: iscsi-share"):
        sim.inject(SWITCH, storage_domain="iscsi")
    with pytest.raises(ValueError, match="action 'storage_switch_down' takes no 'host'"):
        sim.inject(SWITCH, "pacific", storage_domain="iscsi-share")


def test_the_lesson_panel_offers_the_new_kind_and_shows_its_state(switch_kind):
    from hacourse.panel.widgets import Lesson

    lesson = Lesson(parse_scenario(_seed_with()), seed=0, scripted_faults=False)
    button = lesson.control("switch down iscsi-share")
    button.click()
    assert [(f.t, f.action, f.target) for f in lesson.log if f.event == "FaultInjected"] == [
        (0.0, SWITCH, "iscsi-share")]
    assert lesson.control("ifdown storage on pacific").value is True  # the NIC toggles follow the model


def test_a_wrong_target_gets_the_loaders_message(switch_kind, vm_kind):
    host_kinds = ", ".join(k.name for k in act.ACTIONS.values() if "host" in k.takes)
    vm_kinds = ", ".join(k.name for k in act.ACTIONS.values() if "vm" in k.takes)  # vm_poke and the shipped
    problems = _problems(_seed_with({"at": 60, "action": "vm_poke", "host": "pacific"},
                                    {"at": 90, "action": SWITCH, "storage_domain": "iscsi-shar"},
                                    {"at": 99, "action": "power_off", "vm": "db1", "host": "pacific"}))
    assert problems == [
        "faults[0]: action 'vm_poke' needs 'vm': the VM it happens to",
        f"faults[0].host: action 'vm_poke' takes no 'host'; 'host' goes with action: {host_kinds}",
        ("faults[1].storage_domain: unknown storage domain 'iscsi-shar'; allowed: iscsi-share "
         "(did you mean 'iscsi-share'?)"),
        f"faults[2].vm: action 'power_off' takes no 'vm'; 'vm' goes with action: {vm_kinds}",
    ]
    assert _problems(_seed_with({"at": 60, "action": "vm_poke", "vm": "db2"})) == [
        "faults[0].vm: unknown VM 'db2'; allowed: db1, mail1, app1, app2, web1, log1, dns1 (did you mean 'db1'?)"]


def test_a_removed_kind_is_unknown_again():
    text = _seed_with({"at": 60, "action": SWITCH, "storage_domain": "iscsi-share"})
    assert SWITCH not in act.ACTIONS
    wanted = f"faults[0].action: unknown value '{SWITCH}'; allowed: {', '.join(act.ACTIONS)}"
    assert any(p.startswith(wanted) for p in _problems(text))  # then perhaps a did-you-mean
    action = json_schema()["properties"]["faults"]["items"]["properties"]["action"]
    assert SWITCH not in [entry["const"] for entry in action["oneOf"]]


def test_a_kind_cannot_be_registered_twice_nor_take_an_unknown_target():
    with pytest.raises(ValueError, match="'ifdown' is registered already"):
        act.register(act.ACTIONS["ifdown"])
    with pytest.raises(ValueError, match="unknown target 'switch'; allowed: host, nic, storage_domain, vm, to"):
        act.ActionKind("x", act.Side.FAULT, ("switch",), _never_runs, doc="", said="", label="")


def test_an_optional_target_is_worded_by_a_function_and_logged_only_when_given():
    def said(targets) -> str:
        return f"Admin nudged host {targets['host']}" + (f" towards {targets['to']}." if "to" in targets else ".")

    kind = act.register(act.ActionKind("nudge", act.Side.ADMIN, ("host",), _never_runs, optional=("to",),
                                       doc="nudges a host", said=said, label="nudge {host}"))
    try:
        bare, aimed = FaultInjected(1.0, "nudge", "pacific", None), FaultInjected(2.0, "nudge", "pacific", None, "x")
        assert [act.event_text(bare), act.event_text(aimed)] == [
            "Admin nudged host pacific.", "Admin nudged host pacific towards x."]
        assert kind.labelled(aimed) == "nudge pacific"
        assert '"to"' not in to_jsonl([bare]) and '"to":"x"' in to_jsonl([aimed])
        assert from_jsonl(to_jsonl([bare, aimed])) == [bare, aimed]
    finally:
        act.unregister(kind.name)


# --- where a kind applies -------------------------------------------------------------------

PM_TEST = "test_power_management"


@pytest.fixture
def pm_kind():
    """The portal's 'Test' of a host's fence agent: it applies to hosts with power management only."""
    kind = act.register(act.ActionKind(
        PM_TEST, act.Side.ADMIN, ("host",), _never_runs, doc="tests the host's fence agent",
        said="Admin tested the fence agent of host {host}.", label="test PM {host}",
        control=act.Control("test PM of {host}", "Asks {host}'s fence agent for the power status."),
        where=act.Where("host", "hosts with power management", lambda host: host.get("power_management", True)),
    ))
    yield kind
    act.unregister(PM_TEST)


def _without_pm(text: str, host: str = "pacific") -> str:
    data = yaml.safe_load(text)
    next(h for h in data["hosts"] if h["name"] == host)["power_management"] = False
    return yaml.safe_dump(data, sort_keys=False)


def test_a_kind_applied_where_it_does_not_apply_gets_the_loaders_message(pm_kind):
    text = _without_pm(_seed_with({"at": 60, "action": PM_TEST, "host": "pacific"}))
    assert _problems(text) == [("faults[0].host: action 'test_power_management' applies only to hosts with power "
                               "management; host 'pacific' is not one; allowed: atlantic")]
    sim = Simulation(parse_scenario(_without_pm(_seed_with())), seed=0)
    with pytest.raises(ValueError, match="applies only to hosts with power management; host 'pacific'"):
        sim.inject(PM_TEST, "pacific")


def test_the_panel_offers_a_control_only_where_its_kind_applies(pm_kind):
    scenario = parse_scenario(_without_pm(_seed_with()))
    offered = [targets["host"] for kind, targets in act.offered(scenario) if kind is pm_kind]
    assert offered == ["atlantic"]


def test_the_property_search_draws_a_kind_only_where_it_applies(pm_kind):
    from hypothesis import given, settings

    from tests.strategies import scenario_data

    @settings(max_examples=40, deadline=None, database=None)
    @given(data=scenario_data(max_vms=4))
    def drawn(data):
        pm = {h["name"]: h["power_management"] for h in data["hosts"]}
        assert all(pm[f["host"]] for f in data.get("faults", ()) if f["action"] == PM_TEST)

    drawn()


def test_a_scenario_narrows_the_controls_its_lesson_offers():
    data = yaml.safe_load(_seed_with())
    data["lesson"] = {"controls": ["ifdown", "power_off"]}
    scenario = parse_scenario(yaml.safe_dump(data, sort_keys=False))
    assert {kind.name for kind, _ in act.offered(scenario)} == {"ifdown", "power_off"}
    data["lesson"] = {"controls": ["ifup"]}
    assert _problems(yaml.safe_dump(data, sort_keys=False))[0].startswith(
        f"lesson.controls[0]: unknown value 'ifup'; allowed: {', '.join(k.name for k in act.ACTIONS.values() if k.control)}")


# --- the recipe's second branch: a kind that changes a fact the model does not have yet --------

COOLING = "cooling_fails"


@pytest.fixture
def cooling_kind():
    """A new physical fact, its record and its kind, declared here: a host's cooling fails and the
    host shuts itself down (the engine then finds out by its own timers, as for a power loss)."""
    cooling = Fact("cooling", "host", True)  # every host starts cooled

    @dataclass(frozen=True)
    class HostCoolingFailed(Record):
        sets = (cooling, False)
        said = ("Error", "The cooling of host {host} failed: it shut itself down.")

        host: str

    def overheats(sim, fault) -> None:
        host = sim.hosts[fault.target_host]
        host.set_fact(HostCoolingFailed)
        host.power_off("thermal shutdown")

    act.register(act.ActionKind(
        COOLING, act.Side.FAULT, ("host",), overheats, doc="the host's cooling fails and it shuts down",
        said="Fault: the cooling of host {host} fails.", label="cooling fails on {host}",
        control=act.Control("cooling fails on {host}", "The fans of {host} stop now."),
    ))
    yield cooling
    act.unregister(COOLING)
    del KINDS["HostCoolingFailed"]


def test_a_new_physical_fact_is_kept_explained_and_worded_from_its_declaration_alone(cooling_kind):
    log = simulate(parse_scenario(_seed_with({"at": 60, "action": COOLING, "host": "pacific"})), seed=0)
    failed = next(r for r in log if r.event == "HostCoolingFailed")
    assert (failed.t, failed.host, failed.about) == (60.0, "pacific", "host")
    assert cooling_kind in facts()
    assert PhysicalState.at(log, 59).fact(cooling_kind, "pacific") is True  # its default, beside its declaration
    state = PhysicalState.at(log, 61)
    assert state.fact(cooling_kind, "pacific") is False and state.fact(cooling_kind, "atlantic") is True
    assert not state.is_powered("pacific")  # and the existing fact its actor changed
    assert "The cooling of host pacific failed: it shut itself down." in [e.message for e in events_table(log)]
    assert "HostCoolingFailed" in [step.kind for step in explain_host(log, "pacific")]
    assert any(r.event == "HostStatusChanged" and r.host == "pacific" and r.new == "Connecting" for r in log)
