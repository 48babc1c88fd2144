"""Golden logs of the shipped scenarios: the exact event log, regenerated only on purpose.

A difference is reported where it starts, field by field; a missing golden log is an error that
says how to make one, and nothing writes one unless asked (`--update`).
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hacourse import load_scenario, simulate, to_jsonl
from hacourse.grading.check import check_files
from hacourse.grading.golden import first_difference, golden_path
from tests.seed import ROOT, SEED

GOLDEN = ROOT / "tests" / "golden"
SHIPPED = sorted((ROOT / "scenarios").glob("*.yaml"))
REGENERATE = "hacourse check --golden tests/golden --update scenarios/NAME.yaml"


def check(*paths, **options) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    status = check_files([str(p) for p in paths], out=out, err=err, **options)
    return status, out.getvalue() + err.getvalue()


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_each_shipped_scenario_still_produces_its_golden_log(path):
    golden = GOLDEN / f"{path.stem}.jsonl"
    assert golden.is_file(), f"no golden log for {path.name}; make it on purpose: {REGENERATE}"
    scenario = load_scenario(path)
    report = first_difference(golden.read_text(), to_jsonl(simulate(scenario)), str(golden))
    assert report is None, f"{report}\nif the change of behaviour is intended: {REGENERATE}"


def test_no_golden_log_is_left_without_its_scenario():
    assert {g.stem for g in GOLDEN.glob("*.jsonl")} == {p.stem for p in SHIPPED}


def test_a_missing_golden_log_is_an_error_that_says_how_to_create_it_and_creates_nothing(tmp_path):
    status, text = check(SEED, golden=tmp_path)
    assert status == 2
    assert f"no golden log at {tmp_path / 'pacific-storage-down.jsonl'}" in text
    assert f"hacourse check --golden {tmp_path} --update {SEED}" in text
    assert list(tmp_path.iterdir()) == []


def test_update_writes_the_golden_log_and_the_next_check_finds_it_identical(tmp_path):
    status, text = check(SEED, golden=tmp_path, update=True)
    written = tmp_path / "pacific-storage-down.jsonl"
    assert status == 0 and f"golden log written: {written}" in text
    assert written.read_text() == to_jsonl(simulate(load_scenario(SEED)))
    status, text = check(SEED, golden=tmp_path)
    assert status == 0 and "golden log: identical" in text


def test_another_seed_has_its_own_golden_log(tmp_path):
    check(SEED, golden=tmp_path, update=True, seeds=[3])
    assert (tmp_path / "pacific-storage-down.seed3.jsonl").is_file()
    assert golden_path(SEED, 0, 0, tmp_path).name == "pacific-storage-down.jsonl"


def test_a_changed_record_is_reported_at_its_first_difference_field_by_field(tmp_path):
    check(SEED, golden=tmp_path, update=True)
    golden = tmp_path / "pacific-storage-down.jsonl"
    lines = golden.read_text().splitlines()
    at = next(i for i, line in enumerate(lines) if '"new":"NonOperational"' in line)
    record = json.loads(lines[at])
    record["t"] += 30
    lines[at] = json.dumps(record, separators=(",", ":"))
    golden.write_text("\n".join(lines) + "\n")
    status, text = check(SEED, golden=tmp_path)
    assert status == 1
    assert f"first differs at record {at + 1} (line {at + 1})" in text
    assert f"t {record['t']!r} -> {record['t'] - 30!r}" in text
    assert f"if the change is intended, regenerate it: hacourse check --golden {tmp_path} --update" in text


def test_first_difference_names_a_log_that_ends_early_and_a_change_of_kind():
    log = to_jsonl(simulate(load_scenario(SEED))).splitlines(keepends=True)
    assert first_difference("".join(log), "".join(log)) is None
    shorter = first_difference("".join(log), "".join(log[:-1]))
    assert f"golden has {len(log)} records, this run {len(log) - 1}" in shorter and "(ends here)" in shorter
    fault = next(i for i, line in enumerate(log) if '"FaultInjected"' in line)
    swapped = log[:fault] + log[fault + 1:fault + 2] + log[fault:fault + 1] + log[fault + 2:]
    report = first_difference("".join(log), "".join(swapped))
    second = json.loads(log[fault + 1])["event"]
    assert f"record {fault + 1}" in report and f"fields that differ: event FaultInjected -> {second}" in report


def test_the_command_line_never_writes_a_golden_log_unless_asked(tmp_path):
    def hacourse(*args):
        return subprocess.run([sys.executable, "-m", "hacourse.cli", "check", "--golden",
                               str(tmp_path), *args, str(SEED)], capture_output=True, text=True, cwd=ROOT,
                              timeout=300, check=False)
    missing = hacourse()
    assert missing.returncode == 2 and "--update" in missing.stdout and not any(tmp_path.iterdir())
    assert hacourse("--update").returncode == 0
    assert hacourse().returncode == 0


def cli(*args, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hacourse.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=300, check=False, env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_a_golden_log_lives_beside_its_scenario_whatever_folder_the_command_runs_from(tmp_path):
    course, elsewhere = tmp_path / "course", tmp_path / "elsewhere"
    course.mkdir(), elsewhere.mkdir()
    lab = course / "lab.yaml"
    lab.write_text(SEED.read_text())
    assert cli("check", "--golden", "--update", lab, cwd=elsewhere).returncode == 0
    assert (course / "lab.golden.jsonl").read_text() == to_jsonl(simulate(load_scenario(lab)))
    assert list(elsewhere.iterdir()) == []
    again = cli("check", "--golden", "lab.yaml", cwd=course)
    assert again.returncode == 0 and f"identical to {Path('lab.golden.jsonl')}" in again.stdout
    other_seed = cli("check", "--golden", "--seed", "4", lab, cwd=elsewhere)
    assert other_seed.returncode == 2 and f"no golden log at {course / 'lab.seed4.golden.jsonl'}" in other_seed.stdout


def test_a_golden_folder_beside_the_scenarios_holds_their_logs(tmp_path):
    (tmp_path / "golden").mkdir()
    lab = tmp_path / "lab.yaml"
    lab.write_text(SEED.read_text())
    assert cli("check", "--golden", "--update", lab, cwd=ROOT).returncode == 0
    assert (tmp_path / "golden" / "lab.jsonl").is_file() and not (tmp_path / "lab.golden.jsonl").exists()


def test_golden_names_a_folder_or_a_single_file(tmp_path):
    file = tmp_path / "pinned.jsonl"
    assert cli("check", "--golden", file, "--update", SEED, cwd=tmp_path).returncode == 0
    assert file.read_text() == to_jsonl(simulate(load_scenario(SEED)))
    both = cli("check", "--golden", file, "--seeds", "0-1", SEED, cwd=tmp_path)
    assert both.returncode == 2 and "one golden log holds one run" in both.stderr
    shipped = cli("check", "--golden", GOLDEN, *SHIPPED, cwd=tmp_path)
    assert shipped.returncode == 0, shipped.stdout + shipped.stderr
    assert shipped.stdout.count("golden log: identical") == len(SHIPPED)
