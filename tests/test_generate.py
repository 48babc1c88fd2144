"""Generated clusters: loadable files, one file per seed, the fault the large-cluster lesson needs."""

from __future__ import annotations

from collections import defaultdict

import pytest

from hacourse import parse_scenario, simulate
from hacourse.cli import main as cli_main
from hacourse.study.generate import generate_scenario, main


def test_a_generated_cluster_passes_the_loader_with_the_sizes_asked_for():
    scenario = parse_scenario(generate_scenario(hosts=30, vms=400, seed=1))
    assert len(scenario.hosts) == 30
    assert len(scenario.vms) == 400
    assert scenario.duration == 7200
    assert scenario.spm == scenario.hosts[0].name


def test_one_seed_gives_one_file_and_another_seed_another():
    assert generate_scenario(20, 100, seed=3) == generate_scenario(20, 100, seed=3)
    assert generate_scenario(20, 100, seed=3) != generate_scenario(20, 100, seed=4)


def test_a_tenth_of_the_hosts_lose_storage_and_one_other_host_its_management_network():
    scenario = parse_scenario(generate_scenario(hosts=50, vms=500, seed=0))
    storage = {f.host for f in scenario.faults if f.nic == "storage"}
    management = {f.host for f in scenario.faults if f.nic == "ovirtmgmt"}
    assert len(storage) == 5
    assert len(management) == 1
    assert not storage & management
    assert scenario.spm not in storage | management
    assert {f.at for f in scenario.faults} == {600}


def test_every_host_holds_the_vms_placed_on_it():
    scenario = parse_scenario(generate_scenario(hosts=7, vms=300, seed=2))
    used: dict[str, float] = defaultdict(float)
    for vm in scenario.vms:
        used[vm.host] += vm.memory_gb
    for host in scenario.hosts:
        assert used[host.name] <= host.memory_gb


def test_a_generated_run_turns_the_storage_hosts_non_operational_and_fences_the_silent_one():
    scenario = parse_scenario(generate_scenario(hosts=20, vms=200, seed=0))
    log = simulate(scenario)
    storage = {f.host for f in scenario.faults if f.nic == "storage"}
    management = {f.host for f in scenario.faults if f.nic == "ovirtmgmt"}
    non_operational = {r.host for r in log if r.event == "HostStatusChanged" and r.new == "NonOperational"}
    fenced = {r.host for r in log if r.event == "HostFenced"}
    assert non_operational == storage
    assert fenced == management
    assert any(r.event == "MigrationFinished" for r in log)


@pytest.mark.parametrize(("hosts", "vms", "message"), [
    (2, 10, "need at least 3 hosts"), (0, 10, "need at least 3 hosts"), (10, -1, "vms must be 0 or more")])
def test_impossible_sizes_are_refused(hosts, vms, message):
    with pytest.raises(ValueError, match=message):
        generate_scenario(hosts, vms)


def test_the_command_writes_a_file_the_loader_reads(tmp_path):
    out = tmp_path / "big.yaml"
    assert cli_main(["generate", "--hosts", "12", "--vms", "60", "--seed", "5", "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == generate_scenario(12, 60, 5)
    assert len(parse_scenario(out.read_text(encoding="utf-8")).hosts) == 12


def test_the_command_refuses_a_cluster_too_small_with_a_message(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--hosts", "1", "--vms", "5"])
    assert stop.value.code == 2
    assert "at least 3 hosts" in capsys.readouterr().err
