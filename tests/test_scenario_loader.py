"""The scenario loader: what an instructor sees when a file is right, and when it is wrong.

The corpus in tests/broken_scenarios/ holds one mistake per file (and one file with many);
each file says in its header comments what the loader must answer:
    # expect: <a fragment of the message>       (one line per fragment)
    # schema: rejects | accepts | unreadable    (what the JSON Schema says; test_scenario_schema.py)
    # line: N                                    (the line of the first problem, when pinned)
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from hacourse.model import Fault, FencingPolicy, Host, Scenario, Vm
from hacourse.scenario import (
    Problem,
    ScenarioError,
    load_scenario,
    parse_scenario,
    validate_files,
    write_starter,
)
from hacourse.scenario.checker import Checker
from hacourse.scenario.engine_config import EngineConfig
from hacourse.scenario.starter import shipped_scenarios

CORPUS = Path(__file__).parent / "broken_scenarios"
BROKEN = sorted(CORPUS.glob("*.yaml"))

ISSUE_2_SHAPE = """\
name: Storage network down on a non-SPM host
engine_profile: rhev-3.3            # defaults of the guide's era
duration: 1800                      # seconds of simulated time
engine_config: {}                   # overrides, keyed as the real engine-config keys
cluster: {resilience_policy: migrate}   # migrate | migrate_ha_only | do_not_migrate
networks: [{name: ovirtmgmt, role: management}, {name: storage, role: storage}]
storage_domains: [{name: iscsi-share, type: iscsi, network: storage}]
spm: atlantic                       # the host that holds the SPM role at t=0
hosts:
  - {name: atlantic, spm_priority: 5, memory_gb: 64, power_management: true,
     nics: {em1: ovirtmgmt, p1p1: storage}}
  - {name: pacific, spm_priority: 5, memory_gb: 64, power_management: true,
     nics: {em1: ovirtmgmt, p1p1: storage}}
vms:
  - {name: db1, host: pacific, memory_gb: 8, ha: true, priority: high, writes: true}
  - {name: web1, host: pacific, memory_gb: 2, ha: false, priority: low, writes: false}
faults:
  - {at: 60, action: ifdown, host: pacific, nic: storage}   # a network name or a NIC name
  - {at: 60, action: ifdown, host: pacific, nic: p1p1}
