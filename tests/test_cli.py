"""The command line as a user types it: readable output, JSON Lines, and errors without tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.seed import ROOT, SEED


def hacourse(*args: str, cwd=ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hacourse.cli", *args], check=False, capture_output=True, text=True,
                          cwd=cwd, timeout=120)


def test_run_prints_a_readable_timeline_in_minutes():
    out = hacourse("run", str(SEED))
    assert out.returncode == 0, out.stderr
    assert "Host pacific moved from Up to NonOperational" in out.stdout
    assert "2:06" in out.stdout or "NonOperational" in out.stdout
    assert "Migration started (VM: db1" in out.stdout


def test_run_json_prints_one_record_a_line_with_t_and_event_first():
    out = hacourse("run", str(SEED), "--json")
    lines = out.stdout.splitlines()
    records = [json.loads(line) for line in lines]
    assert all(list(r)[:2] == ["t", "event"] for r in records)
    assert records[0]["event"] == "SimulationStarted"
    assert any(r["event"] == "MigrationFinished" for r in records)


def test_run_json_is_byte_identical_across_processes_for_one_seed():
    first = hacourse("run", str(SEED), "--json", "--seed", "3").stdout
    second = hacourse("run", str(SEED), "--json", "--seed", "3").stdout
    assert first == second and first


def test_a_malformed_scenario_gets_a_message_and_exit_status_2_not_a_traceback(tmp_path):
    bad = tmp_path / "typo.yaml"
    bad.write_text(SEED.read_text().replace("memory_gb: 4, ha: true", "memory_gb: 4, ha: true, priorty: 3"))
    out = hacourse("run", str(bad))
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    assert "typo.yaml" in out.stderr and "priorty" in out.stderr and "priority" in out.stderr


def test_unknown_host_in_a_fault_names_the_file_the_place_and_the_hosts(tmp_path):
    bad = tmp_path / "host.yaml"
    bad.write_text(SEED.read_text().replace("host: pacific, nic: p1p1}", "host: pacifc, nic: p1p1}"))
    out = hacourse("run", str(bad))
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "host.yaml:" in out.stderr and "pacifc" in out.stderr and "pacific" in out.stderr


def test_validate_reports_every_problem_and_exits_2(tmp_path):
    bad = tmp_path / "two.yaml"
    text = SEED.read_text().replace("priority: high, writes: true", "priority: urgent, writes: true")
    bad.write_text(text.replace("duration: 1800", "duration: -5"))
    out = hacourse("validate", str(bad))
    assert out.returncode == 2
    assert "urgent" in out.stderr and "duration" in out.stderr


def test_validate_accepts_the_shipped_scenarios():
    files = sorted(str(p) for p in (ROOT / "scenarios").glob("*.yaml"))
    out = hacourse("validate", *files)
    assert out.returncode == 0, out.stderr


def test_validate_also_checks_expect_entries(tmp_path):
    bad = tmp_path / "expect.yaml"
    bad.write_text(SEED.read_text().replace("{never: HostFenced}", "{host: pacfic, becomes: NonOperational}"))
    out = hacourse("validate", str(bad))
    assert out.returncode == 2
    assert "expect.yaml:" in out.stderr and "pacfic" in out.stderr


def test_run_check_reports_no_violation_on_the_seed_and_exits_0():
    out = hacourse("run", str(SEED), "--check")
    assert out.returncode == 0, out.stderr
    assert "invariants: 0 violation(s)" in out.stderr