"""


def header(path: Path, key: str) -> list[str]:
    text = path.read_bytes().decode("utf-8", errors="replace")
    return re.findall(rf"^# {key}: (.*)$", text, flags=re.MULTILINE)


def problems_of(text: str) -> list[Problem]:
    with pytest.raises(ScenarioError) as raised:
        parse_scenario(text, "x.yaml")
    return raised.value.problems


def test_the_issue_2_shape_loads_into_the_model():
    scenario = parse_scenario(ISSUE_2_SHAPE, "seed.yaml")
    assert isinstance(scenario, Scenario)
    assert scenario.source == "seed.yaml"
    assert scenario.spm == "atlantic"
    assert scenario.hosts[1] == Host(name="pacific", memory_gb=64.0, nics={"em1": "ovirtmgmt", "p1p1": "storage"},
                                     spm_priority=5, power_management=True)
    assert scenario.vms[0] == Vm(name="db1", host="pacific", memory_gb=8.0, ha=True, priority=100, writes=True)
    assert scenario.vms[1].priority == 1
    assert scenario.faults == (Fault(at=60.0, action="ifdown", host="pacific", nic="storage"),
                               Fault(at=60.0, action="ifdown", host="pacific", nic="p1p1"))
    assert scenario.cluster.fencing_policy == FencingPolicy()
    assert scenario.engine_config == {} and scenario.seed == 0 and scenario.expect == ()


def test_optional_keys_reach_the_model():
    text = ISSUE_2_SHAPE.replace("engine_config: {}", "engine_config: {NicDHCPDelayGraceInMS: 90, "
                                 "max_incoming_migrations: 3, migrate_paused_vms: not_eio}")
    text = text.replace("priority: low, writes: false}", "priority: 37, writes: false, dirty_rate_mib_s: 40, "
                        "resume_behavior: kill, lease: true}")
    text = text.replace("cluster: {resilience_policy: migrate}", "cluster: {resilience_policy: migrate_ha_only, "
                        "fencing_policy: {skip_if_sd_active: true, hosts_with_broken_connectivity_threshold: 75}}")
    text += "description: ''\nseed: 7\nexpect:\n  - {vm: db1, starts_migrating_before: web1}\n"
    scenario = parse_scenario(text.replace("rhev-3.3", "ovirt-4.5"))
    assert scenario.config().NicDHCPDelayGraceInMS == 90
    assert scenario.config().max_incoming_migrations == 3
    assert scenario.vms[1] == Vm(name="web1", host="pacific", memory_gb=2.0, priority=37, dirty_rate_mib_s=40.0,
                                 resume_behavior="kill", lease=True)
    assert scenario.cluster.resilience_policy == "migrate_ha_only"
    assert scenario.cluster.fencing_policy == FencingPolicy(skip_if_sd_active=True,
                                                            hosts_with_broken_connectivity_threshold=75)
    assert scenario.seed == 7
    assert scenario.expect == ({"vm": "db1", "starts_migrating_before": "web1"},)


def test_what_rhev_3_3_did_not_have_is_refused_naming_the_era():
    """Issue 19, correction 6: a 3.3 run never applies a 3.5+ setting silently."""
    text = ISSUE_2_SHAPE.replace("engine_config: {}", "engine_config: {max_incoming_migrations: 2}")
    text = text.replace("priority: low, writes: false}", "priority: low, writes: false, resume_behavior: kill, "
                        "lease: true}")
    said = [str(p) for p in problems_of(text)]
    assert any("unknown engine-config key 'max_incoming_migrations' for profile rhev-3.3" in p for p in said)
    for where, since in (("vms[1].lease", "oVirt 4.1"), ("vms[1].resume_behavior", "oVirt 4.2")):
        assert any(f"{where}: not in engine_profile rhev-3.3" in p and since in p and "ovirt-4.5" in p
                   for p in said), said
    assert parse_scenario(text.replace("rhev-3.3", "ovirt-4.5")).vms[1].lease


def test_a_fault_may_name_the_network_instead_of_the_nic():
    scenario = parse_scenario(ISSUE_2_SHAPE)
    assert {f.nic for f in scenario.faults} == {"storage", "p1p1"}


def test_yaml_anchors_and_merge_keys_work_as_in_safe_load():
    text = ISSUE_2_SHAPE.replace(
        "  - {name: atlantic, spm_priority: 5, memory_gb: 64, power_management: true,\n"
        "     nics: {em1: ovirtmgmt, p1p1: storage}}",
        "  - &big {name: atlantic, spm_priority: 5, memory_gb: 64, power_management: true,\n"
        "     nics: {em1: ovirtmgmt, p1p1: storage}}",
    ).replace("  - {name: pacific, spm_priority: 5, memory_gb: 64, power_management: true,\n"
              "     nics: {em1: ovirtmgmt, p1p1: storage}}", "  - {<<: *big, name: pacific}")
    scenario = parse_scenario(text)
    assert scenario.hosts[1].name == "pacific" and scenario.hosts[1].memory_gb == 64.0


@pytest.mark.parametrize("path", sorted(shipped_scenarios().values()), ids=lambda p: p.name)
def test_every_shipped_scenario_loads(path):
    assert load_scenario(path).name


def test_the_corpus_is_large_enough():
    assert len(BROKEN) >= 30


@pytest.mark.parametrize("path", BROKEN, ids=lambda p: p.stem)
def test_each_broken_scenario_gets_its_message(path):
    expected = header(path, "expect")
    assert expected, f"{path.name} says nothing about what to expect"
    with pytest.raises(ScenarioError) as raised:
        load_scenario(path)
    text = str(raised.value)
    for fragment in expected:
        assert fragment in text, f"{fragment!r} not in:\n{text}"
    assert all(str(p).startswith(f"{path}:") for p in raised.value.problems)


@pytest.mark.parametrize("path", BROKEN, ids=lambda p: p.stem)
def test_each_problem_names_its_line_and_column(path):
    problems = validate_files([path])
    assert problems
    for problem in problems:
        if problem.kind != "file" and "empty" not in problem.message:
            assert problem.line is not None and problem.column is not None, problem
    for line in header(path, "line"):
        assert problems[0].line == int(line), problems[0]


def test_the_message_reads_file_line_column_field_found_allowed_hint():
    path = CORPUS / "unknown-network-on-nic.yaml"
    [problem] = validate_files([path])
    assert str(problem) == (
        f"{path}:18:82: hosts[1].nics.p1p1: unknown network 'storge'; allowed: ovirtmgmt, storage "
        "(did you mean 'storage'?)"
    )


def test_every_problem_of_a_file_is_reported_at_once_in_file_order():
    problems = validate_files([CORPUS / "many-problems.yaml"])
    assert len(problems) == 5
    assert [p.line for p in problems] == sorted(p.line for p in problems)


def test_the_error_is_one_paragraph_per_problem():
    error = ScenarioError(validate_files([CORPUS / "many-problems.yaml"]))
    paragraphs = str(error).split("\n\n")
    assert len(paragraphs) == 5 and all("\n" not in p for p in paragraphs)


def test_one_mistake_gives_one_problem_not_a_cascade():
    """A host whose memory is misspelt is still a host: VMs placed on it are not 'unknown'."""
    problems = validate_files([CORPUS / "unknown-host-key.yaml"])
    assert [p.message[:32] for p in problems] == ["missing required key 'memory_gb'", "unknown key 'memroy_gb'; allowed"]


def test_references_to_a_broken_section_are_not_judged():
    """With `hosts:` written as a mapping, 'unknown host' everywhere would only be noise."""
    problems = validate_files([CORPUS / "hosts-as-mapping.yaml"])
    assert [p.path for p in problems] == ["hosts"]


def test_engine_config_keys_are_those_of_the_chosen_profile():
    text = ISSUE_2_SHAPE.replace("engine_config: {}", "engine_config: {MaxTimeAutoStartBlockedOnPriority: 60}")
    assert parse_scenario(text.replace("rhev-3.3", "ovirt-4.5")).config().MaxTimeAutoStartBlockedOnPriority == 60
    [problem] = problems_of(text.replace("MaxTimeAutoStartBlockedOnPriority: 60", "NoSuchKey: 1"))
    assert "unknown engine-config key 'NoSuchKey' for profile rhev-3.3" in problem.message


def test_with_an_unknown_profile_engine_config_keys_are_checked_against_every_profile():
    text = ISSUE_2_SHAPE.replace("rhev-3.3", "rhev-3.2").replace("engine_config: {}", "engine_config: {NoSuchKey: 1}")
    messages = [p.message for p in problems_of(text)]
    assert messages[0].startswith("unknown value 'rhev-3.2'; allowed: rhev-3.3, ovirt-4.5")
    assert messages[1].startswith("unknown engine-config key 'NoSuchKey'; allowed: ")


def test_a_key_of_another_profile_is_refused_and_kinds_come_from_the_profiles():
    config = EngineConfig({"old": {"Grace": 60}, "new": {"Grace": 30, "Switch": True, "Limit": None}}, "old", {})
    checker = Checker("x.yaml", profile="old")
    node = yaml.compose("{Grace: 10, Switch: false}")
    assert config.check(node, ("engine_config",), checker) == {"Grace": 10}
    assert [p.message.split(";")[0] for p in checker.problems] == ["unknown engine-config key 'Switch' for profile old"]
    checker = Checker("x.yaml", profile="new")
    assert config.check(yaml.compose("{Switch: false, Limit: null}"), (), checker) == {"Switch": False, "Limit": None}
    assert config.json_schema()["properties"]["Limit"] == {
        "description": "defaults: new: null", "anyOf": [{"type": "integer", "minimum": 0}, {"type": "null"}]}


def test_an_integer_written_as_a_float_is_an_integer():
    scenario = parse_scenario(ISSUE_2_SHAPE.replace("spm_priority: 5, memory_gb: 64, power_management: true,\n"
                                                    "     nics: {em1: ovirtmgmt, p1p1: storage}}\n  - {name: pac",
                                                    "spm_priority: 7.0, memory_gb: 64, power_management: true,\n"
                                                    "     nics: {em1: ovirtmgmt, p1p1: storage}}\n  - {name: pac"))
    assert scenario.hosts[0].spm_priority == 7 and isinstance(scenario.hosts[0].spm_priority, int)


def test_a_missing_or_unreadable_file_is_a_problem_not_a_crash(tmp_path):
    problems = validate_files([tmp_path / "nope.yaml", tmp_path, CORPUS / "unknown-vm-host.yaml"])
    assert [p.kind for p in problems] == ["file", "file", "semantic"]
    assert "cannot read the file" in problems[0].message and str(problems[0]).startswith(str(tmp_path))


def test_the_starter_scenario_validates(tmp_path):
    path = write_starter(tmp_path / "my-first-scenario.yaml")
    assert validate_files([path]) == []
    text = path.read_text()
    assert text.startswith("# yaml-language-server: $schema=")
    assert load_scenario(path).name == "My first scenario"


@pytest.mark.parametrize("name", sorted(shipped_scenarios()))
def test_new_from_a_shipped_scenario_copies_it_and_validates(tmp_path, name):
    path = write_starter(tmp_path / "copy.yaml", from_name=name)
    copied = load_scenario(path)
    original = load_scenario(shipped_scenarios()[name])
    assert copied.vms == original.vms and copied.faults == original.faults
    assert path.read_text().count("# yaml-language-server: $schema=") == 1


def test_new_never_overwrites_and_suggests_a_shipped_name(tmp_path):
    existing = tmp_path / "mine.yaml"
    existing.write_text("keep me")
    with pytest.raises(ScenarioError, match="already exists; not overwritten"):
        write_starter(existing)
    assert existing.read_text() == "keep me"
    with pytest.raises(ScenarioError, match="did you mean 'pacific-storage-down'"):
        write_starter(tmp_path / "other.yaml", from_name="pacific-storage-dwn")
    assert not (tmp_path / "other.yaml").exists()


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_no_text_makes_the_loader_crash(data):
    """Cut, splice or garble the seed shape anywhere: the answer is a Scenario or a ScenarioError."""
    start = data.draw(st.integers(0, len(ISSUE_2_SHAPE)))
    end = data.draw(st.integers(start, min(len(ISSUE_2_SHAPE), start + 40)))
    insert = data.draw(st.text(alphabet=" \t\n:-{}[],&*!|>'\"#%@`?abc01.", max_size=8))
    text = ISSUE_2_SHAPE[:start] + insert + ISSUE_2_SHAPE[end:]
    error = None
    try:
        parse_scenario(text)
    except ScenarioError as caught:
        error = caught
    assert error is None or (error.problems and all(isinstance(p, Problem) for p in error.problems))


@pytest.mark.parametrize(("old", "new", "line", "message"), [
    ("duration: 1800", "duration:1800", 3, "`duration:1800` needs a space after the colon: write `duration: 1800`"),
    (("  - {name: atlantic, spm_priority: 5, memory_gb: 64, power_management: true,\n"
     "     nics: {em1: ovirtmgmt, p1p1: storage}}"),
     "  - name:atlantic\n    memory_gb: 64\n    nics: {em1: ovirtmgmt, p1p1: storage}", 10,
     "`name:atlantic` needs a space after the colon: write `name: atlantic`"),
    ("name: Storage network down on a non-SPM host", "name: Lab: storage down", 1,
     "a value that contains ': ' must be quoted: write `name: 'Lab: storage down'`"),
    ("spm: atlantic ", "spm: atlantic\n  seed: 3 ", 9,
     "`seed` is indented more than `spm` on line 8, so YAML reads it as part of spm's value"),
])
def test_yaml_slips_are_named_on_their_line_with_what_to_write(old, new, line, message):
    assert old in ISSUE_2_SHAPE
    [problem] = problems_of(ISSUE_2_SHAPE.replace(old, new))
    assert problem.line == line and message in problem.message, problem


def test_a_host_entry_with_a_problem_still_answers_for_its_name():
    """One pass: the host's misspelt key, and a misspelt reference elsewhere, both at once."""
    text = ISSUE_2_SHAPE.replace("spm_priority: 5, memory_gb: 64, power_management: true,\n     nics: {em1: ovirtmgmt, "
                                 "p1p1: storage}}\n  - {name: pac", "spm_priority: 5, memroy_gb: 64, power_management: "
                                 "true,\n     nics: {em1: ovirtmgmt, p1p1: storage}}\n  - {name: pac", 1)
    text = text.replace("spm: atlantic", "spm: atlantc")
    said = [(p.path, p.message.split(";")[0]) for p in problems_of(text)]
    assert said == [("spm", "unknown host 'atlantc'"),
                    ("hosts[0]", "missing required key 'memory_gb' (the host's RAM in GiB"),
                    ("hosts[0]", "unknown key 'memroy_gb'")]
